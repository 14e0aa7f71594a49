"""Input cexact refuses: each a located, one-line finding, never a traceback or a guess."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import MINIMAL_RECIPE, Run


def _write(folder: Path, text: str, name: str = "recipe.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _one_finding(result_stdout: str) -> str:
    findings = [line for line in result_stdout.splitlines() if ": error: " in line]
    assert len(findings) == 1, result_stdout
    return findings[0]


@pytest.mark.parametrize("digits", [25, 400, 5001])
def test_huge_integers_are_a_located_finding(run_cexact: Run, tmp_path: Path, digits: int) -> None:
    """Issue 13.8: a 5,001-digit integer raised ValueError; 400 digits overflowed later."""
    text = MINIMAL_RECIPE.replace("tolerance: 2", f"tolerance: 1{'0' * (digits - 1)}")
    start = time.perf_counter()
    result = run_cexact("validate", _write(tmp_path, text))
    assert time.perf_counter() - start < 1.0
    assert result.exit_code == 2
    finding = _one_finding(result.stdout)
    assert ":8:48: error: the integer " in finding and "too large" in finding
    assert "Traceback" not in result.stdout + result.stderr


def test_huge_integers_under_check_fail_cleanly(run_cexact: Run, tmp_path: Path) -> None:
    _write(tmp_path, MINIMAL_RECIPE.replace("blades", "x").replace("30,", f"3{'0' * 5000},"))
    result = run_cexact("check", tmp_path, "--no-cache")
    assert result.exit_code in (1, 2)
    assert "too large" in result.stdout and "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("written", "what"),
    [
        ('"Ace\\e[2J Chemicals"', "an escape (ESC)"),
        ('"line\\rover"', "a carriage return (CR)"),
        ('"unit\\x1fsep"', "U+001F"),
        ('"c1\\x9bcontrol"', "U+009B"),
    ],
)
def test_control_characters_in_recipe_text_are_refused(
    run_cexact: Run, tmp_path: Path, written: str, what: str
) -> None:
    """Issue 13.14: a supplier name could clear the terminal (ESC[2J) of whoever ran diff."""
    text = MINIMAL_RECIPE.replace("name: Mix", f"name: {written}")
    result = run_cexact("validate", _write(tmp_path, text))
    assert result.exit_code == 2
    finding = _one_finding(result.stdout)
    assert ":5:11: error: " in finding and what in finding


def test_tabs_and_line_feeds_in_free_text_stay_allowed(run_cexact: Run, tmp_path: Path) -> None:
    text = MINIMAL_RECIPE.replace("name: Mix", 'name: "Mix\\tand stir"').replace(
        "operation: mixing", "operation: mixing\n    notes: |\n      first\n      \tsecond"
    )
    result = run_cexact("validate", _write(tmp_path, text))
    assert result.exit_code == 0, result.stdout


def test_an_identifier_with_a_trailing_line_feed_is_refused(
    run_cexact: Run, tmp_path: Path
) -> None:
    """Issue 13.12: the detailed validator read `$` as 'before a final line feed'."""
    text = MINIMAL_RECIPE.replace("- id: s1", '- id: "s1\\n"')
    result = run_cexact("validate", _write(tmp_path, text))
    assert result.exit_code == 2
    assert "steps[0].id: 's1\\n' is not valid here" in _one_finding(result.stdout)


def test_validators_that_disagree_are_an_internal_error_not_a_pass(
    run_cexact: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cexact.recipe import schema_store

    class Refuses:
        def is_valid(self, data: object) -> bool:
            return False

    monkeypatch.setattr(schema_store, "fast_validator", lambda name: Refuses())
    result = run_cexact("validate", _write(tmp_path, MINIMAL_RECIPE))
    assert result.exit_code == 3
    assert "internal error" in result.stderr and "ValidatorDisagreement" in result.stderr


def test_a_raw_nul_byte_is_one_located_line(run_cexact: Run, tmp_path: Path) -> None:
    """Issue 13.16: libyaml's reader error printed on two lines without line:col."""
    path = tmp_path / "recipe.yaml"
    path.write_bytes(MINIMAL_RECIPE.replace("name: Mix", "name: Mi\x00x").encode())
    result = run_cexact("validate", path)
    assert result.exit_code == 2
    assert ":5:13: error: the file holds a U+0000 character" in _one_finding(result.stdout)


@pytest.mark.parametrize("pattern", ["/etc/*.yaml", "../s/*.yaml", "a/../../b.yaml", "C:/x.yaml"])
def test_project_globs_stay_inside_the_project(
    run_cexact: Run, tmp_path: Path, pattern: str
) -> None:
    """Issue 13.11: `waivers: ["/etc/*.yaml"]` crashed; `../s/*.yaml` read outside the root."""
    project = tmp_path / "p"
    project.mkdir()
    _write(project, MINIMAL_RECIPE)
    _write(project, f'cexact-project: 1\nwaivers: ["{pattern}"]\n', "cexact.yaml")
    result = run_cexact("check", project, "--no-cache")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert f"cexact.yaml:2:11: error: {pattern!r}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_symlinked_waiver_file_outside_the_project_is_refused(
    run_cexact: Run, tmp_path: Path
) -> None:
    project, outside = tmp_path / "p", tmp_path / "s"
    project.mkdir()
    outside.mkdir()
    _write(project, MINIMAL_RECIPE)
    _write(outside, "cexact-waivers: 1\nwaivers: []\n", "w.yaml")
    (project / "waivers").symlink_to(outside)
    _write(project, 'cexact-project: 1\nwaivers: ["waivers/*.yaml"]\n', "cexact.yaml")
    result = run_cexact("check", project, "--no-cache")
    assert result.exit_code == 2
    assert "outside the project folder" in result.stderr
