"""`cexact drift`'s core: what the mother changed since a child's transfer, and what is pending.

The child names the mother version it was transferred from (`line.mother.version`).
That version is found in the mother recipe's git history (the newest commit
whose recipe declares it), else by a release tag. The mother's changes since
then are classified exactly as `cexact diff` classifies deviations (`mother` =
the value then, `child` = the value now). A change is *taken* when the child
now agrees with the mother at that path and everything above and below it,
else *pending*.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cexact.commands.diff import (
    DEFAULT_REQUIRED_STAGE,
    DiffResult,
    RecipeSummary,
    compare_documents,
)
from cexact.commands.log import declared_version
from cexact.compare import gate
from cexact.compare.policy import DEFAULT_POLICY, Policy
from cexact.errors import GitError, InputError
from cexact.model import Deviation, Stage
from cexact.recipe.cache import ParseCache
from cexact.recipe.git_repository import GitRepository, open_repository
from cexact.recipe.git_source import GitProvenance, RecipeSource
from cexact.recipe.loader import DEFAULT_LIMITS, LoadLimits
from cexact.recipe.reading import load_recipe_source, load_recipe_sources

DriftStatus = Literal["pending", "taken"]
PENDING: DriftStatus = "pending"
TAKEN: DriftStatus = "taken"


@dataclass(frozen=True, slots=True)
class DriftItem:
    """One change the mother made since the child's transfer version."""

    change: Deviation
    status: DriftStatus


@dataclass(frozen=True, slots=True)
class DriftResult:
    child: RecipeSummary
    mother_then: RecipeSummary
    """The mother recipe at the version the child was transferred from."""
    mother_now: RecipeSummary
    mother_then_commit: str
    """The commit mother_then was read at ('' when the versions are equal and the
    mother is not in git)."""
    required: Stage
    items: tuple[DriftItem, ...]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        changes = gate.judge((item.change for item in self.items), self.required)
        judged = tuple(
            DriftItem(change, item.status) for change, item in zip(changes, self.items, strict=True)
        )
        object.__setattr__(self, "items", judged)

    @property
    def pending(self) -> tuple[DriftItem, ...]:
        return tuple(item for item in self.items if item.status == PENDING)

    @property
    def blocking(self) -> tuple[DriftItem, ...]:
        """Pending changes that fail the gate (at the required stage or below)."""
        return tuple(item for item in self.pending if item.change.blocking)

    @property
    def passed(self) -> bool:
        """No pending change at the required stage or below."""
        return not self.blocking

    def pending_view(self) -> DiffResult:
        """What the child still has to take, as a diff of the child against the mother now.

        The pending changes are its open deviations, located where the mother
        changed (old value -> new value); the formats built for diffs (HTML,
        JUnit, SARIF, GitHub annotations) render drift through this view.
        """
        deviations = tuple(item.change for item in self.pending)
        taken = len(self.items) - len(deviations)
        return DiffResult(
            mother=self.mother_now,
            child=self.child,
            required=self.required,
            deviations=deviations,
            notes=(
                f"drift: changes the mother made from version {self.mother_then.version} to "
                f"{self.mother_now.version} that {self.child.site} has not taken "
                f"({len(deviations)} pending, {taken} already taken)",
                *self.notes,
            ),
        )


def compute_drift(
    child: RecipeSource,
    mother: RecipeSource,
    repo: Path,
    *,
    required: Stage | None = None,
    policy: Policy = DEFAULT_POLICY,
    limits: LoadLimits = DEFAULT_LIMITS,
    cache: ParseCache | None = None,
) -> DriftResult:
    """The mother's changes since `child`'s transfer version, each pending or taken.

    `mother` is the mother recipe now (usually the working-tree file); its
    history is read from `repo`, starting at the commit `mother` was read at.
    """
    child_document, mother_now = load_recipe_sources((child, mother), limits, cache=cache)
    reference = child_document.data["line"].get("mother")
    if reference is None:
        raise InputError(
            "the child names no mother version (line.mother.version); drift needs it",
            file=child.display,
        )
    version = str(reference["version"])
    line = child_document.data["line"]
    stage = required or policy.required_for(line["id"], line["site"]) or DEFAULT_REQUIRED_STAGE
    notes = _mother_notes(mother)
    if version == str(mother_now.data["line"]["version"]):
        commit = mother.provenance.commit if mother.provenance else ""
        summary = RecipeSummary.of(mother_now, mother.provenance)
        return DriftResult(
            RecipeSummary.of(child_document, child.provenance),
            summary,
            summary,
            commit,
            stage,
            (),
            notes,
        )
    if mother.provenance is None:
        raise GitError(
            f"{mother.display} is not in a git repository; drift needs the mother's history"
        )
    line_id = str(mother_now.data["line"]["id"])
    with open_repository(repo) as repository:
        then, found_by = find_mother_version(
            repository, mother.provenance, version, line_id, max_bytes=limits.max_bytes
        )
    if found_by:
        notes += (found_by,)
    mother_then = load_recipe_source(then, limits, cache=cache)
    changes = compare_documents(mother_then, mother_now, policy=policy).deviations
    gaps = [d.path for d in compare_documents(mother_now, child_document, policy=policy).deviations]
    items = tuple(
        DriftItem(change, PENDING if _touches(change.path, gaps) else TAKEN) for change in changes
    )
    return DriftResult(
        child=RecipeSummary.of(child_document, child.provenance),
        mother_then=RecipeSummary.of(mother_then, then.provenance),
        mother_now=RecipeSummary.of(mother_now, mother.provenance),
        mother_then_commit=then.provenance.commit if then.provenance else "",
        required=stage,
        items=items,
        notes=notes,
    )


