"""`cexact impact`'s core: what a proposed mother recipe would do to every child of its line.

The fleet is checked as `check` checks it (same discovery, project files,
waivers, required stage per site) and, in the same run, each valid child of
the proposal's line is compared with the proposed mother too. The mother's
changes (current -> proposed) are classified exactly as `drift` classifies a
mother's changes, and each is *taken* by a child that already has the
proposed value there, *waived* where an active waiver covers the difference,
else *pending*. Returns one `ImpactResult`.

A child that fails its gate today and still fails is not the proposal's
doing: only a child that passes today and would fail fails the impact.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from pathlib import Path

from cexact.commands.check import (
    FleetOptions,
    FleetReport,
    ProposedMother,
    check_fleet_against,
)
from cexact.commands.diff import DiffResult, RecipeSummary, compare_documents
from cexact.commands.drift import _touches as touches
from cexact.commands.fleet_pairs import ProgressCallback
from cexact.commands.impact_results import (
    ChangeStatus,
    ChildChange,
    ChildImpact,
    ImpactResult,
    WaiverChange,
    WaiverEffect,
)
from cexact.compare import gate
from cexact.compare.policy import Policy, find_policy
from cexact.compare.waivers import DEFAULT_EXPIRING_WITHIN_DAYS, WaiverOutcome, WaiverStatus
from cexact.errors import InputError, UsageError
from cexact.model import Deviation, Stage
from cexact.recipe.cache import ParseCache
from cexact.recipe.git_source import RecipeSource
from cexact.recipe.loader import DEFAULT_LIMITS, LoadLimits, read_source_bytes
from cexact.recipe.reading import load_recipe_source


def compute_impact(
    proposed: RecipeSource,
    root: Path,
    *,
    policy: Policy | None = None,
    required: Stage | None = None,
    extra_waiver_files: Iterable[Path] = (),
    today: datetime.date | None = None,
    jobs: int | None = None,
    cache: ParseCache | None = None,
    limits: LoadLimits = DEFAULT_LIMITS,
    expiring_within_days: int = DEFAULT_EXPIRING_WITHIN_DAYS,
    progress: ProgressCallback | None = None,
) -> ImpactResult:
    """Every child of the proposed mother's line under `root`, before and after.

    Bad input (the proposal is not a valid mother recipe, its line has no
    single valid mother under `root`) raises an `InputError` or `UsageError`.
    """
    proposed_document = load_recipe_source(proposed, limits, cache=cache)
    line = proposed_document.data["line"]
    if line["role"] != "mother":
        raise UsageError(
            f"{proposed.display} is a {line['role']} recipe: impact needs a proposed mother"
        )
    line_id = str(line["id"])
    today = today or datetime.date.today()
    options = FleetOptions(required, today, None, limits, expiring_within_days)
    fleet, after_checks = check_fleet_against(
        root,
        ProposedMother(line_id, proposed),
        options,
        policy=policy,
        extra_waiver_files=extra_waiver_files,
        jobs=jobs,
        cache=cache,
        progress=progress,
    )
    current_path = _current_mother(fleet, line_id, proposed)
    content = read_source_bytes(Path(current_path), limits)
    current_document = load_recipe_source(
        RecipeSource(current_path, content, None, Path(current_path)), limits, cache=cache
    )
    mother_policy = policy or find_policy(None, start=Path(current_path).parent)
    changes = compare_documents(current_document, proposed_document, policy=mother_policy)
    after_by_site = {check.child.site: check for check in after_checks}
    before = [check for check in fleet.checks if check.child.line_id == line_id]
    children = tuple(
        child_impact(check, after_by_site[check.child.site], changes.deviations)
        for check in before
        if check.child.site in after_by_site
    )
    current = next(iter(before)).mother if before else RecipeSummary.of(current_document)
    notes = () if children else (f"line {line_id!r} has no valid child under {root}",)
    return ImpactResult(
        line_id=line_id,
        current=current,
        proposed=RecipeSummary.of(proposed_document, proposed.provenance),
        mother_changes=changes.deviations,
        children=children,
        not_compared=tuple(u for u in fleet.uncompared if u.line_id == line_id),
        fleet=fleet,
        today=today,
        notes=notes,
    )


def _current_mother(fleet: FleetReport, line_id: str, proposal: RecipeSource) -> str:
    """The path of the line's one valid mother recipe under the folder."""
    mothers = [
        item
        for item in fleet.files
        if item.kind == "recipe" and item.line_id == line_id and item.role == "mother"
    ]
    if not mothers and proposal.path is not None and _is_under(proposal.path, fleet.root):
        raise UsageError(
            f"{proposal.display} is left out of the fleet as the proposal, and line "
            f"{line_id!r} has no other mother under {fleet.root}: to try a change to the "
            "mother itself, name the proposal as REV:PATH (a branch) or as a copy in a "
            "'proposals' folder"
        )
    if not mothers:
        raise InputError(
            f"line {line_id!r} of {proposal.display} has no current mother recipe under "
            f"{fleet.root}"
        )
    if len(mothers) > 1:
        names = ", ".join(m.path for m in mothers)
        raise InputError(f"line {line_id!r} has {len(mothers)} mother recipes ({names})")
    (mother,) = mothers
    if not mother.valid:
        raise InputError(
            f"the current mother of line {line_id!r} is invalid: {mother.findings[0]}",
            file=mother.path,
        )
    return mother.path


