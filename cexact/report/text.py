"""Terminal output, with rich: colour on a terminal, plain text when piped or NO_COLOR.

Nothing a person reads the output for is ever cut: identifiers (sites, paths,
waiver ids, dates, verdicts, p-values) are never ellipsized. Long lines wrap
at spaces or after a path separator (`.`, `/`, `]`, `:`), never inside a
token, and go on indented. The fleet matrix is a table when the terminal is
wide enough for every identifier in it, and one block per site otherwise.
Written to a file or a pipe, the width is `COLUMNS`, else `PIPED_WIDTH`.
Findings stay on one line each, as `file:line:col: error: ...` for editors.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text as RichText

from cexact import numbers
from cexact.commands.check import FleetReport, UncomparedSite
from cexact.commands.diff import DiffResult
from cexact.commands.drift import DriftResult
from cexact.commands.log import RecipeLog
from cexact.commands.validate import ValidationReport
from cexact.compare.gate import StageState
from cexact.compare.waivers import WaiverOutcome, WaiverStatus
from cexact.model import AppliedFile, Deviation, Finding, Severity, SourceLocation, Stage
from cexact.report import Renderer
from cexact.report.formatting import (
    achieved_label,
    format_change,
    not_compared_text,
    row_verdict,
    stage_cell,
    stage_state_label,
    visible,
    waiver_covers,
    waiver_notes,
    waivers_not_applied_text,
)

if TYPE_CHECKING:
    from cexact.commands.impact_results import ImpactResult
    from cexact.commands.match_results import MatchReport, OutputMatch


class Text(RichText):
    """rich's Text, with every piece of text made visible (no control codes pass)."""

    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(visible(text), *args, **kwargs)

    def append(self, text: str | RichText, style: Any = None) -> Text:
        super().append(visible(text) if isinstance(text, str) else text, style)
        return self


PIPED_WIDTH = 100
"""Columns when writing to a file or pipe without COLUMNS (a CI log, `| less`)."""

_BREAK_AFTER = frozenset("./]:")
"""A line may end after these inside a token: the separators of paths and locations."""

_NO_STEP = object()

_VERDICT_STYLE = {
    "matched": "green",
    "not-matched": "bold red",
    "insufficient-data": "yellow",
}

_CELL_STYLE = {
    "met": "green",
    "waived": "cyan",
    "failed": "bold red",
    "not-required": "yellow",
}

_ROW_VERDICT_STYLE = {
    "PASS": "bold green",
    "FAIL": "bold red",
    "INVALID": "bold red",
    "NOT COMPARED": "bold red",
}

_WAIVER_STYLE = {
    WaiverStatus.ACTIVE: "green",
    WaiverStatus.EXPIRING: "yellow",
    WaiverStatus.EXPIRED: "bold red",
    WaiverStatus.UNUSED: "magenta",
    WaiverStatus.NOT_YET_APPROVED: "yellow",
}

_KIND_STYLE = {
    "added": "green",
    "removed": "red",
    "changed": "yellow",
    "moved": "magenta",
    "type-changed": "red",
}


def make_console(out: TextIO) -> Console:
    # soft_wrap: rich never breaks a line itself; `print_wrapped` breaks where it may.
    console = Console(file=out, highlight=False, soft_wrap=True)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(file=out, highlight=False, soft_wrap=True, width=PIPED_WIDTH)
    return console


# --- wrapping ---------------------------------------------------------------------------


def _break_offsets(plain: str) -> list[int]:
    """Where a line may end: before a word that follows a space, or after a separator
    (but never inside a number: `1.75` is one token)."""
    return [
        index
        for index in range(1, len(plain))
        if plain[index] != " "
        and (
            plain[index - 1] == " "
            or (plain[index - 1] in _BREAK_AFTER and not _inside_number(plain, index - 1))
        )
    ]


def _inside_number(plain: str, index: int) -> bool:
    """Whether the separator at `index` is a decimal point between digits."""
    return (
        plain[index] == "."
        and index > 0
        and plain[index - 1].isdigit()
        and index + 1 < len(plain)
        and plain[index + 1].isdigit()
    )


def wrap(
    text: RichText, width: int, indent: int, keep: Sequence[tuple[int, int]] = ()
) -> list[RichText]:
    """`text` in lines of at most `width` columns, the later ones indented by `indent`.

    No line breaks inside a `keep` span (start, end). A token longer than a
    line (no space or separator in it) overflows rather than being cut.
    """
    plain = text.plain
    offsets = [
        offset
        for offset in _break_offsets(plain)
        if not any(start < offset < end for start, end in keep)
    ]
    cuts: list[int] = []
    start, room = 0, width
    while len(plain[start:].rstrip()) > room:
        later = [offset for offset in offsets if offset > start]
        if not later:
            break
        fitting = [offset for offset in later if len(plain[start:offset].rstrip()) <= room]
        start = _best_break(plain, start, fitting, room) if fitting else later[0]
        cuts.append(start)
        room = max(width - indent, 1)
    lines = []
    for number, line in enumerate(text.divide(cuts)):
        line.rstrip()
        lines.append(RichText.assemble(" " * indent, line) if number else line)
    return lines


