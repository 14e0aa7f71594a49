"""impact's human views read as their readers do: the HTML matrix has a today and a
proposed cell per stage for every child, values are escaped, and the Markdown table
has one row per child with both verdicts."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from cexact.cli import main
from tests.conftest import ROOT
from tests.unit.test_html_views import Elements

ARGS = ("impact", "sample_lines/cell-4680/proposals/mother-3.5.yaml", "sample_lines",
        "--today", "2026-12-03", "--jobs", "1")  # fmt: skip


def rendered(fmt: str, out: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(ROOT)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*ARGS, "-f", fmt, "-o", str(out)]) == 1
    return out.read_text(encoding="utf-8")


def test_the_html_matrix_shows_today_and_proposed_per_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = Elements(rendered("html", tmp_path / "impact.html", monkeypatch))
    headers = page.text_of("th")
    assert headers.count("today") == 5 and headers.count("proposed") == 5  # 4 stages, achieved
    sites = ["arizona-us", "wroclaw-pl"]
    assert [h for h in headers if h in sites] == sites
    cells = [" ".join(text.split()) for text in page.text_of("td")]
    verdicts = [cell for cell in cells if cell.startswith(("PASS →", "FAIL →"))]
    assert any(v.startswith("PASS → FAIL") for v in verdicts), verdicts
    assert any(v.startswith("FAIL → FAIL") for v in verdicts), verdicts
    assert not page.all("script")


def test_markdown_has_a_row_per_child_with_both_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = rendered("markdown", tmp_path / "impact.md", monkeypatch)
    rows = [line for line in text.splitlines() if line.startswith("| arizona-us |")]
    assert rows == [
        "| arizona-us | Process Output Matching | Process Output Matching (PASS) | "
        "Make it work (FAIL) | newly fails: the proposal breaks it |"
    ]
    assert "WV-AZ-004 stops matching" in text
