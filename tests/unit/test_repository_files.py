"""How the code-scanning formats name a file and read its lines: repository-relative
paths, the text at a revision, a remote without credentials, a file gone since."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cexact.report.repository_files import RepositoryFiles, remote_uri


@pytest.mark.parametrize(
    ("url", "uri"),
    [
        ("git@github.com:org/recipes.git", "ssh://github.com/org/recipes.git"),
        ("github.com:org/recipes", "ssh://github.com/org/recipes"),
        ("https://token:x-oauth@github.com/org/recipes", "https://github.com/org/recipes"),
        ("https://user@gitlab.example:8443/org/r.git", "https://gitlab.example:8443/org/r.git"),
        ("ssh://git@host.example/org/r.git", "ssh://host.example/org/r.git"),
        ("/srv/git/recipes.git", None),
        ("../recipes", None),
        ("C:/repos/recipes", None),
    ],
)
def test_a_remote_becomes_a_uri_without_credentials(url: str, uri: str | None) -> None:
    assert remote_uri(url) == uri


def _git(folder: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=folder,
        check=True,
        capture_output=True,
        text=True,
    )
    return completed.stdout.strip()


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "recipes"
    (root / "line").mkdir(parents=True)
    (root / "line" / "mother.yaml").write_text("cexact: 1\nfirst: old\n", encoding="utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "mother 1.0")
    _git(root, "tag", "v1")
    (root / "line" / "mother.yaml").write_text("cexact: 1\nfirst: new\n", encoding="utf-8")
    monkeypatch.chdir(root / "line")
    return root


def test_paths_are_relative_to_the_repository_root(repository: Path) -> None:
    files = RepositoryFiles(["mother.yaml"], checked_folder=".")
    assert files.path("mother.yaml") == "line/mother.yaml"
    assert files.remote_url("mother.yaml") is None
    _git(repository, "remote", "add", "origin", "git@github.com:org/recipes.git")
    assert RepositoryFiles(["mother.yaml"]).remote_url("mother.yaml") == (
        "ssh://github.com/org/recipes.git"
    )


def test_a_file_at_a_revision_is_its_repository_path_with_the_text_at_that_revision(
    repository: Path,
) -> None:
    files = RepositoryFiles(["v1:./mother.yaml"])
    assert files.path("v1:./mother.yaml") == "line/mother.yaml"
    assert files.line("v1:./mother.yaml", 2) == "first: old"
    assert files.line("mother.yaml", 2) == "first: new"


def test_an_unknown_revision_keeps_its_path_and_has_no_text(repository: Path) -> None:
    files = RepositoryFiles(["no-such-tag:./mother.yaml"])
    assert files.path("no-such-tag:./mother.yaml") == "mother.yaml"
    assert files.text("no-such-tag:./mother.yaml") == ""


def test_a_file_gone_since_it_was_read_has_empty_lines(repository: Path) -> None:
    files = RepositoryFiles(["mother.yaml"])
    (repository / "line" / "mother.yaml").unlink()
    assert files.line("mother.yaml", 1) == ""
    assert files.line_hash("mother.yaml", 1) == files.line_hash("mother.yaml", 99)
