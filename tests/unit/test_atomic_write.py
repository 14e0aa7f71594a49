"""Reports are written atomically: a reader sees the old file or the whole new one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cexact.errors import InputError
from cexact.report.atomic_write import write_text_atomic
from tests.conftest import ROOT

CASE = ROOT / "tests" / "cases" / "setpoint-outside-tolerance"


def test_the_new_text_replaces_the_old(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old", encoding="utf-8")
    write_text_atomic(target, "new report\n")
    assert target.read_text(encoding="utf-8") == "new report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_a_failure_while_writing_keeps_the_old_file_and_leaves_no_debris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("the previous audit report", encoding="utf-8")

    def disk_full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(InputError, match="No space left on device"):
        write_text_atomic(target, "<html>half of a new report")
    assert target.read_text(encoding="utf-8") == "the previous audit report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_an_unwritable_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write"):
        write_text_atomic(tmp_path / "no-such-folder" / "report.json", "{}")


def test_bad_input_never_touches_an_existing_report(run_cexact, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("previous", encoding="utf-8")
    broken = tmp_path / "child.yaml"
    broken.write_text("cexact: 1\nline: [", encoding="utf-8")
    result = run_cexact("diff", CASE / "mother.yaml", broken, "-f", "json", "-o", report)
    assert result.exit_code == 2
    assert report.read_text(encoding="utf-8") == "previous"


def test_a_report_to_a_missing_folder_is_exit_2_with_one_line(run_cexact, tmp_path: Path) -> None:
    result = run_cexact(
        "diff", CASE / "mother.yaml", CASE / "child.yaml", "-o", tmp_path / "nope" / "r.txt"
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("cexact: error: cannot write")
    assert len(result.stderr.strip().splitlines()) == 1
