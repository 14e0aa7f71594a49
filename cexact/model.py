"""The core model: transfer stages and findings, as frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cexact.errors import format_where


class Stage(StrEnum):
    """Intel's Copy EXACTLY! transfer stages, from least to most demanding."""

    MAKE_IT_WORK = "make-it-work"
    PROCESS_OUTPUT_MATCHING = "process-output-matching"
    COPY_EXACTLY = "copy-exactly"
    SYSTEM_SYNERGY = "system-synergy"

    @property
    def rank(self) -> int:
        return _STAGE_ORDER.index(self) + 1

    @property
    def display_name(self) -> str:
        return _STAGE_TITLES[self]

    @classmethod
    def ordered(cls) -> tuple[Stage, ...]:
        return _STAGE_ORDER


_STAGE_ORDER = (
    Stage.MAKE_IT_WORK,
    Stage.PROCESS_OUTPUT_MATCHING,
    Stage.COPY_EXACTLY,
    Stage.SYSTEM_SYNERGY,
)
_STAGE_TITLES = {
    Stage.MAKE_IT_WORK: "Make it work",
    Stage.PROCESS_OUTPUT_MATCHING: "Process Output Matching",
    Stage.COPY_EXACTLY: "Copy Exactly",
    Stage.SYSTEM_SYNERGY: "System Synergy",
}

NOT_COMPARED = "not-compared"
"""The stage annotation for identity and bookkeeping fields."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in one input file, at a place in it."""

    file: str
    line: int | None
    column: int | None
    message: str
    rule: str
    path: str = ""
    level: str = "error"
    """`error` (the file is invalid) or `warning` (worth a look; the file is valid)."""

    @property
    def where(self) -> str:
        return format_where(self.file, self.line, self.column)

    def __str__(self) -> str:
        return f"{self.where}: {self.level}: {self.message} ({self.rule})"


class DeviationKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    MOVED = "moved"
    TYPE_CHANGED = "type-changed"


class Severity(StrEnum):
    MAJOR = "major"
    MINOR = "minor"


class GateStatus(StrEnum):
    """What a deviation means for the child's gate (decided in `cexact.compare.gate`)."""

    BLOCKING = "blocking"
    """Open, at or below the required stage: the child fails its gate."""
    NOT_REQUIRED = "not-required"
    """Open, above the required stage: reported, not gating."""
    WAIVED = "waived"
    """Covered by an active waiver: reported, never gating."""


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where a value is written: a file and a 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class AppliedFile:
    """A project or waiver file a comparison applied: its path and the sha256 of its bytes."""

    path: str
    sha256: str


class WaiverMissReason(StrEnum):
    """Why a waiver written for a deviation's path does not cover it."""

    VALUES_DIFFER = "values-differ"
    """The waiver names other mother or child values than the deviation has."""
    NOT_YET_APPROVED = "not-yet-approved"
    """The waiver's approval date is still to come."""


@dataclass(frozen=True, slots=True)
class WaiverMiss:
    """A waiver whose path names a deviation but which does not cover it, and why.

    `mother` and `child` are the values the waiver covers (`has_mother` and
    `has_child` say whether it names them at all).
    """

    waiver: str
    reason: WaiverMissReason
    mother: object = None
    child: object = None
    has_mother: bool = False
    has_child: bool = False
    approved_on: str = ""
    """The date the waiver becomes active (the last of its approvals)."""


@dataclass(frozen=True, slots=True)
class Deviation:
    """One way a child departs from its mother line.

    `path` is readable and stable (list items by id): for example
    `steps[coating].equipment[coater-1].software`. `mother` and `child` are the
    values on each side (None where the side has none).
    """

    path: str
    kind: DeviationKind
    stage: Stage
    severity: Severity
    mother: object
    child: object
    mother_location: SourceLocation | None
    child_location: SourceLocation | None
    step: str | None = None
    detail: str = ""
    waiver: str | None = None
    """The active waiver that covers this deviation, if any."""
    expired_waiver: str | None = None
    """An expired waiver that would have covered it (it no longer does)."""
    waiver_miss: WaiverMiss | None = None
    """A waiver for its path that does not cover it (other values, not yet approved)."""
    gate: GateStatus | None = None
    """What it means for the gate; None until judged against a required stage."""

    @property
    def waived(self) -> bool:
        return self.waiver is not None

    @property
    def blocking(self) -> bool:
        """Whether this deviation fails the child's gate."""
        return self.gate is GateStatus.BLOCKING