def _best_break(plain: str, start: int, fitting: Sequence[int], room: int) -> int:
    """The last break that fits, but a space over a separator when that fills most of a line."""
    at_spaces = [offset for offset in fitting if plain[offset - 1] == " "]
    if at_spaces and at_spaces[-1] - start >= room * _FULL_ENOUGH:
        return at_spaces[-1]
    return fitting[-1]


_FULL_ENOUGH = 0.6
"""A line broken at a space may be this much shorter than one broken inside a path."""


def print_wrapped(
    console: Console, text: RichText, indent: int = 4, keep: Sequence[tuple[int, int]] = ()
) -> None:
    for line in wrap(text, console.width, indent, keep):
        console.print(line)


# --- shared pieces ----------------------------------------------------------------------


def finding_text(finding: Finding) -> Text:
    """`file:line:col: error: message (rule)`, the form editors can jump to."""
    line = Text()
    line.append(finding.where, style="bold")
    line.append(": ")
    line.append(finding.level, style="bold red" if finding.level == "error" else "bold yellow")
    line.append(f": {finding.message} ")
    line.append(f"({finding.rule})", style="dim")
    return line


def _verdict(passed: bool) -> Text:
    return Text("PASS", style="bold green") if passed else Text("FAIL", style="bold red")


def _applied_files(console: Console, label: str, files: Sequence[AppliedFile]) -> None:
    """`project file: sample_lines/cexact.yaml` (or `none`), wrapped at path separators."""
    names = ", ".join(file.path for file in files) if files else "none"
    print_wrapped(console, Text(f"{label}: {names}", style="dim"), indent=len(label) + 2)


def _locations(locations: Iterable[SourceLocation | None]) -> str:
    return " -> ".join(str(location) for location in locations if location)


def _deviation_text(deviation: Deviation, *, with_stage: bool = False) -> Text:
    """`path: mother -> child  (detail)  waived by X`, as one line to wrap."""
    mother_text, child_text = format_change(deviation, None)
    line = Text()
    line.append(deviation.path, style="bold")
    line.append(f": {mother_text} -> {child_text}")
    context = [f"{deviation.stage.value}, {deviation.severity.value}"] if with_stage else []
    if deviation.detail:
        context.append(deviation.detail)
    if context:
        line.append(f"  ({'; '.join(context)})", style="dim")
    for note in waiver_notes(deviation):
        line.append(f"  {note}", style="cyan" if note.startswith("waived") else "bold yellow")
    return line


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


# --- the fleet --------------------------------------------------------------------------


def _row_site(row: DiffResult | UncomparedSite) -> tuple[str, str]:
    if isinstance(row, UncomparedSite):
        return row.line_id, row.site
    return row.child.line_id, row.child.site


def _row_notes(row: DiffResult | UncomparedSite) -> list[str]:
    if isinstance(row, UncomparedSite):
        return [not_compared_text(row)]
    note = waivers_not_applied_text(row.waivers_not_applied)
    return [note] if note else []


def _stage_cells(row: DiffResult | UncomparedSite) -> list[Text]:
    if isinstance(row, UncomparedSite):
        return [Text("-", style="dim") for _ in Stage.ordered()]
    cells = []
    for count in row.counts:
        text, state = stage_cell(count)
        cells.append(Text(text, style=_CELL_STYLE[state]))
    return cells


def _verdict_cell(row: DiffResult | UncomparedSite) -> Text:
    verdict = row_verdict(row)
    cell = Text(verdict, style=_ROW_VERDICT_STYLE[verdict])
    for note in _row_notes(row):
        cell.append(f"\n{note}", style="yellow")
    return cell


_MATRIX_HEADERS = (
    "line",
    "site",
    *(stage.display_name for stage in Stage.ordered()),
    "achieved",
    "required",
    "verdict",
)
_IDENTIFIER_COLUMNS = 2
"""The matrix's first columns hold identifiers: never wrapped."""
_COLUMN_GAP = 3
"""Columns between two cells of the matrix: padding on both sides and the rule."""


def _matrix_cells(row: DiffResult | UncomparedSite) -> list[Text]:
    line_id, site = _row_site(row)
    if isinstance(row, UncomparedSite):
        achieved, required = Text("-", style="dim"), Text("-", style="dim")
    else:
        achieved = Text(achieved_label(row.achieved))
        required = Text(row.required.display_name)
    return [Text(line_id), Text(site), *_stage_cells(row), achieved, required, _verdict_cell(row)]


