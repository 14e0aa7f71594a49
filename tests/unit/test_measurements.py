"""Reading measurement CSV files: values in the recipe's units, every bad row at its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from cexact.errors import InputError, ValidationFailed
from cexact.recipe import measurements
from cexact.recipe.loader import LoadedDocument, load_bytes
from cexact.recipe.measurements import (
    MeasurementSet,
    load_measurements,
    parse_measurements,
    recipe_outputs,
)
from cexact.recipe.validation import validate_document

RECIPE = textwrap.dedent(
    """\
    cexact: 1
    line: {id: demo-line, name: Demo, product: widget, site: home, role: mother, version: "1.0"}
    steps:
      - id: coat
        name: Coating
        operation: coating
        outputs:
          thickness: {target: 100, unit: um, lsl: 90, usl: 110}
          weight: {target: 5.0, unit: g, lsl: 4.5, usl: 5.5}
      - id: bake
        name: Baking
        operation: baking
        outputs:
          temperature: {target: 25.0, unit: degC}
      - id: inspect
        name: Inspection
        operation: inspection
    """
)


@pytest.fixture(scope="module")
def recipe() -> LoadedDocument:
    document = load_bytes(RECIPE.encode(), "recipe.yaml")
    assert validate_document(document) == ()
    return document


def write(tmp_path: Path, text: str, name: str = "site.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def bad_rows(path: Path, recipe: LoadedDocument) -> list[tuple[int | None, str]]:
    with pytest.raises(ValidationFailed) as caught:
        load_measurements(path, recipe)
    return [(f.line, f.message) for f in caught.value.findings]  # type: ignore[attr-defined]


def slow_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every file take the row-by-row reader."""
    monkeypatch.setattr(measurements._FastReader, "read", lambda self, text: None)


