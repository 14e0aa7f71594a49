"""Terminal output, with rich: colour on a terminal, plain text when piped or NO_COLOR."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text as RichText

from cexact import numbers
from cexact.commands.check import FleetReport
from cexact.commands.diff import DiffResult
from cexact.commands.drift import DriftResult
from cexact.commands.log import RecipeLog
from cexact.compare.gate import StageState

if TYPE_CHECKING:
    from cexact.commands.match import MatchReport, OutputMatch
from cexact.commands.validate import ValidationReport
from cexact.compare.waivers import WaiverOutcome, WaiverStatus
from cexact.model import Deviation, Finding, Severity, Stage
from cexact.report import Renderer
from cexact.report.formatting import achieved_label, format_change, stage_cell, visible


class Text(RichText):
    """rich's Text, with every piece of text made visible (no control codes pass)."""

    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(visible(text), *args, **kwargs)

    def append(self, text: str | RichText, style: Any = None) -> Text:
        super().append(visible(text) if isinstance(text, str) else text, style)
        return self


_NO_STEP = object()

_VERDICT_STYLE = {
    "matched": "green",
    "not-matched": "bold red",
    "insufficient-data": "yellow",
}


def matching_table(report: MatchReport) -> Table:
    """One row per measured output: both sites' statistics and the verdict."""
    table = Table(show_header=True, header_style="bold", pad_edge=False)
    table.add_column("output", overflow="fold")
    for column in ("verdict", "n", "mean", "std", "margin", "TOST p", "var ratio", "F p", "Cpk"):
        table.add_column(column)
    for match in report.outputs:
        table.add_row(*_matching_row(match))
    return table


def _matching_row(match: OutputMatch) -> list[Text]:
    mother, child = match.mother, match.child
    verdict = Text(match.verdict.value, style=_VERDICT_STYLE[match.verdict.value])
    if match.reasons:
        verdict.append(f" ({'; '.join(match.reasons)})", style="dim")
    return [
        Text(f"steps[{match.step}].outputs.{match.output}"),
        verdict,
        Text(f"{mother.n} / {child.n}"),
        Text(f"{numbers.short(mother.mean)} -> {numbers.short(child.mean)} {match.unit}"),
        Text(f"{numbers.short(mother.std)} -> {numbers.short(child.std)}"),
        Text(f"±{numbers.short(match.margin)}" if match.margin is not None else "-"),
        Text(numbers.p_value(match.tost_p)),
        Text(
            f"{numbers.short(match.variance_ratio, 3)} (max {match.max_variance_ratio:g})"
            if match.variance_ratio is not None
            else "-"
        ),
        Text(numbers.p_value(match.f_p)),
        Text(f"{numbers.short(mother.cpk, 3)} / {numbers.short(child.cpk, 3)}"),
    ]


def print_matching(console: Console, report: MatchReport) -> None:
    console.print(
        Text(
            f"Measured outputs: {len(report.matched)} matched, {len(report.not_matched)} not "
            f"matched, {len(report.insufficient)} with insufficient data, "
            f"{len(report.unverified)} unverified (no data at a site)",
            style="bold underline",
        )
    )
    console.print(matching_table(report))
    if report.unverified:
        names = ", ".join(f"steps[{step}].outputs.{output}" for step, output in report.unverified)
        console.print(Text(f"unverified: {names}", style="dim"))


_CELL_STYLE = {
    "met": "green",
    "waived": "cyan",
    "failed": "bold red",
    "not-required": "yellow",
}

_WAIVER_STYLE = {
    WaiverStatus.ACTIVE: "green",
    WaiverStatus.EXPIRING: "yellow",
    WaiverStatus.EXPIRED: "bold red",
    WaiverStatus.UNUSED: "magenta",
}

_KIND_STYLE = {
    "added": "green",
    "removed": "red",
    "changed": "yellow",
    "moved": "magenta",
    "type-changed": "red",
}


PIPED_WIDTH = 160
"""Columns for tables when writing to a file or pipe (CI logs are wide)."""


def make_console(out: TextIO) -> Console:
    # soft_wrap keeps each finding on one line, so editors can jump to it.
    console = Console(file=out, highlight=False, soft_wrap=True)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(file=out, highlight=False, soft_wrap=True, width=PIPED_WIDTH)
    return console


