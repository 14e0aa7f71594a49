"""JUnit XML, for CI systems that show test results (Jenkins, GitLab, Azure DevOps...).

The output is valid against `junit-10.xsd`, the schema the Jenkins xUnit
plugin validates JUnit files with (jenkinsci/xunit-plugin); the tests check
it. So the root carries only the counts that schema allows it (tests,
failures, errors: no skipped count, which each suite carries instead), and
times are whole seconds ("0").

    <testsuites name="cexact" tests failures errors time>
      <testsuite name="<line id>" ...>            one per line, in report order
        <testcase classname="<line id>" name="<site> / <Stage>" time="0">

Every child site gets one test case per transfer stage, four in all. A test
case judges the stage's *own* discipline, the deviations classified at that
stage, so every open deviation is reported exactly once:

- stage at or below the site's required stage (a stage it must meet), with
  open deviations: `<failure message="N open deviation(s) at <Stage>"
  type="<stage id>">`, the text listing each open deviation, its change and
  where it is (and an expired waiver that no longer covers it);
- stage above the required one, with open deviations:
  `<skipped message="not required"/>`, the text listing them all the same;
- no open deviation at the stage: the test case passes, whether or not it is
  required. Deviations waivers cover never fail a test case; they are listed in
  the test case's `<system-out>` with the waiver id.

A stage a site does not *achieve* only because a lower stage fails (achieved
stages are cumulative) passes here: the lower stage's failure already says why.
So a site passes the gate exactly when none of its test cases fails.

Each invalid input file (recipe, waiver or project file that does not load or
validate) and each pairing problem (a line with no mother, or two) is one test
case in the suite "cexact inputs" (classname `cexact.inputs`, name = the file),
with an `<error>` whose type is the finding's rule and whose text lists every
finding in that file.

Each line's suite has `<properties>`: the mother and every child file with
its sha256, and each site's required and achieved stage and verdict. Its
`<system-out>` lists what the waivers for its line did (active, expiring,
expired, unused); waivers for a line the report has no check for are listed in
the "cexact inputs" suite's. No timestamps or host names: the same inputs give
the same file, so reports can be compared across runs.

`cexact validate` writes one suite, "cexact validate", with a test case per
file (classname `cexact.validate`, name = the file): a `<failure>` listing the
file's findings when it is invalid, and a `<skipped message="not a cexact
file"/>` test case for each YAML file passed over as not cexact's.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TextIO

from cexact import __version__
from cexact.compare.gate import StageState
from cexact.compare.waivers import WaiverOutcome
from cexact.model import Deviation, Finding
from cexact.report import Renderer
from cexact.report.formatting import format_change

if TYPE_CHECKING:
    from cexact.commands.check import FleetReport
    from cexact.commands.diff import DiffResult
    from cexact.commands.validate import ValidationReport

INPUTS_SUITE = "cexact inputs"
INPUTS_CLASSNAME = "cexact.inputs"

# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _element(
    parent: ET.Element, tag: str, text: str | None = None, **attributes: str
) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _xml_text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _xml_text(text)
    return element


def _describe(deviation: Deviation) -> str:
    mother_text, child_text = format_change(deviation)
    line = f"{deviation.path}: {mother_text} -> {child_text} [{deviation.kind.value}, "
    line += f"{deviation.severity.value}]"
    if deviation.detail:
        line += f" ({deviation.detail})"
    if deviation.waiver:
        line += f" waived by {deviation.waiver}"
    if deviation.expired_waiver:
        line += f" waiver {deviation.expired_waiver} has expired"
    where = [str(loc) for loc in (deviation.mother_location, deviation.child_location) if loc]
    if where:
        line += "\n    " + " -> ".join(where)
    return line


class _Suite:
    """One <testsuite> and its counts."""

    def __init__(self, parent: ET.Element, name: str) -> None:
        self.element = _element(parent, "testsuite", name=name)
        self.properties = _element(self.element, "properties")
        self.tests = self.failures = self.errors = self.skipped = 0

    def case(self, classname: str, name: str) -> ET.Element:
        self.tests += 1
        return _element(self.element, "testcase", classname=classname, name=name, time="0")

    def close(self, system_out: Sequence[str] = ()) -> None:
        if system_out:
            _element(self.element, "system-out", "\n".join(system_out) + "\n")
        for key, value in (
            ("tests", self.tests),
            ("failures", self.failures),
            ("errors", self.errors),
            ("skipped", self.skipped),
        ):
            self.element.set(key, str(value))
        self.element.set("time", "0")


def _site_cases(suite: _Suite, check: DiffResult) -> None:
    site, line_id = check.child.site, check.child.line_id
    for count in check.counts:
        stage = count.stage
        at_stage = [d for d in check.deviations if d.stage is stage]
        open_ = [d for d in at_stage if not d.waived]
        waived = [d for d in at_stage if d.waived]
        case = suite.case(line_id, f"{site} / {stage.display_name}")
        listing = "\n".join(_describe(d) for d in open_) + "\n" if open_ else None
        if count.state is StageState.OPEN:
            suite.failures += 1
            _element(
                case,
                "failure",
                listing,
                message=f"{len(open_)} open deviation(s) at {stage.display_name}",
                type=stage.value,
            )
        elif count.state is StageState.OPEN_NOT_REQUIRED:
            suite.skipped += 1
            _element(case, "skipped", listing, message="not required")
        if waived:
            _element(case, "system-out", "\n".join(_describe(d) for d in waived) + "\n")


def _waiver_lines(outcomes: Iterable[WaiverOutcome]) -> list[str]:
    lines = []
    for outcome in outcomes:
        waiver = outcome.waiver
        covers = ", ".join(outcome.covers) or "nothing"
        lines.append(
            f"waiver {waiver.id} ({waiver.line} / {waiver.site}, {waiver.change_request}, "
            f"expires {waiver.expires.isoformat()}): {outcome.status.value}; covers {covers}"
        )
    return lines


def build_tree(
    checks: Sequence[DiffResult],
    problems: Sequence[Finding],
    waivers: Sequence[WaiverOutcome],
) -> ET.Element:
    root = ET.Element("testsuites", name="cexact")
    suites: list[_Suite] = []
    line_ids = list(dict.fromkeys(check.child.line_id for check in checks))
    for line_id in line_ids:
        suite = _Suite(root, line_id)
        suites.append(suite)
        _element(suite.properties, "property", name="cexact.version", value=__version__)
        line_checks = [c for c in checks if c.child.line_id == line_id]
        mother = line_checks[0].mother
        _element(suite.properties, "property", name="mother", value=mother.path)
        _element(suite.properties, "property", name="mother.sha256", value=mother.sha256)
        for check in line_checks:
            prefix = f"{check.child.site}."
            for key, value in (
                ("child", check.child.path),
                ("child.sha256", check.child.sha256),
                ("required", check.required.value),
                ("achieved", check.achieved.value if check.achieved else "none"),
                ("verdict", "pass" if check.passed else "fail"),
            ):
                _element(suite.properties, "property", name=prefix + key, value=value)
            _site_cases(suite, check)
        suite.close(_waiver_lines(o for o in waivers if o.waiver.line == line_id))
    others = [o for o in waivers if o.waiver.line not in line_ids]
    if problems or others:
        suite = _Suite(root, INPUTS_SUITE)
        suites.append(suite)
        by_file: dict[str, list[Finding]] = {}
        for finding in problems:
            by_file.setdefault(finding.file, []).append(finding)
        for file, findings in by_file.items():
            case = suite.case(INPUTS_CLASSNAME, file)
            suite.errors += 1
            first = findings[0]
            message = first.message
            if len(findings) > 1:
                message += f" (and {len(findings) - 1} more)"
            _element(
                case,
                "error",
                "\n".join(str(f) for f in findings) + "\n",
                message=message,
                type=first.rule,
            )
        suite.close(_waiver_lines(others))
    for suite in suites:
        if not len(suite.properties):
            suite.element.remove(suite.properties)
    _set_totals(root, suites)
    return root


def _set_totals(root: ET.Element, suites: Sequence[_Suite]) -> None:
    """The root's counts: junit-10.xsd allows tests, failures and errors (not skipped)."""
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(getattr(suite, key) for suite in suites)))
    root.set("time", "0")


