"""`cexact impact`'s core on a small hand-built fleet, against expectations written out
by hand (the gate is not re-derived here: each child's verdict is stated).

The current mother (coat-line 1.0) has coater software 3.0.2, oven 130 degC ±3 and a
loading usl of 10.8. The proposal (1.1) moves to software 3.1.0, oven 132 degC and
usl 11.0. Children, all required to copy exactly:

- alpha: software 3.1.0 under waiver WV-A (3.0.2 -> 3.1.0). Passes today.
- beta: the mother exactly. Passes today.
- gamma: usl 11.0, no waiver. Fails today (process-output-matching).
- delta: oven 135 under WV-D (130 -> 135 degC). Passes today.
- epsilon: oven 135 under WV-E, which names only the child value. Passes today.
"""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest

from cexact.commands.fleet_files import discover_fleet_files, is_proposal
from cexact.commands.impact import compute_impact
from cexact.commands.impact_results import (
    ChangeStatus,
    ChildImpact,
    ImpactResult,
    Verdict,
    WaiverEffect,
)
from cexact.errors import CexactError, InputError, UsageError
from cexact.model import Stage
from cexact.recipe.git_source import read_recipe_source
from tests.git_repos import recipe

TODAY = datetime.date(2026, 12, 3)
SOFTWARE = "steps[coat].equipment[coater-1].software"
OVEN = "steps[dry].parameters.oven_temp"
USL = "steps[coat].outputs.loading.usl"

_WAIVER = """\
  - id: {id}
    line: coat-line
    site: {site}
    path: "{path}"
{values}    ground: competitive-benefit
    change_request: CR-{id}
    approved_by: [{{name: Ada, role: Process owner, date: "2026-01-01"}}]
    expires: "2027-12-31"
"""


def _waivers() -> str:
    entries = [
        ("WV-A", "alpha", SOFTWARE, '    mother: "3.0.2"\n    child: "3.1.0"\n'),
        (
            "WV-D",
            "delta",
            OVEN,
            "    mother: {value: 130, unit: degC, tolerance: 3}\n"
            "    child: {value: 135, unit: degC, tolerance: 3}\n",
        ),
        ("WV-E", "epsilon", OVEN, "    child: {value: 135, unit: degC, tolerance: 3}\n"),
    ]
    return "cexact-waivers: 1\nwaivers:\n" + "".join(
        _WAIVER.format(id=id_, site=site, path=path, values=values)
        for id_, site, path, values in entries
    )


def child(site: str, **changes: object) -> str:
    return recipe(site=site, role="child", mother_version="1.0", **changes)  # type: ignore[arg-type]


