"""The typer commands: each parses its options into an invocation and hands it on.

Nothing here reads a recipe or decides anything about one: option values are
parsed (stages, dates) and the invocation goes to `execute`, which runs the
core and the renderer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, TypeAlias

import typer

from cexact import __version__
from cexact.cli import invocations as do
from cexact.cli.adopt_command import ADOPT_SETTINGS, adopt
from cexact.cli.execute import execute
from cexact.cli.help import command_settings
from cexact.cli.options import (
    DEFAULT_MAX_FILE_SIZE,
    MaxFileSizeOption,
    MeasurementsOption,
    NoCacheOption,
    OutputOption,
    PolicyHereOption,
    PolicyInFolderOption,
    RepoOption,
    RequireOption,
    TodayOption,
    WaiversOption,
    format_option,
    parse_date,
    parse_stage,
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

def _output(ctx: typer.Context, output_format: str, file: Path | None) -> do.Output:
    """Where the report goes, with the command line it records."""
    words = ctx.obj.words if isinstance(ctx.obj, do.CommandLine) else ()
    return do.Output(output_format, file, words)


ValidateFormat: TypeAlias = Annotated[str, format_option("validate")]
DiffFormat: TypeAlias = Annotated[str, format_option("diff")]
CheckFormat: TypeAlias = Annotated[str, format_option("check")]
WaiversFormat: TypeAlias = Annotated[str, format_option("waivers")]
DriftFormat: TypeAlias = Annotated[str, format_option("drift")]
ImpactFormat: TypeAlias = Annotated[str, format_option("impact")]
LogFormat: TypeAlias = Annotated[str, format_option("log")]
MatchFormat: TypeAlias = Annotated[str, format_option("match")]


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


@app.command(
    **command_settings(
        'Check recipe, waiver and project files; exit 2 if any is invalid.',
        (
            "Examples:\n"
            '  cexact validate sample_lines\n'
            '  cexact validate recipes/line.yaml recipes/waivers.yaml -f json'
        ),
    )
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
        do.Validate(tuple(paths), _output(ctx, output_format, output), max_file_size, skip_unmarked)
    )


@app.command(
    **command_settings(
        "Compare a child site's recipe with its mother line's, by stage.",
        (
            "Examples:\n"
            '  cexact diff cell-4680/mother.yaml cell-4680/wroclaw-pl.yaml\n'
            '  cexact diff v1.0:recipes/mother.yaml recipes/mother.yaml -f html -o diff.html'
        ),
    )
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
            output=_output(ctx, output_format, output),
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


@app.command(
    **command_settings(
        'The CI gate: every child site of every line under DIR.',
        (
            "Examples:\n"
            '  cexact check sample_lines\n'
            '  cexact check recipes --format html -o fleet.html\n'
            '  cexact check recipes --shard 2/4 --format junit -o junit.xml'
        ),
    )
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
            output=_output(ctx, output_format, output),
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


@app.command(
    **command_settings(
        'List the waivers under DIR: active, expiring, expired or unused.',
        (
            "Examples:\n"
            '  cexact waivers sample_lines\n'
            '  cexact waivers recipes --today 2027-01-01 --expiring-within 60'
        ),
    )
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
            output=_output(ctx, output_format, output),
            policy_file=policy_file,
            today=parse_date(today),
            expiring_within=expiring_within,
        )
    )


@app.command(
    **command_settings(
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
            output=_output(ctx, output_format, output),
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


@app.command(
    **command_settings(
        "What the mother changed since CHILD's transfer, pending or taken.",
        (
            "Examples:\n"
            '  cexact drift recipes/chandler.yaml\n'
            '  cexact drift recipes/chandler.yaml --mother recipes/mother.yaml \\\n'
            '      -f html -o drift.html'
        ),
    )
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
            output=_output(ctx, output_format, output),
            required=parse_stage(require),
            policy_file=policy_file,
            repo=repo,
            use_cache=not no_cache,
            max_file_size=max_file_size,
        )
    )


@app.command(
    **command_settings(
        "A recipe's git history, each commit's changes by stage.",
        (
            "Examples:\n"
            '  cexact log recipes/mother.yaml\n'
            '  cexact log recipes/mother.yaml --since 2026-01-01 -n 20'
        ),
    )
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
            output=_output(ctx, output_format, output),
            since=parse_date(since, "--since"),
            max_count=max_count,
            policy_file=policy_file,
            max_file_size=max_file_size,
        )
    )


@app.command(
    **command_settings(
        "Process Output Matching with data: do the child's outputs match?",
        (
            "Examples:\n"
            '  cexact match measurements/ochang-kr.csv measurements/arizona-us.csv \\\n'
            '      --recipe cell-4680/mother.yaml'
        ),
    )
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
            output=_output(ctx, output_format, output),
            repo=repo,
            max_file_size=max_file_size,
        )
    )


app.command(**ADOPT_SETTINGS)(adopt)


@app.command(
    **command_settings(
        'Print a JSON Schema (for recipes, waivers, projects, reports).',
        (
            "Examples:\n"
            '  cexact schema recipe > recipe.schema.json\n'
            '  cexact schema waivers'
        ),
    )
)
def schema(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Which schema: recipe, waivers, project, report, check-report or impact-report.",
            metavar="NAME",
        ),
    ] = "recipe",
) -> int:
    """Print a JSON Schema (point an editor's YAML language server at it)."""
    return execute(do.Schema(name))
