"""The CI set-ups README.md shows ("### In CI") are valid and do what it says.

Each example is read from the README itself: the GitHub workflow and the
GitLab pipeline are checked against SchemaStore's schemas (vendored in
check-jsonschema), the pre-commit config by pre-commit; then the cexact
commands they run are run in a recipe repository, and what they write is
checked by its consumer's rules.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, Run
from tests.consumers.conftest import RecipeRepository
from tests.consumers.consumer_rules import (
    github_sarif_problems,
    gitlab_problems,
    jenkins_junit_errors,
    runner_annotations,
)
from tests.consumers.test_github_actions import check_jsonschema, run_check_step

FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def ci_examples() -> dict[str, str]:
    """The README's CI examples, by the file name their first line gives."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### In CI\n") :]
    section = section[: section.index("\n### ", 1)]
    examples = {}
    for _, body in FENCE.findall(section):
        first = body.splitlines()[0]
        name = re.sub(r"^(#|//)\s*", "", first).split()[0]
        examples[name] = body
    return examples


EXAMPLES = ci_examples()


def test_the_section_shows_each_set_up() -> None:
    assert set(EXAMPLES) == {
        ".github/workflows/recipes.yml",
        ".gitlab-ci.yml",
        "Jenkinsfile",
        ".pre-commit-config.yaml",
    }


@pytest.mark.parametrize(
    ("name", "schema"),
    [(".github/workflows/recipes.yml", "github-workflows"), (".gitlab-ci.yml", "gitlab-ci")],
)
def test_the_ci_files_are_valid(name: str, schema: str, tmp_path: Path) -> None:
    path = tmp_path / Path(name).name
    path.write_text(EXAMPLES[name], encoding="utf-8")
    checked = check_jsonschema("--builtin-schema", f"vendor.{schema}", path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def cexact_commands(lines: list[str]) -> list[list[str]]:
    """The cexact command lines among shell lines, without a trailing `|| true`."""
    commands = []
    for line in lines:
        words = shlex.split(line.split("||")[0])
        if words and Path(words[0]).name == "cexact":
            commands.append(words[1:])
    return commands


def test_the_github_workflow_runs_the_action_with_its_inputs(
    tmp_path: Path, sample_repository: RecipeRepository
) -> None:
    workflow = yaml.safe_load(EXAMPLES[".github/workflows/recipes.yml"])
    steps = workflow["jobs"]["cexact"]["steps"]
    (action_step,) = [s for s in steps if s.get("uses", "").startswith("<owner>/cexact@")]
    assert workflow["permissions"]["security-events"] == "write"
    inputs = {key: str(value) for key, value in action_step["with"].items()}
    report = sample_repository.root / inputs["sarif-file"]  # relative to the checkout
    try:
        completed, output, summary = run_check_step(
            tmp_path, Path(sys.executable).parent, inputs, cwd=sample_repository.root
        )
        sarif = json.loads(report.read_text("utf-8"))
    finally:
        report.unlink(missing_ok=True)  # the repository is shared by the session's tests
    assert completed.returncode == 1, completed.stderr
    assert runner_annotations(completed.stdout)[0].message.startswith("FAIL: ")
    assert github_sarif_problems(sarif) == []
    assert output.read_text("utf-8") == f"sarif-file={inputs['sarif-file']}\n"
    assert "| Kind | Where | Finding | Message |" in summary.read_text("utf-8")


def run_in(run_cexact: Run, commands: list[list[str]], tmp_path: Path) -> list[int]:
    """Run the commands with the repository as working folder, reports written to tmp_path."""
    codes = []
    for arguments in commands:
        output = arguments.index("-o") + 1
        arguments = [
            *arguments[:output],
            str(tmp_path / arguments[output]),
            *arguments[output + 1 :],
        ]
        codes.append(run_cexact(*arguments).exit_code)
    return codes


def test_the_gitlab_pipeline_writes_what_gitlab_reads(
    run_cexact: Run,
    sample_repository: RecipeRepository,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job: dict[str, Any] = yaml.safe_load(EXAMPLES[".gitlab-ci.yml"])["cexact"]
    commands = cexact_commands(job["script"])
    assert len(commands) == 2
    monkeypatch.chdir(sample_repository.root)
    assert run_in(run_cexact, commands, tmp_path) == [1, 1]
    reports = job["artifacts"]["reports"]
    assert job["artifacts"]["when"] == "always"
    quality = (tmp_path / reports["codequality"]).read_bytes()
    assert gitlab_problems(quality) == [] and json.loads(quality)
    assert jenkins_junit_errors((tmp_path / reports["junit"]).read_text("utf-8")) == []


def test_the_jenkinsfile_writes_what_xunit_reads(
    run_cexact: Run,
    sample_repository: RecipeRepository,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline = EXAMPLES["Jenkinsfile"]
    shell = re.findall(r"^\s*sh '(.*)'$", pipeline, re.MULTILINE)
    commands = cexact_commands(shell)
    assert len(commands) == 1
    monkeypatch.chdir(sample_repository.root)
    assert run_in(run_cexact, commands, tmp_path) == [1]
    (pattern,) = re.findall(r"JUnit\(pattern: '([^']+)'", pipeline)
    assert jenkins_junit_errors((tmp_path / pattern).read_text("utf-8")) == []


def test_the_pre_commit_config_names_the_shipped_hooks(tmp_path: Path) -> None:
    from pre_commit.clientlib import load_config

    path = tmp_path / ".pre-commit-config.yaml"
    path.write_text(EXAMPLES[".pre-commit-config.yaml"], encoding="utf-8")
    config = load_config(path)
    used = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    shipped = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert used == shipped
