"""The strict YAML loader: what it refuses, where it says the problem is, and what it reads.

A recipe must never be misread silently. Every refusal is a RecipeLoadError that
names the file, the 1-based line and column, and says what to do about it.
"""

from __future__ import annotations

import hashlib
import os
import textwrap
from pathlib import Path

import pytest

from cexact.errors import RecipeLoadError
from cexact.recipe.loader import LoadedDocument, LoadLimits, load_bytes, load_file
from tests.conftest import run_cexact_process

SOURCE = "recipe.yaml"


def yaml_text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def load(text: str, limits: LoadLimits | None = None) -> LoadedDocument:
    """Load a YAML string (dedented) as if it were the file `recipe.yaml`."""
    content = yaml_text(text).encode("utf-8")
    return load_bytes(content, SOURCE) if limits is None else load_bytes(content, SOURCE, limits)


def refusal(text: str | bytes, limits: LoadLimits | None = None) -> RecipeLoadError:
    """The error the loader raises for `text`; fails the test if it loads."""
    content = text if isinstance(text, bytes) else yaml_text(text).encode("utf-8")
    with pytest.raises(RecipeLoadError) as caught:
        if limits is None:
            load_bytes(content, SOURCE)
        else:
            load_bytes(content, SOURCE, limits)
    error = caught.value
    assert error.file == SOURCE
    return error


def write_yaml(tmp_path: Path, text: str, name: str = "recipe.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml_text(text), encoding="utf-8")
    return path


def text_at(text: str, line: int, column: int) -> str:
    """What is written at a 1-based (line, column) of `text` (dedented)."""
    return yaml_text(text).splitlines()[line - 1][column - 1 :]


# --- Duplicate keys ------------------------------------------------------------------


def test_a_duplicate_key_is_refused_naming_both_lines() -> None:
    error = refusal(
        """
        speed: 30
        torque: 12
        speed: 35
        """
    )
    assert (error.line, error.column) == (3, 1)
    assert "duplicate key 'speed'" in error.message
    assert "line 1" in error.message
    assert "line 3" in error.message


def test_a_duplicate_key_deep_in_a_step_is_located_at_the_second_key() -> None:
    error = refusal(
        """
        steps:
          - id: s1
            name: Mix
            id: s2
        """
    )
    assert (error.line, error.column) == (4, 5)
    assert "duplicate key 'id'" in error.message
    assert "line 2" in error.message
    assert "line 4" in error.message


def test_the_same_key_in_different_mappings_is_not_a_duplicate() -> None:
    document = load(
        """
        a: {id: 1}
        b: {id: 1}
        """
    )
    assert document.data == {"a": {"id": 1}, "b": {"id": 1}}


# --- Plain scalars that YAML 1.1 tools read differently ------------------------------


@pytest.mark.parametrize("word", ["no", "off", "yes", "On", "NO", "Off"])
def test_yaml_1_1_boolean_words_are_refused_not_read_as_text_or_bool(word: str) -> None:
    error = refusal(
        f"""
        name: purge
        enabled: {word}
        """
    )
    assert (error.line, error.column) == (2, 10)
    assert "ambiguous" in error.message
    assert repr(word) in error.message


@pytest.mark.parametrize("quoted", ['"no"', "'no'", '"On"', "'yes'"])
def test_a_quoted_yaml_1_1_boolean_word_is_fine_and_stays_text(quoted: str) -> None:
    document = load(f"mode: {quoted}\n")
    assert document.data == {"mode": quoted[1:-1]}


def test_a_yaml_1_1_boolean_word_as_a_list_item_is_refused_too() -> None:
    error = refusal(
        """
        checks:
          - true
          - no
        """
    )
    assert (error.line, error.column) == (3, 5)
    assert "ambiguous" in error.message


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ("1:30", "base-60"),
        ("12:30:00", "base-60"),
        ("0755", "leading zero"),
        ("1_000", "separators"),
        ("0b101", "quote it"),
        ("0o17", "quote it"),
    ],
)
def test_numbers_yaml_1_1_reads_differently_are_refused(value: str, phrase: str) -> None:
    error = refusal(
        f"""
        name: timer
        setting: {value}
        """
    )
    assert (error.line, error.column) == (2, 10)
    assert "ambiguous" in error.message
    assert phrase in error.message
    assert value in error.message


