"""What `cexact adopt` did: one frozen result per child, and one for the run."""

from __future__ import annotations

from dataclasses import dataclass

from cexact.commands.adopt_merge import ADOPTED, CONFLICT, TAKEN, AdoptItem


@dataclass(frozen=True, slots=True)
class ChildAdoption:
    """One child recipe: the mother's changes since its transfer, and what was written."""

    path: str
    line_id: str
    site: str
    mother_path: str
    from_version: str
    """The mother version the child was transferred from (its line.mother.version)."""
    to_version: str
    """The mother version adopted (the mother now, or at --to)."""
    items: tuple[AdoptItem, ...]
    diff: str
    """A unified diff of the child file, before -> after ('' when nothing changes)."""
    written: bool
    """Whether the file was rewritten (not on a dry run, nor with --no-partial and conflicts)."""
    commit: str | None = None
    """The commit that records the adoption (--commit)."""
    notes: tuple[str, ...] = ()

    @property
    def adopted(self) -> tuple[AdoptItem, ...]:
        return tuple(item for item in self.items if item.status == ADOPTED)

    @property
    def taken(self) -> tuple[AdoptItem, ...]:
        return tuple(item for item in self.items if item.status == TAKEN)

    @property
    def conflicts(self) -> tuple[AdoptItem, ...]:
        return tuple(item for item in self.items if item.status == CONFLICT)

    @property
    def up_to_date(self) -> bool:
        """The child was already transferred from the version adopted: nothing to do."""
        return self.from_version == self.to_version and not self.diff


@dataclass(frozen=True, slots=True)
class AdoptResult:
    """The one result of `cexact adopt`: every child it adopted into."""

    children: tuple[ChildAdoption, ...]
    dry_run: bool
    partial: bool
    """Whether a child with conflicts still takes the rest (not --no-partial)."""
    branch: str | None = None
    """The branch the commits are on (--commit)."""

    @property
    def complete(self) -> bool:
        """Everything the mother changed was adopted or already taken: no conflict left."""
        return not any(child.conflicts for child in self.children)


__all__ = ["AdoptResult", "ChildAdoption"]
