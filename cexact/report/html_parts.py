"""What each part of an HTML audit page shows, prepared from the result: stage cells,
deviation rows, measured outputs, a site's section, waivers, the recipes read and
the audit trail. Labels and CSS classes only; every verdict comes from the result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from cexact import numbers
from cexact.commands.check import InspectedFile
from cexact.commands.diff import DiffResult, RecipeSummary
from cexact.compare.gate import StageCount, StageState
from cexact.compare.waivers import WaiverOutcome
from cexact.model import AppliedFile, Deviation, GateStatus
from cexact.report.audit_trail import AuditTrail
from cexact.report.formatting import (
    achieved_label,
    format_change,
    stage_state_label,
    visible,
    waiver_notes,
    waivers_not_applied_text,
)

if TYPE_CHECKING:
    from cexact.commands.match_results import MatchReport, OutputMatch

from cexact.report.html_charts import distribution_chart
from cexact.report.html_engine import DATE, View

# --- what each part of a page shows ----------------------------------------------------


def stage_cell_view(count: StageCount) -> View:
    """One matrix cell: its text and CSS class (darker red with more deviations)."""
    open_, waived = count.open, count.waived
    waived_text = f", {waived} waived" if waived else ""
    if count.state is StageState.OPEN_NOT_REQUIRED:
        return {"css": "warn", "text": f"{open_} open (not required){waived_text}"}
    if count.state is StageState.OPEN:
        level = 1 if open_ <= 2 else 2 if open_ <= 9 else 3
        return {"css": f"fail-{level}", "text": f"{open_} open{waived_text}"}
    if count.state is StageState.MET:
        return {"css": "met-waived" if waived else "met", "text": f"met{waived_text}"}
    return {"css": "none", "text": f"not reached{waived_text}"}


_ROW_CSS = {
    GateStatus.WAIVED: ("waived", "waived"),
    GateStatus.NOT_REQUIRED: ("open-above", "open (not required)"),
    GateStatus.BLOCKING: ("open-required", "open"),
}


def _keep_together(text: str, identifiers: Iterable[str | None]) -> Markup:
    """`text`, escaped, with each identifier in it unbreakable (no break at its hyphens)."""
    markup = str(escape(visible(text)))
    words = sorted({str(escape(visible(i))) for i in identifiers if i}, key=len, reverse=True)
    if words:
        pattern = "|".join(map(re.escape, words))
        markup = re.sub(pattern, lambda found: f'<span class="nowrap">{found[0]}</span>', markup)
    return Markup(markup)


def _gate_text(deviation: Deviation) -> Markup:
    """What the deviation means for the gate, and what the waivers did with it."""
    _, status = _ROW_CSS[deviation.gate or GateStatus.BLOCKING]
    notes = waiver_notes(deviation, arrow="→")
    if deviation.waiver:
        status, notes = notes[0], notes[1:]
    miss = deviation.waiver_miss
    ids = (deviation.waiver, deviation.expired_waiver, miss.waiver if miss else None)
    return _keep_together("; ".join([status, *notes]), ids)


def _deviation_row(deviation: Deviation) -> View:
    mother_text, child_text = format_change(deviation, None)
    css, _ = _ROW_CSS[deviation.gate or GateStatus.BLOCKING]
    return {
        "css": css,
        "path": deviation.path,
        "kind": deviation.kind.value,
        "severity": deviation.severity.value,
        "mother": mother_text,
        "child": child_text,
        "mother_location": deviation.mother_location,
        "child_location": deviation.child_location,
        "status": _gate_text(deviation),
        "detail": deviation.detail,
    }


def _site_rows(match: OutputMatch) -> list[View]:
    """Both sites' statistics, the means to the same (measured) precision."""
    return [
        {
            "site": site,
            "n": stats.n,
            "mean": numbers.to_decimals(stats.mean, match.mean_decimals),
            "sd": numbers.short(stats.std),
            "cpk": "-" if stats.cpk is None else f"{stats.cpk:.2f}",
        }
        for site, stats in (("mother", match.mother), ("child", match.child))
    ]


def _tests(match: OutputMatch) -> str:
    if match.margin is None or match.tost_p is None:
        return "Not tested (see why above)."
    return (
        f"Means within ±{match.margin:.4g} {match.unit}: TOST p "
        f"{numbers.p_value(match.tost_p)}; variance ratio "
        f"{numbers.short(match.variance_ratio, 3)} (max {match.max_variance_ratio:g}): "
        f"F-test p {numbers.p_value(match.f_p)}."
    )


def _matching(report: MatchReport | None, prefix: str) -> View | None:
    if report is None:
        return None
    outputs = [
        {
            "name": f"steps[{match.step}].outputs.{match.output}",
            "verdict": match.verdict.value,
            "reasons": list(match.reasons),
            "unit": match.unit,
            "sites": _site_rows(match),
            "tests": _tests(match),
            "chart": distribution_chart(match, f"{prefix}-clip-{index}"),
        }
        for index, match in enumerate(report.outputs)
    ]
    return {
        "summary": (
            f"{len(report.matched)} matched, {len(report.not_matched)} not matched, "
            f"{len(report.insufficient)} with insufficient data, {len(report.unverified)} "
            "unverified (no data at a site)."
        ),
        "outputs": outputs,
        "unverified": [f"steps[{step}].outputs.{output}" for step, output in report.unverified],
    }


