"""Shared test helpers: run the real `cexact` command and capture what it prints."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource

from cexact.cli import main
from cexact.commands.diff import DiffResult, compare_sources
from cexact.recipe.git_source import read_recipe_source

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LINES = ROOT / "sample_lines"
SCHEMA_DIR = ROOT / "cexact" / "schemas"

MINIMAL_RECIPE = textwrap.dedent(
    """\
    cexact: 1
    line: {id: demo-line, name: Demo, product: widget, site: home, role: mother, version: "1.0"}
    steps:
      - id: s1
        name: Mix
        operation: mixing
        parameters:
          speed: {value: 30, unit: rpm, tolerance: 2}
        outputs:
          viscosity: {target: 5000, unit: mPa*s, lsl: 4000, usl: 6000}
    """
)
"""A small valid mother recipe that tests build invalid variants from."""


@pytest.fixture(autouse=True)
def _private_parse_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the user's real parse cache."""
    monkeypatch.setenv("CEXACT_CACHE_DIR", str(tmp_path_factory.mktemp("parse-cache")))


@pytest.fixture(autouse=True)
def _no_github_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test appends to the job summary of a GitHub Actions run it happens to run in."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str


Run = Callable[..., CommandResult]
"""The `run_cexact` fixture: run `cexact ARGS...` and return what it did."""


@pytest.fixture
def run_cexact(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run `cexact ARGS...` in this process (fast) and return exit code and output."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str | Path) -> CommandResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CommandResult(code, captured.out, captured.err)

    return run


def run_cexact_process(*args: str | Path, cwd: Path | None = None) -> CommandResult:
    """Run `python -m cexact ARGS...` as a real process, as a user's shell would."""
    completed = subprocess.run(
        [sys.executable, "-m", "cexact", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        check=False,
    )
    return CommandResult(completed.returncode, completed.stdout, completed.stderr)


def diff_files(mother: Path, child: Path, **options: Any) -> DiffResult:
    """`cexact diff`'s core on two files, as the command runs it."""
    return compare_sources(
        read_recipe_source(str(mother)), read_recipe_source(str(child)), **options
    )


@cache
def report_validator(name: str) -> jsonschema.Draft202012Validator:
    """`<name>.schema.json` as loaded from disk, with report.schema.json beside it: its
    relative $ref resolves next to it, with no network."""
    files = {n: SCHEMA_DIR / f"{n}.schema.json" for n in dict.fromkeys(("report", name))}
    registry: Registry[Any] = Registry().with_resources(
        (path.as_uri(), Resource.from_contents(json.loads(path.read_text("utf-8"))))
        for path in files.values()
    )
    return jsonschema.Draft202012Validator({"$ref": files[name].as_uri()}, registry=registry)


def schema_errors(name: str, report: object) -> list[str]:
    """What `<name>.schema.json` finds wrong in a report ([] when it is valid)."""
    return [error.message for error in report_validator(name).iter_errors(report)]


def assert_matches_golden(golden: Path, actual: str, produced_by: str) -> None:
    """`actual` is the golden file's text, byte for byte (whitespace counts); with
    CEXACT_UPDATE_GOLDEN=1 the golden file is rewritten from it first. A mismatch
    fails with the unified diff, golden -> actual."""
    if os.environ.get("CEXACT_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8", newline="")
    expected = golden.read_text(encoding="utf-8")
    if actual == expected:
        return
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=str(golden.relative_to(ROOT)),
            tofile=f"{produced_by} (actual)",
        )
    )
    pytest.fail(
        f"output differs from {golden.name} (whitespace counts):\n{diff}\n"
        "If the change is intended, regenerate with CEXACT_UPDATE_GOLDEN=1 and review it.",
        pytrace=False,
    )
