"""The content-keyed parse cache and the differ's equal-subtree fast path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cexact.errors import ValidationFailed
from cexact.model import DeviationKind
from cexact.recipe import cache as parse_cache
from cexact.recipe.loader import PackedLocations, load_file, pack_locations
from cexact.recipe.reading import load_valid_recipe
from tests.conftest import diff_files

RECIPE = textwrap.dedent(
    """\
    cexact: 1
    line: {id: demo, name: Demo, product: widget, site: m, role: mother, version: "1.0"}
    steps:
      - id: mix
        name: Mix
        operation: mixing
        equipment:
          - id: mixer
            vendor: Inoue
            model: X1
            configuration: {vacuum: true, blades: 3}
        parameters:
          speed: {value: 30, unit: rpm, tolerance: 2}
    """
)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CEXACT_CACHE_DIR", str(folder))
    return folder


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_cached_recipe_reads_back_the_same_data_and_positions(
    tmp_path: Path, cache_dir: Path
) -> None:
    path = write(tmp_path, "m.yaml", RECIPE)
    fresh = load_valid_recipe(path)
    assert len(list(cache_dir.iterdir())) == 1
    cached = load_valid_recipe(path)
    assert isinstance(cached.locations, PackedLocations)
    assert cached.data == fresh.data
    assert dict(cached.locations.items()) == dict(fresh.locations)
    assert cached.position_of(("steps", 0, "parameters", "speed")) == (13, 7)
    assert cached.boolean_paths == fresh.boolean_paths
    assert cached.sha256 == fresh.sha256


def test_no_cache_neither_reads_nor_writes(tmp_path: Path, cache_dir: Path) -> None:
    path = write(tmp_path, "m.yaml", RECIPE)
    load_valid_recipe(path, use_cache=False)
    assert not cache_dir.exists()


def test_an_invalid_recipe_is_never_cached(tmp_path: Path, cache_dir: Path) -> None:
    path = write(tmp_path, "m.yaml", RECIPE.replace("unit: rpm", "unit: furlongz"))
    with pytest.raises(ValidationFailed):
        load_valid_recipe(path)
    with pytest.raises(ValidationFailed):
        load_valid_recipe(path)
    assert not cache_dir.exists() or not list(cache_dir.iterdir())


def test_a_corrupt_cache_entry_is_ignored_and_rewritten(tmp_path: Path, cache_dir: Path) -> None:
    path = write(tmp_path, "m.yaml", RECIPE)
    load_valid_recipe(path)
    (entry,) = cache_dir.iterdir()
    entry.write_bytes(b"not marshal data")
    assert load_valid_recipe(path).data["line"]["id"] == "demo"
    assert parse_cache.lookup(load_file(path).sha256, "recipe", str(path)) is not None


def test_packed_locations_round_trip_keys_that_look_like_numbers(tmp_path: Path) -> None:
    document = load_file(write(tmp_path, "x.yaml", 'a:\n  "3": [x, {"": 1, b: 2}]\n'))
    keys, positions = pack_locations(document.locations)
    packed = PackedLocations(keys, positions)
    assert dict(packed.items()) == dict(document.locations)
    assert packed.get(("a", "3", 1, "b")) == document.locations[("a", "3", 1, "b")]
    assert packed.get(("a", 3)) is None


@pytest.mark.parametrize("use_cache", [True, False])
def test_true_and_1_stay_different_inside_otherwise_equal_steps(
    tmp_path: Path, cache_dir: Path, use_cache: bool
) -> None:
    mother = write(tmp_path, "m.yaml", RECIPE)
    child_text = RECIPE.replace("role: mother", "role: child, mother: {site: m, version: '1.0'}")
    child = write(tmp_path, "c.yaml", child_text.replace("vacuum: true", "vacuum: 1"))
    for _ in range(2):  # the second round reads both from the cache
        result = diff_files(mother, child, use_cache=use_cache)
        assert [(d.path, d.kind) for d in result.deviations] == [
            ("steps[mix].equipment[mixer].configuration.vacuum", DeviationKind.TYPE_CHANGED)
        ]


def test_a_changed_schema_never_reuses_an_entry_validated_against_the_old_one(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "m.yaml", RECIPE)
    load_valid_recipe(path)
    assert parse_cache.lookup(load_file(path).sha256, "recipe", str(path)) is not None
    original = parse_cache.schema_store.schema_text("recipe")
    parse_cache._rules_fingerprint.cache_clear()
    monkeypatch.setattr(parse_cache.schema_store, "schema_text", lambda name: original + " ")
    try:
        assert parse_cache.lookup(load_file(path).sha256, "recipe", str(path)) is None
    finally:
        parse_cache._rules_fingerprint.cache_clear()
