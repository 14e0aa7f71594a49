"""The command line: parses options, calls the core, hands the result to a renderer.

Nothing here decides anything about recipes. `main` is the one place where a
`CexactError` becomes a one-line message and an exit code.
"""

from __future__ import annotations

import datetime
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from cexact import __version__
from cexact.errors import EXIT_BAD_INPUT, EXIT_GATE_FAILED, EXIT_OK, CexactError
from cexact.model import Stage
from cexact.report import FORMAT_NAMES

if TYPE_CHECKING:
    from cexact.recipe.cache import ParseCache

app = typer.Typer(
    name="cexact",
    help="Copy EXACTLY! for manufacturing lines: validate line recipes, and diff a child "
    "site against its mother line, classified by transfer stage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help=f"Output format: {', '.join(FORMAT_NAMES)}.",
        metavar="FORMAT",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the report to FILE (atomically) instead of stdout."),
]
MaxFileSizeOption = Annotated[
    int,
    typer.Option(
        "--max-file-size",
        help="Refuse YAML files larger than this many bytes.",
        min=1,
    ),
]
DEFAULT_MAX_FILE_SIZE = 32 * 1024 * 1024
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
    Path | None, typer.Option("--policy", help="Project file (default: ./cexact.yaml).")
]
PolicyInFolderOption = Annotated[
    Path | None,
    typer.Option("--policy", help="Project file (default: DIR/cexact.yaml if present)."),
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
        "--repo", help="The git repository REV:PATH arguments read from (default: the one here)."
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
) -> None:
    """Copy EXACTLY! for manufacturing lines."""


def _emit(render: Callable[[TextIO], None], output: Path | None) -> None:
    """Run `render(stream)` to stdout, or to a string written atomically to `output`."""
    write = render
    if output is None:
        write(sys.stdout)
        return
    from cexact.report.atomic_write import write_text_atomic

    buffer = io.StringIO()
    write(buffer)
    write_text_atomic(output, buffer.getvalue())


@app.command()
def validate(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Recipe or waiver files, or folders to search for *.yaml / *.yml.",
            metavar="PATH...",
        ),
    ],
    output_format: FormatOption = "text",
    output: OutputOption = None,
    max_file_size: MaxFileSizeOption = DEFAULT_MAX_FILE_SIZE,
) -> int:
    """Check recipes against the schema and cexact's rules; exit 2 if any is invalid."""
    from cexact.commands.validate import validate_paths
    from cexact.recipe.loader import LoadLimits
    from cexact.report import renderer_for

    renderer = renderer_for(output_format)
    report = validate_paths(paths, LoadLimits(max_bytes=max_file_size))
    _emit(lambda out: renderer.render_validation(report, out), output)
    return EXIT_OK if report.valid else EXIT_BAD_INPUT


def _parse_cache(no_cache: bool) -> ParseCache | None:
    """The user's parse cache, or none with --no-cache."""
    from cexact.recipe.cache import ParseCache

    return None if no_cache else ParseCache.from_environment()


def _parse_date(text: str | None, option: str = "--today") -> datetime.date | None:
    from cexact.errors import UsageError

    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def _parse_stage(text: str) -> Stage:
    from cexact.errors import UsageError

    try:
        return Stage(text)
    except ValueError:
        choices = ", ".join(stage.value for stage in Stage.ordered())
        raise UsageError(f"unknown stage {text!r}; choose from {choices}") from None


