"""An open git repository, and the revisions cexact lets reach it.

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
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import TYPE_CHECKING

from cexact.errors import GitError
from cexact.recipe.loader import DEFAULT_LIMITS

if TYPE_CHECKING:
    from git import Repo
    from git.exc import GitCommandError
    from git.objects.base import Object as GitObject

DEFAULT_MAX_BYTES = DEFAULT_LIMITS.max_bytes
"""The most bytes read of one file at a commit, unless told otherwise."""

_SYMLINK_MODE = 0o120000
_SUFFIXES = re.compile(r"(?:[~^][0-9]*)*")
_FORBIDDEN_IN_NAME = frozenset(" ~^:?*[\\")
_LOG_FIELDS = ("%H", "%h", "%an", "%ae", "%aI", "%s")
_LOG_FORMAT = "%x00".join(_LOG_FIELDS)
"""NUL-separated (with -z, records are too): git keeps NUL out of every field."""


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


def check_path_syntax(path_text: str) -> None:
    if not path_text:
        raise GitError("empty path after ':' (write REV:PATH, e.g. HEAD:recipes/line.yaml)")
    if PurePosixPath(path_text).is_absolute():
        raise GitError(f"path {path_text!r} must be relative to the repository root, not absolute")


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
        check_path_syntax(path_text)
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
    "DEFAULT_MAX_BYTES",
    "FileVersion",
    "GitRepository",
    "check_path_syntax",
    "check_revision",
    "open_repository",
]
