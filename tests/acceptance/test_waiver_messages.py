"""What the waivers say, said where people look: at the deviation, in the check, on the row.

On the sample lines: WV-WR-001 names Wroclaw's cathode tension but covers 12 -> 13 N
while Wroclaw runs 14 N; WV-AZ-005 was approved on 2026-06-15 and 2026-06-16, so
it covers nothing before the 16th; on 2026-12-03 WV-AZ-002 expires in 12 days and
WV-AZ-003 has expired.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cexact.cli import main
from tests.conftest import ROOT, SAMPLE_LINES

TODAY = "2026-12-03"
MOTHER = "sample_lines/cell-4680/mother.yaml"
WROCLAW = "sample_lines/cell-4680/wroclaw-pl.yaml"
ARIZONA = "sample_lines/cell-4680/arizona-us.yaml"
TENSION = "steps[S100].parameters.cathode_tension"
DENSITY_SAMPLING = (
    "steps[S050].outputs.electrode_density.measurement.frequency",
    "steps[S050].outputs.electrode_density.measurement.sample_size",
)


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def cexact(*args: str | Path, columns: int = 120) -> Run:
    """`cexact ARGS` in this process, from the repository root, in plain `columns` columns."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        patch.setenv("COLUMNS", str(columns))
        patch.setenv("NO_COLOR", "1")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(arg) for arg in args])
    return Run(code, out.getvalue(), err.getvalue())


