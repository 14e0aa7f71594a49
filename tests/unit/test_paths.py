"""Deviation paths: one spelling per place, read back exactly, matched segment by segment."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cexact.recipe.paths import (
    PathPattern,
    PathSyntaxError,
    Segment,
    item_segment,
    join_key,
    parse_path,
)

IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,8}", fullmatch=True)
KEYS = st.text(min_size=0, max_size=12)


def render(segments: list[tuple[bool, str]]) -> str:
    path = ""
    for is_item, name in segments:
        path = path + item_segment(name) if is_item else join_key(path, name)
    return path


@given(
    st.lists(st.tuples(st.booleans(), KEYS), min_size=1, max_size=6).map(
        lambda parts: [(True, "x") if is_item else (False, name) for is_item, name in parts]
    )
)
def test_every_key_path_reads_back_as_written(parts: list[tuple[bool, str]]) -> None:
    assert parse_path(render(parts)) == tuple(Segment(n, item=i) for i, n in parts)


@given(st.lists(st.tuples(st.booleans(), IDS), min_size=1, max_size=6))
def test_every_item_path_reads_back_as_written(parts: list[tuple[bool, str]]) -> None:
    assert parse_path(render(parts)) == tuple(Segment(n, item=i) for i, n in parts)


def test_keys_that_once_printed_alike_now_differ() -> None:
    nested = join_key(join_key("configuration", "p q"), "r s")
    flat = join_key("configuration", 'p q"]["r s')
    assert nested == 'configuration["p q"]["r s"]'
    assert flat == 'configuration["p q\\"][\\"r s"]'
    assert parse_path(nested) != parse_path(flat)


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("environment.humidity", "environment.humidity", True),
        ("environment", "environment.humidity", True),  # covers what lies below
        ("environment.hum", "environment.humidity", False),
        ("steps[*].equipment[oven-*].software", "steps[S1].equipment[oven-2].software", True),
        ("steps[*].equipment[oven-*].software", "steps[S1].equipment[dryer].software", False),
        ("steps[*]", "steps.x", False),  # an item is not a key
        ("**.notes", "steps[S1].equipment[e].configuration.notes", True),
        ("**.notes", "notes", True),
        ("**.notes", "steps[S1].notes_extra", False),
        ("steps[S1].**", "steps[S1]", True),
        ('configuration["p q"]', 'configuration["p q"]["r s"]', True),
        ('configuration["p q"]', 'configuration["p q\\"][\\"r s"]', False),
    ],
)
def test_pattern_matching(pattern: str, path: str, matches: bool) -> None:
    assert PathPattern(pattern).matches(path) is matches


@pytest.mark.parametrize(
    "bad", ["", ".x", "x.", "x..y", "x[", "x[]", '["unfinished', 'x["a"b]', "x" * 501]
)
def test_malformed_patterns_are_refused(bad: str) -> None:
    with pytest.raises(PathSyntaxError):
        PathPattern(bad)


def test_hostile_patterns_finish_at_once() -> None:
    """Issue 13.6: a regex of many `**` backtracked for minutes on a long key."""
    path = "systems." + "a" * 40 + ".x"
    for pattern in (
        "systems**a**a**a**a**a**a**a**a**a**a**a**a**b",
        "systems." + "*a" * 30 + "*b",
        ".".join(["**"] * 60) + ".b",
        "**." * 100 + "zz",
    ):
        start = time.perf_counter()
        compiled = PathPattern(pattern)
        assert compiled.matches(path) is False
        assert time.perf_counter() - start < 0.5, pattern
