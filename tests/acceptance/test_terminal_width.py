"""What people see in a terminal: check, waivers, match, diff and impact on the sample lines
at 80 and 120 columns, and piped.

Golden files (tests/golden/terminal/<command>-<columns>.txt) hold the exact text.
When the output changes on purpose, regenerate them with
`CEXACT_UPDATE_GOLDEN=1 pytest tests/acceptance/test_terminal_width.py`, then READ
the diff of the golden files before committing them.

Beyond the golden files, each output is checked for what matters whatever the
wording: no line wider than the terminal, nothing ellipsized, and every
identifier (site, line, waiver id, date, output path, p-value) printed whole.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cexact.cli import main
from cexact.report.terminal import PIPED_WIDTH, wrap
from tests.conftest import ROOT, SAMPLE_LINES, assert_matches_golden

GOLDEN_DIR = ROOT / "tests" / "golden" / "terminal"
TODAY = "2026-12-03"
"""WV-AZ-002 expires in 12 days, WV-AZ-003 has expired, WV-WR-001 covers other values."""
WIDTHS = (80, 120)
MEASUREMENTS = ("measurements/ochang-kr.csv", "measurements/arizona-us.csv")

COMMANDS: dict[str, tuple[Path, tuple[str, ...]]] = {
    "check": (ROOT, ("check", "sample_lines", "--today", TODAY, "--jobs", "1", "--no-cache")),
    "waivers": (ROOT, ("waivers", "sample_lines", "--today", TODAY)),
    "impact": (
        ROOT,
        (
            "impact",
            "sample_lines/cell-4680/proposals/mother-3.5.yaml",
            "sample_lines",
            "--today",
            TODAY,
            "--no-cache",
        ),
    ),
    "match": (SAMPLE_LINES, ("match", *MEASUREMENTS, "--recipe", "cell-4680/mother.yaml")),
    "diff": (
        ROOT,
        (
            "diff",
            "sample_lines/cell-4680/mother.yaml",
            "sample_lines/cell-4680/wroclaw-pl.yaml",
            "--today",
            TODAY,
            "--no-cache",
        ),
    ),
}


@dataclass(frozen=True)
class Printed:
    exit_code: int
    text: str


def run_at(command: str, columns: int, monkeypatch: pytest.MonkeyPatch) -> Printed:
    """`cexact COMMAND` as a terminal of `columns` columns would show it (without colour)."""
    folder, args = COMMANDS[command]
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(folder)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    return Printed(code, out.getvalue())


def widest(text: str) -> int:
    return max(len(line.rstrip()) for line in text.splitlines())


SITES = ("cell-4680", "cmos05-gate", "arizona-us", "wroclaw-pl", "fab-b-singapore", "fab-c-dresden")


def waiver_identifiers() -> Iterator[str]:
    """Every waiver id, expiry date, change request and site of the sample lines."""
    completed = json.loads(
        subprocess.run(
            [sys.executable, "-m", "cexact", "waivers", "sample_lines", "-f", "json",
             "--today", TODAY],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    for waiver in completed["waivers"]:
        yield from (waiver["id"], waiver["expires"], waiver["change_request"], waiver["path"])
    yield from ("arizona-us", "wroclaw-pl")


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_golden_output(command: str, columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    printed = run_at(command, columns, monkeypatch)
    assert printed.exit_code == (0 if command == "waivers" else 1)
    golden = GOLDEN_DIR / f"{command}-{columns}.txt"
    assert_matches_golden(golden, printed.text, f"cexact {command} at {columns} columns")


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_nothing_is_cut_and_nothing_is_wider_than_the_terminal(
    command: str, columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = run_at(command, columns, monkeypatch).text
    assert "…" not in text and "..." not in text
    assert widest(text) <= columns
    whole = " ".join(text.split())
    words = set(re.split(r"[\s:;,()]+", text))
    if command == "check":
        assert set(SITES) <= words
    if command == "impact":
        assert {"cell-4680", "arizona-us", "wroclaw-pl", "WV-AZ-001", "WV-AZ-004"} <= words
    if command == "waivers":
        for identifier in waiver_identifiers():
            assert identifier in whole, identifier


def test_the_narrow_check_is_one_block_per_site_and_the_wide_one_a_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    narrow = run_at("check", 80, monkeypatch).text.splitlines()
    assert "cell-4680 / arizona-us  PASS" in narrow
    assert "cmos05-gate / fab-c-dresden  FAIL" in narrow
    wide = run_at("check", 120, monkeypatch).text.splitlines()
    (header,) = [line for line in wide if line.startswith("line ")]
    assert header.split()[:2] == ["line", "site"] and header.split()[-1] == "verdict"
    assert any(re.match(r"cmos05-gate\s+fab-b-singapore\s+met\s", line) for line in wide)


def test_match_names_each_sites_statistics_and_writes_both_means_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = run_at("match", 80, monkeypatch).text.splitlines()
    start = lines.index("steps[S070].outputs.slit_width_cathode  not-matched")
    mother, child = lines[start + 1], lines[start + 2]
    assert mother.split()[:3] == ["mother", "n", "40"] and "Cpk 2.54" in mother
    assert child.split()[:3] == ["child", "n", "40"] and "Cpk 2.03" in child
    means = [re.search(r"mean (\d+\.\d+) mm", line) for line in (mother, child)]
    decimals = {len(found.group(1).split(".")[1]) for found in means if found}
    assert len(decimals) == 1 and decimals != {0}, (mother, child)
    assert "<0.001" in " ".join(lines)  # p-values whole, never "<0.0…"


def test_piped_output_has_a_fixed_width_unless_columns_says_otherwise() -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    completed = subprocess.run(
        [sys.executable, "-m", "cexact", *COMMANDS["diff"][1]],
        cwd=ROOT, env={**env, "NO_COLOR": "1"}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 1
    assert widest(completed.stdout) <= PIPED_WIDTH
    assert widest(completed.stdout) > 80  # the long lines use the width, not 80


def test_wrapping_breaks_at_spaces_and_after_separators_never_inside_a_number() -> None:
    from rich.text import Text

    text = Text("steps[S210].outputs.ac_internal_resistance.usl: 1.6 -> 1.75 mohm")
    lines = [line.plain for line in wrap(text, 30, 4)]
    assert lines == [
        "steps[S210].outputs.",
        "    ac_internal_resistance.",
        "    usl: 1.6 -> 1.75 mohm",
    ]
    plain = "a: 1 open; b: 2 open (3 waived); c: met"
    start = plain.index("b:")
    kept = (start, plain.index(";", start))
    lines = [line.plain for line in wrap(Text(plain), 20, 2, keep=[kept])]
    assert lines == ["a: 1 open;", "  b: 2 open (3 waived);", "  c: met"]


def test_a_long_structured_value_is_shown_whole_to_people_and_cut_in_ci_messages() -> None:
    from cexact.model import Deviation, DeviationKind, Severity, Stage
    from cexact.report.formatting import MAX_VALUE_WIDTH, format_change

    value = {"zones": [f"zone-{n}" for n in range(12)]}
    deviation = Deviation(
        "steps[s1].equipment[e1].configuration", DeviationKind.CHANGED, Stage.COPY_EXACTLY,
        Severity.MAJOR, value, {"zones": []}, None, None,
    )  # fmt: skip
    whole, _ = format_change(deviation, None)
    assert whole.endswith('"zone-11"]}') and "…" not in whole
    cut, _ = format_change(deviation)
    assert len(cut) == MAX_VALUE_WIDTH and cut.endswith("…")
