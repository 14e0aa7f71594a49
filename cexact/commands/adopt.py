"""`cexact adopt`'s core: carry the mother's changes since a child's transfer into the child.

The base (the mother at the child's `line.mother.version`) is found as
`cexact drift` finds it; the mother's changes since are merged three-way
(`cexact.commands.adopt_merge`) and carried out on the child's text in place
(`cexact.recipe.edit`), so that comments, quoting and layout of everything
untouched stay byte for byte. `line.mother.version` becomes the version
adopted. The edited text is read back through the strict loader, validated,
and checked to hold exactly the merged data before it replaces the file
(atomically, its mode kept); otherwise nothing is written.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cexact.commands.adopt_merge import CONFLICT, MergePlan, plan_merge
from cexact.commands.adopt_results import AdoptResult, ChildAdoption
from cexact.commands.drift import find_mother_version
from cexact.commands.line_diff import unified_diff
from cexact.compare.differ import identical
from cexact.compare.policy import DEFAULT_POLICY, Policy
from cexact.compare.waivers import Waiver
from cexact.errors import GitError, InputError, UsageError
from cexact.recipe.edit import EditError, TextEditor
from cexact.recipe.git_repository import open_repository
from cexact.recipe.git_source import RecipeSource, read_at_revision
from cexact.recipe.loader import DEFAULT_LIMITS, LoadedDocument, LoadLimits, decode_utf8, load_bytes
from cexact.recipe.reading import load_recipe_source, load_recipe_sources
from cexact.recipe.validation import validate_document


@dataclass(frozen=True, slots=True)
class Merged:
    """A child's merge, before anything is written: the plan and the edited text."""

    plan: MergePlan
    text: str
    original: str


@dataclass(frozen=True, slots=True)
class Settings:
    """How to adopt: the policy, the waivers per child and today's date."""

    policy: Policy = DEFAULT_POLICY
    today: datetime.date | None = None
    limits: LoadLimits = DEFAULT_LIMITS
    partial: bool = True
    dry_run: bool = False


def merge_texts(
    base: LoadedDocument,
    mother: LoadedDocument,
    child: LoadedDocument,
    child_text: str,
    mother_text: str,
    *,
    policy: Policy = DEFAULT_POLICY,
    waivers: Sequence[Waiver] = (),
    today: datetime.date | None = None,
) -> Merged:
    """The child's text with the mother's changes since `base` adopted (conflicts left)."""
    plan = plan_merge(base, mother, child, policy=policy, waivers=waivers, today=today)
    try:
        text = TextEditor(child_text, mother_text).apply(list(plan.edits))
    except EditError as error:
        raise InputError(f"adopt wrote nothing: {error}", file=child.source) from None
    _check_reads_back(text, child.source, plan)
    return Merged(plan, text, child_text)


def _check_reads_back(text: str, source: str, plan: MergePlan) -> None:
    """The edited text must load strictly, validate, and hold exactly the merged data."""
    try:
        document = load_bytes(text.encode("utf-8"), source)
    except InputError as error:
        raise InputError(
            f"adopt wrote nothing: the edited file does not read back ({error})", file=source
        ) from None
    findings = validate_document(document, "recipe")
    if any(finding.level == "error" for finding in findings):
        first = next(f for f in findings if f.level == "error")
        raise InputError(
            f"adopt wrote nothing: the edited file would not be valid ({first.message}; "
            f"at {first.path or 'the top'})",
            file=source,
        )
    same = document.data == plan.merged and identical(document.data, plan.merged)
    if not same and _canonical(document.data) != _canonical(plan.merged):  # key order aside
        raise InputError(
            "adopt wrote nothing: the edited text does not hold the merged data "
            "(a bug in cexact's editor; please report it)",
            file=source,
        )


def _canonical(value: object) -> object:
    """Data with mapping order set aside (list order and types kept)."""
    if isinstance(value, dict):
        return sorted((key, _canonical(v)) for key, v in value.items())
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return (type(value).__name__, value)


def find_base(
    child: LoadedDocument,
    mother: RecipeSource,
    mother_now: LoadedDocument,
    repo: Path,
    limits: LoadLimits,
) -> tuple[LoadedDocument, RecipeSource, str]:
    """The mother as the child was transferred from it, its source, and a note ('' if none)."""
    reference = child.data["line"].get("mother")
    if reference is None:
        raise InputError(
            "the child names no mother version (line.mother.version); adopt needs it",
            file=child.source,
        )
    version = str(reference["version"])
    if version == str(mother_now.data["line"]["version"]):
        return mother_now, mother, ""
    if mother.provenance is None:
        raise GitError(
            f"{mother.display} is not in a git repository; adopt needs the mother's history"
        )
    with open_repository(repo) as repository:
        then, note = find_mother_version(
            repository,
            mother.provenance,
            version,
            str(mother_now.data["line"]["id"]),
            max_bytes=limits.max_bytes,
        )
    return load_recipe_source(then, limits), then, note


def mother_at(mother: RecipeSource, revision: str, repo: Path, limits: LoadLimits) -> RecipeSource:
    """The mother recipe at `--to REV` (the same file, at that revision)."""
    if mother.provenance is None:
        raise GitError(f"{mother.display} is not in a git repository; --to needs its history")
    return read_at_revision(revision, mother.provenance.path, repo, max_bytes=limits.max_bytes)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A child ready to be written: its adoption record and the text to write."""

    adoption: ChildAdoption
    text: str
    path: Path | None
    original: bytes
    """The child's bytes as merged (a file changed since is not overwritten)."""


