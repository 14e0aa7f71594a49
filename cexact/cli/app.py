"""The typer application: the root options, and every command in the order `--help` lists them.

Each command lives with its kin (`file_commands`, `pair_commands`,
`fleet_commands`, `adopt_command`) and only parses its options into an
invocation; nothing here reads a recipe or decides anything about one. The
invocation goes to `execute`, which runs the core and the renderer.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cexact import __version__
from cexact.cli.adopt_command import ADOPT_SETTINGS, adopt
from cexact.cli.file_commands import SCHEMA_SETTINGS, VALIDATE_SETTINGS, schema, validate
from cexact.cli.fleet_commands import (
    CHECK_SETTINGS,
    IMPACT_SETTINGS,
    WAIVERS_SETTINGS,
    check,
    impact,
    waivers,
)
from cexact.cli.pair_commands import (
    DIFF_SETTINGS,
    DRIFT_SETTINGS,
    LOG_SETTINGS,
    MATCH_SETTINGS,
    diff,
    drift,
    log,
    match,
)

app = typer.Typer(
    name="cexact",
    help="Copy EXACTLY! for manufacturing lines: validate line recipes, and diff a child "
    "site against its mother line, classified by transfer stage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"cexact {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show the version and exit.",
            callback=_version_callback,
            is_eager=True,
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="On an internal error, print the Python traceback (also CEXACT_DEBUG=1).",
        ),
    ] = False,
) -> None:
    """Copy EXACTLY! for manufacturing lines."""


for command, settings in (
    (validate, VALIDATE_SETTINGS),
    (diff, DIFF_SETTINGS),
    (check, CHECK_SETTINGS),
    (waivers, WAIVERS_SETTINGS),
    (impact, IMPACT_SETTINGS),
    (drift, DRIFT_SETTINGS),
    (log, LOG_SETTINGS),
    (match, MATCH_SETTINGS),
    (adopt, ADOPT_SETTINGS),
    (schema, SCHEMA_SETTINGS),
):
    app.command(**settings)(command)
