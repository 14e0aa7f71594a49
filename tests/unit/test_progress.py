"""`cexact check` shows progress on a terminal, and nothing when stderr is piped."""

from __future__ import annotations

import io
import sys

import pytest

from cexact.cli.execute import _progress_reporter


class TerminalStream(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_progress_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    report, stop = _progress_reporter()
    assert report is None
    stop()
    assert piped.getvalue() == ""


def test_progress_phases_appear_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = TerminalStream()
    monkeypatch.setattr(sys, "stderr", terminal)
    report, stop = _progress_reporter()
    assert report is not None
    report("validating", 0, 4)
    report("validating", 4, 4)
    report("comparing", 2, 3)
    stop()
    shown = terminal.getvalue()
    assert "validating" in shown
    assert "comparing" in shown
