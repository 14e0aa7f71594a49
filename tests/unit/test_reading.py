"""Reading recipes: in parallel where that pays, with the same results and errors."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from cexact.errors import RecipeLoadError, ValidationFailed
from cexact.recipe import reading
from cexact.recipe.cache import ParseCache
from cexact.recipe.git_source import read_recipe_source
from cexact.recipe.reading import load_recipe_source, load_recipe_sources
from tests.conftest import SAMPLE_LINES

CMOS = SAMPLE_LINES / "cmos-gate"


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read even small files in a second process."""
    monkeypatch.setattr(reading, "PARALLEL_FROM_BYTES", 0)


def test_parallel_reading_gives_what_reading_one_by_one_gives(parallel: None) -> None:
    sources = [read_recipe_source(str(CMOS / n)) for n in ("mother.yaml", "fab-c-dresden.yaml")]
    together = load_recipe_sources(sources)
    for document, source in zip(together, sources, strict=True):
        alone = load_recipe_source(source)
        assert document.source == alone.source and document.sha256 == alone.sha256
        assert document.data == alone.data
        assert dict(document.locations.items()) == dict(alone.locations)


def test_a_parallel_read_fills_the_cache(parallel: None, tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    sources = [read_recipe_source(str(CMOS / n)) for n in ("mother.yaml", "fab-b-singapore.yaml")]
    load_recipe_sources(sources, cache=cache)
    assert len(list(cache.directory.glob("*.marshal"))) == 2


@pytest.mark.parametrize(
    ("text", "error"),
    [("cexact: 1\nline: [\n", RecipeLoadError), ("cexact: 1\nline: {}\n", ValidationFailed)],
)
def test_errors_in_the_second_process_come_back_as_they_are(
    parallel: None, tmp_path: Path, text: str, error: type[Exception]
) -> None:
    broken = tmp_path / "child.yaml"
    broken.write_text(text, encoding="utf-8")
    sources = [read_recipe_source(str(CMOS / "mother.yaml")), read_recipe_source(str(broken))]
    with pytest.raises(error) as raised:
        load_recipe_sources(sources)
    with pytest.raises(error) as directly:
        load_recipe_source(sources[1])
    assert str(raised.value) == str(directly.value)
    assert raised.value.details == directly.value.details  # type: ignore[attr-defined]


def test_errors_survive_pickling_with_their_findings() -> None:
    error = ValidationFailed("x is not valid", ("a: error: b (c)",))
    copy = pickle.loads(pickle.dumps(error))
    assert (
        type(copy) is ValidationFailed and copy.details == error.details and str(copy) == str(error)
    )
