"""`cexact log`'s core: a recipe's git history, each commit's changes classified by stage."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from pathlib import Path

from cexact.commands.diff import compare_documents
from cexact.compare.policy import DEFAULT_POLICY, Policy
from cexact.errors import CexactError, GitError, ValidationFailed
from cexact.model import Deviation
from cexact.recipe.cache import ParseCache
from cexact.recipe.git_repository import FileVersion, open_repository
from cexact.recipe.loader import DEFAULT_LIMITS, LoadedDocument, LoadLimits, load_bytes
from cexact.recipe.reading import load_valid_recipe

CREATED = "created"
DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One commit that touched the recipe, and what it changed.

    `version.content` is always None here (the bytes are not kept); whether
    the commit deleted the file is `deleted`. `changes` compare the recipe at
    the commit's first parent (`mother` side) with the recipe at the commit
    (`child` side). `note` is "created", "deleted", a one-line reason the
    commit could not be compared, or "".
    """

    version: FileVersion
    recipe_version: str | None
    changes: tuple[Deviation, ...]
    note: str = ""

    @property
    def deleted(self) -> bool:
        return self.note == DELETED


@dataclass(frozen=True, slots=True)
class RecipeLog:
    path: str
    """The recipe's path relative to the repository root."""
    entries: tuple[LogEntry, ...]
    """Newest first."""


def recipe_log(
    path_in_repo: str,
    repo: Path,
    *,
    since: datetime.date | None = None,
    max_count: int | None = None,
    policy: Policy = DEFAULT_POLICY,
    limits: LoadLimits = DEFAULT_LIMITS,
    cache: ParseCache | None = None,
) -> RecipeLog:
    """The commits that touched a recipe, newest first, each compared with its first parent.

    So the oldest entry in the window (`since`, `max_count`) still shows its
    changes. A commit where the recipe (or its parent's) is not valid gets a
    note instead of changes; nothing about one commit stops the log.
    """
    entries: list[LogEntry] = []
    with open_repository(repo) as repository:
        path = repository.path_in_repository(path_in_repo)
        for version in repository.history(
            path, since=since, max_count=max_count, max_bytes=limits.max_bytes
        ):
            parent = repository.first_parent(version.commit)
            previous = repository.read(parent, path, max_bytes=limits.max_bytes) if parent else None
            entries.append(_entry(version, previous, path, policy, limits, cache))
        if not entries and since is None and max_count != 0:
            raise GitError(f"{path} has no commits in {repository.root_or_fail()}")
    return RecipeLog(path, tuple(entries))


def _entry(
    version: FileVersion,
    previous: bytes | None,
    path: str,
    policy: Policy,
    limits: LoadLimits,
    cache: ParseCache | None,
) -> LogEntry:
    meta = replace(version, content=None)
    if version.content is None:
        return LogEntry(meta, None, (), DELETED)
    name = f"{version.short}:{path}"
    try:
        current = load_valid_recipe(
            Path(path), limits, cache=cache, source=name, content=version.content
        )
    except CexactError as error:
        declared = declared_version(version.content, name, limits)
        return LogEntry(meta, declared, (), f"not a valid recipe here: {one_line(error)}")
    recipe_version = str(current.data["line"]["version"])
    if previous is None:
        return LogEntry(meta, recipe_version, (), CREATED)
    try:
        before: LoadedDocument = load_valid_recipe(
            Path(path),
            limits,
            cache=cache,
            source=f"{version.short}^:{path}",
            content=previous,
        )
    except CexactError as error:
        note = f"not compared: the previous version is not a valid recipe: {one_line(error)}"
        return LogEntry(meta, recipe_version, (), note)
    changes = compare_documents(before, current, policy=policy).deviations
    return LogEntry(meta, recipe_version, changes)


def declared_version(
    content: bytes, source: str, limits: LoadLimits = DEFAULT_LIMITS
) -> str | None:
    """`line.version` if the bytes are YAML that has one (valid recipe or not)."""
    try:
        data = load_bytes(content, source, limits).data
    except CexactError:
        return None
    line = data.get("line")
    version = line.get("version") if isinstance(line, dict) else None
    return version if isinstance(version, str) else None


def one_line(error: CexactError) -> str:
    """The error, with its first finding if it has findings, on one line."""
    text = str(error)
    if isinstance(error, ValidationFailed) and error.details:
        more = len(error.details) - 1
        text = error.details[0] + (f" (and {more} more)" if more else "")
    return " ".join(text.split())


__all__ = ["CREATED", "DELETED", "LogEntry", "RecipeLog", "declared_version", "recipe_log"]