PROPOSAL = recipe(version="1.1", coater_software="3.1.0", oven_temp=132, loading_usl=11.0)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fleet")
    files = {
        "mother.yaml": recipe(version="1.0"),
        "alpha.yaml": child("alpha", coater_software="3.1.0"),
        "beta.yaml": child("beta"),
        "gamma.yaml": child("gamma", loading_usl=11.0),
        "delta.yaml": child("delta", oven_temp=135),
        "epsilon.yaml": child("epsilon", oven_temp=135),
        "waivers.yaml": _waivers(),
        "proposals/mother-1.1.yaml": PROPOSAL,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def result(fleet: Path) -> ImpactResult:
    proposal = read_recipe_source(str(fleet / "proposals" / "mother-1.1.yaml"))
    return compute_impact(proposal, fleet, today=TODAY, jobs=1)


def site(result: ImpactResult, name: str) -> ChildImpact:
    (found,) = [c for c in result.children if c.site == name]
    return found


def statuses(child: ChildImpact) -> dict[str, tuple[ChangeStatus, bool]]:
    return {c.change.path: (c.status, c.keeps_stage) for c in child.changes}


def test_the_mother_changes_are_classified_as_drift_classifies_them(result: ImpactResult) -> None:
    changes = {d.path: (d.stage, d.mother, d.child) for d in result.mother_changes}
    assert changes == {
        SOFTWARE: (Stage.COPY_EXACTLY, "3.0.2", "3.1.0"),
        OVEN: (
            Stage.COPY_EXACTLY,
            {"value": 130, "unit": "degC", "tolerance": 3},
            {"value": 132, "unit": "degC", "tolerance": 3},
        ),
        USL: (Stage.PROCESS_OUTPUT_MATCHING, 10.8, 11.0),
    }
    assert result.line_id == "coat-line"
    assert (result.current.version, result.proposed.version) == ("1.0", "1.1")


def test_every_child_of_the_line_is_judged_before_and_after(result: ImpactResult) -> None:
    verdicts = {c.site: c.verdict for c in result.children}
    assert verdicts == {
        "alpha": Verdict.NEWLY_FAILING,
        "beta": Verdict.NEWLY_FAILING,
        "gamma": Verdict.STILL_FAILING,
        "delta": Verdict.NEWLY_FAILING,
        "epsilon": Verdict.NEWLY_FAILING,
    }
    achieved = {c.site: (c.before.achieved, c.after.achieved) for c in result.children}
    assert achieved["beta"] == (Stage.SYSTEM_SYNERGY, Stage.MAKE_IT_WORK)
    assert achieved["gamma"] == (Stage.MAKE_IT_WORK, Stage.PROCESS_OUTPUT_MATCHING)
    assert not result.passed
    assert [c.site for c in result.newly_failing] == ["alpha", "beta", "delta", "epsilon"]


def test_a_change_the_child_has_is_taken_and_its_deviation_disappears(
    result: ImpactResult,
) -> None:
    alpha = site(result, "alpha")
    assert statuses(alpha) == {
        SOFTWARE: (ChangeStatus.TAKEN, False),
        OVEN: (ChangeStatus.PENDING, True),
        USL: (ChangeStatus.PENDING, True),
    }
    assert [d.path for d in alpha.disappearing] == [SOFTWARE]
    assert sorted(d.path for d in alpha.appearing) == [USL, OVEN]
    assert [c.change.path for c in alpha.to_keep_stage] == [USL, OVEN]


def test_a_child_failing_today_keeps_no_stage_by_adopting_changes_above_it(
    result: ImpactResult,
) -> None:
    gamma = site(result, "gamma")
    # gamma achieves make-it-work: copy-exactly changes cannot lower it.
    assert statuses(gamma) == {
        USL: (ChangeStatus.TAKEN, False),
        SOFTWARE: (ChangeStatus.PENDING, False),
        OVEN: (ChangeStatus.PENDING, False),
    }
    assert [d.path for d in gamma.disappearing] == [USL]


def test_waivers_that_stop_matching_or_become_unused(result: ImpactResult) -> None:
    (alpha_waiver,) = site(result, "alpha").waiver_changes
    assert (alpha_waiver.waiver, alpha_waiver.effect) == ("WV-A", WaiverEffect.BECOMES_UNUSED)
    assert alpha_waiver.paths == (SOFTWARE,)
    (delta_waiver,) = site(result, "delta").waiver_changes
    assert (delta_waiver.waiver, delta_waiver.effect) == ("WV-D", WaiverEffect.STOPS_MATCHING)
    # WV-E names only the child's value, which still holds: the change is waived.
    epsilon = site(result, "epsilon")
    assert epsilon.waiver_changes == ()
    assert statuses(epsilon)[OVEN] == (ChangeStatus.WAIVED, False)


def test_the_fleet_summary_per_stage(result: ImpactResult) -> None:
    summary = {
        f.stage: (f.meeting_before, f.meeting_after, f.newly_failing, f.newly_passing)
        for f in result.stage_flips
    }
    assert summary == {
        Stage.MAKE_IT_WORK: (5, 5, (), ()),
        Stage.PROCESS_OUTPUT_MATCHING: (4, 1, (), ()),
        Stage.COPY_EXACTLY: (4, 0, ("alpha", "beta", "delta", "epsilon"), ()),
        Stage.SYSTEM_SYNERGY: (4, 0, (), ()),
    }


def test_a_proposal_nobody_has_to_adopt_passes(fleet: Path, tmp_path: Path) -> None:
    proposal = tmp_path / "notes-only.yaml"
    proposal.write_text(recipe(version="1.0.1", notes="reviewed"), encoding="utf-8")
    result = compute_impact(read_recipe_source(str(proposal)), fleet, today=TODAY, jobs=1)
    assert result.mother_changes == ()
    assert result.passed
    assert {c.verdict for c in result.children} == {Verdict.STILL_PASSING, Verdict.STILL_FAILING}


def test_a_proposal_that_fixes_a_child_makes_it_newly_pass(fleet: Path, tmp_path: Path) -> None:
    proposal = tmp_path / "usl.yaml"
    proposal.write_text(recipe(version="1.1", loading_usl=11.0), encoding="utf-8")
    result = compute_impact(
        read_recipe_source(str(proposal)), fleet, today=TODAY, jobs=1,
        required=Stage.MAKE_IT_WORK,
    )  # fmt: skip
    # At make-it-work nobody fails; gamma passed already and keeps passing.
    assert result.passed and not result.newly_passing
    fixed = compute_impact(read_recipe_source(str(proposal)), fleet, today=TODAY, jobs=1)
    assert [c.site for c in fixed.newly_passing] == ["gamma"]
    assert {c.site for c in fixed.newly_failing} == {"alpha", "beta", "delta", "epsilon"}


def test_the_proposed_view_is_the_fleet_under_the_proposal(result: ImpactResult) -> None:
    view = result.proposed_view()
    assert [c.child.site for c in view.checks] == [c.site for c in result.children]
    assert all(c.mother.version == "1.1" for c in view.checks)
    assert all(any(n.startswith("impact of ") for n in c.notes) for c in view.checks)


def test_proposals_are_not_part_of_the_fleet(fleet: Path) -> None:
    files = discover_fleet_files(fleet)
    assert fleet / "proposals" / "mother-1.1.yaml" not in files.paths
    assert is_proposal(fleet / "proposals" / "mother-1.1.yaml", fleet)
    assert not is_proposal(fleet / "mother.yaml", fleet)
    assert not is_proposal(fleet / "proposals", fleet)  # a file named so, not below one


def test_a_proposal_outside_a_proposals_folder_under_the_folder_is_left_out(
    fleet: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "fleet"
    copy.mkdir()
    for path in fleet.glob("*.yaml"):
        (copy / path.name).write_bytes(path.read_bytes())
    (copy / "mother-next.yaml").write_text(PROPOSAL, encoding="utf-8")
    result = compute_impact(
        read_recipe_source(str(copy / "mother-next.yaml")), copy, today=TODAY, jobs=1
    )
    assert result.current.path.endswith("mother.yaml")
    assert not [p for p in result.fleet.problems if "more than one mother" in p.message]
    assert len(result.children) == 5


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (child("zeta"), UsageError, "is a child recipe: impact needs a proposed mother"),
        (
            recipe().replace("coat-line", "other-line"),
            InputError,
            "line 'other-line' of .* has no current mother recipe",
        ),
        ("cexact: 1\nline: {id: coat-line}\n", CexactError, "is not a valid recipe"),
    ],
)
def test_bad_proposals_are_refused(
    fleet: Path, tmp_path: Path, text: str, error: type[Exception], message: str
) -> None:
    proposal = tmp_path / "bad.yaml"
    proposal.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(error, match=message):
        compute_impact(read_recipe_source(str(proposal)), fleet, today=TODAY, jobs=1)