def finding_text(finding: Finding) -> Text:
    """`file:line:col: error: message (rule)`, the form editors can jump to."""
    line = Text()
    line.append(finding.where, style="bold")
    line.append(": ")
    line.append(finding.level, style="bold red" if finding.level == "error" else "bold yellow")
    line.append(f": {finding.message} ")
    line.append(f"({finding.rule})", style="dim")
    return line


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
        console = make_console(out)
        shard = f" (shard {report.shard})" if report.shard else ""
        console.print(Text(f"cexact check {report.root}{shard}", style="bold"))
        for finding in report.problems:
            console.print(finding_text(finding))
        matrix = Table(show_header=True, header_style="bold", pad_edge=False)
        for column in ("line", "site", *(s.display_name for s in Stage.ordered())):
            matrix.add_column(column)
        matrix.add_column("achieved")
        matrix.add_column("required")
        matrix.add_column("verdict")
        for check in report.checks:
            cells = []
            for count in check.counts:
                text, state = stage_cell(count)
                cells.append(Text(text, style=_CELL_STYLE[state]))
            matrix.add_row(
                Text(check.child.line_id),
                Text(check.child.site),
                *cells,
                Text(achieved_label(check.achieved)),
                Text(check.required.display_name),
                Text("PASS", style="bold green")
                if check.passed
                else Text("FAIL", style="bold red"),
            )
        console.print(matrix)
        for check in report.failed_checks:
            blocking = check.blocking_deviations
            console.print(
                Text(
                    f"{check.child.site} ({check.child.path}): {len(blocking)} open "
                    f"deviation(s) at or below {check.required.display_name}",
                    style="bold",
                )
            )
            for deviation in blocking:
                mother_text, child_text = format_change(deviation)
                where = deviation.child_location or deviation.mother_location
                line = Text("  ")
                line.append(f"{where}: " if where else "", style="dim")
                line.append(deviation.path, style="bold")
                line.append(f" {mother_text} -> {child_text} ")
                line.append(f"({deviation.stage.value}, {deviation.severity.value})", style="dim")
                console.print(line)
        failed, sites = len(report.failed_checks), len(report.checks)
        invalid = sum(1 for f in report.files if not f.valid)
        summary = (
            f"{sites - failed} of {sites} child site(s) pass, {failed} fail; "
            f"{invalid} invalid file(s)"
        )
        verdict = (
            Text("PASS  ", style="bold green")
            if report.passed
            else Text("FAIL  ", style="bold red")
        )
        console.print(Text.assemble(verdict, summary))

    def render_waivers(self, report: FleetReport, out: TextIO) -> None:
        console = make_console(out)
        for finding in report.problems:
            console.print(finding_text(finding))
        table = Table(show_header=True, header_style="bold", pad_edge=False)
        for column in ("waiver", "status", "line", "site", "path", "covers", "expires", "change"):
            table.add_column(column)
        for outcome in report.waivers:
            waiver = outcome.waiver
            # Text, never str: rich would read "[electrolyte]" in a path as markup.
            table.add_row(
                Text(waiver.id),
                Text(outcome.status.value, style=_WAIVER_STYLE[outcome.status]),
                Text(waiver.line),
                Text(waiver.site),
                Text(waiver.path),
                Text(str(len(outcome.covers))),
                Text(waiver.expires.isoformat()),
                Text(waiver.change_request),
            )
        console.print(table)
        counts = dict.fromkeys(WaiverStatus, 0)
        for outcome in report.waivers:
            counts[outcome.status] += 1
        console.print(
            Text(
                f"{len(report.waivers)} waiver(s) on {report.today.isoformat()}: "
                + ", ".join(f"{n} {status.value}" for status, n in counts.items())
            )
        )

    def render_drift(self, result: DriftResult, out: TextIO) -> None:
        console = make_console(out)
        then, now = result.mother_then, result.mother_now
        commit = f" ({result.mother_then_commit[:10]})" if result.mother_then_commit else ""
        console.print(
            Text.assemble(
                ("cexact drift ", "bold"),
                (result.child.line_id, "bold cyan"),
                f": {result.child.site} was transferred from mother {then.version}{commit}; "
                f"the mother is now {now.version}",
            )
        )
        pending = [i for i in result.items if i.status == "pending"]
        blocking = result.blocking
        verdict = (
            Text("PASS", style="bold green") if result.passed else Text("FAIL", style="bold red")
        )
        console.print(
            Text.assemble(
                verdict,
                f"  {len(result.items)} mother change(s): {len(pending)} pending "
                f"({len(blocking)} at or below {result.required.display_name}), "
                f"{len(result.items) - len(pending)} already taken",
            )
        )
        for note in result.notes:
            console.print(Text(f"note: {note}", style="dim"))
        for stage in Stage.ordered():
            items = [i for i in result.items if i.change.stage is stage]
            if not items:
                continue
            console.print()
            console.print(Text(f"{stage.display_name} ({len(items)})", style="bold underline"))
            for item in items:
                change = item.change
                before, after = format_change(change)
                line = Text("  ")
                line.append(
                    f"{item.status:<8}", style="bold red" if item.status == "pending" else "green"
                )
                line.append(f"{change.kind.value:<13}", style=_KIND_STYLE[change.kind.value])
                line.append(change.path, style="bold")
                line.append(f": {before} -> {after}")
                where = change.child_location or change.mother_location
                if where:
                    line.append(f"  {where}", style="dim")
                console.print(line)

    def render_log(self, log: RecipeLog, out: TextIO) -> None:
        console = make_console(out)
        console.print(Text(f"cexact log {log.path}", style="bold"))
        for entry in log.entries:
            version = entry.version
            console.print()
            header = Text()
            header.append(version.short, style="bold yellow")
            header.append(f"  {version.date}  {version.author} <{version.email}>")
            if entry.recipe_version:
                header.append(f"  version {entry.recipe_version}", style="bold")
            console.print(header)
            console.print(Text(f"    {version.message}"))
            if entry.note:
                console.print(Text(f"    ({entry.note})", style="dim"))
            for change in entry.changes:
                before, after = format_change(change)
                line = Text("    ")
                line.append(f"{change.stage.value:<24}", style="cyan")
                line.append(f"{change.kind.value:<13}", style=_KIND_STYLE[change.kind.value])
                line.append(change.path, style="bold")
                line.append(f": {before} -> {after}")
                console.print(line)

    def render_match(self, report: MatchReport, out: TextIO) -> None:
        console = make_console(out)
        console.print(
            Text.assemble(
                ("cexact match ", "bold"),
                f"{report.child_source} against {report.mother_source} ({report.recipe_source})",
            )
        )
        verdict = (
            Text("PASS", style="bold green")
            if not report.not_matched
            else Text("FAIL", style="bold red")
        )
        console.print(Text.assemble(verdict, f"  {len(report.not_matched)} output(s) not matched"))
        print_matching(console, report)


