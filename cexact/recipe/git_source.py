"""Recipes read from git: `REV:PATH` arguments, provenance, and a file's history.

Anywhere a recipe path is accepted, `REV:PATH` reads PATH as it was at git
revision REV (a tag, branch, commit sha, `HEAD~2`, `v1^`...). An argument that
names an existing file is always that file. PATH is relative to the repository
root, as in `git show REV:PATH`; a PATH that starts with `./` or `../` is
relative to the current directory instead (git's own rule), and must still lie
inside the repository.

A revision is checked before anything reaches git: a name by the rules of
`git check-ref-format` (which also admits commit shas), then any number of
`~N` / `^N` suffixes. Everything else is refused with a `GitError`: a leading
'-' (it would be read as an option), '..' ranges, `@{...}` reflog entries
(local and expiring: not something an audit record can point at; name the
commit instead), `^{...}` peeling, `:/text` searches. gitpython is imported
only when a repository is actually read; its exceptions never escape.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import TYPE_CHECKING

from cexact.errors import GitError
from cexact.recipe.loader import DEFAULT_LIMITS, LoadLimits, read_source_bytes

if TYPE_CHECKING:
    from git import Repo
    from git.exc import GitCommandError
    from git.objects.base import Object as GitObject

DEFAULT_MAX_BYTES = DEFAULT_LIMITS.max_bytes
WORKING_TREE = "working tree"
"""The `revision` of a recipe read from disk."""

_SYMLINK_MODE = 0o120000
_SUFFIXES = re.compile(r"(?:[~^][0-9]*)*")
_FORBIDDEN_IN_NAME = frozenset(" ~^:?*[\\")
_LOG_FIELDS = ("%H", "%h", "%an", "%ae", "%aI", "%s")
_LOG_FORMAT = "%x00".join(_LOG_FIELDS)
"""NUL-separated (with -z, records are too): git keeps NUL out of every field."""


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


@dataclass(frozen=True, slots=True)
class FileVersion:
    """One commit that touched a file, and the file's bytes at that commit."""

    commit: str
    short: str
    author: str
    email: str
    date: str
    """The author date, ISO 8601 with its UTC offset."""
    message: str
    """The first line of the commit message."""
    content: bytes | None
    """None where the commit deleted the file."""


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
    _check_path_syntax(path_text)
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


def check_revision(revision: str) -> None:
    """Refuse a revision that is not NAME followed by `~N`/`^N` suffixes."""
    problem = _revision_problem(revision)
    if problem is not None:
        raise GitError(f"invalid git revision {revision!r}: {problem}")


def _revision_problem(revision: str) -> str | None:
    if not revision:
        return "it is empty (write REV:PATH, e.g. HEAD:recipes/line.yaml)"
    if revision.startswith("-"):
        return "it must not begin with '-'"
    if "@{" in revision:
        return "reflog syntax '@{...}' is not accepted; name the commit instead"
    if ".." in revision:
        return "'..' ranges are not accepted; name one commit"
    cut = next((i for i, c in enumerate(revision) if c in "~^"), len(revision))
    name, suffixes = revision[:cut], revision[cut:]
    if not name:
        return "a name must come before '~' or '^'"
    if not _SUFFIXES.fullmatch(suffixes):
        return "only ~N and ^N may follow a name (as in HEAD~2 or v1^)"
    for character in name:
        if ord(character) < 0x20 or ord(character) == 0x7F:
            return "it contains a control character"
        if character in _FORBIDDEN_IN_NAME:
            return f"{character!r} is not allowed in a git ref name"
    if name == "@":
        return "'@' alone is not accepted; write HEAD"
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return "a ref name must not begin or end with '/' or contain '//'"
    if name.endswith("."):
        return "a ref name must not end with '.'"
    for component in name.split("/"):
        if component.startswith("."):
            return "no part of a ref name may begin with '.'"
        if component.endswith(".lock"):
            return "no part of a ref name may end with '.lock'"
    return None


def _check_path_syntax(path_text: str) -> None:
    if not path_text:
        raise GitError("empty path after ':' (write REV:PATH, e.g. HEAD:recipes/line.yaml)")
    if PurePosixPath(path_text).is_absolute():
        raise GitError(f"path {path_text!r} must be relative to the repository root, not absolute")


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


