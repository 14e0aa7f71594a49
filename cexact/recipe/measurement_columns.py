"""Measurement rows checked against a recipe and converted, a whole column at a time.

The one implementation of the rules in `cexact.recipe.measurements` (the
file format's documentation). Each block of rows (`csv_rows.RowBlock`) is
checked column by column: the (step, output) key, the value, the timestamp
and the unit. A column whose every field is plainly valid costs one pass in
C (numpy, a dict lookup, float); only a column with a bad field is looked at
field by field, to say which rows are bad and why. Every bad row gets its
findings, in file line order and, within a row, in the order key, value,
timestamp, unit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from cexact.errors import InputError, ValidationFailed
from cexact.model import Finding
from cexact.recipe.csv_rows import RowBlock
from cexact.recipe.units import UnitError, conversion, is_valid_unit

if TYPE_CHECKING:
    from cexact.recipe.measurements import OutputKey, RecipeOutput

REQUIRED_COLUMNS = ("step", "output", "value")
OPTIONAL_COLUMNS = ("unit", "lot", "timestamp")
IGNORED_COLUMN_PREFIXES = ("x_", "x-")
"""Columns whose names start with these are the user's own; cexact ignores them."""

FINDING_RULE = "measurement"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

# The order of one row's findings.
_FIELD_COUNT, _KEY, _VALUE, _TIMESTAMP, _UNIT = range(5)


@dataclass(frozen=True, slots=True)
class Columns:
    """Where each column the checks read is in a row; None: the file has no such column."""

    width: int
    step: int
    output: int
    value: int
    unit: int | None
    timestamp: int | None


