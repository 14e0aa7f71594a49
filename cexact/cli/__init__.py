"""The command line: parses options, calls the core, hands the result to a renderer.

`main` is the one place where a failure becomes a one-line message and an
exit code:

- 0: success, or the child achieves the required stage;
- 1: deviations over the gate (and only that);
- 2: bad input or usage (`cexact: error: ...`, findings as file:line:col);
- 3: an internal error, a bug in cexact (`cexact: internal error ...`; the
  traceback with `--debug` or CEXACT_DEBUG=1), never mistaken for a failed gate;
- 130: interrupted (Ctrl-C); 143: terminated (SIGTERM).
"""

from __future__ import annotations

import io
import os
import signal
import sys
import traceback
from types import FrameType

import typer

from cexact.cli.invocations import CommandLine
from cexact.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    CexactError,
)

DEBUG_VARIABLE = "CEXACT_DEBUG"


class _Terminated(BaseException):
    """SIGTERM, raised where the process is, so that `finally` blocks clean up."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the command, map every failure to a message and an exit code."""
    from cexact.cli.app import app

    args = sys.argv[1:] if argv is None else list(argv)
    previous = _install_sigterm()
    try:
        result = app(
            args=args or ["--help"],
            standalone_mode=False,
            prog_name="cexact",
            obj=CommandLine(("cexact", *args)),
        )
    except CexactError as error:
        for detail in error.details:
            sys.stderr.write(f"{detail}\n")
        _print_error(str(error))
        return error.exit_code
    except typer.exceptions.TyperException as error:  # usage errors from option parsing
        _print_error(error.format_message())
        return EXIT_BAD_INPUT
    except typer.Abort:
        _print_error("aborted")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _print_error("interrupted")
        return EXIT_INTERRUPTED
    except _Terminated:
        _print_error("terminated")
        return EXIT_TERMINATED
    except BrokenPipeError:
        # The reader went away (cexact ... | head): not an error of ours.
        _quiet_broken_pipe()
        return EXIT_OK
    except Exception as error:  # a bug: never exit 1, which means "the gate failed"
        _internal_error(args, error)
        return EXIT_INTERNAL_ERROR
    finally:
        _restore_sigterm(previous)
    if result == EXIT_INTERRUPTED:  # typer turns Ctrl-C into a silent exit 130
        _print_error("interrupted")
    return result if isinstance(result, int) else EXIT_OK


def _install_sigterm() -> object:
    try:
        return signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (an embedding program)
        return None


def _restore_sigterm(previous: object) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]


def _internal_error(args: list[str], error: Exception) -> None:
    command = next((a for a in args if not a.startswith("-")), "")
    debug = os.environ.get(DEBUG_VARIABLE) == "1" or "--debug" in args
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    detail = " ".join(f"{type(error).__name__}: {error}".split())[:300]
    hint = "" if debug else " (run with --debug for the traceback)"
    _print_error(
        f"internal error in 'cexact {command}': {detail}; this is a bug in cexact, "
        f"please report it{hint}",
        prefix="cexact: ",
    )


def _quiet_broken_pipe() -> None:
    sys.stderr = io.StringIO()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def _print_error(message: str, prefix: str = "cexact: error: ") -> None:
    sys.stderr.write(f"{prefix}{message}\n")


__all__ = ["main"]
