"""Running an invocation: the core call, the renderer, the report's destination, the exit code.

Each runner picks its renderer first, so that a format the command cannot
write fails before any work; then it calls the command's core, renders the
one result it returns, and maps it to an exit code. Core modules are
imported here on first use, so that `cexact --help` pays for none of them.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from cexact.cli import invocations as do
from cexact.errors import EXIT_BAD_INPUT, EXIT_GATE_FAILED, EXIT_OK, InputError, UsageError
from cexact.report import COMMAND_METHODS, renderer_for

if TYPE_CHECKING:
    from cexact.recipe.cache import ParseCache
    from cexact.recipe.git_source import RecipeSource
    from cexact.recipe.loader import LoadLimits
    from cexact.report import Renderer


def execute(invocation: do.Invocation) -> int:
    """Run one parsed command line; the exit code."""
    runner: Callable[[Any], int] = _RUNNERS[type(invocation)]
    return runner(invocation)


class _Report:
    """A command's renderer, chosen (and a format it cannot write refused) before any work."""

    def __init__(self, command: str, output: do.Output) -> None:
        from cexact.report.audit_trail import AuditTrail

        audit = AuditTrail.now(output.command_line)
        self.renderer: Renderer = renderer_for(output.format, command, audit)
        self.method = COMMAND_METHODS[command]
        self.output = output

    def write(self, result: object, inputs: Iterable[Path] = ()) -> None:
        render: Callable[[object, TextIO], None] = getattr(self.renderer, self.method)
        emit(lambda out: render(result, out), self.output.file, inputs)


def emit(render: Callable[[TextIO], None], file: Path | None, inputs: Iterable[Path] = ()) -> None:
    """Render to standard output, or atomically to `file` (never over one of `inputs`)."""
    buffer = io.StringIO()
    render(buffer)
    text = buffer.getvalue()
    if file is not None and str(file) != "-":
        from cexact.report.atomic_write import write_text_atomic

        write_text_atomic(file, text, inputs=inputs)
        return
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        _silence_stdout()
        raise InputError(
            f"cannot write the report to standard output: {error.strerror or error}"
        ) from None


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the exit flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def _limits(max_file_size: int) -> LoadLimits:
    from cexact.recipe.loader import LoadLimits

    return LoadLimits(max_bytes=max_file_size)


def _cache(use_cache: bool) -> ParseCache | None:
    from cexact.recipe.cache import ParseCache

    return ParseCache.from_environment() if use_cache else None


def _source(argument: str, repo: Path | None, max_file_size: int) -> RecipeSource:
    from cexact.recipe.git_source import read_recipe_source

    return read_recipe_source(argument, repo, max_file_size)


def _folder_of(source: RecipeSource) -> Path | None:
    """Where to look for a recipe's project file: its folder (None: from git, here)."""
    return source.path.parent if source.path is not None else None


def _local_inputs(*sources: RecipeSource) -> list[Path]:
    return [source.path for source in sources if source.path is not None]


def _run_validate(invocation: do.Validate) -> int:
    from cexact.commands.validate import validate_paths

    report_to = _Report("validate", invocation.output)
    report = validate_paths(
        invocation.paths,
        _limits(invocation.max_file_size),
        skip_unmarked=invocation.skip_unmarked,
    )
    report_to.write(report, [Path(f.source) for f in report.files])
    return EXIT_OK if report.valid else EXIT_BAD_INPUT


def _run_diff(invocation: do.Diff) -> int:
    from cexact.commands.diff import compare_sources
    from cexact.compare.policy import find_policy
    from cexact.compare.waivers import default_waiver_files, read_waiver_files

    report_to = _Report("diff", invocation.output)
    mother = _source(invocation.mother, invocation.repo, invocation.max_file_size)
    child = _source(invocation.child, invocation.repo, invocation.max_file_size)
    waiver_files = invocation.waiver_files or tuple(default_waiver_files(child.path))
    read = read_waiver_files(waiver_files)
    result = compare_sources(
        mother,
        child,
        required=invocation.required,
        policy=find_policy(invocation.policy_file, start=_folder_of(child)),
        limits=_limits(invocation.max_file_size),
        cache=_cache(invocation.use_cache),
        waivers=[waiver for file in read for waiver in file.waivers],
        waiver_files=[file.file for file in read],
        today=invocation.today,
        measurements=invocation.measurements,
    )
    inputs = [*_local_inputs(mother, child), *waiver_files]
    report_to.write(result, inputs)
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


def _run_check(invocation: do.Check) -> int:
    from cexact.commands.check import Shard, check_fleet
    from cexact.compare.policy import load_policy

    report_to = _Report("check", invocation.output)
    folder = invocation.folder
    shard = Shard.parse(invocation.shard) if invocation.shard else None
    report_progress, stop_progress = _progress_reporter()
    try:
        report = check_fleet(
            folder,
            policy=load_policy(invocation.policy_file) if invocation.policy_file else None,
            required=invocation.required,
            extra_waiver_files=invocation.waiver_files,
            today=invocation.today,
            shard=shard,
            jobs=invocation.jobs,
            cache=_cache(invocation.use_cache),
            limits=_limits(invocation.max_file_size),
            progress=report_progress,
            measurements=invocation.measurements,
        )
    finally:
        stop_progress()
    report_to.write(report, [Path(f.path) for f in report.files])
    return EXIT_OK if report.passed else EXIT_GATE_FAILED


