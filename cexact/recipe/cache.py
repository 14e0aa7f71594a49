"""A parse cache keyed by file content: a repeated diff of unchanged files skips YAML.

An entry holds the loaded data and key positions of one valid recipe, stored
with marshal (the fastest serialiser for plain data) under the user cache
directory, in a file named by the sha256 of the file's bytes, this cexact
version and a fingerprint of the schema and unit definitions. Only documents
that validated are stored, so a hit also skips validation. `CEXACT_CACHE_DIR`
moves the cache; `--no-cache` bypasses it. Any unreadable or corrupt entry is
ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
from functools import cache
from importlib.resources import files
from pathlib import Path

from cexact import __version__
from cexact.recipe import schema_store
from cexact.recipe.loader import LoadedDocument, PackedLocations, pack_locations

_FORMAT = 2


_directory_override: Path | None = None


def use_directory(path: Path | None) -> None:
    """Use `path` for this process's cache (None: back to the configured one).

    `cexact check --no-cache` points its workers at a temporary directory, so
    that each file is still parsed only once per run.
    """
    global _directory_override
    _directory_override = path


def cache_directory() -> Path:
    if _directory_override is not None:
        return _directory_override
    configured = os.environ.get("CEXACT_CACHE_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("cexact")) / "parsed"


@cache
def _rules_fingerprint(schema_name: str) -> str:
    """What a cached 'valid' depends on besides the file: the schema and unit definitions.

    With it in the key, editing either (even without a new version number)
    never lets an entry skip a rule it was not checked against.
    """
    digest = hashlib.sha256(schema_store.schema_text(schema_name).encode())
    digest.update(files("cexact.recipe").joinpath("units.txt").read_bytes())
    return digest.hexdigest()[:12]


def _entry_path(sha256: str, schema_name: str) -> Path:
    rules = _rules_fingerprint(schema_name)
    return cache_directory() / f"{sha256}-{schema_name}-{__version__}-{rules}.marshal"


def lookup(sha256: str, schema_name: str, source: str) -> LoadedDocument | None:
    """The document with this content, if cached (named `source`)."""
    try:
        raw = _entry_path(sha256, schema_name).read_bytes()
        entry = marshal.loads(raw)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(entry, tuple) and len(entry) == 5 and entry[0] == _FORMAT):
        return None
    _, data, keys, positions, booleans = entry
    return LoadedDocument(
        source=source,
        data=data,
        locations=PackedLocations(keys, positions),
        sha256=sha256,
        boolean_paths=booleans,
    )


def store(schema_name: str, document: LoadedDocument) -> None:
    """Remember a valid document; failures to write are not errors (it is a cache)."""
    path = _entry_path(document.sha256, schema_name)
    keys, positions = pack_locations(document.locations)
    entry = (_FORMAT, document.data, keys, positions, document.boolean_paths)
    with contextlib.suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps(entry))
        temporary.replace(path)
