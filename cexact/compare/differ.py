"""The semantic diff: a keyed walk of two recipes beside their schema annotations.

Lists with a key annotation are matched by id, never by position; an ordered
list (the process flow) reports each moved item once, by a longest increasing
subsequence, instead of a cascade of changed fields. Numbers compare by value
(60 == 60.0, but never true == 1); quantities and output specs compare after
unit conversion. Each difference carries the stage annotation of where it was
found; classification (with the project policy) happens afterwards.
"""

from __future__ import annotations

import bisect
import marshal
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cexact.model import DeviationKind, Severity
from cexact.recipe import units
from cexact.recipe.annotations import AnnotatedNode
from cexact.recipe.locations import PathKey

_NUMBER_TYPES = (int, float)


@dataclass(frozen=True, slots=True)
class Difference:
    """One difference found by the walk, before classification."""

    path: str
    kind: DeviationKind
    stage: str
    severity: Severity
    mother: Any
    child: Any
    mother_path: PathKey | None
    child_path: PathKey | None
    step: str | None
    order: int
    detail: str = ""


_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key_segment(key: str) -> str:
    return f".{key}" if _SIMPLE_KEY.fullmatch(key) else f'["{key}"]'


@dataclass(slots=True)
class _Side:
    """Where the walk is on one side: the raw path into that document."""

    path: PathKey


