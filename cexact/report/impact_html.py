"""`cexact impact` as an HTML audit page: every child before and after, as a matrix.

The view data for templates/impact.html.j2. The matrix has two cells per stage
and child (today, proposed), as the check matrix shows one; the rest lists the
mother's changes and, per child, what it would have to adopt.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TextIO

from cexact.commands.impact_results import (
    ChangeStatus,
    ChildChange,
    ChildImpact,
    ImpactResult,
    Verdict,
    WaiverEffect,
)
from cexact.model import Deviation, Stage
from cexact.report.audit_trail import AuditTrail
from cexact.report.formatting import achieved_label, format_change, not_compared_text
from cexact.report.html_charts import legend
from cexact.report.html_engine import View, environment
from cexact.report.html_parts import applied_files, audit_trail, page, stage_cell_view

_VERDICT_CSS = {
    Verdict.STILL_PASSING: "met",
    Verdict.NEWLY_FAILING: "fail-3",
    Verdict.NEWLY_PASSING: "met",
    Verdict.STILL_FAILING: "fail-1",
}


def render_impact_html(result: ImpactResult, audit: AuditTrail, out: TextIO) -> None:
    out.write(environment().get_template("impact.html.j2").render(impact_view(result, audit)))


def impact_view(result: ImpactResult, audit: AuditTrail) -> View:
    proposed, current = result.proposed, result.current
    broken = result.newly_failing
    verdict = (
        f"{len(broken)} of {len(result.children)} child site(s) would newly fail their gate"
        + (f" ({', '.join(c.site for c in broken)})" if broken else "")
        + "; a child that fails today already is not counted."
    )
    extra = [
        ("Folder", result.fleet.root),
        ("Proposed mother", f"{proposed.path} (version {proposed.version})"),
        ("Waivers judged on", result.today.isoformat()),
    ]
    return {
        "page": page(
            f"cexact impact: {result.line_id}, mother {current.version} → {proposed.version}",
            result.passed,
            verdict,
            [
                f"proposed mother {proposed.path}",
                f"waivers judged on {result.today.isoformat()}",
                f"generated {audit.generated_at}",
            ],
            ["matrix", "stages", "changes", "sites", "audit"],
        ),
        "audit": audit,
        "stages": [stage.display_name for stage in Stage.ordered()],
        "matrix": [_matrix_row(child, n) for n, child in enumerate(result.children, 1)],
        "uncompared": [
            {"site": site.site, "text": not_compared_text(site)} for site in result.not_compared
        ],
        "matrix_legend": legend(
            ("met: no open deviation at or below the stage", "met", ""),
            ("N open: at a stage the site must meet (darker: more)", "fail-1", ""),
            ("N open (not required): above the required stage", "warn", ""),
            ("not reached: a lower stage has open deviations", "none", ""),
        ),
        "stage_flips": [
            {
                "stage": flips.stage.display_name,
                "before": flips.meeting_before,
                "after": flips.meeting_after,
                "newly_failing": ", ".join(flips.newly_failing),
                "newly_passing": ", ".join(flips.newly_passing),
            }
            for flips in result.stage_flips
        ],
        "changes": [_change(change) for change in result.mother_changes],
        "current_version": current.version,
        "proposed_version": proposed.version,
        "sites": [_site(child, n) for n, child in enumerate(result.children, 1)],
        "notes": list(result.notes),
        "trail": audit_trail(
            audit,
            "impact",
            (
                replace(current, role=f"mother now (version {current.version})"),
                replace(proposed, role=f"proposed mother (version {proposed.version})"),
                *(child.before.child for child in result.children),
            ),
            applied_files(result.fleet.projects, result.fleet.waiver_files),
            extra,
            result.fleet.files,
        ),
    }


def _matrix_row(child: ChildImpact, number: int) -> View:
    today, proposed = child.verdict.verdicts
    return {
        "site": child.site,
        "anchor": f"site-{number}",
        "cells": [
            (stage_cell_view(before), stage_cell_view(after))
            for before, after in zip(child.before.counts, child.after.counts, strict=True)
        ],
        "achieved": (achieved_label(child.before.achieved), achieved_label(child.after.achieved)),
        "required": child.after.required.display_name,
        "verdict": f"{today} → {proposed}",
        "verdict_label": child.verdict.label,
        "verdict_css": _VERDICT_CSS[child.verdict],
    }


def _change(change: Deviation) -> View:
    before, after = format_change(change, None)
    return {
        "stage": change.stage.display_name,
        "path": change.path,
        "kind": change.kind.value,
        "before": before,
        "after": after,
        "before_location": change.mother_location,
        "after_location": change.child_location,
    }


_STATUS = {
    ChangeStatus.TAKEN: ("taken", "met-waived"),
    ChangeStatus.WAIVED: ("waived", "met-waived"),
    ChangeStatus.PENDING: ("pending", "warn"),
}


def _child_change(change: ChildChange) -> View:
    status, css = _STATUS[change.status]
    if change.keeps_stage:
        status, css = "to adopt (to keep its stage)", "fail-1"
    return {"status": status, "css": css, **_change(change.change)}


def _site(child: ChildImpact, number: int) -> View:
    return {
        "anchor": f"site-{number}",
        "label": f"{child.site} ({child.before.child.path})",
        "verdict": child.verdict.label,
        "summary": (
            f"achieves {achieved_label(child.before.achieved)} today, "
            f"{achieved_label(child.after.achieved)} under the proposal; "
            f"requires {child.after.required.display_name}"
        ),
        "changes": [_child_change(change) for change in child.changes],
        "disappearing": [_change(d) for d in child.disappearing],
        "appearing": [_change(d) for d in child.appearing],
        "waivers": [
            {
                "waiver": w.waiver,
                "effect": (
                    "stops matching: the mother value it names no longer holds"
                    if w.effect is WaiverEffect.STOPS_MATCHING
                    else "becomes unused"
                ),
                "paths": ", ".join(w.paths),
            }
            for w in child.waiver_changes
        ],
    }
