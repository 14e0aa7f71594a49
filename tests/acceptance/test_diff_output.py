"""Acceptance tests for what `cexact diff` prints: text, Markdown, files, errors.

The recipes come from tests/cases (see test_diff_cases.py). Commands run with
the case folder as the working directory and relative file names, so that
locations print as `mother.yaml:12:3` on every machine.

Golden files (tests/golden/diff-<case>.txt and .md) hold the exact output. When
the output changes on purpose, regenerate them with
`CEXACT_UPDATE_GOLDEN=1 pytest tests/acceptance/test_diff_output.py`, then READ
the diff of the golden files before committing them.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CommandResult, Run, assert_matches_golden

ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = ROOT / "tests" / "cases"
GOLDEN_DIR = ROOT / "tests" / "golden"

FAILING_CASE = "environment-and-facilities"  # Copy Exactly broken: FAIL
PASSING_CASE = "procedure-revision"  # System Synergy only: PASS by default
GOLDEN_CASES = (FAILING_CASE, PASSING_CASE)
DiffCase = Callable[..., CommandResult]
"""The `diff_case` fixture: (case folder, extra arguments) -> what `cexact diff` did."""
GOLDEN_FORMATS = {"text": "txt", "markdown": "md"}


@pytest.fixture
def diff_case(run_cexact: Run, monkeypatch: pytest.MonkeyPatch) -> DiffCase:
    """Run `cexact diff mother.yaml child.yaml --no-cache ARGS` inside a case folder."""

    def run(case: str, *args: str | Path) -> CommandResult:
        monkeypatch.chdir(CASES_DIR / case)
        return run_cexact("diff", "mother.yaml", "child.yaml", "--no-cache", *args)

    return run


def lines_of(text: str) -> list[str]:
    return text.splitlines()


# --- golden files --------------------------------------------------------------


@pytest.mark.parametrize("output_format", sorted(GOLDEN_FORMATS))
@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_golden_output(diff_case: DiffCase, case: str, output_format: str) -> None:
    golden = GOLDEN_DIR / f"diff-{case}.{GOLDEN_FORMATS[output_format]}"
    result = diff_case(case, "--format", output_format)
    assert result.exit_code == (1 if case == FAILING_CASE else 0), result.stderr
    assert result.stderr == ""
    assert_matches_golden(golden, result.stdout, f"cexact diff --format {output_format}")


# --- text ----------------------------------------------------------------------


def test_text_headline_and_counts_on_failure(diff_case: DiffCase) -> None:
    result = diff_case(FAILING_CASE, "--format", "text")
    assert result.exit_code == 1
    lines = lines_of(result.stdout)
    assert "coat-line" in lines[0]
    assert "chandler 1.0 (child)" in lines[0]
    assert "dresden 2.1 (mother)" in lines[0]
    headline = lines[1]
    assert headline.startswith("FAIL")
    assert "achieved: Process Output Matching" in headline
    assert "required: Copy Exactly" in headline
    counts = {
        match.group(1): (int(match.group(2)), int(match.group(3)), match.group(4))
        for line in lines
        if (
            match := re.match(
                r"^(Make it work|Process Output Matching|Copy Exactly|System Synergy)"
                r"\s+(\d+)\s+(\d+)\s+(met|not met|not reached)\s*$",
                line,
            )
        )
    }
    assert counts == {
        "Make it work": (0, 0, "met"),
        "Process Output Matching": (0, 0, "met"),
        "Copy Exactly": (4, 0, "not met"),
        # None of its own, but a lower stage is open: not reached, not "not met".
        "System Synergy": (0, 0, "not reached"),
    }
    assert "Copy Exactly (4)" in lines


def test_text_deviation_lines_show_values_and_locations(diff_case: DiffCase) -> None:
    result = diff_case(FAILING_CASE, "--format", "text")
    lines = lines_of(result.stdout)
    (humidity,) = [line for line in lines if "environment.humidity:" in line]
    assert "changed" in humidity
    assert "major" in humidity
    assert "environment.humidity: 40 percent ±5 -> 50 percent ±5" in humidity
    location = lines[lines.index(humidity) + 1].strip()
    assert location == "mother.yaml:12:3 -> child.yaml:13:3"
    (cleanroom,) = [line for line in lines if "environment.cleanroom_class:" in line]
    assert "ISO 7 -> ISO 8" in cleanroom
    (tolerance,) = [line for line in lines if "environment.dry_room_dew_point.tolerance" in line]
    assert ": 3 -> 5" in tolerance
    assert "looser" in tolerance


def test_text_headline_on_pass(diff_case: DiffCase) -> None:
    result = diff_case(PASSING_CASE, "--format", "text")
    assert result.exit_code == 0
    headline = lines_of(result.stdout)[1]
    assert headline.startswith("PASS")
    assert "achieved: Copy Exactly" in headline
    assert "required: Copy Exactly" in headline
    assert "procedures[SOP-COAT-1].revision: C -> B" in result.stdout
    # An item only the child has is located in the child alone.
    assert "\n        child.yaml:23:5\n" in result.stdout


def test_text_require_system_synergy_fails(diff_case: DiffCase) -> None:
    result = diff_case(PASSING_CASE, "--format", "text", "--require", "system-synergy")
    assert result.exit_code == 1
    headline = lines_of(result.stdout)[1]
    assert headline.startswith("FAIL")
    assert "achieved: Copy Exactly" in headline
    assert "required: System Synergy" in headline


def test_text_moved_step_shows_positions(diff_case: DiffCase) -> None:
    result = diff_case("steps-swapped", "--format", "text")
    assert result.exit_code == 1
    headline = lines_of(result.stdout)[1]
    assert headline.startswith("FAIL")
    assert "achieved: none" in headline
    assert "steps[dry]: position 3 -> position 4" in result.stdout


def test_text_is_plain_without_colour(diff_case: DiffCase) -> None:
    result = diff_case(FAILING_CASE, "--format", "text")
    assert "\x1b[" not in result.stdout


# --- Markdown --------------------------------------------------------------------


def test_markdown_headline_counts_and_rows(diff_case: DiffCase) -> None:
    result = diff_case(FAILING_CASE, "--format", "markdown")
    assert result.exit_code == 1
    text = result.stdout
    assert "**FAIL**" in text
    assert "achieved **Process Output Matching**" in text
    assert "required **Copy Exactly**" in text
    for row in (
        "| Make it work | 0 | 0 | met |",
        "| Process Output Matching | 0 | 0 | met |",
        "| Copy Exactly | 4 | 0 | not met |",
        "| System Synergy | 0 | 0 | not reached |",
    ):
        assert row in lines_of(text)
    (humidity,) = [line for line in lines_of(text) if "`environment.humidity`" in line]
    cells = [cell.strip() for cell in humidity.strip("|").split("|")]
    assert cells[:5] == [
        "`environment.humidity`",
        "changed",
        "major",
        "40 percent ±5",
        "50 percent ±5",
    ]


def test_markdown_pass(diff_case: DiffCase) -> None:
    result = diff_case(PASSING_CASE, "--format", "markdown")
    assert result.exit_code == 0
    assert "**PASS**" in result.stdout
    assert "achieved **Copy Exactly**, required **Copy Exactly**" in result.stdout


def test_markdown_shows_locations(diff_case: DiffCase) -> None:
    """A reviewer reading the Markdown in a pull request can find each value."""
    result = diff_case(FAILING_CASE, "--format", "markdown")
    (humidity,) = [line for line in lines_of(result.stdout) if "`environment.humidity`" in line]
    assert "mother.yaml:12" in humidity
    assert "child.yaml:13" in humidity


# --- output file -------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["text", "json", "markdown"])
def test_output_file(diff_case: DiffCase, tmp_path: Path, output_format: str) -> None:
    printed = diff_case(FAILING_CASE, "--format", output_format)
    target = tmp_path / "reports" / f"report.{output_format}"
    target.parent.mkdir()
    written = diff_case(FAILING_CASE, "--format", output_format, "-o", target)
    assert written.exit_code == printed.exit_code == 1
    assert written.stdout == ""
    assert target.read_text(encoding="utf-8") == printed.stdout
    if output_format == "json":
        assert json.loads(target.read_text(encoding="utf-8"))["achieved"] == (
            "process-output-matching"
        )


# --- errors and identical recipes ------------------------------------------------


def test_invalid_child_exits_2_with_findings(
    run_cexact: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shutil.copy(CASES_DIR / "identical" / "mother.yaml", tmp_path / "mother.yaml")
    child = (CASES_DIR / "identical" / "child.yaml").read_text(encoding="utf-8")
    child = child.replace("    operation: drying\n", "    operations: drying\n")
    child = child.replace("unit: rpm, tolerance: 2}", "unit: rpm, tolerance: -2}")
    (tmp_path / "child.yaml").write_text(child, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run_cexact("diff", "mother.yaml", "child.yaml", "--no-cache")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = lines_of(result.stderr)
    findings = [line for line in lines if re.match(r"^child\.yaml:\d+:\d+: error: ", line)]
    assert len(findings) >= 2, result.stderr
    assert any("operation" in line for line in findings)
    assert any("parameters.speed" in line for line in findings)
    errors = [line for line in lines if line.startswith("cexact: error:")]
    assert len(errors) == 1, result.stderr
    assert lines[-1] == errors[0]
    assert "child.yaml" in errors[0]


def test_unknown_required_stage_exits_2(diff_case: DiffCase) -> None:
    result = diff_case(FAILING_CASE, "--require", "gold")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = lines_of(result.stderr)
    assert len(lines) == 1
    assert lines[0].startswith("cexact: error:")
    assert "gold" in lines[0]
    assert "system-synergy" in lines[0]


def test_missing_file_exits_2(run_cexact: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES_DIR / "identical")
    result = run_cexact("diff", "mother.yaml", "no-such-child.yaml", "--no-cache")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = lines_of(result.stderr)
    assert len(lines) == 1
    assert lines[0].startswith("cexact: error:")
    assert "no-such-child.yaml" in lines[0]


@pytest.mark.parametrize("child", ["mother.yaml", "child.yaml"])
def test_identical_recipes_exit_0(
    run_cexact: Run, monkeypatch: pytest.MonkeyPatch, child: str
) -> None:
    monkeypatch.chdir(CASES_DIR / "identical")
    result = run_cexact("diff", "mother.yaml", child, "--no-cache")
    assert result.exit_code == 0, result.stdout + result.stderr
    headline = lines_of(result.stdout)[1]
    assert headline.startswith("PASS")
    assert "achieved: System Synergy" in headline
    assert "No deviations" in result.stdout
    as_json = json.loads(
        run_cexact("diff", "mother.yaml", child, "--no-cache", "--format", "json").stdout
    )
    assert as_json["deviations"] == []
    assert as_json["passed"] is True
