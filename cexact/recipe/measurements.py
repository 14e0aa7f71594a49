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

How a file is read: `cexact.recipe.csv_rows` splits the text into blocks of
rows, each row with its line; `cexact.recipe.measurement_columns` checks and
converts each block a column at a time, the only place the rules above are
written as code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cexact.errors import InputError
from cexact.recipe.csv_rows import split_rows
from cexact.recipe.loader import LoadedDocument, LoadLimits, decode_utf8, read_source_bytes
from cexact.recipe.locations import PathKey
from cexact.recipe.measurement_columns import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ColumnChecker,
    header_columns,
    values_by_output,
)

OutputKey = tuple[str, str]
"""(step id, output name)."""

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
    table = split_rows(_decode(content, source), source)
    if table is None:
        raise InputError(
            "the file is empty: expected a header row (step,output,value,...)", file=source, line=1
        )
    columns = header_columns(table.header, table.header_line, source)
    outputs = recipe_outputs(recipe)
    step_ids = [str(step["id"]) for step in recipe.data.get("steps", [])]
    checker = ColumnChecker(source, list(outputs.values()), step_ids, columns)
    checked = checker.check_all(table.blocks)
    values = values_by_output(checker.outputs, checked)
    return MeasurementSet(
        source=source,
        recipe_source=recipe.source,
        values=MappingProxyType({key: tuple(series) for key, series in values.items()}),
        units=MappingProxyType({key: outputs[key].unit for key in values}),
        rows=checked.rows,
    )


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
