"""The project policy (cexact.yaml): required stage and extra classification rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cexact.errors import ValidationFailed
from cexact.model import NOT_COMPARED, Stage
from cexact.recipe.loader import load_file
from cexact.recipe.paths import PathPattern
from cexact.recipe.validation import validate_document

PROJECT_FILE_NAME = "cexact.yaml"


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
    line_requirements: tuple[tuple[str, Stage], ...] = ()
    site_requirements: tuple[tuple[str, str, Stage], ...] = ()
    waiver_patterns: tuple[str, ...] = ()
    ignore_patterns: tuple[str, ...] = ()

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

    def stage_for(self, path: str, schema_stage: str) -> str:
        for rule in self.rules:
            if rule.matches(path):
                return rule.stage
        return schema_stage


DEFAULT_POLICY = Policy()


def load_policy(path: Path) -> Policy:
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
    )


def find_policy(explicit: Path | None, start: Path | None = None) -> Policy:
    """The policy named on the command line, else ./cexact.yaml if present, else none."""
    if explicit is not None:
        return load_policy(explicit)
    candidate = (start or Path.cwd()) / PROJECT_FILE_NAME
    if candidate.is_file():
        return load_policy(candidate)
    return DEFAULT_POLICY


__all__ = ["DEFAULT_POLICY", "NOT_COMPARED", "ClassificationRule", "Policy", "find_policy"]
