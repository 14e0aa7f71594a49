"""Properties of `cexact adopt`'s merge on generated base / mother / child triples.

For any triple: the edited text reads back as the merged data (the merge
checks it, so a failure raises); afterwards nothing the mother changed is
still pending in the child except the reported conflicts; a second adopt
changes nothing.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cexact.commands.adopt import merge_texts
from cexact.commands.adopt_merge import _related_any, plan_merge
from cexact.commands.diff import compare_documents
from cexact.recipe.loader import LoadedDocument, load_bytes

SUPPLIERS = ("Solvay", "Arkema", "Kureha", "Imerys")


def _step(index: int) -> dict[str, Any]:
    return {
        "id": f"s{index}",
        "name": f"Step {index}",
        "operation": "coating",
        "materials": [{"id": "binder", "supplier": SUPPLIERS[index % 2], "grade": "G1"}],
        "parameters": {
            "speed": {"value": 10 + index, "unit": "rpm", "tolerance": 2},
            "temp": {"value": 100 + index, "unit": "degC", "tolerance": 3},
        },
    }


def _recipe(steps: list[dict[str, Any]], *, role: str, version: str) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": "prop-line",
        "name": "Property line",
        "product": "p",
        "site": "home",
        "role": role,
        "version": version,
    }
    if role == "child":
        line.update(site="away", mother={"site": "home", "version": "1.0"})
    return {"cexact": 1, "line": line, "steps": steps}


@st.composite
def _mutated(draw: st.DrawFn, steps: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """`steps` with a few random changes: set points, tolerances, suppliers, steps in and out."""
    steps = copy.deepcopy(steps)
    for _ in range(draw(st.integers(0, 4))):
        actions = ["value", "tolerance", "supplier", "add", "remove", "move", "key"]
        if prefix == "c":  # the child may write a value in another unit, equal by cexact's rules
            actions.append("kelvin")
        action = draw(st.sampled_from(actions))
        if not steps:
            break
        i = draw(st.integers(0, len(steps) - 1))
        step = steps[i]
        if action == "value":
            step["parameters"]["speed"]["value"] = draw(st.integers(1, 99))
        elif action == "tolerance":
            if "temp" in step["parameters"]:
                step["parameters"]["temp"]["tolerance"] = draw(st.sampled_from([1, 2, 4, 5]))
        elif action == "supplier":
            step["materials"][0]["supplier"] = draw(st.sampled_from(SUPPLIERS))
        elif action == "add":
            new = _step(draw(st.integers(50, 60)))
            new["id"] = f"{prefix}{new['id']}"
            if all(s["id"] != new["id"] for s in steps):
                steps.insert(draw(st.integers(0, len(steps))), new)
        elif action == "remove" and len(steps) > 1:
            del steps[i]
        elif action == "move" and len(steps) > 1:
            moved = steps.pop(i)
            steps.insert(draw(st.integers(0, len(steps))), moved)
        elif action == "kelvin" and "temp" in step["parameters"]:
            temp = step["parameters"]["temp"]
            if temp["unit"] == "degC":
                temp.update(value=round(temp["value"] + 273.15, 2), unit="K")
        elif action == "key":
            step["parameters"].pop("temp", None) if draw(st.booleans()) else step[
                "parameters"
            ].setdefault("pressure", {"value": 5, "unit": "kPa"})
    return steps


def _text(data: dict[str, Any], flow: bool | None) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=flow, width=1000)


def _load(text: str, name: str) -> LoadedDocument:
    return load_bytes(text.encode("utf-8"), name)


@st.composite
def _triples(draw: st.DrawFn) -> tuple[str, str, str]:
    base_steps = [_step(i) for i in range(draw(st.integers(1, 5)))]
    mother_steps = draw(_mutated(base_steps, "m"))
    child_steps = draw(_mutated(base_steps, "c"))
    flow = draw(st.sampled_from([None, False]))
    mother_flow = draw(st.sampled_from([None, False]))
    return (
        _text(_recipe(base_steps, role="mother", version="1.0"), flow),
        _text(_recipe(mother_steps, role="mother", version="1.1"), mother_flow),
        _text(_recipe(child_steps, role="child", version="3.0"), flow),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_triples())
def test_after_adopt_only_the_conflicts_are_pending_and_adopt_is_idempotent(
    triple: tuple[str, str, str],
) -> None:
    base_text, mother_text, child_text = triple
    base, mother, child = (
        _load(base_text, "base"),
        _load(mother_text, "mother"),
        _load(child_text, "child"),
    )
    # A merge that leaves no step at all is refused (the result would not be a
    # valid recipe): not a triple this property is about.
    assume(plan_merge(base, mother, child).merged["steps"])
    merged = merge_texts(base, mother, child, child_text, mother_text)
    result = _load(merged.text, "result")
    assert result.data["line"]["mother"]["version"] == "1.1"
    conflicts = {item.change.path for item in merged.plan.items if item.status == "conflict"}
    gaps = compare_documents(mother, result).deviations
    for change in compare_documents(base, mother).deviations:
        if _related_any(change, gaps):
            assert change.path in conflicts, (change.path, merged.text)

    again = merge_texts(mother, mother, result, merged.text, mother_text)
    assert again.text == merged.text
