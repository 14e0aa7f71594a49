"""Strict, located, safe YAML loading.

A recipe tool must never silently misread a recipe, so this loader:

* composes with libyaml (the C parser) where it is available and safe, and
  builds plain Python data itself: only the YAML 1.2 core schema's tags
  (str, int, float, bool, null, map, seq), nothing that runs code;
* resolves plain scalars by the YAML 1.2 core schema, and refuses the plain
  scalars that YAML 1.1 tools read differently (``no`` -> false, ``1:30`` -> 90,
  ``0755`` -> 493, ``1_000``, ``0b101``, ``0o17``) with a message that says to
  quote them or write the value unambiguously;
* refuses an unquoted number under a version-like key (``version: 1.10`` would
  compare equal to ``1.1``);
* refuses duplicate keys (naming both lines), several documents in one file,
  non-UTF-8 input, files over a size limit, alias expansion past a limit
  (billion laughs), nesting past a depth limit, and a top level that is not a
  mapping;
* remembers the line and column (1-based) of every key and sequence item.
"""

from __future__ import annotations

import gc
import hashlib
import os
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cexact.errors import InputError, RecipeLoadError
from cexact.recipe.locations import PathKey, Position


@dataclass(frozen=True, slots=True)
class LoadLimits:
    """Limits that keep hostile or broken input from exhausting the machine."""

    max_bytes: int = 32 * 1024 * 1024
    max_alias_nodes: int = 100_000
    max_depth: int = 64


DEFAULT_LIMITS = LoadLimits()


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """One YAML document as plain data, with where each part of it was written."""

    source: str
    data: Any
    locations: Mapping[PathKey, Position] = field(repr=False)
    sha256: str

    def position_of(self, path: PathKey) -> Position | None:
        """The position of `path`, or of its nearest located ancestor."""
        locations = self.locations
        for end in range(len(path), -1, -1):
            found = locations.get(path[:end])
            if found is not None:
                return found
        return None


def read_source_bytes(
    path: Path,
    limits: LoadLimits = DEFAULT_LIMITS,
    *,
    name: str | None = None,
    error_type: type[InputError] = RecipeLoadError,
    file_kind: str = "file",
    limit_hint: str = " (raise it with --max-file-size)",
) -> bytes:
    """Read a file's bytes, refusing unreadable paths and files over the size limit.

    `file_kind` and `limit_hint` word the messages; errors are `error_type`.
    """
    name = name or str(path)
    try:
        # Opened without blocking (a FIFO would wait for a writer), then checked.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(descriptor, "rb") as stream:
            status = os.fstat(stream.fileno())
            if stat.S_ISDIR(status.st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(status.st_mode):
                raise error_type("not a regular file (a FIFO, device or socket)", file=name)
            if status.st_size > limits.max_bytes:
                raise error_type(
                    f"file is {status.st_size:,} bytes, over the {limits.max_bytes:,}-byte "
                    f"limit{limit_hint}",
                    file=name,
                )
            content = stream.read(limits.max_bytes + 1)
    except IsADirectoryError:
        raise error_type(f"is a directory, not a {file_kind}", file=name) from None
    except FileNotFoundError:
        raise error_type("no such file", file=name) from None
    except PermissionError:
        raise error_type("permission denied", file=name) from None
    except OSError as error:
        raise error_type(f"cannot read: {error.strerror or error}", file=name) from None
    if len(content) > limits.max_bytes:
        raise error_type(f"file is over the {limits.max_bytes:,}-byte limit{limit_hint}", file=name)
    return content


def load_file(path: Path, limits: LoadLimits = DEFAULT_LIMITS) -> LoadedDocument:
    """Read and load one YAML file."""
    return load_bytes(read_source_bytes(path, limits), str(path), limits)


def load_bytes(content: bytes, source: str, limits: LoadLimits = DEFAULT_LIMITS) -> LoadedDocument:
    """Load one YAML document from `content`; `source` names it in messages."""
    if len(content) > limits.max_bytes:
        raise RecipeLoadError(f"file is over the {limits.max_bytes:,}-byte limit", file=source)
    from cexact.recipe.events import EMPTY, EventBuilder  # PyYAML: only when YAML is read

    text = decode_utf8(content, source)
    builder = EventBuilder(
        source, max_depth=limits.max_depth, max_alias_nodes=limits.max_alias_nodes
    )
    with _gc_paused():
        data, root_position = builder.build(text)
    if not isinstance(data, dict):
        if data is EMPTY:
            raise RecipeLoadError("the file is empty: expected a YAML mapping", file=source, line=1)
        kind = "a list" if isinstance(data, list) else "a single value"
        raise RecipeLoadError(
            f"the top level is {kind}; expected a mapping (key: value pairs)",
            file=source,
            line=root_position[0],
            column=root_position[1],
        )
    return LoadedDocument(
        source=source,
        data=data,
        locations=builder.locations,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def decode_utf8(
    content: bytes,
    source: str,
    *,
    error_type: type[InputError] = RecipeLoadError,
    file_kind: str = "",
) -> str:
    """Decode UTF-8 (with or without a byte-order mark), refusing anything else.

    `file_kind` names the files in the message ("CSV"); errors are `error_type`.
    """
    reads = f"cexact reads UTF-8 {file_kind} only" if file_kind else "cexact reads UTF-8 only"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error_type(
            f"the file is UTF-16; {reads} (re-save it as UTF-8)",
            file=source,
            line=1,
            column=1,
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        column = error.start - (content.rfind(b"\n", 0, error.start) + 1) + 1
        raise error_type(
            f"not valid UTF-8 (byte 0x{content[error.start]:02x}); "
            f"{reads} (re-save the file as UTF-8)",
            file=source,
            line=line,
            column=column,
        ) from None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large acyclic data.

    Its passes over hundreds of thousands of fresh containers make loading a
    large recipe several times slower and free nothing (the data holds no
    cycles). Only collection is paused, and only here: nothing else in the
    process is affected.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