@contextmanager
def _git_errors(action: str) -> Iterator[None]:
    """Turn any gitpython or gitdb failure into a one-line GitError."""
    import git

    try:
        yield
    except (git.exc.GitError, git.exc.ODBError, ValueError, OSError) as error:
        raise GitError(f"{action}: {_first_line(error)}") from None


def _stderr(error: GitCommandError) -> str:
    """What git printed on stderr (gitpython wraps it as `\n  stderr: '...'`)."""
    return str(error.stderr or "").strip().removeprefix("stderr:").strip(" '\n")


def _first_line(error: Exception) -> str:
    import git

    if isinstance(error, git.exc.GitCommandError):
        text = _stderr(error) or f"git exited with status {error.status}"
    else:
        text = str(error) or type(error).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def open_repository(directory: Path | None = None) -> GitRepository:
    """The repository containing `directory` (default: the current directory)."""
    try:
        import git
    except ImportError as error:  # gitpython refuses to import without a git executable
        raise GitError(f"git is not available: {_first_line(error)}") from None
    start = directory if directory is not None else Path.cwd()
    try:
        repo = git.Repo(start, search_parent_directories=True)
    except (git.exc.InvalidGitRepositoryError, git.exc.NoSuchPathError):
        raise GitError(f"not inside a git repository: {start}") from None
    except (git.exc.GitError, ValueError, OSError) as error:
        raise GitError(f"cannot open the git repository at {start}: {_first_line(error)}") from None
    return GitRepository(repo)