def _run_waivers(invocation: do.Waivers) -> int:
    from cexact.commands.check import check_fleet
    from cexact.compare.policy import load_policy

    report_to = _Report("waivers", invocation.output)
    folder = invocation.folder
    report = check_fleet(
        folder,
        policy=load_policy(invocation.policy_file) if invocation.policy_file else None,
        today=invocation.today,
        expiring_within_days=invocation.expiring_within,
    )
    report_to.write(report, [Path(f.path) for f in report.files])
    return EXIT_OK if not report.problems else EXIT_BAD_INPUT


def _run_drift(invocation: do.Drift) -> int:
    from cexact.commands.drift import compute_drift, mother_beside
    from cexact.compare.policy import find_policy
    from cexact.recipe.git_source import locate_in_repository

    report_to = _Report("drift", invocation.output)
    limits = _limits(invocation.max_file_size)
    repo = invocation.repo
    child = _source(invocation.child, repo, invocation.max_file_size)
    mother_argument = invocation.mother or str(mother_beside(child, limits))
    mother = _source(mother_argument, repo, invocation.max_file_size)
    if repo is None and mother.path is not None:
        repo = locate_in_repository(mother.path)[0]
    result = compute_drift(
        child,
        mother,
        repo or Path(),
        required=invocation.required,
        policy=find_policy(invocation.policy_file, start=_folder_of(child)),
        limits=limits,
        cache=_cache(invocation.use_cache),
    )
    report_to.write(result, _local_inputs(mother, child))
    return EXIT_OK if result.passed else EXIT_GATE_FAILED


def _run_impact(invocation: do.Impact) -> int:
    from cexact.commands.impact import compute_impact, default_root
    from cexact.compare.policy import load_policy

    report_to = _Report("impact", invocation.output)
    proposed = _source(invocation.proposed, invocation.repo, invocation.max_file_size)
    report_progress, stop_progress = _progress_reporter()
    try:
        result = compute_impact(
            proposed,
            invocation.folder or default_root(),
            policy=load_policy(invocation.policy_file) if invocation.policy_file else None,
            required=invocation.required,
            extra_waiver_files=invocation.waiver_files,
            today=invocation.today,
            jobs=invocation.jobs,
            cache=_cache(invocation.use_cache),
            limits=_limits(invocation.max_file_size),
            progress=report_progress,
        )
    finally:
        stop_progress()
    inputs = [*_local_inputs(proposed), *(Path(f.path) for f in result.fleet.files)]
    report_to.write(result, inputs)
    return EXIT_OK if result.passed else EXIT_GATE_FAILED


def _run_log(invocation: do.Log) -> int:
    from cexact.commands.log import recipe_log
    from cexact.compare.policy import find_policy
    from cexact.recipe.git_source import locate_in_repository

    report_to = _Report("log", invocation.output)
    repository, path_in_repo = locate_in_repository(invocation.recipe)
    history = recipe_log(
        path_in_repo,
        repository,
        since=invocation.since,
        max_count=invocation.max_count,
        policy=find_policy(invocation.policy_file, start=invocation.recipe.parent),
        limits=_limits(invocation.max_file_size),
    )
    report_to.write(history, [invocation.recipe])
    return EXIT_OK


def _run_match(invocation: do.Match) -> int:
    from cexact.commands.match import match_measurements
    from cexact.recipe.measurements import load_measurements
    from cexact.recipe.reading import load_recipe_source

    report_to = _Report("match", invocation.output)
    source = _source(invocation.recipe, invocation.repo, invocation.max_file_size)
    mother_recipe = load_recipe_source(source, _limits(invocation.max_file_size))
    report = match_measurements(
        load_measurements(invocation.mother_data, mother_recipe),
        load_measurements(invocation.child_data, mother_recipe),
        mother_recipe,
    )
    inputs = [invocation.mother_data, invocation.child_data, *_local_inputs(source)]
    report_to.write(report, inputs)
    return EXIT_GATE_FAILED if report.not_matched else EXIT_OK


def _run_adopt(invocation: do.Adopt) -> int:
    from cexact.commands.adopt_run import AdoptRequest, run_adopt

    report_to = _Report("adopt", invocation.output)
    result = run_adopt(
        AdoptRequest(
            child=invocation.child,
            mother=invocation.mother,
            to=invocation.to,
            all_in=invocation.all_in,
            dry_run=invocation.dry_run,
            commit=invocation.commit,
            partial=invocation.partial,
            policy_file=invocation.policy_file,
            today=invocation.today,
            repo=invocation.repo,
            max_file_size=invocation.max_file_size,
        )
    )
    report_to.write(result, [Path(child.path) for child in result.children])
    return EXIT_OK if result.complete else EXIT_GATE_FAILED


def _run_schema(invocation: do.Schema) -> int:
    from cexact.recipe.schema_store import SCHEMA_NAMES, schema_text

    if invocation.name not in SCHEMA_NAMES:
        raise UsageError(
            f"unknown schema {invocation.name!r}; choose from {', '.join(SCHEMA_NAMES)}"
        )
    text = schema_text(invocation.name)
    emit(lambda out: _write_line(out, text), None)
    return EXIT_OK


def _write_line(out: TextIO, text: str) -> None:
    out.write(text if text.endswith("\n") else text + "\n")


_RUNNERS: dict[type, Callable[[Any], int]] = {
    do.Validate: _run_validate,
    do.Diff: _run_diff,
    do.Check: _run_check,
    do.Waivers: _run_waivers,
    do.Drift: _run_drift,
    do.Impact: _run_impact,
    do.Log: _run_log,
    do.Match: _run_match,
    do.Adopt: _run_adopt,
    do.Schema: _run_schema,
}
