"""The one exception hierarchy of cexact, and the exit codes it maps to.

Core code raises these; only `cexact.cli` turns them into a one-line message
and an exit code. Each carries where the problem is (file, line, column) when
that is known, so the message points a user at the spot.
"""

from __future__ import annotations

EXIT_OK = 0
"""Success: the input is valid, or the child achieves the required stage."""
EXIT_GATE_FAILED = 1
"""Deviations over the gate: the child is below the required stage."""
EXIT_BAD_INPUT = 2
"""Bad input or usage: nothing was compared."""
EXIT_INTERNAL_ERROR = 3
"""A bug in cexact: an unexpected exception, never reported as a failed gate."""
EXIT_INTERRUPTED = 130
"""Interrupted by the user (SIGINT, Ctrl-C)."""
EXIT_TERMINATED = 143
"""Terminated (SIGTERM)."""


def format_where(file: str | None, line: int | None, column: int | None) -> str:
    """`file:line:col`, as much of it as is known ('' when no file is)."""
    if file is None:
        return ""
    parts = [file]
    if line is not None:
        parts.append(str(line))
        if column is not None:
            parts.append(str(column))
    return ":".join(parts)


class CexactError(Exception):
    """A problem cexact reports to the user as one line, never a traceback."""

    exit_code = EXIT_BAD_INPUT
    rule = "error"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    @property
    def details(self) -> tuple[str, ...]:
        """Lines printed before the message (e.g. each finding); none by default."""
        return ()

    def __reduce__(self) -> tuple[object, ...]:
        """Picklable whatever a subclass's constructor takes (errors cross processes)."""
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))

    @property
    def where(self) -> str:
        """`file:line:col`, as much of it as is known ('' when nothing is)."""
        return format_where(self.file, self.line, self.column)

    def __str__(self) -> str:
        where = self.where
        return f"{where}: {self.message}" if where else self.message


class UsageError(CexactError):
    """The command line asks for something that cannot be done."""

    rule = "usage"


class InputError(CexactError):
    """An input file cannot be used."""

    rule = "input"


class RecipeLoadError(InputError):
    """A YAML file cannot be read unambiguously (syntax, duplicates, limits...)."""

    rule = "yaml"


class ValidationFailed(InputError):
    """One or more input files are not valid; the findings say where and why."""

    rule = "schema"

    def __init__(self, message: str, findings: tuple[object, ...]) -> None:
        super().__init__(message)
        self.findings = findings

    @property
    def details(self) -> tuple[str, ...]:
        return tuple(str(finding) for finding in self.findings)


class UnreadableInputs(InputError):
    """Files or folders that a search could not read: nothing is checked without them."""

    rule = "unreadable"

    def __init__(self, problems: tuple[tuple[str, str], ...]) -> None:
        super().__init__(
            f"{len(problems)} path(s) cannot be read, so nothing was checked "
            "(fix their permissions, or remove them)"
        )
        self.problems = problems

    @property
    def details(self) -> tuple[str, ...]:
        return tuple(f"{path}: error: {problem} ({self.rule})" for path, problem in self.problems)


class GitError(InputError):
    """A git revision or repository cannot be read."""

    rule = "git"


def _rebuild(kind: type[CexactError], message: str, state: dict[str, object]) -> CexactError:
    error = kind.__new__(kind)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error
