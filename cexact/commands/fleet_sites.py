"""The child sites of a fleet that keep their row without being compared, and why.

A check (and an impact) shows every child it found: one that could not be
compared with its mother (its recipe is invalid, its line has no mother or
several) is an `UncomparedSite` row, which never passes. Kept apart from the
pairing and diffing so that the renderers can name these rows without
importing the fleet machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NotCompared(StrEnum):
    """Why a child site of the fleet was not compared with its mother."""

    INVALID = "invalid"
    """The child's own recipe is invalid."""
    NO_MOTHER = "no-mother"
    """No recipe under the folder is its line's mother."""
    MOTHER_INVALID = "mother-invalid"
    """Its line's mother recipe is invalid."""
    SEVERAL_MOTHERS = "several-mothers"
    """More than one recipe claims to be its line's mother."""


@dataclass(frozen=True, slots=True)
class UncomparedSite:
    """A child site that keeps its row in the fleet, though it was not compared."""

    line_id: str
    site: str
    path: str
    reason: NotCompared
    errors: int = 0
    """How many errors its own recipe has (for INVALID)."""
    mother: str = ""
    """The mother recipe it would be compared with (for MOTHER_INVALID)."""

    @property
    def passed(self) -> bool:
        return False


__all__ = ["NotCompared", "UncomparedSite"]
