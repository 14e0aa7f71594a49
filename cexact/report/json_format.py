"""JSON output: stable, documented structures for machines."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any, TextIO

from cexact import __version__
from cexact.model import AppliedFile, Deviation, Finding, SourceLocation
from cexact.report import Renderer

if TYPE_CHECKING:
    from cexact.commands.check import FleetReport
    from cexact.commands.diff import DiffResult, RecipeSummary
    from cexact.commands.drift import DriftResult
    from cexact.commands.impact_results import ImpactResult
    from cexact.commands.log import RecipeLog
    from cexact.commands.match_results import MatchReport, SiteStatistics
    from cexact.commands.validate import ValidationReport
    from cexact.compare.waivers import WaiverOutcome


def tool_record() -> dict[str, str]:
    return {"name": "cexact", "version": __version__}


def write_json(document: dict[str, Any], out: TextIO) -> None:
    # One string, then one write: json.dump's chunked writes cost twice the time.
    out.write(json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


class JsonRenderer(Renderer):
    name = "json"

    def render_validation(self, report: ValidationReport, out: TextIO) -> None:
        write_json(
            {
                "tool": tool_record(),
                "valid": report.valid,
                "files": [
                    {
                        "path": f.source,
                        "schema": f.schema_name,
                        "valid": f.valid,
                        "findings": [
                            {
                                "line": x.line,
                                "column": x.column,
                                "message": x.message,
                                "rule": x.rule,
                                "path": x.path,
                                "level": x.level,
                            }
                            for x in f.findings
                        ],
                    }
                    for f in report.files
                ],
                "skipped": list(report.skipped),
                "summary": {
                    "files": len(report.files),
                    "invalid": sum(1 for f in report.files if not f.valid),
                    "findings": len(report.findings),
                },
            },
            out,
        )

    def render_diff(self, result: DiffResult, out: TextIO) -> None:
        write_json(diff_document(result), out)

    def render_fleet(self, report: FleetReport, out: TextIO) -> None:
        write_json(fleet_document(report), out)

    def render_drift(self, result: DriftResult, out: TextIO) -> None:
        write_json(
            {
                "tool": tool_record(),
                "kind": "drift",
                "child": _recipe(result.child),
                "mother_then": _recipe(result.mother_then),
                "mother_then_commit": result.mother_then_commit,
                "mother_now": _recipe(result.mother_now),
                "required": result.required.value,
                "passed": result.passed,
                "counts": {
                    "pending": sum(1 for i in result.items if i.status == "pending"),
                    "taken": sum(1 for i in result.items if i.status == "taken"),
                },
                "notes": list(result.notes),
                "changes": [
                    {"status": item.status, **_deviation(item.change)} for item in result.items
                ],
            },
            out,
        )

    def render_impact(self, result: ImpactResult, out: TextIO) -> None:
        from cexact.report.impact_json import impact_document

        write_json(impact_document(result), out)

    def render_log(self, log: RecipeLog, out: TextIO) -> None:
        write_json(
            {
                "tool": tool_record(),
                "kind": "log",
                "path": log.path,
                "entries": [
                    {
                        "commit": entry.version.commit,
                        "author": entry.version.author,
                        "email": entry.version.email,
                        "date": entry.version.date,
                        "message": entry.version.message,
                        "recipe_version": entry.recipe_version,
                        "note": entry.note,
                        "changes": [_deviation(d) for d in entry.changes],
                    }
                    for entry in log.entries
                ],
            },
            out,
        )

    def render_match(self, report: MatchReport, out: TextIO) -> None:
        write_json(
            {
                "tool": tool_record(),
                "kind": "match",
                "passed": not report.not_matched,
                **matching_record(report),
            },
            out,
        )

    def render_waivers(self, report: FleetReport, out: TextIO) -> None:
        write_json(
            {
                "tool": tool_record(),
                "kind": "waivers",
                "today": report.today.isoformat(),
                "waivers": [waiver_record(outcome) for outcome in report.waivers],
                "problems": [finding_record(f) for f in report.problems],
            },
            out,
        )


def finding_record(finding: Finding) -> dict[str, Any]:
    return {
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
        "rule": finding.rule,
    }


def fleet_document(report: FleetReport) -> dict[str, Any]:
    """The check report as documented by cexact/schemas/check-report.schema.json."""
    failed = len(report.failed_checks)
    return {
        "tool": tool_record(),
        "kind": "check",
        "root": report.root,
        "today": report.today.isoformat(),
        "shard": str(report.shard) if report.shard else None,
        "passed": report.passed,
        "summary": {
            "sites": len(report.checks),
            "passed": len(report.checks) - failed,
            "failed": failed,
            "files": len(report.files),
            "invalid_files": sum(1 for f in report.files if not f.valid),
        },
        "problems": [finding_record(f) for f in report.problems],
        "sites": [diff_document(check) for check in report.checks],
        "waivers": [waiver_record(outcome) for outcome in report.waivers],
        "uncompared": [
            {"line_id": s.line_id, "site": s.site, "path": s.path, "reason": s.reason.value}
            for s in report.uncompared
        ],
        "projects": [applied_file_record(f) for f in report.projects],
        "waiver_files": [applied_file_record(f) for f in report.waiver_files],
    }


def diff_document(result: DiffResult) -> dict[str, Any]:
    """The diff report as documented by cexact/schemas/report.schema.json."""
    return {
        "tool": tool_record(),
        "kind": "diff",
        "mother": _recipe(result.mother),
        "child": _recipe(result.child),
        "required": result.required.value,
        "achieved": result.achieved.value if result.achieved else "none",
        "passed": result.passed,
        "counts": {c.stage.value: {"open": c.open, "waived": c.waived} for c in result.counts},
        "notes": list(result.notes),
        "deviations": [_deviation(d) for d in result.deviations],
        "waivers": [waiver_record(outcome) for outcome in result.waivers],
        "today": result.today.isoformat() if result.today else None,
        "matching": matching_record(result.matching) if result.matching else None,
        "project_file": applied_file_record(result.project_file) if result.project_file else None,
        "waiver_files": [applied_file_record(f) for f in result.waiver_files],
        "waivers_not_applied": [finding_record(f) for f in result.waivers_not_applied],
    }


def applied_file_record(file: AppliedFile) -> dict[str, str]:
    return {"path": file.path, "sha256": file.sha256}


def matching_record(report: MatchReport) -> dict[str, Any]:
    """Measured-output matching, as in report.schema.json's $defs/matching."""

    def site(stats: SiteStatistics) -> dict[str, Any]:
        return {"n": stats.n, "mean": stats.mean, "std": stats.std, "cpk": stats.cpk}

    return {
        "mother_data": report.mother_source,
        "child_data": report.child_source,
        "recipe": report.recipe_source,
        "settings": dataclasses.asdict(report.settings),
        "summary": {
            "matched": len(report.matched),
            "not_matched": len(report.not_matched),
            "insufficient_data": len(report.insufficient),
            "unverified": len(report.unverified),
        },
        "outputs": [
            {
                "step": match.step,
                "output": match.output,
                "unit": match.unit,
                "verdict": match.verdict.value,
                "reasons": list(match.reasons),
                "margin": match.margin,
                "margin_basis": match.margin_basis,
                "alpha": match.alpha,
                "tost_p": match.tost_p,
                "variance_ratio": match.variance_ratio,
                "max_variance_ratio": match.max_variance_ratio,
                "f_p": match.f_p,
                "target": match.target,
                "lsl": match.lsl,
                "usl": match.usl,
                "mother": site(match.mother),
                "child": site(match.child),
                "location": _location(match.mother_location),
            }
            for match in report.outputs
        ],
        "unverified": [{"step": step, "output": output} for step, output in report.unverified],
    }


