"""Measured process outputs: one site's measurement data, read from CSV.

Statistical Process Output Matching compares what the mother line and a child
site actually measure for each output of the recipe. This module reads one
site's measurements and checks every row against the (mother) recipe.

The format
----------

A CSV file: UTF-8 (a byte-order mark is allowed), comma-separated, quoted as
RFC 4180 (``"..."`` around a field that holds a comma, quote or line break).
The first row is the header; it names the columns, in any order
(case-insensitive, surrounding spaces ignored). One row per measurement::

    step,output,value,unit,lot,timestamp
    S030,coat_weight_side_a,24.03,mg/cm^2,C2509-001,2025-09-16T08:00:00+09:00
    S050,electrode_thickness,0.1502,mm,C2509-001,2025-09-16T09:30:00+09:00

``step`` (required)
    The id of a step in the recipe (``steps[].id``).
``output`` (required)
    The name of one of that step's outputs (a key of ``steps[].outputs``).
``value`` (required)
    The measured value: a finite decimal number (``24.03``, ``-0.5``,
    ``1.2e-3``). Not empty, not ``nan`` or ``inf``, no digit separators, no
    decimal comma.
``unit`` (optional)
    The unit the value is written in; any unit cexact knows (``um``, ``nm``,
    ``mg/cm^2``, ``degC``...). Empty or absent: the recipe output's own unit.
    A value in another unit is converted to the recipe output's unit; a unit
    that cannot be converted to it (``kg`` for a thickness) is a bad row.
``lot`` (optional)
    Free text (lot, roll or batch id). Not interpreted; kept for your records.
``timestamp`` (optional)
    When the measurement was taken, ISO 8601 as Python's
    ``datetime.fromisoformat`` reads it: ``2025-09-16``,
    ``2025-09-16T08:00:00``, ``2025-09-16 08:00:00Z``,
    ``2025-09-16T08:00:00+09:00``. Empty: not known. Checked, not interpreted.

Other columns are an error that names them: a misspelt ``units`` column that
was silently ignored would make every value read in the wrong unit. Columns of
your own (operator, tool, wafer id) are allowed when their names start with
``x_`` or ``x-`` (``x_operator``); cexact ignores them.

Blank lines are ignored. There are no comment lines.

Rows are never dropped silently
-------------------------------

Every row is checked. A row with the wrong number of fields, an empty or
non-numeric or non-finite value, an unknown step or output, an unknown or
unconvertible unit, or a timestamp that is not ISO 8601 is a *bad row*; all
bad rows are collected, one finding each with its line number in the file (the
header is line 1; a row whose quoted field spans lines is numbered by its
first line), and `load_measurements` raises ``ValidationFailed`` with them.
Nothing is matched from a file with a bad row: fix or delete the row.

A file that cannot be read at all (missing, a directory, not UTF-8, empty, no
header, a required column missing, an unknown or duplicated column, broken CSV
quoting) raises ``InputError`` with the file and line.

A header without data rows is valid: the site has measured nothing yet, and
every output is reported as unverified.

Parquet is not read: it needs pyarrow, which cexact does not depend on.
Export CSV instead.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from cexact.errors import InputError, ValidationFailed
from cexact.model import Finding
from cexact.recipe.loader import LoadedDocument, LoadLimits, decode_utf8, read_source_bytes
from cexact.recipe.locations import PathKey
from cexact.recipe.units import UnitError, convert, is_valid_unit

OutputKey = tuple[str, str]
"""(step id, output name)."""

REQUIRED_COLUMNS = ("step", "output", "value")
OPTIONAL_COLUMNS = ("unit", "lot", "timestamp")
IGNORED_COLUMN_PREFIXES = ("x_", "x-")
"""Columns whose names start with these are the user's own; cexact ignores them."""

FloatArray = npt.NDArray[np.float64]

FINDING_RULE = "measurement"

DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
"""Measurement files over 1 GiB are refused (they are read into memory)."""


