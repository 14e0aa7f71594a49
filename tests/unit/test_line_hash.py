"""GitHub's primaryLocationLineHash: the port gives codeql-action's own results.

The expected hashes are the test vectors of github/codeql-action,
`src/fingerprints.test.ts` ("hash" tests), for the same texts.
"""

from __future__ import annotations

import pytest

from cexact.report.line_hash import line_hashes

CODEQL_ACTION_VECTORS = [
    ("", ["c129715d7a2bc9a3:1"]),
    (
        " a\nb\n  \t\tc\n d",
        ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
    ),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1", "b1ae1287ec4718d9:1", "bff680108adb0fcc:1",
            "c6805c5e1288b612:1", "b86d3392aea1be30:1", "e6ceba753e1a442:1",
        ],
    ),
    (
        " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
        [
            "e9496ae3ebfced30:1", "fb7c023a8b9ccb3f:1", "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1", "b3edc88f2938467e:1", "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            "a7f2ff13bc495cf2:1", "a7f2ff13bc495cf2:2", "a7f2ff13bc495cf2:3",
            "a7f2ff13bc495cf2:4", "a7f2ff13bc495cf2:5", "a7f2ff13bc495cf2:6",
            "a7f2ff1481e87703:1", "a9cf91f7bbf1862b:1", "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1", "c129715d7a2bc9a3:1",
        ],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CODEQL_ACTION_VECTORS)
def test_codeql_action_vectors(text: str, expected: list[str]) -> None:
    assert line_hashes(text) == dict(enumerate(expected, start=1))


def test_blanks_do_not_count_but_line_ends_do() -> None:
    assert line_hashes("a b\tc\n") == line_hashes("abc\n")
    assert line_hashes("a\r\nb") == line_hashes("a\nb") == line_hashes("a\rb")
    assert len(line_hashes("a\r \nb")) == 3  # "\r \n": two line ends, as in the original


def test_a_line_is_hashed_with_the_hundred_units_after_its_start() -> None:
    full = "x" * 99 + "\n"  # 100 units: what follows is outside line 1's window
    assert line_hashes(full + "same")[1] == line_hashes(full + "other")[1]
    short = "x" * 98 + "\n"
    assert line_hashes(short + "same")[1] != line_hashes(short + "other")[1]


def test_text_beyond_the_basic_plane_counts_as_two_code_units() -> None:
    # JavaScript's charCodeAt sees a surrogate pair; 50 emoji fill the window.
    emoji = "\U0001f600" * 50
    assert line_hashes(emoji + "same")[1] == line_hashes(emoji + "other")[1]
    assert line_hashes(emoji[:-1] + "same")[1] != line_hashes(emoji[:-1] + "other")[1]
