"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit in a recipe repository.

The repository holds a line (mother, child), a waiver file, a project file in
a subfolder and YAML that is not cexact's (.pre-commit-config.yaml, a GitHub
workflow, an mkdocs.yml); `pre-commit run --all-files` must pass there with
the hooks as shipped, no `files:` tuning, and fail naming file:line once a bad
recipe is added.

pre-commit installs a `language: python` hook with pip from the package index,
which CI does not reach. So the test's config declares the shipped hooks as
`repo: local` hooks that run this environment's `cexact`: every key of each
hook (entry and its options, types, pass_filenames, require_serial) is copied
from .pre-commit-hooks.yaml, so pre-commit's own file selection and calling
convention are what runs; only the hook's installation is not.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import MINIMAL_RECIPE, ROOT, Run
from tests.consumers.conftest import add_unrelated_yaml
from tests.git_repos import GitRepoBuilder

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
CEXACT = Path(sys.executable).parent / "cexact"

CHILD = (
    MINIMAL_RECIPE.replace(
        'site: home, role: mother, version: "1.0"}',
        'site: branch, role: child, version: "1.0", mother: {site: home, version: "1.0"}}',
    )
    .replace("speed: {value: 30", "speed: {value: 34")  # copy-exactly: not required here
    .replace("target: 5000", "target: 5100")  # process-output-matching: waived
)
PROJECT_IN_SUBFOLDER = """\
cexact-project: 1
require: process-output-matching
"""
WAIVERS = """\
cexact-waivers: 1
waivers:
  - id: W-VISCOSITY
    line: demo-line
    site: branch
    path: "steps[s1].outputs.viscosity.target"
    ground: competitive-benefit
    change_request: CR-7
    approved_by: [{name: Ada Engineer, role: Process owner, date: "2026-01-05"}]
    expires: "2099-01-01"
"""


def local_hooks() -> list[dict[str, Any]]:
    """The shipped hooks as `repo: local` hooks running this environment's cexact."""
    hooks: list[dict[str, Any]] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    local = []
    for hook in hooks:
        program, *arguments = shlex.split(hook["entry"])
        assert program == "cexact" and hook["language"] == "python"
        entry = shlex.join([str(CEXACT), *arguments])
        local.append({**hook, "entry": entry, "language": "system"})
    return local


@pytest.fixture
def recipe_repository(tmp_path: Path) -> GitRepoBuilder:
    repository = GitRepoBuilder(tmp_path / "recipes")
    repository.write("lines/demo/mother.yaml", MINIMAL_RECIPE)
    repository.write("lines/demo/branch.yaml", CHILD)
    repository.write("lines/demo/waivers.yaml", WAIVERS)
    repository.write("lines/cexact.yaml", PROJECT_IN_SUBFOLDER)
    add_unrelated_yaml(repository)
    config = {"repos": [{"repo": "local", "hooks": local_hooks()}]}
    repository.write(".pre-commit-config.yaml", yaml.safe_dump(config, sort_keys=False))
    repository.git("add", "--all")
    return repository


def pre_commit_run(repository: GitRepoBuilder, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=repository.root,
        env={
            **os.environ,
            "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
            "GIT_CONFIG_GLOBAL": str(tmp_path / "no-global-git-config"),
            "GIT_CONFIG_NOSYSTEM": "1",
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_pre_commit_accepts_the_shipped_manifest() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(MANIFEST)}
    assert set(hooks) == {"cexact-validate", "cexact-check"}
    assert "files" not in yaml.safe_load(MANIFEST.read_text("utf-8"))[0]  # no tuning needed


def test_the_fixture_needs_the_project_file_in_its_subfolder(
    run_cexact: Run, recipe_repository: GitRepoBuilder
) -> None:
    assert run_cexact("check", recipe_repository.root).exit_code == 0
    (recipe_repository.root / "lines" / "cexact.yaml").unlink()
    assert run_cexact("check", recipe_repository.root).exit_code == 1


def test_the_hooks_pass_in_a_repository_with_other_yaml(
    recipe_repository: GitRepoBuilder, tmp_path: Path
) -> None:
    completed = pre_commit_run(recipe_repository, tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for name in ("cexact validate", "cexact check"):
        assert any(
            line.startswith(name) and line.endswith("Passed")
            for line in completed.stdout.splitlines()
        ), completed.stdout


def test_the_hooks_fail_on_a_bad_recipe_naming_file_and_line(
    recipe_repository: GitRepoBuilder, tmp_path: Path
) -> None:
    bad = MINIMAL_RECIPE.replace("site: home", "site: third").replace("unit: rpm", "unit: rpmm")
    recipe_repository.write("lines/demo/third.yaml", bad)
    recipe_repository.git("add", "--all")
    line = next(n for n, text in enumerate(bad.splitlines(), 1) if "rpmm" in text)
    completed = pre_commit_run(recipe_repository, tmp_path)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    output = completed.stdout
    for name in ("cexact validate", "cexact check"):
        assert any(
            line_.startswith(name) and line_.endswith("Failed") for line_ in output.splitlines()
        ), output
    assert output.count(f"lines/demo/third.yaml:{line}:") == 2, output  # one per hook
    assert ".pre-commit-config.yaml:" not in output and "ci.yml:" not in output


def test_the_config_holds_the_shipped_hooks(recipe_repository: GitRepoBuilder) -> None:
    config = yaml.safe_load((recipe_repository.root / ".pre-commit-config.yaml").read_text("utf-8"))
    shipped = yaml.safe_load(MANIFEST.read_text("utf-8"))
    for used, hook in zip(config["repos"][0]["hooks"], shipped, strict=True):
        assert {k: v for k, v in used.items() if k not in ("entry", "language")} == {
            k: v for k, v in hook.items() if k not in ("entry", "language")
        }
    assert str(CEXACT) in config["repos"][0]["hooks"][0]["entry"]
