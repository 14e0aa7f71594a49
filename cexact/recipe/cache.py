"""The parse cache: a repeated diff of unchanged files skips YAML and validation.

An entry holds the loaded data and key positions of one *valid* document,
stored with marshal (the fastest serialiser for plain data) in a file named by
the sha256 of the file's bytes and a fingerprint of everything else the cached
result depends on: cexact's version, the schema, the unit definitions and the
source of the rules that read and validate documents (so editing a rule, even
without a new version number, never lets an entry skip it).

What an entry is trusted with, and what not:

- an entry names the content hash and schema it was made for, and is used only
  for a file with that hash: an entry copied or renamed onto another file's key
  is refused;
- an entry of any other shape (truncated, corrupt, another format or version,
  data that no longer fits the schema) is ignored and rewritten, never used;
- an entry is *not* signed: anyone who can write to the cache directory can
  make cexact read crafted data for a file. Keep the directory private to the
  user or CI job (the default, under the user's cache directory, is), and never
  share it with less-trusted jobs.

`ParseCache.from_environment()` is the user's cache (`CEXACT_CACHE_DIR`, else
the platform's user cache directory); `--no-cache` passes no cache at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from cexact import __version__
from cexact.recipe import schema_store
from cexact.recipe.loader import LoadedDocument
from cexact.recipe.locations import PackedLocations, pack_locations, packed_shape_ok

_FORMAT = 4
CACHE_DIR_VARIABLE = "CEXACT_CACHE_DIR"


@dataclass(frozen=True, slots=True)
class ParseCache:
    """A content-keyed store of loaded, valid documents in one directory."""

    directory: Path

    @classmethod
    def from_environment(cls) -> ParseCache:
        """The user's cache: `$CEXACT_CACHE_DIR`, else the user cache directory."""
        configured = os.environ.get(CACHE_DIR_VARIABLE)
        if configured:
            return cls(Path(configured))
        from platformdirs import user_cache_dir

        return cls(Path(user_cache_dir("cexact")) / "parsed")

    def entry_path(self, sha256: str, schema_name: str) -> Path:
        return self.directory / f"{sha256}-{schema_name}-{rules_fingerprint(schema_name)}.marshal"

    def lookup(self, sha256: str, schema_name: str, source: str) -> LoadedDocument | None:
        """The valid document with this content, named `source`; None if not cached."""
        try:
            entry = marshal.loads(self.entry_path(sha256, schema_name).read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return None
        if not _entry_fits(entry, sha256, schema_name):
            return None
        _, _, _, data, keys, positions = entry
        return LoadedDocument(
            source=source, data=data, locations=PackedLocations(keys, positions), sha256=sha256
        )

    def store(self, schema_name: str, document: LoadedDocument) -> None:
        """Remember a valid document; failing to write is not an error (it is a cache)."""
        path = self.entry_path(document.sha256, schema_name)
        keys, positions = pack_locations(document.locations)
        entry = (_FORMAT, document.sha256, schema_name, document.data, keys, positions)
        with contextlib.suppress(OSError, ValueError):
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(marshal.dumps(entry))
            temporary.replace(path)


    # --- small derived values, each bound to the key it was made for ----------------

    def value_path(self, kind: str, key: str) -> Path:
        return self.directory / f"{key}-{kind}-{_sources_fingerprint()}.marshal"

    def lookup_value(self, kind: str, key: str) -> Any:
        """A value stored under (`kind`, `key`); None if absent or not made for that key.

        The caller checks the value's shape before it trusts it.
        """
        try:
            entry = marshal.loads(self.value_path(kind, key).read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return None
        if not (isinstance(entry, tuple) and len(entry) == 4):
            return None
        version, claimed_kind, claimed_key, value = entry
        if (version, claimed_kind, claimed_key) != (_FORMAT, kind, key):
            return None
        return value

    def store_value(self, kind: str, key: str, value: Any) -> None:
        """Remember a derived value (marshal-able plain data); failing to write is no error."""
        path = self.value_path(kind, key)
        with contextlib.suppress(OSError, ValueError):
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(marshal.dumps((_FORMAT, kind, key, value)))
            temporary.replace(path)


def _entry_fits(entry: object, sha256: str, schema_name: str) -> bool:
    """Whether an unmarshalled entry is one this cexact wrote for these bytes."""
    if not (isinstance(entry, tuple) and len(entry) == 6):
        return False
    version, claimed_sha256, claimed_schema, data, keys, positions = entry
    if (version, claimed_sha256, claimed_schema) != (_FORMAT, sha256, schema_name):
        return False
    if not (isinstance(data, dict) and packed_shape_ok(keys, positions)):
        return False
    # The data must still fit the schema: the differ relies on its shape.
    return bool(schema_store.fast_validator(schema_name).is_valid(data))


_RULE_SOURCES = ("cexact.recipe",)
"""Packages whose Python source decides what a cached document holds."""
_DERIVED_SOURCES = ("cexact.recipe", "cexact.compare")
"""Packages whose Python source decides what a derived value (a comparison) holds."""


@cache
def rules_fingerprint(schema_name: str) -> str:
    """What a cached 'valid' depends on besides the file's bytes."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(schema_store.schema_text(schema_name).encode())
    _digest_sources(digest, _RULE_SOURCES)
    return digest.hexdigest()[:16]


@cache
def _sources_fingerprint() -> str:
    """What a derived value depends on besides its key: every schema and the rules' source."""
    digest = hashlib.sha256(__version__.encode())
    for name in schema_store.SCHEMA_NAMES:
        digest.update(schema_store.schema_text(name).encode())
    _digest_sources(digest, _DERIVED_SOURCES)
    return digest.hexdigest()[:16]


def _digest_sources(digest: Any, packages: tuple[str, ...]) -> None:
    for package in packages:
        root = files(package)
        for name in sorted(item.name for item in root.iterdir()):
            if name.endswith((".py", ".json", ".txt")):  # the rules, and the unit table
                digest.update(name.encode())
                digest.update(root.joinpath(name).read_bytes())
