"""`cexact impact` as JSON: the proposal, each child before and after, the fleet by stage.

Each child's `before` and `after` are diff documents (report.schema.json), so
a consumer of `cexact diff -f json` reads them as it reads a diff.
"""

from __future__ import annotations

from typing import Any

from cexact.commands.impact_results import ChildImpact, ImpactResult
from cexact.report.json_format import (
    _deviation,
    _recipe,
    diff_document,
    finding_record,
    tool_record,
)


def impact_document(result: ImpactResult) -> dict[str, Any]:
    """The impact report as documented by cexact/schemas/impact-report.schema.json."""
    return {
        "tool": tool_record(),
        "kind": "impact",
        "line_id": result.line_id,
        "root": result.fleet.root,
        "today": result.today.isoformat(),
        "passed": result.passed,
        "current": _recipe(result.current),
        "proposed": _recipe(result.proposed),
        "notes": list(result.notes),
        "mother_changes": [_deviation(d) for d in result.mother_changes],
        "summary": {
            "sites": len(result.children),
            "newly_failing": [c.site for c in result.newly_failing],
            "newly_passing": [c.site for c in result.newly_passing],
            "stages": [
                {
                    "stage": flips.stage.value,
                    "meeting_before": flips.meeting_before,
                    "meeting_after": flips.meeting_after,
                    "newly_failing": list(flips.newly_failing),
                    "newly_passing": list(flips.newly_passing),
                }
                for flips in result.stage_flips
            ],
        },
        "sites": [_child(child) for child in result.children],
        "uncompared": [
            {"line_id": s.line_id, "site": s.site, "path": s.path, "reason": s.reason.value}
            for s in result.not_compared
        ],
        "problems": [finding_record(f) for f in result.proposed_view().problems],
    }


def _child(child: ChildImpact) -> dict[str, Any]:
    return {
        "site": child.site,
        "verdict": child.verdict.value,
        "changes": [
            {"status": c.status.value, "keeps_stage": c.keeps_stage, "change": _deviation(c.change)}
            for c in child.changes
        ],
        "disappearing": [d.path for d in child.disappearing],
        "appearing": [d.path for d in child.appearing],
        "waiver_changes": [
            {
                "waiver": w.waiver,
                "effect": w.effect.value,
                "before": w.before.value,
                "after": w.after.value,
                "paths": list(w.paths),
            }
            for w in child.waiver_changes
        ],
        "before": diff_document(child.before),
        "after": diff_document(child.after),
    }
