"""`cexact validate`'s core: load and validate files, every problem a located finding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
        tuple(validate_file(p, limits) for p in found.files), tuple(map(str, found.others))
    )


