"""A parse cache keyed by file content: a repeated diff of unchanged files skips YAML.

An entry holds the loaded data and key positions of one valid recipe, stored
with marshal (the fastest serialiser for plain data) under the user cache
directory, in a file named by the sha256 of the file's bytes and this cexact
version. Only documents that validated are stored, so a hit also skips
validation. `CEXACT_CACHE_DIR` moves the cache; `--no-cache` bypasses it.
Any unreadable or corrupt entry is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from pathlib import Path
from typing import Any

from cexact import __version__

_FORMAT = 1


def cache_directory() -> Path:
    configured = os.environ.get("CEXACT_CACHE_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("cexact")) / "parsed"


def _entry_path(sha256: str, schema_name: str) -> Path:
    return cache_directory() / f"{sha256}-{schema_name}-{__version__}.marshal"


def lookup(sha256: str, schema_name: str) -> tuple[Any, dict[Any, Any]] | None:
    """(data, locations) of a document with this content, if cached."""
    try:
        raw = _entry_path(sha256, schema_name).read_bytes()
        entry = marshal.loads(raw)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(entry, tuple) and len(entry) == 3 and entry[0] == _FORMAT):
        return None
    return entry[1], entry[2]


def store(sha256: str, schema_name: str, data: Any, locations: dict[Any, Any]) -> None:
    """Remember a valid document; failures to write are not errors (it is a cache)."""
    path = _entry_path(sha256, schema_name)
    with contextlib.suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps((_FORMAT, data, locations)))
        temporary.replace(path)
