"""`cexact diff`, `match`, `drift` and `log`: a child against its mother, measured
outputs against each other, a recipe against its own history.

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
    PolicyHereOption,
    RepoOption,
    RequireOption,
    TodayOption,
    WaiversOption,
    format_option,
    parse_date,
    parse_stage,
    report_output,
)

DiffFormat: TypeAlias = Annotated[str, format_option("diff")]
MatchFormat: TypeAlias = Annotated[str, format_option("match")]
DriftFormat: TypeAlias = Annotated[str, format_option("drift")]
LogFormat: TypeAlias = Annotated[str, format_option("log")]


DIFF_SETTINGS = command_settings(
    "Compare a child site's recipe with its mother line's, by stage.",
    (
        "Examples:\n"
        '  cexact diff cell-4680/mother.yaml cell-4680/wroclaw-pl.yaml\n'
        '  cexact diff v1.0:recipes/mother.yaml recipes/mother.yaml -f html -o diff.html'
    ),
)


def diff(
    ctx: typer.Context,
    mother: Annotated[
        str, typer.Argument(help="The mother line's recipe: a file or REV:PATH.", metavar="MOTHER")
    ],
    child: Annotated[
        str, typer.Argument(help="The child site's recipe: a file or REV:PATH.", metavar="CHILD")
    ],
    require: RequireOption = None,
    output_format: DiffFormat = "text",
    output: OutputOption = None,
    policy_file: PolicyHereOption = None,
    no_cache: NoCacheOption = False,
    waiver_files: WaiversOption = None,
    today: TodayOption = None,
    repo: RepoOption = None,
    measurements: MeasurementsOption = None,
    max_file_size: MaxFileSizeOption = DEFAULT_MAX_FILE_SIZE,
) -> int:
    """Compare a child site's recipe with the mother line's, classified by transfer stage.

    MOTHER and CHILD are files, or REV:PATH to read PATH at a git revision
    (tag, branch, commit) of the repository (--repo, default: the one here).
    """
    return execute(
        do.Diff(
            mother=mother,
            child=child,
            output=report_output(ctx, output_format, output),
            required=parse_stage(require),
            policy_file=policy_file,
            waiver_files=tuple(waiver_files or ()),
            today=parse_date(today),
            repo=repo,
            measurements=measurements,
            use_cache=not no_cache,
            max_file_size=max_file_size,
        )
    )


MATCH_SETTINGS = command_settings(
    "Process Output Matching with data: do the child's outputs match?",
    (
        "Examples:\n"
        '  cexact match measurements/ochang-kr.csv measurements/arizona-us.csv \\\n'
        '      --recipe cell-4680/mother.yaml'
    ),
)


def match(
    ctx: typer.Context,
    mother_data: Annotated[
        Path, typer.Argument(help="The mother site's measurements (CSV).", metavar="MOTHER_DATA")
    ],
    child_data: Annotated[
        Path, typer.Argument(help="The child site's measurements (CSV).", metavar="CHILD_DATA")
    ],
    recipe: Annotated[
        str,
        typer.Option(
            "--recipe",
            help="The mother recipe (file or REV:PATH): outputs, units, spec limits.",
            metavar="RECIPE",
        ),
    ],
    output_format: MatchFormat = "text",
    output: OutputOption = None,
    repo: RepoOption = None,
    max_file_size: MaxFileSizeOption = DEFAULT_MAX_FILE_SIZE,
) -> int:
    """Process Output Matching with data: are the child's measured outputs the mother's?

    Per output: TOST equivalence of means (Welch), F-test of the variance
    ratio, Cpk of both sites; exit 1 when an output does not match.
    """
    return execute(
        do.Match(
            mother_data=mother_data,
            child_data=child_data,
            recipe=recipe,
            output=report_output(ctx, output_format, output),
            repo=repo,
            max_file_size=max_file_size,
        )
    )


DRIFT_SETTINGS = command_settings(
    "What the mother changed since CHILD's transfer, pending or taken.",
    (
        "Examples:\n"
        '  cexact drift recipes/chandler.yaml\n'
        '  cexact drift recipes/chandler.yaml --mother recipes/mother.yaml \\\n'
        '      -f html -o drift.html'
    ),
)


def drift(
    ctx: typer.Context,
    child: Annotated[
        str, typer.Argument(help="The child site's recipe: a file or REV:PATH.", metavar="CHILD")
    ],
    mother: Annotated[
        str | None,
        typer.Option(
            "--mother",
            help="The mother recipe now (default: the mother of the same line beside CHILD).",
            metavar="RECIPE",
        ),
    ] = None,
    require: Annotated[
        str | None,
        typer.Option(
            "--require",
            help="Exit 1 when a change at or below this stage is pending (default: copy-exactly).",
            metavar="STAGE",
        ),
    ] = None,
    output_format: DriftFormat = "text",
    output: OutputOption = None,
    policy_file: PolicyHereOption = None,
    repo: RepoOption = None,
    no_cache: NoCacheOption = False,
    max_file_size: MaxFileSizeOption = DEFAULT_MAX_FILE_SIZE,
) -> int:
    """What the mother line changed since CHILD was transferred, pending or already taken."""
    return execute(
        do.Drift(
            child=child,
            mother=mother,
            output=report_output(ctx, output_format, output),
            required=parse_stage(require),
            policy_file=policy_file,
            repo=repo,
            use_cache=not no_cache,
            max_file_size=max_file_size,
        )
    )


LOG_SETTINGS = command_settings(
    "A recipe's git history, each commit's changes by stage.",
    (
        "Examples:\n"
        '  cexact log recipes/mother.yaml\n'
        '  cexact log recipes/mother.yaml --since 2026-01-01 -n 20'
    ),
)


def log(
    ctx: typer.Context,
    recipe: Annotated[
        Path, typer.Argument(help="A recipe file in a git repository.", metavar="RECIPE")
    ],
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Only commits on or after this date (YYYY-MM-DD).", metavar="DATE"
        ),
    ] = None,
    max_count: Annotated[
        int | None,
        typer.Option(
            "--max-count", "-n", help="At most N commits.", min=1, max=1 << 31, metavar="N"
        ),
    ] = None,
    output_format: LogFormat = "text",
    output: OutputOption = None,
    policy_file: PolicyHereOption = None,
    max_file_size: MaxFileSizeOption = DEFAULT_MAX_FILE_SIZE,
) -> int:
    """The recipe's history as classified changes per commit, newest first."""
    return execute(
        do.Log(
            recipe=recipe,
            output=report_output(ctx, output_format, output),
            since=parse_date(since, "--since"),
            max_count=max_count,
            policy_file=policy_file,
            max_file_size=max_file_size,
        )
    )


__all__ = [
    "DIFF_SETTINGS",
    "DRIFT_SETTINGS",
    "LOG_SETTINGS",
    "MATCH_SETTINGS",
    "diff",
    "drift",
    "log",
    "match",
]