def find_mother_version(
    repository: GitRepository,
    mother: GitProvenance,
    version: str,
    line_id: str,
    *,
    max_bytes: int,
) -> tuple[RecipeSource, str]:
    """The mother recipe as it was at `version`, and a note when found by tag ('' if not).

    First the newest commit (from `mother.commit` back) whose recipe declares
    `line.version: version`; then a tag `<line id>/<version>`,
    `<line id>-<version>`, `v<version>` or `<version>` that holds the file.
    """
    path = mother.path
    for found in repository.history(path, revision=mother.commit, max_bytes=max_bytes):
        if found.content is None:
            continue
        name = f"{found.short}:{path}"
        if declared_version(found.content, name) == version:
            provenance = GitProvenance(found.commit, found.short, path, dirty=False)
            return RecipeSource(name, found.content, provenance, None), ""
    for tag in (f"{line_id}/{version}", f"{line_id}-{version}", f"v{version}", version):
        commit = repository.tag_commit(tag)
        if commit is None:
            continue
        content = repository.read(commit, path, max_bytes=max_bytes, revision=tag)
        if content is not None:
            provenance = GitProvenance(commit, tag, path, dirty=False)
            note = f"mother version {version} found by tag {tag} (no commit declares it)"
            return RecipeSource(f"{tag}:{path}", content, provenance, None), note
    raise GitError(f"mother version {version} of {path} not found in its git history or tags")


def _mother_notes(mother: RecipeSource) -> tuple[str, ...]:
    if mother.provenance is not None and mother.provenance.dirty:
        return (f"{mother.display} has changes not committed to git",)
    return ()


def _touches(path: str, others: Iterable[str]) -> bool:
    """Whether any of `others` is `path`, lies above it, or lies below it."""
    return any(_related(path, other) or _related(other, path) for other in others)


def _related(path: str, ancestor: str) -> bool:
    return path == ancestor or path.startswith((ancestor + ".", ancestor + "["))


__all__ = [
    "PENDING",
    "TAKEN",
    "DriftItem",
    "DriftResult",
    "DriftStatus",
    "compute_drift",
    "find_mother_version",
]


def mother_beside(child: RecipeSource, limits: LoadLimits = DEFAULT_LIMITS) -> Path:
    """The mother recipe of the child's line in the child's own folder.

    Used when `cexact drift` is not told which mother to compare with.
    """
    from cexact.errors import RecipeLoadError, UsageError
    from cexact.recipe.loader import load_file

    if child.path is None:
        raise UsageError("name the mother recipe with --mother when the child is read from git")
    line_id = load_recipe_source(child, limits).data["line"]["id"]
    folder = child.path.parent
    mothers = []
    for candidate in sorted(folder.glob("*.y*ml")):
        if candidate == child.path:
            continue
        try:
            data = load_file(candidate, limits).data
        except RecipeLoadError:
            continue
        line = data.get("line")
        if isinstance(line, dict) and line.get("id") == line_id and line.get("role") == "mother":
            mothers.append(candidate)
    if not mothers:
        raise UsageError(
            f"no mother recipe of line {line_id!r} beside {child.display}; name it with --mother"
        )
    if len(mothers) > 1:
        names = ", ".join(str(m) for m in mothers)
        raise UsageError(
            f"{len(mothers)} mother recipes of line {line_id!r} beside {child.display} "
            f"({names}); name the one to use with --mother"
        )
    (mother,) = mothers
    if mother.is_symlink() and not mother.resolve().is_relative_to(folder.resolve()):
        raise UsageError(
            f"the mother beside {child.display}, {mother}, is a symbolic link to "
            f"{mother.resolve()}, outside its folder; name it with --mother if it is the one"
        )
    return mother
