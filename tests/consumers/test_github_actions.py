"""GitHub Actions: annotations as the runner keeps them, the job summary, and action.yml.

The runner is simulated from its source (`consumer_rules.runner_annotations`):
it parses workflow commands and keeps the first 10 of each kind per step. The
composite action's check step is run with bash as GitHub runs it, with the
inputs substituted into its `env:` as GitHub substitutes them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from cexact.report.github import STEP_SUMMARY_LIMIT, Annotation, summary_markdown
from tests.conftest import ROOT, Run
from tests.consumers.conftest import TODAY, RecipeRepository
from tests.consumers.consumer_rules import (
    ANNOTATIONS_KEPT_PER_KIND,
    github_sarif_problems,
    parse_workflow_command,
    runner_annotations,
)

ACTION = ROOT / "action.yml"
CHECK = ("check", "-f", "github", "--today", TODAY, "--jobs", "1", "--no-cache")
SUMMARY_TABLE_HEADER = "| Kind | Where | Finding | Message |\n|---|---|---|---|\n"


def all_commands(output: str) -> list[Any]:
    commands = [parse_workflow_command(line) for line in output.splitlines()]
    assert None not in commands, output
    return commands


# --- annotations -------------------------------------------------------------------------


def test_the_runner_keeps_the_verdict_and_every_line_cexact_prints(
    run_cexact: Run, broken_repository: RecipeRepository, sample_repository: RecipeRepository
) -> None:
    for repository in (sample_repository, broken_repository):
        result = run_cexact(*CHECK, repository.recipes)
        assert result.exit_code == 1
        printed = all_commands(result.stdout)
        kept = runner_annotations(result.stdout)
        assert kept == printed  # nothing is dropped: cexact printed only what fits
        verdict = kept[0]
        assert verdict.properties == {"title": "cexact"} and verdict.kind == "error"
        assert verdict.message.startswith("FAIL: ")
        for kind in ("error", "warning", "notice"):
            assert sum(1 for a in kept if a.kind == kind) <= ANNOTATIONS_KEPT_PER_KIND


def test_more_errors_than_a_step_shows_end_with_a_count(
    run_cexact: Run, sample_repository: RecipeRepository
) -> None:
    kept = runner_annotations(run_cexact(*CHECK, sample_repository.recipes).stdout)
    found = re.search(r"; (\d+) open deviation\(s\) at required stages", kept[0].message)
    assert found is not None
    errors = int(found[1])
    assert errors > ANNOTATIONS_KEPT_PER_KIND
    shown = [a for a in kept if a.kind == "error"]
    assert len(shown) == ANNOTATIONS_KEPT_PER_KIND
    assert shown[-1].message.startswith(f"{errors - 8} more error(s) not shown as annotations")
    assert shown[-1].message.endswith(
        "see the full report (for example --format markdown or sarif)"
    )
    for annotation in shown[1:-1]:
        file = annotation.properties["file"]
        assert file.startswith("recipes/") and (sample_repository.root / file).is_file()


def test_validate_annotates_each_finding_after_the_verdict(
    run_cexact: Run, broken_repository: RecipeRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(broken_repository.recipes)
    result = run_cexact("validate", "-f", "github", ".")
    assert result.exit_code == 2
    verdict, *findings = runner_annotations(result.stdout)
    assert verdict.kind == "error"
    assert re.match(r"FAIL: 2 of \d+ file\(s\) invalid, \d+ finding\(s\)$", verdict.message)
    assert {a.properties["file"] for a in findings} == {"lines/broken.yaml", "lines/bad-unit.yaml"}
    assert all(a.kind == "error" and "line" in a.properties for a in findings)


# --- the job summary ---------------------------------------------------------------------


def test_the_summary_is_appended_with_every_finding(
    run_cexact: Run,
    sample_repository: RecipeRepository,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("Earlier output of this step.\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run_cexact(*CHECK, sample_repository.recipes)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("Earlier output of this step.\n\n### cexact check: ")
    assert SUMMARY_TABLE_HEADER in text
    rows = [line for line in text.splitlines() if re.match(r"\| (error|warning|notice) \|", line)]
    report = json.loads(run_cexact(*CHECK, sample_repository.recipes, "-f", "json").stdout)
    paths = [d["path"] for site in report["sites"] for d in site["deviations"]]
    assert len(rows) == len(paths) > ANNOTATIONS_KEPT_PER_KIND * 2
    for row, path in zip(rows, paths, strict=True):
        assert f"| {path}: " in row.replace("\\|", "|")
    verdict = runner_annotations(result.stdout)[0].message
    assert f"**{verdict}**" in text
    assert runner_annotations(result.stdout)[-1].message.endswith("see the job summary")


def test_without_the_variable_no_summary_is_written(
    run_cexact: Run,
    sample_repository: RecipeRepository,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "GITHUB_STEP_SUMMARY" not in os.environ
    monkeypatch.chdir(tmp_path)
    run_cexact(*CHECK, sample_repository.recipes)
    assert list(tmp_path.iterdir()) == []


def test_the_summary_stays_within_a_steps_limit(
    run_cexact: Run,
    sample_repository: RecipeRepository,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_bytes(b"x" * (STEP_SUMMARY_LIMIT - 3000))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run_cexact(*CHECK, sample_repository.recipes)
    written = summary.read_bytes()
    assert len(written) <= STEP_SUMMARY_LIMIT
    added = written[STEP_SUMMARY_LIMIT - 3000 :].decode("utf-8")
    assert added.startswith("\n### cexact check") and "**FAIL: " in added
    assert re.search(
        r"\n\d+ more row\(s\) left out: a step's summary may hold at most 1 MiB", added
    )


def test_summary_markdown_keeps_the_rows_that_fit() -> None:
    verdict = Annotation("error", "FAIL: many", "cexact")
    rows = [
        Annotation("warning", f"w{i:05d} " + "x" * 80, "t", "a.yaml", i, 1) for i in range(20000)
    ]
    text = summary_markdown("cexact check", verdict, rows, STEP_SUMMARY_LIMIT)
    assert len(text.encode()) <= STEP_SUMMARY_LIMIT
    kept = text.count("| warning |")
    assert 0 < kept < len(rows)
    assert f"\n{len(rows) - kept} more row(s) left out" in text
    everything = summary_markdown("cexact check", verdict, rows[:10], STEP_SUMMARY_LIMIT)
    assert everything.count("| warning |") == 10 and "left out" not in everything
    assert summary_markdown("cexact check", verdict, rows, 50) == ""
    cell = summary_markdown("h", verdict, [Annotation("error", "a|b\nc", "t")], 1000)
    assert "| a\\|b c |" in cell


# --- action.yml --------------------------------------------------------------------------


def check_jsonschema(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_action_yml_is_a_valid_action(tmp_path: Path) -> None:
    valid = check_jsonschema("--builtin-schema", "vendor.github-actions", ACTION)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text("utf-8").replace("using: composite", "using: compos"))
    assert check_jsonschema("--builtin-schema", "vendor.github-actions", broken).returncode == 1


INPUT_EXPRESSION = re.compile(r"\$\{\{\s*(inputs|github)\.([A-Za-z0-9_-]+)\s*\}\}")


def load_action() -> dict[str, Any]:
    action: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return action


def test_no_input_is_written_into_a_script() -> None:
    for step in load_action()["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step.get("name")
            assert step["shell"] == "bash"
    install = next(s for s in load_action()["runs"]["steps"] if "pip install" in s.get("run", ""))
    assert install["env"] == {"CEXACT_ACTION_PATH": "${{ github.action_path }}"}


def run_check_step(
    tmp_path: Path, cexact_bin: Path, inputs: dict[str, str], cwd: Path | None = None
) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    """The action's check step, as the runner runs it: `bash -e -o pipefail`, env from
    the step's `env:` with each `${{ inputs.x }}` replaced by the input or its default."""
    action = load_action()
    values = {
        name: inputs.get(name, spec.get("default", "")) for name, spec in action["inputs"].items()
    }
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    env = {
        name: INPUT_EXPRESSION.sub(lambda m: values[m[2]], value)
        for name, value in step["env"].items()
    }
    script = tmp_path / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    output, summary = tmp_path / "github-output", tmp_path / "step-summary.md"
    completed = subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", str(script)],
        env={
            **os.environ,
            **env,
            "PATH": f"{cexact_bin}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
        },
        cwd=cwd or tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    return completed, output, summary


