"""Phase one of a fleet check: which files are under the folder, and each file inspected.

`discover_fleet_files` finds every cexact file under a folder with the project
file that governs it; `inspect_file` loads and validates one file exactly
once (in a worker process), sending a valid recipe to the parse cache and only
a small summary back. Recipes in a folder named `proposals` are proposed
mother recipes for `cexact impact`, not part of the fleet: they are left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cexact.compare.policy import Policy, find_policy, load_policy
from cexact.compare.stored import is_line_header
from cexact.compare.waivers import WAIVER_FILE_NAME, Waiver, waivers_from_document
from cexact.model import AppliedFile, Finding
from cexact.recipe.cache import ParseCache
from cexact.recipe.discovery import NOT_CEXACT, discover, is_project_file, schema_name_for
from cexact.recipe.git_source import git_blob_sha
from cexact.recipe.loader import LoadedDocument, LoadLimits, load_bytes, read_source_bytes
from cexact.recipe.validation import validate_document

PROPOSALS_FOLDER = "proposals"
"""A folder of proposed mother recipes (`cexact impact`): never part of a fleet."""


@dataclass(frozen=True, slots=True)
class InspectedFile:
    """Phase one's outcome for one file: its kind, findings, and recipe header.

    The header (line id, site, role) is read from an invalid recipe too, when
    it loads as YAML and has one, so that an invalid child keeps its row.
    """

    path: str
    kind: str
    findings: tuple[Finding, ...]
    line_id: str | None = None
    site: str | None = None
    role: str | None = None
    waivers: tuple[Waiver, ...] = ()
    sha256: str = ""
    git_blob: str = ""
    """The sha git gives the file's bytes (to tell whether it differs from HEAD)."""
    line_id_at: tuple[int, int] | None = None
    """Where a recipe's `line.id` is written (line, column)."""
    named_sites: tuple[tuple[str, str], ...] = ()
    """For an invalid waiver file: the (line, site) pairs its entries name, as far
    as they can be read."""

    @property
    def valid(self) -> bool:
        return not self.findings

    @property
    def is_child(self) -> bool:
        return self.kind == "recipe" and self.role == "child" and self.line_id is not None

    @property
    def failed_waiver_file(self) -> bool:
        """A waiver file (by its key or its name) that did not load: its waivers are lost."""
        return not self.valid and (
            self.kind == "waivers" or Path(self.path).name == WAIVER_FILE_NAME
        )


def inspect_file(path: str, limits: LoadLimits, cache: ParseCache) -> InspectedFile:
    """Load and validate one file; recipes go to the parse cache."""
    from cexact.errors import RecipeLoadError

    try:
        content = read_source_bytes(Path(path), limits)
        sha256 = hashlib.sha256(content).hexdigest()
        line = cache.lookup_value(LINE_KIND, sha256)
        if is_line_header(line):  # a valid recipe seen before: its header is all phase one needs
            return _known_recipe(path, line, sha256, git_blob_sha(content))
        document = load_bytes(content, path, limits)
    except RecipeLoadError as error:
        finding = Finding(path, error.line, error.column, error.message, error.rule)
        return InspectedFile(path, "invalid", (finding,))
    kind = schema_name_for(document)
    if kind is None:
        return InspectedFile(path, "invalid", (Finding(path, 1, 1, NOT_CEXACT, "not-cexact"),))
    findings = validate_document(document, kind)
    if kind == "waivers":
        if findings:
            return InspectedFile(
                path, kind, findings, sha256=sha256, named_sites=_named_sites(document.data)
            )
        return InspectedFile(path, kind, (), waivers=waivers_from_document(document), sha256=sha256)
    if kind == "recipe":
        if not findings:
            cache.store("recipe", document)
            cache.store_value(LINE_KIND, sha256, document.data["line"])
        return _recipe_file(document, findings, git_blob_sha(content))
    return InspectedFile(path, kind, findings, sha256=sha256)


LINE_KIND = "recipe-line"
"""Cached: a valid recipe's `line` header, by the sha256 of the file's bytes."""


