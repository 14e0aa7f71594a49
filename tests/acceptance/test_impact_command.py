"""`cexact impact` as a user runs it: on the sample lines, in every format, against a
branch of a real git repository, and with bad input (exit 2, one line, no traceback)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cexact.report import formats_for
from tests.conftest import ROOT, SAMPLE_LINES, CommandResult, Run, schema_errors
from tests.git_repos import (
    CHILD_A,
    CHILD_B,
    MOTHER,
    MOTHER_1_2_CHANGES,
    TransferRepo,
    build_transfer_repo,
    recipe,
)

TODAY = "2026-12-03"
PROPOSAL = "sample_lines/cell-4680/proposals/mother-3.5.yaml"
SAMPLE = ("impact", PROPOSAL, "sample_lines", "--today", TODAY, "--jobs", "1")


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def json_of(result: CommandResult) -> dict[str, Any]:
    """The JSON report, after asserting it is valid against its documented schema."""
    assert result.exit_code in (0, 1), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    errors = schema_errors("impact-report", report)
    assert not errors, errors
    return report


@pytest.mark.usefixtures("at_root")
def test_the_sample_proposal_breaks_arizona_and_says_why(run_cexact: Run) -> None:
    result = run_cexact(*SAMPLE, "-f", "json")
    assert result.exit_code == 1
    report = json_of(result)
    assert report["kind"] == "impact" and report["line_id"] == "cell-4680"
    assert (report["current"]["version"], report["proposed"]["version"]) == ("3.4", "3.5")
    assert report["summary"]["newly_failing"] == ["arizona-us"]
    sites = {s["site"]: s for s in report["sites"]}
    assert sites["wroclaw-pl"]["verdict"] == "still-failing"
    arizona = sites["arizona-us"]
    keep = [c["change"]["path"] for c in arizona["changes"] if c["keeps_stage"]]
    assert keep == ["steps[S210].outputs.ac_internal_resistance.usl"]
    effects = {w["waiver"]: w["effect"] for w in arizona["waiver_changes"]}
    assert effects == {"WV-AZ-001": "becomes-unused", "WV-AZ-004": "stops-matching"}
    assert sites["wroclaw-pl"]["disappearing"] == ["steps[S210].outputs.ac_internal_resistance.usl"]


@pytest.mark.usefixtures("at_root")
def test_a_proposal_that_breaks_no_passing_child_exits_0(run_cexact: Run) -> None:
    result = run_cexact(*SAMPLE, "--require", "make-it-work")
    assert result.exit_code == 0, result.stdout
    assert "PASS  the proposal breaks none of 2 child site(s)" in result.stdout


@pytest.mark.usefixtures("at_root")
@pytest.mark.parametrize("fmt", formats_for("impact"))
def test_every_check_format_writes_impact(run_cexact: Run, fmt: str, tmp_path: Path) -> None:
    assert set(formats_for("impact")) == set(formats_for("check"))
    out = tmp_path / f"impact.{fmt}"
    result = run_cexact(*SAMPLE, "-f", fmt, "-o", out)
    assert result.exit_code == 1, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "arizona-us" in text


def test_dir_defaults_to_the_project_root(run_cexact: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLE_LINES / "cell-4680")
    report = json_of(run_cexact("impact", "proposals/mother-3.5.yaml", "-f", "json"))
    assert Path(report["root"]).resolve() == SAMPLE_LINES
    assert len(report["sites"]) == 2


@pytest.mark.usefixtures("at_root")
def test_check_and_validate_handle_the_proposal_file(run_cexact: Run) -> None:
    checked = run_cexact("check", "sample_lines", "--today", TODAY, "-f", "json")
    assert checked.exit_code == 1, checked.stderr
    report = json.loads(checked.stdout)
    assert not [f for f in report["problems"] if "more than one mother" in f["message"]]
    assert report["summary"]["sites"] == 4
    validated = run_cexact("validate", PROPOSAL)
    assert validated.exit_code == 0, validated.stdout


@pytest.mark.usefixtures("at_root")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("impact", "sample_lines/no-such.yaml", "sample_lines"), "no-such.yaml"),
        (("impact", "sample_lines/cell-4680/arizona-us.yaml", "sample_lines"), "child recipe"),
        (("impact", PROPOSAL, "sample_lines/cexact.yaml"), "not a folder"),
        (("impact", PROPOSAL, "sample_lines/cmos-gate"), "no current mother"),
        (("impact", "sample_lines/cexact.yaml", "sample_lines"), "cexact.yaml"),
    ],
)
def test_bad_input_is_exit_2_and_one_line(
    run_cexact: Run, args: tuple[str, ...], message: str
) -> None:
    result = run_cexact(*args)
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    # One error line (an invalid proposal's findings come first, one per line, as for diff).
    assert lines and lines[-1].startswith("cexact: error:"), result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# --- a real git repository: the proposal on a pull-request branch ----------------------

PROPOSED_SOFTWARE = "3.2.0"


@pytest.fixture
def transfer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TransferRepo:
    """The transfer repository, plus a branch `pr/software` whose mother (1.3) moves the
    coater software to 3.2.0; main is checked out again."""
    repo = build_transfer_repo(tmp_path / "lines")
    repo.builder.git("checkout", "--quiet", "-b", "pr/software")
    changes = {**MOTHER_1_2_CHANGES, "coater_software": PROPOSED_SOFTWARE}
    repo.builder.write(MOTHER, recipe(version="1.3", binder_supplier="Arkema", **changes))
    repo.commits["pr"] = repo.builder.commit("Mother 1.3: coater software 3.2.0")
    repo.builder.git("checkout", "--quiet", "main")
    monkeypatch.chdir(repo.root)
    return repo


def test_impact_of_a_branchs_mother(run_cexact: Run, transfer: TransferRepo) -> None:
    result = run_cexact("impact", f"pr/software:{MOTHER}", "recipes", "-f", "json")
    assert result.exit_code == 1, result.stderr
    report = json_of(result)
    assert report["proposed"]["path"] == f"pr/software:{MOTHER}"
    assert report["proposed"]["commit"] == transfer.commits["pr"]
    assert report["current"]["version"] == "1.2"
    (change,) = report["mother_changes"]
    assert change["path"] == "steps[coat].equipment[coater-1].software"
    assert (change["mother"], change["child"]) == ("3.1.0", PROPOSED_SOFTWARE)
    sites = {s["site"]: s["verdict"] for s in report["sites"]}
    # Kumamoto matches mother 1.2 and would not have 3.2.0; Chandler fails already.
    assert sites == {"kumamoto": "newly-failing", "chandler": "still-failing"}
    assert Path(CHILD_A).name and Path(CHILD_B).name  # the children named by the fixture


def test_the_working_mother_as_proposal_changes_nothing(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    result = run_cexact("impact", f"HEAD:{MOTHER}", "recipes", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json_of(result)["mother_changes"] == []


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (f"no-such-branch:{MOTHER}", "no-such-branch"),
        (f"-x:{MOTHER}", "begin"),
        (f"pr/software..main:{MOTHER}", ".."),
        ("pr/software:recipes/missing.yaml", "does not exist"),
    ],
)
def test_a_bad_revision_is_refused_with_exit_2(
    run_cexact: Run, transfer: TransferRepo, argument: str, message: str
) -> None:
    result = run_cexact("impact", "--", argument, "recipes")
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cexact: error:"), result.stderr
    assert message in lines[0]
