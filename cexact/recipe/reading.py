"""Reading recipes for comparison: load (or take from the cache), then validate."""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cexact.errors import RecipeLoadError, ValidationFailed
from cexact.recipe.loader import (
    DEFAULT_LIMITS,
    LoadedDocument,
    LoadLimits,
    load_bytes,
    read_source_bytes,
)
from cexact.recipe.locations import PackedLocations, PathKey, Position, pack_locations
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
    document = _validated(load_bytes(content, name, limits))
    if cache is not None:
        cache.store("recipe", document)
    return document


def _validated(document: LoadedDocument) -> LoadedDocument:
    """`document`, if it is a valid recipe; else ValidationFailed with the findings."""
    findings = validate_document(document, "recipe")
    if findings:
        raise ValidationFailed(
            f"{document.source} is not a valid recipe ({len(findings)} finding(s))", findings
        )
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
    worker sends back the data (marshal) and then, while this process validates
    and compares, its locations packed as the parse cache stores them; errors
    come back as the same errors.
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
        pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork"))
        try:
            data_future = pool.submit(_loaded_away, sources[away], limits)
            locations_future = pool.submit(_locations_away)
            for index in pending:
                if index != away:
                    documents[index] = load_recipe_source(sources[index], limits, cache=cache)
            data, sha256 = marshal.loads(data_future.result())
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        # The worker packs the locations meanwhile; nothing waits for it to end.
        pool.shutdown(wait=False)
        locations = LocationsToCome(locations_future)
        # Validated here, while the worker packs (valid data never looks up a location).
        read_away = documents[away] = _validated(
            LoadedDocument(sources[away].display, data, locations, sha256)
        )
        if cache is not None:
            cache.store("recipe", replace(read_away, locations=locations.packed_locations()))
    else:
        for index in pending:
            documents[index] = load_recipe_source(sources[index], limits, cache=cache)
    return [document for document in documents if document is not None]


class LocationsToCome(Mapping[PathKey, Position]):
    """Locations the worker is still packing: fetched on first use.

    A comparison looks up locations only once the walk is done (classify), so
    packing them and sending them across overlaps the validation and the walk.
    """

    def __init__(self, future: Future[bytes]) -> None:
        self._future = future
        self._found: PackedLocations | None = None

    def packed_locations(self) -> PackedLocations:
        if self._found is None:
            keys, positions = marshal.loads(self._future.result())
            self._found = PackedLocations(keys, positions)
        return self._found

    def __getitem__(self, path: PathKey) -> Position:
        return self.packed_locations()[path]

    def get(self, path: PathKey, default: Any = None) -> Any:
        return self.packed_locations().get(path, default)

    def __iter__(self) -> Iterator[PathKey]:
        return iter(self.packed_locations())

    def __len__(self) -> int:
        return len(self.packed_locations())


_AWAY: list[LoadedDocument] = []
"""In the worker: the document read, between sending its data and its locations.
Never freed: the worker process ends without tearing its heap down."""


def _sha256(source: RecipeSource) -> str:
    return hashlib.sha256(source.content).hexdigest()


def _can_fork() -> bool:
    return "fork" in get_all_start_methods()


def _loaded_away(source: RecipeSource, limits: LoadLimits) -> bytes:
    """In the worker: load (the parent validates); the data and its sha256 as marshal."""
    document = load_bytes(source.content, source.display, limits)
    _AWAY.append(document)
    return marshal.dumps((document.data, document.sha256))


def _locations_away() -> bytes:
    """In the worker, next: the locations of the document just sent, packed."""
    return marshal.dumps(pack_locations(_AWAY[-1].locations))


__all__ = ["RecipeLoadError", "load_recipe_source", "load_recipe_sources", "load_valid_recipe"]
