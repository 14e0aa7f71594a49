"""Writing to a recipe repository: a branch and commits, for `cexact adopt --commit`.

Reading git stays in `cexact.recipe.git_source` and `git_repository`; this is the only module that
changes a repository. It refuses a working tree with uncommitted changes to
tracked files (untracked files are left alone), and a branch that already
exists. gitpython runs the `git` commands, so the repository's own
configuration (author, hooks, signing) applies; its exceptions never escape.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from cexact.errors import GitError, UsageError

if TYPE_CHECKING:
    from git import Repo


@contextmanager
def _git_errors(action: str) -> Iterator[None]:
    import git

    try:
        yield
    except git.exc.GitCommandError as error:
        text = str(error.stderr or "").strip().removeprefix("stderr:").strip(" '\n")
        first = next((line for line in text.splitlines() if line.strip()), "")
        raise GitError(f"{action}: {first or f'git exited with status {error.status}'}") from None
    except (git.exc.GitError, ValueError, OSError) as error:
        raise GitError(f"{action}: {str(error).splitlines()[0] if str(error) else error}") from None


class RepositoryWriter:
    """The work tree that holds the recipes, opened for a branch and commits."""

    def __init__(self, folder: Path) -> None:
        try:
            import git
        except ImportError as error:
            raise GitError(f"git is not available: {error}") from None
        try:
            self._repo: Repo = git.Repo(folder, search_parent_directories=True)
        except (git.exc.InvalidGitRepositoryError, git.exc.NoSuchPathError):
            raise UsageError(f"--commit needs a git repository; {folder} is not in one") from None
        work_tree = self._repo.working_tree_dir
        if work_tree is None:
            raise UsageError(f"the repository at {self._repo.git_dir} has no work tree")
        self.root = Path(work_tree).resolve()

    def __enter__(self) -> RepositoryWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._repo.close()

    def refuse_dirty(self) -> None:
        """A UsageError when tracked files have changes not committed (staged or not)."""
        with _git_errors("cannot read the working tree's status"):
            output = str(self._repo.git.status("--porcelain", "--untracked-files=no"))
        changed = [line[3:] for line in output.splitlines() if line.strip()]
        if changed:
            shown = ", ".join(changed[:5]) + (", ..." if len(changed) > 5 else "")
            raise UsageError(
                f"--commit refuses a dirty working tree in {self.root}: {len(changed)} file(s) "
                f"with uncommitted changes ({shown}); commit or stash them first"
            )

    def refuse_existing_branch(self, name: str) -> None:
        with _git_errors(f"invalid branch name {name!r}"):
            self._repo.git.check_ref_format("--branch", name)
        if name in {head.name for head in self._repo.heads}:
            raise UsageError(f"branch {name!r} already exists; delete it or adopt from there")

    def start_branch(self, name: str) -> None:
        """Create branch `name` at HEAD and check it out (the files do not change)."""
        self.refuse_existing_branch(name)
        with _git_errors(f"cannot create branch {name!r}"):
            self._repo.git.checkout("-b", name)

    def commit_file(self, path: Path, message: str) -> str:
        """Commit `path` (already written) with `message`; the new commit's sha."""
        relative = path.resolve().relative_to(self.root).as_posix()
        with _git_errors(f"cannot commit {relative}"):
            self._repo.git.add("--", relative)
            self._repo.git.commit("--quiet", "-m", message, "--", relative)
            return str(self._repo.head.commit.hexsha)


__all__ = ["RepositoryWriter"]
