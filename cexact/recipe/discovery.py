"""Finding cexact's files: YAML files under folders, and which format a document is in.

A folder is searched for `*.yaml` and `*.yml` files (hidden folders such as
`.git` are skipped). Nothing that might be a recipe is skipped silently: a
folder or file that cannot be read, a broken symbolic link, or a FIFO, device
or socket named like a YAML file is an error that names it.

A repository of recipes also holds YAML that is not cexact's (a
`.pre-commit-config.yaml`, CI workflows). A file is cexact's when a top-level
key says so: `cexact: 1` (a recipe), `cexact-waivers: 1` or `cexact-project: 1`,
or when it has a recipe's own top-level keys (`line:`, `steps:`) so that a
recipe missing its marker is reported rather than passed over. The test is a
scan of the text, not a YAML parse: other tools' files may use YAML that
cexact's strict loader refuses. Under a folder, other YAML is skipped (and
counted); a file named on the command line is always checked, unless the
caller asks to skip unmarked files (the pre-commit hook, which is handed
every staged YAML file).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cexact.errors import UnreadableInputs, UsageError
from cexact.recipe.loader import LoadedDocument

YAML_SUFFIXES = (".yaml", ".yml")
MARKERS = {"cexact": "recipe", "cexact-waivers": "waivers", "cexact-project": "project"}
_CEXACT_KEY = re.compile(
    rb"""^(?:["']?)(cexact(?:-waivers|-project)?|line|steps|waivers)(?:["']?)[ \t]*:""",
    re.MULTILINE,
)
_MARKER_SCAN_BYTES = 1 << 20


_RECIPE_KEYS = ("cexact", "line", "steps")


def schema_name_for(document: LoadedDocument) -> str | None:
    """Which of cexact's formats a YAML document is written in (None: not cexact's)."""
    data = document.data
    if not isinstance(data, dict):
        return None
    if "cexact-project" in data:
        return "project"
    if "cexact-waivers" in data or "waivers" in data:
        return "waivers"
    if any(key in data for key in _RECIPE_KEYS):
        return "recipe"
    return None


NOT_CEXACT = (
    "not a cexact file: it has no top-level 'cexact: 1' (recipe), "
    "'cexact-waivers: 1' or 'cexact-project: 1'"
)
PROJECT_FILE_NAME = "cexact.yaml"
_PROJECT_KEY = re.compile(rb"""^["']?cexact-project["']?[ \t]*:""", re.MULTILINE)


def is_project_file(path: Path) -> bool:
    """A project file: named cexact.yaml, or marked `cexact-project: 1`."""
    if path.name == PROJECT_FILE_NAME:
        return True
    try:
        with path.open("rb") as stream:
            head = stream.read(_MARKER_SCAN_BYTES)
    except OSError:
        return False
    return _PROJECT_KEY.search(head) is not None


def looks_like_cexact(content: bytes) -> bool:
    """Whether the text has a top-level key that makes it one of cexact's files."""
    return _CEXACT_KEY.search(content, 0, _MARKER_SCAN_BYTES) is not None


@dataclass(frozen=True, slots=True)
class Discovery:
    """What a search found: cexact's files, and the other YAML files it passed over."""

    files: tuple[Path, ...]
    others: tuple[Path, ...] = ()


def discover(paths: Sequence[Path], *, skip_unmarked: bool = False) -> Discovery:
    """Files named directly, and every cexact YAML file below named folders, in order.

    A path that does not exist is a usage error; anything that cannot be read
    is an InputError naming each such path.
    """
    files: list[Path] = []
    others: list[Path] = []
    problems: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            below = _walk(path, problems)
            if not below and not problems:
                raise UsageError(f"no *.yaml or *.yml files under {path}")
            for candidate in below:
                (files if _is_cexact(candidate, problems) else others).append(candidate)
        elif path.exists() or path.is_symlink():
            if skip_unmarked and not _is_cexact(path, problems):
                others.append(path)
            else:
                files.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    if problems:
        raise UnreadableInputs(tuple((str(path), problem) for path, problem in problems))
    return Discovery(tuple(files), tuple(others))


def discover_yaml_files(paths: Sequence[Path]) -> list[Path]:
    """cexact's files among `paths` and below its folders (see `discover`)."""
    return list(discover(paths).files)


def _walk(root: Path, problems: list[tuple[Path, str]]) -> list[Path]:
    """Every YAML file below `root`, sorted; what cannot be read goes to `problems`."""
    found: list[Path] = []
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda entry: entry.name)
        except OSError as error:
            problems.append((folder, f"cannot read the folder: {error.strerror or error}"))
            continue
        for entry in listed:
            path = Path(entry.path)
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir and not entry.is_symlink():
                pending.append(path)
            elif path.suffix in YAML_SUFFIXES:
                problem = _not_a_file(path)
                if problem is not None:
                    problems.append((path, problem))
                else:
                    found.append(path)
    return sorted(found)


def _not_a_file(path: Path) -> str | None:
    """Why `path` (named like a YAML file) cannot be read as one; None if it can."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return "a broken symbolic link" if path.is_symlink() else "no such file"
    except OSError as error:
        return f"cannot read: {error.strerror or error}"
    if stat.S_ISDIR(status.st_mode):
        return "a folder named like a YAML file"
    if not stat.S_ISREG(status.st_mode):
        return f"not a regular file ({_file_type(status.st_mode)})"
    return None


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _is_cexact(path: Path, problems: list[tuple[Path, str]]) -> bool:
    problem = _not_a_file(path)
    if problem is not None:
        problems.append((path, problem))
        return False
    try:
        with path.open("rb") as stream:
            head = stream.read(_MARKER_SCAN_BYTES)
    except OSError as error:
        problems.append((path, f"cannot read: {error.strerror or error}"))
        return False
    return looks_like_cexact(head)
