"""The project policy (cexact.yaml): required stage and extra classification rules."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

from cexact.errors import UsageError, ValidationFailed
from cexact.model import NOT_COMPARED, AppliedFile, Stage
from cexact.recipe.discovery import PROJECT_FILE_NAME
from cexact.recipe.paths import PathPattern


@dataclass(frozen=True, slots=True)
class ClassificationRule:
    """Deviations whose path matches `pattern` (or lies below it) get `stage`."""

    pattern: str
    stage: str
    compiled: PathPattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", PathPattern(self.pattern))

    def matches(self, path: str) -> bool:
        return self.compiled.matches(path)


@dataclass(frozen=True, slots=True)
class Policy:
    """What a project file says; the default policy is empty."""

    require: Stage | None = None
    rules: tuple[ClassificationRule, ...] = ()
    source: str | None = None
    """The project file's path (None: no project file)."""
    sha256: str | None = None
    """The sha256 of the project file's bytes."""
    line_requirements: tuple[tuple[str, Stage], ...] = ()
    site_requirements: tuple[tuple[str, str, Stage], ...] = ()
    waiver_patterns: tuple[str, ...] = ()
    ignore_patterns: tuple[str, ...] = ()

    @property
    def file(self) -> AppliedFile | None:
        """The project file this policy was read from, for the audit record."""
        if self.source is None or self.sha256 is None:
            return None
        return AppliedFile(self.source, self.sha256)

    @property
    def root(self) -> Path | None:
        """The folder the project file's relative patterns start from."""
        return Path(self.source).parent if self.source else None

    def required_for(self, line_id: str, site: str) -> Stage | None:
        """The stage a child site must achieve: site, then line, then project setting."""
        for line, child_site, stage in self.site_requirements:
            if line == line_id and child_site == site:
                return stage
        for line, stage in self.line_requirements:
            if line == line_id:
                return stage
        return self.require

    def waiver_files(self) -> list[Path]:
        """The files the project's `waivers` globs name, all inside the project's folder."""
        root = self.root
        if root is None:
            return []
        inside = root.resolve()
        found: list[Path] = []
        for pattern in self.waiver_patterns:
            matches = sorted(root.glob(pattern))
            if not matches:
                raise UsageError(f"{self.source}: waiver pattern {pattern!r} matches no file")
            for match in matches:
                if not match.resolve().is_relative_to(inside):
                    raise UsageError(
                        f"{self.source}: waiver pattern {pattern!r} reaches {match}, "
                        f"outside the project folder {root}"
                    )
                if match not in found:
                    found.append(match)
        return found

    def ignores(self, path: Path) -> bool:
        """Whether the project's `ignore` globs name `path` (relative to the project folder)."""
        root = self.root
        if not self.ignore_patterns or root is None:
            return False
        try:
            relative = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return False
        return any(fnmatch.fnmatch(relative, pattern) for pattern in self.ignore_patterns)

    def stage_for(self, path: str, schema_stage: str) -> str:
        for rule in self.rules:
            if rule.matches(path):
                return rule.stage
        return schema_stage


DEFAULT_POLICY = Policy()


def load_policy(path: Path) -> Policy:
    from cexact.recipe.loader import load_file
    from cexact.recipe.validation import validate_document

    document = load_file(path)
    findings = validate_document(document, "project")
    if findings:
        raise ValidationFailed(f"{path} is not a valid project file", findings)
    data = document.data
    require = data.get("require")
    lines = data.get("lines", {})
    return Policy(
        line_requirements=tuple(
            (line, Stage(settings["require"]))
            for line, settings in lines.items()
            if "require" in settings
        ),
        site_requirements=tuple(
            (line, site, Stage(stage))
            for line, settings in lines.items()
            for site, stage in settings.get("sites", {}).items()
        ),
        waiver_patterns=tuple(data.get("waivers", [])),
        ignore_patterns=tuple(data.get("ignore", [])),
        require=Stage(require) if require else None,
        rules=tuple(
            ClassificationRule(rule["path"], rule["stage"]) for rule in data.get("classify", [])
        ),
        source=str(path),
        sha256=document.sha256,
    )


def project_file_above(start: Path) -> Path | None:
    """The nearest cexact.yaml in `start` or a folder above it, as git finds `.git`.

    The search stops at the top of the git work tree that holds `start` (or at
    the file system's root outside one).
    """
    folder = start.resolve()
    for candidate_folder in (folder, *folder.parents):
        candidate = candidate_folder / PROJECT_FILE_NAME
        if candidate.is_file():
            return candidate if start.is_absolute() else Path(os.path.relpath(candidate))
        if (candidate_folder / ".git").exists():
            return None
    return None


def find_policy(explicit: Path | None, start: Path | None = None) -> Policy:
    """The project file named on the command line, else the nearest one at or above
    `start` (default: the current folder), else the empty policy."""
    if explicit is not None:
        return load_policy(explicit)
    found = project_file_above(start or Path())
    return load_policy(found) if found is not None else DEFAULT_POLICY


__all__ = ["DEFAULT_POLICY", "NOT_COMPARED", "ClassificationRule", "Policy", "find_policy"]