def fast_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if a file falls back to the row-by-row reader."""

    def refuse(self: object, reader: object) -> MeasurementSet:
        raise AssertionError("the row-by-row reader was used")

    monkeypatch.setattr(measurements._Reader, "read", refuse)


# --- valid files ----------------------------------------------------------------------


VALID = textwrap.dedent(
    """\
    step,output,value,unit,lot,timestamp
    coat,thickness,100.5,um,L1,2025-09-16T08:00:00+09:00
    coat,thickness,0.0995,mm,L1,2025-09-16T08:30:00+09:00
    coat,weight,5.01,,L1,2025-09-16
    coat,thickness,99500,nm,L2,2025-09-16 09:00:00Z
    bake,temperature,298.15,K,L2,
    coat,weight,4990,mg,L2,2025-09-16T10:00:00
    """
)


def test_values_are_grouped_by_output_in_file_order_and_in_the_recipe_unit(
    tmp_path: Path, recipe: LoadedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_only(monkeypatch)
    data = load_measurements(write(tmp_path, VALID), recipe)
    assert data.rows == 6
    assert data.source == str(tmp_path / "site.csv")
    assert data.recipe_source == "recipe.yaml"
    assert list(data.values) == [("coat", "thickness"), ("coat", "weight"), ("bake", "temperature")]
    assert data.values[("coat", "thickness")] == pytest.approx((100.5, 99.5, 99.5))
    assert data.values[("coat", "weight")] == pytest.approx((5.01, 4.99))
    assert data.values[("bake", "temperature")] == pytest.approx((25.0,))
    assert data.units[("coat", "thickness")] == "um"
    assert data.count("coat", "thickness") == 3
    assert data.count("inspect", "anything") == 0
    assert data.counts == {
        ("coat", "thickness"): 3,
        ("coat", "weight"): 2,
        ("bake", "temperature"): 1,
    }
    assert all(isinstance(v, float) for v in data.values[("coat", "thickness")])


def test_the_row_by_row_reader_gives_the_same_set(
    tmp_path: Path, recipe: LoadedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = load_measurements(write(tmp_path, VALID), recipe)
    slow_only(monkeypatch)
    slow = load_measurements(write(tmp_path, VALID), recipe)
    assert slow == fast


def test_random_plain_files_read_the_same_both_ways(
    tmp_path: Path, recipe: LoadedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(20251122)
    keys = [("coat", "thickness", "um"), ("coat", "thickness", "nm"), ("coat", "weight", "g")]
    keys += [("coat", "weight", "kg"), ("bake", "temperature", "degC"), ("bake", "temperature", "")]
    lines = ["unit,value,step,x_operator,output"]
    for _ in range(3000):
        step, output, unit = keys[int(rng.integers(len(keys)))]
        lines.append(f"{unit},{rng.normal(50, 10):.6g},{step},op{int(rng.integers(9))},{output}")
    path = write(tmp_path, "\n".join(lines) + "\n")
    monkeypatch.setattr(measurements._FastReader, "CHUNK_CHARACTERS", 1000)  # many chunks
    with monkeypatch.context() as patch:
        fast_only(patch)
        fast = load_measurements(path, recipe)
    slow_only(monkeypatch)
    slow = load_measurements(path, recipe)
    assert fast.rows == slow.rows == 3000
    assert fast.values.keys() == slow.values.keys()
    for key in fast.values:
        assert fast.values[key] == pytest.approx(slow.values[key], rel=1e-12)


def test_without_a_unit_column_values_are_in_the_output_unit(
    tmp_path: Path, recipe: LoadedDocument
) -> None:
    path = write(tmp_path, "value,output,step\n101,thickness,coat\n99,thickness,coat\n")
    data = load_measurements(path, recipe)
    assert data.values == {("coat", "thickness"): (101.0, 99.0)}


def test_header_names_are_case_and_space_insensitive_and_x_columns_are_ignored(
    tmp_path: Path, recipe: LoadedDocument
) -> None:
    path = write(tmp_path, " Step ,OUTPUT,Value,x_operator,X-tool\ncoat,weight,5,ann,t1\n")
    assert load_measurements(path, recipe).values == {("coat", "weight"): (5.0,)}


def test_crlf_bom_quotes_blank_lines_and_spaces_are_read(
    tmp_path: Path, recipe: LoadedDocument
) -> None:
    text = (
        "\ufeffstep,output,value,lot\r\n"
        'coat,weight,5.1,"lot, with comma"\r\n'
        "\r\n"
        ' coat , weight , 4.9 ,"multi\r\nline lot"\r\n'
    )
    data = load_measurements(write(tmp_path, text), recipe)
    assert data.values == {("coat", "weight"): (5.1, 4.9)}
    assert data.rows == 2


def test_a_header_without_rows_is_an_empty_set(tmp_path: Path, recipe: LoadedDocument) -> None:
    for text in ("step,output,value\n", "step,output,value"):
        data = load_measurements(write(tmp_path, text), recipe)
        assert data.rows == 0
        assert data.values == {}


def test_recipe_outputs_lists_every_output_in_recipe_order(recipe: LoadedDocument) -> None:
    outputs = recipe_outputs(recipe)
    assert list(outputs) == [("coat", "thickness"), ("coat", "weight"), ("bake", "temperature")]
    thickness = outputs[("coat", "thickness")]
    assert (thickness.unit, thickness.target, thickness.lsl, thickness.usl) == ("um", 100, 90, 110)
    assert thickness.path == ("steps", 0, "outputs", "thickness")
    assert outputs[("bake", "temperature")].lsl is None
    assert dict(outputs[("bake", "temperature")].matching) == {}


# --- bad rows ---------------------------------------------------------------------------


BAD = (
    "step,output,value,unit,timestamp\n"  # 1
    "coat,thickness,100,um,2025-09-16\n"  # 2 good
    "coat,thickness,100,um\n"  # 3 wrong field count
    "coat,thickness,abc,um,\n"  # 4 not a number
    "coat,thickness,nan,um,\n"  # 5 not finite
    "coat,thickness,-inf,um,\n"  # 6 not finite
    "coat,thickness,,um,\n"  # 7 empty
    "etch,thickness,100,um,\n"  # 8 unknown step
    "coat,thikness,100,um,\n"  # 9 unknown output
    "coat,thickness,100,blorps,\n"  # 10 unknown unit
    "coat,thickness,100,kg,\n"  # 11 unconvertible unit
    "coat,thickness,100,um,2025-13-45\n"  # 12 bad timestamp
    "coat,thickness,1_000,um,\n"  # 13 digit separators
    "\n"  # 14 blank: ignored
    'coat,weight,5,g,"2025-09-16\n'  # 15 a quoted field over two lines ...
    'T08:00"\n'  # 16 ... (not ISO 8601 with the line break in it)
    "coat,thickness,abc,um,\n"  # 17 not a number
    ",thickness,100,um,\n"  # 18 empty step
    "inspect,thickness,100,um,\n"  # 19 a step without outputs
    "coat,,100,um,\n"  # 20 empty output
    "coat,thickness,1.0.0,um,\n"  # 21 not a number
    "coat,thickness,100,um,2025-09-16,extra\n"  # 22 wrong field count
    "coat,weight,5,g,2025-09-16T08:00:00\n"  # 23 good
)


def test_every_bad_row_is_reported_at_its_line(tmp_path: Path, recipe: LoadedDocument) -> None:
    found = bad_rows(write(tmp_path, BAD), recipe)
    assert found == [
        (3, "wrong number of fields: 4; the header has 5"),
        (4, "value 'abc' is not a number"),
        (5, "value 'nan' is not a finite number"),
        (6, "value '-inf' is not a finite number"),
        (7, "value is empty"),
        (8, "step 'etch' is not a step of the recipe"),
        (9, "output 'thikness' is not an output of step 'coat' (its outputs: thickness, weight)"),
        (10, "unit 'blorps' is not a known unit"),
        (11, "unit 'kg' cannot be converted to the output's unit 'um'"),
        (12, "timestamp '2025-13-45' is not an ISO 8601 date or date-time"),
        (13, "value '1_000' is not a plain number (no '_' in it)"),
        (15, "timestamp '2025-09-16\\nT08:00' is not an ISO 8601 date or date-time"),
        (17, "value 'abc' is not a number"),
        (18, "step is empty"),
        (19, "step 'inspect' has no outputs in the recipe"),
        (20, "output is empty"),
        (21, "value '1.0.0' is not a number"),
        (22, "wrong number of fields: 6; the header has 5"),
    ]


def test_bad_rows_raise_one_validation_failure_with_located_findings(
    tmp_path: Path, recipe: LoadedDocument
) -> None:
    path = write(tmp_path, "step,output,value\ncoat,weight,5\ncoat,weight,abc\n")
    with pytest.raises(ValidationFailed) as caught:
        load_measurements(path, recipe)
    error = caught.value
    assert error.message == f"{path} has 1 bad measurement row(s)"
    assert error.details == (f"{path}:3: error: value 'abc' is not a number (measurement)",)
    (finding,) = error.findings
    assert finding.rule == "measurement"  # type: ignore[attr-defined]
    assert finding.path == "value"  # type: ignore[attr-defined]
    assert isinstance(error, InputError)


def test_a_row_with_several_problems_gets_a_finding_for_each(
    tmp_path: Path, recipe: LoadedDocument
) -> None:
    path = write(tmp_path, "step,output,value,unit,timestamp\ncoat,weight,x,m,yesterday\n")
    assert bad_rows(path, recipe) == [
        (2, "value 'x' is not a number"),
        (2, "timestamp 'yesterday' is not an ISO 8601 date or date-time"),
        (2, "unit 'm' cannot be converted to the output's unit 'g'"),
    ]


def test_unknown_outputs_list_at_most_twelve_names(tmp_path: Path) -> None:
    outputs = "\n".join(f"          o{i:02d}: {{target: 1, unit: mm}}" for i in range(15))
    text = RECIPE.split("steps:")[0] + textwrap.dedent(
        """\
        steps:
          - id: s1
            name: One
            operation: op
            outputs:
        """
    )
    document = load_bytes((text + outputs + "\n").encode(), "many.yaml")
    assert validate_document(document) == ()
    path = write(tmp_path, "step,output,value\ns1,o99,1\n")
    ((_, message),) = bad_rows(path, document)
    assert message.endswith(
        "(its outputs: o00, o01, o02, o03, o04, o05, o06, o07, o08, o09, o10, o11, ...)"
    )


# --- files that cannot be read ----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (b"", "the file is empty: expected a header row (step,output,value,...)", 1),
        (b"\n\n", "the file is empty: expected a header row (step,output,value,...)", 1),
        (b"\xef\xbb\xbf", "the file is empty: expected a header row (step,output,value,...)", 1),
        (
            b"step,output,val\ncoat,weight,5\n",
            "the header lacks required column(s) value (found: 'step', 'output', 'val'); "
            "the first row must name the columns",
            1,
        ),
        (
            b"\ncoat,weight,5\n",
            "the header lacks required column(s) step, output, value "
            "(found: 'coat', 'weight', '5'); the first row must name the columns",
            2,
        ),
        (
            b"step,output,value,units,operator\ncoat,weight,5,g,me\n",
            "unknown column(s) 'units', 'operator' in the header; the columns are step, output, "
            "value, unit, lot, timestamp (start a column's name with 'x_' to have it ignored)",
            1,
        ),
        (b"step,output,value,Value\n", "column 'Value' appears twice in the header", 1),
        (b"step,output,value,\n", "column 4 of the header has no name", 1),
        (
            b"step,output,value\ncoat,weight,5\ncoat,weight,\xb5m\n",
            "not valid UTF-8 (byte 0xb5); cexact reads UTF-8 CSV only (re-save the file as UTF-8)",
            3,
        ),
        (
            "step,output,value\n".encode("utf-16"),
            "the file is UTF-16; cexact reads UTF-8 CSV only (re-save it as UTF-8)",
            1,
        ),
        (
            b'step,output,value\ncoat,weight,"5"x\n',
            "not readable as CSV: ',' expected after '\"'",
            2,
        ),
    ],
)
def test_unreadable_files_are_input_errors_with_file_and_line(
    tmp_path: Path, recipe: LoadedDocument, content: bytes, message: str, line: int
) -> None:
    path = tmp_path / "site.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        load_measurements(path, recipe)
    assert not isinstance(caught.value, ValidationFailed)
    assert (caught.value.message, caught.value.file, caught.value.line) == (
        message,
        str(path),
        line,
    )


def test_missing_file_and_directory_are_input_errors(
    tmp_path: Path, recipe: LoadedDocument
) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_measurements(tmp_path / "missing.csv", recipe)
    with pytest.raises(InputError, match="is a directory"):
        load_measurements(tmp_path, recipe)


def test_files_over_the_size_limit_are_refused(tmp_path: Path, recipe: LoadedDocument) -> None:
    path = write(tmp_path, VALID)
    with pytest.raises(InputError, match="over the 10-byte limit"):
        load_measurements(path, recipe, max_bytes=10)


def test_parse_measurements_names_the_source(recipe: LoadedDocument) -> None:
    data = parse_measurements(b"step,output,value\ncoat,weight,5\n", recipe, "upload.csv")
    assert data.source == "upload.csv"
