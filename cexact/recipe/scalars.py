"""What a scalar means: the YAML 1.2 core schema, and what cexact refuses to guess.

Plain scalars resolve by the YAML 1.2 core schema (null, true/false, int,
float, text). Refused, each with a message that says how to write it instead:

- plain scalars that YAML 1.1 tools read differently: `no`/`yes`/`on`/`off`
  (booleans there), `1:30` (base 60), `0755` (octal), `1_000`, `0b101`, `0o17`;
- NaN and infinities;
- integers too large to be exact in JSON and in most tools (over 2**53);
- control characters (C0 and C1, DEL) in any text, keys included, except tab
  and line feed (which free text written as a block scalar holds).

A `ScalarReader` remembers what each distinct plain scalar resolved to, since
a large recipe repeats the same few numbers and words thousands of times.
"""

from __future__ import annotations

import math
import re
from typing import Any

VERSION_KEYS = frozenset({"version", "software", "firmware", "revision"})
"""Keys whose values are version strings: an unquoted number there is an error."""

LARGEST_EXACT_INTEGER = 2**53
"""Integers beyond this lose digits in JSON readers and in floating point."""

_NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE_WORDS = frozenset({"true", "True", "TRUE"})
_FALSE_WORDS = frozenset({"false", "False", "FALSE"})
_YAML11_BOOL_WORDS = frozenset(
    w for base in ("yes", "no", "on", "off") for w in (base, base.capitalize(), base.upper())
)
_INT_RE = re.compile(r"[-+]?[0-9]+")
_OCT_RE = re.compile(r"0o[0-7]+")
_HEX_RE = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF_RE = re.compile(r"[-+]?(?:\.inf|\.Inf|\.INF)")
_NAN_WORDS = frozenset({".nan", ".NaN", ".NAN"})
# Plain scalars that YAML 1.1 (PyYAML, many other tools) reads as something else.
_SEXAGESIMAL_RE = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_LEADING_ZERO_RE = re.compile(r"[-+]?0[0-9_]+")
_UNDERSCORE_NUMBER_RE = re.compile(
    r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|\.[0-9_]+)"
)
_BINARY_RE = re.compile(r"[-+]?0b[01_]+")
NON_STRING_STARTS = frozenset("0123456789+-.~nNtTfFyYoO")
"""Characters a plain scalar must start with to be anything but text."""
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {"\r": "a carriage return (CR)", "\x1b": "an escape (ESC)", "\x00": "a NUL"}
_MAX_DIGITS = 40
"""Digit strings longer than this are refused before Python converts them."""


class ScalarError(ValueError):
    """A scalar cexact will not read: the message says what to write instead."""


def control_character_problem(text: str) -> str | None:
    """Why `text` may not be in a recipe (a control character), or None."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    character = found.group()
    name = _CONTROL_NAMES.get(character, f"the control character U+{ord(character):04X}")
    return (
        f"{name} at character {found.start() + 1} of the text: control characters "
        "other than tab and line feed are not allowed (they can rewrite a terminal or a report)"
    )


def resolve_core(value: str) -> Any:
    """A plain scalar by the YAML 1.2 core schema (ScalarError for what cexact refuses)."""
    if value in _NULL_WORDS:
        return None
    if value in _TRUE_WORDS:
        return True
    if value in _FALSE_WORDS:
        return False
    if _INT_RE.fullmatch(value):
        return _integer(value, value, 10)
    if _OCT_RE.fullmatch(value):
        return _integer(value, value[2:], 8)
    if _HEX_RE.fullmatch(value):
        return _integer(value, value[2:], 16)
    if _FLOAT_RE.fullmatch(value):
        number = float(value)
        if not math.isfinite(number):
            raise ScalarError(f"{value!r} is not a finite number (too large)")
        return number
    if _INF_RE.fullmatch(value) or value in _NAN_WORDS:
        raise ScalarError(f"{value!r} is not a finite number")
    return value


def _integer(written: str, digits: str, base: int) -> int:
    if len(digits) > _MAX_DIGITS:
        raise ScalarError(_too_large(written))
    number = int(digits, base)
    if abs(number) > LARGEST_EXACT_INTEGER:
        raise ScalarError(_too_large(written))
    return number


def _too_large(written: str) -> str:
    shown = written if len(written) <= 24 else f"{written[:20]}... ({len(written)} characters)"
    return (
        f"the integer {shown} is too large to be read exactly (over 2^53); "
        "quote it if it is an identifier"
    )


def yaml11_ambiguity(value: str) -> str | None:
    """A message when YAML 1.1 tools would read `value` differently, else None."""
    if value in _YAML11_BOOL_WORDS:
        truth = "true" if value.lower() in ("yes", "on") else "false"
        return (
            f"{value!r} is ambiguous: YAML 1.1 tools read it as {truth}, YAML 1.2 as text; "
            f'write {truth} or "{value}"'
        )
    if _SEXAGESIMAL_RE.fullmatch(value):
        return (
            f"{value!r} is ambiguous: YAML 1.1 tools read it as a base-60 number; "
            f'quote it ("{value}")'
        )
    if _LEADING_ZERO_RE.fullmatch(value):
        return (
            f"{value!r} is ambiguous: YAML 1.1 tools read a leading zero as octal; "
            f'quote it ("{value}") or drop the zero'
        )
    if _BINARY_RE.fullmatch(value) or _OCT_RE.fullmatch(value):
        return (
            f"{value!r} is ambiguous: YAML 1.1 and 1.2 read it differently; "
            f'quote it ("{value}") or write a decimal number'
        )
    if "_" in value and _UNDERSCORE_NUMBER_RE.fullmatch(value):
        return (
            f"{value!r} is ambiguous: YAML 1.1 tools read it as a number with digit "
            f'separators, YAML 1.2 as text; quote it ("{value}") or drop the underscores'
        )
    return None


_EXPLICIT_TAGS: dict[str, type] = {
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": bool,
    "tag:yaml.org,2002:null": type(None),
}


def resolve_tagged(value: str, tag: str) -> Any:
    """A scalar with an explicit core tag (`!!int 3`); ScalarError if it does not fit it."""
    expected = _EXPLICIT_TAGS.get(tag)
    if expected is None:
        raise ScalarError(f"unsupported tag {tag!r}: recipes use plain YAML values only")
    resolved = resolve_core(value)
    if type(resolved) is not expected:
        raise ScalarError(f"{value!r} is not a valid {tag.rsplit(':', 1)[-1]}")
    return resolved


class ScalarReader:
    """Plain scalars resolved once per distinct text (a load's own memo)."""

    __slots__ = ("_refused", "resolved")

    def __init__(self) -> None:
        self.resolved: dict[str, Any] = {}
        """Plain scalars read so far and what they mean (a hot loop may look here first)."""
        self._refused: dict[str, ScalarError] = {}

    def plain(self, value: str) -> Any:
        """The value of a plain scalar; ScalarError for what cexact refuses."""
        if value in self.resolved:
            return self.resolved[value]
        refused = self._refused.get(value)
        if refused is None:
            found = self._read(value)
            if not isinstance(found, ScalarError):
                self.resolved[value] = found
                return found
            refused = self._refused[value] = found
        raise refused

    @staticmethod
    def _read(value: str) -> Any:
        if not value:
            return None
        problem = control_character_problem(value)
        if problem is not None:
            return ScalarError(problem)
        if value[0] not in NON_STRING_STARTS:
            return value
        ambiguity = yaml11_ambiguity(value)
        if ambiguity is not None:
            return ScalarError(ambiguity)
        try:
            return resolve_core(value)
        except ScalarError as error:
            return error
