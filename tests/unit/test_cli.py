"""The command line: option parsing alone, declared formats, and the exit codes of failures."""

from __future__ import annotations

import datetime
import inspect
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cexact.cli import adopt_command, file_commands, fleet_commands, main, pair_commands
from cexact.cli import execute as cli_execute
from cexact.cli import invocations as do
from cexact.errors import EXIT_INTERNAL_ERROR, EXIT_TERMINATED, UsageError
from cexact.model import Stage
from cexact.report import COMMAND_METHODS, FORMATS, Renderer
from tests.conftest import SAMPLE_LINES

CMOS = SAMPLE_LINES / "cmos-gate"


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[do.Invocation]:
    """The invocations command lines produce; nothing is executed."""
    seen: list[do.Invocation] = []

    def record(invocation: do.Invocation) -> int:
        seen.append(invocation)
        return 0

    for commands in (file_commands, pair_commands, fleet_commands, adopt_command):
        monkeypatch.setattr(commands, "execute", record)
    return seen


def test_diff_options_parse_into_one_record(parsed: list[do.Invocation]) -> None:
    argv = ["diff", "m.yaml", "v1:c.yaml", "--require", "system-synergy", "-f", "sarif", "-o",
            "r.sarif", "--today", "2026-06-01", "--no-cache", "--waivers", "a.yaml", "--waivers",
            "b.yaml", "--max-file-size", "1000"]  # fmt: skip
    code = main(argv)
    assert code == 0
    assert parsed == [
        do.Diff(
            mother="m.yaml",
            child="v1:c.yaml",
            # The report records the command line as typed, for its audit trail.
            output=do.Output("sarif", Path("r.sarif"), ("cexact", *argv)),
            required=Stage.SYSTEM_SYNERGY,
            policy_file=None,
            waiver_files=(Path("a.yaml"), Path("b.yaml")),
            today=datetime.date(2026, 6, 1),
            repo=None,
            measurements=None,
            use_cache=False,
            max_file_size=1000,
        )
    ]


def test_check_defaults(parsed: list[do.Invocation]) -> None:
    assert main(["check"]) == 0
    (invocation,) = parsed
    assert isinstance(invocation, do.Check)
    assert invocation.folder == Path()
    assert invocation.output == do.Output("text", None, ("cexact", "check"))
    assert invocation.use_cache and invocation.jobs is None and invocation.required is None


@pytest.mark.parametrize(
    "argv",
    [
        ["diff", "m", "c", "--require", "copy-exact"],
        ["diff", "m", "c", "--today", "2026-13-01"],
        ["waivers", ".", "-f", "html"],
        ["validate", ".", "-f", "markdown"],
        ["diff", "m", "c", "--max-file-size", "1" * 23],
        ["check", ".", "--jobs", "0"],
    ],
)
def test_bad_options_are_usage_errors_before_any_work(
    parsed: list[do.Invocation], capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(argv) == 2
    assert parsed == []
    err = capsys.readouterr().err
    assert err.startswith("cexact: error: ") and err.count("\n") == 1


def test_a_format_is_refused_before_the_core_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the core ran")

    monkeypatch.setattr("cexact.commands.check.check_fleet", never)
    with pytest.raises(UsageError, match="unknown format 'sarif' for waivers"):
        cli_execute.execute(do.Waivers(Path(), do.Output("sarif", None), None, None, 30))


def test_help_lists_only_the_formats_a_command_writes(capsys: pytest.CaptureFixture[str]) -> None:
    main(["waivers", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "Output format: text, json." in out


def test_declared_formats_are_the_ones_each_renderer_implements() -> None:
    for fmt in FORMATS.values():
        for command, method in COMMAND_METHODS.items():
            renderer = type(fmt.renderer(None, command))  # a command may have its own module
            own = getattr(renderer, method) is not getattr(Renderer, method)
            if method == "render_drift" and not own:  # drift defaults to the diff view
                own = renderer.render_diff is not Renderer.render_diff
            if method == "render_impact" and not own:  # impact defaults to the fleet view
                own = renderer.render_fleet is not Renderer.render_fleet
            assert (command in fmt.commands) == own, (fmt.name, command)


def test_every_command_has_a_runner_for_its_invocation() -> None:
    records = [c for _, c in inspect.getmembers(do, inspect.isclass) if c.__module__ == do.__name__]
    records.remove(do.Output)
    records.remove(do.CommandLine)
    assert set(records) == set(cli_execute._RUNNERS)


# --- failures and their exit codes ------------------------------------------------------


def test_an_unexpected_exception_is_an_internal_error_not_a_failed_gate(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr("cexact.commands.diff.compare_sources", broken)
    argv = ["diff", str(CMOS / "mother.yaml"), str(CMOS / "fab-c-dresden.yaml")]
    assert main(argv) == EXIT_INTERNAL_ERROR == 3
    err = capsys.readouterr().err
    assert err == (
        "cexact: internal error in 'cexact diff': RuntimeError: something broke; this is a bug "
        "in cexact, please report it (run with --debug for the traceback)\n"
    )
    assert main(["--debug", *argv]) == 3
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_sigterm_cleans_up_and_exits_143(monkeypatch: pytest.MonkeyPatch) -> None:
    def terminated(*args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr("cexact.commands.diff.compare_sources", terminated)
    before = signal.getsignal(signal.SIGTERM)
    argv = ["diff", str(CMOS / "mother.yaml"), str(CMOS / "fab-c-dresden.yaml")]
    assert main(argv) == EXIT_TERMINATED == 143
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_full_standard_output_is_one_line_and_exit_2() -> None:
    with open("/dev/full", "w") as full:  # noqa: PTH123 - a device, not a path to build
        completed = subprocess.run(
            [sys.executable, "-m", "cexact", "schema", "recipe"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert completed.returncode == 2
    assert completed.stderr == (
        "cexact: error: cannot write the report to standard output: No space left on device\n"
    )
