"""GitHub Actions workflow commands: one annotation per deviation and per problem.

Printed in a workflow step, each line becomes an annotation on the file and
line it names, in the pull request's "Files changed" view and the run summary:

    ::error file=child.yaml,line=12,col=7,title=cexact Copy Exactly (chandler)::steps...

- `::error` for an open deviation at a stage the child must meet (its rank is
  at or below the required stage's), and for every invalid input file and
  pairing problem;
- `::warning` for an open deviation above the required stage (not required);
- `::notice` for a deviation an active waiver covers.

A deviation is placed at the child's line, or the mother's where the child has
no such item (a removed step). The last line is one summary: `::notice
title=cexact::PASS ...` or `::error title=cexact::FAIL ...`, with counts.

Escaping follows the runner's rules: in the message `%`, CR and LF become
`%25`, `%0D`, `%0A`; in properties `:` and `,` also become `%3A` and `%2C`. So
a recipe value can never start a new command or end the annotation early.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TextIO

from cexact.compare.waivers import WaiverOutcome, WaiverStatus
from cexact.model import Deviation, Finding, GateStatus, SourceLocation, Stage
from cexact.report import Renderer
from cexact.report.formatting import achieved_label, format_change

if TYPE_CHECKING:
    from cexact.commands.check import FleetReport
    from cexact.commands.diff import DiffResult


def escape_data(text: str) -> str:
    """A command's message: `%`, CR and LF are the only characters with meaning."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: also `:` and `,`, which separate the properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(
    level: str,
    message: str,
    *,
    title: str | None = None,
    location: SourceLocation | None = None,
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
) -> str:
    """`::level file=...,line=...,col=...,title=...::message`, properties escaped."""
    if location is not None:
        file, line, column = location.file, location.line, location.column
    properties: list[tuple[str, str]] = []
    if file is not None:
        properties.append(("file", file))
        if line is not None:
            properties.append(("line", str(line)))
            if column is not None:
                properties.append(("col", str(column)))
    if title is not None:
        properties.append(("title", title))
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{level}{' ' + joined if joined else ''}::{escape_data(message)}"


_LEVELS = {
    GateStatus.BLOCKING: "error",
    GateStatus.NOT_REQUIRED: "warning",
    GateStatus.WAIVED: "notice",
}


def deviation_level(deviation: Deviation) -> str:
    return _LEVELS[deviation.gate or GateStatus.BLOCKING]


def deviation_message(deviation: Deviation, required: Stage) -> str:
    """`path: mother -> child (detail; waived by W-1)`."""
    mother_text, child_text = format_change(deviation)
    notes = [deviation.detail] if deviation.detail else []
    if deviation.waiver:
        notes.append(f"waived by {deviation.waiver}")
    if deviation.expired_waiver:
        notes.append(f"waiver {deviation.expired_waiver} has expired")
    if deviation.gate is GateStatus.NOT_REQUIRED:
        notes.append(f"not required: {required.display_name} is required")
    suffix = f" ({'; '.join(notes)})" if notes else ""
    return f"{deviation.path}: {mother_text} -> {child_text}{suffix}"


def _problem_title(finding: Finding) -> str:
    return "cexact line pairing" if finding.rule == "fleet" else "cexact invalid input"


def _lines(
    checks: Sequence[DiffResult],
    problems: Sequence[Finding],
    waivers: Iterable[WaiverOutcome],
    passed: bool,
) -> Iterable[str]:
    for finding in problems:
        yield command(
            "error",
            f"{finding.message} ({finding.rule})",
            title=_problem_title(finding),
            file=finding.file,
            line=finding.line,
            column=finding.column,
        )
    counts = {"error": 0, "warning": 0, "notice": 0}
    for check in checks:
        site = check.child.site
        for deviation in check.deviations:
            level = deviation_level(deviation)
            counts[level] += 1
            yield command(
                level,
                deviation_message(deviation, check.required),
                title=f"cexact {deviation.stage.display_name} ({site})",
                location=deviation.child_location or deviation.mother_location,
            )
    yield command(
        "notice" if passed else "error",
        _summary(checks, problems, waivers, passed, counts),
        title="cexact",
    )


def _summary(
    checks: Sequence[DiffResult],
    problems: Sequence[Finding],
    waivers: Iterable[WaiverOutcome],
    passed: bool,
    counts: dict[str, int],
) -> str:
    verdict = "PASS" if passed else "FAIL"
    if len(checks) == 1 and not problems:
        check = checks[0]
        head = (
            f"{verdict}: {check.child.site} achieved {achieved_label(check.achieved)}, "
            f"required {check.required.display_name}"
        )
    else:
        passing = sum(1 for check in checks if check.passed)
        head = f"{verdict}: {passing} of {len(checks)} child site(s) meet their required stage"
    parts = [
        f"{counts['error']} open deviation(s) at required stages",
        f"{counts['warning']} above them",
        f"{counts['notice']} waived",
    ]
    if problems:
        parts.append(f"{len(problems)} input problem(s)")
    statuses = [outcome.status for outcome in waivers]
    for status in (WaiverStatus.EXPIRED, WaiverStatus.UNUSED):
        if status in statuses:
            parts.append(f"{statuses.count(status)} waiver(s) {status.value}")
    return f"{head}; {', '.join(parts)}"


class GithubRenderer(Renderer):
    name = "github"

    def render_diff(self, result: DiffResult, out: TextIO) -> None:
        for line in _lines((result,), (), result.waivers, result.passed):
            out.write(line + "\n")

    def render_fleet(self, report: FleetReport, out: TextIO) -> None:
        for line in _lines(report.checks, report.problems, report.waivers, report.passed):
            out.write(line + "\n")
