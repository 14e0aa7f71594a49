"""GitHub code scanning's `primaryLocationLineHash`, ported from codeql-action.

Code scanning follows an alert from one analysis to the next by a hash of the
text where the alert starts, so that an alert keeps its identity when lines
are added above it. github/codeql-action (`src/fingerprints.ts`, function
`hash`) computes it for every line of a file, and `upload-sarif` fills it in
for results that lack one, or warns when a given one differs from its own.
cexact computes it the same way:

- the text is read as UTF-16 code units (JavaScript's `charCodeAt`);
- spaces and tabs are left out; CR LF and a lone CR count as one LF;
- the file ends with one extra unit, 65535;
- a line's hash is a polynomial hash (base 37, modulo 2**64) of the 100 units
  from the line's first unit on (zeros past the end), written in lower-case
  hexadecimal, followed by `:n` for the n-th line of the file with that hash.

Line numbers are 1-based and count LF, CR LF and lone CR as line ends, as the
original does; the line after a final line end has a hash too.
"""

from __future__ import annotations

import numpy as np

WINDOW = 100
"""How many code units after a line's start its hash covers."""
_BASE = np.uint64(37)
_END_OF_FILE = 0xFFFF
_LINE_FEED = 0x0A


def _hashed_units(text: str) -> np.ndarray:
    """The code units the hash runs over (line ends as LF, no spaces or tabs), the
    end-of-file unit, then a window of zeros."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    # Blanks go only after line ends are normalised: "\r \n" is two line ends.
    kept = normalised.replace(" ", "").replace("\t", "")
    units = np.frombuffer(kept.encode("utf-16-le"), dtype="<u2")
    tail = np.zeros(1 + WINDOW, dtype=np.uint64)
    tail[0] = _END_OF_FILE
    return np.concatenate([units.astype(np.uint64), tail])


def line_hashes(text: str) -> dict[int, str]:
    """Every line's `primaryLocationLineHash`, by 1-based line number."""
    units = _hashed_units(text)
    length = len(units) - WINDOW  # the text's units and the end-of-file unit
    starts = np.concatenate([[0], np.flatnonzero(units[: length - 1] == _LINE_FEED) + 1])
    # Horner's rule over each line's window; uint64 arithmetic wraps modulo 2**64.
    window_hashes = np.zeros(len(starts), dtype=np.uint64)
    for offset in range(WINDOW):
        window_hashes = window_hashes * _BASE + units[starts + offset]
    hashes: dict[int, str] = {}
    seen: dict[str, int] = {}
    for line, window_hash in enumerate(window_hashes.tolist(), start=1):
        value = format(window_hash, "x")
        seen[value] = seen.get(value, 0) + 1
        hashes[line] = f"{value}:{seen[value]}"
    return hashes
