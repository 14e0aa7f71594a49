"""`cexact check`'s core: every child of every line in a recipe repository, at once.

Discovers recipes and waiver files under a folder, validates every file,
groups recipes by line id, pairs each child with its line's mother, applies
waivers and diffs each pair. Work runs on all cores in two phases: first each
file is loaded and validated exactly once (results go to the content-keyed
parse cache; only small summaries come back), then each child is diffed
against its mother, both read back from the cache.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from cexact.commands.diff import DiffResult, compare_sources
from cexact.compare.policy import Policy, find_policy, load_policy
from cexact.compare.stored import is_line_header
from cexact.compare.waivers import (
    DEFAULT_EXPIRING_WITHIN_DAYS,
    Waiver,
    WaiverOutcome,
    WaiverStatus,
    status_by_date,
    waivers_from_document,
)
from cexact.errors import UsageError, ValidationFailed
from cexact.model import Finding
from cexact.recipe.cache import ParseCache
from cexact.recipe.discovery import NOT_CEXACT, discover, is_project_file, schema_name_for
from cexact.recipe.git_source import RecipeSource
from cexact.recipe.loader import DEFAULT_LIMITS, LoadLimits, load_bytes, read_source_bytes
from cexact.recipe.validation import validate_document

ProgressCallback = Callable[[str, int, int], None]
"""Called as (phase, done, total) while a fleet is checked."""


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
class InspectedFile:
    """Phase one's outcome for one file: its kind, findings, and recipe header."""

    path: str
    kind: str
    findings: tuple[Finding, ...]
    line_id: str | None = None
    site: str | None = None
    role: str | None = None
    waivers: tuple[Waiver, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.findings


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
    projects: tuple[str, ...] = ()
    """The project files applied."""
    skipped: tuple[str, ...] = ()
    """YAML files under the folder that are not cexact's (not checked)."""

    @property
    def passed(self) -> bool:
        return not self.problems and all(check.passed for check in self.checks)

    @property
    def failed_checks(self) -> tuple[DiffResult, ...]:
        return tuple(check for check in self.checks if not check.passed)


# --- Work done in worker processes ---------------------------------------------------


def _inspect(path: str, limits: LoadLimits, cache: ParseCache) -> InspectedFile:
    """Load and validate one file; recipes go to the parse cache."""
    from cexact.errors import RecipeLoadError

    try:
        content = read_source_bytes(Path(path), limits)
        sha256 = hashlib.sha256(content).hexdigest()
        line = cache.lookup_value(_LINE_KIND, sha256)
        if is_line_header(line):  # a valid recipe seen before: its header is all phase one needs
            return _recipe_summary(path, {"line": line})
        document = load_bytes(content, path, limits)
    except RecipeLoadError as error:
        finding = Finding(path, error.line, error.column, error.message, error.rule)
        return InspectedFile(path, "invalid", (finding,))
    kind = schema_name_for(document)
    if kind is None:
        return InspectedFile(path, "invalid", (Finding(path, 1, 1, NOT_CEXACT, "not-cexact"),))
    findings = validate_document(document, kind)
    if findings:
        return InspectedFile(path, kind, findings)
    if kind == "waivers":
        return InspectedFile(path, kind, (), waivers=waivers_from_document(document))
    if kind == "recipe":
        cache.store("recipe", document)
        cache.store_value(_LINE_KIND, sha256, document.data["line"])
        return _recipe_summary(path, document.data)
    return InspectedFile(path, kind, ())


_LINE_KIND = "recipe-line"
"""Cached: a valid recipe's `line` header, by the sha256 of the file's bytes."""


def _recipe_summary(path: str, data: dict[str, Any]) -> InspectedFile:
    line = data["line"]
    return InspectedFile(path, "recipe", (), line["id"], line["site"], line["role"])


@dataclass(frozen=True, slots=True)
class _PairJob:
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


def _diff_pair(job: _PairJob) -> DiffResult:
    def source(path: str) -> RecipeSource:
        return RecipeSource(path, read_source_bytes(Path(path), job.limits), None, Path(path))

    result = compare_sources(
        source(job.mother),
        source(job.child),
        required=job.required,
        policy=job.policy,
        limits=job.limits,
        cache=job.cache,
        waivers=job.waivers,
        today=job.today,
        expiring_within_days=job.expiring_within_days,
        measurements=Path(job.measurements) if job.measurements is not None else None,
        measurements_required=False,
    )
    if job.measurements is not None and result.matching is None:
        note = f"no measurements for both sites in {job.measurements}: outputs unverified"
        return replace(result, notes=(*result.notes, note))
    return result


# --- The check ------------------------------------------------------------------------

_R = TypeVar("_R")


def _run_all(
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
class FleetFiles:
    """What `check` reads under its folder, and the project file that governs each file."""

    paths: tuple[Path, ...]
    policies: dict[Path, Policy]
    """Each recipe's project policy (the nearest project file above it)."""
    default: Policy
    projects: tuple[str, ...]
    """The project files applied."""
    skipped: tuple[str, ...]
    """YAML files under the folder that are not cexact's."""

    def policy_of(self, path: Path) -> Policy:
        return self.policies.get(path, self.default)


def discover_fleet_files(
    root: Path, policy: Policy | None = None, extra_waiver_files: Iterable[Path] = ()
) -> FleetFiles:
    """Every cexact file under `root`, each with the project file that governs it.

    With `policy` (a project file named on the command line), it governs all.
    Otherwise each file gets the nearest project file at or above its folder:
    one in a subfolder of `root` governs that subfolder, one at `root` or above
    it (up to the top of the git work tree) the rest. Files a project ignores
    are left out; its waiver globs are added.
    """
    found = discover([root])
    project_paths = [p for p in found.files if is_project_file(p)]
    default = policy if policy is not None else find_policy(None, start=root)
    governing: dict[Path, Policy] = {}
    if policy is None:
        for project in project_paths:
            governing.setdefault(project.parent.resolve(), load_policy(project))
    policies: dict[Path, Policy] = {}
    paths: list[Path] = []
    for path in found.files:
        if is_project_file(path):
            continue
        own = _nearest(path, governing, root.resolve()) or default
        if own.ignores(path):
            continue
        paths.append(path)
        policies[path] = own
    applied = [default, *governing.values()]
    for governed in applied:
        paths.extend(p for p in governed.waiver_files() if p not in paths)
    paths.extend(p for p in extra_waiver_files if p not in paths)
    return FleetFiles(
        tuple(paths),
        policies,
        default,
        tuple(dict.fromkeys(p.source for p in applied if p.source is not None)),
        tuple(map(str, found.others)),
    )


def _nearest(path: Path, governing: dict[Path, Policy], root: Path) -> Policy | None:
    if not governing:
        return None
    for folder in path.resolve().parents:
        found = governing.get(folder)
        if found is not None:
            return found
        if folder == root:
            return None
    return None


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
    today = today or datetime.date.today()
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder")
    files = discover_fleet_files(root, policy, extra_waiver_files)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(files.paths)))
    with tempfile.TemporaryDirectory(prefix="cexact-check-") as scratch:
        # Without the user's cache, a scratch one still parses each file once per run.
        run_cache = cache if cache is not None else ParseCache(Path(scratch))
        executor = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
        try:
            return _check(
                root, files, required, today, shard, limits, run_cache,
                executor, expiring_within_days, progress, measurements,
            )  # fmt: skip
        finally:
            if executor is not None:
                executor.shutdown(cancel_futures=True)


