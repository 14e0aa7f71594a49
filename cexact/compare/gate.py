"""The gate: which deviations count against a child's required stage, and what it achieves.

This module is the one home of the rule. A deviation *blocks* the gate when no
active waiver covers it and its stage is at or below the required one; a
child *achieves* the highest stage with no open deviation at it or below (the
stages are cumulative). Results carry these verdicts; renderers present them
and never compare stages themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from cexact.model import Deviation, GateStatus, Stage


def gate_status(deviation: Deviation, required: Stage) -> GateStatus:
    """The rule: waived never gates; open gates at or below the required stage."""
    if deviation.waived:
        return GateStatus.WAIVED
    if deviation.stage.rank <= required.rank:
        return GateStatus.BLOCKING
    return GateStatus.NOT_REQUIRED


def judge(deviations: Iterable[Deviation], required: Stage) -> tuple[Deviation, ...]:
    """The deviations, each with its gate status against `required`."""
    judged = []
    for deviation in deviations:
        status = gate_status(deviation, required)
        judged.append(deviation if deviation.gate is status else replace(deviation, gate=status))
    return tuple(judged)


def achieved_stage(deviations: Iterable[Deviation]) -> Stage | None:
    """The highest stage with no open deviation at it or below; None if make-it-work fails."""
    blocking = {d.stage for d in deviations if not d.waived}
    achieved: Stage | None = None
    for stage in Stage.ordered():
        if stage in blocking:
            break
        achieved = stage
    return achieved


def meets(achieved: Stage | None, required: Stage) -> bool:
    """Whether a child that achieves `achieved` passes a gate at `required`."""
    return achieved is not None and achieved.rank >= required.rank


def lowers(stage: Stage, achieved: Stage | None) -> bool:
    """Whether an open deviation at `stage` would take a child below the stage it achieves."""
    return achieved is not None and stage.rank <= achieved.rank


class StageState(StrEnum):
    """One stage of one child site, as the fleet matrix shows it."""

    MET = "met"
    """No open deviation at this stage or below: the child achieves it."""
    OPEN = "open"
    """Open deviations of its own, at a stage the child must meet."""
    OPEN_NOT_REQUIRED = "open-not-required"
    """Open deviations of its own, above the required stage."""
    NOT_REACHED = "not-reached"
    """None of its own, but a lower stage has open deviations."""


@dataclass(frozen=True, slots=True)
class StageCount:
    """One stage of one child: its own open and waived deviations, and its state."""

    stage: Stage
    open: int
    waived: int
    state: StageState
    required: bool
    """Whether the child must meet this stage (it is at or below the required one)."""

    @property
    def failing(self) -> bool:
        """Whether this stage is part of why the child fails its gate."""
        return self.required and self.state is not StageState.MET


def stage_counts(
    deviations: Sequence[Deviation], required: Stage, achieved: Stage | None
) -> tuple[StageCount, ...]:
    """Per stage, in order: open and waived deviations of its own, and its state."""
    counts = []
    for stage in Stage.ordered():
        own = [d for d in deviations if d.stage is stage]
        waived = sum(1 for d in own if d.waived)
        open_ = len(own) - waived
        is_required = stage.rank <= required.rank
        if open_:
            state = StageState.OPEN if is_required else StageState.OPEN_NOT_REQUIRED
        elif achieved is not None and stage.rank <= achieved.rank:
            state = StageState.MET
        else:
            state = StageState.NOT_REACHED
        counts.append(StageCount(stage, open_, waived, state, is_required))
    return tuple(counts)


def lowest(stages: Iterable[Stage | None]) -> Stage | None:
    """The least demanding of some achieved stages (None, failing make-it-work, is lowest)."""
    return min(stages, key=lambda stage: stage.rank if stage is not None else 0, default=None)


def highest(stages: Iterable[Stage]) -> Stage | None:
    """The most demanding of some stages."""
    return max(stages, key=lambda stage: stage.rank, default=None)