def _narrowest(column: int, cells: Iterable[str]) -> int:
    """The least width a matrix column can have without cutting a word (an identifier)."""
    texts = list(cells)
    if column < _IDENTIFIER_COLUMNS:
        return max(len(text) for text in texts)
    return max(len(word) for text in texts for word in text.split())


def _matrix_table(rows: Sequence[DiffResult | UncomparedSite], width: int) -> Table | None:
    """The fleet matrix as a table; None when the width cannot hold every word in it."""
    cells = [_matrix_cells(row) for row in rows]
    columns = [
        [header, *(row[index].plain for row in cells)]
        for index, header in enumerate(_MATRIX_HEADERS)
    ]
    narrowest = [_narrowest(index, column) for index, column in enumerate(columns)]
    if sum(narrowest) + _COLUMN_GAP * (len(narrowest) - 1) > width:
        return None
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for index, header in enumerate(_MATRIX_HEADERS):
        table.add_column(
            header, no_wrap=index < _IDENTIFIER_COLUMNS, min_width=narrowest[index]
        )
    for row_cells in cells:
        table.add_row(*row_cells)
    return table


def _matrix_blocks(console: Console, report: FleetReport) -> None:
    """The matrix for a narrow terminal: one block per site, nothing cut."""
    for number, row in enumerate(report.rows):
        if number:
            console.print()
        line_id, site = _row_site(row)
        heading = Text(f"{line_id} / {site}  ", style="bold")
        verdict = row_verdict(row)
        heading.append(verdict, style=_ROW_VERDICT_STYLE[verdict])
        print_wrapped(console, heading)
        if isinstance(row, DiffResult):
            print_wrapped(
                console,
                Text(
                    f"  achieved {achieved_label(row.achieved)}; "
                    f"required {row.required.display_name}"
                ),
            )
            stages, spans = Text("  "), list[tuple[int, int]]()
            for stage, cell in zip(Stage.ordered(), _stage_cells(row), strict=True):
                if spans:
                    stages.append("; ")
                start = len(stages.plain)
                stages.append(f"{stage.display_name}: ")
                stages.append(cell)
                spans.append((start, len(stages.plain)))
            print_wrapped(console, stages, keep=spans)
        for note in _row_notes(row):
            print_wrapped(console, Text(f"  {note}", style="yellow"))


def _print_matrix(console: Console, report: FleetReport) -> None:
    if not report.rows:
        console.print(Text("No child site under the folder.", style="yellow"))
        return
    table = _matrix_table(report.rows, console.width)
    if table is not None:
        console.print(table)
    else:
        _matrix_blocks(console, report)


def _failed_sites(console: Console, report: FleetReport) -> None:
    for check in report.failed_checks:
        blocking = check.blocking_deviations
        console.print()
        print_wrapped(
            console,
            Text(
                f"{check.child.site} ({check.child.path}): {len(blocking)} open "
                f"deviation(s) at or below {check.required.display_name}",
                style="bold",
            ),
        )
        for deviation in blocking:
            print_wrapped(console, Text("  ").append(_deviation_text(deviation, with_stage=True)))
            where = _locations((deviation.child_location or deviation.mother_location,))
            print_wrapped(console, Text(f"      {where}", style="dim"), indent=8)


def _waiver_health(console: Console, report: FleetReport) -> None:
    """Waivers that need attention: expiring, expired, unused, not yet approved."""
    outcomes = report.waivers
    if not outcomes:
        return
    counts = dict.fromkeys(WaiverStatus, 0)
    for outcome in outcomes:
        counts[outcome.status] += 1
    console.print()
    summary = ", ".join(f"{n} {status.value}" for status, n in counts.items() if n)
    console.print(
        Text(f"Waivers on {report.today.isoformat()}: {summary}", style="bold underline")
    )
    troubled = [o for o in outcomes if o.status is not WaiverStatus.ACTIVE]
    if not troubled:
        console.print(Text("  every waiver is active and covers a deviation", style="green"))
    width = max(len(o.status.value) for o in troubled) if troubled else 0
    for outcome in troubled:
        line = Text("  ")
        line.append(outcome.status.value.ljust(width), style=_WAIVER_STYLE[outcome.status])
        line.append(f"  {outcome.waiver.id}", style="bold")
        line.append(f" ({outcome.waiver.site}): {_health_text(report, outcome)}")
        print_wrapped(console, line, indent=width + 4)


