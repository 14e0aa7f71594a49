"""`cexact check`'s core: every child of every line in a recipe repository, at once.

Discovers recipes and waiver files under a folder, validates every file,
groups recipes by line id, pairs each child with its line's mother, applies
waivers and diffs each pair. Work runs on all cores in two phases: first each
file is loaded and validated exactly once (`fleet_files`: results go to the
content-keyed parse cache; only small summaries come back), then each child
is diffed against its mother (`fleet_pairs`), both read back from the cache.
Between them, the git commit and dirty state of every recipe are read, one
repository at a time.

Every child site keeps its place in the report: one that cannot be compared
(its recipe is invalid, its line has no valid mother) is an `UncomparedSite`
beside the compared ones. A waiver file that fails to load is a problem of
the fleet and is named on the row of each site it was written for.

`check_fleet_against` runs the same check and, in the same run, compares the
children of one line with a proposed mother too (`cexact impact`).
"""

from __future__ import annotations

import datetime
import hashlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cexact.commands.diff import DiffResult
from cexact.commands.fleet_files import (
    FleetFiles,
    InspectedFile,
    discover_fleet_files,
    inspect_file,
)
from cexact.commands.fleet_pairs import (
    PairJob,
    ProgressCallback,
    diff_pair,
    pair_children,
    run_all,
    waivers_not_applied,
)
from cexact.commands.fleet_sites import NotCompared, UncomparedSite
from cexact.compare.policy import Policy
from cexact.compare.waivers import (
    DEFAULT_EXPIRING_WITHIN_DAYS,
    WaiverOutcome,
    WaiverStatus,
    status_by_date,
)
from cexact.errors import UsageError, ValidationFailed
from cexact.model import AppliedFile, Finding
from cexact.recipe.cache import ParseCache
from cexact.recipe.git_source import RecipeSource, working_tree_provenances
from cexact.recipe.loader import DEFAULT_LIMITS, LoadLimits


@dataclass(frozen=True, slots=True)
class Shard:
    """Part K of N of a fleet's children, for CI matrix jobs."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            index_text, count_text = text.split("/")
            shard = cls(int(index_text), int(count_text))
        except ValueError:
            raise UsageError(f"--shard {text!r}: expected K/N, e.g. 2/4") from None
        if not 1 <= shard.index <= shard.count:
            raise UsageError(f"--shard {text!r}: K must be between 1 and N")
        return shard

    def includes(self, line_id: str, site: str) -> bool:
        """Deterministic, and stable as sites come and go: by a hash of line and site."""
        digest = hashlib.sha256(f"{line_id}\0{site}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True, slots=True)
class FleetReport:
    """The one result of `cexact check`."""

    root: str
    files: tuple[InspectedFile, ...]
    checks: tuple[DiffResult, ...]
    problems: tuple[Finding, ...]
    waivers: tuple[WaiverOutcome, ...]
    today: datetime.date
    shard: Shard | None = None
    projects: tuple[AppliedFile, ...] = ()
    """The project files applied."""
    skipped: tuple[str, ...] = ()
    """YAML files under the folder that are not cexact's (not checked)."""
    uncompared: tuple[UncomparedSite, ...] = ()
    """Child sites that could not be compared, each with the reason."""
    waiver_files: tuple[AppliedFile, ...] = ()
    """The waiver files read (those that loaded)."""

    @property
    def passed(self) -> bool:
        return (
            not self.problems and not self.uncompared and all(check.passed for check in self.checks)
        )

    @property
    def failed_checks(self) -> tuple[DiffResult, ...]:
        return tuple(check for check in self.checks if not check.passed)

    @property
    def rows(self) -> tuple[DiffResult | UncomparedSite, ...]:
        """Every child site, compared or not, by line and site."""
        rows: list[DiffResult | UncomparedSite] = [*self.checks, *self.uncompared]
        return tuple(sorted(rows, key=_row_key))

    @property
    def problem_files(self) -> tuple[str, ...]:
        """The files the problems are in, each once, in order."""
        return tuple(dict.fromkeys(problem.file for problem in self.problems))