@pytest.fixture
def recording_cexact(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in `cexact` that records each command line (one argument per line)."""
    folder, log = tmp_path / "bin", tmp_path / "calls.log"
    folder.mkdir()
    program = folder / "cexact"
    program.write_text(
        f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done >> {log}\necho --- >> {log}\n'
        "exit 1\n",
        encoding="utf-8",
    )
    program.chmod(0o755)
    return folder, log


def calls(log: Path) -> list[list[str]]:
    return [c.strip("\n").split("\n") for c in log.read_text("utf-8").split("---\n") if c]


def test_the_inputs_map_to_cexact_command_lines(
    tmp_path: Path, recording_cexact: tuple[Path, Path]
) -> None:
    folder, log = recording_cexact
    completed, output, _ = run_check_step(tmp_path, folder, {})
    assert completed.returncode == 1  # the gate's exit code is the step's
    assert calls(log) == [["check", ".", "--format", "github"]]
    assert not output.exists()

    log.unlink()
    inputs = {"folder": "plant recipes", "require": "copy-exactly", "sarif-file": "cexact.sarif",
              "format": "markdown"}  # fmt: skip
    completed, output, _ = run_check_step(tmp_path, folder, inputs)
    assert completed.returncode == 1
    assert calls(log) == [
        ["check", "plant recipes", "--require", "copy-exactly", "--format", "sarif",
         "--output", "cexact.sarif"],
        ["check", "plant recipes", "--require", "copy-exactly", "--format", "markdown"],
    ]  # fmt: skip
    assert output.read_text("utf-8") == "sarif-file=cexact.sarif\n"


def test_an_input_stays_data(tmp_path: Path, recording_cexact: tuple[Path, Path]) -> None:
    folder, log = recording_cexact
    hostile = '$(touch pwned); `touch pwned2` "; touch pwned3 #'
    run_check_step(tmp_path, folder, {"folder": hostile})
    assert calls(log) == [["check", hostile, "--format", "github"]]
    assert not any(tmp_path.glob("pwned*"))


def test_the_check_step_runs_the_real_cexact(
    tmp_path: Path, sample_repository: RecipeRepository
) -> None:
    venv_bin = Path(sys.executable).parent
    assert (venv_bin / "cexact").exists()
    inputs = {"folder": "recipes", "sarif-file": str(tmp_path / "cexact.sarif")}
    completed, output, summary = run_check_step(
        tmp_path, venv_bin, inputs, cwd=sample_repository.root
    )
    assert completed.returncode == 1, completed.stderr
    assert runner_annotations(completed.stdout)[0].message.startswith("FAIL: 1 of 4 child site(s)")
    document = json.loads((tmp_path / "cexact.sarif").read_text("utf-8"))
    assert github_sarif_problems(document) == []
    assert output.read_text("utf-8") == f"sarif-file={tmp_path / 'cexact.sarif'}\n"
    assert SUMMARY_TABLE_HEADER in summary.read_text("utf-8")