@dataclass(frozen=True, slots=True)
class RecipeOutput:
    """One output of one step of a recipe, as matching needs it."""

    step: str
    name: str
    unit: str
    target: float
    lsl: float | None
    usl: float | None
    matching: Mapping[str, Any]
    """The output's `matching` settings (empty when it has none)."""
    path: PathKey
    """Where the output is in the recipe: ("steps", index, "outputs", name)."""

    @property
    def key(self) -> OutputKey:
        return (self.step, self.name)


def recipe_outputs(recipe: LoadedDocument) -> dict[OutputKey, RecipeOutput]:
    """Every output of a (validated) recipe, in recipe order."""
    outputs: dict[OutputKey, RecipeOutput] = {}
    for index, step in enumerate(recipe.data.get("steps", [])):
        step_id = str(step["id"])
        for name, output in (step.get("outputs") or {}).items():
            outputs[(step_id, name)] = RecipeOutput(
                step=step_id,
                name=name,
                unit=str(output["unit"]),
                target=float(output["target"]),
                lsl=None if output.get("lsl") is None else float(output["lsl"]),
                usl=None if output.get("usl") is None else float(output["usl"]),
                matching=MappingProxyType(dict(output.get("matching") or {})),
                path=("steps", index, "outputs", name),
            )
    return outputs


@dataclass(frozen=True, slots=True)
class MeasurementSet:
    """One site's measurements, checked against a recipe.

    `values` holds, per (step, output) that has at least one row, the values in
    file order, converted to `units[key]`: the recipe output's unit.
    """

    source: str
    recipe_source: str
    values: Mapping[OutputKey, tuple[float, ...]] = field(repr=False)
    units: Mapping[OutputKey, str] = field(repr=False)
    rows: int
    """Measurement rows read (blank lines are not rows)."""

    def count(self, step: str, output: str) -> int:
        """How many measurements there are of `output` of `step`."""
        return len(self.values.get((step, output), ()))

    @property
    def counts(self) -> dict[OutputKey, int]:
        """Measurements per (step, output), for outputs that have any."""
        return {key: len(values) for key, values in self.values.items()}


