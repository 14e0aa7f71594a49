"""`cexact impact` in a terminal: the proposal, the fleet by stage, then one block per child.

One block per child rather than a table, so nothing is cut at any width; lines
wrap as all terminal text does (`cexact.report.text.print_wrapped`).
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console

from cexact.commands.impact_results import (
    ChangeStatus,
    ChildChange,
    ChildImpact,
    ImpactResult,
    Verdict,
    WaiverEffect,
)
from cexact.model import Deviation, DeviationKind
from cexact.report.formatting import achieved_label, format_change, not_compared_text
from cexact.report.terminal import Text, finding_text, make_console, print_wrapped

_VERDICT_STYLE = {
    Verdict.STILL_PASSING: "bold green",
    Verdict.NEWLY_FAILING: "bold red",
    Verdict.NEWLY_PASSING: "bold green",
    Verdict.STILL_FAILING: "yellow",
}

_STATUS_LABEL = {
    ChangeStatus.TAKEN: ("taken", "green"),
    ChangeStatus.WAIVED: ("waived", "cyan"),
    ChangeStatus.PENDING: ("pending", "yellow"),
}


def render_impact_text(result: ImpactResult, out: TextIO) -> None:
    console = make_console(out)
    _headline(console, result)
    console.print()
    _mother_changes(console, result)
    console.print()
    _stage_summary(console, result)
    for child in result.children:
        console.print()
        _child_block(console, child)
    for site in result.not_compared:
        console.print()
        print_wrapped(
            console, Text(f"{site.site} ({site.path}): {not_compared_text(site)}", style="bold red")
        )
    console.print()
    console.print(_summary(result))


def _headline(console: Console, result: ImpactResult) -> None:
    proposed, current = result.proposed, result.current
    print_wrapped(
        console,
        Text.assemble(
            ("cexact impact ", "bold"),
            (result.line_id, "bold cyan"),
            f": proposed mother {proposed.path} (version {proposed.version}) against the "
            f"current {current.path} (version {current.version})",
        ),
    )
    for finding in result.fleet.problems:
        if finding.file in {site.path for site in result.not_compared}:
            console.print(finding_text(finding))
    for note in result.notes:
        print_wrapped(console, Text(f"note: {note}", style="dim"))


def _mother_changes(console: Console, result: ImpactResult) -> None:
    changes = result.mother_changes
    console.print(Text(f"Mother changes ({len(changes)})", style="bold underline"))
    if not changes:
        console.print(Text("  none: the proposal changes nothing the children copy", style="dim"))
    for change in changes:
        print_wrapped(console, Text("  ").append(_change_text(change)), indent=6)


def _change_text(change: Deviation) -> Text:
    before, after = format_change(change, None)
    line = Text()
    line.append(change.path, style="bold")
    line.append(f": {before} -> {after}")
    kind = "" if change.kind is DeviationKind.CHANGED else f", {change.kind.value}"
    line.append(f"  ({change.stage.value}{kind})", style="dim")
    return line


def _stage_summary(console: Console, result: ImpactResult) -> None:
    count = len(result.children)
    title = "By stage: child sites meeting it, today -> proposed"
    console.print(Text(title, style="bold underline"))
    for flips in result.stage_flips:
        line = Text(f"  {flips.stage.display_name}: {flips.meeting_before} -> ")
        line.append(f"{flips.meeting_after} of {count}")
        if flips.newly_failing:
            line.append(f"; newly failing: {', '.join(flips.newly_failing)}", style="bold red")
        if flips.newly_passing:
            line.append(f"; newly passing: {', '.join(flips.newly_passing)}", style="green")
        print_wrapped(console, line, indent=6)


def _child_block(console: Console, child: ChildImpact) -> None:
    before, after = child.before, child.after
    today, proposed = child.verdict.verdicts
    print_wrapped(
        console,
        Text.assemble(
            (child.site, "bold"),
            f" ({before.child.path}): {today} -> {proposed}  ",
            (child.verdict.label, _VERDICT_STYLE[child.verdict]),
        ),
    )
    print_wrapped(
        console,
        Text(
            f"  achieves {achieved_label(before.achieved)} -> {achieved_label(after.achieved)}; "
            f"requires {after.required.display_name}"
        ),
        indent=4,
    )
    _changes(console, child)
    _deviation_list(console, "deviations that disappear", child.disappearing)
    _deviation_list(console, "deviations that appear", child.appearing)
    for waiver in child.waiver_changes:
        words = (
            "stops matching (the mother value it names no longer holds)"
            if waiver.effect is WaiverEffect.STOPS_MATCHING
            else "becomes unused"
        )
        print_wrapped(
            console,
            Text(f"  waiver {waiver.waiver} {words}: {', '.join(waiver.paths)}", style="magenta"),
            indent=4,
        )


def _changes(console: Console, child: ChildImpact) -> None:
    keep = child.to_keep_stage
    if keep:
        stage = achieved_label(child.before.achieved)
        console.print(Text(f"  to adopt to keep {stage} ({len(keep)}):", style="bold"))
        for change in keep:
            print_wrapped(console, Text("    ").append(_change_text(change.change)), indent=8)
    others = [c for c in child.changes if not c.keeps_stage]
    if others:
        console.print(Text(f"  other mother changes ({len(others)}):"))
        for change in others:
            print_wrapped(console, _other_change(change), indent=8)


def _other_change(change: ChildChange) -> Text:
    label, style = _STATUS_LABEL[change.status]
    line = Text("    ")
    line.append(f"{label:<8}", style=style)
    line.append(_change_text(change.change))
    return line


def _deviation_list(console: Console, title: str, deviations: tuple[Deviation, ...]) -> None:
    if not deviations:
        return
    console.print(Text(f"  {title} ({len(deviations)}):"))
    for deviation in deviations:
        print_wrapped(console, Text("    ").append(_change_text(deviation)), indent=8)


def _summary(result: ImpactResult) -> Text:
    verdict = ("PASS", "bold green") if result.passed else ("FAIL", "bold red")
    return Text(verdict[0], style=verdict[1]).append(f"  {result.summary}")
