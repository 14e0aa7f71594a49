"""`cexact adopt`'s merge, one test per folder under tests/cases-adopt (found automatically).

A case holds ``base.yaml`` (the mother as the child was transferred from it),
``mother.yaml`` (the mother now), ``child.yaml``, ``expected-child.yaml`` (the
child after adopting, byte for byte: comments and layout kept),
``waivers.yaml`` (optional) and ``expected.yaml``::

    description: what the case shows
    today: 2026-06-01            # optional: the date waivers are judged on
    exit_code: 1                 # 0 when everything was adopted, 1 with conflicts
    changes:                     # every change the mother made, in report order
      - {path: "steps[dry].parameters.oven_temp", status: adopted}
      - {path: "...", status: conflict, waiver: WV-1, child: Kureha,
         reason: "WV-1 covers the base value only, not the mother's new one"}

The base and mother are given to the core directly (no git); the git paths
are tested in test_adopt_command.py. Each case is also adopted a second time
(the result against the mother): nothing changes.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from cexact.commands.adopt import merge_texts
from cexact.commands.adopt_merge import DIFFERS
from cexact.compare.waivers import load_waiver_file
from cexact.recipe.loader import load_bytes
from cexact.recipe.reading import load_valid_recipe

CASES_DIR = Path(__file__).resolve().parents[1] / "cases-adopt"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())
CASE_FIELDS = {"description", "today", "exit_code", "changes"}


def _expected(case: Path) -> dict[str, Any]:
    expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(expected, dict)
    assert set(expected) <= CASE_FIELDS, set(expected) - CASE_FIELDS
    return expected


def test_the_cases_cover_the_issue() -> None:
    names = {case.name for case in CASES}
    assert {
        "set-point-changed",
        "tolerance-changed",
        "step-added",
        "step-removed",
        "step-moved",
        "supplier-conflict-waived",
        "child-already-matching",
        "configuration-nested",
        "comments-everywhere",
    } <= names


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_adopt_case(case: Path) -> None:
    expected = _expected(case)
    today = expected.get("today")
    assert today is None or isinstance(today, datetime.date)
    waivers = load_waiver_file(case / "waivers.yaml") if (case / "waivers.yaml").exists() else ()
    base, mother, child = (
        load_valid_recipe(case / f"{n}.yaml") for n in ("base", "mother", "child")
    )
    child_text = (case / "child.yaml").read_text(encoding="utf-8")
    mother_text = (case / "mother.yaml").read_text(encoding="utf-8")
    merged = merge_texts(base, mother, child, child_text, mother_text, waivers=waivers, today=today)

    assert merged.text == (case / "expected-child.yaml").read_text(encoding="utf-8")
    found = []
    for item in merged.plan.items:
        record: dict[str, Any] = {"path": item.change.path, "status": item.status}
        if item.status == "conflict":
            record["child"] = item.child
            if item.waiver:
                record["waiver"] = item.waiver
            if item.reason != DIFFERS:
                record["reason"] = item.reason
        found.append(record)
    assert found == expected["changes"]
    conflicts = any(item.status == "conflict" for item in merged.plan.items)
    assert expected["exit_code"] == (1 if conflicts else 0)

    # Adopting again (the result, now transferred from the mother now) changes nothing.
    again = load_bytes(merged.text.encode("utf-8"), "again.yaml")
    second = merge_texts(
        mother, mother, again, merged.text, mother_text, waivers=waivers, today=today
    )
    assert second.text == merged.text
    assert all(item.status != "adopted" for item in second.plan.items)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_untouched_lines_stay_byte_for_byte(case: Path) -> None:
    """Every line of the child that is not part of an adopted change is kept as written."""
    before = (case / "child.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    after = (case / "expected-child.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = sum(1 for line in before if line in after)
    changed = len(_expected(case)["changes"]) * 12 + 1  # a step block is at most a dozen lines
    assert len(before) - kept <= changed
