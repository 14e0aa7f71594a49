"""JUnit XML as Jenkins takes it: valid against xUnit's junit-10.xsd, counts consistent."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT, Run
from tests.consumers.conftest import TODAY, RecipeRepository
from tests.consumers.consumer_rules import jenkins_junit_errors
from tests.git_repos import CHILD_A, build_transfer_repo

WAIVER_CASE = ROOT / "tests" / "cases" / "waivers-every-state"


def accepted_junit(text: str) -> ET.Element:
    assert jenkins_junit_errors(text) == []
    root = ET.fromstring(text.encode("utf-8"))
    assert_counts_consistent(root)
    return root


def assert_counts_consistent(root: ET.Element) -> None:
    """Each suite counts its own test cases and their outcomes; the root sums the suites."""
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        counted = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None),
        }
        assert {key: int(suite.get(key, "-1")) for key in counted} == counted, suite.get("name")
        for key in totals:
            totals[key] += counted[key]
    assert {key: int(root.get(key, "-1")) for key in totals} == totals


def test_the_xsd_is_really_checked() -> None:
    """The file the issue found: Jenkins refuses `skipped` on testsuites."""
    rejected = '<testsuites name="cexact" tests="0" failures="0" errors="0" skipped="0"/>'
    assert "The attribute 'skipped' is not allowed" in "\n".join(jenkins_junit_errors(rejected))
    assert jenkins_junit_errors('<testsuites tests="0" failures="0" errors="0" time="0.1234"/>')


def test_check(run_cexact: Run, sample_repository: RecipeRepository) -> None:
    result = run_cexact(
        "check", sample_repository.recipes, "-f", "junit", "--today", TODAY, "-j", "1"
    )
    assert result.exit_code == 1, result.stderr
    root = accepted_junit(result.stdout)
    assert root.get("tests") == str(4 * 4) and int(root.get("failures", "0")) > 0


def test_check_with_invalid_files_and_stale_waivers(
    run_cexact: Run, broken_repository: RecipeRepository
) -> None:
    result = run_cexact(
        "check", broken_repository.recipes, "-f", "junit", "--today", TODAY, "-j", "1"
    )
    root = accepted_junit(result.stdout)
    inputs = root.find("testsuite[@name='cexact inputs']")
    assert inputs is not None and inputs.get("errors") == "3"  # two invalid, one orphan


def test_diff_with_waivers(run_cexact: Run) -> None:
    result = run_cexact(
        "diff", WAIVER_CASE / "mother.yaml", WAIVER_CASE / "child.yaml", "-f", "junit",
        "--today", TODAY, "--no-cache",
    )  # fmt: skip
    root = accepted_junit(result.stdout)
    assert root.get("failures") == "1"


def test_drift(run_cexact: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repository = build_transfer_repo(tmp_path / "transfer")
    monkeypatch.chdir(repository.root)
    result = run_cexact("drift", CHILD_A, "-f", "junit")
    assert result.exit_code == 1, result.stderr
    accepted_junit(result.stdout)


def test_validate_one_case_per_file(
    run_cexact: Run, broken_repository: RecipeRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(broken_repository.root)
    result = run_cexact("validate", "-f", "junit", "--skip-unmarked", "lines", "docs/mkdocs.yml")
    assert result.exit_code == 2, result.stderr
    root = accepted_junit(result.stdout)
    (suite,) = root.iter("testsuite")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    failed = {name for name, c in cases.items() if c.find("failure") is not None}
    assert failed == {"lines/broken.yaml", "lines/bad-unit.yaml"}
    skipped = {name for name, c in cases.items() if c.find("skipped") is not None}
    assert skipped == {"docs/mkdocs.yml"}
    assert "lines/cmos-gate/mother.yaml" in cases
