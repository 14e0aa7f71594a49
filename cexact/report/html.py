"""A self-contained HTML audit report: one file, no network, prints cleanly.

The pages are Jinja2 templates (package data in `templates/`), one per view
(check, diff, drift) on a shared base layout and stylesheet, with
autoescaping on: every value from a recipe, waiver, file name or git author
is escaped by the template engine, and made visible (no control characters)
on its way out. This module only prepares what each view shows from the
result: labels, CSS classes, chart geometry. It decides nothing; verdicts
come from the result (`cexact.compare.gate`).

Identifiers (paths, file locations) may break only after a path separator
(`.`, `]`, `/`, `:`): the `breakable` filter escapes them and puts a `<wbr>`
there. Charts are inline SVG with a visible legend and a labelled axis.
Nothing is fetched: one <style> block, no scripts, fonts or images. In print
(A4 or Letter), headings stay with what follows, small tables and charts do
not split, and every page has the report's title and its page number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, TextIO

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from cexact import numbers
from cexact.commands.check import FleetReport, InspectedFile, UncomparedSite
from cexact.commands.diff import DiffResult, RecipeSummary
from cexact.commands.drift import DriftItem, DriftResult
from cexact.compare import gate
from cexact.compare.gate import StageCount, StageState
from cexact.compare.waivers import WaiverOutcome
from cexact.model import AppliedFile, Deviation, GateStatus, SourceLocation, Stage
from cexact.report import Renderer
from cexact.report.audit_trail import AuditTrail
from cexact.report.formatting import (
    achieved_label,
    format_change,
    not_compared_text,
    row_verdict,
    stage_state_label,
    visible,
    waiver_notes,
    waivers_not_applied_text,
)

if TYPE_CHECKING:
    from cexact.commands.impact_results import ImpactResult
    from cexact.commands.match_results import MatchReport, OutputMatch, SiteStatistics

View = dict[str, Any]
"""What a template shows: plain values, lists and dicts, prepared here."""

_OPEN_COLOUR = "#c0392b"
_ABOVE_COLOUR = "#e0a526"
_WAIVED_COLOUR = "#5b9aa0"
_MOTHER_COLOUR = "#3465a4"
_CHILD_COLOUR = "#e07b00"

_SEPARATOR = re.compile(r"[\]/:]|\.(?!\d)|(?<!\d)\.")
"""Where an identifier may break: after `]`, `/`, `:`, or a `.` that is no decimal point."""
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:[+-]\d{2}:\d{2}|Z)?)?")
"""A date or a timestamp in running text: never broken at its hyphens."""


# --- the template engine -------------------------------------------------------------


def _finalize(value: object) -> object:
    """Every printed value is made visible: no control character reaches the page."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return visible(value)


def breakable(value: object) -> Markup:
    """An identifier, escaped, that may break only after a path separator.

    A piece with a hyphen is kept whole (browsers break after hyphens)."""
    text = visible(str(value))
    pieces, start = [], 0
    for found in _SEPARATOR.finditer(text):
        pieces.append(_unbroken(text[start : found.end()]))
        start = found.end()
    pieces.append(_unbroken(text[start:]))
    return Markup("<wbr>").join(piece for piece in pieces if piece)


def _unbroken(piece: str) -> Markup:
    if "-" in piece:
        return Markup('<span class="nowrap">%s</span>') % piece
    return escape(piece)


def css_string(value: object) -> Markup:
    """A CSS string literal that no text can break out of (inside <style>, raw text)."""
    text = visible(str(value))
    body = "".join(c if c.isalnum() and c.isascii() else f"\\{ord(c):06x}" for c in text)
    return Markup(f'"{body}"')


