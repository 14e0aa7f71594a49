"""Recipes read from git: `REV:PATH` arguments, provenance, and a file's history.

Anywhere a recipe path is accepted, `REV:PATH` reads PATH as it was at git
revision REV (a tag, branch, commit sha, `HEAD~2`, `v1^`...). An argument that
names an existing file is always that file. PATH is relative to the repository
root, as in `git show REV:PATH`; a PATH that starts with `./` or `../` is
relative to the current directory instead (git's own rule), and must still lie
inside the repository.

The repository itself (revisions, reading at a commit, history) is
`git_repository`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cexact.errors import GitError
from cexact.recipe.git_repository import (
    DEFAULT_MAX_BYTES,
    check_path_syntax,
    check_revision,
    open_repository,
)
from cexact.recipe.loader import LoadLimits, read_source_bytes

WORKING_TREE = "working tree"
"""The `revision` of a recipe read from disk."""


@dataclass(frozen=True, slots=True)
class GitProvenance:
    """Where a recipe's bytes came from in git, for the audit record."""

    commit: str
    """The full sha of the commit read (for a working-tree file: HEAD)."""
    revision: str
    """The revision as the user wrote it, or "working tree"."""
    path: str
    """The file's path relative to the repository root, with '/' separators."""
    dirty: bool
    """The bytes read differ from that commit's blob, or the file is untracked."""


@dataclass(frozen=True, slots=True)
class RecipeSource:
    """A recipe's bytes and where they came from, ready for `load_valid_recipe`."""

    display: str
    content: bytes
    provenance: GitProvenance | None
    path: Path | None
    """The filesystem path when read from disk; None when read from git."""


def read_recipe_source(
    argument: str, repo: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> RecipeSource:
    """A recipe named on the command line: an existing file, else `REV:PATH` in `repo`.

    `repo` defaults to the repository containing the current directory.
    """
    path = Path(argument)
    if _is_file(path) or ":" not in argument:
        content = read_source_bytes(path, LoadLimits(max_bytes=max_bytes))
        return RecipeSource(argument, content, working_tree_provenance(path, content), path)
    revision, _, path_text = argument.partition(":")
    return read_at_revision(revision, path_text, repo, max_bytes=max_bytes)


def read_at_revision(
    revision: str,
    path_text: str,
    repo: Path | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> RecipeSource:
    """PATH as it is at REV; displayed as `REV:PATH`."""
    check_revision(revision)
    check_path_syntax(path_text)
    with open_repository(repo) as repository:
        path = repository.path_in_repository(path_text)
        commit = repository.resolve(revision)
        content = repository.read(commit, path, max_bytes=max_bytes, revision=revision)
    if content is None:
        raise GitError(f"{path} does not exist at {revision}")
    return RecipeSource(
        display=f"{revision}:{path_text}",
        content=content,
        provenance=GitProvenance(commit, revision, path, dirty=False),
        path=None,
    )


def working_tree_provenance(path: Path, content: bytes) -> GitProvenance | None:
    """HEAD and a dirty flag for a file on disk; None outside a git work tree.

    Also None when the repository has no commit yet or cannot be read: reading a
    plain file must not fail because of git. "dirty" compares bytes: a file
    that differs from HEAD's blob only by git's line-ending or clean filters
    counts as dirty.
    """
    resolved = path.resolve()
    if not _has_git_ancestor(resolved.parent):
        return None
    try:
        with open_repository(resolved.parent) as repository:
            relative = repository.relative_to_root(resolved)
            head = repository.head_commit()
            if relative is None or head is None:
                return None
            committed = repository.blob_sha(head, relative)
    except GitError:
        return None
    dirty = committed != git_blob_sha(content)
    return GitProvenance(head, WORKING_TREE, relative, dirty)


def working_tree_provenances(files: Iterable[tuple[Path, str]]) -> dict[Path, GitProvenance]:
    """`working_tree_provenance` for many files: one repository read per work tree.

    `files` pairs each file on disk with the git blob sha of its bytes
    (`git_blob_sha`). Files outside a work tree, in one without a commit, or in
    one that cannot be read are left out, as `working_tree_provenance` leaves them.
    """
    by_work_tree: dict[Path, dict[Path, str]] = defaultdict(dict)
    for path, blob in files:
        folder = _work_tree_folder(path.resolve().parent)
        if folder is not None:
            by_work_tree[folder][path] = blob
    found: dict[Path, GitProvenance] = {}
    for folder, blobs in by_work_tree.items():
        try:
            with open_repository(folder) as repository:
                head = repository.head_commit()
                relative = {path: repository.relative_to_root(path.resolve()) for path in blobs}
                inside = [r for r in relative.values() if r is not None]
                committed = repository.blob_shas(head, inside) if head is not None else {}
        except GitError:
            continue
        if head is None:
            continue
        for path, blob in blobs.items():
            in_repo = relative[path]
            if in_repo is not None:
                dirty = committed.get(in_repo) != blob
                found[path] = GitProvenance(head, WORKING_TREE, in_repo, dirty)
    return found


def locate_in_repository(path: Path) -> tuple[Path, str]:
    """The work tree containing `path` (which may no longer exist) and its path in it."""
    resolved = path.resolve()
    start = next((p for p in resolved.parents if p.is_dir()), resolved.anchor)
    with open_repository(Path(start)) as repository:
        relative = repository.relative_to_root(resolved)
    if relative is None:
        raise GitError(f"{path} is not inside a git work tree")
    return repository.root_or_fail(), relative


def git_blob_sha(content: bytes) -> str:
    """The sha git gives these bytes as a blob."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _has_git_ancestor(directory: Path) -> bool:
    """Cheap test (no gitpython import) for whether a directory may be in a work tree."""
    return _work_tree_folder(directory) is not None


def _work_tree_folder(directory: Path) -> Path | None:
    """The nearest folder at or above `directory` that holds a `.git` (no gitpython)."""
    return next((f for f in (directory, *directory.parents) if (f / ".git").exists()), None)


__all__ = [
    "WORKING_TREE",
    "GitProvenance",
    "RecipeSource",
    "git_blob_sha",
    "locate_in_repository",
    "read_at_revision",
    "read_recipe_source",
    "working_tree_provenance",
    "working_tree_provenances",
]