def test_the_current_mother_named_as_its_own_proposal_is_refused_with_a_way_out(
    fleet: Path,
) -> None:
    with pytest.raises(UsageError, match="name the proposal as REV:PATH"):
        compute_impact(read_recipe_source(str(fleet / "mother.yaml")), fleet, today=TODAY, jobs=1)


def test_an_invalid_child_keeps_its_row_and_does_not_fail_the_impact(
    fleet: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "fleet"
    copy.mkdir()
    for name in ("mother.yaml", "beta.yaml"):
        (copy / name).write_bytes((fleet / name).read_bytes())
    (copy / "broken.yaml").write_text(
        child("broken").replace("operation: mixing", "operation: 7"), encoding="utf-8"
    )
    proposal = tmp_path / "notes-only.yaml"
    proposal.write_text(recipe(version="1.0.1"), encoding="utf-8")
    result = compute_impact(read_recipe_source(str(proposal)), copy, today=TODAY, jobs=1)
    assert [(s.site, s.reason.value) for s in result.not_compared] == [("broken", "invalid")]
    assert [c.site for c in result.children] == ["beta"]
    assert result.passed
    assert [p.file for p in result.proposed_view().problems] == [str(copy / "broken.yaml")]


def test_an_invalid_current_mother_is_bad_input(fleet: Path, tmp_path: Path) -> None:
    copy = tmp_path / "fleet"
    copy.mkdir()
    (copy / "mother.yaml").write_text(
        recipe().replace("operation: mixing", "operation: 7"), encoding="utf-8"
    )
    (copy / "beta.yaml").write_bytes((fleet / "beta.yaml").read_bytes())
    proposal = fleet / "proposals" / "mother-1.1.yaml"
    with pytest.raises(InputError, match="the current mother of line 'coat-line' is invalid"):
        compute_impact(read_recipe_source(str(proposal)), copy, today=TODAY, jobs=1)


def test_only_the_proposals_line_is_compared() -> None:
    from tests.conftest import SAMPLE_LINES

    proposal = SAMPLE_LINES / "cell-4680" / "proposals" / "mother-3.5.yaml"
    result = compute_impact(read_recipe_source(str(proposal)), SAMPLE_LINES, today=TODAY, jobs=1)
    assert {check.child.line_id for check in result.fleet.checks} == {"cell-4680"}
    assert len(result.fleet.files) > len(result.fleet.checks)  # every file was validated
    assert {o.waiver.line for o in result.fleet.waivers} == {"cell-4680"}
