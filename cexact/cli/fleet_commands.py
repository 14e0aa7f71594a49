"""`cexact check`, `waivers` and `impact`: every child site of the lines under a folder.

Each parses its options into an invocation for `execute`; `cli.app` registers them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, TypeAlias

import typer

from cexact.cli import invocations as do
from cexact.cli.execute import execute
from cexact.cli.help import command_settings
from cexact.cli.options import (
    DEFAULT_MAX_FILE_SIZE,
    MaxFileSizeOption,
    MeasurementsOption,
    NoCacheOption,
    OutputOption,
    PolicyInFolderOption,
    RepoOption,
    TodayOption,
    format_option,
    parse_date,
    parse_stage,
    report_output,
)

CheckFormat: TypeAlias = Annotated[str, format_option("check")]
WaiversFormat: TypeAlias = Annotated[str, format_option("waivers")]
ImpactFormat: TypeAlias = Annotated[str, format_option("impact")]


CHECK_SETTINGS = command_settings(
    'The CI gate: every child site of every line under DIR.',
    (
        "Examples:\n"
        '  cexact check sample_lines\n'
        '  cexact check recipes --format html -o fleet.html\n'
        '  cexact check recipes --shard 2/4 --format junit -o junit.xml'
    ),
)


def check(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Argument(help="The recipe repository (default: here).", metavar="DIR")
    ] = Path(),
    require: Annotated[
        str | None,
        typer.Option(
            "--require",
            help="The stage every child must achieve, over the project file's settings.",
            metavar="STAGE",
        ),
    ] = None,
    output_format: CheckFormat = "text",
    output: OutputOption = None,
    policy_file: PolicyInFolderOption = None,
    waiver_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--waivers",
            help="Extra waiver file (repeatable); those under DIR are found.",
            metavar="FILE",
        ),
    ] = None,
    today: TodayOption = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            help="Check only part K of N of the children (CI matrix jobs): each child is "
            "in exactly one shard.",
            metavar="K/N",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            help="Worker processes, 1 to 1024 (default: one per core).",
            min=1,
            max=1024,
            metavar="N",
        ),
    ] = None,
    no_cache: NoCacheOption = False,
    measurements: MeasurementsOption = None,
    max_file_size: MaxFileSizeOption = DEFAULT_MAX_FILE_SIZE,
) -> int:
    """Check every child site of every line under DIR: the CI gate (exit 1 on any failure)."""
    return execute(
        do.Check(
            folder=folder,
            output=report_output(ctx, output_format, output),
            required=parse_stage(require),
            policy_file=policy_file,
            waiver_files=tuple(waiver_files or ()),
            today=parse_date(today),
            shard=shard,
            jobs=jobs,
            measurements=measurements,
            use_cache=not no_cache,
            max_file_size=max_file_size,
        )
    )


WAIVERS_SETTINGS = command_settings(
    'List the waivers under DIR: active, expiring, expired or unused.',
    (
        "Examples:\n"
        '  cexact waivers sample_lines\n'
        '  cexact waivers recipes --today 2027-01-01 --expiring-within 60'
    ),
)


def waivers(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Argument(help="The recipe repository (default: here).", metavar="DIR")
    ] = Path(),
    output_format: WaiversFormat = "text",
    output: OutputOption = None,
    policy_file: PolicyInFolderOption = None,
    today: TodayOption = None,
    expiring_within: Annotated[
        int,
        typer.Option(
            "--expiring-within",
            help="Days before expiry that count as expiring (0 to 36500).",
            min=0,
            max=36500,
            metavar="DAYS",
        ),
    ] = 30,
) -> int:
    """List the waivers under DIR: active, expiring, expired or unused (matching nothing)."""
    return execute(
        do.Waivers(
            folder=folder,
            output=report_output(ctx, output_format, output),
            policy_file=policy_file,
            today=parse_date(today),
            expiring_within=expiring_within,
        )
    )


IMPACT_SETTINGS = command_settings(
    "What a proposed mother would do to every child of its line, before it is released.",
    (
        "Exit 1 only when a child that passes its gate today would fail it under\n"
        "the proposal (one that fails today already is reported, not counted);\n"
        "0 otherwise; 2 on bad input (an invalid proposal, a bad revision).\n"
        "\n"
        "Examples:\n"
        "  cexact impact cell-4680/proposals/mother-3.5.yaml .\n"
        "  cexact impact pr-42:recipes/mother.yaml recipes -f html -o impact.html"
    ),
)


def impact(
    ctx: typer.Context,
    proposed: Annotated[
        str,
        typer.Argument(
            help="The proposed mother recipe: a file or REV:PATH (e.g. a pull-request branch).",
            metavar="PROPOSED_MOTHER",
        ),
    ],
    folder: Annotated[
        Path | None,
        typer.Argument(
            help="The recipe repository (default: the folder of the nearest project file, "
            "else here).",
            metavar="DIR",
        ),
    ] = None,
    require: Annotated[
        str | None,
        typer.Option(
            "--require",
            help="The stage every child must achieve, over the project file's settings.",
            metavar="STAGE",
        ),
    ] = None,
    output_format: ImpactFormat = "text",
    output: OutputOption = None,
    policy_file: PolicyInFolderOption = None,
    waiver_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--waivers",
            help="Extra waiver file (repeatable); those under DIR are found.",
            metavar="FILE",
        ),
    ] = None,
    today: TodayOption = None,
    repo: RepoOption = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            help="Worker processes, 1 to 1024 (default: one per core).",
            min=1,
            max=1024,
            metavar="N",
        ),
    ] = None,
    no_cache: NoCacheOption = False,
    max_file_size: MaxFileSizeOption = DEFAULT_MAX_FILE_SIZE,
) -> int:
    """What PROPOSED_MOTHER would do to every child of its line under DIR, before and after."""
    return execute(
        do.Impact(
            proposed=proposed,
            folder=folder,
            output=report_output(ctx, output_format, output),
            required=parse_stage(require),
            policy_file=policy_file,
            waiver_files=tuple(waiver_files or ()),
            today=parse_date(today),
            repo=repo,
            jobs=jobs,
            use_cache=not no_cache,
            max_file_size=max_file_size,
        )
    )


__all__ = ["CHECK_SETTINGS", "IMPACT_SETTINGS", "WAIVERS_SETTINGS", "check", "impact", "waivers"]