class RecipeDiffer:
    """Compares a mother and a child document under one annotation tree."""

    def __init__(self, schema: AnnotatedNode) -> None:
        self.schema = schema
        self.differences: list[Difference] = []
        self._step: str | None = None
        self._order = -1

    def diff(self, mother: Any, child: Any) -> list[Difference]:
        """Differences between two documents."""
        self.differences = []
        self._walk(mother, child, self.schema, "", (), ())
        return self.differences

    # --- emitting ------------------------------------------------------------

    def _emit(
        self,
        path: str,
        kind: DeviationKind,
        node: AnnotatedNode,
        mother: Any,
        child: Any,
        mother_path: PathKey | None,
        child_path: PathKey | None,
        severity: Severity = Severity.MAJOR,
        detail: str = "",
    ) -> None:
        self.differences.append(
            Difference(
                path=path or "(recipe)",
                kind=kind,
                stage=node.stage,
                severity=severity,
                mother=mother,
                child=child,
                mother_path=mother_path,
                child_path=child_path,
                step=self._step,
                order=self._order,
                detail=detail,
            )
        )

    # --- the walk -------------------------------------------------------------

    def _walk(
        self,
        mother: Any,
        child: Any,
        node: AnnotatedNode,
        path: str,
        mother_path: PathKey,
        child_path: PathKey,
    ) -> None:
        if (
            type(mother) is type(child)
            and isinstance(mother, (dict, list))
            and mother == child
            and identical(mother, child)
        ):
            return  # the same data, with no true == 1 or 60 == 60.0 hiding below
        if isinstance(mother, dict) and isinstance(child, dict):
            comparison = node.comparison_for(mother)
            if comparison == "quantity" and _is_quantity(mother) and _is_quantity(child):
                self._quantity(mother, child, node, path, mother_path, child_path)
            elif comparison == "spec":
                self._spec(mother, child, node, path, mother_path, child_path)
            else:
                self._mapping(mother, child, node, path, mother_path, child_path)
        elif isinstance(mother, list) and isinstance(child, list):
            if node.list_key is not None:
                self._keyed_list(mother, child, node, path, mother_path, child_path)
            elif not _strictly_equal(mother, child):
                self._emit(
                    path, DeviationKind.CHANGED, node, mother, child, mother_path, child_path
                )
        elif _type_name(mother) != _type_name(child):
            self._emit(
                path,
                DeviationKind.TYPE_CHANGED,
                node,
                mother,
                child,
                mother_path,
                child_path,
                detail=f"{_type_name(mother)} -> {_type_name(child)}",
            )
        elif mother != child:
            self._emit(path, DeviationKind.CHANGED, node, mother, child, mother_path, child_path)

    def _mapping(
        self,
        mother: dict[str, Any],
        child: dict[str, Any],
        node: AnnotatedNode,
        path: str,
        mother_path: PathKey,
        child_path: PathKey,
    ) -> None:
        for key, mother_value in mother.items():
            sub = node.child(key)
            sub_path = path + _key_segment(key) if path else key
            if key in child:
                self._walk(
                    mother_value, child[key], sub, sub_path, (*mother_path, key), (*child_path, key)
                )
            else:
                self._emit(
                    sub_path,
                    DeviationKind.REMOVED,
                    sub,
                    mother_value,
                    None,
                    (*mother_path, key),
                    None,
                )
        for key, child_value in child.items():
            if key not in mother:
                sub = node.child(key)
                sub_path = path + _key_segment(key) if path else key
                self._emit(
                    sub_path,
                    DeviationKind.ADDED,
                    sub,
                    None,
                    child_value,
                    None,
                    (*child_path, key),
                )

    def _keyed_list(
        self,
        mother: list[Any],
        child: list[Any],
        node: AnnotatedNode,
        path: str,
        mother_path: PathKey,
        child_path: PathKey,
    ) -> None:
        key = node.list_key
        assert key is not None
        item_node = node.item()
        # The top-level ordered list is the process flow: its items are the steps
        # that deviations are grouped and ordered by.
        is_process_flow = node.ordered and len(mother_path) == 1
        mother_index = {item[key]: i for i, item in enumerate(mother)}
        child_index = {item[key]: i for i, item in enumerate(child)}
        saved_step, saved_order = self._step, self._order
        for i, item in enumerate(mother):
            identifier = item[key]
            item_path = f"{path}[{identifier}]"
            if is_process_flow:
                self._step, self._order = identifier, i
            j = child_index.get(identifier)
            if j is None:
                self._emit(
                    item_path,
                    DeviationKind.REMOVED,
                    node,
                    item,
                    None,
                    (*mother_path, i),
                    None,
                    detail=f"position {i + 1} at the mother" if node.ordered else "",
                )
            else:
                self._walk(
                    item, child[j], item_node, item_path, (*mother_path, i), (*child_path, j)
                )
        for j, item in enumerate(child):
            identifier = item[key]
            if identifier not in mother_index:
                if is_process_flow:
                    self._step, self._order = identifier, len(mother) + j
                self._emit(
                    f"{path}[{identifier}]",
                    DeviationKind.ADDED,
                    node,
                    None,
                    item,
                    None,
                    (*child_path, j),
                    detail=f"position {j + 1} at the child" if node.ordered else "",
                )
        if node.ordered:
            for identifier in _moved_items(mother, child, key, child_index):
                i, j = mother_index[identifier], child_index[identifier]
                if is_process_flow:
                    self._step, self._order = identifier, i
                self._emit(
                    f"{path}[{identifier}]",
                    DeviationKind.MOVED,
                    node,
                    i + 1,
                    j + 1,
                    (*mother_path, i),
                    (*child_path, j),
                    detail="moved in the process flow",
                )
        self._step, self._order = saved_step, saved_order

    # --- comparisons with units -------------------------------------------------

    def _quantity(
        self,
        mother: dict[str, Any],
        child: dict[str, Any],
        node: AnnotatedNode,
        path: str,
        mother_path: PathKey,
        child_path: PathKey,
    ) -> None:
        m_unit, c_unit = mother["unit"], child["unit"]
        if not units.convertible(c_unit, m_unit):
            self._emit(
                path,
                DeviationKind.CHANGED,
                node,
                mother,
                child,
                mother_path,
                child_path,
                detail=f"unit {c_unit!r} is not convertible to {m_unit!r}",
            )
            return
        m_value = mother["value"]
        c_value = units.convert(child["value"], c_unit, m_unit)
        m_tolerance = mother.get("tolerance")
        if not units.close(m_value, c_value):
            offset = c_value - m_value
            within = m_tolerance is not None and abs(offset) <= m_tolerance * (1 + 1e-9)
            if m_tolerance is None:
                band = "the mother sets no tolerance"
            else:
                side = "within" if within else "outside"
                band = f"{side} the mother's ±{_number(m_tolerance)} {m_unit}"
            self._emit(
                path,
                DeviationKind.CHANGED,
                node,
                mother,
                child,
                mother_path,
                child_path,
                severity=Severity.MINOR if within else Severity.MAJOR,
                detail=f"{_signed(offset)} {m_unit}, {band}",
            )
        c_tolerance = child.get("tolerance")
        if c_tolerance is not None:
            c_tolerance = units.convert_interval(c_tolerance, c_unit, m_unit)
        self._bound_change(
            path + ".tolerance",
            node,
            mother,
            child,
            mother_path,
            child_path,
            m_tolerance,
            c_tolerance,
            m_unit,
            looser_when_larger=True,
            what="tolerance",
        )

    def _spec(
        self,
        mother: dict[str, Any],
        child: dict[str, Any],
        node: AnnotatedNode,
        path: str,
        mother_path: PathKey,
        child_path: PathKey,
    ) -> None:
        m_unit, c_unit = mother.get("unit"), child.get("unit")
        numeric = {"target", "lsl", "usl", "unit"}
        if not (isinstance(m_unit, str) and isinstance(c_unit, str)):
            self._mapping(mother, child, node, path, mother_path, child_path)
            return
        rest_m = {k: v for k, v in mother.items() if k not in numeric}
        rest_c = {k: v for k, v in child.items() if k not in numeric}
        self._mapping(rest_m, rest_c, node, path, mother_path, child_path)
        if not units.convertible(c_unit, m_unit):
            self._emit(
                path + ".unit",
                DeviationKind.CHANGED,
                node.child("unit"),
                m_unit,
                c_unit,
                (*mother_path, "unit"),
                (*child_path, "unit"),
                detail=f"unit {c_unit!r} is not convertible to {m_unit!r}",
            )
            return

        def converted(key: str) -> float | None:
            value = child.get(key)
            return None if value is None else units.convert(value, c_unit, m_unit)

        m_target, c_target = mother.get("target"), converted("target")
        if m_target is not None and c_target is not None and not units.close(m_target, c_target):
            self._emit(
                path + ".target",
                DeviationKind.CHANGED,
                node.child("target"),
                m_target,
                child.get("target"),
                (*mother_path, "target"),
                (*child_path, "target"),
                detail=f"{_signed(c_target - m_target)} {m_unit}",
            )
        for limit, looser_when_larger in (("lsl", False), ("usl", True)):
            self._bound_change(
                f"{path}.{limit}",
                node.child(limit),
                mother,
                child,
                mother_path,
                child_path,
                mother.get(limit),
                converted(limit),
                m_unit,
                looser_when_larger=looser_when_larger,
                what=limit,
                key=limit,
            )

    def _bound_change(
        self,
        path: str,
        node: AnnotatedNode,
        mother: dict[str, Any],
        child: dict[str, Any],
        mother_path: PathKey,
        child_path: PathKey,
        m_bound: float | None,
        c_bound: float | None,
        unit: str,
        *,
        looser_when_larger: bool,
        what: str,
        key: str = "tolerance",
    ) -> None:
        """A tolerance or spec limit that differs: looser is major, tighter minor."""
        if m_bound is None and c_bound is None:
            return
        if m_bound is not None and c_bound is not None and units.close(m_bound, c_bound):
            return
        m_located = (*mother_path, key) if key in mother else mother_path
        c_located = (*child_path, key) if key in child else child_path
        if c_bound is None:
            looser, text = True, f"the child has no {what}"
            kind = DeviationKind.REMOVED
        elif m_bound is None:
            looser, text = False, f"the child adds a {what}"
            kind = DeviationKind.ADDED
        else:
            looser = (c_bound > m_bound) == looser_when_larger
            text = f"{_signed(c_bound - m_bound)} {unit}"
            kind = DeviationKind.CHANGED
        self._emit(
            path,
            kind,
            node,
            mother.get(key),
            child.get(key),
            m_located,
            c_located,
            severity=Severity.MAJOR if looser else Severity.MINOR,
            detail=f"{text}: {'looser' if looser else 'tighter'} than the mother",
        )


