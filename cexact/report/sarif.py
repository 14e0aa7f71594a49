"""SARIF 2.1.0, for code-scanning views (GitHub code scanning, IDE SARIF viewers).

One run whose tool is cexact. Rules: one per transfer stage (`cexact/<stage>`,
for example `cexact/copy-exactly`), `cexact/invalid-recipe` for an input file
that does not load or validate (recipe, waiver or project file),
`cexact/line-pairing` for a line with no mother recipe or more than one, and
`cexact/stale-waiver` for a waiver that has expired or covers nothing.

Each deviation is one result of its stage's rule, at the child file's line
and column (the mother's, for an item the child does not have). Its level:

- `error`: open, at a stage the child is required to meet (rank at or below
  the required stage's);
- `warning`: open, above the required stage;
- `note`: covered by an active waiver; the result also carries a suppression
  (kind `external`, status `accepted`) whose justification names the waiver,
  its change request and expiry, located at the waiver's entry, so code
  scanning shows it as dismissed.

`message.text` is `path: mother -> child (detail)`; `properties` hold stage,
kind, severity, waiver, expiredWaiver, line id and site. `partialFingerprints`
identify a deviation by line, site, path and kind, so a result keeps its
identity when lines move in the file. Input problems are `error` results at
the finding's place; an expired waiver is a `warning` and an unused one a
`note`, at the waiver's entry. `run.artifacts` lists every compared recipe
with its sha256; `run.properties` holds the verdict and each site's stages.

URIs are the paths as given (relative ones stay relative, for the repository
root), with `/` separators and percent-encoding where a URI needs it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from cexact import __version__
from cexact.compare.waivers import WaiverOutcome, WaiverStatus
from cexact.model import Deviation, Finding, GateStatus, SourceLocation, Stage
from cexact.report import Renderer
from cexact.report.formatting import format_change

if TYPE_CHECKING:
    from cexact.commands.check import FleetReport
    from cexact.commands.diff import DiffResult, RecipeSummary

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI: str | None = None
"""The project's public home page: cexact has none yet, so the field is left out."""

INVALID_RULE = "cexact/invalid-recipe"
PAIRING_RULE = "cexact/line-pairing"
WAIVER_RULE = "cexact/stale-waiver"

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
    ),
    PAIRING_RULE: (
        "LinePairing",
        "A line has no mother recipe, or more than one.",
        "Every child site is compared with its line's one mother recipe; a line "
        "without exactly one mother recipe in the folder cannot be checked.",
    ),
    WAIVER_RULE: (
        "StaleWaiver",
        "A waiver has expired or covers no deviation.",
        "An expired waiver no longer covers the deviations it was approved for; a "
        "waiver that matches no deviation is stale and should be reviewed or removed.",
    ),
}


def stage_rule_id(stage: Stage) -> str:
    return f"cexact/{stage.value}"


def _rules() -> list[dict[str, Any]]:
    rules = [
        {
            "id": stage_rule_id(stage),
            "name": stage.display_name.title().replace(" ", ""),
            "shortDescription": {"text": short},
            "fullDescription": {"text": full},
            "defaultConfiguration": {"level": "error"},
            "properties": {"stage": stage.value, "rank": stage.rank},
        }
        for stage, (short, full) in _STAGE_DESCRIPTIONS.items()
    ]
    rules.extend(
        {
            "id": rule_id,
            "name": name,
            "shortDescription": {"text": short},
            "fullDescription": {"text": full},
            "defaultConfiguration": {"level": "warning" if rule_id == WAIVER_RULE else "error"},
        }
        for rule_id, (name, short, full) in _OTHER_RULES.items()
    )
    return rules


_RULE_INDEX = {rule["id"]: index for index, rule in enumerate(_rules())}


def artifact_uri(path: str) -> str:
    """A path as given, as a URI reference: relative stays relative, absolute is file:."""
    windows = PureWindowsPath(path)
    if windows.drive and windows.is_absolute():
        return "file:///" + quote(windows.as_posix(), safe="/:")
    posix = windows.as_posix() if "\\" in path else path
    if PurePosixPath(posix).is_absolute():
        return "file://" + quote(posix, safe="/")
    return quote(posix, safe="/")


def _location(file: str, line: int | None = None, column: int | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(file)}}
    if line is not None and line >= 1:
        region: dict[str, Any] = {"startLine": line}
        if column is not None and column >= 1:
            region["startColumn"] = column
        physical["region"] = region
    return {"physicalLocation": physical}


def _source(location: SourceLocation) -> dict[str, Any]:
    return _location(location.file, location.line, location.column)


_LEVELS = {
    GateStatus.BLOCKING: "error",
    GateStatus.NOT_REQUIRED: "warning",
    GateStatus.WAIVED: "note",
}


def deviation_level(deviation: Deviation) -> str:
    return _LEVELS[deviation.gate or GateStatus.BLOCKING]


def deviation_text(deviation: Deviation) -> str:
    mother_text, child_text = format_change(deviation)
    notes = [deviation.detail] if deviation.detail else []
    if deviation.waiver:
        notes.append(f"waived by {deviation.waiver}")
    if deviation.expired_waiver:
        notes.append(f"waiver {deviation.expired_waiver} has expired")
    suffix = f" ({'; '.join(notes)})" if notes else ""
    return f"{deviation.path}: {mother_text} -> {child_text}{suffix}"


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _result(rule_id: str, level: str, text: str, locations: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "ruleId": rule_id,
        "ruleIndex": _RULE_INDEX[rule_id],
        "level": level,
        "message": {"text": text},
        "locations": locations,
    }