@app.command()
def diff(
    mother: Annotated[
        str, typer.Argument(help="The mother line's recipe: a file or REV:PATH.", metavar="MOTHER")
    ],
    child: Annotated[
        str, typer.Argument(help="The child site's recipe: a file or REV:PATH.", metavar="CHILD")
    ],
    require: Annotated[
        str | None,
        typer.Option(
            "--require",
            help="The stage the child must achieve (exit 1 below it): make-it-work, "
            "process-output-matching, copy-exactly (default), system-synergy.",
            metavar="STAGE",
        ),
    ] = None,
    output_format: FormatOption = "text",
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
    from cexact.commands.diff import compare_sources
    from cexact.compare.policy import find_policy
    from cexact.compare.waivers import default_waiver_files, load_waiver_files
    from cexact.recipe.git_source import read_recipe_source
    from cexact.recipe.loader import LoadLimits
    from cexact.report import renderer_for

    renderer = renderer_for(output_format)
    required = _parse_stage(require) if require is not None else None
    mother_source = read_recipe_source(mother, repo, max_file_size)
    child_source = read_recipe_source(child, repo, max_file_size)
    waivers = load_waiver_files(waiver_files or default_waiver_files(child_source.path))
    result = compare_sources(
        mother_source,
        child_source,
        required=required,
        policy=find_policy(policy_file),
        limits=LoadLimits(max_bytes=max_file_size),
        cache=_parse_cache(no_cache),
        waivers=waivers,
        today=_parse_date(today),
        measurements=measurements,
    )
    _emit(lambda out: renderer.render_diff(result, out), output)
    return EXIT_OK if result.passed else EXIT_GATE_FAILED


def _progress_reporter() -> tuple[Callable[[str, int, int], None] | None, Callable[[], None]]:
    """A rich progress bar on stderr when it is a terminal; else nothing."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import Progress

    progress = Progress(console=Console(file=sys.stderr), transient=True)
    progress.start()
    tasks: dict[str, object] = {}

    def report(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = progress.add_task(phase, total=total)
        progress.update(tasks[phase], completed=done)  # type: ignore[arg-type]

    return report, progress.stop


@app.command()
def check(
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
    output_format: FormatOption = "text",
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
        int | None, typer.Option("--jobs", "-j", help="Worker processes (default: cores).", min=1)
    ] = None,
    no_cache: NoCacheOption = False,
    measurements: MeasurementsOption = None,
    max_file_size: MaxFileSizeOption = DEFAULT_MAX_FILE_SIZE,
) -> int:
    """Check every child site of every line under DIR: the CI gate (exit 1 on any failure)."""
    from cexact.commands.check import Shard, check_fleet
    from cexact.compare.policy import find_policy
    from cexact.recipe.loader import LoadLimits
    from cexact.report import renderer_for

    renderer = renderer_for(output_format)
    report_progress, stop_progress = _progress_reporter()
    try:
        report = check_fleet(
            folder,
            policy=find_policy(policy_file, start=folder if folder.is_dir() else None),
            required=_parse_stage(require) if require is not None else None,
            extra_waiver_files=waiver_files or (),
            today=_parse_date(today),
            shard=Shard.parse(shard) if shard else None,
            jobs=jobs,
            cache=_parse_cache(no_cache),
            limits=LoadLimits(max_bytes=max_file_size),
            progress=report_progress,
            measurements=measurements,
        )
    finally:
        stop_progress()
    _emit(lambda out: renderer.render_fleet(report, out), output)
    return EXIT_OK if report.passed else EXIT_GATE_FAILED


@app.command()
def waivers(
    folder: Annotated[
        Path, typer.Argument(help="The recipe repository (default: here).", metavar="DIR")
    ] = Path(),
    output_format: FormatOption = "text",
    output: OutputOption = None,
    policy_file: PolicyInFolderOption = None,
    today: TodayOption = None,
    expiring_within: Annotated[
        int,
        typer.Option("--expiring-within", help="Days before expiry that count as expiring.", min=0),
    ] = 30,
) -> int:
    """List the waivers under DIR: active, expiring, expired or unused (matching nothing)."""
    from cexact.commands.check import check_fleet
    from cexact.compare.policy import find_policy
    from cexact.report import renderer_for

    renderer = renderer_for(output_format)
    report = check_fleet(
        folder,
        policy=find_policy(policy_file, start=folder if folder.is_dir() else None),
        today=_parse_date(today),
        expiring_within_days=expiring_within,
    )
    _emit(lambda out: renderer.render_waivers(report, out), output)
    return EXIT_OK if not report.problems else EXIT_BAD_INPUT


@app.command()
def drift(
    child: Annotated[
        str, typer.Argument(help="The child site's recipe: a file or REV:PATH.", metavar="CHILD")
    ],
    mother: Annotated[
        str | None,
        typer.Option(
            "--mother",
            help="The mother recipe now (default: the mother of the same line beside CHILD).",
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
    output_format: FormatOption = "text",
    output: OutputOption = None,
    policy_file: PolicyHereOption = None,
    repo: RepoOption = None,
    no_cache: NoCacheOption = False,
    max_file_size: MaxFileSizeOption = DEFAULT_MAX_FILE_SIZE,
) -> int:
    """What the mother line changed since CHILD was transferred, pending or already taken."""
    from cexact.commands.drift import compute_drift, mother_beside
    from cexact.compare.policy import find_policy
    from cexact.recipe.git_source import locate_in_repository, read_recipe_source
    from cexact.recipe.loader import LoadLimits
    from cexact.report import renderer_for

    renderer = renderer_for(output_format)
    limits = LoadLimits(max_bytes=max_file_size)
    child_source = read_recipe_source(child, repo, max_file_size)
    mother_argument = mother or str(mother_beside(child_source, limits))
    mother_source = read_recipe_source(mother_argument, repo, max_file_size)
    if repo is None and mother_source.path is not None:
        repo = locate_in_repository(mother_source.path)[0]
    result = compute_drift(
        child_source,
        mother_source,
        repo or Path(),
        required=_parse_stage(require) if require is not None else None,
        policy=find_policy(policy_file),
        limits=limits,
        cache=_parse_cache(no_cache),
    )
    _emit(lambda out: renderer.render_drift(result, out), output)
    return EXIT_OK if result.passed else EXIT_GATE_FAILED


@app.command()
def log(
    recipe: Annotated[Path, typer.Argument(help="A recipe file in a git repository.")],
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Only commits on or after this date (YYYY-MM-DD).", metavar="DATE"
        ),
    ] = None,
    max_count: Annotated[
        int | None, typer.Option("--max-count", "-n", help="At most this many commits.", min=1)
    ] = None,
    output_format: FormatOption = "text",
    output: OutputOption = None,
    policy_file: PolicyHereOption = None,
    max_file_size: MaxFileSizeOption = DEFAULT_MAX_FILE_SIZE,
) -> int:
    """The recipe's history as classified changes per commit, newest first."""
    from cexact.commands.log import recipe_log
    from cexact.compare.policy import find_policy
    from cexact.recipe.git_source import locate_in_repository
    from cexact.recipe.loader import LoadLimits
    from cexact.report import renderer_for

    renderer = renderer_for(output_format)
    since_date = _parse_date(since, "--since")
    repository, path_in_repo = locate_in_repository(recipe)
    history = recipe_log(
        path_in_repo,
        repository,
        since=since_date,
        max_count=max_count,
        policy=find_policy(policy_file),
        limits=LoadLimits(max_bytes=max_file_size),
    )
    _emit(lambda out: renderer.render_log(history, out), output)
    return EXIT_OK


@app.command()
def match(
    mother_data: Annotated[
        Path, typer.Argument(help="The mother site's measurements (CSV).", metavar="MOTHER_DATA")
    ],
    child_data: Annotated[
        Path, typer.Argument(help="The child site's measurements (CSV).", metavar="CHILD_DATA")
    ],
    recipe: Annotated[
        str,
        typer.Option(
            "--recipe", help="The mother recipe (file or REV:PATH): outputs, units, spec limits."
        ),
    ],
    output_format: FormatOption = "text",
    output: OutputOption = None,
    repo: RepoOption = None,
    max_file_size: MaxFileSizeOption = DEFAULT_MAX_FILE_SIZE,
) -> int:
    """Process Output Matching with data: are the child's measured outputs the mother's?

    Per output: TOST equivalence of means (Welch), F-test of the variance
    ratio, Cpk of both sites; exit 1 when an output does not match.
    """
    from cexact.commands.match import match_measurements
    from cexact.recipe.git_source import read_recipe_source
    from cexact.recipe.loader import LoadLimits
    from cexact.recipe.measurements import load_measurements
    from cexact.recipe.reading import load_recipe_source
    from cexact.report import renderer_for

    renderer = renderer_for(output_format)
    limits = LoadLimits(max_bytes=max_file_size)
    mother_recipe = load_recipe_source(read_recipe_source(recipe, repo, max_file_size), limits)
    report = match_measurements(
        load_measurements(mother_data, mother_recipe),
        load_measurements(child_data, mother_recipe),
        mother_recipe,
    )
    _emit(lambda out: renderer.render_match(report, out), output)
    return EXIT_GATE_FAILED if report.not_matched else EXIT_OK


@app.command()
def schema(
    name: Annotated[
        str, typer.Argument(help="Which schema: recipe, waivers, project, report or check-report.")
    ] = "recipe",
) -> int:
    """Print a JSON Schema (point an editor's YAML language server at it)."""
    from cexact.errors import UsageError
    from cexact.recipe.schema_store import SCHEMA_NAMES, schema_text

    try:
        text = schema_text(name)
    except (FileNotFoundError, ModuleNotFoundError):
        raise UsageError(
            f"unknown schema {name!r}; choose from {', '.join(SCHEMA_NAMES)}"
        ) from None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the command, map every known failure to a message and exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        result = app(args=args or ["--help"], standalone_mode=False, prog_name="cexact")
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
        return 130
    except BrokenPipeError:
        # The reader went away (cexact ... | head): not an error of ours.
        sys.stderr = io.StringIO()
        return EXIT_OK
    return result if isinstance(result, int) else EXIT_OK


def _print_error(message: str) -> None:
    sys.stderr.write(f"cexact: error: {message}\n")


__all__ = ["app", "main"]
