"""`cexact impact`'s result: each child before and after a proposed mother, as frozen values.

The verdicts come from the two `DiffResult`s of each child (the gate lives in
`cexact.compare.gate`); this module only joins them: which mother changes the
child still has to take, which deviations disappear or appear, which waivers
stop matching, and whose verdict flips. Renderers present these values.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from enum import StrEnum

from cexact.commands.check import FleetReport
from cexact.commands.diff import DiffResult, RecipeSummary
from cexact.commands.fleet_sites import UncomparedSite
from cexact.compare import gate
from cexact.compare.waivers import WaiverStatus
from cexact.model import Deviation, Stage


class ChangeStatus(StrEnum):
    """What one mother change (current -> proposed) asks of one child."""

    TAKEN = "taken"
    """The child already has what the proposed mother has there."""
    PENDING = "pending"
    """The child would have to adopt it."""
    WAIVED = "waived"
    """The child differs there, but an active waiver covers the difference."""


@dataclass(frozen=True, slots=True)
class ChildChange:
    """One mother change, judged for one child against its required stage."""

    change: Deviation
    """The change, `mother` = the current mother's value, `child` = the proposed one's."""
    status: ChangeStatus
    keeps_stage: bool
    """Whether the child must adopt it to keep the stage it achieves today."""


class WaiverEffect(StrEnum):
    STOPS_MATCHING = "stops-matching"
    """It covered a deviation whose mother value the proposal changes: it no longer does."""
    BECOMES_UNUSED = "becomes-unused"
    """It covered deviations today and none under the proposal (the mother moves to the child)."""


@dataclass(frozen=True, slots=True)
class WaiverChange:
    waiver: str
    effect: WaiverEffect
    before: WaiverStatus
    after: WaiverStatus
    paths: tuple[str, ...]
    """The deviation paths it covers today and would not cover."""


class Verdict(StrEnum):
    """How a child's gate verdict changes under the proposal."""

    STILL_PASSING = "still-passing"
    NEWLY_FAILING = "newly-failing"
    """It passes today and would fail: the proposal breaks it (exit 1)."""
    NEWLY_PASSING = "newly-passing"
    STILL_FAILING = "still-failing"
    """It fails today already: not the proposal's doing."""

    @classmethod
    def of(cls, before: bool, after: bool) -> Verdict:
        if before:
            return cls.STILL_PASSING if after else cls.NEWLY_FAILING
        return cls.NEWLY_PASSING if after else cls.STILL_FAILING

    @property
    def flips(self) -> bool:
        return self in (Verdict.NEWLY_FAILING, Verdict.NEWLY_PASSING)

    @property
    def label(self) -> str:
        """In words, for every human format."""
        return _VERDICT_LABELS[self]

    @property
    def verdicts(self) -> tuple[str, str]:
        """(today, under the proposal): PASS or FAIL each."""
        return _PASS_FAIL[self]


_VERDICT_LABELS = {
    Verdict.STILL_PASSING: "still passes",
    Verdict.NEWLY_FAILING: "newly fails: the proposal breaks it",
    Verdict.NEWLY_PASSING: "newly passes",
    Verdict.STILL_FAILING: "fails today already (not the proposal's doing)",
}
_PASS_FAIL = {
    Verdict.STILL_PASSING: ("PASS", "PASS"),
    Verdict.NEWLY_FAILING: ("PASS", "FAIL"),
    Verdict.NEWLY_PASSING: ("FAIL", "PASS"),
    Verdict.STILL_FAILING: ("FAIL", "FAIL"),
}


@dataclass(frozen=True, slots=True)
class ChildImpact:
    """One child site against the current mother (`before`) and the proposed one (`after`)."""

    before: DiffResult
    after: DiffResult
    changes: tuple[ChildChange, ...]
    disappearing: tuple[Deviation, ...]
    """Deviations of today that the proposal removes (the mother moves to the child)."""
    appearing: tuple[Deviation, ...]
    """Deviations the proposal adds."""
    waiver_changes: tuple[WaiverChange, ...]

    @property
    def site(self) -> str:
        return self.before.child.site

    @property
    def verdict(self) -> Verdict:
        return Verdict.of(self.before.passed, self.after.passed)

    @property
    def pending(self) -> tuple[ChildChange, ...]:
        return tuple(c for c in self.changes if c.status is ChangeStatus.PENDING)

    @property
    def to_keep_stage(self) -> tuple[ChildChange, ...]:
        """The changes it must adopt to keep the stage it achieves today."""
        return tuple(c for c in self.changes if c.keeps_stage)


