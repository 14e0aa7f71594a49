"""The content-keyed parse cache, and the differ's equal-subtree fast path."""

from __future__ import annotations

import marshal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cexact.errors import RecipeLoadError, ValidationFailed
from cexact.model import DeviationKind
from cexact.recipe import cache as cache_module
from cexact.recipe import schema_store
from cexact.recipe.cache import ParseCache, rules_fingerprint
from cexact.recipe.loader import load_file
from cexact.recipe.locations import PackedLocations, pack_locations
from cexact.recipe.reading import load_valid_recipe
from tests.conftest import ROOT, diff_files

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
def cache(tmp_path: Path) -> ParseCache:
    return ParseCache(tmp_path / "cache")


FORMAT = cache_module._FORMAT


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def entries(cache: ParseCache) -> list[Path]:
    return sorted(cache.directory.iterdir()) if cache.directory.exists() else []


def test_a_cached_recipe_reads_back_the_same_data_and_positions(
    tmp_path: Path, cache: ParseCache
) -> None:
    path = write(tmp_path, "m.yaml", RECIPE)
    fresh = load_valid_recipe(path, cache=cache)
    assert len(entries(cache)) == 1
    cached = load_valid_recipe(path, cache=cache)
    assert isinstance(cached.locations, PackedLocations)
    assert cached.data == fresh.data
    assert dict(cached.locations.items()) == dict(fresh.locations)
    assert cached.position_of(("steps", 0, "parameters", "speed")) == (13, 7)
    assert cached.sha256 == fresh.sha256


def test_without_a_cache_nothing_is_read_or_written(tmp_path: Path, cache: ParseCache) -> None:
    path = write(tmp_path, "m.yaml", RECIPE)
    load_valid_recipe(path)
    assert not cache.directory.exists()


def test_an_invalid_recipe_is_never_cached(tmp_path: Path, cache: ParseCache) -> None:
    path = write(tmp_path, "m.yaml", RECIPE.replace("unit: rpm", "unit: furlongz"))
    for _ in range(2):
        with pytest.raises(ValidationFailed):
            load_valid_recipe(path, cache=cache)
    assert entries(cache) == []


def test_the_users_cache_is_not_touched_by_the_test_suite() -> None:
    # conftest points CEXACT_CACHE_DIR at a temporary folder for every test.
    directory = ParseCache.from_environment().directory
    assert "pytest" in str(directory) or "tmp" in str(directory)


# --- Entries that must not be trusted ---------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [
        b"not marshal data",
        b"",
        marshal.dumps((cache_module._FORMAT, "x")),
        marshal.dumps([1, 2, 3]),
        marshal.dumps((999, "sha", "recipe", {}, "", [])),
    ],
    ids=["garbage", "empty", "short-tuple", "list", "other-format"],
)
def test_a_corrupt_or_foreign_entry_is_ignored_and_rewritten(
    tmp_path: Path, cache: ParseCache, damage: bytes
) -> None:
    path = write(tmp_path, "m.yaml", RECIPE)
    load_valid_recipe(path, cache=cache)
    (entry,) = entries(cache)
    entry.write_bytes(damage)
    assert load_valid_recipe(path, cache=cache).data["line"]["id"] == "demo"
    assert cache.lookup(load_file(path).sha256, "recipe", str(path)) is not None


def test_a_truncated_entry_is_ignored(tmp_path: Path, cache: ParseCache) -> None:
    path = write(tmp_path, "m.yaml", RECIPE)
    load_valid_recipe(path, cache=cache)
    (entry,) = entries(cache)
    entry.write_bytes(entry.read_bytes()[:-7])
    assert cache.lookup(load_file(path).sha256, "recipe", str(path)) is None


def test_a_well_formed_entry_of_the_wrong_shape_is_refused(
    tmp_path: Path, cache: ParseCache
) -> None:
    path = write(tmp_path, "m.yaml", RECIPE)
    document = load_valid_recipe(path, cache=cache)
    (entry,) = entries(cache)
    keys, positions = pack_locations(document.locations)
    entry.write_bytes(marshal.dumps((FORMAT, document.sha256, "recipe", document.data, keys,
                                     positions)))  # fmt: skip
    assert cache.lookup(document.sha256, "recipe", str(path)) is not None  # the control
    for data, packed_keys, packed_positions in (
        ({"cexact": 1, "steps": "not a list"}, keys, positions),  # not a recipe any more
        (document.data, keys, positions[:-1]),  # not whole numbers
        (document.data, keys, positions + bytes(8)),  # more positions than paths
        (document.data, keys, list(positions)),  # not the packed form
        (document.data, 42, positions),
    ):
        entry.write_bytes(
            marshal.dumps((FORMAT, document.sha256, "recipe", data, packed_keys, packed_positions))
        )
        assert cache.lookup(document.sha256, "recipe", str(path)) is None