def short_location(location: SourceLocation) -> Markup:
    """`name.yaml:12:7`, escaped, breakable only between the file name and `12:7`."""
    name = _unbroken(visible(PurePath(location.file).name))
    return Markup(f"{name}:<wbr>{location.line}:{location.column}")


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("cexact.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["breakable"] = breakable
    environment.filters["css_string"] = css_string
    environment.filters["short_location"] = short_location
    return environment


# --- charts --------------------------------------------------------------------------


def _nice_step(span: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) for about `ticks` ticks."""
    raw = span / max(ticks, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _ticks(low: float, high: float, x_of: Callable[[float], float]) -> list[View]:
    step = _nice_step(high - low)
    first = math.ceil(low / step) * step
    count = math.floor((high - first) / step + 1e-9) + 1
    return [
        {"x": round(x_of(first + i * step), 1), "label": f"{first + i * step:.10g}"}
        for i in range(count)
    ]


def _legend(*items: tuple[str, str, str]) -> list[View]:
    """Legend entries: (label, swatch classes, inline style with the colour)."""
    return [{"label": label, "swatch": swatch, "style": style} for label, swatch, style in items]


def bar_chart(checks: Sequence[DiffResult]) -> View:
    """Horizontal stacked bars per stage: open at required stages, open above, waived."""
    left, bar_width, row_height, top = 190, 420, 30, 8
    rows = []
    for stage in Stage.ordered():
        statuses = [d.gate for c in checks for d in c.deviations if d.stage is stage]
        rows.append(
            (
                stage,
                statuses.count(GateStatus.BLOCKING),
                statuses.count(GateStatus.NOT_REQUIRED),
                statuses.count(GateStatus.WAIVED),
            )
        )
    largest = max((sum(row[1:]) for row in rows), default=0) or 1
    axis_y = top + row_height * len(rows) + 4

    def x_of(value: float) -> float:
        return left + bar_width * value / largest

    bars = []
    for index, (stage, required, above, waived) in enumerate(rows):
        x = float(left)
        segments = []
        for count, colour, what in (
            (required, _OPEN_COLOUR, "open, required"),
            (above, _ABOVE_COLOUR, "open, not required"),
            (waived, _WAIVED_COLOUR, "waived"),
        ):
            if count:
                width = bar_width * count / largest
                segments.append(
                    {
                        "x": round(x, 1),
                        "width": round(width, 1),
                        "colour": colour,
                        "title": f"{stage.display_name}: {count} {what}",
                    }
                )
                x += width
        bars.append(
            {
                "label": stage.display_name,
                "y": top + index * row_height,
                "segments": segments,
                "end": round(x, 1),
                "total": required + above + waived,
            }
        )
    total = sum(sum(row[1:]) for row in rows)
    return {
        "title": f"Deviations by stage ({total} in all)",
        "description": "; ".join(
            f"{stage.display_name}: {req} open at required stages, {above} open above, "
            f"{waived} waived"
            for stage, req, above, waived in rows
        ),
        "width": left + bar_width + 50,
        "height": axis_y + 36,
        "top": top,
        "left": left,
        "right": left + bar_width,
        "axis_y": axis_y,
        "bar_height": row_height - 10,
        "axis_label": "deviations (count)",
        "ticks": [t for t in _ticks(0, largest, x_of) if float(t["label"]).is_integer()],
        "bars": bars,
        "legend": _legend(
            ("open, at a required stage", "", f"background: {_OPEN_COLOUR}"),
            ("open, above the required stage", "", f"background: {_ABOVE_COLOUR}"),
            ("waived", "", f"background: {_WAIVED_COLOUR}"),
        ),
    }


def distribution_chart(match: OutputMatch, clip_id: str) -> View | None:
    """Both sites' normal densities against the spec limits and target, on one axis."""
    width, height, left, right, top = 270, 150, 12, 258, 16
    baseline = height - 38
    sites = [
        (name, stats, colour)
        for name, stats, colour in (
            ("mother", match.mother, _MOTHER_COLOUR),
            ("child", match.child, _CHILD_COLOUR),
        )
        if stats.n and math.isfinite(stats.mean)
    ]
    if not sites:
        return None
    points = [s.mean + k * (s.std or 0.0) for _, s, _ in sites for k in (-4, 4)]
    points += [v for v in (match.lsl, match.usl, match.target) if v is not None]
    low, high = min(points), max(points)
    if high <= low:
        low, high = low - 1, high + 1
    span = high - low
    low, high = low - 0.05 * span, high + 0.05 * span

    def x_of(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    peak = max((_density_peak(s) for _, s, _ in sites if s.std), default=1.0)
    curves = [
        {
            "points": _curve(stats, low, high, x_of, baseline, top, peak),
            "colour": colour,
            "title": f"{name}: mean {numbers.short(stats.mean)}, sd {numbers.short(stats.std)}",
        }
        for name, stats, colour in sites
    ]
    markers = [
        {"x": round(x_of(v), 1), "label": f"{label} {v:g}", "dash": dash}
        for v, label, dash in (
            (match.lsl, "LSL", "4 3"),
            (match.usl, "USL", "4 3"),
            (match.target, "target", "1 3"),
        )
        if v is not None
    ]
    return {
        "title": f"{match.output}: mother and child distributions",
        "clip_id": clip_id,
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "top": top,
        "baseline": baseline,
        "curves": curves,
        "markers": markers,
        "ticks": _ticks(low, high, x_of),
        "axis_label": f"{match.output} ({match.unit})",
        "legend": _legend(
            ("mother", "", f"background: {_MOTHER_COLOUR}"),
            ("child", "", f"background: {_CHILD_COLOUR}"),
            ("spec limits", "line dashed", "border-color: #a40000"),
            ("target", "line dotted", "border-color: #a40000"),
        ),
    }


def _density_peak(stats: SiteStatistics) -> float:
    assert stats.std
    return 1 / (stats.std * math.sqrt(2 * math.pi))


def _curve(
    stats: SiteStatistics,
    low: float,
    high: float,
    x_of: Callable[[float], float],
    baseline: float,
    top: float,
    peak: float,
) -> str:
    """A closed polyline of the density, scaled so the tallest curve touches the top."""
    if not stats.std:
        x = x_of(stats.mean)
        return f"{x:.1f},{baseline} {x:.1f},{top} {x:.1f},{baseline}"
    coordinates = [f"{x_of(low):.1f},{baseline}"]
    for index in range(81):
        value = low + (high - low) * index / 80
        density = math.exp(-0.5 * ((value - stats.mean) / stats.std) ** 2) / (
            stats.std * math.sqrt(2 * math.pi)
        )
        y = baseline - density / peak * (baseline - top)
        coordinates.append(f"{x_of(value):.1f},{y:.1f}")
    coordinates.append(f"{x_of(high):.1f},{baseline}")
    return " ".join(coordinates)


# --- what each part of a page shows ----------------------------------------------------


def _cell(count: StageCount) -> View:
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


def _site(check: DiffResult, anchor: str) -> View:
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
                "css": _cell(count)["css"],
            }
            for count in check.counts
        ],
        "deviations": [_deviation_row(d) for d in check.deviations],
        "matching": _matching(check.matching, anchor),
    }


