"""Reading recipes for comparison: load (or take from the cache), then validate."""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
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
from cexact.recipe.locations import PackedLocations, pack_locations
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


PARALLEL_FROM_BYTES = 256 * 1024
"""Below this, a second process costs more than it saves."""


def load_recipe_sources(
    sources: Sequence[RecipeSource],
    limits: LoadLimits = DEFAULT_LIMITS,
    *,
    cache: ParseCache | None = None,
) -> list[LoadedDocument]:
    """Several valid recipes, in order; large ones not in the cache are read in parallel.

    Parsing is most of a cold diff, and a mother and a child are independent: the
    child is read in a second process while this one reads the mother. The
    worker sends back the data with its locations already packed (marshal), as
    the parse cache stores them; errors come back as the same errors.
    """
    documents: list[LoadedDocument | None] = [None] * len(sources)
    pending: list[int] = []
    for index, source in enumerate(sources):
        cached = cache.lookup(_sha256(source), "recipe", source.display) if cache else None
        if cached is not None:
            documents[index] = cached
        else:
            pending.append(index)
    large = [i for i in pending if len(sources[i].content) >= PARALLEL_FROM_BYTES]
    if len(large) >= 2 and (os.cpu_count() or 1) >= 2 and _can_fork():
        away = large[-1]
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork")) as pool:
            future = pool.submit(_packed_recipe, sources[away], limits)
            for index in pending:
                if index != away:
                    documents[index] = load_recipe_source(sources[index], limits, cache=cache)
            read_away = documents[away] = _unpacked(future.result(), sources[away])
        if cache is not None:
            cache.store("recipe", read_away)
    else:
        for index in pending:
            documents[index] = load_recipe_source(sources[index], limits, cache=cache)
    return [document for document in documents if document is not None]


def _sha256(source: RecipeSource) -> str:
    return hashlib.sha256(source.content).hexdigest()


def _can_fork() -> bool:
    return "fork" in get_all_start_methods()


def _packed_recipe(source: RecipeSource, limits: LoadLimits) -> bytes:
    """In the worker: load and validate, then the data and packed locations as marshal."""
    document = load_recipe_source(source, limits)
    keys, positions = pack_locations(document.locations)
    return marshal.dumps((document.data, keys, positions, document.sha256))


def _unpacked(raw: bytes, source: RecipeSource) -> LoadedDocument:
    data, keys, positions, sha256 = marshal.loads(raw)
    return LoadedDocument(
        source=source.display, data=data, locations=PackedLocations(keys, positions), sha256=sha256
    )


__all__ = ["RecipeLoadError", "load_recipe_source", "load_recipe_sources", "load_valid_recipe"]
