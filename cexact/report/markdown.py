"""Markdown, for pasting into a change request or a pull-request comment."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from cexact import numbers
from cexact.commands.check import FleetReport
from cexact.commands.diff import DiffResult
from cexact.commands.drift import DriftResult
from cexact.commands.fleet_sites import UncomparedSite
from cexact.commands.log import RecipeLog

if TYPE_CHECKING:
    from cexact.commands.impact_results import ImpactResult
    from cexact.commands.match_results import MatchReport
from cexact.model import Deviation, Stage
from cexact.report import Renderer
from cexact.report.formatting import (
    achieved_label,
    format_change,
    not_compared_text,
    row_verdict,
    stage_cell,
    stage_state_label,
    visible,
    waiver_notes,
    waivers_not_applied_text,
)


def _cell(text: str) -> str:
    """Text for a Markdown table cell or line: nothing in it can start markup or HTML."""
    escaped = visible(text).replace("&", "&amp;").replace("<", "&lt;")  # no tag can open
    for special in ("\\", "|", "[", "]", "`", "*", "_"):  # no link, image or code opens
        escaped = escaped.replace(special, "\\" + special)
    return " ".join(escaped.replace("\r", " ").split("\n"))


def _code(text: str) -> str:
    """A code span: its text shown as written (only `|` escaped, for tables)."""
    plain = " ".join(visible(text).replace("\r", " ").split("\n")).replace("|", "\\|")
    fence = "``" if "`" in plain else "`"
    padding = " " if fence == "``" else ""
    return f"{fence}{padding}{plain}{padding}{fence}"


def _where(deviation: Deviation) -> str:
    """`mother:line -> child:line`, or the one side that has the value."""
    sides = [
        f"{location.file}:{location.line}"
        for location in (deviation.mother_location, deviation.child_location)
        if location is not None
    ]
    return " -> ".join(sides)


def write_matching(report: MatchReport, out: TextIO) -> None:
    out.write(
        f"\n### Measured outputs\n\n{len(report.matched)} matched, "
        f"{len(report.not_matched)} not matched, {len(report.insufficient)} with insufficient "
        f"data, {len(report.unverified)} unverified.\n\n"
        "| Output | Verdict | n (mother / child) | Mean | Std | Margin | TOST p | Var. ratio "
        "| F p | Cpk (mother / child) |\n|---|---|---|---|---|---|---|---|---|---|\n"
    )
    for m in report.outputs:
        verdict = m.verdict.value + (f" ({'; '.join(m.reasons)})" if m.reasons else "")
        short, p_value = numbers.short, numbers.p_value
        margin = "±" + short(m.margin) if m.margin is not None else "-"
        out.write(
            f"| {_code(f'steps[{m.step}].outputs.{m.output}')} | {_cell(verdict)} | "
            f"{m.mother.n} / {m.child.n} | {short(m.mother.mean)} -> {short(m.child.mean)} "
            f"{_cell(m.unit)} | {short(m.mother.std)} -> {short(m.child.std)} | "
            f"{margin} | {p_value(m.tost_p)} | {short(m.variance_ratio)} | {p_value(m.f_p)} | "
            f"{short(m.mother.cpk)} / {short(m.child.cpk)} |\n"
        )
    if report.unverified:
        names = ", ".join(f"`steps[{s}].outputs.{o}`" for s, o in report.unverified)
        out.write(f"\nUnverified (no data at a site): {names}\n")


class MarkdownRenderer(Renderer):
    name = "markdown"

    def render_diff(self, result: DiffResult, out: TextIO) -> None:
        mother, child = result.mother, result.child
        verdict = "PASS" if result.passed else "FAIL"
        out.write(f"## cexact diff: {_cell(child.site)} against {_cell(mother.site)}\n\n")
        out.write(
            f"**{verdict}**: achieved **{achieved_label(result.achieved)}**, "
            f"required **{result.required.display_name}**.\n\n"
        )
        out.write(f"- Line: {_code(mother.line_id)}\n")
        out.write(f"- Mother: {_code(mother.path)} version {_cell(mother.version)}\n")
        out.write(f"- Child: {_code(child.path)} version {_cell(child.version)}\n")
        project = _code(result.project_file.path) if result.project_file else "none"
        out.write(f"- Project file: {project}\n")
        waiver_files = ", ".join(_code(f.path) for f in result.waiver_files) or "none"
        out.write(f"- Waiver files: {waiver_files}\n")
        not_applied = waivers_not_applied_text(result.waivers_not_applied)
        if not_applied:
            out.write(f"- {_cell(not_applied)}\n")
        for note in result.notes:
            out.write(f"- Note: {_cell(note)}\n")
        out.write("\n| Stage | Open | Waived | State |\n|---|---:|---:|---|\n")
        for count in result.counts:
            out.write(
                f"| {count.stage.display_name} | {count.open} | {count.waived} | "
                f"{stage_state_label(count)} |\n"
            )
        for stage in Stage.ordered():
            deviations = [d for d in result.deviations if d.stage is stage]
            if not deviations:
                continue
            out.write(f"\n### {stage.display_name} ({len(deviations)})\n\n")
            out.write("| Path | Change | Severity | Mother | Child | Detail | Where |\n")
            out.write("|---|---|---|---|---|---|---|\n")
            for deviation in deviations:
                mother_text, child_text = format_change(deviation, None)
                detail = "; ".join([*waiver_notes(deviation), *filter(None, [deviation.detail])])
                out.write(
                    f"| {_code(deviation.path)} | {deviation.kind.value} | "
                    f"{deviation.severity.value} | {_cell(mother_text)} | {_cell(child_text)} | "
                    f"{_cell(detail)} | {_cell(_where(deviation))} |\n"
                )
        if result.matching is not None:
            write_matching(result.matching, out)
        if result.waivers:
            out.write(
                "\n### Waivers\n\n| Waiver | Status | Path | Covers | Expires | Change request "
                "| Approved by |\n|---|---|---|---:|---|---|---|\n"
            )
            for outcome in result.waivers:
                waiver = outcome.waiver
                approvers = ", ".join(f"{a.name} ({a.role}, {a.date})" for a in waiver.approvals)
                out.write(
                    f"| {_cell(waiver.id)} | {outcome.status.value} | {_code(waiver.path)} | "
                    f"{len(outcome.covers)} | {waiver.expires.isoformat()} | "
                    f"{_cell(waiver.change_request)} | {_cell(approvers)} |\n"
                )
        if not result.deviations:
            out.write("\nNo deviations: the child copies the mother exactly.\n")

    def render_fleet(self, report: FleetReport, out: TextIO) -> None:
        verdict = "PASS" if report.passed else "FAIL"
        shard = f" (shard {report.shard})" if report.shard else ""
        out.write(f"## cexact check: {_cell(report.root)}{shard}\n\n**{verdict}**: ")
        rows = report.rows
        passing = sum(1 for row in rows if row.passed)
        out.write(f"{passing} of {len(rows)} child site(s) pass")
        out.write(
            f", {len(report.problems)} error(s) in {len(report.problem_files)} file(s).\n\n"
        )
        stages = Stage.ordered()
        out.write("| Line | Site | " + " | ".join(s.display_name for s in stages))
        out.write(" | Achieved | Required | Verdict |\n")
        out.write("|---|---|" + "---|" * len(stages) + "---|---|---|\n")
        for row in rows:
            if isinstance(row, UncomparedSite):
                out.write(
                    f"| {_cell(row.line_id)} | {_cell(row.site)} | "
                    + "- | " * len(stages)
                    + f"- | - | {row_verdict(row)}: {_cell(not_compared_text(row))} |\n"
                )
                continue
            cells = " | ".join(stage_cell(count)[0] for count in row.counts)
            not_applied = waivers_not_applied_text(row.waivers_not_applied)
            verdict = row_verdict(row) + (f": {_cell(not_applied)}" if not_applied else "")
            out.write(
                f"| {_cell(row.child.line_id)} | {_cell(row.child.site)} | {cells} | "
                f"{achieved_label(row.achieved)} | {row.required.display_name} | {verdict} |\n"
            )
        if report.problems:
            out.write("\n### Problems\n\n")
            for finding in report.problems:
                out.write(
                    f"- {_code(finding.where)}: {_cell(finding.message)} ({finding.rule})\n"
                )
        for check in report.failed_checks:
            out.write("\n")
            self.render_diff(check, out)

    def render_drift(self, result: DriftResult, out: TextIO) -> None:
        verdict = "PASS" if result.passed else "FAIL"
        then, now = result.mother_then, result.mother_now
        out.write(
            f"## cexact drift: {_cell(result.child.site)} against mother "
            f"{_cell(then.version)} -> {_cell(now.version)}\n\n"
        )
        pending = sum(1 for i in result.items if i.status == "pending")
        out.write(
            f"**{verdict}**: {pending} of {len(result.items)} mother change(s) pending "
            f"(required: {result.required.display_name}).\n\n"
        )
        for note in result.notes:
            out.write(f"- Note: {_cell(note)}\n")
        if result.items:
            out.write("\n| Status | Stage | Path | Change | Before | After |\n")
            out.write("|---|---|---|---|---|---|\n")
            for item in result.items:
                before, after = format_change(item.change, None)
                out.write(
                    f"| {item.status} | {item.change.stage.display_name} | "
                    f"{_code(item.change.path)} | {item.change.kind.value} | "
                    f"{_cell(before)} | {_cell(after)} |\n"
                )

    def render_impact(self, result: ImpactResult, out: TextIO) -> None:
        from cexact.report.impact_markdown import write_impact_markdown

        write_impact_markdown(result, out)

    def render_log(self, log: RecipeLog, out: TextIO) -> None:
        out.write(f"## cexact log: {_code(log.path)}\n")
        for entry in log.entries:
            version = entry.version
            out.write(
                f"\n### {version.short} {_cell(version.message)}\n\n"
                f"{_cell(version.author)}, {version.date}"
            )
            if entry.recipe_version:
                out.write(f", recipe version {_cell(entry.recipe_version)}")
            out.write("\n")
            if entry.note:
                out.write(f"\n_{_cell(entry.note)}_\n")
            if entry.changes:
                out.write("\n| Stage | Path | Change | Before | After |\n|---|---|---|---|---|\n")
                for change in entry.changes:
                    before, after = format_change(change, None)
                    out.write(
                        f"| {change.stage.display_name} | {_code(change.path)} | "
                        f"{change.kind.value} | {_cell(before)} | {_cell(after)} |\n"
                    )

    def render_match(self, report: MatchReport, out: TextIO) -> None:
        verdict = "PASS" if not report.not_matched else "FAIL"
        out.write(
            f"## cexact match: {_code(report.child_source)} against "
            f"{_code(report.mother_source)}\n\n**{verdict}**: "
            f"{len(report.not_matched)} output(s) not matched.\n"
        )
        write_matching(report, out)
