"""Finding cexact's files: YAML files under folders, and which format a document is in."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cexact.errors import UsageError
from cexact.recipe.loader import LoadedDocument


def schema_name_for(document: LoadedDocument) -> str:
    """Which of cexact's formats a YAML document is written in."""
    data = document.data
    if isinstance(data, dict) and "cexact-project" in data:
        return "project"
    if isinstance(data, dict) and "cexact-waivers" in data:
        return "waivers"
    return "recipe"



YAML_SUFFIXES = (".yaml", ".yml")


def discover_yaml_files(paths: Sequence[Path]) -> list[Path]:
    """Files named directly, and every *.yaml / *.yml below named folders, sorted.

    Hidden folders (.git, .venv...) are skipped. A path that does not exist is
    a usage error: nothing is silently skipped.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            below = [
                p
                for p in path.rglob("*")
                if p.suffix in YAML_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts[:-1])
            ]
            if not below:
                raise UsageError(f"no *.yaml or *.yml files under {path}")
            found.extend(sorted(below))
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    return found
