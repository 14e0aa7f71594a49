"""Acceptance tests for `cexact diff`: one test per folder under tests/cases.

Every folder under tests/cases is a case, found automatically (the test id is
the folder name). A case holds:

- ``mother.yaml``: the mother line's recipe;
- ``child.yaml``: the child site's recipe;
- ``expected.yaml``: what `cexact diff` must report (format below);
- ``cexact.yaml`` (optional): a project/policy file, passed with ``--policy``;
- ``waivers.yaml`` (optional): found by cexact itself beside the child recipe.

The test runs::

    cexact diff mother.yaml child.yaml --format json --no-cache \\
        [--require STAGE] [--policy cexact.yaml]

validates the JSON against schemas/report.schema.json, and checks the exit
code, ``achieved``, ``passed``, the per-stage counts and the complete list of
deviations, in order.

``expected.yaml`` format::

    description: one line saying what the case shows
    require: copy-exactly        # optional; passed as --require
    today: 2026-06-01            # optional; passed as --today (waiver expiry)
    waivers:                     # optional: every waiver for the child site
      - {id: W-1, status: active, covers: ["steps[mix].parameters.speed"]}
    exit_code: 1                 # 0 when achieved >= required, else 1
    achieved: process-output-matching
                                 # none, make-it-work, process-output-matching,
                                 # copy-exactly or system-synergy
    deviations:                  # ALL deviations, in the order reported
      - path: "steps[mix].parameters.speed"
        kind: changed            # added, removed, changed, moved, type-changed
        stage: copy-exactly
        severity: minor          # major or minor
        mother: {value: 30, unit: rpm}   # optional: the mother's value (null: none;
        child: 31                        #   1-based positions for moves)
        mother_line: 35          # optional: line of mother_location
        child_line: 36           # optional: line of child_location
        waiver: W-1              # optional: the active waiver covering it
        expired_waiver: W-0      # optional: an expired waiver that would have

``passed`` is not written in expected.yaml: it is checked to be
``exit_code == 0``. The deviations list is compared as a whole: a missing, extra
or out-of-order deviation fails the case. Numbers compare by value (60 == 60.0).
Write the expectation from the domain rules before running the case; never
copy it from the tool's output.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import Run

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "cexact" / "schemas"
CASES_DIR = ROOT / "tests" / "cases"
REPORT_SCHEMA = SCHEMA_DIR / "report.schema.json"

STAGES = ("make-it-work", "process-output-matching", "copy-exactly", "system-synergy")
ACHIEVED = ("none", *STAGES)
KINDS = ("added", "removed", "changed", "moved", "type-changed")
SEVERITIES = ("major", "minor")
REQUIRED_FIELDS = ("path", "kind", "stage", "severity")
OPTIONAL_FIELDS = ("mother", "child", "mother_line", "child_line", "waiver", "expired_waiver")
CASE_FIELDS = {"description", "require", "exit_code", "achieved", "deviations", "today", "waivers"}

CASE_FOLDERS = sorted(p for p in CASES_DIR.iterdir() if p.is_dir()) if CASES_DIR.is_dir() else []


@cache
def report_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def load_expected(folder: Path) -> dict[str, Any]:
    """Read and sanity-check expected.yaml, so that a typo fails loudly."""
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(expected, dict), f"{folder.name}/expected.yaml: not a mapping"
    unknown = set(expected) - CASE_FIELDS
    assert not unknown, f"{folder.name}/expected.yaml: unknown fields {sorted(unknown)}"
    assert isinstance(expected.get("description"), str), "expected.yaml needs a description"
    assert expected.get("exit_code") in (0, 1), "expected.yaml: exit_code must be 0 or 1"
    assert expected.get("achieved") in ACHIEVED, f"expected.yaml: achieved not in {ACHIEVED}"
    if "require" in expected:
        assert expected["require"] in STAGES, f"expected.yaml: require not in {STAGES}"
    deviations = expected.get("deviations")
    assert isinstance(deviations, list), "expected.yaml: deviations must be a list"
    for index, deviation in enumerate(deviations):
        where = f"{folder.name}/expected.yaml deviations[{index}]"
        assert isinstance(deviation, dict), f"{where}: not a mapping"
        missing = [f for f in REQUIRED_FIELDS if f not in deviation]
        assert not missing, f"{where}: missing {missing}"
        extra = set(deviation) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS)
        assert not extra, f"{where}: unknown fields {sorted(extra)}"
        assert deviation["kind"] in KINDS, f"{where}: kind not in {KINDS}"
        assert deviation["stage"] in STAGES, f"{where}: stage not in {STAGES}"
        assert deviation["severity"] in SEVERITIES, f"{where}: severity not in {SEVERITIES}"
    return expected


def same_value(expected: Any, actual: Any) -> bool:
    """Equality of YAML/JSON values: 60 == 60.0, but true != 1 and "2" != 2."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return float(expected) == float(actual)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            same_value(expected[k], actual[k]) for k in expected
        )
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            same_value(e, a) for e, a in zip(expected, actual, strict=True)
        )
    return type(expected) is type(actual) and expected == actual


def summary(deviation: dict[str, Any]) -> str:
    return " ".join(str(deviation.get(f)) for f in REQUIRED_FIELDS)


def location_line(location: dict[str, Any] | None) -> int | None:
    return None if location is None else location["line"]


