"""The files a report names, as a code host sees them: relative to the repository root.

GitHub code scanning, GitHub annotations and GitLab Code Quality show a
finding on a file of the repository, named relative to its root, whatever
folder cexact ran in: `cd recipes && cexact check .` must name
`recipes/cell-4680/mother.yaml`, not `cell-4680/mother.yaml`, and an absolute
DIR must not turn into `file:///...`.

A file's root is the top of the git work tree that holds it (the nearest
folder above it with a `.git` entry, as git finds it), after symbolic links
are resolved. A file in no work tree is named relative to the checked folder
(`check`'s DIR); when the command has none, or the file lies outside it, the
deepest folder that holds the checked folder and every such file.

A file read from git as `REV:PATH` is PATH in the repository of the current
folder (as `cexact diff` reads it), and its text is the blob at REV. The text
of every file is read once, on first use, for the region ends and line hashes
that the code-scanning formats give; a file that can no longer be read (gone
since the command read it) has no text, and its lines are empty.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cexact.errors import InputError
from cexact.report.line_hash import line_hashes

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class RepositoryFiles:
    """Repository-relative paths and line texts of the files one report names."""

    def __init__(self, files: Iterable[str], checked_folder: str | None = None) -> None:
        self._roots: dict[Path, Path | None] = {}
        self._texts: dict[str, str] = {}
        self._lines: dict[str, list[str]] = {}
        self._hashes: dict[str, dict[int, str]] = {}
        self._git_paths: dict[str, str] = {}
        outside = [
            _resolved(file).parent
            for file in dict.fromkeys(files)
            if not _from_git(file) and self.work_tree_root(file) is None
        ]
        anchors = [Path(checked_folder).resolve()] if checked_folder is not None else []
        # The checked folder, or the deepest folder that also holds the files outside it.
        self._folder_root = (
            Path(os.path.commonpath([*anchors, *outside])) if anchors or outside else Path.cwd()
        )

    def work_tree_root(self, file: str) -> Path | None:
        """The top of the git work tree that holds `file`, or None."""
        folder = _resolved(file).parent
        if folder not in self._roots:
            self._roots[folder] = next(
                (f for f in (folder, *folder.parents) if (f / ".git").exists()), None
            )
        return self._roots[folder]

    def path(self, file: str) -> str:
        """`file` relative to its repository root, with `/` separators."""
        if _from_git(file):
            return self._git_source(file)
        resolved = _resolved(file)
        root = self.work_tree_root(file) or self._folder_root
        return resolved.relative_to(root).as_posix()

    def text(self, file: str) -> str:
        """The file's text as code hosts read it (UTF-8, undecodable bytes replaced)."""
        if file not in self._texts:
            self._texts[file] = self._read(file)
        return self._texts[file]

    def line(self, file: str, line: int) -> str:
        """Line `line` (1-based) of the file, without its line break ('' past the end)."""
        if file not in self._lines:
            self._lines[file] = _LINE_BREAK.split(self.text(file))
        lines = self._lines[file]
        return lines[line - 1] if 1 <= line <= len(lines) else ""

    def line_hash(self, file: str, line: int) -> str:
        """GitHub's primaryLocationLineHash of the line (see `cexact.report.line_hash`).

        A line the text does not have gets the hash of an empty line.
        """
        if file not in self._hashes:
            self._hashes[file] = line_hashes(self.text(file))
        return self._hashes[file].get(line) or line_hashes("")[1]

    def _read(self, file: str) -> str:
        if _from_git(file):
            self._git_source(file)
            return self._texts.get(file, "")
        try:
            return Path(file).read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def _git_source(self, file: str) -> str:
        """PATH of `REV:PATH` in its repository; reading it also keeps its text."""
        if file not in self._git_paths:
            from cexact.recipe.git_source import read_recipe_source

            path_text = file.partition(":")[2]
            try:
                source = read_recipe_source(file)
            except InputError:
                self._git_paths[file] = path_text.removeprefix("./")
            else:
                assert source.provenance is not None  # read from git: it has one
                self._git_paths[file] = source.provenance.path
                self._texts[file] = source.content.decode("utf-8", errors="replace")
        return self._git_paths[file]

    def remote_url(self, file: str) -> str | None:
        """The `origin` remote of the file's repository as an absolute URI, without
        credentials; None when it has none (or git cannot say)."""
        root = self.work_tree_root(file)
        if root is None:
            return None
        try:
            completed = subprocess.run(
                ["git", "config", "--get", "remote.origin.url"],
                cwd=root,
                capture_output=True,
                text=True,
                check=False,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        url = completed.stdout.strip()
        return remote_uri(url) if completed.returncode == 0 and url else None


_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/@]{2,}):(?P<path>[^/].*)$")


def remote_uri(url: str) -> str | None:
    """A git remote as an absolute URI with no user name or password in it.

    `git@github.com:org/repo.git` becomes `ssh://github.com/org/repo.git`;
    `https://token@host/org/repo` becomes `https://host/org/repo`. A local
    path is no repository URI: None.
    """
    parts = urlsplit(url)
    if parts.scheme and parts.netloc:
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    scp = _SCP_LIKE.match(url)
    if scp:
        return f"ssh://{scp['host']}/{scp['path']}"
    return None


def _from_git(file: str) -> bool:
    """Whether a report names the file as `REV:PATH` (read from git, not from disk)."""
    return ":" in file and not Path(file).exists() and not Path(file).is_absolute()


def _resolved(file: str) -> Path:
    return Path(file).resolve()