VALIDATE_SUITE = "cexact validate"
VALIDATE_CLASSNAME = "cexact.validate"


def validation_tree(report: ValidationReport) -> ET.Element:
    root = ET.Element("testsuites", name="cexact")
    suite = _Suite(root, VALIDATE_SUITE)
    _element(suite.properties, "property", name="cexact.version", value=__version__)
    for validation in report.files:
        case = suite.case(VALIDATE_CLASSNAME, validation.source)
        if validation.valid:
            continue
        suite.failures += 1
        findings = validation.findings
        message = findings[0].message
        if len(findings) > 1:
            message += f" (and {len(findings) - 1} more)"
        _element(
            case,
            "failure",
            "\n".join(str(f) for f in findings) + "\n",
            message=message,
            type=findings[0].rule,
        )
    for other in report.skipped:
        case = suite.case(VALIDATE_CLASSNAME, other)
        suite.skipped += 1
        _element(case, "skipped", message="not a cexact file")
    suite.close()
    _set_totals(root, [suite])
    return root


def write_tree(root: ET.Element, out: TextIO) -> None:
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")


class JunitRenderer(Renderer):
    name = "junit"

    def render_validation(self, report: ValidationReport, out: TextIO) -> None:
        write_tree(validation_tree(report), out)

    def render_diff(self, result: DiffResult, out: TextIO) -> None:
        write_tree(build_tree((result,), (), result.waivers), out)

    def render_fleet(self, report: FleetReport, out: TextIO) -> None:
        write_tree(build_tree(report.checks, report.problems, report.waivers), out)
