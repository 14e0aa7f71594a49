"""Terminal output, with rich: colour on a terminal, plain text when piped or NO_COLOR.

Nothing a person reads the output for is ever cut: identifiers (sites, paths,
waiver ids, dates, verdicts, p-values) are never ellipsized (the wrapping is
in `terminal`, the fleet matrix in `text_fleet`). Findings stay on one line
each, as `file:line:col: error: ...` for editors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.table import Table

from cexact import numbers
from cexact.compare.gate import StageState
from cexact.compare.waivers import WaiverOutcome, WaiverStatus
from cexact.model import Deviation, Severity, Stage
from cexact.report import Renderer
from cexact.report.formatting import achieved_label, format_change, stage_state_label
from cexact.report.terminal import (
    KIND_STYLE,
    WAIVER_STYLE,
    Text,
    deviation_text,
    finding_text,
    locations_text,
    make_console,
    print_applied_files,
    print_wrapped,
    verdict_text,
)

if TYPE_CHECKING:
    from cexact.commands.check import FleetReport
    from cexact.commands.diff import DiffResult
    from cexact.commands.drift import DriftResult
    from cexact.commands.impact_results import ImpactResult
    from cexact.commands.log import RecipeLog
    from cexact.commands.match_results import MatchReport, OutputMatch
    from cexact.commands.validate import ValidationReport

_NO_STEP = object()

_VERDICT_STYLE = {
    "matched": "green",
    "not-matched": "bold red",
    "insufficient-data": "yellow",
}


# --- measured outputs -------------------------------------------------------------------


def _output_block(console: Console, match: OutputMatch) -> None:
    """One measured output: its verdict, both sites' statistics aligned, the tests."""
    heading = Text(f"steps[{match.step}].outputs.{match.output}", style="bold")
    heading.append("  ")
    heading.append(match.verdict.value, style=_VERDICT_STYLE[match.verdict.value])
    print_wrapped(console, heading)
    decimals = match.mean_decimals
    fields = [
        [
            site,
            f"n {stats.n}",
            f"mean {numbers.to_decimals(stats.mean, decimals)} {match.unit}",
            f"sd {numbers.short(stats.std)}",
            f"Cpk {'-' if stats.cpk is None else f'{stats.cpk:.2f}'}",
        ]
        for site, stats in (("mother", match.mother), ("child", match.child))
    ]
    widths = [max(len(row[column]) for row in fields) for column in range(len(fields[0]))]
    for row in fields:
        cells = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print_wrapped(console, Text(f"  {cells.rstrip()}"), indent=10)
    print_wrapped(console, Text(f"  {_tests_text(match)}", style="dim"), indent=4)


def _tests_text(match: OutputMatch) -> str:
    if match.margin is None or match.tost_p is None:
        return "; ".join(match.reasons) or "not tested"
    ratio = numbers.short(match.variance_ratio, 3)
    text = (
        f"means within ±{numbers.short(match.margin)} {match.unit}: TOST p "
        f"{numbers.p_value(match.tost_p)}; variance ratio {ratio} (max "
        f"{match.max_variance_ratio:g}): F-test p {numbers.p_value(match.f_p)}"
    )
    if match.reasons:
        text += f"; not matched: {'; '.join(match.reasons)}"
    return text


def print_matching(console: Console, report: MatchReport) -> None:
    print_wrapped(
        console,
        Text(
            f"Measured outputs: {len(report.matched)} matched, {len(report.not_matched)} not "
            f"matched, {len(report.insufficient)} with insufficient data, "
            f"{len(report.unverified)} unverified (no data at a site)",
            style="bold",
        ),
    )
    for match in report.outputs:
        console.print()
        _output_block(console, match)
    if report.unverified:
        console.print()
        names = ", ".join(f"steps[{step}].outputs.{output}" for step, output in report.unverified)
        print_wrapped(console, Text(f"unverified: {names}", style="dim"), indent=2)


# --- the renderer -----------------------------------------------------------------------


