"""Short, readable forms of recipe values, shared by the human-facing formats."""

from __future__ import annotations

import json
import re
from pathlib import PurePath
from typing import Any

from cexact.commands.diff import DiffResult
from cexact.commands.fleet_sites import NotCompared, UncomparedSite
from cexact.compare.gate import StageCount, StageState
from cexact.model import Deviation, DeviationKind, Finding, Stage, WaiverMiss, WaiverMissReason

MAX_VALUE_WIDTH = 60
"""How long a structured value may be in the CI formats' one-line messages."""

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


def format_value(value: Any, limit: int | None = MAX_VALUE_WIDTH) -> str:
    """`130 degC ±2`, `"ISO 6"`, `step coating (Coating)`, or compact JSON.

    Compact JSON longer than `limit` is shortened with `…` (None: never; the
    formats people read in full pass None)."""
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
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def format_change(deviation: Deviation, limit: int | None = MAX_VALUE_WIDTH) -> tuple[str, str]:
    """(mother side, child side) as shown to a person."""
    if deviation.kind is DeviationKind.MOVED:
        return f"position {deviation.mother}", f"position {deviation.child}"
    return format_value(deviation.mother, limit), format_value(deviation.child, limit)


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


_STATE_LABELS = {
    StageState.MET: "met",
    StageState.OPEN: "not met",
    StageState.OPEN_NOT_REQUIRED: "not met (not required)",
    StageState.NOT_REACHED: "not reached",
}


def stage_state_label(count: StageCount) -> str:
    """`met`, `not met` (open deviations of its own) or `not reached` (a lower stage's)."""
    return _STATE_LABELS[count.state]


def waiver_notes(deviation: Deviation, arrow: str = "->") -> tuple[str, ...]:
    """What the waivers did with a deviation, in words: covered, expired, or why not."""
    notes = []
    if deviation.waiver:
        notes.append(f"waived by {deviation.waiver}")
    if deviation.expired_waiver:
        notes.append(f"waiver {deviation.expired_waiver} has expired")
    if deviation.waiver_miss is not None:
        notes.append(waiver_miss_text(deviation.waiver_miss, deviation, arrow))
    return tuple(notes)


def waiver_miss_text(miss: WaiverMiss, deviation: Deviation, arrow: str = "->") -> str:
    """`WV-WR-001 covers 12 -> 13 N only`, or that the waiver is not approved yet."""
    if miss.reason is WaiverMissReason.NOT_YET_APPROVED:
        return f"{miss.waiver} is not active before its approval on {miss.approved_on}"
    return f"{miss.waiver} covers {waiver_covers(miss, deviation, arrow)} only"


def waiver_covers(miss: WaiverMiss, deviation: Deviation, arrow: str = "->") -> str:
    """The values a waiver covers, as they differ from the deviation's: `12 -> 13 N`."""
    if miss.has_mother and miss.has_child:
        return value_change(miss.mother, miss.child, deviation, arrow)
    if miss.has_mother:
        return f"mother value {format_value(miss.mother, None)}"
    return f"child value {format_value(miss.child, None)}"


def value_change(mother: Any, child: Any, deviation: Deviation, arrow: str = "->") -> str:
    """`12 -> 13 N`: a quantity's unit once, its tolerances only where they differ
    from the deviation's (else they are not what the waiver is about)."""
    if _quantity(mother) and _quantity(child) and mother["unit"] == child["unit"]:
        same_tolerances = mother.get("tolerance") == _tolerance(deviation.mother) and child.get(
            "tolerance"
        ) == _tolerance(deviation.child)
        if same_tolerances:
            return (
                f"{format_value(mother['value'], None)} {arrow} "
                f"{format_value(child['value'], None)} "
                f"{mother['unit']}"
            )
    return f"{format_value(mother, None)} {arrow} {format_value(child, None)}"


def _quantity(value: Any) -> bool:
    return isinstance(value, dict) and "value" in value and "unit" in value


def _tolerance(value: Any) -> Any:
    return value.get("tolerance") if isinstance(value, dict) else None


_NOT_COMPARED = {
    NotCompared.INVALID: "its recipe is invalid",
    NotCompared.NO_MOTHER: "its line has no mother recipe",
    NotCompared.MOTHER_INVALID: "its mother recipe is invalid",
    NotCompared.SEVERAL_MOTHERS: "its line has more than one mother recipe",
}


def not_compared_text(site: UncomparedSite) -> str:
    """Why a child site of the fleet was not compared: `its recipe is invalid (2 errors)`."""
    text = _NOT_COMPARED[site.reason]
    if site.reason is NotCompared.INVALID:
        text += f" ({site.errors} error{'s' if site.errors != 1 else ''})"
    if site.reason is NotCompared.MOTHER_INVALID and site.mother:
        text += f" ({site.mother})"
    return f"not compared: {text}"


def row_verdict(row: DiffResult | UncomparedSite) -> str:
    """A fleet row's verdict: PASS, FAIL, INVALID (its recipe) or NOT COMPARED."""
    if isinstance(row, UncomparedSite):
        return "INVALID" if row.reason is NotCompared.INVALID else "NOT COMPARED"
    return "PASS" if row.passed else "FAIL"


def waivers_not_applied_text(findings: tuple[Finding, ...]) -> str:
    """`waivers not applied: waivers.yaml:62 invalid` ('' when every waiver file loaded)."""
    if not findings:
        return ""
    files = ", ".join(
        f"{PurePath(f.file).name}{f':{f.line}' if f.line else ''} invalid" for f in findings
    )
    return f"waivers not applied: {files}"
