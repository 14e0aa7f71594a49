"""The `cexact adopt` command line: its options, parsed into an invocation (see `cli.app`)."""

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
    OutputOption,
    PolicyHereOption,
    RepoOption,
    TodayOption,
    format_option,
    parse_date,
    report_output,
)

AdoptFormat: TypeAlias = Annotated[str, format_option("adopt")]


ADOPT_SETTINGS = command_settings(
    "Carry the mother's changes since CHILD's transfer into CHILD.",
    (
        "Examples:\n"
        "  cexact adopt recipes/chandler.yaml --dry-run\n"
        "  cexact adopt recipes/chandler.yaml --to coat-line/1.2 --commit\n"
        "  cexact adopt --all recipes --mother recipes/mother.yaml --commit"
    ),
)


def adopt(
    ctx: typer.Context,
    child: Annotated[
        str | None,
        typer.Argument(help="The child site's recipe file (or use --all DIR).", metavar="CHILD"),
    ] = None,
    mother: Annotated[
        str | None,
        typer.Option(
            "--mother",
            help="The mother recipe now (default: the mother of the same line beside CHILD).",
            metavar="RECIPE",
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option("--to", help="Adopt the mother as it is at this git revision.", metavar="REV"),
    ] = None,
    all_in: Annotated[
        Path | None,
        typer.Option("--all", help="Adopt into every child of the line under DIR.", metavar="DIR"),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the diff and the changes; write nothing."),
    ] = False,
    commit: Annotated[
        bool,
        typer.Option(
            "--commit",
            help="Commit each child on a new branch cexact/adopt/<line>/<version>[/<site>] "
            "(refuses a dirty working tree).",
        ),
    ] = False,
    no_partial: Annotated[
        bool,
        typer.Option("--no-partial", help="Write nothing into a child with conflicts."),
    ] = False,
    output_format: AdoptFormat = "text",
    output: OutputOption = None,
    policy_file: PolicyHereOption = None,
    today: TodayOption = None,
    repo: RepoOption = None,
    max_file_size: MaxFileSizeOption = DEFAULT_MAX_FILE_SIZE,
) -> int:
    """Adopt the mother line's changes since CHILD's transfer version, keeping the file's layout.

    A change the child already has is taken; one where the child still has the
    transferred value is written in; one where the child has its own value is a
    conflict, left as it is. Exit 0 when everything was adopted, 1 when
    conflicts remain, 2 on bad input.
    """
    return execute(
        do.Adopt(
            child=child,
            mother=mother,
            to=to,
            all_in=all_in,
            output=report_output(ctx, output_format, output),
            dry_run=dry_run,
            commit=commit,
            partial=not no_partial,
            policy_file=policy_file,
            today=parse_date(today),
            repo=repo,
            max_file_size=max_file_size,
        )
    )
