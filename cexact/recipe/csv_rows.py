"""CSV text split into blocks of rows, each row with the file line it starts on.

RFC 4180 CSV as the csv module reads it (excel dialect, strict): comma
separated, a field in double quotes may hold commas, doubled quotes and line
breaks; lines end with LF, CRLF or CR; a blank line is no row. Text without a
double quote is split with str.split, about three times faster than the csv
module; text with one is tokenised by the csv module. Both give the same
`CsvRows`, so whatever reads them has one way to check them.

Line numbers are the file's: the first line is 1, and a row whose quoted field
spans lines is numbered by its first line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING

from cexact.errors import InputError

if TYPE_CHECKING:
    from _csv import Reader

CHUNK_CHARACTERS = 1 << 22
"""Unquoted text is split about this many characters at a time (rows never split)."""

BLOCK_ROWS = 1 << 16
"""Quoted text is tokenised into blocks of about this many rows."""


@dataclass(frozen=True, slots=True)
class RowBlock:
    """Consecutive rows of the file after the header (blank lines left out)."""

    fields: list[str]
    """The fields of the rows as wide as the header, row after row."""
    lines: Sequence[int]
    """The line each of those rows starts on."""
    misfits: tuple[tuple[int, int], ...] = ()
    """(line, number of fields) of every row not as wide as the header."""

    @property
    def rows(self) -> int:
        """All rows in the block, of any width."""
        return len(self.lines) + len(self.misfits)


@dataclass(frozen=True, slots=True)
class CsvRows:
    """A CSV file: its header row, then its other rows in blocks, tokenised as they are read.

    Iterating `blocks` raises InputError where the text is not CSV (a quote
    in the wrong place), after the header has been read.
    """

    header: tuple[str, ...]
    header_line: int
    blocks: Iterator[RowBlock]


def split_rows(text: str, source: str) -> CsvRows | None:
    """The rows of CSV `text` (None: there is no header, only blank lines or nothing).

    `source` names the file in an InputError.
    """
    if '"' in text:
        return _quoted_rows(text, source)
    return _plain_rows(text)


# --- unquoted text: str.split -----------------------------------------------------------


def _plain_rows(text: str) -> CsvRows | None:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    start = 0
    while text.startswith("\n", start):
        start += 1
    if start == len(text):
        return None
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    header = tuple(text[start:end].split(","))
    header_line = start + 1
    return CsvRows(header, header_line, _plain_blocks(text, end + 1, header_line + 1, len(header)))


def _plain_blocks(text: str, start: int, first_line: int, width: int) -> Iterator[RowBlock]:
    """The rows of text[start:], split a chunk of whole lines at a time."""
    finish = len(text) - 1 if text.endswith("\n") else len(text)  # without the last newline
    line = first_line
    while start < finish:
        stop = text.find("\n", min(start + CHUNK_CHARACTERS, finish), finish)
        stop = finish if stop < 0 else stop
        block, lines = _plain_block(text[start:stop], line, width)
        yield block
        del block  # freed (when the reader is done with it) before the next chunk is split
        line += lines
        start = stop + 1


def _plain_block(chunk: str, first_line: int, width: int) -> tuple[RowBlock, int]:
    """The rows of `chunk`, and how many lines it has."""
    lines = chunk.split("\n")
    count = len(lines)
    if set(map(str.count, lines, repeat(","))) == {width - 1}:  # the usual file: every row fits
        del lines
        fields = chunk.replace("\n", ",").split(",")
        return RowBlock(fields, range(first_line, first_line + count)), count
    fitting: list[str] = []
    numbers: list[int] = []
    misfits: list[tuple[int, int]] = []
    for number, text in enumerate(lines, first_line):
        commas = text.count(",")
        if commas == width - 1:
            fitting.append(text)
            numbers.append(number)
        elif text:
            misfits.append((number, commas + 1))
    fields = ",".join(fitting).split(",") if fitting else []
    return RowBlock(fields, numbers, tuple(misfits)), count


# --- quoted text: the csv module ----------------------------------------------------------


def _quoted_rows(text: str, source: str) -> CsvRows | None:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous = 0
    with _csv_errors(reader, source):
        for row in reader:
            if row:
                return CsvRows(tuple(row), previous + 1, _quoted_blocks(reader, source, len(row)))
            previous = reader.line_num
    return None


@contextmanager
def _csv_errors(reader: Reader, source: str) -> Iterator[None]:
    """A csv error becomes an InputError at the reader's line."""
    try:
        yield
    except csv.Error as error:
        raise InputError(
            f"not readable as CSV: {error}", file=source, line=reader.line_num or None
        ) from None


def _quoted_blocks(reader: Reader, source: str, width: int) -> Iterator[RowBlock]:
    """The rows after the header, about BLOCK_ROWS at a time.

    Each row's fields go straight into the block's flat list: keeping a
    million row lists alive would cost more in garbage collection than the
    tokenising itself.
    """
    previous = reader.line_num  # the header's last line
    fields: list[str] = []
    lines: list[int] = []
    misfits: list[tuple[int, int]] = []
    with _csv_errors(reader, source):
        for row in reader:
            if len(row) == width:
                fields += row
                lines.append(previous + 1)
            elif row:
                misfits.append((previous + 1, len(row)))
            previous = reader.line_num
            if len(lines) >= BLOCK_ROWS:
                yield RowBlock(fields, lines, tuple(misfits))
                fields, lines, misfits = [], [], []
    if lines or misfits:
        yield RowBlock(fields, lines, tuple(misfits))


__all__ = ["BLOCK_ROWS", "CHUNK_CHARACTERS", "CsvRows", "RowBlock", "split_rows"]
