"""Short, readable forms of recipe values, shared by the human-facing formats."""

from __future__ import annotations

import json
import re
from typing import Any

from cexact.compare.gate import StageCount, StageState
from cexact.model import Deviation, DeviationKind, Stage

MAX_VALUE_WIDTH = 60

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """`text` with every control character but tab and line feed written as `\\xNN`.

    Recipes cannot hold control characters, but file names, git authors and
    commit messages can: none of them may reach a terminal or a report as
    control codes (an ESC[2J would clear the reader's screen).
    """
    if text.isprintable():
        return text
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def format_value(value: Any) -> str:
    """`130 degC ±2`, `"ISO 6"`, `step coating (Coating)`, or compact JSON."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "value" in value and "unit" in value:
            text = f"{format_value(value['value'])} {value['unit']}"
            if "tolerance" in value:
                text += f" ±{format_value(value['tolerance'])}"
            return text
        if {"n", "mean", "std"} <= value.keys():  # measured output statistics
            return (
                f"mean {format_value(value['mean'])}, sd {format_value(value['std'])} "
                f"(n={value['n']})"
            )
        if "id" in value:
            label = value.get("name") or value.get("model") or value.get("grade") or ""
            return f"{value['id']} ({label})" if label else str(value["id"])
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= MAX_VALUE_WIDTH else text[: MAX_VALUE_WIDTH - 1] + "…"


def format_change(deviation: Deviation) -> tuple[str, str]:
    """(mother side, child side) as shown to a person."""
    if deviation.kind is DeviationKind.MOVED:
        return f"position {deviation.mother}", f"position {deviation.child}"
    return format_value(deviation.mother), format_value(deviation.child)


def stage_cell(count: StageCount) -> tuple[str, str]:
    """A fleet-matrix cell: (text, state) with state met | failed | waived | not-required."""
    waived = f" ({count.waived} waived)" if count.waived else ""
    if count.state is StageState.MET:
        return f"met{waived}", "waived" if count.waived else "met"
    if count.state is StageState.NOT_REACHED:
        return "not reached", "failed" if count.required else "not-required"
    return f"{count.open} open{waived}", "failed" if count.required else "not-required"


def achieved_label(achieved: Stage | None) -> str:
    return achieved.display_name if achieved is not None else "none"
