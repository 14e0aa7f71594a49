"""`cexact impact` in Markdown, for the pull request that proposes the mother change.

A before/after table of every child, the mother's changes, the fleet by
stage, then per child what it would have to adopt and what else changes.
"""

from __future__ import annotations

from typing import TextIO

from cexact.commands.impact_results import ChildImpact, ImpactResult, WaiverEffect
from cexact.model import Deviation
from cexact.report.formatting import achieved_label, format_change, not_compared_text
from cexact.report.markdown import _cell, _code


def write_impact_markdown(result: ImpactResult, out: TextIO) -> None:
    proposed, current = result.proposed, result.current
    verdict = "FAIL" if not result.passed else "PASS"
    out.write(
        f"## cexact impact: {_cell(result.line_id)}: **{verdict}**\n\n"
        f"Proposed mother {_code(proposed.path)} (version {_cell(proposed.version)}) against "
        f"the current {_code(current.path)} (version {_cell(current.version)}).\n\n"
    )
    broken = [c.site for c in result.newly_failing]
    out.write(
        f"{len(broken)} of {len(result.children)} child site(s) would newly fail their gate"
        + (f": {_cell(', '.join(broken))}" if broken else "")
        + ". A child that fails today already is listed, not counted.\n\n"
    )
    for note in result.notes:
        out.write(f"> {_cell(note)}\n\n")
    out.write("| site | required | achieved today | achieved proposed | verdict |\n")
    out.write("|---|---|---|---|---|\n")
    for child in result.children:
        today, after = child.verdict.verdicts
        out.write(
            f"| {_cell(child.site)} | {child.after.required.display_name} | "
            f"{achieved_label(child.before.achieved)} ({today}) | "
            f"{achieved_label(child.after.achieved)} ({after}) | {_cell(child.verdict.label)} |\n"
        )
    for site in result.not_compared:
        out.write(f"| {_cell(site.site)} | | {_cell(not_compared_text(site))} | | |\n")
    out.write(
        "\n### Fleet by stage\n\n| stage | meeting today | meeting proposed | newly failing "
        "| newly passing |\n|---|---|---|---|---|\n"
    )
    for flips in result.stage_flips:
        out.write(
            f"| {flips.stage.display_name} | {flips.meeting_before} | {flips.meeting_after} | "
            f"{_cell(', '.join(flips.newly_failing))} | {_cell(', '.join(flips.newly_passing))} |\n"
        )
    out.write(f"\n### Mother changes ({len(result.mother_changes)})\n\n")
    for change in result.mother_changes:
        out.write(f"- {_line(change)}\n")
    for child in result.children:
        _child(child, out)


def _line(deviation: Deviation) -> str:
    before, after = format_change(deviation, None)
    return (
        f"{_code(deviation.path)}: {_cell(before)} → {_cell(after)} "
        f"({deviation.stage.display_name})"
    )


def _child(child: ChildImpact, out: TextIO) -> None:
    out.write(f"\n### {_cell(child.site)}: {_cell(child.verdict.label)}\n\n")
    keep = child.to_keep_stage
    if keep:
        out.write(f"To adopt to keep {achieved_label(child.before.achieved)} ({len(keep)}):\n\n")
        out.writelines(f"- {_line(c.change)}\n" for c in keep)
        out.write("\n")
    others = [c for c in child.changes if not c.keeps_stage]
    if others:
        out.write("Other mother changes:\n\n")
        out.writelines(f"- {c.status.value}: {_line(c.change)}\n" for c in others)
        out.write("\n")
    for title, deviations in (
        ("Deviations that disappear", child.disappearing),
        ("Deviations that appear", child.appearing),
    ):
        if deviations:
            out.write(f"{title}:\n\n")
            out.writelines(f"- {_line(d)}\n" for d in deviations)
            out.write("\n")
    for waiver in child.waiver_changes:
        words = (
            "stops matching (the mother value it names no longer holds)"
            if waiver.effect is WaiverEffect.STOPS_MATCHING
            else "becomes unused"
        )
        paths = ", ".join(_code(p) for p in waiver.paths)
        out.write(f"- waiver {_cell(waiver.waiver)} {words}: {paths}\n")
