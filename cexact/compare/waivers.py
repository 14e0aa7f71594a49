"""Approved deviations (waivers): loading, matching deviations, and each waiver's state.

A waiver names one child site of one line, the deviation path it covers, and
optionally the mother and child values it covers: a waiver for 130 -> 135 degC
does not cover 130 -> 140 degC. A covered deviation stays in every report,
marked with the waiver id, but no longer counts against the required stage.
An expired waiver covers nothing, and the deviations it would have covered
say so; so does a waiver before its approval date (the last of its approvals),
and one whose path names a deviation but whose values do not. A waiver that
matches no deviation is unused (stale).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from cexact.errors import ValidationFailed
from cexact.model import AppliedFile, Deviation, SourceLocation, WaiverMiss, WaiverMissReason
from cexact.recipe import units
from cexact.recipe.loader import LoadedDocument
from cexact.recipe.paths import PathPattern

DEFAULT_EXPIRING_WITHIN_DAYS = 30
WAIVER_FILE_NAME = "waivers.yaml"


class WaiverStatus(StrEnum):
    ACTIVE = "active"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    UNUSED = "unused"
    NOT_YET_APPROVED = "not-yet-approved"
    """Its approval date is still to come: it covers nothing yet."""


@dataclass(frozen=True, slots=True)
class Approval:
    name: str
    role: str
    date: str


@dataclass(frozen=True, slots=True)
class Waiver:
    """One approved deviation, as written in a waiver file."""

    id: str
    line: str
    site: str
    path: str
    ground: str
    reason: str | None
    change_request: str
    approvals: tuple[Approval, ...]
    expires: datetime.date
    location: SourceLocation
    justification: str = ""
    mother: Any = None
    child: Any = None
    has_mother_value: bool = False
    has_child_value: bool = False

    def applies_to(self, line_id: str, site: str) -> bool:
        return self.line == line_id and self.site == site

    def expired_on(self, today: datetime.date) -> bool:
        return self.expires < today

    @property
    def approved_on(self) -> datetime.date:
        """The date the last of its approvals was given: it is active from then."""
        return max(datetime.date.fromisoformat(a.date) for a in self.approvals)

    def approved_by(self, today: datetime.date) -> bool:
        return self.approved_on <= today

    def active_on(self, today: datetime.date) -> bool:
        return self.approved_by(today) and not self.expired_on(today)

    def names(self, deviation: Deviation) -> bool:
        """True when this waiver's path names `deviation` (its values aside)."""
        return PathPattern(self.path).matches(deviation.path)

    def matches(self, deviation: Deviation) -> bool:
        """True when this waiver's path and values describe `deviation`."""
        if not self.names(deviation):
            return False
        if self.has_mother_value and not values_match(self.mother, deviation.mother):
            return False
        return not (self.has_child_value and not values_match(self.child, deviation.child))

    def miss(self, reason: WaiverMissReason) -> WaiverMiss:
        """This waiver as the reason it does not cover a deviation it names."""
        return WaiverMiss(
            waiver=self.id,
            reason=reason,
            mother=self.mother,
            child=self.child,
            has_mother=self.has_mother_value,
            has_child=self.has_child_value,
            approved_on=self.approved_on.isoformat(),
        )


@dataclass(frozen=True, slots=True)
class WaiverOutcome:
    """What a waiver did in one comparison (or, with no recipes, by its dates)."""

    waiver: Waiver
    status: WaiverStatus
    covers: tuple[str, ...] = ()
    """Paths of the deviations it covers (for an expired one: would have covered)."""
    misses: tuple[str, ...] = ()
    """Paths of deviations it names by path but does not cover (other values, or
    not yet approved)."""


def values_match(expected: Any, actual: Any) -> bool:
    """Waiver value against deviation value: quantities compare with units."""
    if _is_quantity(expected) and _is_quantity(actual):
        try:
            converted = units.convert(expected["value"], expected["unit"], actual["unit"])
            if not units.close(converted, actual["value"]):
                return False
            if "tolerance" in expected:
                if "tolerance" not in actual:
                    return False
                tolerance = units.convert_interval(
                    expected["tolerance"], expected["unit"], actual["unit"]
                )
                return units.close(tolerance, actual["tolerance"])
        except units.UnitError:  # not convertible, or out of range in the deviation's unit
            return False
        return True
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return units.close(float(expected), float(actual))
    return bool(expected == actual)


def _is_quantity(value: Any) -> bool:
    return isinstance(value, dict) and "value" in value and "unit" in value


@dataclass(frozen=True, slots=True)
class WaiverFile:
    """One waiver file as read: which bytes, and the waivers in it."""

    file: AppliedFile
    waivers: tuple[Waiver, ...]


def read_waiver_file(path: Path) -> WaiverFile:
    """One waiver file; ValidationFailed with located findings if invalid."""
    from cexact.recipe.loader import load_file
    from cexact.recipe.validation import validate_document

    document = load_file(path)
    findings = validate_document(document, "waivers")
    if findings:
        raise ValidationFailed(f"{path} is not a valid waiver file", findings)
    return WaiverFile(AppliedFile(str(path), document.sha256), waivers_from_document(document))


