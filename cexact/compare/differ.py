"""The semantic diff: a keyed walk of two recipes beside their schema annotations.

Lists with a key annotation are matched by id, never by position; an ordered
list (the process flow) reports each moved item once, by a longest increasing
subsequence, instead of a cascade of changed fields. Numbers compare by value
(60 == 60.0, but never true == 1); quantities and output specs compare after
unit conversion (see `cexact.compare.quantities`). Each difference carries the
stage annotation of where it was found; classification (with the project
policy) happens afterwards.
"""

from __future__ import annotations

import bisect
import marshal
from collections.abc import Iterator
from typing import Any

from cexact.compare import quantities
from cexact.compare.changes import ROOT, Change, Difference, Place
from cexact.model import DeviationKind
from cexact.recipe.annotations import AnnotatedNode

_NUMBER_TYPES = (int, float)


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
        self.walk(mother, child, self.schema, ROOT)
        return self.differences

    def emit(self, change: Change) -> None:
        self.differences.append(
            Difference(
                path=change.place.path or "(recipe)",
                kind=change.kind,
                stage=change.node.stage,
                severity=change.severity,
                mother=change.mother,
                child=change.child,
                mother_path=change.place.mother,
                child_path=change.place.child,
                step=self._step,
                order=self._order,
                detail=change.detail,
            )
        )

    # --- the walk -------------------------------------------------------------

    def walk(self, mother: Any, child: Any, node: AnnotatedNode, at: Place) -> None:
        if (
            type(mother) is type(child)
            and isinstance(mother, (dict, list))
            and mother == child
            and identical(mother, child)
        ):
            return  # the same data, with no true == 1 or 60 == 60.0 hiding below
        if isinstance(mother, dict) and isinstance(child, dict):
            self._mapping_pair(mother, child, node, at)
        elif isinstance(mother, list) and isinstance(child, list):
            if node.list_key is not None:
                self._keyed_list(mother, child, node, at)
            elif not _strictly_equal(mother, child):
                self.emit(Change(at, DeviationKind.CHANGED, node, mother, child))
        elif type_name(mother) != type_name(child):
            detail = f"{type_name(mother)} -> {type_name(child)}"
            self.emit(Change(at, DeviationKind.TYPE_CHANGED, node, mother, child, detail=detail))
        elif mother != child:
            self.emit(Change(at, DeviationKind.CHANGED, node, mother, child))

    def _mapping_pair(
        self, mother: dict[str, Any], child: dict[str, Any], node: AnnotatedNode, at: Place
    ) -> None:
        comparison = node.comparison_for(mother)
        if comparison is None and node.free_form:
            # Where the schema says nothing, a quantity is a quantity by its shape.
            comparison = quantities.shape_of(mother, child)
        if comparison == "quantity" and quantities.is_quantity(mother):
            if quantities.is_quantity(child):
                quantities.compare_quantities(self, mother, child, node, at)
                return
        elif comparison == "spec":
            quantities.compare_specs(self, mother, child, node, at)
            return
        self.mapping(mother, child, node, at)

    def mapping(
        self, mother: dict[str, Any], child: dict[str, Any], node: AnnotatedNode, at: Place
    ) -> None:
        """Key by key: removed, added, and the common keys walked."""
        for key, mother_value in mother.items():
            sub, place = node.child(key), at.key(key)
            if key in child:
                self.walk(mother_value, child[key], sub, place)
            else:
                self.emit(
                    Change(place.mother_only(), DeviationKind.REMOVED, sub, mother_value, None)
                )
        for key, child_value in child.items():
            if key not in mother:
                place = at.key(key).child_only()
                self.emit(Change(place, DeviationKind.ADDED, node.child(key), None, child_value))

    def _keyed_list(
        self, mother: list[Any], child: list[Any], node: AnnotatedNode, at: Place
    ) -> None:
        key = node.list_key
        assert key is not None
        item_node = node.item()
        # The top-level ordered list is the process flow: its items are the steps
        # that deviations are grouped and ordered by.
        is_process_flow = node.ordered and at.mother is not None and len(at.mother) == 1
        mother_index = {item[key]: i for i, item in enumerate(mother)}
        child_index = {item[key]: i for i, item in enumerate(child)}
        saved_step, saved_order = self._step, self._order
        for i, item in enumerate(mother):
            identifier = item[key]
            if is_process_flow:
                self._step, self._order = identifier, i
            j = child_index.get(identifier)
            place = at.item(identifier, i, j)
            if j is None:
                detail = f"position {i + 1} at the mother" if node.ordered else ""
                self.emit(Change(place, DeviationKind.REMOVED, node, item, None, detail=detail))
            else:
                self.walk(item, child[j], item_node, place)
        for j, item in enumerate(child):
            identifier = item[key]
            if identifier not in mother_index:
                if is_process_flow:
                    self._step, self._order = identifier, len(mother) + j
                detail = f"position {j + 1} at the child" if node.ordered else ""
                place = at.item(identifier, None, j)
                self.emit(Change(place, DeviationKind.ADDED, node, None, item, detail=detail))
        if node.ordered:
            for identifier in _moved_items(mother, child, key, child_index):
                i, j = mother_index[identifier], child_index[identifier]
                if is_process_flow:
                    self._step, self._order = identifier, i
                self.emit(
                    Change(
                        at.item(identifier, i, j),
                        DeviationKind.MOVED,
                        node,
                        i + 1,
                        j + 1,
                        detail="moved in the process flow",
                    )
                )
        self._step, self._order = saved_step, saved_order


def identical(a: Any, b: Any) -> bool:
    """Whether two pieces of plain data are the same, type for type, in the same order.

    Python's `==` calls true equal to 1 and 60 equal to 60.0, however a value
    arrived (written out, or repeated by an alias). marshal's version 2 format
    writes every value with its type and no back-references, so equal bytes
    mean identical data. Used only after `==` said equal: where the bytes
    differ, the walk looks closer.
    """
    return marshal.dumps(a, 2) == marshal.dumps(b, 2)


def type_name(value: Any) -> str:
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
    if type_name(a) != type_name(b):
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
