"""A self-contained HTML audit report: one file, no network, prints cleanly.

Sections, in order: the headline verdict (overall, and achieved against
required stage per site); the fleet matrix, a heatmap with one row per child
site and one column per stage; a bar chart of deviations by stage (inline
SVG); one deviation table per site; waivers; invalid input files and pairing
problems; the audit trail (who, when, where, with which tool, from which
files with which sha256).

A matrix cell describes the stage's own deviations:

- "met": no open deviation at this stage or below (the site achieves it);
- "N open": open deviations at this stage; red when the site must meet the
  stage (darker with more deviations), amber when it is above the required
  stage ("not required");
- "not reached": none of its own, but a lower stage has open deviations.

Waived deviations are counted in the cell ("N waived") and never make it fail.

Nothing is fetched: one <style> block, no scripts, no fonts, no images but
the inline SVG. Every text that comes from a recipe, waiver or file name is
escaped with `html.escape`. The page is plain semantic HTML (tables with
headers, lists, a description list) and reads in order without its styles; in
print, backgrounds are kept (print-color-adjust) and table rows do not break
across pages.
"""

from __future__ import annotations

import datetime
import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, TextIO

from cexact import numbers
from cexact.compare import gate
from cexact.compare.gate import StageCount, StageState
from cexact.compare.waivers import WaiverOutcome
from cexact.model import Deviation, Finding, GateStatus, SourceLocation, Stage
from cexact.report import Renderer
from cexact.report.audit_trail import AuditTrail
from cexact.report.formatting import achieved_label, format_change, visible

if TYPE_CHECKING:
    from cexact.commands.check import FleetReport, InspectedFile
    from cexact.commands.diff import DiffResult, RecipeSummary
    from cexact.commands.match import OutputMatch, SiteStatistics


def _e(value: object) -> str:
    return html.escape(visible(str(value)), quote=True)


_STYLE = """
:root { --met: #cdebd3; --waived: #dcefe9; --warn: #fbe3a6; --fail-1: #f6c9c4;
  --fail-2: #ec958c; --fail-3: #d9574b; --none: #e4e4e4; --ink: #1d1d1d; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); margin: 2em auto; max-width: 75em; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #bbb; margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.5em; }
table { border-collapse: collapse; margin: .6em 0; width: 100%; }
th, td { border: 1px solid #c8c8c8; padding: .25em .5em; text-align: left;
  vertical-align: top; }
th { background: #f1f1f1; }
table.deviations, table.waivers { table-layout: fixed; }
.deviations th:nth-child(1) { width: 27%; } .deviations th:nth-child(2) { width: 9%; }
.deviations th:nth-child(3), .deviations th:nth-child(4) { width: 18%; }
.deviations th:nth-child(5) { width: 13%; } .deviations th:nth-child(6) { width: 15%; }
.waivers th:nth-child(1) { width: 11%; } .waivers th:nth-child(2) { width: 9%; }
.waivers th:nth-child(3) { width: 38%; } .waivers th:nth-child(4) { width: 24%; }
.waivers th:nth-child(5) { width: 18%; }
code, .mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .92em;
  overflow-wrap: anywhere; }
.verdict { font-size: 1.15em; padding: .5em .8em; border-left: .5em solid; }
.pass { background: var(--met); border-color: #2e7d32; }
.fail { background: var(--fail-1); border-color: #b3261e; }
.badge { font-weight: bold; }
.met { background: var(--met); }
.met-waived { background: var(--waived); }
.warn { background: var(--warn); }
.fail-1 { background: var(--fail-1); }
.fail-2 { background: var(--fail-2); }
.fail-3 { background: var(--fail-3); color: #fff; }
.none { background: var(--none); color: #555; }
tr.open-required td.status { background: var(--fail-1); }
tr.open-above td.status { background: var(--warn); }
tr.waived td.status { background: var(--waived); }
tr.stage th { background: #e2e6ea; }
td.status-expired { background: var(--fail-1); }
td.status-unused, td.status-expiring { background: var(--warn); }
td.status-active { background: var(--waived); }
.legend span { display: inline-block; padding: 0 .5em; margin-right: .5em;
  border: 1px solid #c8c8c8; }
ul.plain { margin: 0; padding-left: 1.1em; }
dl.trail { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dl.trail dt { font-weight: bold; }
dl.trail dd { margin: 0; }
svg text { font: 12px system-ui, sans-serif; }
@media print {
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, li, svg, .verdict { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  nav { display: none; }
}
"""

