"""`cexact check`'s core: every child of every line in a recipe repository, at once.

Discovers recipes and waiver files under a folder, validates every file,
groups recipes by line id, pairs each child with its line's mother, applies
waivers and diffs each pair. Work runs on all cores in two phases: first each
file is loaded and validated exactly once (results go to the content-keyed
parse cache; only small summaries come back), then each child is diffed
against its mother, both read back from the cache. Between them, the git
commit and dirty state of every recipe are read, one repository at a time.

Every child site keeps its place in the report: one that cannot be compared
(its recipe is invalid, its line has no valid mother) is an `UncomparedSite`
beside the compared ones. A waiver file that fails to load is a problem of
the fleet and is named on the row of each site it was written for.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from cexact.commands.diff import DiffResult, compare_sources
from cexact.compare.policy import Policy, find_policy, load_policy
from cexact.compare.stored import is_line_header
from cexact.compare.waivers import (
    DEFAULT_EXPIRING_WITHIN_DAYS,
    WAIVER_FILE_NAME,
    Waiver,
    WaiverOutcome,
    WaiverStatus,
    status_by_date,
    waivers_from_document,
)
from cexact.errors import UsageError, ValidationFailed
from cexact.model import AppliedFile, Finding
from cexact.recipe.cache import ParseCache
from cexact.recipe.discovery import NOT_CEXACT, discover, is_project_file, schema_name_for
from cexact.recipe.git_source import (
    GitProvenance,
    RecipeSource,
    git_blob_sha,
    working_tree_provenances,
)
from cexact.recipe.loader import (
    DEFAULT_LIMITS,
    LoadedDocument,
    LoadLimits,
    load_bytes,
    load_file,
    read_source_bytes,
)
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
    """Phase one's outcome for one file: its kind, findings, and recipe header.

    The header (line id, site, role) is read from an invalid recipe too, when
    it loads as YAML and has one, so that an invalid child keeps its row.
    """

    path: str
    kind: str
    findings: tuple[Finding, ...]
    line_id: str | None = None
    site: str | None = None
    role: str | None = None
    waivers: tuple[Waiver, ...] = ()
    sha256: str = ""
    git_blob: str = ""
    """The sha git gives the file's bytes (to tell whether it differs from HEAD)."""
    line_id_at: tuple[int, int] | None = None
    """Where a recipe's `line.id` is written (line, column)."""
    named_sites: tuple[tuple[str, str], ...] = ()
    """For an invalid waiver file: the (line, site) pairs its entries name, as far
    as they can be read."""

    @property
    def valid(self) -> bool:
        return not self.findings

    @property
    def is_child(self) -> bool:
        return self.kind == "recipe" and self.role == "child" and self.line_id is not None

    @property
    def failed_waiver_file(self) -> bool:
        """A waiver file (by its key or its name) that did not load: its waivers are lost."""
        return not self.valid and (
            self.kind == "waivers" or Path(self.path).name == WAIVER_FILE_NAME
        )


class NotCompared(StrEnum):
    """Why a child site of the fleet was not compared with its mother."""

    INVALID = "invalid"
    """The child's own recipe is invalid."""
    NO_MOTHER = "no-mother"
    """No recipe under the folder is its line's mother."""
    MOTHER_INVALID = "mother-invalid"
    """Its line's mother recipe is invalid."""
    SEVERAL_MOTHERS = "several-mothers"
    """More than one recipe claims to be its line's mother."""


@dataclass(frozen=True, slots=True)
class UncomparedSite:
    """A child site that keeps its row in the fleet, though it was not compared."""

    line_id: str
    site: str
    path: str
    reason: NotCompared
    errors: int = 0
    """How many errors its own recipe has (for INVALID)."""
    mother: str = ""
    """The mother recipe it would be compared with (for MOTHER_INVALID)."""

    @property
    def passed(self) -> bool:
        return False


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
            not self.problems
            and not self.uncompared
            and all(check.passed for check in self.checks)
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


# --- Work done in worker processes ---------------------------------------------------


def _inspect(path: str, limits: LoadLimits, cache: ParseCache) -> InspectedFile:
    """Load and validate one file; recipes go to the parse cache."""
    from cexact.errors import RecipeLoadError

    try:
        content = read_source_bytes(Path(path), limits)
        sha256 = hashlib.sha256(content).hexdigest()
        line = cache.lookup_value(_LINE_KIND, sha256)
        if is_line_header(line):  # a valid recipe seen before: its header is all phase one needs
            return _known_recipe(path, line, sha256, git_blob_sha(content))
        document = load_bytes(content, path, limits)
    except RecipeLoadError as error:
        finding = Finding(path, error.line, error.column, error.message, error.rule)
        return InspectedFile(path, "invalid", (finding,))
    kind = schema_name_for(document)
    if kind is None:
        return InspectedFile(path, "invalid", (Finding(path, 1, 1, NOT_CEXACT, "not-cexact"),))
    findings = validate_document(document, kind)
    if kind == "waivers":
        if findings:
            return InspectedFile(
                path, kind, findings, sha256=sha256, named_sites=_named_sites(document.data)
            )
        return InspectedFile(path, kind, (), waivers=waivers_from_document(document), sha256=sha256)
    if kind == "recipe":
        if not findings:
            cache.store("recipe", document)
            cache.store_value(_LINE_KIND, sha256, document.data["line"])
        return _recipe_file(document, findings, git_blob_sha(content))
    return InspectedFile(path, kind, findings, sha256=sha256)


