"""Where each part of a document is written, and a compact form of that for the cache.

A location is a 1-based (line, column) per path: mapping keys and sequence
indices from the top of the document. The parse cache stores them packed as one
string of paths and one flat list of numbers, which unmarshals about twenty
times faster than a dict keyed by tuples; `PackedLocations` indexes them on
first use.

The packing must survive any key text, since a double-quoted YAML key may hold
any character, separators included. Inside a key, the escape character and the
separators are written as two-character escapes that contain neither separator,
so splitting on a separator can never cut a key.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

PathKey = tuple[str | int, ...]
"""A path into a document: mapping keys and sequence indices."""

Position = tuple[int, int]
"""A 1-based (line, column)."""

_PATH_SEPARATOR = "\x1f"
_SEGMENT_SEPARATOR = "\x1e"
_INDEX_MARK = "\x1d"
_ESCAPE = "\x1b"
_ESCAPES = {_ESCAPE: _ESCAPE + "e", _PATH_SEPARATOR: _ESCAPE + "p",
            _SEGMENT_SEPARATOR: _ESCAPE + "s", _INDEX_MARK: _ESCAPE + "i"}  # fmt: skip
_EMPTY_KEY = _ESCAPE + "0"
"""The empty key, which must not encode as the empty path."""
_UNESCAPES = {code[1]: character for character, code in _ESCAPES.items()} | {"0": ""}
_SPECIAL = frozenset(_ESCAPES)


def _encode_key(key: str) -> str:
    if not key:
        return _EMPTY_KEY
    if _SPECIAL.isdisjoint(key):
        return key
    return "".join(_ESCAPES.get(character, character) for character in key)


def _decode_key(text: str) -> str:
    if _ESCAPE not in text:
        return text
    out: list[str] = []
    characters = iter(text)
    for character in characters:
        out.append(_UNESCAPES[next(characters)] if character == _ESCAPE else character)
    return "".join(out)


def encode_path(path: PathKey) -> str:
    return _SEGMENT_SEPARATOR.join(
        _INDEX_MARK + str(part) if isinstance(part, int) else _encode_key(part) for part in path
    )


def decode_path(text: str) -> PathKey:
    if not text:
        return ()
    return tuple(
        int(part[1:]) if part.startswith(_INDEX_MARK) else _decode_key(part)
        for part in text.split(_SEGMENT_SEPARATOR)
    )


_NUMBERS = "i"
"""The array type code of the packed line and column numbers (4-byte integers)."""


def pack_locations(locations: Mapping[PathKey, Position]) -> tuple[str, bytes]:
    """Locations as one string of paths and the bytes of a flat array of line, column pairs."""
    if isinstance(locations, PackedLocations):
        return locations.packed()
    keys = _PATH_SEPARATOR.join(_encoded_paths(locations))
    numbers = array(_NUMBERS, [number for position in locations.values() for number in position])
    return keys, numbers.tobytes()


def _encoded_paths(paths: Iterable[PathKey]) -> list[str]:
    """`encode_path` of each path, each built on its parent's encoding when known.

    A document's locations hold every parent before its children, so each path
    costs one segment instead of all of them (a 3 MB recipe: 166,000 paths,
    ~1,000,000 segments).
    """
    encoded_paths: dict[PathKey, str] = {(): ""}
    encoded_keys: dict[str, str] = {}
    out = []
    for path in paths:
        encoded = encoded_paths.get(path)
        if encoded is None:
            last = path[-1]
            if isinstance(last, int):
                segment = _INDEX_MARK + str(last)
            else:
                segment = encoded_keys.get(last) or encoded_keys.setdefault(last, _encode_key(last))
            if len(path) == 1:
                encoded = segment
            else:
                parent = encoded_paths.get(path[:-1])
                if parent is None:
                    parent = encode_path(path[:-1])
                encoded = parent + _SEGMENT_SEPARATOR + segment
            encoded_paths[path] = encoded
        out.append(encoded)
    return out


def packed_shape_ok(keys: object, positions: object) -> bool:
    """Whether `keys`, `positions` have the shape `pack_locations` makes."""
    if not (isinstance(keys, str) and isinstance(positions, bytes)):
        return False
    pair = 2 * array(_NUMBERS).itemsize
    if len(positions) % pair:
        return False
    count = keys.count(_PATH_SEPARATOR) + 1 if positions else 0
    return count == len(positions) // pair


class PackedLocations(Mapping[PathKey, Position]):
    """Locations read back from `pack_locations`, indexed on first use.

    A diff with few deviations looks up few of them, so the index is built
    only when the first one is asked for.
    """

    def __init__(self, keys: str, positions: bytes) -> None:
        self._keys = keys
        self._packed = positions
        self._positions = array(_NUMBERS)
        self._positions.frombytes(positions)
        self._index: dict[str, int] | None = None

    def _lookup(self) -> dict[str, int]:
        if self._index is None:
            names = self._keys.split(_PATH_SEPARATOR) if self._positions else []
            self._index = dict(zip(names, range(len(names)), strict=True))
        return self._index

    def packed(self) -> tuple[str, bytes]:
        """The packed form itself (what `pack_locations` made)."""
        return self._keys, self._packed

    def __getitem__(self, path: PathKey) -> Position:
        i = self._lookup()[encode_path(path)]
        return (self._positions[2 * i], self._positions[2 * i + 1])

    def get(self, path: PathKey, default: Any = None) -> Any:  # fast path for position_of
        i = self._lookup().get(encode_path(path))
        if i is None:
            return default
        return (self._positions[2 * i], self._positions[2 * i + 1])

    def __iter__(self) -> Iterator[PathKey]:
        return (decode_path(name) for name in self._lookup())

    def __len__(self) -> int:
        return len(self._positions) // 2
