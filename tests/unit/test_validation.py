"""Validation of recipes: the schema and the rules beyond it, each finding at its line.

Each test starts from a small valid recipe, breaks one thing, and expects one
finding with the right rule at the line of the thing that is wrong.
"""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from cexact.commands.validate import validate_file
from cexact.model import Finding
from cexact.recipe import schema_store
from cexact.recipe.annotations import annotated_schema
from cexact.recipe.loader import load_bytes
from cexact.recipe.validation import keyed_list_findings, validate_document
from tests.conftest import MINIMAL_RECIPE

SOURCE = "recipe.yaml"

MINIMAL = MINIMAL_RECIPE

BLOCK_HEADER = textwrap.dedent(
    """\
    cexact: 1
    line:
      id: demo-line
      name: Demo line
      product: widget
      site: mother-site
      role: mother
      version: "1.0.0"
    steps:
      - id: s1
        name: Mix
        operation: mixing
    """
)


def recipe(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def replaced(text: str, old: str, new: str) -> str:
    """`text` with the one occurrence of `old` replaced (the test fails if it is not there)."""
    assert text.count(old) == 1, f"{old!r} should occur once"
    return text.replace(old, new)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based number of the line holding the `occurrence`-th `needle`."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} is not in the text {occurrence} time(s)")


