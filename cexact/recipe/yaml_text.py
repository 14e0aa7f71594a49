"""Writing values as YAML text for an in-place edit: scalars, flow collections, re-indented blocks.

The editor (`cexact.recipe.edit`) keeps every untouched byte of a file; the
few values it writes come from here. A scalar keeps the quoting of the value
it replaces when that can hold the new text, else it is plain when that
reads back as the same text, else double-quoted (a JSON string is a valid
YAML double-quoted scalar). Blocks copied from the mother's text are
re-indented here.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cexact.recipe.scalars import ScalarError, resolve_core

_PLAIN_TEXT = re.compile(r"[A-Za-z_][A-Za-z0-9_ ./+()-]*")
_FLOW_INDICATORS = frozenset(",[]{}")


def plain_reads_back(text: str, *, flow: bool) -> bool:
    """Whether `text`, written plain, reads back as that same text."""
    if not _PLAIN_TEXT.fullmatch(text) or text.endswith(" ") or "  " in text:
        return False
    if flow and not _FLOW_INDICATORS.isdisjoint(text):
        return False
    try:
        return bool(resolve_core(text) == text)
    except ScalarError:
        return False


def key_text(key: str) -> str:
    return key if plain_reads_back(key, flow=True) else json.dumps(key, ensure_ascii=False)


def scalar_text(value: Any, *, style: str = "", flow: bool = False) -> str:
    """A scalar as YAML: in the replaced value's quoting when it can hold the text,
    else plain when that reads back as the same text, else double-quoted."""
    if isinstance(value, str):
        if style == '"':
            return json.dumps(value, ensure_ascii=False)
        if style == "'" and "\n" not in value:
            return "'" + value.replace("'", "''") + "'"
        if plain_reads_back(value, flow=flow):
            return value
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value) if isinstance(value, float) else str(value)


def flow_text(value: Any) -> str:
    """A value in flow style, on one line: `{value: 135, unit: degC}`, `[a, b]`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key_text(k)}: {flow_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow_text(item) for item in value) + "]"
    return scalar_text(value, flow=True)


def line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def line_after(text: str, index: int) -> int:
    """Just past the end of the line holding `index` (its newline included)."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def column(text: str, index: int) -> int:
    return index - line_start(text, index)


def at_line_start(text: str, index: int) -> bool:
    """Whether only spaces stand before `index` on its line."""
    return not text[line_start(text, index) : index].strip()


def with_leading_comments(text: str, start: int) -> int:
    """`start` (a line start) moved up over the comment lines directly above, at its column."""
    indent = None
    while start > 0:
        previous = line_start(text, start - 1)
        line = text[previous : start - 1]
        if indent is None:
            indent = len(text[start:]) - len(text[start:].lstrip(" "))
        stripped = line.lstrip(" ")
        if not stripped.startswith("#") or len(line) - len(stripped) != indent:
            break
        start = previous
    return start


def blank_line_at(text: str, index: int) -> bool:
    """Whether the line starting at `index` is empty (or only spaces)."""
    return index < len(text) and not text[index : line_after(text, index)].strip()


def without_double_blank(text: str, start: int, end: int) -> int:
    """The end of lines [start, end) to delete, taking one blank line more when the
    deletion would leave two blank lines together."""
    if (
        end < len(text)
        and blank_line_at(text, end)
        and start > 0
        and blank_line_at(text, line_start(text, start - 1))
    ):
        return line_after(text, end)
    return end


def reindented(block: str, first_column: int, to_column: int) -> str:
    """Lines of `block` (its first line starts at `first_column`) moved to `to_column`.

    The first line is written from `to_column`; the others keep their
    indentation relative to the first, so nesting inside is kept as written.
    """
    lines = block.splitlines(keepends=True)
    if not lines:
        return ""
    delta = to_column - first_column
    out = [" " * to_column + lines[0].lstrip(" ")]
    for line in lines[1:]:
        if not line.strip():
            out.append(line.lstrip(" "))
        elif delta >= 0:
            out.append(" " * delta + line)
        else:
            spaces = len(line) - len(line.lstrip(" "))
            out.append(line[min(spaces, -delta) :])
    text = "".join(out)
    return text if text.endswith("\n") else text + "\n"
