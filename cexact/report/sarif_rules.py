"""The rules cexact reports under in SARIF: one per transfer stage, and three for inputs.

Each rule carries what GitHub code scanning shows beside an alert: a short and
a full description, and help (text and Markdown) that says how to resolve it.
"""

from __future__ import annotations

from typing import Any

from cexact.model import Stage
from cexact.report.code_scanning import INVALID_RULE, PAIRING_RULE, WAIVER_RULE, stage_rule_id

_RESOLVE_DEVIATION = (
    "Make the child's recipe match the mother's at this path, or, where the difference "
    "is approved, record a waiver (a `cexact-waivers: 1` file) with its change request, "
    "approvers and expiry; a waived deviation stays in the report as a note."
)

_STAGE_DESCRIPTIONS = {
    Stage.MAKE_IT_WORK: (
        "The child runs a different sequence or product than the mother line.",
        "A step is missing, added or moved in the sequence, or the product differs: "
        "the child does not run the mother's process at all (Make it work).",
    ),
    Stage.PROCESS_OUTPUT_MATCHING: (
        "A process output is specified or measured differently from the mother line.",
        "An output's target, spec limits or measurement plan differs from the mother's: "
        "the child's outputs cannot be shown to match (Process Output Matching).",
    ),
    Stage.COPY_EXACTLY: (
        "An input to the process differs from the mother line.",
        "Equipment, firmware or software, configuration, spare parts, materials and "
        "suppliers, parameter set points, units or bounds, facilities or environment "
        "differ from the mother's: everything that might affect the process must be "
        "copied (Copy Exactly).",
    ),
    Stage.SYSTEM_SYNERGY: (
        "A manufacturing system or procedure differs from the mother line.",
        "MES, process control, recipe management or maintenance systems, procedures, "
        "standard work or training differ from the mother's (System Synergy).",
    ),
}

_OTHER_RULES = {
    INVALID_RULE: (
        "InvalidRecipe",
        "An input file does not load or does not validate.",
        "A recipe, waiver or project file is not valid YAML, breaks cexact's loading "
        "rules or does not validate against its JSON Schema; it was not compared.",
        "Fix the file at the place named: `cexact validate FILE` lists every finding, and "
        "`cexact schema recipe` (or `waivers`, `project`) prints the schema it must meet.",
    ),
    PAIRING_RULE: (
        "LinePairing",
        "A line has no mother recipe, or more than one.",
        "Every child site is compared with its line's one mother recipe; a line "
        "without exactly one mother recipe in the folder cannot be checked.",
        "Give the line exactly one recipe with `line.role: mother` under the checked folder, "
        "or correct the child's `line.id`.",
    ),
    WAIVER_RULE: (
        "StaleWaiver",
        "A waiver has expired or covers no deviation.",
        "An expired waiver no longer covers the deviations it was approved for; a "
        "waiver that matches no deviation is stale and should be reviewed or removed.",
        "Renew an expired waiver through a new change request, or remove it once the child "
        "matches the mother; remove or correct a waiver that covers nothing (its line, site "
        "and path must name a deviation).",
    ),
}


def _rule(
    rule_id: str, name: str, short: str, full: str, resolve: str, level: str
) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {
            "text": f"{full}\n\nHow to resolve it: {resolve}",
            "markdown": f"**{short}**\n\n{full}\n\n**How to resolve it:** {resolve}",
        },
        "defaultConfiguration": {"level": level},
    }


def rules() -> list[dict[str, Any]]:
    rules = [
        {
            **_rule(
                stage_rule_id(stage),
                stage.display_name.title().replace(" ", ""),
                short,
                full,
                _RESOLVE_DEVIATION,
                "error",
            ),
            "properties": {"stage": stage.value, "rank": stage.rank},
        }
        for stage, (short, full) in _STAGE_DESCRIPTIONS.items()
    ]
    rules.extend(
        _rule(rule_id, name, short, full, resolve, "warning" if rule_id == WAIVER_RULE else "error")
        for rule_id, (name, short, full, resolve) in _OTHER_RULES.items()
    )
    return rules


RULE_INDEX = {rule["id"]: index for index, rule in enumerate(rules())}
"""Each rule id's position in `rules()` (a result's ruleIndex)."""