@pytest.mark.parametrize("value", ['"1:30"', '"0755"', "'1_000'", '"0b101"', '"0o17"'])
def test_the_same_numbers_quoted_are_fine_and_stay_text(value: str) -> None:
    assert load(f"setting: {value}\n").data == {"setting": value[1:-1]}


# --- Versions must be quoted ----------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [("version", "1.10"), ("software", "2.0"), ("revision", "3"), ("firmware", "1.2")],
)
def test_an_unquoted_number_as_a_version_is_refused_with_advice_to_quote(
    key: str, value: str
) -> None:
    error = refusal(
        f"""
        equipment:
          id: coater-1
          {key}: {value}
        """
    )
    assert (error.line, error.column) == (3, len(key) + 5)
    assert "quote" in error.message
    assert value in error.message
    assert key in error.message


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('version: "1.10"', "1.10"),
        ("software: '2.0'", "2.0"),
        ('revision: "3"', "3"),
        ('firmware: "1.2"', "1.2"),
        ("version: 1.10.2", "1.10.2"),
        ("revision: C", "C"),
    ],
)
def test_quoted_or_non_numeric_versions_load_as_text(written: str, expected: str) -> None:
    key = written.split(":")[0]
    assert load(written + "\n").data == {key: expected}


def test_version_value_1_10_is_not_confused_with_1_1() -> None:
    document = load(
        """
        a: {version: "1.10"}
        b: {version: "1.1"}
        """
    )
    assert document.data["a"]["version"] != document.data["b"]["version"]


# --- Encodings ------------------------------------------------------------------------


def test_bytes_that_are_not_utf_8_are_refused_at_their_line_and_column() -> None:
    error = refusal(b"name: Mix\noperator: Fran\xe7ois\n")
    assert (error.line, error.column) == (2, 15)
    assert "UTF-8" in error.message
    assert "0xe7" in error.message


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf_16_file_is_refused(encoding: str) -> None:
    content = "\ufeffname: Mix\n".encode(encoding)  # starts with its byte-order mark
    error = refusal(content)
    assert (error.line, error.column) == (1, 1)
    assert "UTF-16" in error.message
    assert "UTF-8" in error.message


def test_a_utf_8_byte_order_mark_is_accepted_and_does_not_shift_columns() -> None:
    content = b"\xef\xbb\xbfname: Mix\nspeed: 30\n"
    document = load_bytes(content, SOURCE)
    assert document.data == {"name": "Mix", "speed": 30}
    assert document.locations[("name",)] == (1, 1)
    assert document.locations[("speed",)] == (2, 1)


def test_unicode_text_loads_unchanged() -> None:
    document = load(
        """
        operator: François Müller
        site: 오창
        note: "µm ± 2 °C ✓"
        """
    )
    assert document.data == {
        "operator": "François Müller",
        "site": "오창",
        "note": "µm ± 2 °C ✓",
    }


# --- One mapping per file -------------------------------------------------------------


def test_several_documents_in_one_file_are_refused_at_the_second() -> None:
    error = refusal(
        """
        cexact: 1
        name: first
        ---
        cexact: 1
        name: second
        """
    )
    assert (error.line, error.column) == (3, 1)
    assert "several YAML documents" in error.message


def test_an_explicit_document_start_and_end_around_one_document_is_fine() -> None:
    document = load(
        """
        ---
        name: only
        ...
        """
    )
    assert document.data == {"name": "only"}


@pytest.mark.parametrize(
    ("text", "kind", "position"),
    [
        ("- cexact: 1\n- line: {}\n", "a list", (1, 1)),
        ("[1, 2, 3]\n", "a list", (1, 1)),
        ("# a comment\njust some text\n", "a single value", (2, 1)),
        ("42\n", "a single value", (1, 1)),
        ('"quoted"\n', "a single value", (1, 1)),
    ],
    ids=["block-list", "flow-list", "plain-text", "number", "quoted-text"],
)
def test_a_top_level_that_is_not_a_mapping_is_refused(
    text: str, kind: str, position: tuple[int, int]
) -> None:
    error = refusal(text.encode())
    assert (error.line, error.column) == position
    assert f"the top level is {kind}" in error.message
    assert "mapping" in error.message


