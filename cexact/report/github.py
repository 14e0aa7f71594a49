"""GitHub Actions: workflow-command annotations, and the full table in the job summary.

Printed in a workflow step, each line becomes an annotation on the file and
line it names, in the pull request's "Files changed" view and the run summary:

    ::error title=cexact::FAIL: 1 of 4 child site(s) meet their required stage; ...
    ::error file=recipes/child.yaml,line=12,col=7,title=cexact Copy Exactly (chandler)::steps...

The first line is the verdict: `::notice title=cexact::PASS ...` or
`::error title=cexact::FAIL ...`, with counts. Then one annotation per input
problem and per deviation:

- `::error` for an open deviation at a stage the child must meet, and for
  every invalid input file and pairing problem;
- `::warning` for an open deviation above the required stage (not required);
- `::notice` for a deviation an active waiver covers.

A deviation is placed at the child's line, or the mother's where the child has
no such item (a removed step). Files are named relative to the repository
root, as GitHub shows them (see `cexact.report.repository_files`).

The runner turns at most 10 errors, 10 warnings and 10 notices of one step
into annotations (actions/runner, `ExecutionContext`, `_maxCountPerIssueType`;
for a composite action, of the whole action) and drops the rest. So the
verdict comes first, and for each kind with more than fit, the last of its 10
is "N more ..., see the report" instead. When `GITHUB_STEP_SUMMARY` is set,
the verdict and a Markdown table of every annotation, none left out, are
appended to that file (the job summary), within GitHub's 1 MiB limit per step:
rows that would pass it are left out and a last line says how many.

Escaping follows the runner's rules: in the message `%`, CR and LF become
`%25`, `%0D`, `%0A`; in properties `:` and `,` also become `%3A` and `%2C`. So
a recipe value can never start a new command or end the annotation early.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from cexact.compare.waivers import WaiverOutcome, WaiverStatus
from cexact.errors import InputError
from cexact.model import Deviation, Finding, GateStatus
from cexact.report import Renderer
from cexact.report.code_scanning import deviation_message, files_named
from cexact.report.formatting import achieved_label
from cexact.report.repository_files import RepositoryFiles

if TYPE_CHECKING:
    from cexact.commands.check import FleetReport
    from cexact.commands.diff import DiffResult
    from cexact.commands.drift import DriftResult
    from cexact.commands.impact_results import ImpactResult
    from cexact.commands.validate import ValidationReport

ANNOTATIONS_PER_KIND = 10
"""How many annotations of each kind (error, warning, notice) a step shows."""
STEP_SUMMARY_LIMIT = 1024 * 1024
"""The most a step's summary file may hold, in bytes."""
STEP_SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"
KINDS = ("error", "warning", "notice")