def waiver_record(outcome: WaiverOutcome) -> dict[str, Any]:
    waiver = outcome.waiver
    return {
        "id": waiver.id,
        "status": outcome.status.value,
        "path": waiver.path,
        "covers": list(outcome.covers),
        "expires": waiver.expires.isoformat(),
        "ground": waiver.ground,
        "reason": waiver.reason,
        "change_request": waiver.change_request,
        "approved_by": [{"name": a.name, "role": a.role, "date": a.date} for a in waiver.approvals],
        "location": _location(waiver.location),
    }


def _recipe(summary: RecipeSummary) -> dict[str, Any]:
    return {
        "path": summary.path,
        "line_id": summary.line_id,
        "site": summary.site,
        "role": summary.role,
        "version": summary.version,
        "sha256": summary.sha256,
        "commit": summary.commit,
        "dirty": summary.dirty,
    }


def _location(location: SourceLocation | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"file": location.file, "line": location.line, "column": location.column}


def _deviation(deviation: Deviation) -> dict[str, Any]:
    return {
        "path": deviation.path,
        "kind": deviation.kind.value,
        "stage": deviation.stage.value,
        "severity": deviation.severity.value,
        "mother": deviation.mother,
        "child": deviation.child,
        "mother_location": _location(deviation.mother_location),
        "child_location": _location(deviation.child_location),
        "step": deviation.step,
        "detail": deviation.detail,
        "waiver": deviation.waiver,
        "expired_waiver": deviation.expired_waiver,
        "waiver_miss": _waiver_miss(deviation),
    }


def _waiver_miss(deviation: Deviation) -> dict[str, Any] | None:
    miss = deviation.waiver_miss
    if miss is None:
        return None
    record: dict[str, Any] = {"waiver": miss.waiver, "reason": miss.reason.value}
    if miss.has_mother:
        record["mother"] = miss.mother
    if miss.has_child:
        record["child"] = miss.child
    record["approved_on"] = miss.approved_on
    return record