@pytest.mark.parametrize(
    "content",
    [b"", b"\n\n", b"# only a comment\n# and another\n", b"   \n"],
    ids=["empty", "blank-lines", "comments-only", "spaces-only"],
)
def test_an_empty_file_is_refused(content: bytes) -> None:
    error = refusal(content)
    assert error.line == 1
    assert "empty" in error.message


# --- Limits against hostile input -----------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, "name: " + "x" * 200 + "\n")
    with pytest.raises(RecipeLoadError) as caught:
        load_file(path, LoadLimits(max_bytes=100))
    error = caught.value
    assert error.file == str(path)
    assert "100-byte limit" in error.message
    assert "--max-file-size" in error.message


def test_a_file_exactly_at_the_size_limit_loads(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, "name: abc\n")
    size = path.stat().st_size
    assert load_file(path, LoadLimits(max_bytes=size)).data == {"name": "abc"}


def test_bytes_over_the_size_limit_are_refused() -> None:
    error = refusal(b"name: " + b"x" * 200 + b"\n", LoadLimits(max_bytes=100))
    assert "limit" in error.message


BILLION_LAUGHS = """
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_billion_laughs_alias_expansion_is_refused() -> None:
    error = refusal(BILLION_LAUGHS)
    assert error.line is not None
    assert error.column is not None
    assert 2 <= error.line <= 9
    # It points at an anchor or an alias that takes part in the expansion.
    assert text_at(BILLION_LAUGHS, error.line, error.column)[:1] in ("&", "*")
    assert "billion laughs" in error.message
    assert "100,000" in error.message


def test_the_alias_expansion_limit_can_be_lowered() -> None:
    text = """
    speed: &speed {value: 30, unit: rpm}
    a: *speed
    b: *speed
    c: *speed
    """
    assert load(text, LoadLimits(max_alias_nodes=20)).data["c"] == {"value": 30, "unit": "rpm"}
    error = refusal(text, LoadLimits(max_alias_nodes=5))
    assert error.line in (1, 2, 3, 4)
    assert "aliases expand past the limit of 5 nodes" in error.message


@pytest.mark.parametrize(
    "text",
    [
        "loop: &x [1, 2, *x]\n",
        "loop: &x\n  inner: *x\n",
        "loop: &x\n  - a\n  - [b, *x]\n",
    ],
    ids=["flow-list", "block-mapping", "nested"],
)
def test_an_alias_inside_its_own_collection_is_refused(text: str) -> None:
    error = refusal(text.encode())
    assert error.line is not None
    assert error.column is not None
    # It points at the anchored collection or at the alias that refers to it.
    assert text_at(text, error.line, error.column).startswith(("&x", "*x"))
    assert "an alias refers to the collection that contains it" in error.message


def test_nesting_beyond_the_depth_limit_is_refused_at_the_level_too_deep() -> None:
    text = "a: {b: {c: {d: {e: 1}}}}\n"
    error = refusal(text, LoadLimits(max_depth=3))
    assert error.line == 1
    assert error.column is not None
    assert text_at(text, 1, error.column).startswith("{e: 1}")
    assert "nests deeper than 3 levels" in error.message


def test_nesting_within_the_depth_limit_loads() -> None:
    text = "a: {b: {c: 1}}\n"
    assert load(text, LoadLimits(max_depth=3)).data == {"a": {"b": {"c": 1}}}


def test_block_nesting_beyond_the_default_depth_of_64_is_refused() -> None:
    lines = [f"{'  ' * level}k{level}:" for level in range(70)]
    text = "\n".join(lines) + " leaf\n"
    error = refusal(text.encode())
    assert error.line == 66
    assert "nests deeper than 64 levels" in error.message


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("[", "]"), ("{a: ", "}"), ("- ", "")],
    ids=["flow-lists", "flow-mappings", "block-lists"],
)
def test_100000_deep_nesting_does_not_crash_the_interpreter(
    tmp_path: Path, opening: str, closing: str
) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(opening * 100_000 + "x" + closing * 100_000 + "\n", encoding="utf-8")
    result = run_cexact_process("validate", path)
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Segmentation" not in result.stderr
    assert str(path) in result.stdout
    assert "nest" in result.stdout


# --- Tags, merge keys, empty keys, non-finite numbers -----------------------------------


@pytest.mark.parametrize(
    ("value", "position"),
    [
        ("!!python/object:os.system ls", (2, 8)),
        ('!!python/object/apply:os.system ["echo hacked"]', (2, 8)),
        ("!!binary aGVsbG8=", (2, 8)),
        ("!custom 1", (2, 8)),
        ("!custom {a: 1}", (2, 8)),
        ("!!set {a, b}", (2, 8)),
    ],
    ids=["python-object", "python-apply", "binary", "local-scalar", "local-mapping", "set"],
)
def test_tags_outside_the_core_schema_are_refused(value: str, position: tuple[int, int]) -> None:
    error = refusal(f"name: x\nvalue: {value}\n".encode())
    assert (error.line, error.column) == position
    assert "unsupported tag" in error.message


def test_a_python_tag_runs_no_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f'cmd: !!python/object/apply:os.system ["touch {marker}"]\n'
    refusal(text.encode())
    assert not marker.exists()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("!!str 30", "30"),
        ("!!int 30", 30),
        ("!!float 2.5", 2.5),
        ("!!bool true", True),
        ("!!null null", None),
    ],
)
def test_core_schema_tags_are_accepted(written: str, expected: object) -> None:
    value = load(f"value: {written}\n").data["value"]
    assert value == expected
    assert type(value) is type(expected)


def test_a_core_tag_that_does_not_fit_its_value_is_refused() -> None:
    error = refusal(b"value: !!int thirty\n")
    assert (error.line, error.column) == (1, 8)
    assert "not a valid int" in error.message


def test_a_merge_key_is_refused() -> None:
    error = refusal(
        """
        base: &base {speed: 30}
        derived:
          <<: *base
          torque: 12
        """
    )
    assert (error.line, error.column) == (3, 3)
    assert "merge keys (<<)" in error.message


def test_an_empty_key_is_refused() -> None:
    error = refusal(
        """
        name: x
        ?
        : value
        """
    )
    assert error.line == 2
    assert error.column is not None
    assert error.column <= 2
    assert "key is empty" in error.message


def test_a_key_that_is_a_list_or_mapping_is_refused() -> None:
    error = refusal(b"name: x\n[a, b]: value\n")
    assert (error.line, error.column) == (2, 1)
    assert "mapping key must be a plain name" in error.message


@pytest.mark.parametrize(
    "value", [".nan", ".NaN", ".inf", "-.inf", "+.Inf", "1e999", "-1e999", "!!float .inf"]
)
def test_numbers_that_are_not_finite_are_refused(value: str) -> None:
    error = refusal(f"name: x\nvalue: {value}\n".encode())
    assert (error.line, error.column) == (2, 8)
    assert "not a finite number" in error.message


# --- Unreadable paths -----------------------------------------------------------------


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    with pytest.raises(RecipeLoadError) as caught:
        load_file(path)
    assert caught.value.file == str(path)
    assert "no such file" in caught.value.message


def test_a_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    with pytest.raises(RecipeLoadError) as caught:
        load_file(folder)
    assert caught.value.file == str(folder)
    assert "directory" in caught.value.message


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read any file")
def test_a_file_without_read_permission_is_refused(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, "name: secret\n")
    path.chmod(0)
    try:
        with pytest.raises(RecipeLoadError) as caught:
            load_file(path)
    finally:
        path.chmod(0o644)
    assert caught.value.file == str(path)
    assert "permission denied" in caught.value.message


# --- What it reads: the YAML 1.2 core schema ------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("0x1F", 31),
        ("1e3", 1000.0),
        ("~", None),
        ("null", None),
        ("", None),
        ("true", True),
        ("False", False),
        ("2024-01-05", "2024-01-05"),
        ("60", 60),
        ("60.0", 60.0),
        ("-5", -5),
        ("0", 0),
        ("0.5", 0.5),
        ("-0.25e-3", -0.00025),
        ("12:30 shift", "12:30 shift"),
        ("N2", "N2"),
        ('"60"', "60"),
    ],
)
def test_plain_scalars_resolve_by_the_yaml_1_2_core_schema(written: str, expected: object) -> None:
    value = load(f"value: {written}\n").data["value"]
    assert value == expected
    assert type(value) is type(expected)


def test_anchors_and_aliases_within_the_limit_load() -> None:
    document = load(
        """
        defaults: &speed {value: 30, unit: rpm}
        mixer: {speed: *speed}
        coater: {speed: *speed}
        """
    )
    assert document.data["mixer"]["speed"] == {"value": 30, "unit": "rpm"}
    assert document.data["coater"]["speed"] == document.data["defaults"]


# --- Where things are written ---------------------------------------------------------

MINIMAL_RECIPE = """
cexact: 1
line: {id: demo-line, name: Demo, product: widget, site: home, role: mother, version: "1.0"}
steps:
  - id: s1
    name: Mix
    operation: mixing
    parameters:
      speed: {value: 30, unit: rpm, tolerance: 2}
    outputs:
      viscosity: {target: 5000, unit: mPa*s, lsl: 4000, usl: 6000}
