"""A self-contained HTML audit report: one file, no network, prints cleanly.

The pages are Jinja2 templates (package data in `templates/`), one per view
(check, diff, drift) on a shared base layout and stylesheet, with
autoescaping on: every value from a recipe, waiver, file name or git author
is escaped by the template engine, and made visible (no control characters)
on its way out (`html_engine`). This module builds the three views (check,
diff, drift) from the parts in `html_parts` and the charts in `html_charts`:
labels, CSS classes, chart geometry. It decides nothing; verdicts
come from the result (`cexact.compare.gate`).

Identifiers (paths, file locations) may break only after a path separator
(`.`, `]`, `/`, `:`): the `breakable` filter escapes them and puts a `<wbr>`
there. Charts are inline SVG with a visible legend and a labelled axis.
Nothing is fetched: one <style> block, no scripts, fonts or images. In print
(A4 or Letter), headings stay with what follows, small tables and charts do
not split, and every page has the report's title and its page number.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from cexact.commands.check import FleetReport
from cexact.commands.diff import DiffResult
from cexact.commands.drift import DriftItem, DriftResult
from cexact.commands.fleet_sites import UncomparedSite
from cexact.compare import gate
from cexact.model import Stage
from cexact.report import Renderer
from cexact.report.audit_trail import AuditTrail
from cexact.report.formatting import (
    achieved_label,
    format_change,
    not_compared_text,
    row_verdict,
    waivers_not_applied_text,
)

if TYPE_CHECKING:
    from cexact.commands.impact_results import ImpactResult

from cexact.report.html_charts import bar_chart, legend
from cexact.report.html_engine import View, environment
from cexact.report.html_parts import (
    applied_files,
    audit_trail,
    page,
    site_section,
    stage_cell_view,
    waiver_rows,
)

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
        "page": page(
            f"cexact check: {report.root}",
            report.passed,
            verdict + ".",
            facts,
            ["matrix", "chart", "deviations", "waivers", "problems", "audit"],
        ),
        "audit": audit,
        "stages": [stage.display_name for stage in Stage.ordered()],
        "matrix": [_matrix_row(row, anchors) for row in report.rows],
        "matrix_legend": legend(
            ("met: no open deviation at or below the stage", "met", ""),
            ("N open: at a stage the site must meet (darker: more)", "fail-1", ""),
            ("N open (not required): above the required stage", "warn", ""),
            ("not reached: a lower stage has open deviations", "none", ""),
        ),
        "sites": [site_section(check, anchors[id(check)]) for check in checks],
        "uncompared": report.uncompared,
        "chart": bar_chart(checks),
        "waivers": waiver_rows(report.waivers, checks),
        "problems": report.problems,
        "trail": audit_trail(
            audit,
            "check",
            (s for check in checks for s in (check.mother, check.child)),
            applied_files(report.projects, report.waiver_files),
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
        "cells": [stage_cell_view(count) for count in row.counts],
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
        "page": page(
            f"cexact diff: {child.site} against {result.mother.site}",
            result.passed,
            verdict,
            facts,
            ["stages", "chart", "deviations", "waivers", "audit"],
        ),
        "audit": audit,
        "site": site_section(result, "site-1"),
        "chart": bar_chart((result,)),
        "waivers": waiver_rows(result.waivers, (result,)),
        "trail": audit_trail(
            audit,
            "diff",
            (result.mother, result.child),
            applied_files(
                [result.project_file] if result.project_file else [], result.waiver_files
            ),
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
        "page": page(
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
            "legend": legend(
                ("pending, at or below the required stage", "fail-1", ""),
                ("pending, above it", "warn", ""),
                ("taken: the child already has the new value", "met-waived", ""),
            ),
        },
        "trail": audit_trail(
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
        out.write(environment().get_template(template).render(view))

    def render_diff(self, result: DiffResult, out: TextIO) -> None:
        self._render("diff.html.j2", diff_view(result, self.audit or AuditTrail.now()), out)

    def render_fleet(self, report: FleetReport, out: TextIO) -> None:
        self._render("check.html.j2", check_view(report, self.audit or AuditTrail.now()), out)

    def render_drift(self, result: DriftResult, out: TextIO) -> None:
        self._render("drift.html.j2", drift_view(result, self.audit or AuditTrail.now()), out)

    def render_impact(self, result: ImpactResult, out: TextIO) -> None:
        from cexact.report.impact_html import render_impact_html

        render_impact_html(result, self.audit or AuditTrail.now(), out)


__all__ = ["HtmlRenderer", "check_view", "diff_view", "drift_view"]
