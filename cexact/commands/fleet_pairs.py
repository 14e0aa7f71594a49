"""Phase two of a fleet check: each child paired with its line's mother, and diffed.

`pair_children` pairs every child with its line's one valid mother (or says
why it cannot be compared); a `PairJob` is one pair's comparison, run in a
worker process by `diff_pair`; `run_all` runs jobs in order on an executor.
"""

from __future__ import annotations

import datetime
import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from cexact.commands.diff import DiffResult, compare_sources
from cexact.commands.fleet_files import InspectedFile
from cexact.commands.fleet_sites import NotCompared, UncomparedSite
from cexact.compare.policy import Policy
from cexact.compare.waivers import Waiver
from cexact.model import AppliedFile, Finding
from cexact.recipe.cache import ParseCache
from cexact.recipe.git_source import GitProvenance, RecipeSource
from cexact.recipe.loader import LoadLimits, load_file, read_source_bytes

ProgressCallback = Callable[[str, int, int], None]
"""Called as (phase, done, total) while a fleet is checked."""


@dataclass(frozen=True, slots=True)
class PairJob:
    mother: str
    child: str
    policy: Policy
    waivers: tuple[Waiver, ...]
    today: datetime.date
    required: Any
    limits: LoadLimits
    cache: ParseCache
    expiring_within_days: int
    measurements: str | None
    mother_provenance: GitProvenance | None
    child_provenance: GitProvenance | None
    waiver_files: tuple[AppliedFile, ...]
    waivers_not_applied: tuple[Finding, ...]
    mother_source: RecipeSource | None = None
    """The mother as read already (a proposed mother, perhaps from git): over `mother`."""


def diff_pair(job: PairJob) -> DiffResult:
    def source(path: str, provenance: GitProvenance | None) -> RecipeSource:
        return RecipeSource(path, read_source_bytes(Path(path), job.limits), provenance, Path(path))

    mother = job.mother_source or source(job.mother, job.mother_provenance)
    result = compare_sources(
        mother,
        source(job.child, job.child_provenance),
        required=job.required,
        policy=job.policy,
        limits=job.limits,
        cache=job.cache,
        waivers=job.waivers,
        waiver_files=job.waiver_files,
        today=job.today,
        expiring_within_days=job.expiring_within_days,
        measurements=Path(job.measurements) if job.measurements is not None else None,
        measurements_required=False,
    )
    notes: tuple[str, ...] = ()
    if job.measurements is not None and result.matching is None:
        notes = (f"no measurements for both sites in {job.measurements}: outputs unverified",)
    if notes or job.waivers_not_applied:
        return replace(
            result, notes=(*result.notes, *notes), waivers_not_applied=job.waivers_not_applied
        )
    return result


_R = TypeVar("_R")


def run_all(
    executor: Executor | None,
    function: Callable[..., _R],
    jobs: Sequence[tuple[Any, ...]],
    phase: str,
    progress: ProgressCallback | None,
) -> list[_R]:
    """Run `function(*job)` for every job, in order, reporting progress."""
    results: list[_R] = []
    total = len(jobs)
    if progress:
        progress(phase, 0, total)
    if executor is None:
        for job in jobs:
            results.append(function(*job))
            if progress:
                progress(phase, len(results), total)
        return results
    futures = [executor.submit(function, *job) for job in jobs]
    for future in futures:
        results.append(future.result())
        if progress:
            progress(phase, len(results), total)
    return results


@dataclass(frozen=True, slots=True)
class Pairing:
    """Each child with its line's mother, the children that cannot be compared, and why."""

    pairs: list[tuple[InspectedFile, InspectedFile]]
    uncompared: list[UncomparedSite]
    problems: list[Finding]


def pair_children(inspected: Sequence[InspectedFile], root: str) -> Pairing:
    by_line: dict[str, list[InspectedFile]] = defaultdict(list)
    for item in inspected:
        if item.kind == "recipe" and item.line_id is not None:
            by_line[item.line_id].append(item)
    with_mother = sorted(
        line_id for line_id, members in by_line.items() if any(m.role == "mother" for m in members)
    )
    pairing = Pairing([], [], [])
    for line_id in sorted(by_line):
        members = by_line[line_id]
        mothers = [m for m in members if m.role == "mother"]
        children = sorted((m for m in members if m.is_child), key=lambda m: m.site or "")
        if len(mothers) == 1 and mothers[0].valid:
            for child in children:
                if child.valid:
                    pairing.pairs.append((mothers[0], child))
                else:
                    pairing.uncompared.append(_uncompared(child, NotCompared.INVALID))
            continue
        if not mothers:
            reason = NotCompared.NO_MOTHER
            pairing.problems.extend(
                _no_mother(child, line_id, with_mother, root) for child in children if child.valid
            )
        elif len(mothers) == 1:
            reason = NotCompared.MOTHER_INVALID
        else:
            reason = NotCompared.SEVERAL_MOTHERS
            pairing.problems.extend(_several_mothers(line_id, mothers))
        for child in children:
            pairing.uncompared.append(
                _uncompared(child, reason if child.valid else NotCompared.INVALID, mothers)
            )
    return pairing


def _uncompared(
    child: InspectedFile, reason: NotCompared, mothers: Sequence[InspectedFile] = ()
) -> UncomparedSite:
    assert child.line_id is not None and child.site is not None
    return UncomparedSite(
        child.line_id,
        child.site,
        child.path,
        reason,
        errors=len(child.findings),
        mother=mothers[0].path if reason is NotCompared.MOTHER_INVALID else "",
    )


def _no_mother(
    child: InspectedFile, line_id: str, with_mother: Sequence[str], root: str
) -> Finding:
    """At the child's `line.id`: no mother, and the nearest line id that has one."""
    nearest = difflib.get_close_matches(line_id, with_mother, n=1, cutoff=0.6)
    hint = f"; did you mean {nearest[0]!r}?" if nearest else ""
    line, column = _line_id_position(child)
    return Finding(
        child.path,
        line,
        column,
        f"line {line_id!r} has no mother recipe under {root}{hint}",
        "fleet",
        "line.id",
    )


def _several_mothers(line_id: str, mothers: Sequence[InspectedFile]) -> Iterable[Finding]:
    first = mothers[0].path
    for extra in mothers[1:]:
        line, column = _line_id_position(extra)
        yield Finding(
            extra.path,
            line,
            column,
            f"line {line_id!r} has more than one mother recipe (also {first})",
            "fleet",
            "line.id",
        )


def _line_id_position(recipe: InspectedFile) -> tuple[int, int]:
    """Where the recipe's `line.id` is written; read again for a recipe known from the cache
    (this is for the rare finding about a line, not for every file)."""
    if recipe.line_id_at is not None:
        return recipe.line_id_at
    from cexact.errors import RecipeLoadError

    try:
        return load_file(Path(recipe.path)).position_of(("line", "id")) or (1, 1)
    except RecipeLoadError:
        return (1, 1)


def waivers_not_applied(
    inspected: Sequence[InspectedFile],
) -> Callable[[InspectedFile], tuple[Finding, ...]]:
    """For a child: the first error of each waiver file for its site that did not load.

    A waiver file is for the sites its entries name; one that cannot be read
    that far is for the children in its folder and below.
    """
    failed = [item for item in inspected if item.failed_waiver_file]

    def for_child(child: InspectedFile) -> tuple[Finding, ...]:
        site = (child.line_id, child.site)
        return tuple(
            item.findings[0]
            for item in failed
            if site in item.named_sites
            or (
                not item.named_sites
                and Path(child.path).resolve().is_relative_to(Path(item.path).resolve().parent)
            )
        )

    return for_child
