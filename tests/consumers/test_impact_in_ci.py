"""`cexact impact` in the CI formats, as each consumer takes them: SARIF against the schema
and GitHub code scanning's rules, JUnit against Jenkins' junit-10.xsd, GitLab Code
Quality against its schema and parser, annotations as the runner parses them. The
proposal is read both as a file and from git (`REV:PATH`), as a pull request has it.

The HTML page is printed by Chromium in test_html_in_chromium.py with the other views.
"""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tests.conftest import Run
from tests.consumers.conftest import RecipeRepository
from tests.consumers.consumer_rules import (
    ANNOTATIONS_KEPT_PER_KIND,
    runner_annotations,
)
from tests.consumers.test_gitlab_code_quality import accepted_report
from tests.consumers.test_junit_jenkins import accepted_junit
from tests.consumers.test_sarif_code_scanning import accepted_sarif, primary, results

PROPOSAL = "cell-4680/proposals/mother-3.5.yaml"
TODAY = "2026-12-03"
"""Arizona's waivers are all approved by then: it passes today, and the proposal breaks it."""


def proposals(repository: RecipeRepository) -> list[str]:
    """The same proposed mother as a working file and as committed (`HEAD:PATH`)."""
    return [str(repository.recipes / PROPOSAL), f"HEAD:recipes/{PROPOSAL}"]


def impact(run: Run, repository: RecipeRepository, proposal: str, fmt: str) -> str:
    result = run(
        "impact", proposal, repository.recipes, "--today", TODAY, "--no-cache", "-f", fmt,
        "--repo", repository.root,
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr  # the sample proposal breaks arizona-us
    return result.stdout


@pytest.mark.parametrize("which", [0, 1], ids=["file", "rev-path"])
def test_sarif_is_accepted_and_names_repository_files(
    run_cexact: Run, sample_repository: RecipeRepository, which: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(sample_repository.root)
    document = accepted_sarif(
        impact(run_cexact, sample_repository, proposals(sample_repository)[which], "sarif")
    )
    found = results(document)
    assert found
    tracked = sample_repository.tracked()
    for result in found:
        uri, region = primary(result)
        assert uri in tracked, uri
        assert region["startLine"] >= 1
    assert document["runs"][0]["automationDetails"]["id"].startswith("cexact/")


@pytest.mark.parametrize("which", [0, 1], ids=["file", "rev-path"])
def test_junit_is_valid_for_jenkins(
    run_cexact: Run, sample_repository: RecipeRepository, which: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(sample_repository.root)
    root = accepted_junit(
        impact(run_cexact, sample_repository, proposals(sample_repository)[which], "junit")
    )
    assert root.get("tests") == str(2 * 4)  # two children of the line, four stages each
    assert int(root.get("failures", "0")) > 0


@pytest.mark.parametrize("which", [0, 1], ids=["file", "rev-path"])
def test_gitlab_code_quality_is_read_whole(
    run_cexact: Run, sample_repository: RecipeRepository, which: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(sample_repository.root)
    entries = accepted_report(
        impact(run_cexact, sample_repository, proposals(sample_repository)[which], "gitlab")
    )
    tracked = sample_repository.tracked()
    assert entries and all(entry["location"]["path"] in tracked for entry in entries)


def test_github_annotations_are_kept_by_the_runner(
    run_cexact: Run, sample_repository: RecipeRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sample_repository.root)
    output = impact(run_cexact, sample_repository, proposals(sample_repository)[1], "github")
    kept = runner_annotations(output)
    assert kept and kept[0].message == (
        "FAIL: the proposal breaks 1 of 2 child site(s): arizona-us; 1 fail today already"
    )
    assert kept[0].kind == "error"
    for kind in ("error", "warning", "notice"):
        assert sum(1 for a in kept if a.kind == kind) <= ANNOTATIONS_KEPT_PER_KIND
    files = {unquote(a.properties.get("file", "")) for a in kept if "file" in a.properties}
    assert files <= sample_repository.tracked()


def test_github_verdict_is_a_notice_when_the_proposal_breaks_nobody(
    run_cexact: Run, sample_repository: RecipeRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wroclaw still fails (a moved step), but not because of the proposal: exit 0."""
    monkeypatch.chdir(sample_repository.root)
    result = run_cexact(
        "impact", proposals(sample_repository)[0], sample_repository.recipes, "--today", TODAY,
        "--require", "make-it-work", "-f", "github",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    verdict = runner_annotations(result.stdout)[0]
    assert (verdict.kind, verdict.message) == (
        "notice",
        "PASS: the proposal breaks none of 2 child site(s); 1 fail today already",
    )