def _row_key(row: DiffResult | UncomparedSite) -> tuple[str, str]:
    if isinstance(row, UncomparedSite):
        return (row.line_id, row.site)
    return (row.child.line_id, row.child.site)


@dataclass(frozen=True, slots=True)
class FleetOptions:
    """How a fleet is checked: the settings every pair shares."""

    required: Any = None
    today: datetime.date | None = None
    shard: Shard | None = None
    limits: LoadLimits = DEFAULT_LIMITS
    expiring_within_days: int = DEFAULT_EXPIRING_WITHIN_DAYS
    measurements: Path | None = None


@dataclass(frozen=True, slots=True)
class ProposedMother:
    """A mother recipe proposed for one line, read already (a file or `REV:PATH`)."""

    line_id: str
    source: RecipeSource


def check_fleet(
    root: Path,
    *,
    policy: Policy | None = None,
    required: Any = None,
    extra_waiver_files: Iterable[Path] = (),
    today: datetime.date | None = None,
    shard: Shard | None = None,
    jobs: int | None = None,
    cache: ParseCache | None = None,
    limits: LoadLimits = DEFAULT_LIMITS,
    expiring_within_days: int = DEFAULT_EXPIRING_WITHIN_DAYS,
    progress: ProgressCallback | None = None,
    measurements: Path | None = None,
) -> FleetReport:
    """Check every child of every line under `root` (`policy`: a project file named
    on the command line; None finds the project files as `discover_fleet_files` does)."""
    options = FleetOptions(required, today, shard, limits, expiring_within_days, measurements)
    report, _ = check_fleet_against(
        root, None, options,
        policy=policy, extra_waiver_files=extra_waiver_files, jobs=jobs,
        cache=cache, progress=progress,
    )  # fmt: skip
    return report


def check_fleet_against(
    root: Path,
    proposed: ProposedMother | None,
    options: FleetOptions,
    *,
    policy: Policy | None = None,
    extra_waiver_files: Iterable[Path] = (),
    jobs: int | None = None,
    cache: ParseCache | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[FleetReport, tuple[DiffResult, ...]]:
    """The fleet check, and every valid child of the proposed mother's line compared
    with it, with the same project files, waivers and required stages (the proposed
    mother's own file, if it lies under `root`, is not part of the fleet). With a
    proposal, every file is still validated but only that line's children are
    compared (the report's checks are that line's)."""
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder")
    if options.today is None:
        options = FleetOptions(
            options.required, datetime.date.today(), options.shard, options.limits,
            options.expiring_within_days, options.measurements,
        )  # fmt: skip
    exclude = [proposed.source.path] if proposed and proposed.source.path else []
    files = discover_fleet_files(root, policy, extra_waiver_files, exclude)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(files.paths)))
    with tempfile.TemporaryDirectory(prefix="cexact-check-") as scratch:
        # Without the user's cache, a scratch one still parses each file once per run.
        run_cache = cache if cache is not None else ParseCache(Path(scratch))
        executor = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
        try:
            run = _FleetRun(root, files, options, run_cache, executor, progress)
            return run.check(proposed)
        finally:
            if executor is not None:
                executor.shutdown(cancel_futures=True)