def _diff_headline(console: Console, result: DiffResult) -> None:
    mother, child = result.mother, result.child
    console.print(
        Text.assemble(
            ("cexact diff ", "bold"),
            (mother.line_id, "bold cyan"),
            f": {child.site} {child.version} (child) against "
            f"{mother.site} {mother.version} (mother)",
        )
    )
    verdict = Text("PASS", style="bold green") if result.passed else Text("FAIL", style="bold red")
    console.print(
        Text.assemble(
            verdict,
            "  achieved: ",
            (achieved_label(result.achieved), "bold"),
            "   required: ",
            (result.required.display_name, "bold"),
        )
    )
    for note in result.notes:
        console.print(Text(f"note: {note}", style="dim"))


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
            Text("met", style="green") if met else Text("not met", style="red"),
        )
    console.print()
    console.print(counts)


def _stage_section(console: Console, stage: Stage, deviations: list[Deviation]) -> None:
    """One stage's deviations, grouped by step, each with where it is written."""
    console.print(Text(f"{stage.display_name} ({len(deviations)})", style="bold underline"))
    current_step: object = _NO_STEP
    for deviation in deviations:
        if deviation.step != current_step:
            current_step = deviation.step
            heading = f"step {deviation.step}" if deviation.step else "line-wide"
            console.print(Text(f"  {heading}", style="cyan"))
        console.print(_deviation_line(deviation))
        where = [str(loc) for loc in (deviation.mother_location, deviation.child_location) if loc]
        if where:
            console.print(Text("        " + " -> ".join(where), style="dim"))


def _deviation_line(deviation: Deviation) -> Text:
    mother_text, child_text = format_change(deviation)
    line = Text("    ")
    line.append(f"{deviation.kind.value:<13}", style=_KIND_STYLE[deviation.kind.value])
    line.append(
        f"{deviation.severity.value:<6}",
        style="bold" if deviation.severity is Severity.MAJOR else "dim",
    )
    line.append(deviation.path, style="bold")
    line.append(f": {mother_text} -> {child_text}")
    if deviation.detail:
        line.append(f"  ({deviation.detail})", style="dim")
    if deviation.waiver:
        line.append(f"  waived by {deviation.waiver}", style="cyan")
    if deviation.expired_waiver:
        line.append(f"  waiver {deviation.expired_waiver} has expired", style="bold yellow")
    return line


def _waiver_outcomes(console: Console, outcomes: tuple[WaiverOutcome, ...]) -> None:
    console.print(Text(f"Waivers ({len(outcomes)})", style="bold underline"))
    for outcome in outcomes:
        waiver = outcome.waiver
        line = Text("  ")
        line.append(f"{outcome.status.value:<9}", style=_WAIVER_STYLE[outcome.status])
        line.append(waiver.id, style="bold")
        line.append(f" {waiver.path}  expires {waiver.expires.isoformat()}")
        line.append(f"  {waiver.change_request}", style="dim")
        approvers = ", ".join(f"{a.name} ({a.role})" for a in waiver.approvals)
        line.append(f"  approved by {approvers}", style="dim")
        console.print(line)
