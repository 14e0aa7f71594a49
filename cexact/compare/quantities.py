"""Comparisons with units: quantities (value, unit, tolerance) and output specs.

A child's value is converted to the mother's unit before it is compared, and
compared relative to its magnitude measured from the unit's true zero (never
with an absolute floor that ignores the unit). A set point changed within the
mother's tolerance is minor, outside it major; a looser tolerance or spec
limit is major, a tighter one minor; a unit that does not convert is a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cexact import numbers
from cexact.compare.changes import Change, Place
from cexact.model import DeviationKind, Severity
from cexact.recipe import units
from cexact.recipe.annotations import AnnotatedNode

if TYPE_CHECKING:
    from cexact.compare.differ import RecipeDiffer

_NUMBER_TYPES = (int, float)
_SPEC_NUMBERS = frozenset({"target", "lsl", "usl", "unit"})
_QUANTITY_NUMBERS = frozenset({"value", "unit", "tolerance"})
_LIMITS = (("lsl", False), ("usl", True))


def is_quantity(value: dict[str, Any]) -> bool:
    """A mapping with a numeric `value` and a textual `unit`."""
    number = value.get("value")
    return (
        isinstance(value.get("unit"), str)
        and isinstance(number, _NUMBER_TYPES)
        and not isinstance(number, bool)
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, _NUMBER_TYPES) and not isinstance(value, bool)


def shape_of(mother: dict[str, Any], child: dict[str, Any]) -> str | None:
    """`quantity` or `spec` when both mappings have that shape and units cexact knows.

    A mapping with a numeric `value` and a `unit` is a quantity; one with a
    numeric `target` and a `unit` an output spec. A unit that does not parse
    leaves the mapping a plain one, compared key by key (validation warns).
    """
    for keys, shape in ((("value", "unit"), "quantity"), (("target", "unit"), "spec")):
        if all(_has_shape(m, keys) for m in (mother, child)):
            return shape
    return None


def _has_shape(mapping: dict[str, Any], keys: tuple[str, str]) -> bool:
    number, unit = mapping.get(keys[0]), mapping.get(keys[1])
    return _is_number(number) and isinstance(unit, str) and units.is_valid_unit(unit)


@dataclass(frozen=True, slots=True)
class Bound:
    """A tolerance or spec limit on both sides, the child's in the mother's unit."""

    name: str
    """`tolerance`, `lsl` or `usl`: the key it is written under."""
    mother: float | None
    child: float | None
    unit: str
    looser_when_larger: bool
    interval: bool
    """A width (a tolerance), compared without the unit's offset."""


def compare_quantities(
    differ: RecipeDiffer,
    mother: dict[str, Any],
    child: dict[str, Any],
    node: AnnotatedNode,
    at: Place,
) -> None:
    m_unit, c_unit = mother["unit"], child["unit"]
    if not units.convertible(c_unit, m_unit):
        detail = f"unit {c_unit!r} is not convertible to {m_unit!r}"
        differ.emit(Change(at, DeviationKind.CHANGED, node, mother, child, detail=detail))
        return
    m_value = mother["value"]
    c_tolerance = child.get("tolerance")
    try:
        c_value = units.convert(child["value"], c_unit, m_unit)
        if c_tolerance is not None:
            c_tolerance = units.convert_interval(c_tolerance, c_unit, m_unit)
    except units.UnitError as error:  # out of range in the mother's unit
        differ.emit(Change(at, DeviationKind.CHANGED, node, mother, child, detail=str(error)))
        return
    m_tolerance = mother.get("tolerance")
    if not units.close_values(m_value, c_value, m_unit):
        offset = c_value - m_value
        within = m_tolerance is not None and abs(offset) <= m_tolerance * (1 + 1e-9)
        if m_tolerance is None:
            band = "the mother sets no tolerance"
        else:
            side = "within" if within else "outside"
            band = f"{side} the mother's ±{numbers.plain(m_tolerance)} {m_unit}"
        differ.emit(
            Change(
                at,
                DeviationKind.CHANGED,
                node,
                mother,
                child,
                severity=Severity.MINOR if within else Severity.MAJOR,
                detail=f"{numbers.signed(offset)} {m_unit}, {band}",
            )
        )
    bound = Bound("tolerance", m_tolerance, c_tolerance, m_unit, True, interval=True)
    compare_bound(differ, at, node, mother, child, bound)
    if (mother.keys() | child.keys()) - _QUANTITY_NUMBERS:  # a free-form quantity's own keys
        _compare_rest(differ, mother, child, node, at)