def escape_data(text: str) -> str:
    """A command's message: `%`, CR and LF are the only characters with meaning."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: also `:` and `,`, which separate the properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass(frozen=True, slots=True)
class Annotation:
    """One workflow-command annotation; `file` is relative to the repository root."""

    level: str
    message: str
    title: str
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def command(self) -> str:
        """`::level file=...,line=...,col=...,title=...::message`, properties escaped."""
        properties: list[tuple[str, str]] = []
        if self.file is not None:
            properties.append(("file", self.file))
            if self.line is not None:
                properties.append(("line", str(self.line)))
                if self.column is not None:
                    properties.append(("col", str(self.column)))
        properties.append(("title", self.title))
        joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
        return f"::{self.level} {joined}::{escape_data(self.message)}"

    @property
    def where(self) -> str:
        if self.file is None:
            return ""
        parts = [self.file, *(str(n) for n in (self.line, self.column) if n is not None)]
        return ":".join(parts)


_LEVELS = {
    GateStatus.BLOCKING: "error",
    GateStatus.NOT_REQUIRED: "warning",
    GateStatus.WAIVED: "notice",
}


def deviation_level(deviation: Deviation) -> str:
    return _LEVELS[deviation.gate or GateStatus.BLOCKING]


def _problem_title(finding: Finding) -> str:
    return "cexact line pairing" if finding.rule == "fleet" else "cexact invalid input"


def _problem_annotations(problems: Sequence[Finding], files: RepositoryFiles) -> list[Annotation]:
    return [
        Annotation(
            "error",
            f"{finding.message} ({finding.rule})",
            _problem_title(finding),
            files.path(finding.file),
            finding.line,
            finding.column if finding.line is not None else None,
        )
        for finding in problems
    ]


def _deviation_annotations(
    checks: Sequence[DiffResult], files: RepositoryFiles
) -> list[Annotation]:
    annotations = []
    for check in checks:
        for deviation in check.deviations:
            where = deviation.child_location or deviation.mother_location
            assert where is not None, deviation.path  # the differ locates every deviation
            annotations.append(
                Annotation(
                    deviation_level(deviation),
                    deviation_message(deviation, check.required),
                    f"cexact {deviation.stage.display_name} ({check.child.site})",
                    files.path(where.file),
                    where.line,
                    where.column,
                )
            )
    return annotations


def _comparison_verdict(
    checks: Sequence[DiffResult],
    problems: Sequence[Finding],
    waivers: Iterable[WaiverOutcome],
    passed: bool,
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
    levels = [deviation_level(d) for check in checks for d in check.deviations]
    parts = [
        f"{levels.count('error')} open deviation(s) at required stages",
        f"{levels.count('warning')} above them",
        f"{levels.count('notice')} waived",
    ]
    if problems:
        parts.append(f"{len(problems)} input problem(s)")
    statuses = [outcome.status for outcome in waivers]
    for status in (WaiverStatus.EXPIRED, WaiverStatus.UNUSED):
        if status in statuses:
            parts.append(f"{statuses.count(status)} waiver(s) {status.value}")
    return f"{head}; {', '.join(parts)}"


def _validation_verdict(report: ValidationReport) -> str:
    invalid = sum(1 for f in report.files if not f.valid)
    skipped = f"; {len(report.skipped)} other YAML file(s) skipped" if report.skipped else ""
    if report.valid:
        return f"PASS: {len(report.files)} file(s) valid{skipped}"
    return (
        f"FAIL: {invalid} of {len(report.files)} file(s) invalid, "
        f"{len(report.findings)} finding(s){skipped}"
    )


def shown_annotations(
    verdict: Annotation, annotations: Sequence[Annotation], see: str
) -> list[Annotation]:
    """The verdict, then as many annotations of each kind as a step shows, in report
    order; for a kind with more than fit, its last slot says how many are left out."""
    totals = Counter(a.level for a in annotations)
    room = {kind: ANNOTATIONS_PER_KIND - (verdict.level == kind) for kind in KINDS}
    limit = {kind: room[kind] if totals[kind] <= room[kind] else room[kind] - 1 for kind in KINDS}
    shown = [verdict]
    used: Counter[str] = Counter()
    for annotation in annotations:
        if used[annotation.level] < limit[annotation.level]:
            shown.append(annotation)
            used[annotation.level] += 1
    for kind in KINDS:
        left_out = totals[kind] - used[kind]
        if left_out:
            message = (
                f"{left_out} more {kind}(s) not shown as annotations (GitHub shows "
                f"{ANNOTATIONS_PER_KIND} of each kind per step): {see}"
            )
            shown.append(Annotation(kind, message, "cexact"))
    return shown


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def summary_markdown(
    heading: str, verdict: Annotation, annotations: Sequence[Annotation], limit: int
) -> str:
    """The job summary: the verdict and a table of every annotation, within `limit` bytes
    (rows that would pass it are left out, and counted in a last line); '' when not even
    the verdict fits."""
    head = f"### {_cell(heading)}\n\n**{_cell(verdict.message)}**\n\n"
    if not annotations:
        return head if len(head.encode()) <= limit else ""
    head += "| Kind | Where | Finding | Message |\n|---|---|---|---|\n"
    rows = [
        f"| {a.level} | `{_cell(a.where)}` | {_cell(a.title)} | {_cell(a.message)} |\n"
        for a in annotations
    ]
    note_room = 200  # the last line when rows are left out
    used = len(head.encode()) + note_room
    if used > limit:
        return ""
    kept = 0
    for row in rows:
        size = len(row.encode())
        if used + size > limit:
            break
        used += size
        kept += 1
    text = head + "".join(rows[:kept])
    if kept < len(rows):
        text += (
            f"\n{len(rows) - kept} more row(s) left out: a step's summary may hold at most "
            "1 MiB; see the full report.\n"
        )
    return text


def _append_summary(
    path: Path, heading: str, verdict: Annotation, rows: Sequence[Annotation]
) -> None:
    try:
        used = path.stat().st_size if path.exists() else 0
        separator = "\n" if used else ""  # a blank line after an earlier summary
        text = summary_markdown(heading, verdict, rows, STEP_SUMMARY_LIMIT - used - len(separator))
        if text:
            with path.open("a", encoding="utf-8") as summary:
                summary.write(separator + text)
    except OSError as error:
        raise InputError(
            f"cannot write the step summary ({STEP_SUMMARY_VARIABLE}): {error.strerror or error}",
            file=str(path),
        ) from None


def _write(
    heading: str, verdict: Annotation, annotations: Sequence[Annotation], out: TextIO
) -> None:
    summary = os.environ.get(STEP_SUMMARY_VARIABLE)
    if summary:
        _append_summary(Path(summary), heading, verdict, annotations)
        see = "see the job summary"
    else:
        see = "see the full report (for example --format markdown or sarif)"
    for annotation in shown_annotations(verdict, annotations, see):
        out.write(annotation.command() + "\n")


class GithubRenderer(Renderer):
    name = "github"

    def render_validation(self, report: ValidationReport, out: TextIO) -> None:
        files = RepositoryFiles(f.file for f in report.findings)
        verdict = Annotation("notice" if report.valid else "error", _validation_verdict(report),
                             "cexact")  # fmt: skip
        _write("cexact validate", verdict, _problem_annotations(report.findings, files), out)

    def render_diff(self, result: DiffResult, out: TextIO) -> None:
        self._write_comparison("cexact diff", (result,), (), result.waivers, result.passed, out)

    def render_drift(self, result: DriftResult, out: TextIO) -> None:
        view = result.pending_view()
        self._write_comparison("cexact drift", (view,), (), view.waivers, view.passed, out)

    def render_fleet(self, report: FleetReport, out: TextIO) -> None:
        shard = f" (shard {report.shard})" if report.shard else ""
        heading = f"cexact check: {report.root}{shard}"
        self._write_comparison(
            heading, report.checks, report.problems, report.waivers, report.passed, out,
            checked_folder=report.root,
        )  # fmt: skip

    def render_impact(self, result: ImpactResult, out: TextIO) -> None:
        """The impact's verdict first; then the line's children under the proposal."""
        view = result.proposed_view()
        files = RepositoryFiles(files_named(view.checks, view.problems, view.waivers))
        verdict = Annotation(
            "notice" if result.passed else "error",
            f"{'PASS' if result.passed else 'FAIL'}: {result.summary}",
            "cexact",
        )
        annotations = _problem_annotations(view.problems, files)
        annotations += _deviation_annotations(view.checks, files)
        heading = f"cexact impact: {result.line_id}, proposed mother {result.proposed.path}"
        _write(heading, verdict, annotations, out)

    def _write_comparison(
        self,
        heading: str,
        checks: Sequence[DiffResult],
        problems: Sequence[Finding],
        waivers: Sequence[WaiverOutcome],
        passed: bool,
        out: TextIO,
        checked_folder: str | None = None,
    ) -> None:
        files = RepositoryFiles(files_named(checks, problems, waivers), checked_folder)
        verdict = Annotation(
            "notice" if passed else "error",
            _comparison_verdict(checks, problems, waivers, passed),
            "cexact",
        )
        annotations = _problem_annotations(problems, files) + _deviation_annotations(checks, files)
        _write(heading, verdict, annotations, out)
