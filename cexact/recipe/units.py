"""Units: validity and conversion, bounded and without pint at run time.

A unit is read in three steps, each refusing what it cannot vouch for:

1. **Grammar**, before anything else sees the text (at most 64 characters):
   unit names, `*`, `·` or a space for multiplication, `/`, `^` or `**` with
   an integer exponent of at most 12 in size, parentheses nested at most 4
   deep, and the factor `1` (as in `1/min`). Anything else is refused.
2. **Names** resolve against `unit_table.json`, a data-only table generated
   from pint's default registry plus cexact's `units.txt` by
   `tools/generate_unit_table.py` (pint stays the source of truth; a test
   regenerates the table and compares every unit with pint). Resolution is
   pint's: an exact name, symbol or alias; else a prefix and a name, maybe
   plural (`mTorr`, `meters`); `°` reads as `degree`. An unknown name is
   refused with the nearest known spelling, if one is close.
3. **Arithmetic** on the resolved scales and dimension exponents; a unit whose
   scale leaves the float range (`(km^12)^12`) is refused.

Offset units (degC, degF) standing alone are temperatures; inside a compound
unit (degC/min, W/(m*degC)) they are temperature differences, as pint reads
them and as engineers mean them: 1 degC/min is 1 K/min.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from functools import lru_cache

from cexact.recipe.unit_names import (
    UnitError,
    definition_of,
    unit_table,
)

MAX_UNIT_LENGTH = 64
MAX_EXPONENT = 12
MAX_PARENTHESES_DEPTH = 4

_NAME_CHARACTERS = "A-Za-z_°µμΩÅÅ"
"""Letters of unit names: ASCII, the micro sign and Greek mu, Ω, Å and the angstrom sign, °."""
NAME_PATTERN = rf"%RH|%|[{_NAME_CHARACTERS}][{_NAME_CHARACTERS}0-9]*"
"""A unit name: letters (with µ μ Ω Å and °), `_`, digits after the first; `%`."""
_TOKEN = re.compile(
    rf"(?P<space> *)(?:(?P<name>{NAME_PATTERN})|(?P<number>[0-9]+)|(?P<operator>\*\*|[*·/^()+-]))"
)
"""One token after any spaces (only the space itself: a tab or a control character is refused)."""
_TRAILING_SPACE = re.compile(r" *\Z")
DIMENSIONLESS = "dimensionless"
"""A name for no unit (as pint has it): only written out in full, never prefixed."""


# --- Grammar --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    """`name`, `number` or `operator`."""
    text: str
    position: int
    after_space: bool


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    end = _TRAILING_SPACE.search(text)
    stop = end.start() if end else len(text)
    while position < stop:
        match = _TOKEN.match(text, position)
        if match is None:
            character = text[position:].lstrip(" ")[:1]
            raise UnitError(
                f"unit {text!r}: {character!r} (character {text.index(character, position) + 1}) "
                "is not allowed in a unit"
            )
        kind = match.lastgroup
        assert kind is not None
        tokens.append(_Token(kind, match.group(kind), match.start(kind), bool(match["space"])))
        position = match.end()
    return tokens


class _ExpressionReader:
    """Recursive descent over the tokens of one unit text.

        expression := term (("*" | "·" | "/" | space) term)*
        term       := atom (("^" | "**") ["+" | "-"] 1..12)?
        atom       := name | "1" | "(" expression ")"

    The result is each name with its exponent, as pint's parser gathers them
    (`m*m/s` is m: 2, s: -1).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0

    def fail(self, problem: str) -> UnitError:
        return UnitError(f"unit {self.text!r}: {problem}")

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise self.fail("it ends where a unit name, '1' or '(' should follow")
        self.index += 1
        return token

    def read(self) -> dict[str, int]:
        if not self.tokens:
            raise UnitError("a unit must not be empty")
        exponents = self.expression(depth=0)
        extra = self.peek()
        if extra is not None:
            raise self.fail(f"unexpected {extra.text!r} at character {extra.position + 1}")
        return exponents

    def expression(self, depth: int) -> dict[str, int]:
        exponents = self.term(depth)
        while (token := self.peek()) is not None and token.text != ")":
            sign = 1
            if token.text in ("*", "·", "/"):
                self.index += 1
                sign = -1 if token.text == "/" else 1
            elif token.kind == "operator" and token.text != "(":
                raise self.fail(f"unexpected {token.text!r} at character {token.position + 1}")
            elif not token.after_space:
                raise self.fail(
                    f"write '*' or a space before {token.text!r} at character {token.position + 1}"
                )
            for name, exponent in self.term(depth).items():
                exponents[name] = exponents.get(name, 0) + sign * exponent
        return exponents

    def term(self, depth: int) -> dict[str, int]:
        exponents = self.atom(depth)
        token = self.peek()
        if token is not None and token.text in ("^", "**"):
            self.index += 1
            power = self.exponent()
            exponents = {name: exponent * power for name, exponent in exponents.items()}
            following = self.peek()
            if following is not None and following.text in ("^", "**"):
                raise self.fail("one exponent per factor (write 'm^6', not 'm^2^3')")
        return exponents

    def exponent(self) -> int:
        token = self.take()
        sign = 1
        if token.text in "+-":
            sign = -1 if token.text == "-" else 1
            token = self.take()
        if token.kind != "number":
            raise self.fail(f"an exponent is a whole number, not {token.text!r}")
        if token.text.startswith("0"):
            raise self.fail(f"exponent {token.text!r}: an exponent is 1 to {MAX_EXPONENT}, signed")
        power = int(token.text)
        if power > MAX_EXPONENT:
            raise self.fail(f"exponent {token.text} is out of range (at most {MAX_EXPONENT})")
        return sign * power

    def atom(self, depth: int) -> dict[str, int]:
        token = self.take()
        if token.kind == "name":
            return {token.text: 1}
        if token.kind == "number":
            if token.text != "1":
                raise self.fail(
                    f"{token.text!r} is a number; the only number a unit may hold is 1 "
                    "(as in '1/min')"
                )
            return {}
        if token.text == "(":
            if depth == MAX_PARENTHESES_DEPTH:
                raise self.fail(f"parentheses nested deeper than {MAX_PARENTHESES_DEPTH}")
            exponents = self.expression(depth + 1)
            closing = self.peek()
            if closing is None or closing.text != ")":
                raise self.fail(f"the '(' at character {token.position + 1} is not closed")
            self.index += 1
            return exponents
        raise self.fail(
            f"{token.text!r} at character {token.position + 1} where a unit name, '1' or '(' "
            "should be"
        )