"""


@pytest.mark.parametrize(
    ("path", "position"),
    [
        ((), (1, 1)),
        (("cexact",), (1, 1)),
        (("line",), (2, 1)),
        (("line", "id"), (2, 8)),
        (("line", "role"), (2, 64)),
        (("steps",), (3, 1)),
        (("steps", 0), (4, 5)),
        (("steps", 0, "id"), (4, 5)),
        (("steps", 0, "operation"), (6, 5)),
        (("steps", 0, "parameters", "speed"), (8, 7)),
        (("steps", 0, "parameters", "speed", "unit"), (8, 26)),
        (("steps", 0, "outputs", "viscosity", "usl"), (10, 57)),
    ],
)
def test_locations_map_each_key_and_item_to_its_line_and_column(
    path: tuple[str | int, ...], position: tuple[int, int]
) -> None:
    document = load(MINIMAL_RECIPE)
    assert document.locations[path] == position
    if path:
        key = path[-1]
        written = text_at(MINIMAL_RECIPE, *position)
        assert written.startswith(str(key) if isinstance(key, str) else "id")


def test_every_list_item_is_located() -> None:
    document = load(
        """
        steps:
          - id: a
          -   id: b
          - {id: c}
        """
    )
    assert document.locations[("steps", 0)] == (2, 5)
    assert document.locations[("steps", 1)] == (3, 7)
    assert document.locations[("steps", 2)] == (4, 5)
    assert document.locations[("steps", 2, "id")] == (4, 6)


def test_position_of_falls_back_to_the_nearest_located_ancestor() -> None:
    document = load(MINIMAL_RECIPE)
    assert document.position_of(("steps", 0, "id")) == (4, 5)
    assert document.position_of(("steps", 0, "equipment", 3, "id")) == (4, 5)
    assert document.position_of(("steps", 0, "parameters", "speed", "nothing")) == (8, 7)
    assert document.position_of(("no-such-key",)) == (1, 1)
    assert document.position_of(()) == (1, 1)


def test_the_document_records_its_source_and_the_sha256_of_its_bytes(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, MINIMAL_RECIPE)
    document = load_file(path)
    assert document.source == str(path)
    assert document.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert document.data["steps"][0]["parameters"]["speed"] == {
        "value": 30,
        "unit": "rpm",
        "tolerance": 2,
    }


def test_the_sha256_is_of_the_bytes_as_written_including_a_byte_order_mark() -> None:
    plain = b"name: Mix\n"
    with_bom = b"\xef\xbb\xbf" + plain
    assert load_bytes(plain, SOURCE).sha256 == hashlib.sha256(plain).hexdigest()
    assert load_bytes(with_bom, SOURCE).sha256 == hashlib.sha256(with_bom).hexdigest()
    assert load_bytes(plain, SOURCE).data == load_bytes(with_bom, SOURCE).data
