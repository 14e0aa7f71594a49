"""What the differ records: where it is in both documents, and what it found there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cexact.model import DeviationKind, Severity
from cexact.recipe.annotations import AnnotatedNode
from cexact.recipe.locations import PathKey
from cexact.recipe.paths import item_segment, join_key


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


@dataclass(frozen=True, slots=True)
class Place:
    """Where the walk is: the readable path, and the raw path into each document.

    A side's raw path is None where that side has nothing (an added or removed
    item).
    """

    path: str
    mother: PathKey | None
    child: PathKey | None

    def key(self, key: str) -> Place:
        """The place of mapping key `key` below this one, on both sides."""
        return Place(
            join_key(self.path, key),
            None if self.mother is None else (*self.mother, key),
            None if self.child is None else (*self.child, key),
        )

    def item(self, identifier: object, mother: int | None, child: int | None) -> Place:
        """The place of a keyed list's item, at index `mother` / `child` on each side."""
        return Place(
            self.path + item_segment(identifier),
            None if self.mother is None or mother is None else (*self.mother, mother),
            None if self.child is None or child is None else (*self.child, child),
        )

    def mother_only(self) -> Place:
        return Place(self.path, self.mother, None)

    def child_only(self) -> Place:
        return Place(self.path, None, self.child)


ROOT = Place("", (), ())


@dataclass(frozen=True, slots=True)
class Change:
    """What the walk found at one place, before it becomes a `Difference`."""

    place: Place
    kind: DeviationKind
    node: AnnotatedNode
    mother: Any
    child: Any
    severity: Severity = Severity.MAJOR
    detail: str = ""