class TextRenderer(Renderer):
    name = "text"

    def render_validation(self, report: ValidationReport, out: TextIO) -> None:
        console = make_console(out)
        for finding in report.findings:
            console.print(finding_text(finding))
        total = len(report.files)
        invalid = sum(1 for f in report.files if not f.valid)
        findings = len(report.findings)
        skipped = (
            f"; {len(report.skipped)} other YAML file(s) skipped (not cexact's)"
            if report.skipped
            else ""
        )
        warnings = sum(1 for f in report.findings if f.level == "warning")
        if warnings:
            skipped = f", {warnings} warning(s){skipped}"
        if report.valid:
            console.print(Text(f"{total} file(s) valid{skipped}", style="green"))
        else:
            console.print(
                Text(
                    f"{invalid} of {total} file(s) invalid, {findings} finding(s){skipped}",
                    style="bold red",
                )
            )

    def render_diff(self, result: DiffResult, out: TextIO) -> None:
        console = make_console(out)
        _diff_headline(console, result)
        _stage_counts(console, result)
        for stage in Stage.ordered():
            deviations = [d for d in result.deviations if d.stage is stage]
            if deviations:
                console.print()
                _stage_section(console, stage, deviations)
        if result.matching is not None:
            console.print()
            print_matching(console, result.matching)
        if result.waivers:
            console.print()
            _waiver_outcomes(console, result.waivers)
        if not result.deviations:
            console.print()
            console.print(
                Text("No deviations: the child copies the mother exactly.", style="green")
            )

    def render_fleet(self, report: FleetReport, out: TextIO) -> None:
        # The fleet's pieces (and check's result types) only when a fleet is shown.
        from cexact.report.text_fleet import (
            fleet_summary,
            print_failed_sites,
            print_matrix,
            print_waiver_health,
        )

        console = make_console(out)
        shard = f" (shard {report.shard})" if report.shard else ""
        print_wrapped(console, Text(f"cexact check {report.root}{shard}", style="bold"))
        print_applied_files(console, "project file", report.projects)
        print_applied_files(console, "waiver files", report.waiver_files)
        for finding in report.problems:
            console.print(finding_text(finding))
        console.print()
        print_matrix(console, report)
        print_failed_sites(console, report)
        print_waiver_health(console, report)
        console.print()
        console.print(fleet_summary(report))

    def render_waivers(self, report: FleetReport, out: TextIO) -> None:
        console = make_console(out)
        for finding in report.problems:
            console.print(finding_text(finding))
        width = max((len(o.status.value) for o in report.waivers), default=0)
        for outcome in report.waivers:
            waiver = outcome.waiver
            first = Text()
            first.append(waiver.id, style="bold")
            first.append("  ")
            first.append(outcome.status.value.ljust(width), style=WAIVER_STYLE[outcome.status])
            first.append(f"  expires {waiver.expires.isoformat()}  covers {len(outcome.covers)}")
            first.append(f"  {waiver.change_request}", style="dim")
            print_wrapped(console, first)
            print_wrapped(console, Text(f"  {waiver.line} / {waiver.site}: {waiver.path}"))
        counts = dict.fromkeys(WaiverStatus, 0)
        for outcome in report.waivers:
            counts[outcome.status] += 1
        print_wrapped(
            console,
            Text(
                f"{len(report.waivers)} waiver(s) on {report.today.isoformat()}: "
                + ", ".join(f"{n} {status.value}" for status, n in counts.items() if n)
            ),
        )

    def render_drift(self, result: DriftResult, out: TextIO) -> None:
        console = make_console(out)
        then, now = result.mother_then, result.mother_now
        commit = f" ({result.mother_then_commit[:10]})" if result.mother_then_commit else ""
        print_wrapped(
            console,
            Text.assemble(
                ("cexact drift ", "bold"),
                (result.child.line_id, "bold cyan"),
                f": {result.child.site} was transferred from mother {then.version}{commit}; "
                f"the mother is now {now.version}",
            ),
        )
        pending = result.pending
        print_wrapped(
            console,
            Text.assemble(
                verdict_text(result.passed),
                f"  {len(result.items)} mother change(s): {len(pending)} pending "
                f"({len(result.blocking)} at or below {result.required.display_name}), "
                f"{len(result.items) - len(pending)} already taken",
            ),
        )
        for note in result.notes:
            print_wrapped(console, Text(f"note: {note}", style="dim"))
        for stage in Stage.ordered():
            items = [i for i in result.items if i.change.stage is stage]
            if not items:
                continue
            console.print()
            console.print(Text(f"{stage.display_name} ({len(items)})", style="bold underline"))
            for item in items:
                change = item.change
                before, after = format_change(change, None)
                line = Text("  ")
                line.append(
                    f"{item.status:<8}", style="bold red" if item.status == "pending" else "green"
                )
                line.append(f"{change.kind.value:<13}", style=KIND_STYLE[change.kind.value])
                line.append(change.path, style="bold")
                line.append(f": {before} -> {after}")
                print_wrapped(console, line, indent=23)
                where = locations_text((change.child_location or change.mother_location,))
                if where:
                    print_wrapped(console, Text(f"{' ' * 23}{where}", style="dim"), indent=25)

    def render_impact(self, result: ImpactResult, out: TextIO) -> None:
        from cexact.report.impact_text import render_impact_text

        render_impact_text(result, out)

    def render_log(self, log: RecipeLog, out: TextIO) -> None:
        console = make_console(out)
        print_wrapped(console, Text(f"cexact log {log.path}", style="bold"))
        for entry in log.entries:
            version = entry.version
            console.print()
            header = Text()
            header.append(version.short, style="bold yellow")
            header.append(f"  {version.date}  {version.author} <{version.email}>")
            if entry.recipe_version:
                header.append(f"  version {entry.recipe_version}", style="bold")
            print_wrapped(console, header)
            print_wrapped(console, Text(f"    {version.message}"), indent=4)
            if entry.note:
                print_wrapped(console, Text(f"    ({entry.note})", style="dim"), indent=5)
            for change in entry.changes:
                before, after = format_change(change, None)
                line = Text("    ")
                line.append(f"{change.stage.value:<24}", style="cyan")
                line.append(
                    f"{change.severity.value:<6}",
                    style="bold" if change.severity is Severity.MAJOR else "dim",
                )
                line.append(f"{change.kind.value:<13}", style=KIND_STYLE[change.kind.value])
                line.append(change.path, style="bold")
                line.append(f": {before} -> {after}")
                print_wrapped(console, line, indent=8)

    def render_match(self, report: MatchReport, out: TextIO) -> None:
        console = make_console(out)
        print_wrapped(
            console,
            Text.assemble(
                ("cexact match ", "bold"),
                f"child {report.child_source} against mother {report.mother_source} "
                f"(recipe {report.recipe_source})",
            ),
        )
        console.print(
            Text.assemble(
                verdict_text(not report.not_matched),
                f"  {len(report.not_matched)} output(s) not matched",
            )
        )
        print_matching(console, report)


