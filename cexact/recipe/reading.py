"""Reading recipes for comparison: load (or take from the cache), then validate."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from cexact.errors import RecipeLoadError, ValidationFailed
from cexact.recipe.loader import (
    DEFAULT_LIMITS,
    LoadedDocument,
    LoadLimits,
    load_bytes,
    read_source_bytes,
)
from cexact.recipe.validation import validate_document

if TYPE_CHECKING:
    from cexact.recipe.cache import ParseCache
    from cexact.recipe.git_source import RecipeSource


def load_valid_recipe(
    path: Path,
    limits: LoadLimits = DEFAULT_LIMITS,
    *,
    cache: ParseCache | None = None,
    source: str | None = None,
    content: bytes | None = None,
) -> LoadedDocument:
    """A recipe that loaded and validated; ValidationFailed with the findings if not.

    With a `cache`, a file whose bytes were read before is taken from it.
    """
    name = source or str(path)
    if content is None:
        content = read_source_bytes(path, limits)
    sha256 = hashlib.sha256(content).hexdigest()
    if cache is not None:
        cached = cache.lookup(sha256, "recipe", name)
        if cached is not None:
            return cached
    document = load_bytes(content, name, limits)
    findings = validate_document(document, "recipe")
    if findings:
        raise ValidationFailed(
            f"{name} is not a valid recipe ({len(findings)} finding(s))", findings
        )
    if cache is not None:
        cache.store("recipe", document)
    return document


def load_recipe_source(
    source: RecipeSource, limits: LoadLimits = DEFAULT_LIMITS, *, cache: ParseCache | None = None
) -> LoadedDocument:
    """A valid recipe from a file or a git revision, named as the user named it."""
    return load_valid_recipe(
        source.path or Path(source.display),
        limits,
        cache=cache,
        source=source.display,
        content=source.content,
    )


__all__ = ["RecipeLoadError", "load_recipe_source", "load_valid_recipe"]