def _known_recipe(path: str, line: dict[str, Any], sha256: str, git_blob: str) -> InspectedFile:
    """A valid recipe seen before, from its cached header (where `line.id` is: not known)."""
    return InspectedFile(
        path, "recipe", (), line["id"], line["site"], line["role"], sha256=sha256, git_blob=git_blob
    )


def _recipe_file(
    document: LoadedDocument, findings: tuple[Finding, ...], git_blob: str
) -> InspectedFile:
    """A recipe's outcome with its header; an invalid one's header as far as it reads."""
    line = document.data.get("line")
    header = line if isinstance(line, dict) else {}
    line_id, site, role = (_text(header.get(key)) for key in ("id", "site", "role"))
    return InspectedFile(
        document.source,
        "recipe",
        findings,
        line_id,
        site,
        role,
        sha256=document.sha256,
        git_blob=git_blob,
        line_id_at=document.position_of(("line", "id")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _named_sites(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The (line, site) pairs an invalid waiver file's entries name, where readable."""
    entries = data.get("waivers")
    if not isinstance(entries, list):
        return ()
    named = (
        (_text(entry.get("line")), _text(entry.get("site")))
        for entry in entries
        if isinstance(entry, dict)
    )
    return tuple(dict.fromkeys((line, site) for line, site in named if line and site))


@dataclass(frozen=True, slots=True)
class FleetFiles:
    """What `check` reads under its folder, and the project file that governs each file."""

    paths: tuple[Path, ...]
    policies: dict[Path, Policy]
    """Each recipe's project policy (the nearest project file above it)."""
    default: Policy
    projects: tuple[AppliedFile, ...]
    """The project files applied."""
    skipped: tuple[str, ...]
    """YAML files under the folder that are not cexact's."""

    def policy_of(self, path: Path) -> Policy:
        return self.policies.get(path, self.default)


def discover_fleet_files(
    root: Path,
    policy: Policy | None = None,
    extra_waiver_files: Iterable[Path] = (),
    exclude: Iterable[Path] = (),
) -> FleetFiles:
    """Every cexact file under `root`, each with the project file that governs it.

    With `policy` (a project file named on the command line), it governs all.
    Otherwise each file gets the nearest project file at or above its folder:
    one in a subfolder of `root` governs that subfolder, one at `root` or above
    it (up to the top of the git work tree) the rest. Files a project ignores
    are left out; its waiver globs are added. So are files in a `proposals`
    folder below `root` (proposed mothers, see `is_proposal`) and `exclude`.
    """
    found = discover([root])
    excluded = {path.resolve() for path in exclude}
    project_paths = [p for p in found.files if is_project_file(p)]
    default = policy if policy is not None else find_policy(None, start=root)
    governing: dict[Path, Policy] = {}
    if policy is None:
        for project in project_paths:
            governing.setdefault(project.parent.resolve(), load_policy(project))
    policies: dict[Path, Policy] = {}
    paths: list[Path] = []
    for path in found.files:
        if is_project_file(path):
            continue
        if path.resolve() in excluded or is_proposal(path, root):
            continue
        own = _nearest(path, governing, root.resolve()) or default
        if own.ignores(path):
            continue
        paths.append(path)
        policies[path] = own
    applied = [default, *governing.values()]
    for governed in applied:
        paths.extend(p for p in governed.waiver_files() if p not in paths)
    paths.extend(p for p in extra_waiver_files if p not in paths)
    return FleetFiles(
        tuple(paths),
        policies,
        default,
        tuple(dict.fromkeys(p.file for p in applied if p.file is not None)),
        tuple(map(str, found.others)),
    )


def is_proposal(path: Path, root: Path) -> bool:
    """Whether `path` is in a `proposals` folder below `root`: a proposed mother recipe
    (`cexact impact`), which a fleet check leaves out rather than take as a second mother."""
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return PROPOSALS_FOLDER in relative.parts[:-1]


def _nearest(path: Path, governing: dict[Path, Policy], root: Path) -> Policy | None:
    if not governing:
        return None
    for folder in path.resolve().parents:
        found = governing.get(folder)
        if found is not None:
            return found
        if folder == root:
            return None
    return None