def test_an_entry_moved_onto_another_files_key_is_refused(
    tmp_path: Path, cache: ParseCache
) -> None:
    # A poisoned cache: the child's entry replaced by the mother's, so that a
    # failing child would read as its mother and pass the gate.
    mother = write(tmp_path, "m.yaml", RECIPE)
    child = write(
        tmp_path,
        "c.yaml",
        RECIPE.replace("role: mother", "role: child, mother: {site: m, version: '1.0'}").replace(
            "blades: 3", "blades: 4"
        ),
    )
    mother_document = load_valid_recipe(mother, cache=cache)
    child_document = load_valid_recipe(child, cache=cache)
    mother_entry = cache.entry_path(mother_document.sha256, "recipe")
    child_entry = cache.entry_path(child_document.sha256, "recipe")
    child_entry.write_bytes(mother_entry.read_bytes())
    assert cache.lookup(child_document.sha256, "recipe", str(child)) is None
    result = diff_files(mother, child, cache=cache)
    assert [d.path for d in result.deviations] == [
        "steps[mix].equipment[mixer].configuration.blades"
    ]
    assert not result.passed


def test_a_changed_schema_never_reuses_an_entry_validated_against_the_old_one(
    tmp_path: Path, cache: ParseCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "m.yaml", RECIPE)
    load_valid_recipe(path, cache=cache)
    sha256 = load_file(path).sha256
    assert cache.lookup(sha256, "recipe", str(path)) is not None
    original = schema_store.schema_text("recipe")
    rules_fingerprint.cache_clear()
    monkeypatch.setattr(schema_store, "schema_text", lambda name: original + " ")
    try:
        assert cache.lookup(sha256, "recipe", str(path)) is None
    finally:
        rules_fingerprint.cache_clear()


