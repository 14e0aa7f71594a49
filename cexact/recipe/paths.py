"""Deviation paths: how a place in a recipe is written, read back, and matched by patterns.

A path is a sequence of segments: mapping keys and keyed-list items, written
`environment.humidity`, `steps[coating].equipment[coater-1].software`. A key
that is not a plain name (letters, digits, `_`, `-`) is written as a JSON
string in brackets, `configuration["p q"]["r s"]`, with quotes and backslashes
escaped, so that every path has exactly one spelling and every spelling one
path: `"p q": {"r s": ...}` and a key `p q"]["r s` never print alike.

Waiver and classification patterns use the same spelling, plus wildcards: in a
segment, `*` matches any run of characters within that one name or id
(`steps[*].equipment[oven-*].software`); a segment that is exactly `**`
matches any number of segments (`**.notes`). A pattern matches a path when it
matches the whole path or a leading part of it (a rule covers what lies
below). Matching goes segment by segment, in time proportional to the
pattern's segments times the path's, however many wildcards a pattern holds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

MAX_PATTERN_LENGTH = 500
"""Longer patterns are refused: no real recipe path comes close."""

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ANY_SEGMENTS = "**"


@dataclass(frozen=True, slots=True)
class Segment:
    """One step of a path: a mapping key, or an item of a keyed list (by id)."""

    name: str
    item: bool = False


class PathSyntaxError(ValueError):
    """A path or pattern that is not written in the path grammar."""


def key_segment(key: str) -> str:
    """How a mapping key is written after its parent: `.name` or `["any text"]`."""
    if _PLAIN_KEY.fullmatch(key):
        return f".{key}"
    return f"[{json.dumps(key, ensure_ascii=False)}]"


def item_segment(identifier: object) -> str:
    return f"[{identifier}]"


def join_key(path: str, key: str) -> str:
    segment = key_segment(key)
    if not path and segment.startswith("."):
        return segment[1:]
    return path + segment


@lru_cache(maxsize=65536)
def parse_path(text: str) -> tuple[Segment, ...]:
    """The segments of a path (or pattern) as `render` writes it."""
    if len(text) > MAX_PATTERN_LENGTH:
        raise PathSyntaxError(f"longer than {MAX_PATTERN_LENGTH} characters")
    segments: list[Segment] = []
    i, end = 0, len(text)
    expect_name = True
    while i < end:
        character = text[i]
        if character == "[":
            i, segment = _bracket(text, i)
            segments.append(segment)
            expect_name = False
        elif character == ".":
            if expect_name:
                raise PathSyntaxError(f"a name is missing before '.' at character {i + 1}")
            i += 1
            expect_name = True
            if i == end:
                raise PathSyntaxError("the path ends with '.'")
        else:
            if not expect_name:
                raise PathSyntaxError(f"expected '.' or '[' at character {i + 1}")
            start = i
            while i < end and text[i] not in ".[":
                i += 1
            segments.append(Segment(text[start:i]))
            expect_name = False
    if not segments:
        raise PathSyntaxError("the path is empty")
    return tuple(segments)


def _bracket(text: str, start: int) -> tuple[int, Segment]:
    """The segment written in brackets at `start`: `[id]` or `["key"]`."""
    if text.startswith('["', start):
        decoder = json.JSONDecoder()
        try:
            key, after = decoder.raw_decode(text, start + 1)
        except json.JSONDecodeError:
            raise PathSyntaxError(f"an unfinished quoted key at character {start + 1}") from None
        if not text.startswith("]", after):
            raise PathSyntaxError(f"expected ']' at character {after + 1}")
        return after + 1, Segment(str(key))
    close = text.find("]", start)
    if close < 0:
        raise PathSyntaxError(f"an unclosed '[' at character {start + 1}")
    identifier = text[start + 1 : close]
    if not identifier:
        raise PathSyntaxError(f"an empty '[]' at character {start + 1}")
    return close + 1, Segment(identifier, item=True)


@dataclass(frozen=True, slots=True)
class PathPattern:
    """A compiled waiver or classification pattern."""

    text: str
    segments: tuple[Segment, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", parse_path(self.text))

    def matches(self, path: str) -> bool:
        """Whether the pattern matches `path` or a leading part of it."""
        try:
            target = parse_path(path)
        except PathSyntaxError:
            return False
        return _matches_prefix(self.segments, target)


def _matches_prefix(pattern: tuple[Segment, ...], path: tuple[Segment, ...]) -> bool:
    """Dynamic programming over (pattern segments consumed, path segments consumed)."""
    # reachable[j]: the pattern's first i segments can match the path's first j.
    reachable = [True] + [False] * len(path)
    for segment in pattern:
        if segment.name == _ANY_SEGMENTS and not segment.item:
            # `**`: any number of segments, so everything from the first reachable on.
            first = next((j for j, ok in enumerate(reachable) if ok), None)
            if first is None:
                return False
            reachable = [j >= first for j in range(len(path) + 1)]
            continue
        following = [False] * (len(path) + 1)
        for j in range(len(path)):
            if reachable[j] and path[j].item == segment.item and _glob(segment.name, path[j].name):
                following[j + 1] = True
        reachable = following
        if not any(reachable):
            return False
    return any(reachable)


def _glob(pattern: str, name: str) -> bool:
    if "*" not in pattern:
        return pattern == name
    pieces = pattern.split("*")
    # Linear greedy matching of a glob with only '*': anchor the first and
    # last piece, then find each middle piece at its leftmost place.
    first, last = pieces[0], pieces[-1]
    if len(first) + len(last) > len(name) or not (name.startswith(first) and name.endswith(last)):
        return False
    position, stop = len(first), len(name) - len(last)
    for piece in pieces[1:-1]:
        found = name.find(piece, position, stop)
        if found < 0:
            return False
        position = found + len(piece)
    return True
