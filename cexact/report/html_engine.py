"""The template engine of the HTML audit report, and the filters its templates use.

Templates are package data in `templates/`, with autoescaping on: every value
from a recipe, waiver, file name or git author is escaped and made visible (no
control characters) on its way out. Identifiers (paths, file locations) may
break only after a path separator (`.`, `]`, `/`, `:`): the `breakable` filter
escapes them and puts a `<wbr>` there.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from cexact.model import SourceLocation
from cexact.report.formatting import (
    visible,
)

if TYPE_CHECKING:
    pass

View = dict[str, Any]
"""What a template shows: plain values, lists and dicts, prepared here."""


_SEPARATOR = re.compile(r"[\]/:]|\.(?!\d)|(?<!\d)\.")
"""Where an identifier may break: after `]`, `/`, `:`, or a `.` that is no decimal point."""
DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:[+-]\d{2}:\d{2}|Z)?)?")
"""A date or a timestamp in running text: never broken at its hyphens."""

# --- the template engine -------------------------------------------------------------


def _finalize(value: object) -> object:
    """Every printed value is made visible: no control character reaches the page."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return visible(value)


def breakable(value: object) -> Markup:
    """An identifier, escaped, that may break only after a path separator.

    A piece with a hyphen is kept whole (browsers break after hyphens)."""
    text = visible(str(value))
    pieces, start = [], 0
    for found in _SEPARATOR.finditer(text):
        pieces.append(unbroken(text[start : found.end()]))
        start = found.end()
    pieces.append(unbroken(text[start:]))
    return Markup("<wbr>").join(piece for piece in pieces if piece)


def unbroken(piece: str) -> Markup:
    if "-" in piece:
        return Markup('<span class="nowrap">%s</span>') % piece
    return escape(piece)


def css_string(value: object) -> Markup:
    """A CSS string literal that no text can break out of (inside <style>, raw text)."""
    text = visible(str(value))
    body = "".join(c if c.isalnum() and c.isascii() else f"\\{ord(c):06x}" for c in text)
    return Markup(f'"{body}"')


def short_location(location: SourceLocation) -> Markup:
    """`name.yaml:12:7`, escaped, breakable only between the file name and `12:7`."""
    name = unbroken(visible(PurePath(location.file).name))
    return Markup(f"{name}:<wbr>{location.line}:{location.column}")


def environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("cexact.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["breakable"] = breakable
    environment.filters["css_string"] = css_string
    environment.filters["short_location"] = short_location
    return environment


__all__ = ["DATE", "View", "breakable", "css_string", "environment", "short_location", "unbroken"]