@dataclass(frozen=True, slots=True)
class StageFlips:
    """One stage across the fleet: how many children meet it today and under the
    proposal, and which children required to meet it flip."""

    stage: Stage
    meeting_before: int
    meeting_after: int
    newly_failing: tuple[str, ...]
    """Sites whose required stage this is, that pass today and would fail."""
    newly_passing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ImpactResult:
    """The one result of `cexact impact`."""

    line_id: str
    current: RecipeSummary
    proposed: RecipeSummary
    mother_changes: tuple[Deviation, ...]
    """What the proposal changes in the mother, classified as `drift` classifies."""
    children: tuple[ChildImpact, ...]
    not_compared: tuple[UncomparedSite, ...]
    """Children of the line that cannot be compared (an invalid recipe)."""
    fleet: FleetReport
    """The fleet as `check` sees it today: every file under the folder, validated, and
    the checks of the proposal's line (other lines are not compared)."""
    today: datetime.date
    notes: tuple[str, ...] = ()

    @property
    def newly_failing(self) -> tuple[ChildImpact, ...]:
        return tuple(c for c in self.children if c.verdict is Verdict.NEWLY_FAILING)

    @property
    def newly_passing(self) -> tuple[ChildImpact, ...]:
        return tuple(c for c in self.children if c.verdict is Verdict.NEWLY_PASSING)

    @property
    def passed(self) -> bool:
        """No child that passes its gate today fails it under the proposal."""
        return not self.newly_failing

    @property
    def summary(self) -> str:
        """The verdict in words, for every format (`PASS`/`FAIL` goes before it)."""
        broken, count = self.newly_failing, len(self.children)
        if broken:
            text = f"the proposal breaks {len(broken)} of {count} child site(s): "
            text += ", ".join(c.site for c in broken)
        else:
            text = f"the proposal breaks none of {count} child site(s)"
        if self.newly_passing:
            fixed = self.newly_passing
            text += f"; {len(fixed)} newly pass: {', '.join(c.site for c in fixed)}"
        still = sum(1 for c in self.children if c.verdict is Verdict.STILL_FAILING)
        if still:
            text += f"; {still} fail today already"
        return text

    @property
    def stage_flips(self) -> tuple[StageFlips, ...]:
        """Per stage: children meeting it before and after; flips by required stage."""
        return tuple(
            StageFlips(
                stage,
                sum(1 for c in self.children if gate.meets(c.before.achieved, stage)),
                sum(1 for c in self.children if gate.meets(c.after.achieved, stage)),
                self._sites(stage, Verdict.NEWLY_FAILING),
                self._sites(stage, Verdict.NEWLY_PASSING),
            )
            for stage in Stage.ordered()
        )

    def _sites(self, required: Stage, verdict: Verdict) -> tuple[str, ...]:
        return tuple(
            c.site for c in self.children if c.verdict is verdict and c.after.required is required
        )

    def proposed_view(self) -> FleetReport:
        """The line's children as they would be under the proposal, as a fleet report.

        The CI formats (JUnit, SARIF, GitHub annotations, GitLab Code Quality)
        present impact through this view: every child against the proposed
        mother, each row noting how its verdict changes.
        """
        checks = tuple(
            replace(child.after, notes=(_verdict_note(child, self.proposed), *child.after.notes))
            for child in self.children
        )
        line_files = {child.before.child.path for child in self.children} | {
            site.path for site in self.not_compared
        }
        return replace(
            self.fleet,
            checks=checks,
            uncompared=self.not_compared,
            problems=tuple(p for p in self.fleet.problems if p.file in line_files),
            waivers=tuple(o for child in checks for o in child.waivers),
        )


def _verdict_note(child: ChildImpact, proposed: RecipeSummary) -> str:
    today, after = child.verdict.verdicts
    return (
        f"impact of {proposed.path} (version {proposed.version}): {child.site} "
        f"{today} today, {after} under the proposal; {child.verdict.label}"
    )


__all__ = [
    "ChangeStatus",
    "ChildChange",
    "ChildImpact",
    "ImpactResult",
    "StageFlips",
    "Verdict",
    "WaiverChange",
    "WaiverEffect",
]