_OPEN_COLOUR = "#c0392b"
_ABOVE_COLOUR = "#e0a526"
_WAIVED_COLOUR = "#5b9aa0"


@dataclass(frozen=True, slots=True)
class _Report:
    """What a page shows: a fleet check, or one diff seen as a fleet of one."""

    kind: str
    title: str
    checks: tuple[DiffResult, ...]
    problems: tuple[Finding, ...]
    waivers: tuple[WaiverOutcome, ...]
    today: datetime.date | None
    passed: bool
    root: str | None = None
    shard: str | None = None
    files: tuple[InspectedFile, ...] = ()


def _from_diff(result: DiffResult) -> _Report:
    return _Report(
        kind="diff",
        title=f"cexact diff: {result.child.site} against {result.mother.site}",
        checks=(result,),
        problems=(),
        waivers=result.waivers,
        today=result.today,
        passed=result.passed,
    )


def _from_fleet(report: FleetReport) -> _Report:
    return _Report(
        kind="check",
        title=f"cexact check: {report.root}",
        checks=report.checks,
        problems=report.problems,
        waivers=report.waivers,
        today=report.today,
        passed=report.passed,
        root=report.root,
        shard=str(report.shard) if report.shard else None,
        files=report.files,
    )


def _verdict_word(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def _site_label(check: DiffResult) -> str:
    return f"{check.child.line_id} / {check.child.site}"


def _value(text: str, location: SourceLocation | None) -> str:
    """A value, and under it the file:line:column it is written at."""
    cell = f'<span class="mono">{_e(text)}</span>'
    if location is not None:
        name = PurePath(location.file).name
        cell += (
            f'<br><small class="mono" title="{_e(location)}">'
            f"{_e(name)}:{location.line}:{location.column}</small>"
        )
    return cell


def _headers(*names: str) -> str:
    return "".join(f'<th scope="col">{_e(name)}</th>' for name in names)


class _Page:
    def __init__(self, report: _Report, audit: AuditTrail) -> None:
        self.report = report
        self.audit = audit
        self.parts: list[str] = []
        self.site_ids = {id(check): f"site-{n}" for n, check in enumerate(report.checks, 1)}

    def add(self, *parts: str) -> None:
        self.parts.extend(parts)

    def render(self) -> str:
        report = self.report
        self.add(
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            '<meta name="generator" content="cexact ',
            _e(self.audit.tool_version),
            '">\n',
            f"<title>{_e(report.title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n",
        )
        self.header()
        self.add("<main>\n")
        self.matrix()
        self.chart()
        self.deviations()
        self.waivers()
        self.problems()
        self.trail()
        self.add("</main>\n</body>\n</html>\n")
        return "".join(self.parts)

    # --- headline -------------------------------------------------------------------

    def header(self) -> None:
        report = self.report
        checks = report.checks
        verdict = _verdict_word(report.passed)
        self.add(f"<header>\n<h1>{_e(report.title)}</h1>\n")
        self.add(
            f'<p class="verdict {verdict.lower()}" id="verdict">',
            f'<strong class="badge">{verdict}</strong>: ',
        )
        if report.kind == "diff":
            check = checks[0]
            self.add(
                f"{_e(check.child.site)} achieves <strong>{_e(achieved_label(check.achieved))}"
                f"</strong>; <strong>{_e(check.required.display_name)}</strong> is required.",
            )
        else:
            passing = sum(1 for c in checks if c.passed)
            self.add(f"{passing} of {len(checks)} child site(s) achieve their required stage")
            if checks:
                lowest = gate.lowest(c.achieved for c in checks)
                required = gate.highest(c.required for c in checks)
                assert required is not None
                same = all(c.required is required for c in checks)
                self.add(
                    f"; lowest achieved: <strong>{_e(achieved_label(lowest))}</strong>; "
                    f"required: <strong>{_e(required.display_name)}</strong>"
                    f"{'' if same else ' or lower, per site'}"
                )
            if report.problems:
                files = len({p.file for p in report.problems})
                self.add(f"; {files} input file(s) with problems")
            self.add(".")
        self.add("</p>\n")
        facts = []
        if report.root is not None:
            facts.append(f"Folder <code>{_e(report.root)}</code>")
        if report.shard:
            facts.append(f"shard {_e(report.shard)}")
        if report.today:
            facts.append(f"waivers judged on {_e(report.today.isoformat())}")
        facts.append(f"generated {_e(self.audit.generated_at)}")
        text = "; ".join(facts)
        self.add(f"<p>{text[:1].upper()}{text[1:]}.</p>\n")
        self.add(
            '<nav><p>Contents: <a href="#matrix">matrix</a> · <a href="#chart">chart</a> · '
            '<a href="#deviations">deviations</a> · <a href="#waivers">waivers</a> · '
            '<a href="#problems">input problems</a> · <a href="#audit">audit trail</a></p>'
            "</nav>\n</header>\n"
        )

    # --- matrix ---------------------------------------------------------------------

    def matrix(self) -> None:
        checks = self.report.checks
        self.add('<section id="matrix">\n<h2>Stage matrix</h2>\n')
        if not checks:
            self.add("<p>No child site was compared.</p>\n</section>\n")
            return
        self.add(
            '<p class="legend">Each cell shows the stage\'s own deviations: '
            '<span class="met">met</span> no open deviation at or below the stage; '
            '<span class="fail-1">N open</span> open deviations at a stage the site must meet '
            "(darker: more); "
            '<span class="warn">N open (not required)</span> above the required stage; '
            '<span class="none">not reached</span> a lower stage has open deviations. '
            "Waived deviations are counted but never fail.</p>\n",
            '<table>\n<thead><tr><th scope="col">Line</th><th scope="col">Site</th>',
        )
        for stage in Stage.ordered():
            self.add(f'<th scope="col">{_e(stage.display_name)}</th>')
        self.add(
            '<th scope="col">Achieved</th><th scope="col">Required</th>'
            '<th scope="col">Verdict</th></tr></thead>\n<tbody>\n'
        )
        for check in checks:
            verdict = _verdict_word(check.passed)
            self.add(
                f'<tr class="site"><td>{_e(check.child.line_id)}</td>',
                f'<th scope="row"><a href="#{self.site_ids[id(check)]}">'
                f"{_e(check.child.site)}</a></th>",
            )
            for count in check.counts:
                css, text = _cell(count)
                self.add(f'<td class="{css}">{_e(text)}</td>')
            self.add(
                f"<td>{_e(achieved_label(check.achieved))}</td>",
                f"<td>{_e(check.required.display_name)}</td>",
                f'<td class="{"met" if check.passed else "fail-2"}"><strong>{verdict}'
                "</strong></td></tr>\n",
            )
        self.add("</tbody>\n</table>\n</section>\n")

    # --- chart ----------------------------------------------------------------------

    def chart(self) -> None:
        self.add('<section id="chart">\n<h2>Deviations by stage</h2>\n')
        rows = []
        for stage in Stage.ordered():
            statuses = [
                deviation.gate
                for check in self.report.checks
                for deviation in check.deviations
                if deviation.stage is stage
            ]
            rows.append(
                (
                    stage,
                    statuses.count(GateStatus.BLOCKING),
                    statuses.count(GateStatus.NOT_REQUIRED),
                    statuses.count(GateStatus.WAIVED),
                )
            )
        self.add(_bar_chart(rows), "</section>\n")

    # --- per-site deviations --------------------------------------------------------

    def deviations(self) -> None:
        self.add('<section id="deviations">\n<h2>Deviations by site</h2>\n')
        if not self.report.checks:
            self.add("<p>No child site was compared.</p>\n")
        for check in self.report.checks:
            self.site(check)
        self.add("</section>\n")

    def site(self, check: DiffResult) -> None:
        mother, child = check.mother, check.child
        verdict = _verdict_word(check.passed)
        self.add(
            f'<section id="{self.site_ids[id(check)]}">\n<h3>{_e(_site_label(check))}</h3>\n',
            f'<p><strong class="badge">{verdict}</strong>: achieved '
            f"<strong>{_e(achieved_label(check.achieved))}</strong>, required "
            f"<strong>{_e(check.required.display_name)}</strong>. Child "
            f"<code>{_e(child.path)}</code> version {_e(child.version)} against mother "
            f"{_e(mother.site)} <code>{_e(mother.path)}</code> version {_e(mother.version)}.</p>\n",
        )
        if check.notes:
            self.add('<ul class="notes">')
            self.add(*(f"<li>Note: {_e(note)}</li>" for note in check.notes))
            self.add("</ul>\n")
        if not check.deviations:
            self.add("<p>No deviations: the child copies the mother exactly.</p>\n")
            self.measured(check)
            self.add("</section>\n")
            return
        self.add(
            '<table class="deviations">\n<thead><tr>',
            _headers("Path", "Change", "Mother", "Child", "Status", "Detail"),
            "</tr></thead>\n",
        )
        for stage in Stage.ordered():
            deviations = [d for d in check.deviations if d.stage is stage]
            if not deviations:
                continue
            self.add(
                f'<tbody>\n<tr class="stage"><th colspan="6" scope="colgroup">'
                f"{_e(stage.display_name)} ({len(deviations)})</th></tr>\n"
            )
            for deviation in deviations:
                self.deviation_row(check, deviation)
            self.add("</tbody>\n")
        self.add("</table>\n")
        self.measured(check)
        self.add("</section>\n")

    def measured(self, check: DiffResult) -> None:
        """Measured outputs: verdicts, statistics, and both sites' distributions."""
        report = check.matching
        if report is None:
            return
        self.add(
            "<h4>Measured outputs</h4>\n",
            f"<p>{len(report.matched)} matched, {len(report.not_matched)} not matched, "
            f"{len(report.insufficient)} with insufficient data, {len(report.unverified)} "
            "unverified (no data at a site). Curves are normal densities from each site's "
            "mean and standard deviation; dashed lines are the spec limits, the dotted line "
            "the target.</p>\n",
            '<table class="measured">\n<thead><tr>',
            _headers("Output", "Verdict", "Mother", "Child", "Tests", "Distributions"),
            "</tr></thead>\n<tbody>\n",
        )
        for match in report.outputs:
            tests = (
                f"margin ±{match.margin:.4g} {_e(match.unit)}<br>"
                f"TOST p {_e(numbers.p_value(match.tost_p))}"
                f"<br>variance ratio {_e(numbers.short(match.variance_ratio))} (max "
                f"{match.max_variance_ratio:g})<br>F-test p {_e(numbers.p_value(match.f_p))}"
                if match.margin is not None
                else "-"
            )
            reasons = "".join(f"<br><small>{_e(reason)}</small>" for reason in match.reasons)
            self.add(
                f'<tr class="verdict-{_e(match.verdict.value)}">'
                f"<td><code>steps[{_e(match.step)}].outputs.{_e(match.output)}</code></td>"
                f"<td>{_e(match.verdict.value)}{reasons}</td>"
                f"<td>{_site_stats(match.mother, match.unit)}</td>"
                f"<td>{_site_stats(match.child, match.unit)}</td>"
                f"<td>{tests}</td><td>{_distribution_svg(match)}</td></tr>\n"
            )
        self.add("</tbody>\n</table>\n")
        if report.unverified:
            names = ", ".join(
                f"<code>steps[{_e(step)}].outputs.{_e(output)}</code>"
                for step, output in report.unverified
            )
            self.add(f'<p class="unverified">Unverified: {names}</p>\n')

    def deviation_row(self, check: DiffResult, deviation: Deviation) -> None:
        mother_text, child_text = format_change(deviation)
        if deviation.gate is GateStatus.WAIVED:
            row, status = "waived", f"waived by {deviation.waiver}"
        elif deviation.gate is GateStatus.NOT_REQUIRED:
            row, status = "open-above", "open (not required)"
        else:
            row, status = "open-required", "open"
        if deviation.expired_waiver:
            status += f"; waiver {deviation.expired_waiver} has expired"
        self.add(
            f'<tr class="{row}"><td><code>{_e(deviation.path)}</code></td>',
            f"<td>{_e(deviation.kind.value)}, {_e(deviation.severity.value)}</td>",
            f"<td>{_value(mother_text, deviation.mother_location)}</td>",
            f"<td>{_value(child_text, deviation.child_location)}</td>",
            f'<td class="status">{_e(status)}</td><td>{_e(deviation.detail)}</td></tr>\n',
        )

    # --- waivers --------------------------------------------------------------------

    def waivers(self) -> None:
        outcomes = self.report.waivers
        self.add('<section id="waivers">\n<h2>Waivers</h2>\n')
        if not outcomes:
            self.add("<p>No waiver applies.</p>\n</section>\n")
            return
        self.add(
            '<table class="waivers">\n<thead><tr>',
            _headers("Waiver", "Status", "Applies to", "Ground", "Approved by"),
            "</tr></thead>\n<tbody>\n",
        )
        for outcome in outcomes:
            waiver = outcome.waiver
            covers = "".join(f"<li><code>{_e(path)}</code></li>" for path in outcome.covers)
            ground = _e(waiver.ground) + (f" ({_e(waiver.reason)})" if waiver.reason else "")
            if waiver.justification:
                ground += f"<br>{_e(waiver.justification)}"
            approvers = "".join(
                f"<li>{_e(a.name)} ({_e(a.role)}, {_e(a.date)})</li>" for a in waiver.approvals
            )
            self.add(
                f'<tr><th scope="row">{_e(waiver.id)}</th>',
                f'<td class="status-{_e(outcome.status.value)}">{_e(outcome.status.value)}</td>',
                f"<td>{_e(waiver.line)} / {_e(waiver.site)}: <code>{_e(waiver.path)}</code>",
                "<br>change request ",
                _e(waiver.change_request),
                f"; expires {_e(waiver.expires.isoformat())}",
                f'<br><small class="mono">{_e(waiver.location)}</small>',
                f'<br>covers: <ul class="plain">{covers}</ul>' if covers else "<br>covers nothing",
                f"</td><td>{ground}</td>",
                f'<td><ul class="plain">{approvers}</ul></td></tr>\n',
            )
        self.add("</tbody>\n</table>\n</section>\n")

    # --- problems -------------------------------------------------------------------

    def problems(self) -> None:
        problems = self.report.problems
        self.add('<section id="problems">\n<h2>Invalid input files and pairing problems</h2>\n')
        if not problems:
            self.add("<p>None: every input file loaded and validated.</p>\n</section>\n")
            return
        self.add(
            '<table>\n<thead><tr><th scope="col">Where</th><th scope="col">Problem</th>'
            '<th scope="col">Rule</th></tr></thead>\n<tbody>\n'
        )
        for finding in problems:
            self.add(
                f'<tr class="open-required"><td><code>{_e(finding.where)}</code></td>',
                f'<td class="status">{_e(finding.message)}</td><td>{_e(finding.rule)}</td></tr>\n',
            )
        self.add("</tbody>\n</table>\n</section>\n")

    # --- audit trail ----------------------------------------------------------------

    def trail(self) -> None:
        audit, report = self.audit, self.report
        self.add('<section id="audit">\n<h2>Audit trail</h2>\n<dl class="trail">\n')
        facts = [
            ("Tool", f"cexact {audit.tool_version}"),
            ("Generated", audit.generated_at),
            ("User", audit.user),
            ("Host", audit.host),
            ("Command", f"cexact {report.kind}"),
        ]
        if report.root is not None:
            facts.append(("Folder", report.root))
        if report.shard:
            facts.append(("Shard", report.shard))
        if report.today:
            facts.append(("Waivers judged on", report.today.isoformat()))
        self.add(*(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>\n" for k, v in facts), "</dl>\n")
        summaries = _recipes(report.checks)
        self.add(
            "<h3>Recipes compared</h3>\n<table>\n<thead><tr>",
            _headers("Role", "Path", "Line", "Site", "Version", "SHA-256", "Git commit", "Dirty"),
            "</tr></thead>\n<tbody>\n",
        )
        for summary in summaries:
            commit = getattr(summary, "commit", None)
            dirty = getattr(summary, "dirty", None)
            self.add(
                f"<tr><td>{_e(summary.role)}</td><td><code>{_e(summary.path)}</code></td>",
                f"<td>{_e(summary.line_id)}</td><td>{_e(summary.site)}</td>",
                f"<td>{_e(summary.version)}</td><td><code>{_e(summary.sha256)}</code></td>",
                f"<td><code>{_e(commit) if commit else '-'}</code></td>",
                f"<td>{'-' if dirty is None else ('yes' if dirty else 'no')}</td></tr>\n",
            )
        if not summaries:
            self.add('<tr><td colspan="8">none</td></tr>\n')
        self.add("</tbody>\n</table>\n")
        compared = {s.path for s in summaries}
        others = [f for f in report.files if f.path not in compared]
        if others:
            self.add(
                '<h3>Other input files</h3>\n<table>\n<thead><tr><th scope="col">Path</th>'
                '<th scope="col">Kind</th><th scope="col">Valid</th></tr></thead>\n<tbody>\n'
            )
            for file in others:
                self.add(
                    f"<tr><td><code>{_e(file.path)}</code></td><td>{_e(file.kind)}</td>",
                    f"<td>{'yes' if file.valid else 'no'}</td></tr>\n",
                )
            self.add("</tbody>\n</table>\n")
        self.add("</section>\n")


def _cell(count: StageCount) -> tuple[str, str]:
    """(css class, text) of one matrix cell."""
    open_, waived = count.open, count.waived
    waived_text = f", {waived} waived" if waived else ""
    if count.state is StageState.OPEN_NOT_REQUIRED:
        return "warn", f"{open_} open (not required){waived_text}"
    if count.state is StageState.OPEN:
        level = 1 if open_ <= 2 else 2 if open_ <= 9 else 3
        return f"fail-{level}", f"{open_} open{waived_text}"
    if count.state is StageState.MET:
        return ("met-waived" if waived else "met"), f"met{waived_text}"
    return "none", f"not reached{waived_text}"


def _recipes(checks: Iterable[DiffResult]) -> list[RecipeSummary]:
    seen: dict[str, RecipeSummary] = {}
    for check in checks:
        for summary in (check.mother, check.child):
            seen.setdefault(summary.path, summary)
    return list(seen.values())


def _site_stats(stats: SiteStatistics, unit: str) -> str:
    return (
        f"n {stats.n}<br>mean {_e(numbers.short(stats.mean))} {_e(unit)}<br>"
        f"sd {_e(numbers.short(stats.std))}<br>Cpk {_e(numbers.short(stats.cpk))}"
    )


_MOTHER_COLOUR = "#3465a4"
_CHILD_COLOUR = "#e07b00"


def _distribution_svg(match: OutputMatch) -> str:
    """Both sites' normal densities side by side against the spec limits and target."""
    width, height, pad = 300, 110, 26
    sites = [
        (stats, colour)
        for stats, colour in ((match.mother, _MOTHER_COLOUR), (match.child, _CHILD_COLOUR))
        if stats.n and math.isfinite(stats.mean)
    ]
    if not sites:
        return "-"
    points = [s.mean + k * (s.std or 0.0) for s, _ in sites for k in (-4, 4)]
    points += [v for v in (match.lsl, match.usl, match.target) if v is not None]
    low, high = min(points), max(points)
    if high <= low:
        low, high = low - 1, high + 1
    span = high - low
    low, high = low - 0.05 * span, high + 0.05 * span

    def x_of(value: float) -> float:
        return pad + (value - low) / (high - low) * (width - 2 * pad)

    baseline = height - 22
    parts = [
        f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{_e(match.output)}: mother (blue) and child (orange)</title>",
        f'<line x1="{pad}" y1="{baseline}" x2="{width - pad}" y2="{baseline}" stroke="#888"/>',
    ]
    peak = max((1 / (s.std * math.sqrt(2 * math.pi)) for s, _ in sites if s.std), default=1.0)
    for stats, colour in sites:
        if not stats.std:
            x = x_of(stats.mean)
            parts.append(
                f'<line x1="{x:.1f}" y1="{baseline}" x2="{x:.1f}" y2="{pad}" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
            continue
        coordinates = []
        for index in range(81):
            value = low + (high - low) * index / 80
            density = math.exp(-0.5 * ((value - stats.mean) / stats.std) ** 2) / (
                stats.std * math.sqrt(2 * math.pi)
            )
            y = baseline - density / peak * (baseline - pad)
            coordinates.append(f"{x_of(value):.1f},{y:.1f}")
        parts.append(
            f'<polyline points="{" ".join(coordinates)}" fill="{colour}" fill-opacity="0.15" '
            f'stroke="{colour}" stroke-width="1.5"/>'
        )
    for marker, label, dash in (
        (match.lsl, "LSL", "4 3"),
        (match.usl, "USL", "4 3"),
        (match.target, "target", "1 3"),
    ):
        if marker is None:
            continue
        x = x_of(marker)
        parts.append(
            f'<line x1="{x:.1f}" y1="{pad - 4}" x2="{x:.1f}" y2="{baseline}" stroke="#a40000" '
            f'stroke-dasharray="{dash}"/>'
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" font-size="10">'
            f"{label} {marker:g}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _bar_chart(rows: Sequence[tuple[Stage, int, int, int]]) -> str:
    """Horizontal stacked bars: open at required stages, open above them, waived."""
    label_width, bar_width, row_height, top = 190, 420, 30, 30
    largest = max((sum(row[1:]) for row in rows), default=0) or 1
    height = top + row_height * len(rows) + 10
    width = label_width + bar_width + 70
    total = sum(sum(row[1:]) for row in rows)
    summary = "; ".join(
        f"{stage.display_name}: {req} open at required stages, {above} open above, {waived} waived"
        for stage, req, above, waived in rows
    )
    parts = [
        f'<svg role="img" aria-labelledby="chart-title chart-desc" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">',
        f'<title id="chart-title">Deviations by stage ({total} in all)</title>',
        f'<desc id="chart-desc">{_e(summary)}</desc>',
    ]
    legend_x = label_width
    for colour, text in (
        (_OPEN_COLOUR, "open, required"),
        (_ABOVE_COLOUR, "open, not required"),
        (_WAIVED_COLOUR, "waived"),
    ):
        parts.append(
            f'<rect x="{legend_x}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{legend_x + 16}" y="16">{text}</text>'
        )
        legend_x += 140
    for index, (stage, required, above, waived) in enumerate(rows):
        y = top + index * row_height
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">'
            f"{_e(stage.display_name)}</text>"
        )
        x = float(label_width)
        for value, colour in (
            (required, _OPEN_COLOUR),
            (above, _ABOVE_COLOUR),
            (waived, _WAIVED_COLOUR),
        ):
            if not value:
                continue
            span = bar_width * value / largest
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{span:.1f}" height="{row_height - 10}" '
                f'fill="{colour}"/>'
            )
            x += span
        count = required + above + waived
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 17}">{count}</text>')
    parts.append("</svg>\n")
    return "\n".join(parts)


class HtmlRenderer(Renderer):
    name = "html"

    def __init__(self, audit: AuditTrail | None = None) -> None:
        self.audit = audit

    def render_diff(self, result: DiffResult, out: TextIO) -> None:
        out.write(_Page(_from_diff(result), self.audit or AuditTrail.now()).render())

    def render_fleet(self, report: FleetReport, out: TextIO) -> None:
        out.write(_Page(_from_fleet(report), self.audit or AuditTrail.now()).render())
