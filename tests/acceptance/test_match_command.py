"""Process Output Matching with data, as users run it: `match`, and `--measurements`."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import SAMPLE_LINES, SCHEMA_DIR, Run

MEASUREMENTS = SAMPLE_LINES / "measurements"
MOTHER = SAMPLE_LINES / "cell-4680" / "mother.yaml"
ARIZONA = SAMPLE_LINES / "cell-4680" / "arizona-us.yaml"
TODAY = "2026-11-22"

EXPECTED_VERDICTS = {
    ("S030", "coat_weight_side_a"): "matched",
    ("S050", "electrode_thickness"): "matched",  # the child writes mm, the recipe um
    ("S070", "slit_width_cathode"): "not-matched",
    ("S120", "weld_pull_strength"): "not-matched",
    ("S210", "discharge_capacity"): "insufficient-data",
    ("S210", "ac_internal_resistance"): "matched",
}


def test_match_judges_every_output_and_fails_on_a_mismatch(run_cexact: Run) -> None:
    result = run_cexact(
        "match",
        MEASUREMENTS / "ochang-kr.csv",
        MEASUREMENTS / "arizona-us.csv",
        "--recipe",
        MOTHER,
        "-f",
        "json",
    )
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    verdicts = {(o["step"], o["output"]): o["verdict"] for o in report["outputs"]}
    assert verdicts == EXPECTED_VERDICTS
    reasons = {o["output"]: o["reasons"] for o in report["outputs"]}
    assert reasons["slit_width_cathode"] == ["means not equivalent within ±margin"]
    assert reasons["weld_pull_strength"] == ["variance ratio above max"]
    assert report["passed"] is False
    assert report["summary"]["unverified"] == len(report["unverified"]) > 0


def test_match_prints_a_table_in_the_terminal(run_cexact: Run) -> None:
    result = run_cexact(
        "match", MEASUREMENTS / "ochang-kr.csv", MEASUREMENTS / "arizona-us.csv", "--recipe", MOTHER
    )
    assert result.exit_code == 1
    assert "FAIL  2 output(s) not matched" in result.stdout
    assert "weld_pull_strength" in result.stdout
    assert "insufficient-data" in result.stdout


def test_diff_with_measurements_folds_the_verdicts_into_the_stage(run_cexact: Run) -> None:
    policy = SAMPLE_LINES / "cexact.yaml"  # Arizona's ramp-up gate
    args = ("diff", MOTHER, ARIZONA, "-f", "json", "--today", TODAY, "--policy", policy)
    without = json.loads(run_cexact(*args).stdout)
    result = run_cexact(*args, "--measurements", MEASUREMENTS)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    schema = json.loads((SCHEMA_DIR / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    assert without["passed"] is True  # Arizona's ramp-up gate holds on recipes alone...
    assert without["matching"] is None
    assert report["passed"] is False  # ...but not on its measured outputs
    assert report["achieved"] == "make-it-work"
    measured = [d for d in report["deviations"] if d["path"].endswith(".measured")]
    assert [d["path"] for d in measured] == [
        "steps[S070].outputs.slit_width_cathode.measured",
        "steps[S120].outputs.weld_pull_strength.measured",
    ]
    assert {d["stage"] for d in measured} == {"process-output-matching"}
    assert measured[0]["mother_location"]["file"].endswith("mother.yaml")
    assert len(report["matching"]["outputs"]) == len(EXPECTED_VERDICTS)


def test_check_with_measurements_notes_sites_without_data(run_cexact: Run) -> None:
    result = run_cexact(
        "check", SAMPLE_LINES, "--measurements", MEASUREMENTS, "-f", "json", "--today", TODAY
    )
    assert result.exit_code == 1
    sites = {s["child"]["site"]: s for s in json.loads(result.stdout)["sites"]}
    assert sites["arizona-us"]["passed"] is False
    assert sites["arizona-us"]["matching"]["summary"]["not_matched"] == 2
    assert sites["wroclaw-pl"]["matching"] is None
    assert any("no measurements" in note for note in sites["wroclaw-pl"]["notes"])


def test_html_and_markdown_carry_the_measured_outputs(run_cexact: Run, tmp_path: Path) -> None:
    common = ("diff", MOTHER, ARIZONA, "--measurements", MEASUREMENTS, "--today", TODAY)
    run_cexact(*common, "-f", "html", "-o", tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")

    class Collector(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[str] = []
            self.svgs = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            classes = dict(attrs).get("class") or ""
            if tag == "article" and "verdict-" in classes:
                self.rows.append(classes.split("verdict-")[1])
            if tag == "svg":
                self.svgs += 1

    collector = Collector()
    collector.feed(page)
    assert sorted(collector.rows) == sorted(EXPECTED_VERDICTS.values())
    assert collector.svgs >= len(EXPECTED_VERDICTS) + 1  # one per output, plus the chart
    markdown = run_cexact(*common, "-f", "markdown").stdout
    assert "### Measured outputs" in markdown
    assert "`steps[S120].outputs.weld_pull_strength` | not-matched (variance ratio above max)" in (
        markdown
    )


def test_a_site_without_a_measurement_file_is_a_usage_error_in_diff(
    run_cexact: Run, tmp_path: Path
) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    shutil.copy(MEASUREMENTS / "ochang-kr.csv", folder)
    result = run_cexact("diff", MOTHER, ARIZONA, "--measurements", folder)
    assert result.exit_code == 2
    assert "arizona-us.csv not found" in result.stderr


def test_a_bad_row_is_reported_with_its_line_and_nothing_is_compared(
    run_cexact: Run, tmp_path: Path
) -> None:
    child = tmp_path / "arizona-us.csv"
    lines = (MEASUREMENTS / "arizona-us.csv").read_text(encoding="utf-8").splitlines()
    parts = lines[4].split(",")
    parts[2] = "twelve"
    lines[4] = ",".join(parts)
    child.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cexact("match", MEASUREMENTS / "ochang-kr.csv", child, "--recipe", MOTHER)
    assert result.exit_code == 2
    assert f"{child}:5:" in result.stderr
    assert "'twelve' is not a number" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("fmt", ["junit", "sarif", "github", "html"])
def test_formats_without_a_match_view_say_so(run_cexact: Run, fmt: str) -> None:
    result = run_cexact(
        "match",
        MEASUREMENTS / "ochang-kr.csv",
        MEASUREMENTS / "arizona-us.csv",
        "--recipe",
        MOTHER,
        "-f",
        fmt,
    )
    assert result.exit_code == 2
    assert f"'{fmt}' is not a format of match; choose from text, json, markdown" in result.stderr