def _check(
    root: Path,
    files: FleetFiles,
    required: Any,
    today: datetime.date,
    shard: Shard | None,
    limits: LoadLimits,
    cache: ParseCache,
    executor: Executor | None,
    expiring_within_days: int,
    progress: ProgressCallback | None,
    measurements: Path | None,
) -> FleetReport:
    inspected = _run_all(
        executor,
        _inspect,
        [(str(p), limits, cache) for p in files.paths],
        "validating",
        progress,
    )
    problems = [finding for item in inspected for finding in item.findings]
    recipes = [item for item in inspected if item.kind == "recipe" and item.valid]
    waivers = tuple(w for item in inspected for w in item.waivers)

    by_line: dict[str, list[InspectedFile]] = defaultdict(list)
    for recipe in recipes:
        assert recipe.line_id is not None
        by_line[recipe.line_id].append(recipe)
    pairs: list[tuple[InspectedFile, InspectedFile]] = []
    for line_id in sorted(by_line):
        members = by_line[line_id]
        mothers = [m for m in members if m.role == "mother"]
        children = sorted((m for m in members if m.role == "child"), key=lambda m: m.site or "")
        if len(mothers) != 1:
            problems.extend(_pairing_problems(line_id, mothers, children))
            continue
        pairs.extend((mothers[0], child) for child in children)
    if shard is not None:
        pairs = [p for p in pairs if shard.includes(p[1].line_id or "", p[1].site or "")]

    checks = _run_all(
        executor,
        _diff_pair,
        [
            (
                _PairJob(
                    mother.path,
                    child.path,
                    files.policy_of(Path(child.path)),
                    waivers,
                    today,
                    required,
                    limits,
                    cache,
                    expiring_within_days,
                    str(measurements) if measurements is not None else None,
                ),
            )
            for mother, child in pairs
        ],
        "comparing",
        progress,
    )
    checked_sites = {(c.child.line_id, c.child.site) for c in checks}
    outcomes = [o for check in checks for o in check.waivers]
    if shard is None:
        # Waivers for a site the fleet does not have at all are stale too.
        outcomes.extend(
            WaiverOutcome(w, status_by_date(w, today, expiring_within_days, used=False), ())
            for w in waivers
            if (w.line, w.site) not in checked_sites
        )
    return FleetReport(
        root=str(root),
        files=tuple(inspected),
        checks=tuple(checks),
        problems=tuple(problems),
        waivers=tuple(sorted(outcomes, key=lambda o: (o.waiver.line, o.waiver.site, o.waiver.id))),
        today=today,
        shard=shard,
        projects=files.projects,
        skipped=files.skipped,
    )


def _pairing_problems(
    line_id: str, mothers: list[InspectedFile], children: list[InspectedFile]
) -> Iterable[Finding]:
    if not mothers:
        for child in children:
            yield Finding(
                child.path, 1, 1, f"line {line_id!r} has no mother recipe in this folder", "fleet"
            )
    else:
        first = mothers[0].path
        for extra in mothers[1:]:
            yield Finding(
                extra.path,
                1,
                1,
                f"line {line_id!r} has more than one mother recipe (also {first})",
                "fleet",
            )


__all__ = [
    "FleetReport",
    "InspectedFile",
    "Shard",
    "ValidationFailed",
    "WaiverStatus",
    "check_fleet",
]