@dataclass(frozen=True, slots=True)
class _FleetRun:
    root: Path
    files: FleetFiles
    options: FleetOptions
    cache: ParseCache
    executor: Executor | None
    progress: ProgressCallback | None

    def check(self, proposed: ProposedMother | None) -> tuple[FleetReport, tuple[DiffResult, ...]]:
        options = self.options
        inspected = run_all(
            self.executor,
            inspect_file,
            [(str(p), options.limits, self.cache) for p in self.files.paths],
            "validating",
            self.progress,
        )
        problems = [finding for item in inspected for finding in item.findings]
        pairing = pair_children(inspected, str(self.root))
        problems.extend(pairing.problems)
        line = proposed.line_id if proposed is not None else None
        pairs = [(m, c) for m, c in pairing.pairs if self._wanted(c.line_id, c.site, line)]
        uncompared = [u for u in pairing.uncompared if self._wanted(u.line_id, u.site, line)]
        proposed_children = [
            item
            for item in inspected
            if proposed is not None
            and item.is_child
            and item.valid
            and item.line_id == proposed.line_id
            and self._in_shard(item.line_id, item.site)
        ]
        jobs = self._jobs(inspected, pairs, proposed, proposed_children)
        results = run_all(self.executor, diff_pair, jobs, "comparing", self.progress)
        checks = results[: len(pairs)]
        report = self._report(inspected, checks, problems, uncompared, whole=line is None)
        return report, tuple(results[len(pairs) :])

    def _in_shard(self, line_id: str | None, site: str | None) -> bool:
        shard = self.options.shard
        return shard is None or shard.includes(line_id or "", site or "")

    def _wanted(self, line_id: str | None, site: str | None, line: str | None) -> bool:
        """In the shard, and of the proposal's line when there is a proposal."""
        return (line is None or line_id == line) and self._in_shard(line_id, site)

    def _jobs(
        self,
        inspected: Sequence[InspectedFile],
        pairs: Sequence[tuple[InspectedFile, InspectedFile]],
        proposed: ProposedMother | None,
        proposed_children: Sequence[InspectedFile],
    ) -> list[tuple[PairJob]]:
        """A job per pair, then one per child of the proposed mother's line."""
        options = self.options
        waivers = tuple(w for item in inspected for w in item.waivers)
        provenance = working_tree_provenances(
            (Path(item.path), item.git_blob)
            for item in dict.fromkeys([*(i for pair in pairs for i in pair), *proposed_children])
        )
        not_applied = waivers_not_applied(inspected)
        waiver_files = _waiver_files(inspected)

        def job(mother: str, child: InspectedFile, source: RecipeSource | None) -> tuple[PairJob]:
            return (
                PairJob(
                    mother,
                    child.path,
                    self.files.policy_of(Path(child.path)),
                    waivers,
                    options.today or datetime.date.today(),
                    options.required,
                    options.limits,
                    self.cache,
                    options.expiring_within_days,
                    str(options.measurements) if options.measurements is not None else None,
                    provenance.get(Path(mother)) if source is None else None,
                    provenance.get(Path(child.path)),
                    waiver_files,
                    not_applied(child),
                    source,
                ),
            )

        jobs = [job(mother.path, child, None) for mother, child in pairs]
        if proposed is not None:
            jobs.extend(
                job(proposed.source.display, child, proposed.source) for child in proposed_children
            )
        return jobs

    def _report(
        self,
        inspected: Sequence[InspectedFile],
        checks: Sequence[DiffResult],
        problems: Sequence[Finding],
        uncompared: Sequence[UncomparedSite],
        *,
        whole: bool = True,
    ) -> FleetReport:
        """The report; `whole`: every line's children were compared (not one line's)."""
        options = self.options
        today = options.today or datetime.date.today()
        checked_sites = {(c.child.line_id, c.child.site) for c in checks}
        outcomes = [o for check in checks for o in check.waivers]
        if options.shard is None and whole:
            # Waivers for a site the fleet does not have at all are stale too.
            outcomes.extend(
                WaiverOutcome(
                    w, status_by_date(w, today, options.expiring_within_days, used=False), ()
                )
                for item in inspected
                for w in item.waivers
                if (w.line, w.site) not in checked_sites
            )
        return FleetReport(
            root=str(self.root),
            files=tuple(inspected),
            checks=tuple(checks),
            problems=tuple(problems),
            waivers=tuple(
                sorted(outcomes, key=lambda o: (o.waiver.line, o.waiver.site, o.waiver.id))
            ),
            today=today,
            shard=options.shard,
            projects=self.files.projects,
            skipped=self.files.skipped,
            uncompared=tuple(uncompared),
            waiver_files=_waiver_files(inspected),
        )


def _waiver_files(inspected: Sequence[InspectedFile]) -> tuple[AppliedFile, ...]:
    return tuple(
        AppliedFile(item.path, item.sha256)
        for item in inspected
        if item.kind == "waivers" and item.valid
    )


__all__ = [
    "FleetOptions",
    "FleetReport",
    "InspectedFile",
    "NotCompared",
    "ProposedMother",
    "Shard",
    "UncomparedSite",
    "ValidationFailed",
    "WaiverStatus",
    "check_fleet",
    "check_fleet_against",
    "discover_fleet_files",
]
