"""The options several commands share, declared once, and parsers for option values."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cexact.cli.invocations import CommandLine, Output
from cexact.errors import UsageError
from cexact.model import Stage
from cexact.report import formats_for

DEFAULT_MAX_FILE_SIZE = 32 * 1024 * 1024
LARGEST_MAX_FILE_SIZE = 1 << 40
"""1 TiB: past any real file, and still a size the operating system takes."""


def format_option(command: str) -> Any:
    """`--format/-f` for `command`, offering only the formats it can write."""
    names = formats_for(command)

    def check(value: str) -> str:
        if value not in names:
            raise typer.BadParameter(f"{value!r} is not a format of {command}; choose from "
                                     f"{', '.join(names)}")  # fmt: skip
        return value

    return typer.Option(
        "--format", "-f", help=f"Output format: {', '.join(names)}.", metavar="FORMAT",
        callback=check,
    )  # fmt: skip


OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the report to FILE (atomically) instead of standard output.",
        metavar="FILE",
    ),
]
MaxFileSizeOption = Annotated[
    int,
    typer.Option(
        "--max-file-size",
        help="Refuse YAML files larger than BYTES (default: 32 MiB, 33554432).",
        min=1,
        max=LARGEST_MAX_FILE_SIZE,
        metavar="BYTES",
        show_default=False,
    ),
]
WaiversOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--waivers",
        help="Waiver file (repeatable). Default: waivers.yaml beside the child recipe.",
        metavar="FILE",
    ),
]
NoCacheOption = Annotated[
    bool, typer.Option("--no-cache", help="Do not use or fill the parse cache.")
]
PolicyHereOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="Project file (default: the nearest cexact.yaml at or above the recipe's "
        "folder, up to the top of its git work tree).",
        metavar="FILE",
    ),
]
PolicyInFolderOption = Annotated[
    Path | None,
    typer.Option(
        "--policy", help="Project file (default: DIR/cexact.yaml if present).", metavar="FILE"
    ),
]
MeasurementsOption = Annotated[
    Path | None,
    typer.Option(
        "--measurements",
        help="Folder of measured outputs, one <site>.csv per site: outputs that do not "
        "match the mother's statistically are process-output-matching deviations.",
        metavar="DIR",
    ),
]
RepoOption = Annotated[
    Path | None,
    typer.Option(
        "--repo",
        help="The git repository REV:PATH arguments read from (default: the one here).",
        metavar="DIR",
    ),
]
TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        help="Judge waiver expiry on this date (YYYY-MM-DD) instead of today: "
        "reproducible audits and tests.",
        metavar="DATE",
    ),
]
RequireOption = Annotated[
    str | None,
    typer.Option(
        "--require",
        help="The stage the child must achieve (exit 1 below it): make-it-work, "
        "process-output-matching, copy-exactly (default), system-synergy.",
        metavar="STAGE",
    ),
]


def parse_date(text: str | None, option: str = "--today") -> datetime.date | None:
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def parse_stage(text: str | None) -> Stage | None:
    if text is None:
        return None
    try:
        return Stage(text)
    except ValueError:
        choices = ", ".join(stage.value for stage in Stage.ordered())
        raise UsageError(f"unknown stage {text!r}; choose from {choices}") from None


def report_output(ctx: typer.Context, output_format: str, file: Path | None) -> Output:
    """Where the report goes, with the command line it records."""
    words = ctx.obj.words if isinstance(ctx.obj, CommandLine) else ()
    return Output(output_format, file, words)
