"""`cexact check` in a terminal: the fleet matrix, the failing sites' deviations, the
health of the waivers and the one-line summary.

The matrix is a table when the terminal is wide enough for every identifier in
it, and one block per site otherwise: nothing is ever cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text as RichText

from cexact.commands.check import FleetReport
from cexact.commands.diff import DiffResult
from cexact.commands.fleet_sites import UncomparedSite
from cexact.compare.waivers import WaiverOutcome, WaiverStatus
from cexact.model import Stage
from cexact.report.formatting import (
    achieved_label,
    format_change,
    not_compared_text,
    row_verdict,
    stage_cell,
    waiver_covers,
    waivers_not_applied_text,
)
from cexact.report.terminal import (
    WAIVER_STYLE,
    Text,
    deviation_text,
    locations_text,
    print_wrapped,
    verdict_text,
)

CELL_STYLE = {
    "met": "green",
    "waived": "cyan",
    "failed": "bold red",
    "not-required": "yellow",
}

ROW_VERDICT_STYLE = {
    "PASS": "bold green",
    "FAIL": "bold red",
    "INVALID": "bold red",
    "NOT COMPARED": "bold red",
}


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
        cells.append(Text(text, style=CELL_STYLE[state]))
    return cells


def _verdict_cell(row: DiffResult | UncomparedSite) -> Text:
    verdict = row_verdict(row)
    cell = Text(verdict, style=ROW_VERDICT_STYLE[verdict])
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
        heading.append(verdict, style=ROW_VERDICT_STYLE[verdict])
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


def print_matrix(console: Console, report: FleetReport) -> None:
    if not report.rows:
        console.print(Text("No child site under the folder.", style="yellow"))
        return
    table = _matrix_table(report.rows, console.width)
    if table is not None:
        console.print(table)
    else:
        _matrix_blocks(console, report)


def print_failed_sites(console: Console, report: FleetReport) -> None:
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
            print_wrapped(console, Text("  ").append(deviation_text(deviation, with_stage=True)))
            where = locations_text((deviation.child_location or deviation.mother_location,))
            print_wrapped(console, Text(f"      {where}", style="dim"), indent=8)


def print_waiver_health(console: Console, report: FleetReport) -> None:
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
        line.append(outcome.status.value.ljust(width), style=WAIVER_STYLE[outcome.status])
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


def fleet_summary(report: FleetReport) -> RichText:
    rows = report.rows
    passing = sum(1 for row in rows if row.passed)
    errors, files = len(report.problems), len(report.problem_files)
    summary = (
        f"{passing} of {len(rows)} child site(s) pass, {len(rows) - passing} do not; "
        f"{errors} error(s) in {files} file(s)"
    )
    return Text.assemble(verdict_text(report.passed), "  ", summary)


__all__ = ["fleet_summary", "print_failed_sites", "print_matrix", "print_waiver_health"]
