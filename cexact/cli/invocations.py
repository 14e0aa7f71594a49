"""What a command line asks for, parsed: one frozen record per command.

The typer layer (`cexact.cli.app`) only fills these in; `cexact.cli.execute`
runs them. Tests can check option parsing by looking at the record a command
line produces, without running any core.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cexact.model import Stage


@dataclass(frozen=True, slots=True)
class CommandLine:
    """The words of the command line, `cexact` first: the typer context's object."""

    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Output:
    """Where and how a command's report goes."""

    format: str
    file: Path | None
    """None: standard output."""
    command_line: tuple[str, ...] = ()
    """The command line as typed, for the report's audit trail."""


@dataclass(frozen=True, slots=True)
class Validate:
    paths: tuple[Path, ...]
    output: Output
    max_file_size: int
    skip_unmarked: bool = False


@dataclass(frozen=True, slots=True)
class Diff:
    mother: str
    child: str
    output: Output
    required: Stage | None
    policy_file: Path | None
    waiver_files: tuple[Path, ...]
    """Empty: waivers.yaml beside the child, if there is one."""
    today: datetime.date | None
    repo: Path | None
    measurements: Path | None
    use_cache: bool
    max_file_size: int


@dataclass(frozen=True, slots=True)
class Check:
    folder: Path
    output: Output
    required: Stage | None
    policy_file: Path | None
    waiver_files: tuple[Path, ...]
    today: datetime.date | None
    shard: str | None
    jobs: int | None
    measurements: Path | None
    use_cache: bool
    max_file_size: int


@dataclass(frozen=True, slots=True)
class Waivers:
    folder: Path
    output: Output
    policy_file: Path | None
    today: datetime.date | None
    expiring_within: int


@dataclass(frozen=True, slots=True)
class Drift:
    child: str
    mother: str | None
    output: Output
    required: Stage | None
    policy_file: Path | None
    repo: Path | None
    use_cache: bool
    max_file_size: int


@dataclass(frozen=True, slots=True)
class Impact:
    proposed: str
    folder: Path | None
    """None: the folder of the nearest project file, else the current folder."""
    output: Output
    required: Stage | None
    policy_file: Path | None
    waiver_files: tuple[Path, ...]
    today: datetime.date | None
    repo: Path | None
    jobs: int | None
    use_cache: bool
    max_file_size: int


@dataclass(frozen=True, slots=True)
class Log:
    recipe: Path
    output: Output
    since: datetime.date | None
    max_count: int | None
    policy_file: Path | None
    max_file_size: int


@dataclass(frozen=True, slots=True)
class Match:
    mother_data: Path
    child_data: Path
    recipe: str
    output: Output
    repo: Path | None
    max_file_size: int


@dataclass(frozen=True, slots=True)
class Adopt:
    child: str | None
    mother: str | None
    to: str | None
    all_in: Path | None
    output: Output
    dry_run: bool
    commit: bool
    partial: bool
    policy_file: Path | None
    today: datetime.date | None
    repo: Path | None
    max_file_size: int


@dataclass(frozen=True, slots=True)
class Schema:
    name: str


Invocation = Validate | Diff | Check | Waivers | Drift | Impact | Log | Match | Adopt | Schema