def load_measurements(
    path: Path,
    recipe: LoadedDocument,
    *,
    source: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> MeasurementSet:
    """Read and check one site's measurement CSV against `recipe`.

    InputError when the file cannot be read as measurement data at all;
    ValidationFailed with one finding per bad row when any row is bad.
    """
    name = source or str(path)
    content = _read_bytes(path, name, max_bytes)
    return parse_measurements(content, recipe, name)


def parse_measurements(content: bytes, recipe: LoadedDocument, source: str) -> MeasurementSet:
    """`load_measurements` for bytes already read; `source` names them in messages."""
    text = _decode(content, source)
    checker = _Reader(source, recipe)
    fast = _FastReader(checker).read(text)
    if fast is not None:
        return fast
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return checker.read(reader)
    except csv.Error as error:
        raise InputError(
            f"not readable as CSV: {error}", file=source, line=reader.line_num or None
        ) from None


# --- reading ----------------------------------------------------------------------


def _read_bytes(path: Path, name: str, max_bytes: int) -> bytes:
    return read_source_bytes(
        path,
        LoadLimits(max_bytes=max_bytes),
        name=name,
        error_type=InputError,
        file_kind="measurement file",
        limit_hint=" for measurement data",
    )


def _decode(content: bytes, source: str) -> str:
    return decode_utf8(content, source, error_type=InputError, file_kind="CSV")


class _Slot:
    """Where one output's values go while the file is read."""

    __slots__ = ("key", "unit", "values")

    def __init__(self, key: OutputKey, unit: str) -> None:
        self.key = key
        self.unit = unit
        self.values: list[float] = []


class _Reader:
    def __init__(self, source: str, recipe: LoadedDocument) -> None:
        self.source = source
        self.recipe = recipe
        self.outputs = recipe_outputs(recipe)
        self.steps: dict[str, list[str]] = {}
        for step, name in self.outputs:
            self.steps.setdefault(step, []).append(name)
        for step in recipe.data.get("steps", []):
            self.steps.setdefault(str(step["id"]), [])
        self.findings: list[Finding] = []
        self.converters: dict[tuple[str, str], tuple[float, float] | str] = {}

    def fail(self, message: str, line: int | None = 1) -> InputError:
        return InputError(message, file=self.source, line=line)

    def bad(self, line: int, column: str, message: str) -> None:
        self.findings.append(Finding(self.source, line, None, message, FINDING_RULE, column))

    def header(self, names: list[str], line: int) -> dict[str, int]:
        columns: dict[str, int] = {}
        unknown: list[str] = []
        for index, raw in enumerate(names):
            name = raw.strip().lower()
            if not name:
                raise self.fail(f"column {index + 1} of the header has no name", line)
            if name.startswith(IGNORED_COLUMN_PREFIXES):
                continue
            if name in columns:
                raise self.fail(f"column {raw.strip()!r} appears twice in the header", line)
            if name not in REQUIRED_COLUMNS and name not in OPTIONAL_COLUMNS:
                unknown.append(raw.strip())
            columns[name] = index
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            found = ", ".join(repr(n.strip()) for n in names)
            raise self.fail(
                f"the header lacks required column(s) {', '.join(missing)} "
                f"(found: {found}); the first row must name the columns",
                line,
            )
        if unknown:
            known = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
            raise self.fail(
                f"unknown column(s) {', '.join(repr(u) for u in unknown)} in the header; "
                f"the columns are {known} (start a column's name with 'x_' to have it ignored)",
                line,
            )
        return columns

    def converter(self, unit: str, target: str) -> tuple[float, float] | str:
        """(scale, offset) from `unit` to `target`, or why there is none."""
        cached = self.converters.get((unit, target))
        if cached is not None:
            return cached
        result: tuple[float, float] | str
        if not is_valid_unit(unit):
            result = f"unit {unit!r} is not a known unit"
        else:
            try:
                offset = convert(0.0, unit, target)
                result = (convert(1.0, unit, target) - offset, offset)
            except UnitError:
                result = f"unit {unit!r} cannot be converted to the output's unit {target!r}"
        self.converters[(unit, target)] = result
        return result

    def unknown_key(self, line: int, step: str, output: str) -> None:
        if not step:
            self.bad(line, "step", "step is empty")
        elif step not in self.steps:
            self.bad(line, "step", f"step {step!r} is not a step of the recipe")
        elif not output:
            self.bad(line, "output", "output is empty")
        elif not self.steps[step]:
            self.bad(line, "output", f"step {step!r} has no outputs in the recipe")
        else:
            names = self.steps[step]
            listed = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            self.bad(
                line,
                "output",
                f"output {output!r} is not an output of step {step!r} (its outputs: {listed})",
            )

    def read(self, reader: Any) -> MeasurementSet:
        names: list[str] | None = None
        header_line = previous = 0
        for row in reader:
            if row:
                names, header_line = row, previous + 1
                break
            previous = reader.line_num
        if names is None:
            raise self.fail("the file is empty: expected a header row (step,output,value,...)")
        columns = self.header(names, header_line)
        width = len(names)
        step_at, output_at, value_at = columns["step"], columns["output"], columns["value"]
        unit_at = columns.get("unit")
        time_at = columns.get("timestamp")

        slots: dict[OutputKey, _Slot] = {}
        outputs = self.outputs
        bad = self.bad
        isfinite = math.isfinite
        fromisoformat = datetime.fromisoformat
        rows = 0
        previous = reader.line_num
        for row in reader:
            line = previous + 1
            previous = reader.line_num
            if len(row) != width:
                if not row:
                    continue  # a blank line
                rows += 1
                bad(line, "", f"wrong number of fields: {len(row)}; the header has {width}")
                continue
            rows += 1
            good = True
            key = (row[step_at], row[output_at])
            slot = slots.get(key)
            if slot is None:
                key = (key[0].strip(), key[1].strip())
                slot = slots.get(key)
                if slot is None:
                    output = outputs.get(key)
                    if output is None:
                        self.unknown_key(line, *key)
                        good = False
                    else:
                        slot = slots[key] = _Slot(key, output.unit)
            text = row[value_at]
            try:
                value = float(text)
            except ValueError:
                value = math.nan
                good = False
                if text.strip():
                    bad(line, "value", f"value {text!r} is not a number")
                else:
                    bad(line, "value", "value is empty")
            else:
                if not isfinite(value):
                    good = False
                    bad(line, "value", f"value {text!r} is not a finite number")
                elif "_" in text:
                    good = False
                    bad(line, "value", f"value {text!r} is not a plain number (no '_' in it)")
            if time_at is not None:
                stamp = row[time_at]
                if stamp:
                    try:
                        fromisoformat(stamp.strip())
                    except ValueError:
                        good = False
                        bad(
                            line,
                            "timestamp",
                            f"timestamp {stamp!r} is not an ISO 8601 date or date-time",
                        )
            if unit_at is not None and slot is not None:
                unit = row[unit_at]
                if unit and unit != slot.unit:
                    unit = unit.strip()
                    if unit and unit != slot.unit:
                        conversion = self.converter(unit, slot.unit)
                        if isinstance(conversion, str):
                            good = False
                            bad(line, "unit", conversion)
                        else:
                            value = value * conversion[0] + conversion[1]
                            if good and not isfinite(value):
                                good = False
                                bad(
                                    line,
                                    "value",
                                    f"value {text!r} {unit} is out of range in {slot.unit}",
                                )
            if good and slot is not None:
                slot.values.append(value)

        if self.findings:
            count = len(self.findings)
            raise ValidationFailed(
                f"{self.source} has {count} bad measurement row(s)",
                tuple(self.findings),
            )
        return self.measurement_set({key: slot.values for key, slot in slots.items()}, rows)

    def measurement_set(
        self, values: Mapping[OutputKey, Sequence[float]], rows: int
    ) -> MeasurementSet:
        ordered = [key for key in self.outputs if len(values.get(key, ())) > 0]
        return MeasurementSet(
            source=self.source,
            recipe_source=self.recipe.source,
            values=MappingProxyType({key: tuple(values[key]) for key in ordered}),
            units=MappingProxyType({key: self.outputs[key].unit for key in ordered}),
            rows=rows,
        )


class _FastReader:
    """Reads a plain, valid file column-wise, or gives up (None) on anything else.

    Most measurement files are machine-written: no quotes, no blank lines, every
    row valid. For them, splitting the text and converting whole columns (in
    chunks of about 4 MB) is three times faster than the csv module row by row.
    Anything else (quotes, a lone carriage return, a blank line, a wrong field
    count, a value, key, unit or timestamp that is not plainly valid) returns
    None, and the row-by-row reader, which numbers every line, decides.
    """

    CHUNK_CHARACTERS = 1 << 22

    def __init__(self, checker: _Reader) -> None:
        self.checker = checker
        outputs = list(checker.outputs.values())
        self.outputs = outputs
        self.step_codes = {step: i for i, step in enumerate(dict.fromkeys(o.step for o in outputs))}
        self.name_codes = {name: i for i, name in enumerate(dict.fromkeys(o.name for o in outputs))}
        self.key_table = np.full(
            (len(self.step_codes) + 1, len(self.name_codes) + 1), -1, dtype=np.intp
        )
        for index, output in enumerate(outputs):
            self.key_table[self.step_codes[output.step], self.name_codes[output.name]] = index

    def read(self, text: str) -> MeasurementSet | None:
        if '"' in text:
            return None
        if "\r" in text:
            text = text.replace("\r\n", "\n")
            if "\r" in text:
                return None
        end = text.find("\n")
        header = text if end < 0 else text[:end]
        if not header.strip():
            return None
        columns = self.checker.header(header.split(","), 1)
        width = len(header.split(","))
        # The data rows are text[start:finish]: after the header, without the final newline.
        start = len(text) if end < 0 else end + 1
        finish = len(text) - 1 if text.endswith("\n") else len(text)
        if start >= finish:
            return self.checker.measurement_set({}, 0)
        if text.startswith("\n", start) or text.find("\n\n", start, finish + 1) >= 0:
            return None  # blank lines: the row-by-row reader skips them
        codes: list[npt.NDArray[np.intp]] = []
        values: list[FloatArray] = []
        while start < finish:
            stop = text.find("\n", min(start + self.CHUNK_CHARACTERS, finish), finish)
            stop = finish if stop < 0 else stop
            chunk = self.chunk(text[start:stop], width, columns)
            if chunk is None:
                return None
            codes.append(chunk[0])
            values.append(chunk[1])
            start = stop + 1
        return self.collect(np.concatenate(codes), np.concatenate(values))

    def chunk(
        self, text: str, width: int, columns: Mapping[str, int]
    ) -> tuple[npt.NDArray[np.intp], FloatArray] | None:
        lines = text.split("\n")
        if set(map(str.count, lines, repeat(","))) != {width - 1}:
            return None
        del lines
        fields = text.replace("\n", ",").split(",")
        rows = len(fields) // width

        def column(name: str) -> list[str]:
            return fields[columns[name] :: width]

        steps = np.fromiter(
            map(self.step_codes.get, column("step"), repeat(-1)), dtype=np.intp, count=rows
        )
        names = np.fromiter(
            map(self.name_codes.get, column("output"), repeat(-1)), dtype=np.intp, count=rows
        )
        keys = self.key_table[steps, names]  # -1 (the last row or column) for unknown ones
        if rows == 0 or int(keys.min()) < 0:
            return None
        texts = column("value")
        try:
            values = np.fromiter(map(float, texts), dtype=np.float64, count=rows)
        except ValueError:
            return None
        if not np.isfinite(values).all() or "_" in "".join(texts):
            return None
        if "timestamp" in columns:
            stamps = set(column("timestamp"))
            stamps.discard("")
            try:
                for stamp in stamps:
                    datetime.fromisoformat(stamp.strip())
            except ValueError:
                return None
        if "unit" in columns:
            converted = self.convert(keys, column("unit"), values)
            if converted is None:
                return None
            values = converted
        return keys, values

    def convert(
        self, keys: npt.NDArray[np.intp], units: list[str], values: FloatArray
    ) -> FloatArray | None:
        """`values` in their outputs' units; None when a unit is not plainly convertible."""
        names = list(dict.fromkeys(units))
        if len(names) == 1:
            unit_codes = np.zeros(len(units), dtype=np.intp)
        else:
            unit_codes = np.fromiter(
                map({name: i for i, name in enumerate(names)}.__getitem__, units),
                dtype=np.intp,
                count=len(units),
            )
        combined = keys * len(names) + unit_codes
        scale = np.ones(len(self.outputs) * len(names), dtype=np.float64)
        offset = np.zeros(len(self.outputs) * len(names), dtype=np.float64)
        identity = True
        for code in np.unique(combined).tolist():
            output = self.outputs[code // len(names)]
            unit = names[code % len(names)].strip()
            if not unit or unit == output.unit:
                continue
            conversion = self.checker.converter(unit, output.unit)
            if isinstance(conversion, str):
                return None
            scale[code], offset[code] = conversion
            identity = False
        if identity:
            return values
        with np.errstate(over="ignore"):
            converted: FloatArray = values * scale[combined] + offset[combined]
        if not np.isfinite(converted).all():
            return None  # out of range in the output's unit: the row-by-row read says where
        return converted

    def collect(self, keys: npt.NDArray[np.intp], values: FloatArray) -> MeasurementSet:
        order = np.argsort(keys, kind="stable")
        counts = np.bincount(keys, minlength=len(self.outputs))
        groups = np.split(values[order], np.cumsum(counts)[:-1])
        grouped = {
            output.key: group.tolist()
            for output, group in zip(self.outputs, groups, strict=True)
            if group.size
        }
        return self.checker.measurement_set(grouped, int(keys.size))


__all__ = [
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "MeasurementSet",
    "OutputKey",
    "RecipeOutput",
    "load_measurements",
    "parse_measurements",
    "recipe_outputs",
]