def _waivers(outcomes: Iterable[WaiverOutcome], checks: Sequence[DiffResult]) -> list[View]:
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


def _applied(projects: Iterable[AppliedFile], waivers: Iterable[AppliedFile]) -> list[View]:
    found: dict[str, View] = {}
    for kind, files in (("project file", projects), ("waiver file", waivers)):
        for file in files:
            found.setdefault(file.path, {"kind": kind, "path": file.path, "sha256": file.sha256})
    return list(found.values())


def _trail(
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


def _page(
    title: str, passed: bool, verdict: str, facts: Sequence[str], contents: Sequence[str]
) -> View:
    text = "; ".join(facts)
    sentence = f"{text[:1].upper()}{text[1:]}." if text else ""
    return {
        "title": title,
        "passed": passed,
        "verdict": verdict,
        "facts": _keep_together(sentence, _DATE.findall(sentence)),
        "contents": [(anchor, anchor.replace("-", " ")) for anchor in contents],
    }


# --- the three views -------------------------------------------------------------------


def check_view(report: FleetReport, audit: AuditTrail) -> View:
    anchors = {id(check): f"site-{n}" for n, check in enumerate(report.checks, 1)}
    checks = report.checks
    passing = sum(1 for row in report.rows if row.passed)
    verdict = f"{passing} of {len(report.rows)} child site(s) achieve their required stage"
    if checks:
        lowest = gate.lowest(c.achieved for c in checks)
        required = gate.highest(c.required for c in checks)
        assert required is not None
        same = all(c.required is required for c in checks)
        verdict += (
            f"; lowest achieved: {achieved_label(lowest)}; required: {required.display_name}"
            f"{'' if same else ' or lower, per site'}"
        )
    if report.problems:
        verdict += f"; {len(report.problem_files)} input file(s) with problems"
    facts = [f"folder {report.root}"]
    if report.shard:
        facts.append(f"shard {report.shard}")
    facts += [f"waivers judged on {report.today.isoformat()}", f"generated {audit.generated_at}"]
    extra = [("Folder", report.root), ("Waivers judged on", report.today.isoformat())]
    if report.shard:
        extra.insert(1, ("Shard", str(report.shard)))
    return {
        "page": _page(
            f"cexact check: {report.root}",
            report.passed,
            verdict + ".",
            facts,
            ["matrix", "chart", "deviations", "waivers", "problems", "audit"],
        ),
        "audit": audit,
        "stages": [stage.display_name for stage in Stage.ordered()],
        "matrix": [_matrix_row(row, anchors) for row in report.rows],
        "matrix_legend": _legend(
            ("met: no open deviation at or below the stage", "met", ""),
            ("N open: at a stage the site must meet (darker: more)", "fail-1", ""),
            ("N open (not required): above the required stage", "warn", ""),
            ("not reached: a lower stage has open deviations", "none", ""),
        ),
        "sites": [_site(check, anchors[id(check)]) for check in checks],
        "uncompared": report.uncompared,
        "chart": bar_chart(checks),
        "waivers": _waivers(report.waivers, checks),
        "problems": report.problems,
        "trail": _trail(
            audit,
            "check",
            (s for check in checks for s in (check.mother, check.child)),
            _applied(report.projects, report.waiver_files),
            extra,
            report.files,
        ),
    }


def _matrix_row(row: DiffResult | UncomparedSite, anchors: dict[int, str]) -> View:
    verdict = row_verdict(row)
    if isinstance(row, UncomparedSite):
        return {
            "line_id": row.line_id,
            "site": row.site,
            "anchor": "",
            "cells": [{"css": "none", "text": "-"} for _ in Stage.ordered()],
            "achieved": "-",
            "required": "-",
            "verdict": verdict,
            "verdict_css": "invalid",
            "notes": [not_compared_text(row)],
        }
    not_applied = waivers_not_applied_text(row.waivers_not_applied)
    return {
        "line_id": row.child.line_id,
        "site": row.child.site,
        "anchor": anchors[id(row)],
        "cells": [_cell(count) for count in row.counts],
        "achieved": achieved_label(row.achieved),
        "required": row.required.display_name,
        "verdict": verdict,
        "verdict_css": "met" if row.passed else "fail-2",
        "notes": [not_applied] if not_applied else [],
    }


def diff_view(result: DiffResult, audit: AuditTrail) -> View:
    child = result.child
    verdict = (
        f"{child.site} achieves {achieved_label(result.achieved)}; "
        f"{result.required.display_name} is required."
    )
    facts = []
    if result.today:
        facts.append(f"waivers judged on {result.today.isoformat()}")
    facts.append(f"generated {audit.generated_at}")
    extra = [("Waivers judged on", result.today.isoformat())] if result.today else []
    return {
        "page": _page(
            f"cexact diff: {child.site} against {result.mother.site}",
            result.passed,
            verdict,
            facts,
            ["stages", "chart", "deviations", "waivers", "audit"],
        ),
        "audit": audit,
        "site": _site(result, "site-1"),
        "chart": bar_chart((result,)),
        "waivers": _waivers(result.waivers, (result,)),
        "trail": _trail(
            audit,
            "diff",
            (result.mother, result.child),
            _applied([result.project_file] if result.project_file else [], result.waiver_files),
            extra,
        ),
    }


def _drift_change(item: DriftItem) -> View:
    change = item.change
    before, after = format_change(change, None)
    if item.status == "taken":
        css, status = "taken", "taken"
    elif change.blocking:
        css, status = "pending-required", "pending"
    else:
        css, status = "pending-above", "pending (not required)"
    return {
        "css": css,
        "status": status,
        "stage": change.stage.display_name,
        "path": change.path,
        "kind": change.kind.value,
        "severity": change.severity.value,
        "before": before,
        "after": after,
        "before_location": change.mother_location,
        "after_location": change.child_location,
    }


def drift_view(result: DriftResult, audit: AuditTrail) -> View:
    then, now, child = result.mother_then, result.mother_now, result.child
    pending = result.pending
    summary = (
        f"{len(result.items)} change(s) the mother made from version {then.version} to "
        f"{now.version}: {len(pending)} pending at {child.site} ({len(result.blocking)} at or "
        f"below {result.required.display_name}), {len(result.items) - len(pending)} already "
        "taken."
    )
    commit = f" (commit {result.mother_then_commit})" if result.mother_then_commit else ""
    return {
        "page": _page(
            f"cexact drift: {child.site} against mother {then.version} → {now.version}",
            result.passed,
            f"{len(result.blocking)} pending change(s) at or below "
            f"{result.required.display_name}.",
            [f"transferred from mother {then.version}{commit}", f"generated {audit.generated_at}"],
            ["changes", "audit"],
        ),
        "audit": audit,
        "drift": {
            "summary": summary,
            "notes": list(result.notes),
            "then_version": then.version,
            "now_version": now.version,
            "changes": [_drift_change(item) for item in result.items],
            "legend": _legend(
                ("pending, at or below the required stage", "fail-1", ""),
                ("pending, above it", "warn", ""),
                ("taken: the child already has the new value", "met-waived", ""),
            ),
        },
        "trail": _trail(
            audit,
            "drift",
            (
                replace(then, role=f"mother as transferred (version {then.version})"),
                replace(now, role=f"mother now (version {now.version})"),
                child,
            ),
            [],
        ),
    }


class HtmlRenderer(Renderer):
    name = "html"

    def _render(self, template: str, view: View, out: TextIO) -> None:
        out.write(_environment().get_template(template).render(view))

    def render_diff(self, result: DiffResult, out: TextIO) -> None:
        self._render("diff.html.j2", diff_view(result, self.audit or AuditTrail.now()), out)

    def render_fleet(self, report: FleetReport, out: TextIO) -> None:
        self._render("check.html.j2", check_view(report, self.audit or AuditTrail.now()), out)

    def render_drift(self, result: DriftResult, out: TextIO) -> None:
        self._render("drift.html.j2", drift_view(result, self.audit or AuditTrail.now()), out)

    def render_impact(self, result: ImpactResult, out: TextIO) -> None:
        from cexact.report.impact_html import render_impact_html

        render_impact_html(result, self.audit or AuditTrail.now(), out)


__all__ = ["HtmlRenderer", "breakable", "check_view", "css_string", "diff_view", "drift_view"]
