"""Keyed lists in `cexact adopt`: items added, removed and moved by id, and the data they give.

A list's adopted changes are gathered per list, then placed at once: every
item the mother added or moved goes right after its nearest predecessor in
the mother's list that the child keeps in place (before the first item when
there is none), items with the same predecessor in the mother's order. The
same rule places them in the text (`cexact.recipe.edit.Arrange`) and in the
data (`apply_edits`), so the edited file can be checked against the data.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cexact.compare.differ import _moved_items
from cexact.recipe.edit import AddKey, Arrange, Edit, Insert, RemoveKey, SetValue
from cexact.recipe.locations import PathKey


@dataclass(frozen=True, slots=True)
class Place:
    """A readable path resolved in one document: the raw path, or None where it is absent."""

    raw: PathKey | None
    value: Any = None


@dataclass
class ListPlan:
    """The adopted changes to one keyed list of the child."""

    child_path: PathKey
    mother_path: PathKey
    child: list[Any]
    mother: list[Any]
    key: str
    removed: set[int] = field(default_factory=set)
    """Child indices."""
    added: set[int] = field(default_factory=set)
    """Mother indices."""
    moved: set[int] = field(default_factory=set)
    """Child indices."""

    def remove(self, index: str | int) -> None:
        assert isinstance(index, int)
        self.removed.add(index)

    def add(self, index: str | int) -> None:
        assert isinstance(index, int)
        self.added.add(index)

    def move(self, index: str | int) -> None:
        assert isinstance(index, int)
        self.moved.add(index)

    def sync_all(self, sync: Callable[[Any, Any], None]) -> None:
        """Make the whole list the mother's: items by id, then the mother's order."""
        key = self.key
        child_index = {item[key]: i for i, item in enumerate(self.child)}
        mother_ids = {item[key] for item in self.mother}
        for m, item in enumerate(self.mother):
            c = child_index.get(item[key])
            if c is None:
                self.added.add(m)
            else:
                sync(
                    Place((*self.child_path, c), self.child[c]), Place((*self.mother_path, m), item)
                )
        self.removed |= {i for i, item in enumerate(self.child) if item[key] not in mother_ids}
        for identifier in _moved_items(self.mother, self.child, key, child_index):
            self.moved.add(child_index[identifier])

    def arrange(self) -> Arrange:
        key = self.key
        child_index = {item[key]: i for i, item in enumerate(self.child)}
        kept = {i for i in range(len(self.child)) if i not in self.removed | self.moved}
        inserts: list[Insert] = []
        for m, item in enumerate(self.mother):
            c = child_index.get(item[key])
            if m in self.added:
                placed = Insert(
                    self._anchor(m, kept), None, copy.deepcopy(item), (*self.mother_path, m)
                )
            elif c is not None and c in self.moved:
                placed = Insert(self._anchor(m, kept), c)
            else:
                continue
            inserts.append(placed)
        return Arrange(self.child_path, tuple(sorted(self.removed)), tuple(inserts))

    def _anchor(self, mother_index: int, kept: set[int]) -> int | None:
        child_index = {item[self.key]: i for i, item in enumerate(self.child)}
        for item in reversed(self.mother[:mother_index]):
            c = child_index.get(item[self.key])
            if c is not None and c in kept:
                return c
        return None


def apply_edits(child: Any, mother: Any, edits: Sequence[Edit]) -> Any:
    """The child's data with `edits` made, as the edited text must read back.

    Values and keys first (they change no list index), then lists, the
    deepest first, so every path still points where it pointed when planned.
    """
    data = copy.deepcopy(child)
    for edit in edits:
        if isinstance(edit, SetValue):
            parent = _at(data, edit.path[:-1])
            parent[edit.path[-1]] = copy.deepcopy(edit.value)
        elif isinstance(edit, AddKey):
            _at(data, edit.mapping)[edit.key] = copy.deepcopy(edit.value)
        elif isinstance(edit, RemoveKey):
            del _at(data, edit.mapping)[edit.key]
    arranges = [edit for edit in edits if isinstance(edit, Arrange)]
    for edit in sorted(arranges, key=lambda e: -len(e.sequence)):
        items: list[Any] = _at(data, edit.sequence)
        items[:] = _arranged(items, edit)
    return data


def _arranged(items: list[Any], edit: Arrange) -> list[Any]:
    moved = {insert.child_item for insert in edit.inserts if insert.child_item is not None}
    groups: dict[int | None, list[Any]] = {}
    for insert in edit.inserts:
        value = items[insert.child_item] if insert.child_item is not None else insert.value
        groups.setdefault(insert.after, []).append(copy.deepcopy(value))
    out = list(groups.get(None, []))
    for index, item in enumerate(items):
        if index in moved or index in edit.removed:
            out.extend(groups.get(index, []))
            continue
        out.append(item)
        out.extend(groups.get(index, []))
    return out


def _at(data: Any, path: PathKey) -> Any:
    for part in path:
        data = data[part]
    return data