def _diff_headline(console: Console, result: DiffResult) -> None:
    mother, child = result.mother, result.child
    print_wrapped(
        console,
        Text.assemble(
            ("cexact diff ", "bold"),
            (mother.line_id, "bold cyan"),
            f": {child.site} {child.version} (child) against "
            f"{mother.site} {mother.version} (mother)",
        ),
    )
    console.print(
        Text.assemble(
            verdict_text(result.passed),
            "  achieved: ",
            (achieved_label(result.achieved), "bold"),
            "   required: ",
            (result.required.display_name, "bold"),
        )
    )
    print_applied_files(
        console, "project file", [result.project_file] if result.project_file else []
    )
    print_applied_files(console, "waiver files", result.waiver_files)
    for note in result.notes:
        print_wrapped(console, Text(f"note: {note}", style="dim"), indent=6)


def _stage_counts(console: Console, result: DiffResult) -> None:
    counts = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    counts.add_column("stage")
    counts.add_column("open", justify="right")
    counts.add_column("waived", justify="right")
    counts.add_column("")
    for count in result.counts:
        met = count.state is StageState.MET
        counts.add_row(
            count.stage.display_name,
            str(count.open),
            str(count.waived),
            Text(stage_state_label(count), style="green" if met else "red"),
        )
    console.print()
    console.print(counts)


_DEVIATION_INDENT = 4 + 13 + 6
"""Where a deviation's path starts, and its wrapped lines go on."""


def _stage_section(console: Console, stage: Stage, deviations: list[Deviation]) -> None:
    """One stage's deviations, grouped by step, each with where it is written."""
    console.print(Text(f"{stage.display_name} ({len(deviations)})", style="bold underline"))
    current_step: object = _NO_STEP
    for deviation in deviations:
        if deviation.step != current_step:
            current_step = deviation.step
            heading = f"step {deviation.step}" if deviation.step else "line-wide"
            console.print(Text(f"  {heading}", style="cyan"))
        line = Text("    ")
        line.append(f"{deviation.kind.value:<13}", style=KIND_STYLE[deviation.kind.value])
        line.append(
            f"{deviation.severity.value:<6}",
            style="bold" if deviation.severity is Severity.MAJOR else "dim",
        )
        line.append(deviation_text(deviation))
        print_wrapped(console, line, indent=_DEVIATION_INDENT)
        where = locations_text((deviation.mother_location, deviation.child_location))
        if where:
            print_wrapped(console, Text(f"        {where}", style="dim"), indent=10)


def _waiver_outcomes(console: Console, outcomes: tuple[WaiverOutcome, ...]) -> None:
    console.print(Text(f"Waivers ({len(outcomes)})", style="bold underline"))
    width = max(len(o.status.value) for o in outcomes)
    for outcome in outcomes:
        waiver = outcome.waiver
        line = Text("  ")
        line.append(outcome.status.value.ljust(width), style=WAIVER_STYLE[outcome.status])
        line.append(f"  {waiver.id}", style="bold")
        line.append(f" {waiver.path}  expires {waiver.expires.isoformat()}")
        line.append(f"  {waiver.change_request}", style="dim")
        approvers = ", ".join(f"{a.name} ({a.role}, {a.date})" for a in waiver.approvals)
        line.append(f"  approved by {approvers}", style="dim")
        print_wrapped(console, line, indent=width + 4)


__all__ = ["TextRenderer"]