def _read_exponents(text: str) -> dict[str, int]:
    """Each name in `text` with its exponent; UnitError for anything off the grammar."""
    if len(text) > MAX_UNIT_LENGTH:
        raise UnitError(f"a unit of {len(text)} characters is too long (at most {MAX_UNIT_LENGTH})")
    exponents = _ExpressionReader(text).read()
    for name, exponent in exponents.items():
        if abs(exponent) > MAX_EXPONENT:
            raise UnitError(
                f"unit {text!r}: {name} to the power {exponent} is out of range "
                f"(at most {MAX_EXPONENT})"
            )
    return exponents


# --- Units and conversions ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unit:
    """A parsed unit: how a value written in it is measured in SI base units."""

    text: str
    scale: float
    """SI value of one step of the unit: a value `v` is `v * scale + offset` in SI."""
    offset: float
    """SI value of the unit's zero: 273.15 for a lone degC; 0 in a compound unit."""
    dimension: tuple[float, ...]
    """Exponents of the table's base dimensions."""

    def describe_dimension(self) -> str:
        """`[length] / [time]`; `dimensionless` when every exponent is 0."""
        names = unit_table().dimensions
        above = [_power(names[i], e) for i, e in enumerate(self.dimension) if e > 0]
        below = [_power(names[i], -e) for i, e in enumerate(self.dimension) if e < 0]
        if not above and not below:
            return "dimensionless"
        written = " * ".join(above) or "1"
        return f"{written} / {' / '.join(below)}" if below else written


