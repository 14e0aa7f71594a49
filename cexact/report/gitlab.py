"""GitLab Code Quality: the findings of a merge request's pipeline, in its widget and diff.

A JSON array with one object per finding, in the Code Climate subset GitLab
documents ("Implement a custom tool" in GitLab's Code Quality docs), declared
in `.gitlab-ci.yml` as `artifacts: reports: codequality: <file>`:

    [{"description": "...", "check_name": "cexact/copy-exactly",
      "fingerprint": "<sha256>", "severity": "critical",
      "location": {"path": "recipes/cell-4680/wroclaw-pl.yaml", "lines": {"begin": 144}}}]

- `check_name` is the rule, as in SARIF (`cexact/<stage>`, `cexact/invalid-recipe`,
  `cexact/line-pairing`, `cexact/stale-waiver`);
- `description` says what differs, at which site, and why it counts;
- `fingerprint` identifies the finding from one pipeline to the next (line id,
  site, path and kind for a deviation; see `cexact.report.code_scanning`) and
  is unique within the report: GitLab keeps one finding per fingerprint and
  compares fingerprints between the source and target branch;
- `location.path` is relative to the repository root, from whatever folder
  cexact ran in (`cexact.report.repository_files`); `location.lines.begin`
  is the child's line (the mother's for an item the child does not have).

Severities, GitLab's five from most to least serious:

| finding | severity |
|---|---|
| invalid input file, line without exactly one mother | blocker |
| open deviation at a required stage, major | critical |
| open deviation at a required stage, minor | major |
| open deviation above the required stage; expired waiver | minor |
| deviation covered by an active waiver; unused waiver | info |

GitLab stops reading at the first object it finds invalid, so every object
has every field.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from cexact.compare.waivers import WaiverOutcome, WaiverStatus
from cexact.model import Deviation, Finding, GateStatus, Severity
from cexact.report import Renderer
from cexact.report.code_scanning import (
    WAIVER_RULE,
    UniqueKeys,
    deviation_key,
    deviation_message,
    files_named,
    finding_key,
    problem_rule_id,
    stage_rule_id,
    waiver_key,
)
from cexact.report.repository_files import RepositoryFiles

if TYPE_CHECKING:
    from cexact.commands.check import FleetReport
    from cexact.commands.diff import DiffResult
    from cexact.commands.validate import ValidationReport

SEVERITIES = ("blocker", "critical", "major", "minor", "info")
"""GitLab's severities, from most to least serious."""


def deviation_severity(deviation: Deviation) -> str:
    if deviation.gate is GateStatus.WAIVED:
        return "info"
    if deviation.gate is GateStatus.NOT_REQUIRED:
        return "minor"
    return "critical" if deviation.severity is Severity.MAJOR else "major"


class _Report:
    """The entries of one Code Quality report, fingerprints unique within it."""

    def __init__(self, files: RepositoryFiles) -> None:
        self.files = files
        self.unique = UniqueKeys()
        self.entries: list[dict[str, Any]] = []

    def add(
        self, check_name: str, description: str, key: str, severity: str, file: str, line: int
    ) -> None:
        self.entries.append(
            {
                "description": description,
                "check_name": check_name,
                "fingerprint": self.unique(key),
                "severity": severity,
                "location": {"path": self.files.path(file), "lines": {"begin": max(line, 1)}},
            }
        )

    def problems(self, findings: Sequence[Finding]) -> None:
        for finding in findings:
            self.add(
                problem_rule_id(finding),
                f"{finding.message} ({finding.rule})",
                finding_key(self.files.path(finding.file), finding),
                "blocker",
                finding.file,
                finding.line or 1,
            )

    def deviations(self, checks: Sequence[DiffResult]) -> None:
        for check in checks:
            for deviation in check.deviations:
                where = deviation.child_location or deviation.mother_location
                assert where is not None, deviation.path  # the differ locates every deviation
                self.add(
                    stage_rule_id(deviation.stage),
                    f"{deviation.stage.display_name} deviation at {check.child.site}: "
                    f"{deviation_message(deviation, check.required)}",
                    deviation_key(check, deviation),
                    deviation_severity(deviation),
                    where.file,
                    where.line,
                )

    def stale_waivers(self, outcomes: Sequence[WaiverOutcome]) -> None:
        for outcome in outcomes:
            waiver = outcome.waiver
            if outcome.status is WaiverStatus.EXPIRED:
                severity = "minor"
                text = f"waiver {waiver.id} expired on {waiver.expires.isoformat()}"
            elif outcome.status is WaiverStatus.UNUSED:
                severity, text = "info", f"waiver {waiver.id} ({waiver.path}) covers no deviation"
            else:
                continue
            self.add(
                WAIVER_RULE,
                f"{text} ({waiver.line} / {waiver.site})",
                waiver_key(outcome),
                severity,
                waiver.location.file,
                waiver.location.line,
            )

    def write(self, out: TextIO) -> None:
        json.dump(self.entries, out, indent=2, ensure_ascii=False)
        out.write("\n")


def _comparison_report(
    checks: Sequence[DiffResult],
    problems: Sequence[Finding],
    waivers: Sequence[WaiverOutcome],
    checked_folder: str | None = None,
) -> _Report:
    report = _Report(RepositoryFiles(files_named(checks, problems, waivers), checked_folder))
    report.problems(problems)
    report.deviations(checks)
    report.stale_waivers(waivers)
    return report


class GitlabRenderer(Renderer):
    name = "gitlab"

    def render_validation(self, report: ValidationReport, out: TextIO) -> None:
        quality = _Report(RepositoryFiles(f.file for f in report.findings))
        quality.problems(report.findings)
        quality.write(out)

    def render_diff(self, result: DiffResult, out: TextIO) -> None:
        _comparison_report((result,), (), result.waivers).write(out)

    def render_fleet(self, report: FleetReport, out: TextIO) -> None:
        _comparison_report(report.checks, report.problems, report.waivers, report.root).write(out)
