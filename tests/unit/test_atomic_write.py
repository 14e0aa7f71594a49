"""Reports are written atomically: a reader sees the old file or the whole new one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cexact.errors import InputError, UsageError
from cexact.report.atomic_write import write_text_atomic
from tests.conftest import ROOT, Run

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


def test_bad_input_never_touches_an_existing_report(run_cexact: Run, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("previous", encoding="utf-8")
    broken = tmp_path / "child.yaml"
    broken.write_text("cexact: 1\nline: [", encoding="utf-8")
    result = run_cexact("diff", CASE / "mother.yaml", broken, "-f", "json", "-o", report)
    assert result.exit_code == 2
    assert report.read_text(encoding="utf-8") == "previous"


def test_a_report_to_a_missing_folder_is_exit_2_with_one_line(
    run_cexact: Run, tmp_path: Path
) -> None:
    result = run_cexact(
        "diff", CASE / "mother.yaml", CASE / "child.yaml", "-o", tmp_path / "nope" / "r.txt"
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("cexact: error: cannot write")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_replaced_report_keeps_its_mode_and_a_new_one_gets_the_umask(tmp_path: Path) -> None:
    shared = tmp_path / "shared.html"
    shared.write_text("old", encoding="utf-8")
    shared.chmod(0o644)
    write_text_atomic(shared, "new")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    previous = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "fresh.html", "new")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "fresh.html").stat().st_mode) == 0o640


def test_a_symlink_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "reports" / "latest.json"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    write_text_atomic(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


def test_a_character_device_is_written_into_never_replaced() -> None:
    write_text_atomic(Path(os.devnull), "discarded")
    assert stat.S_ISCHR(Path(os.devnull).stat().st_mode)


def test_folders_and_fifos_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    for target in (tmp_path, fifo):
        with pytest.raises(InputError, match="not a regular file"):
            write_text_atomic(target, "x")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_an_input_is_never_overwritten(tmp_path: Path) -> None:
    recipe = tmp_path / "child.yaml"
    recipe.write_text("cexact: 1\n", encoding="utf-8")
    with pytest.raises(UsageError, match="one of the command's inputs"):
        write_text_atomic(tmp_path / "." / "child.yaml", "report", inputs=[recipe])
    assert recipe.read_text(encoding="utf-8") == "cexact: 1\n"


def test_temporaries_of_killed_processes_are_removed(tmp_path: Path) -> None:
    gone = 2**22 + 12345  # above the default pid_max: no such process
    stale = tmp_path / f".cexact-{gone}-abc.tmp"
    stale.write_text("half a report", encoding="utf-8")
    mine = tmp_path / f".cexact-{os.getpid()}-def.tmp"
    mine.write_text("in progress", encoding="utf-8")
    write_text_atomic(tmp_path / "report.txt", "done")
    assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name, "report.txt"]
