"""Units: validity and conversion, on pint with the units fabs and cell plants write.

pint costs about half a second to import, so it is imported on first use only;
parsed units are cached by their text.
"""

from __future__ import annotations

import math
from functools import cache
from importlib.resources import files
from typing import Any


class UnitError(ValueError):
    """A unit that cannot be parsed, or two units that cannot be converted."""


@cache
def _registry() -> Any:
    import pint

    registry: Any = pint.UnitRegistry(cache_folder=":auto:", autoconvert_offset_to_baseunit=True)
    registry.load_definitions(str(files("cexact.recipe").joinpath("units.txt")))
    return registry


@cache
def parse_unit(text: str) -> Any:
    """The pint unit for `text`; UnitError when it is not a unit."""
    registry = _registry()
    try:
        unit = registry.parse_units(text)
    except Exception as error:  # pint raises several unrelated types here
        raise UnitError(f"unknown unit {text!r}") from error
    return unit


def is_valid_unit(text: str) -> bool:
    try:
        parse_unit(text)
    except UnitError:
        return False
    return True


@cache
def _converter(source: str, target: str) -> tuple[float, float]:
    """(scale, offset) such that value_in_target = value_in_source * scale + offset."""
    if source == target:
        return 1.0, 0.0
    registry = _registry()
    source_unit, target_unit = parse_unit(source), parse_unit(target)
    try:
        zero = registry.Quantity(0.0, source_unit).to(target_unit).magnitude
        one = registry.Quantity(1.0, source_unit).to(target_unit).magnitude
    except Exception as error:
        raise UnitError(f"cannot convert {source!r} to {target!r}") from error
    return float(one - zero), float(zero)


def convert(value: float, source: str, target: str) -> float:
    """`value` in unit `source`, expressed in unit `target`."""
    scale, offset = _converter(source, target)
    return value * scale + offset


def convert_interval(width: float, source: str, target: str) -> float:
    """A difference or tolerance (no offset) in `source`, expressed in `target`."""
    scale, _ = _converter(source, target)
    return width * scale


def convertible(source: str, target: str) -> bool:
    try:
        _converter(source, target)
    except UnitError:
        return False
    return True


RELATIVE_EPSILON = 1e-9


def close(a: float, b: float) -> bool:
    """Equal up to float noise, relative to their magnitude (no absolute floor).

    For widths, tolerances and plain numbers; values of a unit with an offset
    (degC) compare with `close_values`.
    """
    return math.isclose(a, b, rel_tol=RELATIVE_EPSILON, abs_tol=0.0)


@cache
def _absolute_offset(unit: str) -> float:
    """What to add to a value in `unit` to measure it from the unit's true zero."""
    quantity = _registry().Quantity(0.0, parse_unit(unit))
    base = quantity.to_base_units()
    scale = _registry().Quantity(1.0, parse_unit(unit)).to_base_units().magnitude - base.magnitude
    return float(base.magnitude / scale) if scale else 0.0


def close_values(a: float, b: float, unit: str) -> bool:
    """Two values in `unit` equal up to float noise, relative to their magnitude.

    Measured from the unit's true zero (0 degC is 273.15 K), so that float
    noise from converting an offset unit is not mistaken for a change, and a
    tiny quantity (1e-13 F against 9e-13 F) is never called equal.
    """
    offset = _absolute_offset(unit)
    return close(a + offset, b + offset)
