"""deepdiff as an independent oracle for the differ.

Hypothesis generates a mother recipe and a mutated child. deepdiff compares
them with every id-keyed list turned into a mapping by id (so it matches items
by identity, as cexact does). Every leaf difference deepdiff finds must be
covered by a deviation at that path or an ancestor of it, and every deviation
must correspond to something deepdiff found (the same path, an ancestor or a
descendant). Units are not varied here (unit-equal values are tested in the
case folders), and step order is kept so that moves do not arise.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from deepdiff import DeepDiff
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cexact.commands.diff import compare_documents
from cexact.recipe.loader import LoadedDocument

KEYED_LISTS = {"steps", "equipment", "materials", "procedures", "spare_parts"}
UNITS = ("rpm", "degC", "m/min", "Pa", "percent")

texts = st.text(alphabet="abcdefghij", min_size=1, max_size=5)
numbers = st.one_of(
    st.integers(-50, 50), st.floats(-50, 50, allow_nan=False).map(lambda x: round(x, 2))
)
quantities = st.fixed_dictionaries(
    {"value": numbers, "unit": st.sampled_from(UNITS)},
    optional={"tolerance": st.integers(0, 5)},
)
settings_values = st.one_of(texts, numbers, quantities)
configurations = st.dictionaries(
    st.sampled_from(["a", "b", "c"]),
    st.one_of(settings_values, st.dictionaries(st.sampled_from(["x", "y"]), settings_values)),
    max_size=3,
)


@st.composite
def mothers(draw: st.DrawFn) -> dict[str, Any]:
    steps = []
    for index in range(draw(st.integers(1, 5))):
        step: dict[str, Any] = {
            "id": f"s{index}",
            "name": f"Step {index}",
            "operation": draw(texts),
        }
        step["parameters"] = {
            f"p{k}": draw(settings_values) for k in range(draw(st.integers(0, 4)))
        }
        step["equipment"] = [
            {
                "id": f"e{k}",
                "vendor": draw(texts),
                "model": draw(texts),
                "software": draw(texts),
                "configuration": draw(configurations),  # free-form: quantities by shape
            }
            for k in range(draw(st.integers(0, 2)))
        ]
        steps.append(step)
    return {
        "cexact": 1,
        "line": {
            "id": "demo",
            "name": "Demo",
            "product": "widget",
            "site": "m",
            "role": "mother",
            "version": "1",
        },
        "environment": {"humidity": draw(settings_values)},
        "steps": steps,
    }


@st.composite
def pairs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    mother = draw(mothers())
    child = copy.deepcopy(mother)
    child["line"].update(site="c", role="child", mother={"site": "m", "version": "1"})
    if draw(st.booleans()):
        child["environment"]["humidity"] = draw(settings_values)
    kept = []
    for step in child["steps"]:
        if draw(st.integers(0, 5)) == 0:
            continue  # removed
        for name in list(step["parameters"]):
            action = draw(st.integers(0, 4))
            if action == 0:
                del step["parameters"][name]
            elif action == 1:
                step["parameters"][name] = draw(settings_values)
        if draw(st.integers(0, 3)) == 0:
            step["parameters"]["extra"] = draw(settings_values)
        for equipment in step["equipment"]:
            if draw(st.integers(0, 3)) == 0:
                equipment["software"] = draw(texts)
            for name in list(equipment["configuration"]):
                if draw(st.integers(0, 3)) == 0:
                    equipment["configuration"][name] = draw(settings_values)
        if draw(st.integers(0, 4)) == 0:
            step["operation"] = draw(texts)
        kept.append(step)
    if draw(st.integers(0, 3)) == 0:
        kept.append({"id": "new", "name": "New", "operation": "x", "parameters": {}})
    child["steps"] = kept
    return mother, child


def _keyed(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _keyed(v, k) for k, v in value.items()}
    if isinstance(value, list) and key in KEYED_LISTS:
        return {item["id"]: _keyed(item) for item in value}
    return value


_SEGMENT = re.compile(r"\['([^']*)'\]")
_NOT_COMPARED = re.compile(r"^(line\.(name|site|role|version|mother)|cexact|steps\[[^]]+\]\.name)")


def _readable(deepdiff_path: str) -> str:
    names = _SEGMENT.findall(deepdiff_path)
    text = ""
    for previous, name in zip([None, *names], names, strict=False):
        if previous in KEYED_LISTS:
            text += f"[{name}]"
        else:
            text += f".{name}" if text else name
    return text


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith((b + ".", b + "[")) or b.startswith((a + ".", a + "["))


def _document(data: dict[str, Any], name: str) -> LoadedDocument:
    return LoadedDocument(source=name, data=data, locations={}, sha256="0" * 64)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs())
def test_deviations_match_what_deepdiff_finds(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    mother, child = pair
    result = compare_documents(_document(mother, "m.yaml"), _document(child, "c.yaml"))
    oracle = DeepDiff(
        _keyed(mother), _keyed(child), ignore_numeric_type_changes=True, threshold_to_diff_deeper=0
    )
    oracle_paths = [
        _readable(path)
        for paths in oracle.tree.values()
        for path in (item.path() for item in paths)
    ]
    oracle_paths = [p for p in oracle_paths if not _NOT_COMPARED.match(p)]
    deviation_paths = [d.path for d in result.deviations]

    for path in oracle_paths:
        assert any(path == d or path.startswith((d + ".", d + "[")) for d in deviation_paths), (
            f"deepdiff found {path} but no deviation covers it: {deviation_paths}"
        )
    for path in deviation_paths:
        assert any(_related(path, p) for p in oracle_paths), (
            f"deviation {path} has no counterpart in deepdiff: {oracle_paths}"
        )


CONVERSIONS = [("m", "mm", 1000), ("kPa", "Pa", 1000), ("min", "s", 60), ("kW", "W", 1000)]


@settings(max_examples=60, deadline=None)
@given(
    value=st.integers(-5000, 5000).map(lambda n: n / 8),  # exact in binary, so exact x1000
    conversion=st.sampled_from(CONVERSIONS),
    changed=st.booleans(),
    nested=st.booleans(),
)
def test_configuration_quantities_compare_after_conversion(
    value: float, conversion: tuple[str, str, int], changed: bool, nested: bool
) -> None:
    unit, other, factor = conversion
    written = {"value": value, "unit": unit, "tolerance": 0.5}
    converted = {"value": value * factor * (1.01 if changed and value else 1), "unit": other,
                 "tolerance": 0.5 * factor}  # fmt: skip

    def configuration(quantity: dict[str, Any]) -> dict[str, Any]:
        return {"zone": {"setting": quantity}} if nested else {"setting": quantity}

    def recipe(quantity: dict[str, Any], role: str) -> dict[str, Any]:
        line: dict[str, Any] = {"id": "l", "name": "L", "product": "p", "site": role[0],
                                "role": role, "version": "1"}  # fmt: skip
        if role == "child":
            line["mother"] = {"site": "m", "version": "1"}
        equipment = {
            "id": "e",
            "vendor": "v",
            "model": "m",
            "configuration": configuration(quantity),
        }
        steps = [{"id": "s", "name": "S", "operation": "o", "equipment": [equipment]}]
        return {"cexact": 1, "line": line, "steps": steps}

    result = compare_documents(
        _document(recipe(written, "mother"), "m.yaml"),
        _document(recipe(converted, "child"), "c.yaml"),
    )
    if changed and value:
        (deviation,) = result.deviations
        assert deviation.path.endswith(".setting") and deviation.kind.value == "changed"
    else:
        assert result.deviations == ()


def test_the_oracle_sees_an_id_keyed_change() -> None:
    """The path translation itself: a software change inside a keyed list."""
    mother: dict[str, Any] = {"steps": [{"id": "a", "equipment": [{"id": "e", "software": "1"}]}]}
    child = copy.deepcopy(mother)
    child["steps"][0]["equipment"][0]["software"] = "2"
    oracle = DeepDiff(_keyed(mother), _keyed(child))
    paths = [_readable(item.path()) for items in oracle.tree.values() for item in items]
    assert paths == ["steps[a].equipment[e].software"]
