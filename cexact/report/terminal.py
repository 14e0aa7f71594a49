"""What every terminal renderer shares: a console of the right width, text that wraps
without cutting an identifier, and the pieces several commands print.

Long lines wrap at spaces or after a path separator (`.`, `/`, `]`, `:`), never
inside a token, and go on indented. Written to a file or a pipe, the width is
`COLUMNS`, else `PIPED_WIDTH`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text as RichText

from cexact.compare.waivers import WaiverStatus
from cexact.model import AppliedFile, Deviation, Finding, SourceLocation
from cexact.report.formatting import format_change, visible, waiver_notes


class Text(RichText):
    """rich's Text, with every piece of text made visible (no control codes pass)."""

    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(visible(text), *args, **kwargs)

    def append(self, text: str | RichText, style: Any = None) -> Text:
        super().append(visible(text) if isinstance(text, str) else text, style)
        return self


PIPED_WIDTH = 100
"""Columns when writing to a file or pipe without COLUMNS (a CI log, `| less`)."""

_BREAK_AFTER = frozenset("./]:")
"""A line may end after these inside a token: the separators of paths and locations."""

WAIVER_STYLE = {
    WaiverStatus.ACTIVE: "green",
    WaiverStatus.EXPIRING: "yellow",
    WaiverStatus.EXPIRED: "bold red",
    WaiverStatus.UNUSED: "magenta",
    WaiverStatus.NOT_YET_APPROVED: "yellow",
}

KIND_STYLE = {
    "added": "green",
    "removed": "red",
    "changed": "yellow",
    "moved": "magenta",
    "type-changed": "red",
}


def make_console(out: TextIO) -> Console:
    # soft_wrap: rich never breaks a line itself; `print_wrapped` breaks where it may.
    console = Console(file=out, highlight=False, soft_wrap=True)
    if not console.is_terminal:
        # A file or a pipe: one size for the whole report, so that rich does not
        # look it up again (environment, terminal checks) for every line.
        width = console.width if "COLUMNS" in os.environ else PIPED_WIDTH
        console = Console(
            file=out, highlight=False, soft_wrap=True, width=width, height=console.height
        )
    return console


# --- wrapping ---------------------------------------------------------------------------


def _break_offsets(plain: str) -> list[int]:
    """Where a line may end: before a word that follows a space, or after a separator
    (but never inside a number: `1.75` is one token)."""
    return [
        index
        for index in range(1, len(plain))
        if plain[index] != " "
        and (
            plain[index - 1] == " "
            or (plain[index - 1] in _BREAK_AFTER and not _inside_number(plain, index - 1))
        )
    ]


def _inside_number(plain: str, index: int) -> bool:
    """Whether the separator at `index` is a decimal point between digits."""
    return (
        plain[index] == "."
        and index > 0
        and plain[index - 1].isdigit()
        and index + 1 < len(plain)
        and plain[index + 1].isdigit()
    )


def wrap(
    text: RichText, width: int, indent: int, keep: Sequence[tuple[int, int]] = ()
) -> list[RichText]:
    """`text` in lines of at most `width` columns, the later ones indented by `indent`.

    No line breaks inside a `keep` span (start, end). A token longer than a
    line (no space or separator in it) overflows rather than being cut.
    """
    plain = text.plain
    offsets = [
        offset
        for offset in _break_offsets(plain)
        if not any(start < offset < end for start, end in keep)
    ]
    cuts: list[int] = []
    start, room = 0, width
    while len(plain[start:].rstrip()) > room:
        later = [offset for offset in offsets if offset > start]
        if not later:
            break
        fitting = [offset for offset in later if len(plain[start:offset].rstrip()) <= room]
        start = _best_break(plain, start, fitting, room) if fitting else later[0]
        cuts.append(start)
        room = max(width - indent, 1)
    lines = []
    for number, line in enumerate(text.divide(cuts)):
        line.rstrip()
        lines.append(RichText.assemble(" " * indent, line) if number else line)
    return lines


def _best_break(plain: str, start: int, fitting: Sequence[int], room: int) -> int:
    """The last break that fits, but a space over a separator when that fills most of a line."""
    at_spaces = [offset for offset in fitting if plain[offset - 1] == " "]
    if at_spaces and at_spaces[-1] - start >= room * _FULL_ENOUGH:
        return at_spaces[-1]
    return fitting[-1]


_FULL_ENOUGH = 0.6
"""A line broken at a space may be this much shorter than one broken inside a path."""


def print_wrapped(
    console: Console, text: RichText, indent: int = 4, keep: Sequence[tuple[int, int]] = ()
) -> None:
    for line in wrap(text, console.width, indent, keep):
        print_line(console, line)


def print_line(console: Console, line: RichText) -> None:
    """One line of text. Without colour (a file, a pipe, NO_COLOR) its plain text is
    written directly: what rich would write for it, without rich's per-line
    rendering (a third of the time of a large diff's report)."""
    if console.color_system is None and "\t" not in line.plain:
        console.file.write(f"{line.plain}\n")
    else:
        console.print(line)


# --- shared pieces ----------------------------------------------------------------------


def finding_text(finding: Finding) -> Text:
    """`file:line:col: error: message (rule)`, the form editors can jump to."""
    line = Text()
    line.append(finding.where, style="bold")
    line.append(": ")
    line.append(finding.level, style="bold red" if finding.level == "error" else "bold yellow")
    line.append(f": {finding.message} ")
    line.append(f"({finding.rule})", style="dim")
    return line


def verdict_text(passed: bool) -> Text:
    return Text("PASS", style="bold green") if passed else Text("FAIL", style="bold red")


def print_applied_files(console: Console, label: str, files: Sequence[AppliedFile]) -> None:
    """`project file: sample_lines/cexact.yaml` (or `none`), wrapped at path separators."""
    names = ", ".join(file.path for file in files) if files else "none"
    print_wrapped(console, Text(f"{label}: {names}", style="dim"), indent=len(label) + 2)


def locations_text(locations: Iterable[SourceLocation | None]) -> str:
    return " -> ".join(str(location) for location in locations if location)


def deviation_text(deviation: Deviation, *, with_stage: bool = False) -> Text:
    """`path: mother -> child  (detail)  waived by X`, as one line to wrap."""
    mother_text, child_text = format_change(deviation, None)
    line = Text()
    line.append(deviation.path, style="bold")
    line.append(f": {mother_text} -> {child_text}")
    context = [f"{deviation.stage.value}, {deviation.severity.value}"] if with_stage else []
    if deviation.detail:
        context.append(deviation.detail)
    if context:
        line.append(f"  ({'; '.join(context)})", style="dim")
    for note in waiver_notes(deviation):
        line.append(f"  {note}", style="cyan" if note.startswith("waived") else "bold yellow")
    return line


__all__ = [
    "KIND_STYLE",
    "PIPED_WIDTH",
    "WAIVER_STYLE",
    "Text",
    "deviation_text",
    "finding_text",
    "locations_text",
    "make_console",
    "print_applied_files",
    "print_line",
    "print_wrapped",
    "verdict_text",
    "wrap",
]
