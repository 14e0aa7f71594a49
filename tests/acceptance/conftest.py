"""Fixtures the acceptance tests on real git repositories share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.git_repos import TransferRepo, build_transfer_repo


@pytest.fixture
def transfer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TransferRepo:
    """The transfer repository (a mother at 1.0, 1.1 and 1.2, two children), as the
    current folder, as a user runs cexact from a recipe repository's root."""
    repo = build_transfer_repo(tmp_path / "lines")
    monkeypatch.chdir(repo.root)
    return repo
