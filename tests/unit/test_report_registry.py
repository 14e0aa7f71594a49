"""The format registry says which commands each format serves; the renderers agree.

A format that declares a command has its own method for it (drift may fall back
to the diff of what is pending, impact to the fleet under the proposal); asked for
a command it does not declare, a renderer refuses with a usage error rather than
writing something half-made.
"""

from __future__ import annotations

import io

import pytest

from cexact.errors import UsageError
from cexact.report import COMMAND_METHODS, FORMATS, Renderer, formats_for, renderer_for

PAIRS = [(fmt, command) for fmt in FORMATS for command in COMMAND_METHODS]
FALLBACKS = {"render_drift", "render_impact"}
"""Base-class methods that are a real rendering, not a refusal."""


def _own_method(fmt: str, method: str, command: str | None = None) -> bool:
    renderer_class = type(FORMATS[fmt].renderer(None, command))  # a command may have its own
    return getattr(renderer_class, method) is not getattr(Renderer, method)


@pytest.mark.parametrize(("fmt", "command"), PAIRS)
def test_declared_commands_are_rendered_and_the_rest_refused(fmt: str, command: str) -> None:
    method = COMMAND_METHODS[command]
    declared = command in FORMATS[fmt].commands
    assert (fmt in formats_for(command)) == declared
    if declared:
        assert _own_method(fmt, method, command) or method in FALLBACKS, (fmt, command)
        return
    assert not _own_method(fmt, method, command), f"{fmt} renders {command} but does not declare it"
    with pytest.raises(UsageError, match=f"does not apply to {command}"):
        getattr(FORMATS[fmt].renderer(), method)(object(), io.StringIO())


UNDECLARED = [(fmt, command) for fmt, command in PAIRS if command not in FORMATS[fmt].commands]


@pytest.mark.parametrize(("fmt", "command"), UNDECLARED)
def test_an_undeclared_format_is_refused_before_any_work(fmt: str, command: str) -> None:
    with pytest.raises(UsageError, match=f"unknown format '{fmt}' for {command}"):
        renderer_for(fmt, command)


def test_every_command_has_text_and_json() -> None:
    for command in COMMAND_METHODS:
        assert formats_for(command)[:2] == ("text", "json")