def test_a_changed_rule_never_reuses_an_entry_checked_by_the_old_one(
    tmp_path: Path, cache: ParseCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fingerprint covers the source of the rules that read and validate a
    # recipe: editing one, even without a new version number, misses the cache.
    path = write(tmp_path, "m.yaml", RECIPE)
    load_valid_recipe(path, cache=cache)
    sha256 = load_file(path).sha256
    package = tmp_path / "rules"
    package.mkdir()
    for source in (ROOT / "cexact" / "recipe").iterdir():
        if source.suffix in (".py", ".txt"):
            (package / source.name).write_bytes(source.read_bytes())
    (package / "validation.py").write_text(
        (package / "validation.py").read_text(encoding="utf-8") + "\n# a new rule\n",
        encoding="utf-8",
    )
    rules_fingerprint.cache_clear()
    monkeypatch.setattr(cache_module, "files", lambda name: package)
    try:
        assert cache.lookup(sha256, "recipe", str(path)) is None
    finally:
        rules_fingerprint.cache_clear()


# --- Locations --------------------------------------------------------------------------


def test_packed_locations_round_trip_keys_that_look_like_numbers(tmp_path: Path) -> None:
    document = load_file(write(tmp_path, "x.yaml", 'a:\n  "3": [x, {"": 1, b: 2}]\n'))
    keys, positions = pack_locations(document.locations)
    packed = PackedLocations(keys, positions)
    assert dict(packed.items()) == dict(document.locations)
    assert packed.get(("a", "3", 1, "b")) == document.locations[("a", "3", 1, "b")]
    assert packed.get(("a", 3)) is None


def test_locations_survive_separators_and_escapes_inside_keys() -> None:
    # The packing's own separators inside a key must not shift the locations of
    # everything after it. (The loader refuses control characters in recipes
    # since, but the packing must not depend on that.)
    locations = {
        (): (1, 1),
        ("a\x1fb",): (2, 1),
        ("a\x1fb", "\x1e\x1b\x1d"): (3, 3),
        ("\x1b", 0, "\x1bs"): (4, 5),
        ("\x1d7",): (5, 1),
        ("after",): (6, 1),
    }
    packed = PackedLocations(*pack_locations(locations))
    assert dict(packed.items()) == locations
    assert packed.get(("after",)) == (6, 1)
    assert packed.get(("\x1d7",)) == (5, 1) and packed.get((7,)) is None


def test_a_control_character_in_a_key_is_refused_where_it_is(tmp_path: Path) -> None:
    path = write(tmp_path, "m2.yaml", RECIPE.replace("blades: 3", '"a\\x1fb": 3'))
    with pytest.raises(RecipeLoadError, match="control character U\\+001F") as caught:
        load_file(path)
    assert (caught.value.line, caught.value.column) == (11, 39)


def test_an_empty_key_at_the_top_is_not_the_whole_document(tmp_path: Path) -> None:
    document = load_file(write(tmp_path, "x.yaml", 'x: 1\n"": 2\n'))
    packed = PackedLocations(*pack_locations(document.locations))
    assert packed.get(("",)) == (2, 1)
    assert packed.get(()) == document.locations[()]


# --- Sharing ----------------------------------------------------------------------------

_LOAD_MANY = """
import sys
from pathlib import Path
from cexact.recipe.cache import ParseCache
from cexact.recipe.reading import load_valid_recipe
cache = ParseCache(Path(sys.argv[1]))
for _ in range(40):
    for path in sys.argv[2:]:
        document = load_valid_recipe(Path(path), cache=cache)
        assert document.data["line"]["site"] == Path(path).stem, path
"""


def test_two_processes_can_share_one_cache(tmp_path: Path, cache: ParseCache) -> None:
    paths = [
        write(tmp_path, f"{site}.yaml", RECIPE.replace("site: m", f"site: {site}"))
        for site in ("a", "b", "c")
    ]
    command = [sys.executable, "-c", _LOAD_MANY, str(cache.directory), *map(str, paths)]
    workers = [subprocess.Popen(command, stderr=subprocess.PIPE) for _ in range(2)]
    for worker in workers:
        _, stderr = worker.communicate(timeout=120)
        assert worker.returncode == 0, stderr.decode()
    assert len([p for p in entries(cache) if p.suffix == ".marshal"]) == 3
    assert not [p for p in entries(cache) if p.suffix == ".tmp"]


# --- The differ's fast path -------------------------------------------------------------


@pytest.mark.parametrize("cached", [True, False])
def test_true_and_1_stay_different_inside_otherwise_equal_steps(
    tmp_path: Path, cache: ParseCache, cached: bool
) -> None:
    mother = write(tmp_path, "m.yaml", RECIPE)
    child_text = RECIPE.replace("role: mother", "role: child, mother: {site: m, version: '1.0'}")
    child = write(tmp_path, "c.yaml", child_text.replace("vacuum: true", "vacuum: 1"))
    for _ in range(2):  # the second round reads both from the cache
        result = diff_files(mother, child, cache=cache if cached else None)
        assert [(d.path, d.kind) for d in result.deviations] == [
            ("steps[mix].equipment[mixer].configuration.vacuum", DeviationKind.TYPE_CHANGED)
        ]


# --- Stored comparisons -----------------------------------------------------------------

WAIVERS = textwrap.dedent(
    """\
    cexact-waivers: 1
    waivers:
      - id: W-1
        line: demo
        site: c
        path: "steps[mix].equipment[mixer].configuration.blades"
        ground: competitive-benefit
        change_request: CR-1
        approved_by: [{name: A, role: B, date: "2026-01-01"}]
        expires: "2026-06-30"
    """
)


def _pair(tmp_path: Path) -> tuple[Path, Path]:
    mother = write(tmp_path, "m.yaml", RECIPE)
    child_text = RECIPE.replace("role: mother", "role: child, mother: {site: m, version: '1.0'}")
    child = write(tmp_path, "c.yaml", child_text.replace("site: m", "site: c", 1).replace(
        "blades: 3", "blades: 4"
    ))  # fmt: skip
    return mother, child


def test_a_repeated_diff_reads_the_stored_comparison_and_applies_todays_waivers(
    tmp_path: Path, cache: ParseCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime

    from cexact.compare.waivers import load_waiver_file

    mother, child = _pair(tmp_path)
    waivers = load_waiver_file(write(tmp_path, "w.yaml", WAIVERS))
    first = diff_files(mother, child, cache=cache, waivers=waivers, today=datetime.date(2026, 6, 1))
    assert first.passed and [d.waiver for d in first.deviations] == ["W-1"]

    def no_loading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the recipes were loaded again")

    monkeypatch.setattr("cexact.recipe.reading.load_recipe_sources", no_loading)
    later = diff_files(mother, child, cache=cache, waivers=waivers, today=datetime.date(2026, 7, 1))
    assert not later.passed  # the waiver expired in between: judged afresh
    assert [d.expired_waiver for d in later.deviations] == ["W-1"]
    assert later.deviations[0].child_location == first.deviations[0].child_location


def test_a_changed_classification_rule_is_a_new_comparison(
    tmp_path: Path, cache: ParseCache
) -> None:
    from cexact.compare.policy import ClassificationRule, Policy

    mother, child = _pair(tmp_path)
    assert not diff_files(mother, child, cache=cache).passed
    rule = ClassificationRule("**.blades", "not-compared")
    assert diff_files(mother, child, cache=cache, policy=Policy(rules=(rule,))).passed


def test_a_damaged_stored_comparison_is_ignored(tmp_path: Path, cache: ParseCache) -> None:
    mother, child = _pair(tmp_path)
    expected = diff_files(mother, child, cache=cache)
    (entry,) = cache.directory.glob("*-comparison-*.marshal")
    key = entry.name.split("-comparison-")[0]
    for damage in (
        b"",
        b"\x00junk",
        marshal.dumps((FORMAT, "comparison", "other-key", ())),
        marshal.dumps((FORMAT, "comparison", key, ({}, {}, []))),
        marshal.dumps((FORMAT, "comparison", key, ({}, {}, [("too", "short")]))),
        marshal.dumps((FORMAT, "comparison", key, ({}, {}, [(1,) * 10]))),
    ):
        entry.write_bytes(damage)
        assert diff_files(mother, child, cache=cache).deviations == expected.deviations