def header_columns(names: Sequence[str], line: int, source: str) -> Columns:
    """The columns named by the header row at `line`; InputError for a bad header."""
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for index, raw in enumerate(names):
        name = raw.strip().lower()
        if not name:
            raise InputError(
                f"column {index + 1} of the header has no name", file=source, line=line
            )
        if name.startswith(IGNORED_COLUMN_PREFIXES):
            continue
        if name in columns:
            raise InputError(
                f"column {raw.strip()!r} appears twice in the header", file=source, line=line
            )
        if name not in REQUIRED_COLUMNS and name not in OPTIONAL_COLUMNS:
            unknown.append(raw.strip())
        columns[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        found = ", ".join(repr(n.strip()) for n in names)
        raise InputError(
            f"the header lacks required column(s) {', '.join(missing)} "
            f"(found: {found}); the first row must name the columns",
            file=source,
            line=line,
        )
    if unknown:
        known = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
        raise InputError(
            f"unknown column(s) {', '.join(repr(u) for u in unknown)} in the header; "
            f"the columns are {known} (start a column's name with 'x_' to have it ignored)",
            file=source,
            line=line,
        )
    return Columns(
        len(names),
        columns["step"],
        columns["output"],
        columns["value"],
        columns.get("unit"),
        columns.get("timestamp"),
    )


@dataclass(frozen=True, slots=True, order=True)
class _RowFinding:
    line: int
    rank: int
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class CheckedRows:
    """Every row of a file, checked: the good rows' outputs and values, or the findings."""

    keys: IntArray
    """Per row, the index of its output in the checker's `outputs`."""
    values: FloatArray
    """Per row, the value in its output's unit."""
    rows: int
    """Rows read (blank lines are not rows)."""


class ColumnChecker:
    """Checks blocks of measurement rows against a recipe's outputs."""

    def __init__(
        self,
        source: str,
        outputs: Sequence[RecipeOutput],
        step_ids: Iterable[str],
        columns: Columns,
    ) -> None:
        self.source = source
        self.outputs = outputs
        self.columns = columns
        self.index = {output.key: i for i, output in enumerate(outputs)}
        self.step_outputs: dict[str, list[str]] = {}
        for output in outputs:
            self.step_outputs.setdefault(output.step, []).append(output.name)
        for step in step_ids:
            self.step_outputs.setdefault(step, [])
        steps = dict.fromkeys(output.step for output in outputs)
        names = dict.fromkeys(output.name for output in outputs)
        self.step_codes = {step: i for i, step in enumerate(steps)}
        self.name_codes = {name: i for i, name in enumerate(names)}
        # Indexed by (step code, name code); -1, also in the extra last row and
        # column that the code -1 of an unknown step or name selects: no output.
        self.key_table = np.full((len(steps) + 1, len(names) + 1), -1, dtype=np.intp)
        for index, output in enumerate(outputs):
            self.key_table[self.step_codes[output.step], self.name_codes[output.name]] = index
        self.conversions: dict[tuple[str, str], tuple[float, float] | str] = {}

    def check_all(self, blocks: Iterable[RowBlock]) -> CheckedRows:
        """All blocks of a file; ValidationFailed with every bad row's findings."""
        keys: list[IntArray] = []
        values: list[FloatArray] = []
        findings: list[_RowFinding] = []
        rows = 0
        for block in blocks:
            rows += block.rows
            block_keys, block_values = self.check(block, findings)
            del block  # its fields are freed before the next block is split
            if not findings:
                keys.append(block_keys)
                values.append(block_values)
        if findings:
            raise ValidationFailed(
                f"{self.source} has {len(findings)} bad measurement row(s)",
                tuple(
                    Finding(self.source, f.line, None, f.message, FINDING_RULE, f.column)
                    for f in findings
                ),
            )
        if not keys:
            return CheckedRows(np.zeros(0, np.intp), np.zeros(0, np.float64), rows)
        return CheckedRows(np.concatenate(keys), np.concatenate(values), rows)

    def check(self, block: RowBlock, findings: list[_RowFinding]) -> tuple[IntArray, FloatArray]:
        """(output index, value) of each row of `block` that fits the header.

        The block's findings are added to `findings`; with any, the keys and
        values are not all meaningful.
        """
        width = self.columns.width
        found = [
            _RowFinding(
                line, _FIELD_COUNT, "", f"wrong number of fields: {count}; the header has {width}"
            )
            for line, count in block.misfits
        ]
        lines = block.lines
        if not lines:
            findings.extend(found)
            return np.zeros(0, np.intp), np.zeros(0, np.float64)

        def column(at: int) -> list[str]:
            return block.fields[at::width]

        columns = self.columns
        keys = self._keys(column(columns.step), column(columns.output), lines, found)
        values = self._values(column(columns.value), lines, found)
        if columns.timestamp is not None:
            self._timestamps(column(columns.timestamp), lines, found)
        if columns.unit is not None:
            values = self._convert(
                keys, column(columns.unit), values, column(columns.value), lines, found
            )
        findings.extend(sorted(found))
        return keys, values

    def _keys(
        self, steps: list[str], names: list[str], lines: Sequence[int], found: list[_RowFinding]
    ) -> IntArray:
        """Each row's output index (-1: none, with a finding)."""
        count = len(steps)
        step_codes = np.fromiter(map(self.step_codes.get, steps, repeat(-1)), np.intp, count)
        name_codes = np.fromiter(map(self.name_codes.get, names, repeat(-1)), np.intp, count)
        keys: IntArray = self.key_table[step_codes, name_codes]
        if int(keys.min()) < 0:
            for row in np.flatnonzero(keys < 0).tolist():
                key = (steps[row].strip(), names[row].strip())
                index = self.index.get(key)
                if index is None:
                    found.append(self._unknown_key(lines[row], *key))
                else:
                    keys[row] = index
        return keys

    def _unknown_key(self, line: int, step: str, output: str) -> _RowFinding:
        if not step:
            return _RowFinding(line, _KEY, "step", "step is empty")
        if step not in self.step_outputs:
            return _RowFinding(line, _KEY, "step", f"step {step!r} is not a step of the recipe")
        if not output:
            return _RowFinding(line, _KEY, "output", "output is empty")
        names = self.step_outputs[step]
        if not names:
            return _RowFinding(line, _KEY, "output", f"step {step!r} has no outputs in the recipe")
        listed = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        return _RowFinding(
            line,
            _KEY,
            "output",
            f"output {output!r} is not an output of step {step!r} (its outputs: {listed})",
        )

    @staticmethod
    def _values(texts: list[str], lines: Sequence[int], found: list[_RowFinding]) -> FloatArray:
        """Each row's value as written (nan where it is not a number, with a finding)."""
        readable = np.ones(len(texts), dtype=np.bool_)
        try:
            values = np.fromiter(map(float, texts), np.float64, len(texts))
        except ValueError:
            values = np.empty(len(texts), np.float64)
            for row, text in enumerate(texts):
                try:
                    values[row] = float(text)
                except ValueError:
                    values[row] = math.nan
                    readable[row] = False
                    message = (
                        f"value {text!r} is not a number" if text.strip() else "value is empty"
                    )
                    found.append(_RowFinding(lines[row], _VALUE, "value", message))
        finite = np.isfinite(values)
        if not finite.all():
            for row in np.flatnonzero(readable & ~finite).tolist():
                message = f"value {texts[row]!r} is not a finite number"
                found.append(_RowFinding(lines[row], _VALUE, "value", message))
        if "_" in "".join(texts):  # float() reads 1_000; a CSV value has no digit separators
            for row in np.flatnonzero(finite).tolist():
                if "_" in texts[row]:
                    message = f"value {texts[row]!r} is not a plain number (no '_' in it)"
                    found.append(_RowFinding(lines[row], _VALUE, "value", message))
        return values

    @staticmethod
    def _timestamps(texts: list[str], lines: Sequence[int], found: list[_RowFinding]) -> None:
        stamps = set(texts)
        stamps.discard("")
        try:
            for stamp in stamps:
                datetime.fromisoformat(stamp.strip())
        except ValueError:
            bad = {stamp for stamp in stamps if not _is_iso_8601(stamp.strip())}
            for row, stamp in enumerate(texts):
                if stamp in bad:
                    message = f"timestamp {stamp!r} is not an ISO 8601 date or date-time"
                    found.append(_RowFinding(lines[row], _TIMESTAMP, "timestamp", message))

    def _convert(
        self,
        keys: IntArray,
        units: list[str],
        values: FloatArray,
        texts: list[str],
        lines: Sequence[int],
        found: list[_RowFinding],
    ) -> FloatArray:
        """`values` in their outputs' units; a unit that is not convertible is a finding."""
        names = list(dict.fromkeys(units))
        if len(names) == 1:
            unit_codes = np.zeros(len(units), dtype=np.intp)
        else:
            code_of = {name: i for i, name in enumerate(names)}
            unit_codes = np.fromiter(map(code_of.__getitem__, units), np.intp, len(units))
        # One code per (output, unit as written); negative for a row without an
        # output, which has a finding already: its value is never used.
        combined = keys * len(names) + unit_codes
        scale = np.ones(len(self.outputs) * len(names), dtype=np.float64)
        offset = np.zeros(len(self.outputs) * len(names), dtype=np.float64)
        failures: dict[int, str] = {}
        identity = True
        for code in np.unique(combined[combined >= 0] if keys.min() < 0 else combined).tolist():
            output = self.outputs[code // len(names)]
            unit = names[code % len(names)].strip()
            if not unit or unit == output.unit:
                continue
            conversion = self._conversion(unit, output.unit)
            if isinstance(conversion, str):
                failures[code] = conversion
            else:
                scale[code], offset[code] = conversion
                identity = False
        if failures:
            for row in np.flatnonzero(np.isin(combined, list(failures))).tolist():
                found.append(_RowFinding(lines[row], _UNIT, "unit", failures[int(combined[row])]))
        if identity:
            return values
        with np.errstate(over="ignore", invalid="ignore"):
            converted: FloatArray = values * scale[combined] + offset[combined]
        out_of_range = np.isfinite(values) & ~np.isfinite(converted) & (combined >= 0)
        for row in np.flatnonzero(out_of_range).tolist():
            output = self.outputs[int(combined[row]) // len(names)]
            message = f"value {texts[row]!r} {units[row].strip()} is out of range in {output.unit}"
            found.append(_RowFinding(lines[row], _VALUE, "value", message))
        return converted

    def _conversion(self, unit: str, target: str) -> tuple[float, float] | str:
        """(scale, offset) from `unit` to `target`, or why there is none."""
        cached = self.conversions.get((unit, target))
        if cached is not None:
            return cached
        result: tuple[float, float] | str
        if not is_valid_unit(unit):
            result = f"unit {unit!r} is not a known unit"
        else:
            try:
                result = conversion(unit, target)
            except UnitError:
                result = f"unit {unit!r} cannot be converted to the output's unit {target!r}"
        self.conversions[(unit, target)] = result
        return result


def _is_iso_8601(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def values_by_output(
    outputs: Sequence[RecipeOutput], checked: CheckedRows
) -> dict[OutputKey, list[float]]:
    """The values of each output that has any, in file order; outputs in recipe order."""
    order = np.argsort(checked.keys, kind="stable")
    counts = np.bincount(checked.keys, minlength=len(outputs))
    groups = np.split(checked.values[order], np.cumsum(counts)[:-1])
    return {
        output.key: group.tolist()
        for output, group in zip(outputs, groups, strict=True)
        if group.size
    }


__all__ = [
    "FINDING_RULE",
    "IGNORED_COLUMN_PREFIXES",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "CheckedRows",
    "ColumnChecker",
    "Columns",
    "header_columns",
    "values_by_output",
]