def identical(a: Any, b: Any) -> bool:
    """Whether two pieces of plain data are the same, type for type, in the same order.

    Python's `==` calls true equal to 1 and 60 equal to 60.0, however a value
    arrived (written out, or repeated by an alias). marshal's version 2 format
    writes every value with its type and no back-references, so equal bytes
    mean identical data. Used only after `==` said equal: where the bytes
    differ, the walk looks closer.
    """
    return marshal.dumps(a, 2) == marshal.dumps(b, 2)


def _is_quantity(value: dict[str, Any]) -> bool:
    return (
        "value" in value
        and "unit" in value
        and isinstance(value["unit"], str)
        and (isinstance(value["value"], _NUMBER_TYPES) and not isinstance(value["value"], bool))
    )


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, _NUMBER_TYPES):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return "null"


def _strictly_equal(a: Any, b: Any) -> bool:
    """Equality that keeps true and 1 apart (60 and 60.0 stay equal)."""
    if _type_name(a) != _type_name(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_strictly_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_strictly_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _moved_items(
    mother: list[Any], child: list[Any], key: str, child_index: dict[Any, int]
) -> Iterator[Any]:
    """Ids of common items not on a longest run kept in the same relative order."""
    common = [item[key] for item in mother if item[key] in child_index]
    positions = [child_index[identifier] for identifier in common]
    if positions == sorted(positions):
        return
    # Longest increasing subsequence of child positions (patience sorting).
    tails: list[int] = []
    tail_index: list[int] = []
    previous = [-1] * len(positions)
    for i, position in enumerate(positions):
        slot = bisect.bisect_left(tails, position)
        if slot == len(tails):
            tails.append(position)
            tail_index.append(i)
        else:
            tails[slot] = position
            tail_index[slot] = i
        previous[i] = tail_index[slot - 1] if slot > 0 else -1
    kept: set[int] = set()
    cursor = tail_index[-1] if tail_index else -1
    while cursor != -1:
        kept.add(cursor)
        cursor = previous[cursor]
    for i, identifier in enumerate(common):
        if i not in kept:
            yield identifier


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}"


def _signed(value: float) -> str:
    return f"{value:+.6g}"