def _deviation_result(check: DiffResult, deviation: Deviation) -> dict[str, Any]:
    where = deviation.child_location or deviation.mother_location
    result = _result(
        stage_rule_id(deviation.stage),
        deviation_level(deviation),
        deviation_text(deviation),
        [_source(where)] if where else [],
    )
    if deviation.mother_location and deviation.child_location:
        result["relatedLocations"] = [
            {**_source(deviation.mother_location), "id": 1, "message": {"text": "mother line"}}
        ]
    result["partialFingerprints"] = {
        "cexactDeviation/v1": _fingerprint(
            check.child.line_id, check.child.site, deviation.path, deviation.kind.value
        )
    }
    if deviation.waiver:
        outcome = next((o for o in check.waivers if o.waiver.id == deviation.waiver), None)
        suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
        if outcome is None:
            suppression["justification"] = f"waiver {deviation.waiver}"
        else:
            waiver = outcome.waiver
            approvers = ", ".join(f"{a.name} ({a.role}, {a.date})" for a in waiver.approvals)
            suppression["justification"] = (
                f"waiver {waiver.id}: {waiver.ground}, change request {waiver.change_request}, "
                f"approved by {approvers}, expires {waiver.expires.isoformat()}"
            )
            suppression["location"] = _source(waiver.location)
        result["suppressions"] = [suppression]
    result["properties"] = {
        "stage": deviation.stage.value,
        "kind": deviation.kind.value,
        "severity": deviation.severity.value,
        "waiver": deviation.waiver,
        "expiredWaiver": deviation.expired_waiver,
        "line": check.child.line_id,
        "site": check.child.site,
        "required": check.required.value,
    }
    return result


def _problem_result(finding: Finding) -> dict[str, Any]:
    rule_id = PAIRING_RULE if finding.rule == "fleet" else INVALID_RULE
    result = _result(
        rule_id, "error", finding.message, [_location(finding.file, finding.line, finding.column)]
    )
    result["properties"] = {"rule": finding.rule, "path": finding.path}
    return result


def _waiver_result(outcome: WaiverOutcome) -> dict[str, Any] | None:
    waiver = outcome.waiver
    if outcome.status is WaiverStatus.EXPIRED:
        level, text = "warning", f"waiver {waiver.id} expired on {waiver.expires.isoformat()}"
        if outcome.covers:
            text += f"; it no longer covers {', '.join(outcome.covers)}"
    elif outcome.status is WaiverStatus.UNUSED:
        level, text = "note", f"waiver {waiver.id} ({waiver.path}) covers no deviation"
    else:
        return None
    result = _result(WAIVER_RULE, level, f"{text} ({waiver.line} / {waiver.site})", [])
    result["locations"] = [_source(waiver.location)]
    result["properties"] = {
        "waiver": waiver.id,
        "status": outcome.status.value,
        "line": waiver.line,
        "site": waiver.site,
        "changeRequest": waiver.change_request,
    }
    return result


def _artifact(summary: RecipeSummary) -> dict[str, Any]:
    return {
        "location": {"uri": artifact_uri(summary.path)},
        "roles": ["analysisTarget"],
        "hashes": {"sha-256": summary.sha256},
        "properties": {
            "line": summary.line_id,
            "site": summary.site,
            "role": summary.role,
            "version": summary.version,
        },
    }


def sarif_document(
    checks: Sequence[DiffResult],
    problems: Sequence[Finding],
    waivers: Sequence[WaiverOutcome],
    passed: bool,
) -> dict[str, Any]:
    driver: dict[str, Any] = {"name": "cexact", "version": __version__}
    if INFORMATION_URI:
        driver["informationUri"] = INFORMATION_URI
    driver["rules"] = _rules()
    results = [_problem_result(finding) for finding in problems]
    results.extend(_deviation_result(c, d) for c in checks for d in c.deviations)
    results.extend(r for r in map(_waiver_result, waivers) if r is not None)
    summaries = {s.path: s for c in checks for s in (c.mother, c.child)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "columnKind": "unicodeCodePoints",
                "artifacts": [_artifact(s) for s in summaries.values()],
                "results": results,
                "properties": {
                    "passed": passed,
                    "sites": [
                        {
                            "line": c.child.line_id,
                            "site": c.child.site,
                            "required": c.required.value,
                            "achieved": c.achieved.value if c.achieved else "none",
                            "passed": c.passed,
                        }
                        for c in checks
                    ],
                },
            }
        ],
    }


def _write(document: dict[str, Any], out: TextIO) -> None:
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


class SarifRenderer(Renderer):
    name = "sarif"

    def render_diff(self, result: DiffResult, out: TextIO) -> None:
        _write(sarif_document((result,), (), result.waivers, result.passed), out)

    def render_fleet(self, report: FleetReport, out: TextIO) -> None:
        _write(sarif_document(report.checks, report.problems, report.waivers, report.passed), out)