def compare_specs(
    differ: RecipeDiffer,
    mother: dict[str, Any],
    child: dict[str, Any],
    node: AnnotatedNode,
    at: Place,
) -> None:
    m_unit, c_unit = mother.get("unit"), child.get("unit")
    if not (isinstance(m_unit, str) and isinstance(c_unit, str)):
        differ.mapping(mother, child, node, at)
        return
    differ.mapping(_without(mother, _SPEC_NUMBERS), _without(child, _SPEC_NUMBERS), node, at)
    if not units.convertible(c_unit, m_unit):
        detail = f"unit {c_unit!r} is not convertible to {m_unit!r}"
        differ.emit(
            Change(at.key("unit"), DeviationKind.CHANGED, node.child("unit"), m_unit, c_unit,
                   detail=detail)
        )  # fmt: skip
        return

    try:
        in_mother_unit = {
            key: units.convert(child[key], c_unit, m_unit)
            for key in ("target", "lsl", "usl")
            if child.get(key) is not None
        }
    except units.UnitError as error:  # out of range in the mother's unit
        differ.emit(Change(at, DeviationKind.CHANGED, node, mother, child, detail=str(error)))
        return
    converted = in_mother_unit.get

    m_target, c_target = mother.get("target"), converted("target")
    if (
        m_target is not None
        and c_target is not None
        and not units.close_values(m_target, c_target, m_unit)
    ):
        differ.emit(
            Change(
                at.key("target"),
                DeviationKind.CHANGED,
                node.child("target"),
                m_target,
                child.get("target"),
                detail=f"{numbers.signed(c_target - m_target)} {m_unit}",
            )
        )
    for limit, looser_when_larger in _LIMITS:
        bound = Bound(
            limit, mother.get(limit), converted(limit), m_unit, looser_when_larger, interval=False
        )
        compare_bound(differ, at, node.child(limit), mother, child, bound)


def _without(mapping: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in keys}


def _compare_rest(
    differ: RecipeDiffer,
    mother: dict[str, Any],
    child: dict[str, Any],
    node: AnnotatedNode,
    at: Place,
) -> None:
    """A free-form quantity's other keys: a target and spec limits with units, the
    rest key by key."""
    m_unit, c_unit = mother["unit"], child["unit"]
    compared = set(_QUANTITY_NUMBERS)
    for key, looser_when_larger in (("target", None), *_LIMITS):
        m_number, c_number = mother.get(key), child.get(key)
        if not all(n is None or _is_number(n) for n in (m_number, c_number)):
            continue  # text where a number belongs: compared key by key below
        compared.add(key)
        c_converted = None if c_number is None else units.convert(c_number, c_unit, m_unit)
        if looser_when_larger is None:  # the target: a value, not a bound
            if m_number is None or c_converted is None:
                compared.discard(key)
            elif not units.close_values(m_number, c_converted, m_unit):
                detail = f"{numbers.signed(c_converted - m_number)} {m_unit}"
                differ.emit(Change(at.key(key), DeviationKind.CHANGED, node.child(key),
                                   m_number, c_number, detail=detail))  # fmt: skip
            continue
        bound = Bound(key, m_number, c_converted, m_unit, looser_when_larger, interval=False)
        compare_bound(differ, at, node.child(key), mother, child, bound)
    rest = frozenset(compared)
    differ.mapping(_without(mother, rest), _without(child, rest), node, at)
def compare_bound(
    differ: RecipeDiffer,
    at: Place,
    node: AnnotatedNode,
    mother: dict[str, Any],
    child: dict[str, Any],
    bound: Bound,
) -> None:
    """A tolerance or spec limit that differs: looser is major, tighter minor.

    The difference is at `<path>.<bound>`; each side is located at the bound
    where it is written, else at the mapping.
    """
    m_bound, c_bound = bound.mother, bound.child
    if m_bound is None and c_bound is None:
        return
    if m_bound is not None and c_bound is not None and _same_bound(bound, m_bound, c_bound):
        return
    key = bound.name
    place = at.key(key)
    place = Place(
        place.path,
        place.mother if key in mother else at.mother,
        place.child if key in child else at.child,
    )
    if c_bound is None:
        looser, text, kind = True, f"the child has no {key}", DeviationKind.REMOVED
    elif m_bound is None:
        looser, text, kind = False, f"the child adds a {key}", DeviationKind.ADDED
    else:
        looser = (c_bound > m_bound) == bound.looser_when_larger
        text = f"{numbers.signed(c_bound - m_bound)} {bound.unit}"
        kind = DeviationKind.CHANGED
    differ.emit(
        Change(
            place,
            kind,
            node,
            mother.get(key),
            child.get(key),
            severity=Severity.MAJOR if looser else Severity.MINOR,
            detail=f"{text}: {'looser' if looser else 'tighter'} than the mother",
        )
    )


def _same_bound(bound: Bound, mother: float, child: float) -> bool:
    if bound.interval:
        return units.close(mother, child)
    return units.close_values(mother, child, bound.unit)
