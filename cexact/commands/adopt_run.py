"""`cexact adopt` from the command line's terms: which children, which mother, which revision.

One child (`CHILD`) or every child of a line under a folder (`--all DIR`);
the mother named with `--mother` or found beside the child as `drift` finds
it; the mother now or at `--to REV`. Every child is merged and checked before
anything is written; with `--commit` the writes go on a new branch, one commit
per child.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cexact.commands.adopt import Prepared, Settings, branch_name, mother_at, prepare_child
from cexact.commands.adopt import write_children as write_prepared
from cexact.commands.adopt_results import AdoptResult
from cexact.commands.drift import mother_beside
from cexact.compare.policy import find_policy, load_policy
from cexact.compare.waivers import default_waiver_files, read_waiver_files
from cexact.errors import RecipeLoadError, UsageError
from cexact.recipe.git_source import RecipeSource, locate_in_repository, read_recipe_source
from cexact.recipe.loader import LoadLimits, load_file


@dataclass(frozen=True, slots=True)
class AdoptRequest:
    child: str | None
    mother: str | None
    to: str | None
    all_in: Path | None
    dry_run: bool
    commit: bool
    partial: bool
    policy_file: Path | None
    today: datetime.date | None
    repo: Path | None
    max_file_size: int


def run_adopt(request: AdoptRequest) -> AdoptResult:
    limits = LoadLimits(max_bytes=request.max_file_size)
    if (request.child is None) == (request.all_in is None):
        raise UsageError("name one CHILD recipe, or --all DIR for every child of the line")
    if request.all_in is not None:
        children = _children_under(request.all_in, request.mother, limits)
    else:
        assert request.child is not None
        children = [_source(request.child, request.repo, limits)]
    mother_argument = request.mother or str(mother_beside(children[0], limits))
    mother = _source(mother_argument, request.repo, limits)
    repo = request.repo
    if repo is None and mother.path is not None:
        repo = locate_in_repository(mother.path)[0]
    repo = repo or Path()
    if request.to is not None:
        mother = mother_at(mother, request.to, repo, limits)
    start = children[0].path.parent if children[0].path is not None else None
    policy = (
        load_policy(request.policy_file) if request.policy_file else find_policy(None, start=start)
    )
    settings = Settings(policy, request.today, limits, request.partial, request.dry_run)
    prepared = [_prepare(child, mother, repo, settings) for child in children]
    branch = None
    if request.commit:
        first = prepared[0].adoption
        site = first.site if request.all_in is None else None
        branch = branch_name(first.line_id, first.to_version, site)
    repo_root = None
    if request.commit and children[0].path is not None:
        repo_root = children[0].path.resolve().parent
    return write_prepared(prepared, settings, branch, repo_root)


def _prepare(child: RecipeSource, mother: RecipeSource, repo: Path, settings: Settings) -> Prepared:
    read = read_waiver_files(default_waiver_files(child.path))
    waivers = [waiver for file in read for waiver in file.waivers]
    return prepare_child(child, mother, repo, waivers=waivers, settings=settings)


def _source(argument: str, repo: Path | None, limits: LoadLimits) -> RecipeSource:
    return read_recipe_source(argument, repo, limits.max_bytes)


def _children_under(folder: Path, mother: str | None, limits: LoadLimits) -> list[RecipeSource]:
    """Every child recipe under `folder` of the mother's line (the one line there, if no mother)."""
    from cexact.recipe.discovery import discover

    found = discover([folder])
    recipes: list[tuple[Path, dict[str, object]]] = []
    for path in sorted(found.files):
        try:
            line = load_file(path, limits).data.get("line")
        except RecipeLoadError:
            continue
        if isinstance(line, dict):
            recipes.append((path, line))
    if mother is not None:
        line_ids = {load_file(Path(mother), limits).data["line"]["id"]}
    else:
        line_ids = {line.get("id") for _, line in recipes if line.get("role") == "mother"}
    if len(line_ids) != 1:
        raise UsageError(
            f"{len(line_ids)} lines' mothers under {folder}; name the mother with --mother"
        )
    (line_id,) = line_ids
    children = [
        p for p, line in recipes if line.get("id") == line_id and line.get("role") == "child"
    ]
    if not children:
        raise UsageError(f"no child recipe of line {line_id!r} under {folder}")
    return [_source(str(path), None, limits) for path in children]
