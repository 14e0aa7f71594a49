"""The core model: transfer stages and findings, as frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.where}: error: {self.message} ({self.rule})"
