"""Writing report files atomically: readers see the old file or the whole new one.

A report goes to a temporary file beside its target (`.cexact-<pid>-<random>.tmp`),
is flushed to disk, then renamed over the target. What is replaced keeps its
permission bits; a new file gets the user's umask, like any other file the user
creates. A symbolic link is written through (its target is replaced, the link
stays). A character device (`/dev/null`, `/dev/stdout`) is written into, never
replaced; anything else that is not a regular file (a folder, a FIFO, a socket)
is refused, as is a report path that is one of the command's own inputs.

A process killed mid-write leaves its temporary file behind; the next write into
the same folder removes such files when the process that made them is gone.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from cexact.errors import InputError, UsageError

TEMPORARY_PREFIX = ".cexact-"
TEMPORARY_SUFFIX = ".tmp"


def write_text_atomic(path: Path, text: str, *, inputs: Iterable[Path] = ()) -> None:
    """Write `text` to `path` via a temporary file in the same folder and a rename."""
    try:
        status: os.stat_result | None = path.stat()
    except FileNotFoundError:
        status = None
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror or error}") from None
    if status is not None and stat.S_ISCHR(status.st_mode):
        _write_through(path, text)
        return
    if status is not None and not stat.S_ISREG(status.st_mode):
        raise InputError(f"cannot write {path}: it exists and is not a regular file")
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    _refuse_inputs(path, target, status, inputs)
    mode = stat.S_IMODE(status.st_mode) if status is not None else _default_mode()
    folder = target.parent if str(target.parent) else Path()
    remove_stale_temporaries(folder)
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f"{TEMPORARY_PREFIX}{os.getpid()}-", suffix=TEMPORARY_SUFFIX, dir=folder
        )
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        if isinstance(error, OSError):
            raise InputError(f"cannot write {path}: {error.strerror or error}") from None
        raise


def _write_through(path: Path, text: str) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="") as stream:
            stream.write(text)
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror or error}") from None


def _refuse_inputs(
    path: Path, target: Path, status: os.stat_result | None, inputs: Iterable[Path]
) -> None:
    if status is None:
        return
    for source in inputs:
        with contextlib.suppress(OSError):
            if Path(source).samefile(target):
                raise UsageError(f"-o {path} is one of the command's inputs; write elsewhere")


def _default_mode() -> int:
    """What a newly created file gets: 0666 less the process's umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def remove_stale_temporaries(folder: Path) -> None:
    """Remove temporary files that killed cexact processes left in `folder`."""
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except OSError:
        return
    for name in names:
        if not (name.startswith(TEMPORARY_PREFIX) and name.endswith(TEMPORARY_SUFFIX)):
            continue
        pid_text = name[len(TEMPORARY_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid() or _alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            (folder / name).unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True  # someone else's process
    return True
