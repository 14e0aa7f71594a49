"""What the code-host formats share: rule ids, and keys that identify a finding across runs.

SARIF (GitHub code scanning) and GitLab Code Quality file every finding under
a rule id (`ruleId`, `check_name`) and identify it from one pipeline to the
next by a key (`partialFingerprints`, `fingerprint`). A key is built from what
the finding is about, never from its line, so it stays the same when lines
move in the file:

- a deviation: line id, site, path and kind (`steps[mix].parameters.speed`, changed);
- an input problem: the file (relative to the repository root), the rule, the
  place in the document and the message;
- a stale waiver: its id, line, site and status.

GitLab keeps one finding per fingerprint, so `UniqueKeys` tells repeats apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from cexact.compare.waivers import WaiverOutcome
from cexact.model import Deviation, Finding, GateStatus, Stage
from cexact.report.formatting import format_change

if TYPE_CHECKING:
    from cexact.commands.diff import DiffResult

INVALID_RULE = "cexact/invalid-recipe"
PAIRING_RULE = "cexact/line-pairing"
WAIVER_RULE = "cexact/stale-waiver"

_PAIRING_FINDING_RULE = "fleet"
"""`Finding.rule` of a line with no mother recipe, or more than one."""


def stage_rule_id(stage: Stage) -> str:
    """`cexact/<stage>`, for example `cexact/copy-exactly`."""
    return f"cexact/{stage.value}"


def problem_rule_id(finding: Finding) -> str:
    return PAIRING_RULE if finding.rule == _PAIRING_FINDING_RULE else INVALID_RULE


def deviation_message(deviation: Deviation, required: Stage) -> str:
    """`path: mother -> child (detail; waived by W-1)`, and why it is not required."""
    mother_text, child_text = format_change(deviation)
    notes = [deviation.detail] if deviation.detail else []
    if deviation.waiver:
        notes.append(f"waived by {deviation.waiver}")
    if deviation.expired_waiver:
        notes.append(f"waiver {deviation.expired_waiver} has expired")
    if deviation.gate is GateStatus.NOT_REQUIRED:
        notes.append(f"not required: {required.display_name} is required")
    suffix = f" ({'; '.join(notes)})" if notes else ""
    return f"{deviation.path}: {mother_text} -> {child_text}{suffix}"


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def deviation_key(check: DiffResult, deviation: Deviation) -> str:
    return _key(check.child.line_id, check.child.site, deviation.path, deviation.kind.value)


def finding_key(repository_path: str, finding: Finding) -> str:
    return _key(repository_path, finding.rule, finding.path, finding.message)


def waiver_key(outcome: WaiverOutcome) -> str:
    waiver = outcome.waiver
    return _key(waiver.id, waiver.line, waiver.site, outcome.status.value)


class UniqueKeys:
    """Keys made unique within one report: a key's n-th repeat becomes a key of its own."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, key: str) -> str:
        count = self._seen.get(key, 0) + 1
        self._seen[key] = count
        return key if count == 1 else _key(key, str(count))


def files_named(
    checks: Sequence[DiffResult], problems: Sequence[Finding], waivers: Sequence[WaiverOutcome]
) -> Iterable[str]:
    """Every file a report names: recipes compared, every location, waiver files."""
    for check in checks:
        yield check.mother.path
        yield check.child.path
        for deviation in check.deviations:
            for location in (deviation.mother_location, deviation.child_location):
                if location is not None:
                    yield location.file
        for outcome in check.waivers:
            yield outcome.waiver.location.file
    for finding in problems:
        yield finding.file
    for outcome in waivers:
        yield outcome.waiver.location.file