def prepare_child(
    child: RecipeSource,
    mother: RecipeSource,
    repo: Path,
    *,
    waivers: Sequence[Waiver] = (),
    settings: Settings = Settings(),
) -> Prepared:
    """Merge one child with the mother (now, or as `mother` was read): nothing written yet."""
    if child.path is None:
        raise UsageError(f"adopt rewrites the child file; {child.display} is read from git")
    limits = settings.limits
    # Read side by side on two cores when both are large, as drift reads them.
    child_document, mother_now = load_recipe_sources((child, mother), limits)
    if child_document.data["line"]["id"] != mother_now.data["line"]["id"]:
        raise UsageError(
            f"{child.display} is of line {child_document.data['line']['id']!r}, "
            f"{mother.display} of {mother_now.data['line']['id']!r}"
        )
    base, base_source, note = find_base(child_document, mother, mother_now, repo, limits)
    original = decode_utf8(child.content, child.display)
    merged = merge_texts(
        base,
        mother_now,
        child_document,
        original,
        decode_utf8(mother.content, mother.display),
        policy=settings.policy,
        waivers=waivers,
        today=settings.today,
    )
    from_version = str(child_document.data["line"]["mother"]["version"])
    to_version = str(mother_now.data["line"]["version"])
    text = merged.text if from_version != to_version else original
    conflicted = any(item.status == CONFLICT for item in merged.plan.items)
    if conflicted and not settings.partial:
        text = original
    adoption = ChildAdoption(
        path=child.display,
        line_id=str(child_document.data["line"]["id"]),
        site=str(child_document.data["line"]["site"]),
        mother_path=mother.display,
        from_version=from_version,
        to_version=to_version,
        items=merged.plan.items,
        diff=unified_diff(original, text, child.display),
        written=False,
        notes=tuple(n for n in (note, _base_note(base_source, from_version, to_version)) if n),
    )
    bom = "\ufeff" if child.content.startswith(b"\xef\xbb\xbf") else ""  # kept, as every byte
    return Prepared(adoption, bom + text, child.path, child.content)


def _base_note(base: RecipeSource, from_version: str, to_version: str) -> str:
    if from_version == to_version:
        return ""
    return f"base: mother version {from_version} read at {base.display}"


def write_children(
    prepared: Sequence[Prepared],
    settings: Settings,
    branch: str | None = None,
    repo_root: Path | None = None,
) -> AdoptResult:
    """Write (and with a branch, commit) every prepared child whose text changed."""
    from cexact.report.atomic_write import write_text_atomic

    written: list[ChildAdoption] = []
    writer = None
    changes = any(child.adoption.diff for child in prepared)
    if branch is not None and repo_root is not None and not settings.dry_run and changes:
        from cexact.recipe.git_write import RepositoryWriter

        writer = RepositoryWriter(repo_root)
        writer.refuse_dirty()
        writer.start_branch(branch)
    try:
        for child in prepared:
            adoption = child.adoption
            if settings.dry_run or not adoption.diff or child.path is None:
                written.append(adoption)
                continue
            if _changed_since(child):
                raise InputError(f"{adoption.path} changed while adopt ran; nothing written there")
            write_text_atomic(child.path, child.text)
            commit = writer.commit_file(child.path, commit_message(adoption)) if writer else None
            written.append(replace(adoption, written=True, commit=commit))
    finally:
        if writer is not None:
            writer.__exit__(None, None, None)
    made = branch if writer is not None else None  # none on a dry run, or with nothing to write
    return AdoptResult(tuple(written), settings.dry_run, settings.partial, made)


def _changed_since(child: Prepared) -> bool:
    """Whether the file's bytes are no longer those the merge was made from."""
    assert child.path is not None
    try:
        now = child.path.read_bytes()
    except OSError:
        return True
    return hashlib.sha256(now).digest() != hashlib.sha256(child.original).digest()


def commit_message(adoption: ChildAdoption) -> str:
    """`<site>: adopt mother <line> <from> -> <to>`, then every change by path and stage."""
    lines = [
        f"{adoption.site}: adopt mother {adoption.line_id} {adoption.from_version} -> "
        f"{adoption.to_version}",
        "",
        f"cexact adopt: {len(adoption.adopted)} change(s) adopted, "
        f"{len(adoption.taken)} already taken, {len(adoption.conflicts)} conflict(s).",
    ]
    if adoption.adopted:
        lines += ["", "Adopted:"]
        lines += [f"- {i.change.path} ({i.change.stage.value})" for i in adoption.adopted]
    if adoption.conflicts:
        lines += ["", "Conflicts (not adopted; the child keeps its own value):"]
        for item in adoption.conflicts:
            waiver = f", waiver {item.waiver}" if item.waiver else ""
            lines.append(f"- {item.change.path} ({item.change.stage.value}{waiver})")
    return "\n".join(lines) + "\n"


def branch_name(line_id: str, version: str, site: str | None = None) -> str:
    """`cexact/adopt/<line>/<version>[/<site>]`."""
    parts = ["cexact", "adopt", line_id, version, *([site] if site else [])]
    return "/".join(parts)
