"""Reading measurement CSV files: values in the recipe's units, every bad row at its line."""

from __future__ import annotations

import csv
import io
import textwrap
from pathlib import Path

import numpy as np
import pytest

from cexact.errors import InputError, ValidationFailed
from cexact.recipe import csv_rows
from cexact.recipe.loader import LoadedDocument, load_bytes
from cexact.recipe.measurements import (
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


def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read every file in many small blocks, to put block boundaries everywhere."""
    monkeypatch.setattr(csv_rows, "CHUNK_CHARACTERS", 50)
    monkeypatch.setattr(csv_rows, "BLOCK_ROWS", 2)


def plain(rows: list[list[str]], newline: str = "\n") -> str:
    return "".join(",".join(row) + newline for row in rows)


def quoted(rows: list[list[str]], newline: str = "\n") -> str:
    """Every field in double quotes, as RFC 4180 allows."""
    stream = io.StringIO()
    csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator=newline).writerows(rows)
    return stream.getvalue()


def same_lines_variants(rows: list[list[str]]) -> dict[str, str]:
    """One file's rows written every way the format allows, each row on the same line."""
    return {
        "CRLF": plain(rows, "\r\n"),
        "CR": plain(rows, "\r"),
        "quoted": quoted(rows),
        "quoted CRLF": quoted(rows, "\r\n"),
        "quoted CR": quoted(rows, "\r"),
        "no final newline": plain(rows)[:-1],
        "trailing blank lines": plain(rows) + "\n\n",
        "quoted, trailing blank lines": quoted(rows, "\r\n") + "\r\n",
    }


def with_blank_lines(text: str, newline: str = "\n") -> str:
    """A blank line after every line: the row on line n moves to line 2n - 1."""
    return "".join(line + newline + newline for line in text.splitlines())


def rows_of(text: str) -> list[list[str]]:
    """The rows of a plain file; a blank line is a row without fields."""
    return [line.split(",") if line else [] for line in text.splitlines()]


def result(path: Path, recipe: LoadedDocument) -> object:
    """What reading the file gives: its set, or its findings, without naming the file."""
    try:
        data = load_measurements(path, recipe, source="site.csv")
    except ValidationFailed as error:
        return [(f.line, f.path, f.message) for f in error.findings]  # type: ignore[attr-defined]
    return data


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
    tmp_path: Path, recipe: LoadedDocument
) -> None:
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


def test_quoted_crlf_cr_and_blank_line_files_read_as_the_plain_file(
    tmp_path: Path, recipe: LoadedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = load_measurements(write(tmp_path, VALID), recipe, source="site.csv")
    variants = same_lines_variants(rows_of(VALID))
    variants["blank lines"] = with_blank_lines(VALID)
    variants["leading blank lines, CRLF"] = "\r\n\r\n" + with_blank_lines(VALID, "\r\n")
    for name, text in variants.items():
        assert result(write(tmp_path, text), recipe) == expected, name
    small_blocks(monkeypatch)
    for name, text in variants.items():
        assert result(write(tmp_path, text), recipe) == expected, f"{name}, in small blocks"


def test_random_files_read_the_same_in_every_form_and_block_size(
    tmp_path: Path, recipe: LoadedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(20251122)
    keys = [("coat", "thickness", "um"), ("coat", "thickness", "nm"), ("coat", "weight", "g")]
    keys += [("coat", "weight", "kg"), ("bake", "temperature", "degC"), ("bake", "temperature", "")]
    rows = [["unit", "value", "step", "x_operator", "output"]]
    expected: dict[tuple[str, str], list[float]] = {}
    for _ in range(3000):
        step, output, unit = keys[int(rng.integers(len(keys)))]
        value = f"{rng.normal(50, 10):.6g}"
        rows.append([unit, value, step, f"op{int(rng.integers(9))}", output])
        scale = {"nm": 1e-3, "kg": 1e3}.get(unit, 1.0)
        expected.setdefault((step, output), []).append(float(value) * scale)
    data = load_measurements(write(tmp_path, plain(rows)), recipe, source="site.csv")
    assert data.rows == 3000
    assert list(data.values) == [("coat", "thickness"), ("coat", "weight"), ("bake", "temperature")]
    for key, values in expected.items():
        assert data.values[key] == pytest.approx(values, rel=1e-12)
    variants = same_lines_variants(rows)
    variants["blank lines"] = with_blank_lines(plain(rows))
    for name, text in variants.items():
        assert result(write(tmp_path, text), recipe) == data, name
    monkeypatch.setattr(csv_rows, "CHUNK_CHARACTERS", 1000)
    monkeypatch.setattr(csv_rows, "BLOCK_ROWS", 100)
    for name, text in {"plain": plain(rows), **variants}.items():
        assert result(write(tmp_path, text), recipe) == data, f"{name}, in blocks"


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


BAD_LINES = BAD.splitlines(keepends=True)
BAD_UNQUOTED = "".join(BAD_LINES[:14] + BAD_LINES[16:])
"""BAD without its quoted two-line row (lines 15 and 16)."""


def test_bad_rows_are_found_at_the_same_lines_in_every_form(
    tmp_path: Path, recipe: LoadedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = result(write(tmp_path, BAD_UNQUOTED), recipe)
    assert isinstance(expected, list) and len(expected) == 17
    assert expected[-1] == (20, "", "wrong number of fields: 6; the header has 5")
    spread = [(2 * line - 1, column, message) for line, column, message in expected]
    for blocks in ("one block", "small blocks"):
        if blocks == "small blocks":
            small_blocks(monkeypatch)
        for name, text in same_lines_variants(rows_of(BAD_UNQUOTED)).items():
            assert result(write(tmp_path, text), recipe) == expected, (name, blocks)
        for newline in ("\n", "\r\n"):
            text = with_blank_lines(BAD_UNQUOTED, newline)
            assert result(write(tmp_path, text), recipe) == spread, (newline, blocks)


def test_a_row_with_a_quoted_line_break_is_at_its_first_line_in_a_crlf_file(
    tmp_path: Path, recipe: LoadedDocument
) -> None:
    text = (
        "step,output,value,lot\r\n"  # 1
        'coat,weight,abc,"two\r\nlines"\r\n'  # 2 and 3
        "coat,weight,5\r\n"  # 4
        "\r\n"  # 5 blank
        '"coat","weight","","lot ""7"""\r\n'  # 6
        'coat,weight,5,"a, b"\r\n'  # 7 good
        '"coat","weight","1_0",\r\n'  # 8
    )
    assert bad_rows(write(tmp_path, text), recipe) == [
        (2, "value 'abc' is not a number"),
        (4, "wrong number of fields: 3; the header has 4"),
        (6, "value is empty"),
        (8, "value '1_0' is not a plain number (no '_' in it)"),
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
        (
            b'"step",output,value\r\n"coat",weight,1\r\n"coat","weight"\r\n"\r\n',
            "not readable as CSV: unexpected end of data",
            4,
        ),
        (b'"step"x,output,value\n', "not readable as CSV: ',' expected after '\"'", 1),
        (
            b'step,output,val\n"5"x\n',
            "the header lacks required column(s) value (found: 'step', 'output', 'val'); "
            "the first row must name the columns",
            1,
        ),
        (
            b'\r\n\r\n"step",output,"v\nal"\r\ncoat,weight,5\r\n',
            "the header lacks required column(s) value (found: 'step', 'output', 'v\\nal'); "
            "the first row must name the columns",
            3,
        ),
        (
            b"\xef\xbb\xbf\r\n\r\n",
            "the file is empty: expected a header row (step,output,value,...)",
            1,
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