class GitRepository:
    """One open repository: resolve revisions, read files at commits, list a file's history.

    Use it as a context manager; closing it ends gitpython's helper processes.
    """

    def __init__(self, repo: Repo) -> None:
        self._repo = repo
        work_tree = repo.working_tree_dir
        self.root = Path(work_tree).resolve() if work_tree is not None else None

    def __enter__(self) -> GitRepository:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._repo.close()

    def root_or_fail(self) -> Path:
        if self.root is None:
            raise GitError(f"the repository at {self._repo.git_dir} has no work tree")
        return self.root

    def relative_to_root(self, path: Path) -> str | None:
        """`path` (resolved) relative to the work tree root, or None if outside it."""
        if self.root is None:
            return None
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            return None
        return relative.as_posix() if relative.parts else None

    def path_in_repository(self, path_text: str, cwd: Path | None = None) -> str:
        """PATH of `REV:PATH`, normalised; './' and '../' start at the current directory."""
        _check_path_syntax(path_text)
        parts: list[str] = []
        if path_text in (".", "..") or path_text.startswith(("./", "../")):
            current = (cwd or Path.cwd()).resolve()
            relative = self.relative_to_root(current)
            if relative is None and current != self.root:
                raise GitError(
                    f"path {path_text!r} is relative to the current directory, "
                    "which is outside the repository's work tree"
                )
            parts = relative.split("/") if relative else []
        for part in path_text.split("/"):
            if part in ("", "."):
                continue
            if part != "..":
                parts.append(part)
            elif parts:
                parts.pop()
            else:
                raise GitError(f"path {path_text!r} is outside the repository")
        if not parts:
            raise GitError(f"path {path_text!r} names the repository root, not a file")
        return "/".join(parts)

    def resolve(self, revision: str) -> str:
        """The full sha of the commit `revision` names."""
        import git

        check_revision(revision)
        try:
            output = self._repo.git.rev_parse("--verify", "--quiet", f"{revision}^{{commit}}")
        except git.exc.GitCommandError as error:
            if _stderr(error):
                raise GitError(f"cannot resolve {revision!r}: {_first_line(error)}") from None
            raise GitError(f"unknown revision {revision!r}: no such commit") from None
        with _git_errors(f"cannot resolve {revision!r}"):
            sha = str(output).strip()
        return sha

    def head_commit(self) -> str | None:
        """The full sha of HEAD; None before the first commit."""
        try:
            return self.resolve("HEAD")
        except GitError:
            return None

    def tag_commit(self, tag: str) -> str | None:
        """The commit the tag `tag` points at; None if there is no such tag."""
        reference = f"refs/tags/{tag}"
        if _revision_problem(reference) is not None:
            return None
        try:
            return self.resolve(reference)
        except GitError:
            return None

    def first_parent(self, commit: str) -> str | None:
        with _git_errors(f"cannot read commit {commit[:12]}"):
            parents = self._repo.commit(commit).parents
        return parents[0].hexsha if parents else None

    def _entry(self, commit: str, path: str) -> GitObject | None:
        with _git_errors(f"cannot read commit {commit[:12]}"):
            tree = self._repo.commit(commit).tree
            try:
                return tree / path
            except (KeyError, TypeError):
                return None

    def blob_sha(self, commit: str, path: str) -> str | None:
        """The blob sha of PATH at a commit; None where it does not exist."""
        entry = self._entry(commit, path)
        return entry.hexsha if entry is not None and entry.type == "blob" else None

    def blob_shas(self, commit: str, paths: Iterable[str]) -> dict[str, str]:
        """The blob sha of each of `paths` (from the root) that is a file at a commit."""
        wanted = list(dict.fromkeys(paths))
        found: dict[str, str] = {}
        chunk = 500  # paths per git process: far below any command-line limit
        for first in range(0, len(wanted), chunk):
            with _git_errors(f"cannot list the files of commit {commit[:12]}"):
                output = str(
                    self._repo.git.ls_tree(
                        "-r", "-z", "--full-tree", commit, "--", *wanted[first : first + chunk],
                        env={"GIT_LITERAL_PATHSPECS": "1"},
                        strip_newline_in_stdout=False,
                    )
                )  # fmt: skip
            for record in output.split("\x00"):
                meta, _, name = record.partition("\t")
                fields = meta.split()
                if len(fields) == 3 and fields[1] == "blob":
                    found[name] = fields[2]
        return found

    def read(
        self, commit: str, path: str, *, max_bytes: int, revision: str | None = None
    ) -> bytes | None:
        """The bytes of PATH at a commit; None where it does not exist there."""
        entry = self._entry(commit, path)
        if entry is None:
            return None
        at = revision or commit[:12]
        if entry.type != "blob":
            raise GitError(f"{path} at {at} is a {entry.type}, not a file")
        if getattr(entry, "mode", 0) == _SYMLINK_MODE:
            raise GitError(f"{path} at {at} is a symbolic link, not a file")
        with _git_errors(f"cannot read {path} at {at}"):
            size: int = entry.size
            if size > max_bytes:
                raise GitError(
                    f"{path} at {at} is {size:,} bytes, over the {max_bytes:,}-byte limit "
                    "(raise it with --max-file-size)"
                )
            content: bytes = entry.data_stream.read()
        return content

    def history(
        self,
        path: str,
        *,
        revision: str | None = None,
        since: datetime.date | None = None,
        max_count: int | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> Iterator[FileVersion]:
        """The commits that touched PATH, newest first; each file's bytes read when reached."""
        start = self.resolve(revision or "HEAD")
        options = [f"--format={_LOG_FORMAT}", "-z", "--no-show-signature"]
        if since is not None:  # git compares committer dates in local time: leave a margin
            options.append(f"--since={since - datetime.timedelta(days=2)}")
        elif max_count is not None:
            options.append(f"--max-count={max_count}")
        with _git_errors(f"cannot read the history of {path}"):
            output = str(
                self._repo.git.log(*options, start, "--", path, strip_newline_in_stdout=False)
            )
        fields = output.split("\x00")
        width = len(_LOG_FIELDS)
        count = 0
        for first in range(0, len(fields) - width + 1, width):
            if max_count is not None and count >= max_count:
                return
            commit, short, author, email, date, message = fields[first : first + width]
            commit = commit.lstrip("\n")
            if since is not None and datetime.datetime.fromisoformat(date).date() < since:
                continue
            count += 1
            content = self.read(commit, path, max_bytes=max_bytes)
            yield FileVersion(commit, short, author, email, date, message, content)


__all__ = [
    "FileVersion",
    "GitProvenance",
    "GitRepository",
    "RecipeSource",
    "check_revision",
    "locate_in_repository",
    "open_repository",
    "read_at_revision",
    "read_recipe_source",
    "working_tree_provenance",
    "working_tree_provenances",
]
