"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run whose tool is cexact. Rules: one per transfer stage (`cexact/<stage>`,
for example `cexact/copy-exactly`), `cexact/invalid-recipe` for an input file
that does not load or validate (recipe, waiver or project file),
`cexact/line-pairing` for a line with no mother recipe or more than one, and
`cexact/stale-waiver` for a waiver that has expired or covers nothing. Each
rule has a short and a full description and help (text and Markdown): what
the finding means and how to resolve it.

Each deviation is one result of its stage's rule, at the child file's line
and column (the mother's, for an item the child does not have). Its level:

- `error`: open, at a stage the child is required to meet;
- `warning`: open, above the required stage;
- `note`: covered by an active waiver; the result also carries a suppression
  (kind `external`, status `accepted`) whose justification names the waiver,
  its change request and expiry, located at the waiver's entry, so code
  scanning shows it as dismissed.

`message.text` is `path: mother -> child (detail)` (and, above the required
stage, that it is not required); `properties` hold stage,
kind, severity, waiver, expiredWaiver, line id and site. Input problems are
`error` results at the finding's place (line 1, column 1 when it has none);
an expired waiver is a `warning` and an unused one a `note`, at the waiver's
entry. `run.artifacts` lists every compared recipe with its sha256;
`run.properties` holds the verdict and each site's stages.

What GitHub code scanning requires (docs.github.com, "SARIF support for code
scanning"), and how cexact meets it:

- Locations: every `artifactLocation.uri` is relative to the repository root
  (see `cexact.report.repository_files`), the same from any working folder,
  with `uriBaseId` `%SRCROOT%`; `run.originalUriBaseIds` describes
  `%SRCROOT%` without a `uri`, so the file does not depend on the machine.
- Regions: `startLine`/`startColumn` are where the key or list item is
  written; the loader records only where things start, so the region ends at
  the end of that line (`endLine` = `startLine`, `endColumn` one past the last
  character that is not blank, read from the file's text), which is the key
  and its value for a scalar and the key for a mapping or list.
- Fingerprints: every result, stale waivers and input problems included, has
  `partialFingerprints.primaryLocationLineHash`, computed from the file's text
  as GitHub's upload-sarif computes it (`cexact.report.line_hash`), and a key
  of cexact's own that does not depend on lines (`cexactDeviation/v1`,
  `cexactFinding/v1` or `cexactWaiver/v1`; see `cexact.report.code_scanning`).
- `run.automationDetails.id` is `cexact/<command>/` (with `shard-K-of-N/` for
  `check --shard`, and the line and site for `diff` and `drift`), so that
  uploads of different commands, shards or sites do not replace each other.
- `run.versionControlProvenance` names the repository (its `origin` remote,
  without credentials) and the commit the compared child was read at, when
  cexact knows both.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from cexact import __version__
from cexact.compare.waivers import WaiverOutcome, WaiverStatus
from cexact.model import Deviation, Finding, GateStatus, SourceLocation
from cexact.report import Renderer
from cexact.report.code_scanning import (
    WAIVER_RULE,
    deviation_key,
    deviation_message,
    files_named,
    finding_key,
    problem_rule_id,
    stage_rule_id,
    waiver_key,
)
from cexact.report.repository_files import RepositoryFiles
from cexact.report.sarif_rules import RULE_INDEX, rules

if TYPE_CHECKING:
    from cexact.commands.check import FleetReport
    from cexact.commands.diff import DiffResult, RecipeSummary
    from cexact.commands.drift import DriftResult
    from cexact.commands.validate import ValidationReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI: str | None = None
"""The project's public home page: cexact has none yet, so the field is left out."""
SOURCE_ROOT = "%SRCROOT%"
"""The uriBaseId of every artifact location: the repository root."""

_LEVELS = {
    GateStatus.BLOCKING: "error",
    GateStatus.NOT_REQUIRED: "warning",
    GateStatus.WAIVED: "note",
}


def deviation_level(deviation: Deviation) -> str:
    return _LEVELS[deviation.gate or GateStatus.BLOCKING]


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a result sits: a file as the report names it, and a 1-based line and column."""

    file: str
    line: int
    column: int

    @classmethod
    def of(cls, location: SourceLocation) -> _Place:
        return cls(location.file, location.line, location.column)

    @classmethod
    def of_finding(cls, finding: Finding) -> _Place:
        return cls(finding.file, max(finding.line or 1, 1), max(finding.column or 1, 1))


class _Builder:
    """Locations and results of one run, all relative to the repository root."""

    def __init__(self, files: RepositoryFiles) -> None:
        self.files = files

    def artifact_location(self, file: str) -> dict[str, Any]:
        return {"uri": quote(self.files.path(file), safe="/"), "uriBaseId": SOURCE_ROOT}

    def location(self, place: _Place) -> dict[str, Any]:
        text = self.files.line(place.file, place.line)
        region = {
            "startLine": place.line,
            "startColumn": place.column,
            "endLine": place.line,
            "endColumn": max(place.column, len(text.rstrip()) + 1),
        }
        return {
            "physicalLocation": {
                "artifactLocation": self.artifact_location(place.file),
                "region": region,
            }
        }

    def result(
        self, rule_id: str, level: str, text: str, place: _Place, own_key: tuple[str, str]
    ) -> dict[str, Any]:
        key_name, key = own_key
        return {
            "ruleId": rule_id,
            "ruleIndex": RULE_INDEX[rule_id],
            "level": level,
            "message": {"text": text},
            "locations": [self.location(place)],
            "partialFingerprints": {
                "primaryLocationLineHash": self.files.line_hash(place.file, place.line),
                key_name: key,
            },
        }

    def deviation(self, check: DiffResult, deviation: Deviation) -> dict[str, Any]:
        where = deviation.child_location or deviation.mother_location
        # The differ locates every deviation on at least one side.
        assert where is not None, deviation.path
        result = self.result(
            stage_rule_id(deviation.stage),
            deviation_level(deviation),
            deviation_message(deviation, check.required),
            _Place.of(where),
            ("cexactDeviation/v1", deviation_key(check, deviation)),
        )
        if deviation.mother_location and deviation.child_location:
            mother = self.location(_Place.of(deviation.mother_location))
            result["relatedLocations"] = [{**mother, "id": 1, "message": {"text": "mother line"}}]
        if deviation.waiver:
            result["suppressions"] = [self._suppression(check, deviation.waiver)]
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

    def _suppression(self, check: DiffResult, waiver_id: str) -> dict[str, Any]:
        suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
        outcome = next((o for o in check.waivers if o.waiver.id == waiver_id), None)
        if outcome is None:
            suppression["justification"] = f"waiver {waiver_id}"
            return suppression
        waiver = outcome.waiver
        approvers = ", ".join(f"{a.name} ({a.role}, {a.date})" for a in waiver.approvals)
        suppression["justification"] = (
            f"waiver {waiver.id}: {waiver.ground}, change request {waiver.change_request}, "
            f"approved by {approvers}, expires {waiver.expires.isoformat()}"
        )
        suppression["location"] = self.location(_Place.of(waiver.location))
        return suppression

    def problem(self, finding: Finding) -> dict[str, Any]:
        key = finding_key(self.files.path(finding.file), finding)
        result = self.result(
            problem_rule_id(finding),
            "error",
            finding.message,
            _Place.of_finding(finding),
            ("cexactFinding/v1", key),
        )
        result["properties"] = {"rule": finding.rule, "path": finding.path}
        return result

    def stale_waiver(self, outcome: WaiverOutcome) -> dict[str, Any] | None:
        waiver = outcome.waiver
        if outcome.status is WaiverStatus.EXPIRED:
            level, text = "warning", f"waiver {waiver.id} expired on {waiver.expires.isoformat()}"
            if outcome.covers:
                text += f"; it no longer covers {', '.join(outcome.covers)}"
        elif outcome.status is WaiverStatus.UNUSED:
            level, text = "note", f"waiver {waiver.id} ({waiver.path}) covers no deviation"
        else:
            return None
        result = self.result(
            WAIVER_RULE,
            level,
            f"{text} ({waiver.line} / {waiver.site})",
            _Place.of(waiver.location),
            ("cexactWaiver/v1", waiver_key(outcome)),
        )
        result["properties"] = {
            "waiver": waiver.id,
            "status": outcome.status.value,
            "line": waiver.line,
            "site": waiver.site,
            "changeRequest": waiver.change_request,
        }
        return result

    def artifact(self, summary: RecipeSummary) -> dict[str, Any]:
        return {
            "location": self.artifact_location(summary.path),
            "roles": ["analysisTarget"],
            "hashes": {"sha-256": summary.sha256},
            "properties": {
                "line": summary.line_id,
                "site": summary.site,
                "role": summary.role,
                "version": summary.version,
            },
        }

    def version_control(self, checks: Sequence[DiffResult]) -> list[dict[str, Any]]:
        """The repository and commit of each compared child, where cexact knows both."""
        entries: dict[tuple[str, str], dict[str, Any]] = {}
        for check in checks:
            commit = check.child.commit
            remote = self.files.remote_url(check.child.path) if commit else None
            if commit and remote:
                entries[(remote, commit)] = {
                    "repositoryUri": remote,
                    "revisionId": commit,
                    "mappedTo": {"uriBaseId": SOURCE_ROOT},
                }
        return list(entries.values())


def sarif_document(
    checks: Sequence[DiffResult],
    problems: Sequence[Finding],
    waivers: Sequence[WaiverOutcome],
    *,
    category: str,
    properties: dict[str, Any],
    checked_folder: str | None = None,
) -> dict[str, Any]:
    """The SARIF log of one command's result; `category` ends in '/' (automationDetails.id)."""
    build = _Builder(RepositoryFiles(files_named(checks, problems, waivers), checked_folder))
    driver: dict[str, Any] = {"name": "cexact", "version": __version__}
    if INFORMATION_URI:
        driver["informationUri"] = INFORMATION_URI
    driver["rules"] = rules()
    results = [build.problem(finding) for finding in problems]
    results.extend(build.deviation(c, d) for c in checks for d in c.deviations)
    results.extend(r for r in map(build.stale_waiver, waivers) if r is not None)
    summaries = {s.path: s for c in checks for s in (c.mother, c.child)}
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": category},
        "originalUriBaseIds": {
            SOURCE_ROOT: {"description": {"text": "The root of the repository."}}
        },
    }
    provenance = build.version_control(checks)
    if provenance:
        run["versionControlProvenance"] = provenance
    run.update(
        {
            "columnKind": "unicodeCodePoints",
            "artifacts": [build.artifact(s) for s in summaries.values()],
            "results": results,
            "properties": properties,
        }
    )
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _site_properties(checks: Sequence[DiffResult], passed: bool) -> dict[str, Any]:
    return {
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
    }


def _category(*parts: str) -> str:
    return "/".join(part.replace("/", "-") for part in ("cexact", *parts)) + "/"


def _write(document: dict[str, Any], out: TextIO) -> None:
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


class SarifRenderer(Renderer):
    name = "sarif"

    def render_validation(self, report: ValidationReport, out: TextIO) -> None:
        properties = {
            "passed": report.valid,
            "files": len(report.files),
            "invalidFiles": sum(1 for f in report.files if not f.valid),
            "skipped": len(report.skipped),
        }
        document = sarif_document(
            (), report.findings, (), category=_category("validate"), properties=properties
        )
        _write(document, out)

    def render_diff(self, result: DiffResult, out: TextIO) -> None:
        self._write_comparison(result, "diff", out)

    def render_drift(self, result: DriftResult, out: TextIO) -> None:
        self._write_comparison(result.pending_view(), "drift", out)

    def _write_comparison(self, result: DiffResult, command: str, out: TextIO) -> None:
        category = _category(command, result.child.line_id, result.child.site)
        properties = _site_properties((result,), result.passed)
        _write(sarif_document((result,), (), result.waivers, category=category,
                              properties=properties), out)  # fmt: skip

    def render_fleet(self, report: FleetReport, out: TextIO) -> None:
        shard = (f"shard-{report.shard.index}-of-{report.shard.count}",) if report.shard else ()
        document = sarif_document(
            report.checks,
            report.problems,
            report.waivers,
            category=_category("check", *shard),
            properties=_site_properties(report.checks, report.passed),
            checked_folder=report.root,
        )
        _write(document, out)
