"""Recipe repositories as CI sees them: git work trees with recipes and other YAML."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import MINIMAL_RECIPE, SAMPLE_LINES
from tests.git_repos import GitRepoBuilder

TODAY = "2026-06-01"
REMOTE = "https://ci-token:s3cret@github.com/acme/plant-recipes.git"
"""The sample repository's origin, with credentials as CI systems write them."""
REMOTE_URI = "https://github.com/acme/plant-recipes.git"

UNRELATED_YAML = {
    ".pre-commit-config.yaml": """\
        repos:
          - repo: local
            hooks: []
        """,
    ".github/workflows/ci.yml": """\
        name: ci
        on: [push, pull_request]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - run: echo hello
        """,
    "docs/mkdocs.yml": """\
        site_name: Plant recipes
        nav: [{Home: index.md}]
        """,
}
"""YAML that is not cexact's, as a recipe repository also holds it."""


def add_unrelated_yaml(repository: GitRepoBuilder) -> None:
    for path, text in UNRELATED_YAML.items():
        repository.write(path, textwrap.dedent(text))


STALE_WAIVERS = """\
cexact-waivers: 1
waivers:
  - id: W-EXPIRED
    line: cmos05-gate
    site: fab-b-singapore
    path: "environment.cleanroom_relative_humidity"
    ground: competitive-benefit
    change_request: CR-1
    approved_by: [{name: Ada, role: Process owner, date: "2025-01-01"}]
    expires: "2026-01-01"
  - id: W-UNUSED
    line: cmos05-gate
    site: fab-c-dresden
    path: "steps[G999].parameters.nothing"
    ground: competitive-benefit
    change_request: CR-2
    approved_by: [{name: Ada, role: Process owner, date: "2025-01-01"}]
    expires: "2027-01-01"
"""


@dataclass(frozen=True)
class RecipeRepository:
    root: Path
    recipes: Path
    """The folder `cexact check` is run on."""
    head: str

    def tracked(self) -> set[str]:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=self.root, capture_output=True, text=True, check=True
        )
        return set(listed.stdout.splitlines())


@pytest.fixture(scope="session")
def sample_repository(tmp_path_factory: pytest.TempPathFactory) -> RecipeRepository:
    """sample_lines under `recipes/` of a git repository with an origin remote, beside
    unrelated YAML; committed. Tests must not change it."""
    repository = GitRepoBuilder(tmp_path_factory.mktemp("plant") / "plant-recipes")
    shutil.copytree(SAMPLE_LINES, repository.root / "recipes")
    add_unrelated_yaml(repository)
    repository.git("remote", "add", "origin", REMOTE)
    head = repository.commit("sample recipes")
    return RecipeRepository(repository.root, repository.root / "recipes", head)


@pytest.fixture(scope="session")
def broken_repository(tmp_path_factory: pytest.TempPathFactory) -> RecipeRepository:
    """A repository with a file that is not YAML, a recipe that fails its schema, a
    child whose line has no mother, an expired waiver and an unused one."""
    repository = GitRepoBuilder(tmp_path_factory.mktemp("broken") / "broken-recipes")
    lines = repository.root / "lines"
    shutil.copytree(SAMPLE_LINES / "cmos-gate", lines / "cmos-gate")
    repository.write("lines/broken.yaml", 'cexact: 1\nline: {id: x, site: "<b>&\n')
    repository.write(
        "lines/bad-unit.yaml",
        MINIMAL_RECIPE.replace("unit: rpm", "unit: rpmm").replace("home", "elsewhere"),
    )
    orphan = (lines / "cmos-gate" / "fab-b-singapore.yaml").read_text(encoding="utf-8")
    repository.write("lines/orphan.yaml", orphan.replace("id: cmos05-gate", "id: orphan-line", 1))
    repository.write("lines/waivers.yaml", STALE_WAIVERS)
    add_unrelated_yaml(repository)
    head = repository.commit("broken recipes")
    return RecipeRepository(repository.root, lines, head)