def site_section(check: DiffResult, anchor: str) -> View:
    mother, child = check.mother, check.child
    not_applied = waivers_not_applied_text(check.waivers_not_applied)
    return {
        "anchor": anchor,
        "label": f"{child.line_id} / {child.site}",
        "verdict": "PASS" if check.passed else "FAIL",
        "summary": (
            f"achieved {achieved_label(check.achieved)}, required "
            f"{check.required.display_name}. Child {child.path} version {child.version} "
            f"against mother {mother.site} {mother.path} version {mother.version}."
        ),
        "notes": [*check.notes, *([not_applied] if not_applied else [])],
        "counts": [
            {
                "stage": count.stage.display_name,
                "open": count.open,
                "waived": count.waived,
                "state": stage_state_label(count),
                "css": stage_cell_view(count)["css"],
            }
            for count in check.counts
        ],
        "deviations": [_deviation_row(d) for d in check.deviations],
        "matching": _matching(check.matching, anchor),
    }


def waiver_rows(outcomes: Iterable[WaiverOutcome], checks: Sequence[DiffResult]) -> list[View]:
    misses = {
        (c.child.line_id, c.child.site, d.waiver_miss.waiver): waiver_notes(d, arrow="→")[-1]
        for c in checks
        for d in c.deviations
        if d.waiver_miss is not None
    }
    views = []
    for outcome in outcomes:
        waiver = outcome.waiver
        miss = misses.get((waiver.line, waiver.site, waiver.id))
        views.append(
            {
                "id": waiver.id,
                "status": outcome.status.value,
                "line": waiver.line,
                "site": waiver.site,
                "path": waiver.path,
                "change_request": waiver.change_request,
                "expires": waiver.expires.isoformat(),
                "location": str(waiver.location),
                "covers": list(outcome.covers),
                "notes": [miss] if miss else [],
                "ground": waiver.ground,
                "reason": waiver.reason,
                "justification": waiver.justification,
                "approvals": waiver.approvals,
            }
        )
    return views


def _recipes(summaries: Iterable[RecipeSummary]) -> list[View]:
    seen: dict[str, View] = {}
    for summary in summaries:
        seen.setdefault(
            summary.path,
            {
                "role": summary.role,
                "path": summary.path,
                "line_id": summary.line_id,
                "site": summary.site,
                "version": summary.version,
                "sha256": summary.sha256,
                "commit": summary.commit or "not in a git work tree",
                "dirty": (
                    "not in a git work tree"
                    if summary.dirty is None
                    else "differs from the commit (uncommitted changes)"
                    if summary.dirty
                    else "as committed"
                ),
            },
        )
    return list(seen.values())


def applied_files(projects: Iterable[AppliedFile], waivers: Iterable[AppliedFile]) -> list[View]:
    found: dict[str, View] = {}
    for kind, files in (("project file", projects), ("waiver file", waivers)):
        for file in files:
            found.setdefault(file.path, {"kind": kind, "path": file.path, "sha256": file.sha256})
    return list(found.values())


def audit_trail(
    audit: AuditTrail,
    command: str,
    summaries: Iterable[RecipeSummary],
    applied: list[View],
    extra_facts: Sequence[tuple[str, str]] = (),
    other_files: Sequence[InspectedFile] = (),
) -> View:
    command_line = " ".join(audit.command_line) if audit.command_line else f"cexact {command}"
    recipes = _recipes(summaries)
    compared = {recipe["path"] for recipe in recipes}
    return {
        "facts": [
            ("Tool", f"cexact {audit.tool_version}"),
            ("Generated", audit.generated_at),
            ("User", audit.user),
            ("Host", audit.host),
            ("Command line", command_line),
            *extra_facts,
        ],
        "applied": applied,
        "recipes": recipes,
        "other_files": [
            {"path": f.path, "kind": f.kind, "valid": "yes" if f.valid else "no"}
            for f in other_files
            if f.path not in compared
        ],
    }


def page(
    title: str, passed: bool, verdict: str, facts: Sequence[str], contents: Sequence[str]
) -> View:
    text = "; ".join(facts)
    sentence = f"{text[:1].upper()}{text[1:]}." if text else ""
    return {
        "title": title,
        "passed": passed,
        "verdict": verdict,
        "facts": _keep_together(sentence, DATE.findall(sentence)),
        "contents": [(anchor, anchor.replace("-", " ")) for anchor in contents],
    }


__all__ = [
    "applied_files",
    "audit_trail",
    "page",
    "site_section",
    "stage_cell_view",
    "waiver_rows",
]