_LINE_KIND = "recipe-line"
"""Cached: a valid recipe's `line` header, by the sha256 of the file's bytes."""


def _known_recipe(path: str, line: dict[str, Any], sha256: str, git_blob: str) -> InspectedFile:
    """A valid recipe seen before, from its cached header (where `line.id` is: not known)."""
    return InspectedFile(
        path, "recipe", (), line["id"], line["site"], line["role"], sha256=sha256, git_blob=git_blob
    )


def _recipe_file(
    document: LoadedDocument, findings: tuple[Finding, ...], git_blob: str
) -> InspectedFile:
    """A recipe's outcome with its header; an invalid one's header as far as it reads."""
    line = document.data.get("line")
    header = line if isinstance(line, dict) else {}
    line_id, site, role = (_text(header.get(key)) for key in ("id", "site", "role"))
    return InspectedFile(
        document.source,
        "recipe",
        findings,
        line_id,
        site,
        role,
        sha256=document.sha256,
        git_blob=git_blob,
        line_id_at=document.position_of(("line", "id")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _named_sites(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The (line, site) pairs an invalid waiver file's entries name, where readable."""
    entries = data.get("waivers")
    if not isinstance(entries, list):
        return ()
    named = (
        (_text(entry.get("line")), _text(entry.get("site")))
        for entry in entries
        if isinstance(entry, dict)
    )
    return tuple(dict.fromkeys((line, site) for line, site in named if line and site))


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
    mother_provenance: GitProvenance | None
    child_provenance: GitProvenance | None
    waiver_files: tuple[AppliedFile, ...]
    waivers_not_applied: tuple[Finding, ...]


def _diff_pair(job: _PairJob) -> DiffResult:
    def source(path: str, provenance: GitProvenance | None) -> RecipeSource:
        return RecipeSource(path, read_source_bytes(Path(path), job.limits), provenance, Path(path))

    result = compare_sources(
        source(job.mother, job.mother_provenance),
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
    projects: tuple[AppliedFile, ...]
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
        tuple(dict.fromkeys(p.file for p in applied if p.file is not None)),
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
    waivers = tuple(w for item in inspected for w in item.waivers)
    pairing = _pair_children(inspected, str(root))
    problems.extend(pairing.problems)
    pairs, uncompared = pairing.pairs, pairing.uncompared
    if shard is not None:
        pairs = [p for p in pairs if shard.includes(p[1].line_id or "", p[1].site or "")]
        uncompared = [u for u in uncompared if shard.includes(u.line_id, u.site)]
    provenance = working_tree_provenances(
        (Path(item.path), item.git_blob) for pair in pairs for item in pair
    )
    waiver_files = tuple(
        AppliedFile(item.path, item.sha256)
        for item in inspected
        if item.kind == "waivers" and item.valid
    )
    not_applied = _waivers_not_applied(inspected)

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
                    provenance.get(Path(mother.path)),
                    provenance.get(Path(child.path)),
                    waiver_files,
                    not_applied(child),
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
        uncompared=tuple(uncompared),
        waiver_files=waiver_files,
    )


@dataclass(frozen=True, slots=True)
class _Pairing:
    """Each child with its line's mother, the children that cannot be compared, and why."""

    pairs: list[tuple[InspectedFile, InspectedFile]]
    uncompared: list[UncomparedSite]
    problems: list[Finding]


def _pair_children(inspected: Sequence[InspectedFile], root: str) -> _Pairing:
    by_line: dict[str, list[InspectedFile]] = defaultdict(list)
    for item in inspected:
        if item.kind == "recipe" and item.line_id is not None:
            by_line[item.line_id].append(item)
    with_mother = sorted(
        line_id for line_id, members in by_line.items() if any(m.role == "mother" for m in members)
    )
    pairing = _Pairing([], [], [])
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


def _waivers_not_applied(
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


__all__ = [
    "FleetReport",
    "InspectedFile",
    "NotCompared",
    "Shard",
    "UncomparedSite",
    "ValidationFailed",
    "WaiverStatus",
    "check_fleet",
]