def compare_deviations(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> list[str]:
    """Every difference between the expected and the reported lists, as readable lines."""
    problems: list[str] = []
    expected_summaries = [summary(d) for d in expected]
    actual_summaries = [summary(d) for d in actual]
    if expected_summaries != actual_summaries:
        problems.append("deviations (path kind stage severity) differ:")
        problems.append("  expected:")
        problems.extend(f"    {i}: {s}" for i, s in enumerate(expected_summaries))
        problems.append("  reported:")
        problems.extend(f"    {i}: {s}" for i, s in enumerate(actual_summaries))
        missing = [s for s in expected_summaries if s not in actual_summaries]
        extra = [s for s in actual_summaries if s not in expected_summaries]
        if missing:
            problems.append("  missing: " + "; ".join(missing))
        if extra:
            problems.append("  extra:   " + "; ".join(extra))
        if not missing and not extra:
            problems.append("  (same deviations, different order)")
        return problems
    for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
        for side in ("mother", "child"):
            if side in want and not same_value(want[side], got[side]):
                problems.append(
                    f"deviation {index} {want['path']}: {side} value expected "
                    f"{want[side]!r}, reported {got[side]!r}"
                )
            line_key = f"{side}_line"
            if line_key in want:
                got_line = location_line(got[f"{side}_location"])
                if got_line != want[line_key]:
                    problems.append(
                        f"deviation {index} {want['path']}: {line_key} expected "
                        f"{want[line_key]}, reported {got_line} ({got[f'{side}_location']})"
                    )
    return problems


@pytest.mark.parametrize("folder", CASE_FOLDERS, ids=[p.name for p in CASE_FOLDERS])
def test_diff_case(folder: Path, run_cexact: Run) -> None:
    expected = load_expected(folder)
    args: list[str | Path] = [
        "diff",
        folder / "mother.yaml",
        folder / "child.yaml",
        "--format",
        "json",
        "--no-cache",
    ]
    if "require" in expected:
        args += ["--require", expected["require"]]
    if (folder / "cexact.yaml").is_file():
        args += ["--policy", folder / "cexact.yaml"]
    if "today" in expected:
        args += ["--today", str(expected["today"])]

    result = run_cexact(*args)
    context = f"case {folder.name}: {expected['description']}\nstderr:\n{result.stderr}"
    assert result.exit_code in (0, 1), f"exit {result.exit_code}, not a diff result\n{context}"
    report = json.loads(result.stdout)
    errors = sorted(report_validator().iter_errors(report), key=lambda e: list(e.path))
    assert not errors, "report does not match report.schema.json:\n" + "\n".join(
        f"  {'/'.join(map(str, e.path))}: {e.message}" for e in errors
    )

    problems = compare_deviations(expected["deviations"], report["deviations"])
    if report["achieved"] != expected["achieved"]:
        problems.append(f"achieved: expected {expected['achieved']}, reported {report['achieved']}")
    required = expected.get("require", "copy-exactly")
    if report["required"] != required:
        problems.append(f"required: expected {required}, reported {report['required']}")
    if report["passed"] is not (expected["exit_code"] == 0):
        problems.append(
            f"passed: expected {expected['exit_code'] == 0}, reported {report['passed']}"
        )
    if result.exit_code != expected["exit_code"]:
        problems.append(f"exit code: expected {expected['exit_code']}, got {result.exit_code}")
    expected_counts = {
        stage: (
            sum(1 for d in expected["deviations"] if d["stage"] == stage and not d.get("waiver")),
            sum(1 for d in expected["deviations"] if d["stage"] == stage and d.get("waiver")),
        )
        for stage in STAGES
    }
    reported_counts = {
        stage: (report["counts"][stage]["open"], report["counts"][stage]["waived"])
        for stage in STAGES
    }
    if reported_counts != expected_counts:
        problems.append(
            f"(open, waived) counts: expected {expected_counts}, reported {reported_counts}"
        )
    pairs = zip(expected["deviations"], report["deviations"], strict=False)  # lengths checked above
    for index, (want, got) in enumerate(pairs):
        for field in ("waiver", "expired_waiver"):
            if want.get(field) != got[field]:
                problems.append(
                    f"deviation {index} {field}: expected {want.get(field)}, got {got[field]}"
                )
    expected_waivers = [
        (w["id"], w["status"], list(w.get("covers", []))) for w in expected.get("waivers", [])
    ]
    reported_waivers = [(w["id"], w["status"], w["covers"]) for w in report["waivers"]]
    if expected_waivers != reported_waivers:
        problems.append(f"waivers: expected {expected_waivers}, reported {reported_waivers}")
    assert not problems, "\n".join([context.split("\nstderr:")[0], *problems])


def test_there_are_cases() -> None:
    assert len(CASE_FOLDERS) >= 25, f"expected about 25 cases in {CASES_DIR}"


def test_step_field_names_the_step(run_cexact: Run) -> None:
    """Each deviation's `step` (report.schema.json) is the step its path is in, else null."""
    folder = CASES_DIR / "mixed-all-stages"
    result = run_cexact(
        "diff", folder / "mother.yaml", folder / "child.yaml", "--format", "json", "--no-cache"
    )
    report = json.loads(result.stdout)
    wrong = []
    for deviation in report["deviations"]:
        match = re.match(r"^steps\[([^\]]+)\]", deviation["path"])
        want = match.group(1) if match else None
        if deviation["step"] != want:
            wrong.append(f"{deviation['path']}: step {deviation['step']!r}, expected {want!r}")
    assert not wrong, "\n".join(wrong)