def deviation(report: dict[str, Any], path: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [d for d in report["deviations"] if d["path"] == path]
    (only,) = found
    return only


# --- a waiver for other values ---------------------------------------------------------


def test_a_waiver_for_other_values_is_explained_at_the_deviation() -> None:
    text = cexact("diff", MOTHER, WROCLAW, "--today", TODAY, "--no-cache").stdout
    (line,) = [line for line in text.splitlines() if f"{TENSION}:" in line]
    assert "12 N ±1 -> 14 N ±1" in line
    assert "WV-WR-001 covers 12 -> 13 N only" in " ".join(text.split())


def test_a_waiver_for_other_values_is_recorded_in_json_and_leaves_the_deviation_open() -> None:
    report = cexact("diff", MOTHER, WROCLAW, "--today", TODAY, "-f", "json").json()
    tension = deviation(report, TENSION)
    assert tension["waiver"] is None
    assert tension["waiver_miss"] == {
        "waiver": "WV-WR-001",
        "reason": "values-differ",
        "mother": {"value": 12, "unit": "N", "tolerance": 1},
        "child": {"value": 13, "unit": "N", "tolerance": 1},
        "approved_on": "2026-03-02",
    }
    (outcome,) = [w for w in report["waivers"] if w["id"] == "WV-WR-001"]
    assert outcome["status"] == "unused" and outcome["covers"] == []


def test_the_check_says_why_the_unused_waiver_covers_nothing() -> None:
    text = " ".join(cexact("check", "sample_lines", "--today", TODAY, "-j", "1").stdout.split())
    assert (
        "unused WV-WR-001 (wroclaw-pl): covers no deviation: it covers 12 -> 13 N only, "
        f"{TENSION} is 12 N ±1 -> 14 N ±1"
    ) in text


# --- approval dates -------------------------------------------------------------------


@pytest.mark.parametrize(("today", "active"), [("2026-06-15", False), ("2026-06-16", True)])
def test_a_waiver_is_active_from_its_last_approval(today: str, active: bool) -> None:
    report = cexact("diff", MOTHER, ARIZONA, "--today", today, "-f", "json").json()
    (outcome,) = [w for w in report["waivers"] if w["id"] == "WV-AZ-005"]
    assert outcome["status"] == ("active" if active else "not-yet-approved")
    for path in DENSITY_SAMPLING:
        found = deviation(report, path)
        assert (found["waiver"] == "WV-AZ-005") is active
        assert (found["waiver_miss"] is None) is active
    if not active:
        assert deviation(report, DENSITY_SAMPLING[0])["waiver_miss"]["reason"] == (
            "not-yet-approved"
        )
        assert report["passed"] is False  # the deviations it would cover are open


def test_a_waiver_before_its_approval_says_so_in_text() -> None:
    text = cexact("diff", MOTHER, ARIZONA, "--today", "2026-06-01").stdout
    assert "WV-AZ-005 is not active before its approval on 2026-06-16" in " ".join(text.split())
    check = cexact("check", "sample_lines", "--today", "2026-06-01", "-j", "1").stdout
    assert re.search(
        r"not-yet-approved\s+WV-AZ-005 \(arizona-us\): not active before its approval on "
        r"2026-06-16",
        check,
    )


# --- waiver health in check --------------------------------------------------------------


def test_the_check_ends_with_the_waivers_that_need_attention() -> None:
    text = cexact("check", "sample_lines", "--today", TODAY, "-j", "1").stdout
    block = text[text.index("Waivers on 2026-12-03") :]
    lines = block.splitlines()
    assert lines[0] == "Waivers on 2026-12-03: 3 active, 1 expiring, 1 expired, 1 unused"
    assert "expiring  WV-AZ-002 (arizona-us): expires on 2026-12-15, in 12 day(s)" in block
    assert (
        "expired   WV-AZ-003 (arizona-us): expired on 2026-08-31, 94 day(s) ago; no longer "
        "covers environment.electrode_hall_cleanroom_class"
    ) in " ".join(block.split()).replace("expired WV", "expired   WV")
    assert "WV-AZ-001" not in block  # active and used: nothing to say


# --- a waiver file that does not load, in check -------------------------------------------


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    """The sample lines with one text of cell-4680/waivers.yaml replaced."""
    copy = tmp_path / "lines"
    shutil.copytree(SAMPLE_LINES, copy)
    waivers = copy / "cell-4680" / "waivers.yaml"
    text = waivers.read_text(encoding="utf-8")
    assert old in text
    waivers.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_a_site_whose_waiver_file_failed_says_so_on_its_row(tmp_path: Path) -> None:
    fleet = broken_copy(tmp_path, 'expires: "2027-02-10"', 'expires: "2027-02-30"')
    bad_line = line_of(fleet / "cell-4680" / "waivers.yaml", "2027-02-30")
    run = cexact("check", fleet, "--today", TODAY, "-j", "1", columns=80)  # a block per site
    assert run.exit_code == 1
    note = f"waivers not applied: waivers.yaml:{bad_line} invalid"
    rows = run.stdout.split("\n\n")
    for site in ("arizona-us", "wroclaw-pl"):  # the sites its waivers are for
        (row,) = [r for r in rows if r.startswith(f"cell-4680 / {site}")]
        assert note in row, row
    for site in ("fab-b-singapore", "fab-c-dresden"):
        (row,) = [r for r in rows if r.startswith(f"cmos05-gate / {site}")]
        assert "waivers not applied" not in row
    assert "waiver WV-AZ-004: '2027-02-30' is not a calendar date" in run.stdout
    report = cexact("check", fleet, "--today", TODAY, "-j", "1", "-f", "json").json()
    sites = {site["child"]["site"]: site for site in report["sites"]}
    assert [f["line"] for f in sites["arizona-us"]["waivers_not_applied"]] == [bad_line]
    assert sites["fab-c-dresden"]["waivers_not_applied"] == []


def test_a_waiver_file_that_is_not_yaml_is_named_on_the_rows_of_its_folder(
    tmp_path: Path,
) -> None:
    fleet = broken_copy(tmp_path, "  - id: WV-AZ-002\n", "  - id: [WV-AZ-002\n")
    text = cexact("check", fleet, "--today", TODAY, "-j", "1", "-f", "markdown").stdout
    rows = {line.split(" | ")[1]: line for line in text.splitlines() if line.startswith("| c")}
    assert "waivers not applied: waivers.yaml" in rows["arizona-us"]
    assert "waivers not applied: waivers.yaml" in rows["wroclaw-pl"]
    assert "waivers not applied" not in rows["fab-b-singapore"]
