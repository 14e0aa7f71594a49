"""Files cexact ships for users' tooling: schemas on demand, and pre-commit hooks."""

from __future__ import annotations

import json

import pytest
import yaml

from cexact.recipe.schema_store import SCHEMA_NAMES
from tests.conftest import ROOT, SCHEMA_DIR, Run


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_schema_is_printed_and_is_a_2020_12_schema(run_cexact: Run, name: str) -> None:
    result = run_cexact("schema", name)
    assert result.exit_code == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema == json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text("utf-8"))


def test_every_shipped_schema_file_is_listed() -> None:
    files = {p.name.removesuffix(".schema.json") for p in (SCHEMA_DIR).glob("*.schema.json")}
    assert files == set(SCHEMA_NAMES)


def test_the_pre_commit_hooks_run_real_commands(run_cexact: Run) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {hook["id"] for hook in hooks} == {"cexact-validate", "cexact-check"}
    for hook in hooks:
        program, command, *options = hook["entry"].split()
        assert program == "cexact"
        help_text = run_cexact(command, "--help").stdout
        assert all(option in help_text for option in options)
    check = next(hook for hook in hooks if hook["id"] == "cexact-check")
    assert check["pass_filenames"] is False  # check takes a folder, not file names
