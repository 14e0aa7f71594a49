"""`cexact adopt` on real temporary git repositories (tests/git_repos.py's transfer repo).

Chandler was transferred from mother 1.0 and has since taken the oven
temperature and the SOP revision; mother 1.2 also changed the coater software
and the binder supplier. Kumamoto was transferred from 1.2.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cexact.recipe.reading import load_valid_recipe
from tests.conftest import CommandResult, Run, schema_errors
from tests.git_repos import CHILD_A, CHILD_B, MOTHER, TransferRepo

SOFTWARE = "steps[coat].equipment[coater-1].software"
BINDER = "steps[mix].materials[binder].supplier"
OVEN = "steps[dry].parameters.oven_temp"


def report_of(result: CommandResult) -> dict[str, Any]:
    """The JSON report, after asserting it is valid against its documented schema."""
    assert result.exit_code in (0, 1), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    errors = schema_errors("adopt-report", report)
    assert not errors, errors
    return report


def test_adopt_takes_what_the_mother_changed_since_the_transfer(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    before = (transfer.root / CHILD_A).read_text(encoding="utf-8")
    result = run_cexact("adopt", CHILD_A, "-f", "json")
    assert result.exit_code == 0, result.stderr
    (child,) = report_of(result)["children"]
    statuses = {c["path"]: c["status"] for c in child["changes"]}
    assert statuses == {
        SOFTWARE: "adopted",
        BINDER: "adopted",
        OVEN: "taken",
        "procedures[SOP-COAT-1].revision": "taken",
    }
    assert (child["from_version"], child["to_version"], child["written"]) == ("1.0", "1.2", True)
    after = (transfer.root / CHILD_A).read_text(encoding="utf-8")
    assert after == (
        before.replace('version: "1.0"}', 'version: "1.2"}')
        .replace("supplier: Solvay", "supplier: Arkema")
        .replace('software: "3.0.2"', 'software: "3.1.0"')
    )
    drift = run_cexact("drift", CHILD_A, "-f", "json")
    assert drift.exit_code == 0, drift.stdout
    assert run_cexact("diff", MOTHER, CHILD_A).exit_code == 0


def test_adopt_keeps_the_file_mode(run_cexact: Run, transfer: TransferRepo) -> None:
    path = transfer.root / CHILD_A
    path.chmod(0o640)
    assert run_cexact("adopt", CHILD_A).exit_code == 0
    assert path.stat().st_mode & 0o777 == 0o640


def test_dry_run_prints_the_diff_and_writes_nothing(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    before = (transfer.root / CHILD_A).read_bytes()
    result = run_cexact("adopt", CHILD_A, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "-      - {id: binder, supplier: Solvay, grade: Solef-5130}" in result.stdout
    assert "+      - {id: binder, supplier: Arkema, grade: Solef-5130}" in result.stdout
    assert f"adopted   copy-exactly             {SOFTWARE}: 3.0.2 -> 3.1.0" in result.stdout
    assert "dry run: nothing written" in result.stdout
    assert (transfer.root / CHILD_A).read_bytes() == before


def test_commit_creates_the_branch_and_one_commit_listing_paths_and_stages(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    result = run_cexact("adopt", CHILD_A, "--commit")
    assert result.exit_code == 0, result.stderr
    git = transfer.builder.git
    assert git("rev-parse", "--abbrev-ref", "HEAD") == "cexact/adopt/coat-line/1.2/chandler"
    assert git("rev-parse", "HEAD~1") == transfer.commits["kumamoto"]
    message = git("log", "-1", "--format=%B")
    assert message.startswith("chandler: adopt mother coat-line 1.0 -> 1.2")
    assert f"- {SOFTWARE} (copy-exactly)" in message
    assert f"- {BINDER} (copy-exactly)" in message
    assert git("status", "--porcelain") == ""
    assert git("show", "--stat", "--format=", "HEAD").split("|")[0].strip() == CHILD_A


def test_commit_refuses_a_dirty_working_tree(run_cexact: Run, transfer: TransferRepo) -> None:
    dirty = transfer.root / CHILD_B
    dirty.write_text(dirty.read_text(encoding="utf-8") + "# local edit\n", encoding="utf-8")
    before = (transfer.root / CHILD_A).read_bytes()
    result = run_cexact("adopt", CHILD_A, "--commit")
    assert result.exit_code == 2
    assert "refuses a dirty working tree" in result.stderr
    assert CHILD_B in result.stderr
    assert "Traceback" not in result.stderr
    assert (transfer.root / CHILD_A).read_bytes() == before
    assert transfer.builder.git("rev-parse", "--abbrev-ref", "HEAD") == "main"


@pytest.mark.parametrize("revision", ["no-such-tag", "-x", "HEAD..main"])
def test_a_bad_to_revision_is_refused(
    run_cexact: Run, transfer: TransferRepo, revision: str
) -> None:
    before = (transfer.root / CHILD_A).read_bytes()
    result = run_cexact("adopt", CHILD_A, "--to", revision)
    assert result.exit_code == 2
    assert "revision" in result.stderr
    assert "Traceback" not in result.stderr
    assert (transfer.root / CHILD_A).read_bytes() == before


def test_to_adopts_the_mother_as_it_was_at_a_revision(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    result = run_cexact("adopt", CHILD_A, "--to", "coat-line/1.1", "-f", "json")
    assert result.exit_code == 0, result.stderr
    (child,) = report_of(result)["children"]
    assert child["to_version"] == "1.1"
    assert {c["path"]: c["status"] for c in child["changes"]} == {
        SOFTWARE: "adopted",
        OVEN: "taken",
    }
    data = load_valid_recipe(transfer.root / CHILD_A).data
    assert data["line"]["mother"]["version"] == "1.1"
    assert data["steps"][0]["materials"][0]["supplier"] == "Solvay"


def test_a_local_deviation_is_a_conflict_and_exits_1(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    path = transfer.root / CHILD_A
    path.write_text(path.read_text(encoding="utf-8").replace("Solvay", "Kureha"), encoding="utf-8")
    result = run_cexact("adopt", CHILD_A)
    assert result.exit_code == 1, result.stderr
    assert (
        f"conflict  copy-exactly             {BINDER}: base Solvay, mother Arkema, child Kureha"
        in (result.stdout)
    )
    text = path.read_text(encoding="utf-8")
    assert "Kureha" in text and 'software: "3.1.0"' in text


def test_a_conflict_in_json_names_base_mother_and_child_as_its_schema_documents(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    path = transfer.root / CHILD_A
    path.write_text(path.read_text(encoding="utf-8").replace("Solvay", "Kureha"), encoding="utf-8")
    report = report_of(run_cexact("adopt", CHILD_A, "--dry-run", "-f", "json"))
    assert report["complete"] is False
    (child,) = report["children"]
    conflict = next(c for c in child["changes"] if c["path"] == BINDER)
    assert conflict["status"] == "conflict"
    assert (conflict["base"], conflict["mother"], conflict["child"]) == (
        "Solvay",
        "Arkema",
        "Kureha",
    )
    conflict["status"] = "skipped"  # the schema is really checked
    assert schema_errors("adopt-report", report)


def test_no_partial_writes_nothing_into_a_child_with_conflicts(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    path = transfer.root / CHILD_A
    path.write_text(path.read_text(encoding="utf-8").replace("Solvay", "Kureha"), encoding="utf-8")
    before = path.read_bytes()
    result = run_cexact("adopt", CHILD_A, "--no-partial")
    assert result.exit_code == 1
    assert "--no-partial" in result.stdout
    assert path.read_bytes() == before


def test_all_adopts_into_every_child_of_the_line_on_one_branch(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    result = run_cexact("adopt", "--all", "recipes", "--commit", "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = report_of(result)
    assert report["branch"] == "cexact/adopt/coat-line/1.2"
    by_site = {c["site"]: c for c in report["children"]}
    assert set(by_site) == {"chandler", "kumamoto"}
    assert by_site["chandler"]["written"] is True
    assert by_site["kumamoto"]["written"] is False  # already transferred from 1.2
    git = transfer.builder.git
    assert git("rev-parse", "--abbrev-ref", "HEAD") == "cexact/adopt/coat-line/1.2"
    assert git("rev-list", "--count", "main..HEAD") == "1"


def test_adopt_usage_errors(run_cexact: Run, transfer: TransferRepo) -> None:
    neither = run_cexact("adopt")
    assert neither.exit_code == 2 and "CHILD" in neither.stderr
    both = run_cexact("adopt", CHILD_A, "--all", "recipes")
    assert both.exit_code == 2
    html = run_cexact("adopt", CHILD_A, "-f", "html")
    assert html.exit_code == 2 and "not a format of adopt" in html.stderr


def test_help_shows_the_options_and_examples(run_cexact: Run) -> None:
    result = run_cexact("adopt", "--help")
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())
    for option in (
        "--mother RECIPE",
        "--to REV",
        "--all DIR",
        "--dry-run",
        "--commit",
        "--no-partial",
        "cexact adopt recipes/chandler.yaml --dry-run",
    ):
        assert option in out, option


def test_a_value_written_through_an_anchor_is_refused_not_half_edited(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    path = transfer.root / CHILD_A
    text = path.read_text(encoding="utf-8").replace(
        "      - {id: binder, supplier: Solvay, grade: Solef-5130}",
        "      - &binder {id: binder, supplier: Solvay, grade: Solef-5130}",
    )
    path.write_text(text, encoding="utf-8")
    result = run_cexact("adopt", CHILD_A)
    assert result.exit_code == 2
    assert "adopt wrote nothing" in result.stderr and "anchored" in result.stderr
    assert path.read_text(encoding="utf-8") == text


def test_dry_run_with_commit_makes_no_branch(run_cexact: Run, transfer: TransferRepo) -> None:
    result = run_cexact("adopt", CHILD_A, "--dry-run", "--commit", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert report_of(result)["branch"] is None
    assert transfer.builder.git("branch", "--list", "cexact/*") == ""


def test_commit_with_nothing_to_adopt_makes_no_branch(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    result = run_cexact("adopt", CHILD_B, "--commit")
    assert result.exit_code == 0, result.stderr
    assert "up to date: nothing to adopt" in result.stdout
    assert transfer.builder.git("branch", "--list", "cexact/*") == ""


def test_a_byte_order_mark_is_kept(run_cexact: Run, transfer: TransferRepo) -> None:
    path = transfer.root / CHILD_A
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert run_cexact("adopt", CHILD_A).exit_code == 0
    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbfcexact: 1\n")
    assert b"supplier: Arkema" in content and content.count(b"\xef\xbb\xbf") == 1