def _health_text(report: FleetReport, outcome: WaiverOutcome) -> str:
    waiver, today = outcome.waiver, report.today
    days = (waiver.expires - today).days
    expires = waiver.expires.isoformat()
    if outcome.status is WaiverStatus.EXPIRED:
        covers = f"; no longer covers {', '.join(outcome.covers)}" if outcome.covers else ""
        return f"expired on {expires}, {-days} day(s) ago{covers}"
    if outcome.status is WaiverStatus.EXPIRING:
        return f"expires on {expires}, in {days} day(s)"
    if outcome.status is WaiverStatus.NOT_YET_APPROVED:
        return f"not active before its approval on {waiver.approved_on.isoformat()}"
    misses = _misses(report, outcome)
    if misses:
        return f"covers no deviation: {'; '.join(misses)}"
    return f"covers no deviation ({waiver.path})"


def _misses(report: FleetReport, outcome: WaiverOutcome) -> list[str]:
    """For an unused waiver: each deviation it names by path, and what it covers instead."""
    waiver = outcome.waiver
    found = []
    for check in report.checks:
        if (check.child.line_id, check.child.site) != (waiver.line, waiver.site):
            continue
        for deviation in check.deviations:
            miss = deviation.waiver_miss
            if deviation.path in outcome.misses and miss is not None and miss.waiver == waiver.id:
                mother_text, child_text = format_change(deviation, None)
                found.append(
                    f"it covers {waiver_covers(miss, deviation)} only, {deviation.path} is "
                    f"{mother_text} -> {child_text}"
                )
    return found


def _fleet_summary(report: FleetReport) -> RichText:
    rows = report.rows
    passing = sum(1 for row in rows if row.passed)
    errors, files = len(report.problems), len(report.problem_files)
    summary = (
        f"{passing} of {len(rows)} child site(s) pass, {len(rows) - passing} do not; "
        f"{errors} error(s) in {files} file(s)"
    )
    return Text.assemble(_verdict(report.passed), "  ", summary)


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
        console = make_console(out)
        shard = f" (shard {report.shard})" if report.shard else ""
        print_wrapped(console, Text(f"cexact check {report.root}{shard}", style="bold"))
        _applied_files(console, "project file", report.projects)
        _applied_files(console, "waiver files", report.waiver_files)
        for finding in report.problems:
            console.print(finding_text(finding))
        console.print()
        _print_matrix(console, report)
        _failed_sites(console, report)
        _waiver_health(console, report)
        console.print()
        console.print(_fleet_summary(report))

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
            first.append(outcome.status.value.ljust(width), style=_WAIVER_STYLE[outcome.status])
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
                _verdict(result.passed),
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
                line.append(f"{change.kind.value:<13}", style=_KIND_STYLE[change.kind.value])
                line.append(change.path, style="bold")
                line.append(f": {before} -> {after}")
                print_wrapped(console, line, indent=23)
                where = _locations((change.child_location or change.mother_location,))
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
                line.append(f"{change.kind.value:<13}", style=_KIND_STYLE[change.kind.value])
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
                _verdict(not report.not_matched),
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
            _verdict(result.passed),
            "  achieved: ",
            (achieved_label(result.achieved), "bold"),
            "   required: ",
            (result.required.display_name, "bold"),
        )
    )
    _applied_files(
        console, "project file", [result.project_file] if result.project_file else []
    )
    _applied_files(console, "waiver files", result.waiver_files)
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
        line.append(f"{deviation.kind.value:<13}", style=_KIND_STYLE[deviation.kind.value])
        line.append(
            f"{deviation.severity.value:<6}",
            style="bold" if deviation.severity is Severity.MAJOR else "dim",
        )
        line.append(_deviation_text(deviation))
        print_wrapped(console, line, indent=_DEVIATION_INDENT)
        where = _locations((deviation.mother_location, deviation.child_location))
        if where:
            print_wrapped(console, Text(f"        {where}", style="dim"), indent=10)


def _waiver_outcomes(console: Console, outcomes: tuple[WaiverOutcome, ...]) -> None:
    console.print(Text(f"Waivers ({len(outcomes)})", style="bold underline"))
    width = max(len(o.status.value) for o in outcomes)
    for outcome in outcomes:
        waiver = outcome.waiver
        line = Text("  ")
        line.append(outcome.status.value.ljust(width), style=_WAIVER_STYLE[outcome.status])
        line.append(f"  {waiver.id}", style="bold")
        line.append(f" {waiver.path}  expires {waiver.expires.isoformat()}")
        line.append(f"  {waiver.change_request}", style="dim")
        approvers = ", ".join(f"{a.name} ({a.role}, {a.date})" for a in waiver.approvals)
        line.append(f"  approved by {approvers}", style="dim")
        print_wrapped(console, line, indent=width + 4)


__all__ = ["PIPED_WIDTH", "TextRenderer", "finding_text", "make_console", "wrap"]
