"""Classified deviations kept in the parse cache: a repeated diff of unchanged files skips
loading both recipes and walking them.

What a comparison finds depends only on the two files' bytes, the project's
classification rules and cexact's own rules (the cache's fingerprint covers
those): it is stored under a key made of exactly these. Waivers, the required
stage and today's date are applied afresh every time, and a comparison with
measured outputs is never stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cexact.model import Deviation, DeviationKind, Severity, SourceLocation, Stage

if TYPE_CHECKING:
    from cexact.compare.policy import Policy

KIND = "comparison"
_MOTHER, _CHILD = 0, 1


def comparison_key(mother_sha256: str, child_sha256: str, policy: Policy) -> str:
    rules = "\x00".join(f"{rule.pattern}\x01{rule.stage}" for rule in policy.rules)
    text = f"{mother_sha256}\x00{child_sha256}\x00{rules}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class StoredComparison:
    """What the comparison of two recipes found, and the two `line` headers it needs."""

    mother_line: dict[str, Any]
    child_line: dict[str, Any]
    deviations: tuple[Deviation, ...]
    """Classified and ordered, with no waiver or gate applied."""


def pack(comparison: StoredComparison, mother_source: str, child_source: str) -> tuple[Any, ...]:
    """Plain, marshal-able data; locations keep which side they are on, not a file name."""

    def side(location: SourceLocation | None) -> tuple[int, int, int] | None:
        if location is None:
            return None
        which = _MOTHER if location.file == mother_source else _CHILD
        return (which, location.line, location.column)

    return (
        comparison.mother_line,
        comparison.child_line,
        tuple(
            (d.path, d.kind.value, d.stage.value, d.severity.value, d.mother, d.child,
             side(d.mother_location), side(d.child_location), d.step, d.detail)
            for d in comparison.deviations
        ),
    )  # fmt: skip


def unpack(value: Any, mother_source: str, child_source: str) -> StoredComparison | None:
    """The stored comparison, its locations named after this run's files; None if `value`
    is not what `pack` makes."""
    try:
        mother_line, child_line, rows = value
        if not (is_line_header(mother_line) and is_line_header(child_line)):
            return None
        files = (mother_source, child_source)

        def located(side: Any) -> SourceLocation | None:
            if side is None:
                return None
            which, line, column = side
            return SourceLocation(files[which], int(line), int(column))

        deviations = tuple(
            Deviation(
                path=str(path),
                kind=DeviationKind(kind),
                stage=Stage(stage),
                severity=Severity(severity),
                mother=mother,
                child=child,
                mother_location=located(mother_at),
                child_location=located(child_at),
                step=None if step is None else str(step),
                detail=str(detail),
            )
            for (path, kind, stage, severity, mother, child, mother_at, child_at, step,
                 detail) in rows
        )  # fmt: skip
    except (TypeError, ValueError, IndexError):
        return None
    return StoredComparison(mother_line, child_line, deviations)


def is_line_header(value: Any) -> bool:
    """A valid recipe's `line` header: what results are made of."""
    return isinstance(value, dict) and all(
        isinstance(value.get(key), str) for key in ("id", "site", "role", "version")
    )