def _is_under(path: Path, root: str) -> bool:
    return path.resolve().is_relative_to(Path(root).resolve())


def child_impact(
    before: DiffResult, after: DiffResult, mother_changes: Sequence[Deviation]
) -> ChildImpact:
    """One child against the current and the proposed mother, joined."""
    before_paths = {d.path for d in before.deviations}
    after_paths = {d.path for d in after.deviations}
    return ChildImpact(
        before=before,
        after=after,
        changes=tuple(
            _child_change(change, after, before.achieved)
            for change in gate.judge(mother_changes, after.required)
        ),
        disappearing=tuple(d for d in before.deviations if d.path not in after_paths),
        appearing=tuple(d for d in after.deviations if d.path not in before_paths),
        waiver_changes=waiver_changes(before.waivers, after.waivers, after_paths),
    )


def _child_change(change: Deviation, after: DiffResult, achieved: Stage | None) -> ChildChange:
    related = [d for d in after.deviations if touches(change.path, [d.path])]
    if not related:
        status = ChangeStatus.TAKEN
    elif all(d.waived for d in related):
        status = ChangeStatus.WAIVED
    else:
        status = ChangeStatus.PENDING
    keeps = status is ChangeStatus.PENDING and gate.lowers(change.stage, achieved)
    return ChildChange(change, status, keeps)


def waiver_changes(
    before: Sequence[WaiverOutcome], after: Sequence[WaiverOutcome], after_paths: set[str]
) -> tuple[WaiverChange, ...]:
    """Waivers that cover deviations today and would not under the proposal.

    One *stops matching* when a deviation it covers is still there but no longer
    as the waiver describes it (the mother value it names no longer holds); it
    *becomes unused* when it would cover nothing at all.
    """
    after_by_id = {outcome.waiver.id: outcome for outcome in after}
    found = []
    for outcome in before:
        then = after_by_id.get(outcome.waiver.id)
        now_covers = set(then.covers) if then is not None else set()
        lost = tuple(path for path in outcome.covers if path not in now_covers)
        if not lost or outcome.status is WaiverStatus.EXPIRED:
            continue
        status = then.status if then is not None else WaiverStatus.UNUSED
        if any(path in after_paths for path in lost):
            effect = WaiverEffect.STOPS_MATCHING
        elif status is WaiverStatus.UNUSED:
            effect = WaiverEffect.BECOMES_UNUSED
        else:
            continue
        found.append(WaiverChange(outcome.waiver.id, effect, outcome.status, status, lost))
    return tuple(found)


def default_root(start: Path | None = None) -> Path:
    """The project root, as `check` would be pointed at it: the folder of the nearest
    project file at or above `start` (the current folder), else `start` itself."""
    found = find_policy(None, start=start or Path())
    return found.root if found.root is not None else (start or Path())


__all__ = ["child_impact", "compute_impact", "default_root", "waiver_changes"]