def column_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based column of the `occurrence`-th `needle` on its line."""
    line = text.splitlines()[line_of(text, needle, occurrence) - 1]
    return line.index(needle) + 1


def findings_for(text: str) -> tuple[Finding, ...]:
    return validate_document(load_bytes(text.encode("utf-8"), SOURCE))


def only_finding(text: str) -> Finding:
    findings = findings_for(text)
    assert len(findings) == 1, "\n".join(map(str, findings))
    finding = findings[0]
    assert finding.file == SOURCE
    return finding


def in_step(text: str) -> str:
    """Lines to add to the last step of BLOCK_HEADER, written without its indentation."""
    return textwrap.indent(recipe(text), "    ")


def write_yaml(tmp_path: Path, text: str, name: str = "recipe.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- Valid recipes --------------------------------------------------------------------


def test_the_minimal_recipe_is_valid() -> None:
    assert findings_for(MINIMAL) == ()
    assert findings_for(BLOCK_HEADER) == ()


def test_a_full_child_recipe_is_valid() -> None:
    text = recipe(
        """
        cexact: 1
        line:
          id: demo-line
          name: Demo line
          product: widget
          site: child-site
          role: child
          version: "1.0.1"
          mother: {site: mother-site, version: "1.0.0"}
          effective: "2024-02-29"
        environment:
          humidity: {value: 40, unit: percent, tolerance: 5}
          cleanroom: ISO 7
        systems:
          mes: {vendor: Acme, product: MES, version: "10", configuration: {hold: auto}}
        procedures:
          - {id: SOP-1, revision: "A"}
        steps:
          - id: s1
            name: Coat
            operation: coating
            equipment:
              - id: coater-1
                vendor: Acme
                model: C-1
                software: "5.2"
                spare_parts: [{id: roller, part_number: R-1}]
            materials:
              - {id: foil, supplier: FoilCo, grade: A1}
            parameters:
              speed: {value: 60, unit: m/min, tolerance: 2}
              mode: auto
            outputs:
              loading: {target: 21.5, unit: mg/cm^2, lsl: 21.0, usl: 22.0}
        """
    )
    assert findings_for(text) == ()


# --- The schema -----------------------------------------------------------------------


def test_a_missing_required_field_is_reported_at_its_mapping() -> None:
    text = replaced(MINIMAL, "    operation: mixing\n", "")
    finding = only_finding(text)
    assert finding.rule == "schema"
    assert "missing required field 'operation'" in finding.message
    assert (finding.line, finding.column) == (line_of(text, "- id: s1"), 5)
    # The step is named by its id, as people name it, not by its position.
    assert finding.path == "steps[s1]"
    assert finding.message.startswith("steps[s1]: ")


def test_a_missing_top_level_section_is_reported_at_the_top() -> None:
    text = "cexact: 1\nline: {id: a, name: A, product: p, site: s, role: mother, version: '1'}\n"
    finding = only_finding(text)
    assert finding.rule == "schema"
    assert "missing required field 'steps'" in finding.message
    assert finding.line == 1


def test_an_unknown_field_is_reported_at_that_field_s_own_line() -> None:
    text = replaced(MINIMAL, "    operation: mixing\n", "    operation: mixing\n    colour: blue\n")
    finding = only_finding(text)
    assert finding.rule == "schema"
    assert "unknown field 'colour'" in finding.message
    assert (finding.line, finding.column) == (line_of(text, "colour: blue"), 5)


def test_each_unknown_field_is_reported_separately() -> None:
    text = MINIMAL + "colour: blue\nsize: large\n"
    findings = findings_for(text)
    assert [(f.rule, f.line) for f in findings] == [
        ("schema", line_of(text, "colour")),
        ("schema", line_of(text, "size")),
    ]


def test_an_unknown_field_in_a_flow_mapping_is_located_at_its_column() -> None:
    text = replaced(MINIMAL, 'version: "1.0"}', 'version: "1.0", colour: blue}')
    finding = only_finding(text)
    assert "unknown field 'colour'" in finding.message
    assert (finding.line, finding.column) == (2, column_of(text, "colour"))


def test_text_where_a_number_is_expected_is_reported_at_that_value() -> None:
    text = recipe(
        """
        cexact: 1
        line: {id: demo-line, name: Demo, product: widget, site: home, role: mother, version: "1.0"}
        steps:
          - id: s1
            name: Mix
            operation: mixing
            outputs:
              viscosity:
                target: high
                unit: mPa*s
        """
    )
    finding = only_finding(text)
    assert finding.rule == "schema"
    assert "expected a number" in finding.message
    assert "'high'" in finding.message
    assert (finding.line, finding.column) == (line_of(text, "target: high"), 9)


def test_text_as_a_parameter_value_is_reported_at_the_value_line() -> None:
    text = recipe(
        """
        cexact: 1
        line: {id: demo-line, name: Demo, product: widget, site: home, role: mother, version: "1.0"}
        steps:
          - id: s1
            name: Mix
            operation: mixing
            parameters:
              speed:
                value: thirty
                unit: rpm
        """
    )
    finding = only_finding(text)
    assert finding.rule == "schema"
    assert finding.line == line_of(text, "value: thirty")
    assert "number" in finding.message


def test_a_bad_role_is_reported_with_the_allowed_values() -> None:
    text = replaced(MINIMAL, "role: mother", "role: parent")
    finding = only_finding(text)
    assert finding.rule == "schema"
    assert "'mother'" in finding.message
    assert "'child'" in finding.message
    assert "'parent'" in finding.message
    assert (finding.line, finding.column) == (2, column_of(text, "role:"))


def test_a_negative_tolerance_is_reported_at_the_tolerance() -> None:
    text = recipe(
        """
        cexact: 1
        line: {id: demo-line, name: Demo, product: widget, site: home, role: mother, version: "1.0"}
        steps:
          - id: s1
            name: Mix
            operation: mixing
            parameters:
              speed:
                value: 30
                unit: rpm
                tolerance: -2
        """
    )
    finding = only_finding(text)
    assert finding.rule == "schema"
    assert finding.line == line_of(text, "tolerance: -2")
    assert "tolerance" in finding.message


def test_a_negative_tolerance_is_refused_in_a_flow_quantity() -> None:
    text = replaced(MINIMAL, "tolerance: 2}", "tolerance: -2}")
    finding = only_finding(text)
    assert finding.rule == "schema"
    assert finding.line == line_of(text, "tolerance: -2")


def test_an_unknown_recipe_format_version_is_refused() -> None:
    text = replaced(MINIMAL, "cexact: 1\n", "cexact: 2\n")
    finding = only_finding(text)
    assert finding.rule == "schema"
    assert (finding.line, finding.column) == (1, 1)


# --- Duplicate ids --------------------------------------------------------------------


def test_a_duplicate_step_id_is_reported_at_the_second_naming_the_first_line() -> None:
    text = MINIMAL + "  - id: s2\n    name: Coat\n    operation: coating\n"
    text += "  - id: s1\n    name: Mix again\n    operation: mixing\n"
    finding = only_finding(text)
    assert finding.rule == "duplicate-id"
    assert "duplicate step id 's1'" in finding.message
    assert f"first on line {line_of(text, '- id: s1')}" in finding.message
    assert (finding.line, finding.column) == (line_of(text, "- id: s1", occurrence=2), 5)


def test_a_duplicate_equipment_id_within_a_step_is_reported() -> None:
    text = BLOCK_HEADER + in_step(
        """
        equipment:
          - {id: mixer-1, vendor: Acme, model: M-1}
          - {id: mixer-2, vendor: Acme, model: M-2}
          - {id: mixer-1, vendor: Acme, model: M-3}
        """
    )
    finding = only_finding(text)
    assert finding.rule == "duplicate-id"
    assert "duplicate equipment id 'mixer-1'" in finding.message
    assert f"first on line {line_of(text, 'mixer-1')}" in finding.message
    assert (finding.line, finding.column) == (
        line_of(text, "mixer-1", occurrence=2),
        column_of(text, "id: mixer-1", occurrence=2),
    )


def test_the_same_equipment_id_in_two_steps_is_fine() -> None:
    text = recipe(
        """
        cexact: 1
        line: {id: demo-line, name: Demo, product: widget, site: home, role: mother, version: "1.0"}
        steps:
          - id: s1
            name: Mix
            operation: mixing
            equipment: [{id: mixer-1, vendor: Acme, model: M-1}]
          - id: s2
            name: Mix again
            operation: mixing
            equipment: [{id: mixer-1, vendor: Acme, model: M-1}]
        """
    )
    assert findings_for(text) == ()


def test_a_duplicate_line_wide_procedure_id_is_reported() -> None:
    text = replaced(
        MINIMAL,
        "steps:\n",
        'procedures:\n  - {id: SOP-1, revision: "A"}\n  - {id: SOP-1, revision: "B"}\nsteps:\n',
    )
    finding = only_finding(text)
    assert finding.rule == "duplicate-id"
    assert "duplicate procedure id 'SOP-1'" in finding.message
    assert f"first on line {line_of(text, 'SOP-1')}" in finding.message
    assert finding.line == line_of(text, "SOP-1", occurrence=2)


def test_a_duplicate_procedure_id_within_a_step_is_reported() -> None:
    text = BLOCK_HEADER + in_step(
        """
        procedures:
          - id: WI-7
            revision: "1"
          - id: WI-7
            revision: "2"
        """
    )
    finding = only_finding(text)
    assert finding.rule == "duplicate-id"
    assert "duplicate procedure id 'WI-7'" in finding.message
    assert finding.line == line_of(text, "id: WI-7", occurrence=2)


# --- Units ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("unit: rpm", "unit: furlongs_per_fortnightz"),
        ("unit: mPa*s", "unit: furlongs_per_fortnightz"),
    ],
    ids=["parameter", "output"],
)
def test_an_unknown_unit_is_reported_at_the_unit(old: str, new: str) -> None:
    text = replaced(MINIMAL, old, new)
    finding = only_finding(text)
    assert finding.rule == "unit"
    assert "unknown unit 'furlongs_per_fortnightz'" in finding.message
    assert (finding.line, finding.column) == (
        line_of(text, "furlongs"),
        column_of(text, "unit: furlongs"),
    )


def test_an_unknown_unit_in_the_environment_is_reported_at_its_line() -> None:
    text = replaced(
        MINIMAL,
        "steps:\n",
        "environment:\n  humidity:\n    value: 40\n    unit: furlongs_per_fortnightz\nsteps:\n",
    )
    finding = only_finding(text)
    assert finding.rule == "unit"
    assert (finding.line, finding.column) == (line_of(text, "furlongs"), 5)


@pytest.mark.parametrize("unit", ["degC", "m/min", "sccm", "mTorr", "percent", "mg/cm^2", "kPa"])
def test_units_fabs_and_cell_plants_write_are_accepted(unit: str) -> None:
    assert findings_for(replaced(MINIMAL, "unit: rpm", f"unit: {unit}")) == ()


# --- Spec limits ----------------------------------------------------------------------


def test_a_lower_spec_limit_above_the_upper_is_reported_at_the_lsl() -> None:
    text = replaced(MINIMAL, "lsl: 4000, usl: 6000", "lsl: 6500, usl: 6000")
    finding = only_finding(text)
    assert finding.rule == "spec-limits"
    assert "6500" in finding.message
    assert "6000" in finding.message
    assert (finding.line, finding.column) == (line_of(text, "lsl: 6500"), column_of(text, "lsl"))


@pytest.mark.parametrize(
    ("target", "phrase"),
    [("7000", "above the upper spec limit 6000"), ("3000", "below the lower spec limit 4000")],
)
def test_a_target_outside_the_spec_limits_is_reported_at_the_target(
    target: str, phrase: str
) -> None:
    text = replaced(MINIMAL, "target: 5000", f"target: {target}")
    finding = only_finding(text)
    assert finding.rule == "spec-limits"
    assert phrase in finding.message
    assert (finding.line, finding.column) == (
        line_of(text, f"target: {target}"),
        column_of(text, "target"),
    )


@pytest.mark.parametrize(
    "limits", ["lsl: 5000, usl: 5000", "lsl: 4000", "usl: 6000", "lsl: 5000, usl: 6000"]
)
def test_a_target_on_or_within_its_limits_is_fine(limits: str) -> None:
    assert findings_for(replaced(MINIMAL, "lsl: 4000, usl: 6000", limits)) == ()


# --- Mother and child -----------------------------------------------------------------


def test_a_child_without_a_mother_reference_is_reported_at_its_role() -> None:
    text = replaced(BLOCK_HEADER, "role: mother", "role: child")
    finding = only_finding(text)
    assert finding.rule == "mother-reference"
    assert "line.mother" in finding.message
    assert (finding.line, finding.column) == (line_of(text, "role: child"), 3)


def test_a_mother_naming_a_mother_is_reported_at_the_mother_reference() -> None:
    text = replaced(
        BLOCK_HEADER,
        '  version: "1.0.0"\n',
        '  version: "1.0.0"\n  mother: {site: elsewhere, version: "0.9"}\n',
    )
    finding = only_finding(text)
    assert finding.rule == "mother-reference"
    assert "must not name a mother" in finding.message
    assert (finding.line, finding.column) == (line_of(text, "mother: {"), 3)


def test_a_child_with_a_mother_reference_is_valid() -> None:
    text = replaced(
        BLOCK_HEADER,
        "  role: mother\n",
        '  role: child\n  mother: {site: mother-site, version: "1.0.0"}\n',
    )
    assert findings_for(text) == ()


# --- Dates ----------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["2024-02-30", '"2024-02-30"', "2023-02-29", "2024-13-01"])
def test_an_impossible_calendar_date_is_reported(written: str) -> None:
    text = replaced(
        BLOCK_HEADER, '  version: "1.0.0"\n', f'  version: "1.0.0"\n  effective: {written}\n'
    )
    finding = only_finding(text)
    assert finding.rule == "date"
    assert "not a calendar date" in finding.message
    assert (finding.line, finding.column) == (line_of(text, "effective"), 3)


def test_a_leap_day_is_a_calendar_date() -> None:
    text = replaced(
        BLOCK_HEADER, '  version: "1.0.0"\n', '  version: "1.0.0"\n  effective: 2024-02-29\n'
    )
    assert findings_for(text) == ()


def test_a_date_in_another_format_is_refused_by_the_schema() -> None:
    text = replaced(
        BLOCK_HEADER, '  version: "1.0.0"\n', '  version: "1.0.0"\n  effective: 05.01.2024\n'
    )
    finding = only_finding(text)
    assert finding.rule == "schema"
    assert finding.line == line_of(text, "effective")


# --- Findings and files ---------------------------------------------------------------


def test_findings_come_in_line_order_with_their_rules() -> None:
    text = MINIMAL + "  - id: s1\n    name: Mix again\n    operation: mixing\n"
    text = replaced(text, "unit: rpm", "unit: furlongs_per_fortnightz")
    text = replaced(text, "target: 5000", "target: 7000")
    findings = findings_for(text)
    assert [(f.line, f.rule) for f in findings] == [
        (line_of(text, "furlongs"), "unit"),
        (line_of(text, "target: 7000"), "spec-limits"),
        (line_of(text, "- id: s1", occurrence=2), "duplicate-id"),
    ]


def test_a_finding_prints_as_file_line_column_error_message_rule() -> None:
    finding = only_finding(replaced(MINIMAL, "unit: rpm", "unit: furlongs_per_fortnightz"))
    assert str(finding) == (
        f"{SOURCE}:8:{finding.column}: error: unknown unit 'furlongs_per_fortnightz' (unit)"
    )


def test_validate_file_reports_a_valid_recipe(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, MINIMAL)
    result = validate_file(path)
    assert result.valid
    assert result.findings == ()
    assert result.source == str(path)
    assert result.schema_name == "recipe"


def test_validate_file_turns_a_load_error_into_a_located_finding(tmp_path: Path) -> None:
    path = write_yaml(
        tmp_path, replaced(MINIMAL, "    name: Mix\n", "    name: Mix\n    name: Again\n")
    )
    result = validate_file(path)
    assert not result.valid
    [finding] = result.findings
    assert finding.file == str(path)
    assert finding.rule == "yaml"
    assert (finding.line, finding.column) == (6, 5)
    assert "duplicate key 'name'" in finding.message


def test_validate_file_reports_a_missing_file_as_a_finding(tmp_path: Path) -> None:
    result = validate_file(tmp_path / "missing.yaml")
    assert not result.valid
    assert "no such file" in result.findings[0].message


def test_validate_file_locates_schema_findings_in_the_file(tmp_path: Path) -> None:
    text = replaced(MINIMAL, "role: mother", "role: parent")
    result = validate_file(write_yaml(tmp_path, text))
    [finding] = result.findings
    assert finding.rule == "schema"
    assert finding.line == 2


def test_every_keyed_list_in_the_schema_gets_unique_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keying a list in the schema (x-cexact-key) is enough: the differ matches
    # its items by id and validation refuses a repeated id, with no list of
    # lists to keep in step. Here the schema keys the materials' `lots` too.
    schema = json.loads(schema_store.schema_text("recipe"))
    material = schema["$defs"]["material"]
    material["properties"]["lots"] = {
        "type": "array",
        "x-cexact-key": "lot",
        "items": {"type": "object", "properties": {"lot": {"type": "string"}}},
    }
    monkeypatch.setattr(schema_store, "schema", lambda name: schema)
    annotated_schema.cache_clear()
    try:
        text = (
            BLOCK_HEADER
            + "    materials:\n      - id: m1\n        supplier: S\n"
            + "        lots: [{lot: A}, {lot: B}, {lot: A}]\n"
        )
        document = load_bytes(text.encode(), SOURCE)
        (finding,) = keyed_list_findings(document, annotated_schema("recipe"))
        assert finding.rule == "duplicate-id"
        assert finding.message == "duplicate lot 'A' (first on line 16)"
        # Items by their key, but a duplicated key names its item by position.
        assert (finding.line, finding.path) == (16, "steps[s1].materials[m1].lots[2].lot")
    finally:
        annotated_schema.cache_clear()


def test_a_large_set_is_validated_on_every_core_with_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cexact.commands import validate
    from tests.conftest import SAMPLE_LINES

    folder = tmp_path / "lines"
    shutil.copytree(SAMPLE_LINES, folder)
    (folder / "broken.yaml").write_text("cexact: 1\nline: {id: x\n", encoding="utf-8")
    (folder / "cell-4680" / "mother.yaml").write_text(
        (SAMPLE_LINES / "cell-4680" / "mother.yaml")
        .read_text(encoding="utf-8")
        .replace("  version:", "  versoin:", 1),
        encoding="utf-8",
    )
    monkeypatch.setattr(validate, "PARALLEL_FROM_BYTES", 1 << 60)
    alone = validate.validate_paths([folder])
    monkeypatch.setattr(validate, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    shared = validate.validate_paths([folder])
    assert shared == alone
    assert not shared.valid
    assert {Path(f.source).name for f in shared.files if not f.valid} == {
        "broken.yaml",
        "mother.yaml",
    }
