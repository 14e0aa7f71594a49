"""`--help` as an 80-column terminal shows it: nothing cut, placeholders as written, examples."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from cexact.cli import main
from cexact.report import COMMAND_METHODS

COMMANDS = (*COMMAND_METHODS, "schema")


def help_of(*words: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", "80")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*words, "--help"]) == 0
    return out.getvalue()


def test_the_command_list_cuts_no_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    text = help_of(monkeypatch=monkeypatch)
    listed = text[text.index("Commands:") :].splitlines()[1:]
    assert {line.split()[0] for line in listed if line.startswith("  ") and line[2] != " "} == set(
        COMMANDS
    )
    assert not any(line.rstrip().endswith(("...", "…")) for line in listed)
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize("command", COMMANDS)
def test_placeholders_read_as_written_and_examples_are_given(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = help_of(command, monkeypatch=monkeypatch)
    usage = text.splitlines()[0]
    assert usage.startswith(f"Usage: cexact {command} [OPTIONS]")
    # No {MOTHER}, no Python types such as <str>, <path> or <int range>.
    assert not re.search(r"\{[A-Z_]+\}|<(str|int|float|bool|path|list)\b[^>]*>", text), text
    assert "1<=x" not in text and "[default: 33554432" not in text
    examples = text[text.index("Examples:") :].splitlines()[1:]
    commands = [line.strip() for line in examples if line.strip().startswith("cexact ")]
    assert commands and all(line.split()[1] == command for line in commands)
    assert max(len(line) for line in text.splitlines()) <= 80


def test_usage_names_each_argument_as_its_metavar(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = {c: help_of(c, monkeypatch=monkeypatch).splitlines()[0] for c in COMMANDS}
    assert lines["diff"] == "Usage: cexact diff [OPTIONS] MOTHER CHILD"
    assert lines["validate"] == "Usage: cexact validate [OPTIONS] PATH..."
    assert lines["check"] == "Usage: cexact check [OPTIONS] [DIR]"
    assert lines["match"] == "Usage: cexact match [OPTIONS] MOTHER_DATA CHILD_DATA"
    options = help_of("check", monkeypatch=monkeypatch)
    assert re.search(r"^  -j, --jobs N  ", options, re.MULTILINE)
    assert re.search(r"^  -f, --format FORMAT  ", options, re.MULTILINE)