def _power(name: str, exponent: float) -> str:
    return name if exponent == 1 else f"{name}^{exponent:g}"


_SMALLEST_SCALE = sys.float_info.min
_LARGEST_SCALE = sys.float_info.max


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> Unit:
    """The unit `text` names; UnitError (saying why, and the nearest known name) if none."""
    exponents = _read_exponents(text)
    table = unit_table()
    scale = 1.0
    dimension = [0.0] * len(table.dimensions)
    offset = 0.0
    written = [name for name, exponent in exponents.items() if exponent != 0]
    for name in exponents:  # every name must be a unit, even one cancelled out (m/m)
        if name == DIMENSIONLESS:
            continue
        factor, definition = definition_of(name, text)
        exponent = exponents[name]
        try:
            scale *= (factor * definition.scale) ** exponent
        except OverflowError:
            scale = math.inf
        for index, power in enumerate(definition.dimension):
            dimension[index] += exponent * power
        if written == [name] and exponent == 1:  # standing alone: a temperature, not a difference
            offset = definition.offset
    if not _SMALLEST_SCALE <= abs(scale) <= _LARGEST_SCALE:  # some constants are negative
        raise UnitError(f"unit {text!r} is out of range: its scale is beyond a float's")
    return Unit(text, scale, offset, tuple(dimension))


def is_valid_unit(text: str) -> bool:
    try:
        parse_unit(text)
    except UnitError:
        return False
    return True


@lru_cache(maxsize=4096)
def conversion(source: str, target: str) -> tuple[float, float]:
    """(scale, offset) such that value_in_target = value_in_source * scale + offset."""
    source_unit, target_unit = parse_unit(source), parse_unit(target)
    if source_unit.dimension != target_unit.dimension:
        raise UnitError(
            f"cannot convert {source!r} to {target!r}: "
            f"{source_unit.describe_dimension()} is not {target_unit.describe_dimension()}"
        )
    return (
        source_unit.scale / target_unit.scale,
        (source_unit.offset - target_unit.offset) / target_unit.scale,
    )


def convertible(source: str, target: str) -> bool:
    try:
        conversion(source, target)
    except UnitError:
        return False
    return True


def convert(value: float, source: str, target: str) -> float:
    """`value` in unit `source`, expressed in unit `target`; UnitError if not finite there."""
    scale, offset = conversion(source, target)
    return _converted(value, scale, offset, source, target)


def convert_interval(width: float, source: str, target: str) -> float:
    """A difference or tolerance (no offset) in `source`, expressed in `target`."""
    scale, _ = conversion(source, target)
    return _converted(width, scale, 0.0, source, target)


def _converted(value: float, scale: float, offset: float, source: str, target: str) -> float:
    try:
        result = value * scale + offset
    except OverflowError:  # an integer beyond the float range
        result = math.inf
    if not math.isfinite(result):
        raise UnitError(f"{_written(value)} {source} is out of range in {target}")
    return result


def _written(value: float) -> str:
    try:
        return f"{float(value):g}"
    except OverflowError:
        return "a number beyond the float range"


RELATIVE_EPSILON = 1e-9


def close(a: float, b: float) -> bool:
    """Equal up to float noise, relative to their magnitude (no absolute floor).

    For widths, tolerances and plain numbers; values of a unit with an offset
    (degC) compare with `close_values`.
    """
    return math.isclose(a, b, rel_tol=RELATIVE_EPSILON, abs_tol=0.0)


def close_values(a: float, b: float, unit: str) -> bool:
    """Two values in `unit` equal up to float noise, relative to their magnitude.

    Measured from the unit's true zero (0 degC is 273.15 K), so that float
    noise from converting an offset unit is not mistaken for a change, and a
    tiny quantity (1e-13 F against 9e-13 F) is never called equal.
    """
    parsed = parse_unit(unit)
    zero = parsed.offset / parsed.scale
    return close(a + zero, b + zero)


__all__ = [
    "Unit",
    "UnitError",
    "close",
    "close_values",
    "conversion",
    "convert",
    "convert_interval",
    "convertible",
    "is_valid_unit",
    "parse_unit",
]
