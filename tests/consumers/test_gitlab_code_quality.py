"""GitLab Code Quality reports as GitLab reads them: its schema, its parser, its fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cexact.report.gitlab import SEVERITIES
from tests.conftest import Run
from tests.consumers.conftest import TODAY, RecipeRepository
from tests.consumers.consumer_rules import GITLAB_SEVERITIES, gitlab_degradations, gitlab_problems
from tests.git_repos import CHILD_A, build_transfer_repo

CHECK = ("check", "-f", "gitlab", "--today", TODAY, "--jobs", "1", "--no-cache")


def accepted_report(raw: str) -> list[dict[str, Any]]:
    assert gitlab_problems(raw.encode("utf-8")) == []
    entries: list[dict[str, Any]] = json.loads(raw)
    return entries


def test_the_rules_really_check() -> None:
    good = {"description": "x", "check_name": "c", "fingerprint": "f", "severity": "info",
            "location": {"path": "a.yaml", "lines": {"begin": 1}}}  # fmt: skip
    bad = {**good, "fingerprint": 7}  # not a string: GitLab stops reading here
    raw = json.dumps([good, bad, {**good, "fingerprint": "g"}]).encode()
    assert list(gitlab_degradations(raw)) == ["f"]
    assert gitlab_problems(raw)
    assert gitlab_problems(json.dumps([good, good]).encode())  # one fingerprint twice
    assert gitlab_problems(json.dumps([{**good, "location": {"path": "/abs/a.yaml"}}]).encode())


def test_severities_are_gitlabs() -> None:
    assert SEVERITIES == GITLAB_SEVERITIES


def test_check_from_any_folder_names_files_from_the_repository_root(
    run_cexact: Run, sample_repository: RecipeRepository, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    monkeypatch.chdir(sample_repository.recipes)
    here = run_cexact(*CHECK, ".")
    monkeypatch.chdir(tmp_path)
    elsewhere = run_cexact(*CHECK, sample_repository.recipes)
    assert here.exit_code == elsewhere.exit_code == 1
    entries = accepted_report(here.stdout)
    assert entries == accepted_report(elsewhere.stdout)
    tracked = sample_repository.tracked()
    for entry in entries:
        path, line = entry["location"]["path"], entry["location"]["lines"]["begin"]
        assert path in tracked
        assert line <= len((sample_repository.root / path).read_text("utf-8").splitlines())
    severities = {entry["severity"] for entry in entries}
    assert severities == {"critical", "major", "minor", "info"}
    assert {entry["check_name"] for entry in entries} >= {"cexact/copy-exactly"}


def test_fingerprints_stay_when_lines_move(
    run_cexact: Run, sample_repository: RecipeRepository, tmp_path: Path
) -> None:
    before = accepted_report(run_cexact(*CHECK, sample_repository.recipes).stdout)
    moved = tmp_path / "recipes"
    import shutil

    shutil.copytree(sample_repository.recipes, moved)
    child = moved / "cell-4680" / "wroclaw-pl.yaml"
    child.write_text("# a comment that moves every line\n" + child.read_text("utf-8"), "utf-8")
    after = accepted_report(run_cexact(*CHECK, moved).stdout)
    assert [e["fingerprint"] for e in after] == [e["fingerprint"] for e in before]
    lines = {e["fingerprint"]: e["location"]["lines"]["begin"] for e in before}
    shifted = [e for e in after if e["location"]["path"].endswith("wroclaw-pl.yaml")]
    assert shifted and all(e["location"]["lines"]["begin"] == lines[e["fingerprint"]] + 1
                           for e in shifted)  # fmt: skip


def test_invalid_files_are_blockers(
    run_cexact: Run, broken_repository: RecipeRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(broken_repository.recipes)
    entries = accepted_report(run_cexact(*CHECK, ".").stdout)
    blockers = {e["location"]["path"] for e in entries if e["severity"] == "blocker"}
    assert blockers == {"lines/broken.yaml", "lines/bad-unit.yaml", "lines/orphan.yaml"}
    stale = {e["description"].split()[1]: e["severity"] for e in entries
             if e["check_name"] == "cexact/stale-waiver"}  # fmt: skip
    assert stale == {"W-EXPIRED": "minor", "W-UNUSED": "info"}


def test_validate(run_cexact: Run, broken_repository: RecipeRepository) -> None:
    result = run_cexact("validate", "-f", "gitlab", broken_repository.recipes)
    assert result.exit_code == 2
    entries = accepted_report(result.stdout)
    assert {e["location"]["path"] for e in entries} == {"lines/broken.yaml", "lines/bad-unit.yaml"}
    assert {e["check_name"] for e in entries} == {"cexact/invalid-recipe"}


def test_a_valid_repository_has_an_empty_report(run_cexact: Run, tmp_path: Path) -> None:
    result = run_cexact("validate", "-f", "gitlab", Path(__file__).parents[1] / "example-files"
                        / "valid")  # fmt: skip
    assert result.exit_code == 0, result.stdout
    assert accepted_report(result.stdout) == []


def test_diff_and_drift(run_cexact: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repository = build_transfer_repo(tmp_path / "transfer")
    monkeypatch.chdir(repository.root / "recipes")
    drift = accepted_report(run_cexact("drift", Path(CHILD_A).name, "-f", "gitlab").stdout)
    assert drift and {e["location"]["path"] for e in drift} == {"recipes/mother.yaml"}
    diff = run_cexact("diff", "mother.yaml", Path(CHILD_A).name, "-f", "gitlab")
    assert {e["location"]["path"] for e in accepted_report(diff.stdout)} <= {
        "recipes/mother.yaml", Path(CHILD_A).as_posix(), "recipes/waivers.yaml"}  # fmt: skip