def read_waiver_files(paths: Iterable[Path]) -> tuple[WaiverFile, ...]:
    return tuple(read_waiver_file(path) for path in paths)


def load_waiver_file(path: Path) -> tuple[Waiver, ...]:
    """Waivers from one file; ValidationFailed with located findings if invalid."""
    return read_waiver_file(path).waivers


def waivers_from_document(document: LoadedDocument) -> tuple[Waiver, ...]:
    waivers = []
    for index, raw in enumerate(document.data["waivers"]):
        line, column = document.position_of(("waivers", index)) or (1, 1)
        waivers.append(
            Waiver(
                id=raw["id"],
                line=raw["line"],
                site=raw["site"],
                path=raw["path"],
                ground=raw["ground"],
                reason=raw.get("reason"),
                change_request=raw["change_request"],
                approvals=tuple(
                    Approval(a["name"], a["role"], a["date"]) for a in raw["approved_by"]
                ),
                expires=datetime.date.fromisoformat(raw["expires"]),
                location=SourceLocation(document.source, line, column),
                justification=raw.get("justification", ""),
                mother=raw.get("mother"),
                child=raw.get("child"),
                has_mother_value="mother" in raw,
                has_child_value="child" in raw,
            )
        )
    return tuple(waivers)


def apply_waivers(
    deviations: Sequence[Deviation],
    waivers: Sequence[Waiver],
    *,
    line_id: str,
    site: str,
    today: datetime.date,
    expiring_within_days: int = DEFAULT_EXPIRING_WITHIN_DAYS,
) -> tuple[tuple[Deviation, ...], tuple[WaiverOutcome, ...]]:
    """Mark covered deviations, and say what each applicable waiver did.

    The first active waiver (in file order) that matches a deviation covers it.
    Deviations only an expired waiver matches name it in `expired_waiver`; an
    open deviation that a waiver names by path alone (other values), or that
    a waiver not yet approved would cover, says so in `waiver_miss`.
    """
    applicable = [w for w in waivers if w.applies_to(line_id, site)]
    covered: dict[str, list[str]] = {w.id: [] for w in applicable}
    missed: dict[str, list[str]] = {w.id: [] for w in applicable}
    marked = []
    for deviation in deviations:
        marked_deviation, waiver_id, covers = _waive(deviation, applicable, today)
        if waiver_id is not None:
            (covered if covers else missed)[waiver_id].append(deviation.path)
        marked.append(marked_deviation)
    outcomes = tuple(
        WaiverOutcome(
            waiver,
            status_by_date(waiver, today, expiring_within_days, used=bool(covered[waiver.id])),
            tuple(covered[waiver.id]),
            tuple(missed[waiver.id]),
        )
        for waiver in applicable
    )
    return tuple(marked), outcomes


def _waive(
    deviation: Deviation, applicable: Sequence[Waiver], today: datetime.date
) -> tuple[Deviation, str | None, bool]:
    """The deviation as the waivers leave it, the waiver that decided that, and
    whether it covers (or, expired, would have covered) the deviation."""
    matching = [w for w in applicable if w.matches(deviation)]
    active = next((w for w in matching if w.active_on(today)), None)
    if active is not None:
        return replace(deviation, waiver=active.id), active.id, True
    expired = next((w for w in matching if w.expired_on(today)), None)
    if expired is not None:
        return replace(deviation, expired_waiver=expired.id), expired.id, True
    early = next((w for w in matching if not w.approved_by(today)), None)
    if early is not None:
        miss = early.miss(WaiverMissReason.NOT_YET_APPROVED)
        return replace(deviation, waiver_miss=miss), early.id, False
    other_values = next(
        (w for w in applicable if w.active_on(today) and w.names(deviation)), None
    )
    if other_values is not None:
        miss = other_values.miss(WaiverMissReason.VALUES_DIFFER)
        return replace(deviation, waiver_miss=miss), other_values.id, False
    return deviation, None, False


def status_by_date(
    waiver: Waiver, today: datetime.date, expiring_within_days: int, *, used: bool = True
) -> WaiverStatus:
    if waiver.expired_on(today):
        return WaiverStatus.EXPIRED
    if not waiver.approved_by(today):
        return WaiverStatus.NOT_YET_APPROVED
    if not used:
        return WaiverStatus.UNUSED
    if (waiver.expires - today).days <= expiring_within_days:
        return WaiverStatus.EXPIRING
    return WaiverStatus.ACTIVE


def default_waiver_files(child_recipe: Path | None) -> list[Path]:
    """`waivers.yaml` beside the child recipe, when there is one."""
    if child_recipe is None:
        return []
    candidate = child_recipe.parent / WAIVER_FILE_NAME
    return [candidate] if candidate.is_file() else []
