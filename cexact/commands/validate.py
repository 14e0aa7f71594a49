"""`cexact validate`'s core: load and validate files, every problem a located finding."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

from cexact.errors import RecipeLoadError
from cexact.model import Finding
from cexact.recipe.discovery import NOT_CEXACT, discover, schema_name_for
from cexact.recipe.loader import DEFAULT_LIMITS, LoadLimits, load_file
from cexact.recipe.validation import recipe_warnings, validate_document


@dataclass(frozen=True, slots=True)
class FileValidation:
    """The outcome of validating one file."""

    source: str
    schema_name: str
    findings: tuple[Finding, ...]

    @property
    def valid(self) -> bool:
        return not any(f.level == "error" for f in self.findings)


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of `cexact validate`: one entry per file, in path order."""

    files: tuple[FileValidation, ...]
    skipped: tuple[str, ...] = ()
    """YAML files under the folders (or handed to the hook) that are not cexact's."""

    @property
    def valid(self) -> bool:
        return all(f.valid for f in self.files)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(finding for f in self.files for finding in f.findings)


def validate_file(path: Path, limits: LoadLimits = DEFAULT_LIMITS) -> FileValidation:
    """Load and validate one file; load errors become findings too."""
    try:
        document = load_file(path, limits)
    except RecipeLoadError as error:
        finding = Finding(str(path), error.line, error.column, error.message, error.rule)
        return FileValidation(str(path), "recipe", (finding,))
    name = schema_name_for(document)
    if name == "recipe":
        findings = validate_document(document, name)
        if not findings:
            findings = tuple(sorted(recipe_warnings(document), key=lambda f: (f.line or 0)))
        return FileValidation(str(path), name, findings)
    if name is None:
        finding = Finding(str(path), 1, 1, NOT_CEXACT, "not-cexact")
        return FileValidation(str(path), "unknown", (finding,))
    return FileValidation(str(path), name, validate_document(document, name))


def validate_paths(
    paths: Sequence[Path], limits: LoadLimits = DEFAULT_LIMITS, *, skip_unmarked: bool = False
) -> ValidationReport:
    """Validate files and folders; with `skip_unmarked`, named files that are not
    cexact's are passed over like other YAML under a folder."""
    found = discover(paths, skip_unmarked=skip_unmarked)
    return ValidationReport(
        tuple(_validate_all(list(found.files), limits)), tuple(map(str, found.others))
    )


PARALLEL_FROM_BYTES = 4 * 1024 * 1024
"""Below this much YAML in all, worker processes cost more than they save (a
pre-commit run hands over a few files)."""


def _validate_all(files: list[Path], limits: LoadLimits) -> list[FileValidation]:
    """`validate_file` of each, in order; a large set on every core (as `check` reads)."""
    workers = min(os.cpu_count() or 1, len(files))
    if workers < 2 or _total_bytes(files) < PARALLEL_FROM_BYTES:
        return [validate_file(path, limits) for path in files]
    chunk = max(1, len(files) // (4 * workers))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(validate_file, files, repeat(limits), chunksize=chunk))


def _total_bytes(files: list[Path]) -> int:
    total = 0
    for path in files:
        try:
            total += path.stat().st_size
        except OSError:  # validate_file says why it cannot be read
            continue
    return total


