"""`cexact validate` and `cexact schema`: commands on single files and the schemas.

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
    OutputOption,
    format_option,
    report_output,
)

ValidateFormat: TypeAlias = Annotated[str, format_option("validate")]


VALIDATE_SETTINGS = command_settings(
    'Check recipe, waiver and project files; exit 2 if any is invalid.',
    (
        "Examples:\n"
        '  cexact validate sample_lines\n'
        '  cexact validate recipes/line.yaml recipes/waivers.yaml -f json'
    ),
)


def validate(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Recipe, waiver or project files, or folders to search for *.yaml / *.yml.",
            metavar="PATH...",
        ),
    ],
    output_format: ValidateFormat = "text",
    output: OutputOption = None,
    max_file_size: MaxFileSizeOption = DEFAULT_MAX_FILE_SIZE,
    skip_unmarked: Annotated[
        bool,
        typer.Option(
            "--skip-unmarked",
            help="Pass over named files that are not cexact's (no cexact, cexact-waivers or "
            "cexact-project key), as under a folder: for hooks handed every YAML file.",
        ),
    ] = False,
) -> int:
    """Check recipes against the schema and cexact's rules; exit 2 if any is invalid."""
    return execute(
        do.Validate(
            tuple(paths),
            report_output(ctx, output_format, output),
            max_file_size,
            skip_unmarked,
        )
    )


SCHEMA_SETTINGS = command_settings(
    'Print a JSON Schema (for recipes, waivers, projects, reports).',
    (
        "Examples:\n"
        '  cexact schema recipe > recipe.schema.json\n'
        '  cexact schema waivers'
    ),
)


def schema(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Which schema: recipe, waivers, project, report, check-report, impact-report "
            "or adopt-report.",
            metavar="NAME",
        ),
    ] = "recipe",
) -> int:
    """Print a JSON Schema (point an editor's YAML language server at it)."""
    return execute(do.Schema(name))


__all__ = ["SCHEMA_SETTINGS", "VALIDATE_SETTINGS", "schema", "validate"]
