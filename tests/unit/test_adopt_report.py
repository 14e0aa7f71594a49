"""`cexact adopt`'s renderers: text, JSON and Markdown present the one result, nothing more."""

from __future__ import annotations

import io
import json

import pytest

from cexact.commands.adopt import commit_message
from cexact.commands.adopt_merge import AdoptItem
from cexact.commands.adopt_results import AdoptResult, ChildAdoption
from cexact.model import Deviation, DeviationKind, Severity, Stage
from cexact.report import renderer_for

DIFF = "--- c.yaml\n+++ c.yaml\n@@ -1 +1 @@\n-a: 1\n+a: 2\n"


def _change(path: str, base: object, mother: object, stage: Stage) -> Deviation:
    return Deviation(path, DeviationKind.CHANGED, stage, Severity.MAJOR, base, mother, None, None)


def _child(*, written: bool = False, commit: str | None = None) -> ChildAdoption:
    oven = {"value": 130, "unit": "degC", "tolerance": 3}
    items = (
        AdoptItem(
            _change(
                "steps[dry].parameters.oven_temp", oven, {**oven, "value": 135}, Stage.COPY_EXACTLY
            ),
            "adopted",
        ),
        AdoptItem(
            _change(
                "steps[mix].materials[binder].supplier", "Solvay", "Arkema", Stage.COPY_EXACTLY
            ),
            "conflict",
            "Kureha",
            "WV-1",
            "the child differs",
        ),
        AdoptItem(
            _change("procedures[SOP-1].revision", "C", "D", Stage.SYSTEM_SYNERGY),
            "conflict",
            None,
            None,
            "no place in the child",
        ),
        AdoptItem(_change("systems.mes.version", "1", "2", Stage.SYSTEM_SYNERGY), "taken"),
    )
    return ChildAdoption(
        "recipes/chandler.yaml",
        "coat-line",
        "chandler",
        "recipes/mother.yaml",
        "1.0",
        "1.2",
        items,
        DIFF,
        written,
        commit,
        ("base: mother version 1.0 read at abc:recipes/mother.yaml",),
    )


def _render(fmt: str, result: AdoptResult) -> str:
    out = io.StringIO()
    renderer_for(fmt, "adopt").render_adopt(result, out)
    return out.getvalue()


def test_text_lists_adopted_and_conflicting_changes_and_the_dry_run_diff() -> None:
    text = _render("text", AdoptResult((_child(),), dry_run=True, partial=True))
    assert "cexact adopt: chandler (coat-line) mother 1.0 -> 1.2  recipes/chandler.yaml" in text
    assert "steps[dry].parameters.oven_temp: 130 degC ±3 -> 135 degC ±3" in text
    assert "base Solvay, mother Arkema, child Kureha (waiver WV-1)" in text
    assert "(no place in the child)" in text
    assert "systems.mes.version" not in text  # taken changes are counted, not listed
    assert "1 adopted, 1 already taken, 2 conflict(s); dry run: nothing written" in text
    assert DIFF in text
    assert text.endswith("conflicts remain\n")


@pytest.mark.parametrize(
    ("child", "dry_run", "partial", "outcome"),
    [
        (_child(written=True, commit="0123456789abcdef"), False, True, "committed 0123456789ab"),
        (_child(), False, False, "not written (--no-partial and conflicts remain)"),
        (_child(), False, True, "nothing to write"),
    ],
)
def test_text_says_what_happened_to_the_file(
    child: ChildAdoption, dry_run: bool, partial: bool, outcome: str
) -> None:
    text = _render("text", AdoptResult((child,), dry_run, partial, "cexact/adopt/coat-line/1.2"))
    assert outcome in text
    assert "branch: cexact/adopt/coat-line/1.2" in text
    assert DIFF not in text


def test_json_holds_every_change_with_base_mother_and_child() -> None:
    document = json.loads(_render("json", AdoptResult((_child(),), dry_run=True, partial=True)))
    assert (document["kind"], document["complete"], document["dry_run"]) == ("adopt", False, True)
    (child,) = document["children"]
    assert child["counts"] == {"adopted": 1, "taken": 1, "conflicts": 2}
    conflict = child["changes"][1]
    assert conflict == {
        "path": "steps[mix].materials[binder].supplier",
        "status": "conflict",
        "kind": "changed",
        "stage": "copy-exactly",
        "base": "Solvay",
        "mother": "Arkema",
        "child": "Kureha",
        "waiver": "WV-1",
        "reason": "the child differs",
    }
    assert child["diff"] == DIFF


def test_markdown_is_a_table_for_a_change_request() -> None:
    text = _render("markdown", AdoptResult((_child(),), dry_run=True, partial=True, branch="b/x"))
    assert text.startswith("## cexact adopt: chandler takes mother coat-line 1.0 → 1.2")
    assert (
        "| conflict | copy-exactly | `steps[mix].materials[binder].supplier` | Solvay | Arkema"
        in text
    )
    assert "Kureha (waiver WV-1)" in text
    assert "```diff\n" + DIFF + "```" in text
    assert "Branch: `b/x`" in text


def test_an_up_to_date_child_says_so() -> None:
    child = ChildAdoption("c.yaml", "l", "s", "m.yaml", "1.2", "1.2", (), "", False)
    assert "up to date: nothing to adopt" in _render("text", AdoptResult((child,), False, True))
    assert "every change adopted" in _render("text", AdoptResult((child,), False, True))


def test_the_commit_message_lists_paths_and_stages() -> None:
    message = commit_message(_child())
    assert message.splitlines()[0] == "chandler: adopt mother coat-line 1.0 -> 1.2"
    assert "- steps[dry].parameters.oven_temp (copy-exactly)" in message
    assert "- steps[mix].materials[binder].supplier (copy-exactly, waiver WV-1)" in message


def test_a_waiver_for_the_base_value_only_is_said_to_need_renewing() -> None:
    reason = "WV-1 covers the base value only, not the mother's new one"
    change = _change(
        "steps[mix].materials[binder].supplier", "Solvay", "Arkema", Stage.COPY_EXACTLY
    )
    child = ChildAdoption(
        "c.yaml", "l", "s", "m.yaml", "1.0", "1.1",
        (AdoptItem(change, "conflict", "Kureha", "WV-1", reason),), DIFF, True,
    )  # fmt: skip
    text = _render("text", AdoptResult((child,), False, True))
    assert f"child Kureha ({reason})" in text
