"""`cexact check` and `cexact waivers` on the sample lines and on generated fleets."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE_LINES, Run, schema_errors

TODAY = "2026-11-22"

MOTHER = textwrap.dedent(
    """\
    cexact: 1
    line: {id: LINE, name: Line, product: widget, site: mother-site, role: mother, version: "1.0"}
    steps:
      - id: mix
        name: Mix
        operation: mixing
        parameters:
          speed: {value: 30, unit: rpm, tolerance: 2}
      - id: coat
        name: Coat
        operation: coating
        parameters:
          gap: {value: 120, unit: um, tolerance: 5}
    """
)


def child_text(line: str, site: str, speed: float = 30) -> str:
    text = MOTHER.replace("LINE", line).replace(
        "site: mother-site, role: mother", f"site: {site}, role: child"
    )
    text = text.replace(
        'version: "1.0"}', 'version: "1.0", mother: {site: mother-site, version: "1.0"}}'
    )
    return text.replace("value: 30,", f"value: {speed},")


def write_fleet(folder: Path, lines: dict[str, list[tuple[str, float]]]) -> Path:
    for line, children in lines.items():
        (folder / line).mkdir(parents=True)
        (folder / line / "mother.yaml").write_text(MOTHER.replace("LINE", line), encoding="utf-8")
        for site, speed in children:
            (folder / line / f"{site}.yaml").write_text(
                child_text(line, site, speed), encoding="utf-8"
            )
    return folder


def check_json(run_cexact: Run, *args: str | Path) -> tuple[int, dict[str, Any]]:
    result = run_cexact("check", *args, "--format", "json", "--today", TODAY)
    assert result.exit_code in (0, 1, 2), result.stderr
    report = json.loads(result.stdout) if result.stdout.strip() else {}
    if report:
        errors = schema_errors("check-report", report)
        assert not errors, errors
    return result.exit_code, report


def verdicts(report: dict[str, Any]) -> dict[tuple[str, str], bool]:
    return {(s["child"]["line_id"], s["child"]["site"]): s["passed"] for s in report["sites"]}


def test_the_sample_fleet_fails_the_gate_but_arizona_passes_its_ramp_up_stage(
    run_cexact: Run,
) -> None:
    code, report = check_json(run_cexact, SAMPLE_LINES)
    assert code == 1
    assert report["passed"] is False
    assert verdicts(report) == {
        ("cell-4680", "arizona-us"): True,
        ("cell-4680", "wroclaw-pl"): False,
        ("cmos05-gate", "fab-b-singapore"): False,
        ("cmos05-gate", "fab-c-dresden"): False,
    }
    arizona = next(s for s in report["sites"] if s["child"]["site"] == "arizona-us")
    assert arizona["required"] == "process-output-matching"  # from sample_lines/cexact.yaml
    assert arizona["counts"]["copy-exactly"]["waived"] == 3
    assert report["summary"] == {
        "sites": 4,
        "passed": 1,
        "failed": 3,
        "files": 7,
        "invalid_files": 0,
    }


def test_the_terminal_matrix_has_a_row_per_child_and_a_verdict(run_cexact: Run) -> None:
    result = run_cexact("check", SAMPLE_LINES, "--today", TODAY)
    assert result.exit_code == 1
    for site in ("arizona-us", "wroclaw-pl", "fab-b-singapore", "fab-c-dresden"):
        assert site in result.stdout
    assert "Process Output Matching" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("FAIL  1 of 4 child site(s) pass")


def test_a_fleet_that_copies_exactly_passes(run_cexact: Run, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path / "repo", {"line-a": [("site-1", 30), ("site-2", 30.0)]})
    code, report = check_json(run_cexact, fleet)
    assert code == 0, report
    assert report["passed"] is True
    assert {s["achieved"] for s in report["sites"]} == {"system-synergy"}


def test_a_minor_deviation_still_fails_copy_exactly(run_cexact: Run, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path / "repo", {"line-a": [("site-1", 30), ("site-2", 31)]})
    code, report = check_json(run_cexact, fleet, "--require", "copy-exactly")
    assert code == 1
    assert verdicts(report) == {("line-a", "site-1"): True, ("line-a", "site-2"): False}


@pytest.mark.parametrize("count", [2, 3, 5])
def test_every_child_is_in_exactly_one_shard(run_cexact: Run, tmp_path: Path, count: int) -> None:
    sites: list[tuple[str, float]] = [(f"site-{n:02d}", 30) for n in range(14)]
    fleet = write_fleet(tmp_path / "repo", {"line-a": sites[:7], "line-b": sites[7:]})
    _, whole = check_json(run_cexact, fleet)
    everyone = sorted(verdicts(whole))
    assert len(everyone) == 14
    seen: list[tuple[str, str]] = []
    for index in range(1, count + 1):
        _, part = check_json(run_cexact, fleet, "--shard", f"{index}/{count}")
        assert part["shard"] == f"{index}/{count}"
        seen.extend(verdicts(part))
    assert sorted(seen) == everyone


def test_one_worker_and_two_workers_agree(run_cexact: Run, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path / "repo", {"line-a": [("s1", 30), ("s2", 35), ("s3", 29)]})
    _, serial = check_json(run_cexact, fleet, "--jobs", "1")
    _, parallel = check_json(run_cexact, fleet, "--jobs", "2")
    assert serial["sites"] == parallel["sites"]


def test_an_invalid_recipe_fails_the_check_and_is_located(run_cexact: Run, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path / "repo", {"line-a": [("s1", 30), ("s2", 30)]})
    broken = fleet / "line-a" / "s2.yaml"
    broken.write_text(broken.read_text().replace("unit: um", "unit: furlongz"), encoding="utf-8")
    code, report = check_json(run_cexact, fleet)
    assert code == 1
    assert report["summary"]["invalid_files"] == 1
    (problem,) = report["problems"]
    assert problem["file"].endswith("s2.yaml")
    assert problem["rule"] == "unit"
    assert problem["line"] == 13
    assert verdicts(report) == {("line-a", "s1"): True}


def test_pairing_problems_are_reported(run_cexact: Run, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path / "repo", {"line-a": [("s1", 30)], "line-b": [("s2", 30)]})
    (fleet / "line-a" / "mother.yaml").unlink()
    shutil.copy(fleet / "line-b" / "mother.yaml", fleet / "line-b" / "second-mother.yaml")
    code, report = check_json(run_cexact, fleet)
    assert code == 1
    messages = sorted(p["message"] for p in report["problems"])
    assert messages == [
        f"line 'line-a' has no mother recipe under {fleet}; did you mean 'line-b'?",
        f"line 'line-b' has more than one mother recipe (also {fleet / 'line-b' / 'mother.yaml'})",
    ]


def test_the_project_file_sets_requirements_and_ignores(run_cexact: Run, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path / "repo", {"line-a": [("s1", 35), ("s2", 35)]})
    (fleet / "drafts").mkdir()
    (fleet / "drafts" / "half-written.yaml").write_text("steps: [", encoding="utf-8")
    (fleet / "cexact.yaml").write_text(
        textwrap.dedent(
            """\
            cexact-project: 1
            require: copy-exactly
            ignore: ["drafts/*"]
            lines:
              line-a:
                sites: {s2: make-it-work}
            """
        ),
        encoding="utf-8",
    )
    code, report = check_json(run_cexact, fleet)
    assert code == 1
    assert report["problems"] == []
    assert verdicts(report) == {("line-a", "s1"): False, ("line-a", "s2"): True}


def test_no_cache_leaves_the_cache_alone(
    run_cexact: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("CEXACT_CACHE_DIR", str(cache_dir))
    fleet = write_fleet(tmp_path / "repo", {"line-a": [("s1", 30)]})
    check_json(run_cexact, fleet, "--no-cache")
    assert not cache_dir.exists()
    check_json(run_cexact, fleet)
    entries = sorted(p.name.split("-", 1)[1].rsplit("-", 1)[0] for p in cache_dir.iterdir())
    # Each recipe, each recipe's line header, and the pair's comparison.
    assert entries == ["comparison", "recipe", "recipe", "recipe-line", "recipe-line"]


@pytest.mark.parametrize("bad", ["0/2", "3/2", "two", "1-2"])
def test_a_bad_shard_is_a_usage_error(run_cexact: Run, bad: str) -> None:
    result = run_cexact("check", SAMPLE_LINES, "--shard", bad)
    assert result.exit_code == 2
    assert "--shard" in result.stderr


def test_check_of_a_missing_folder_is_a_usage_error(run_cexact: Run, tmp_path: Path) -> None:
    result = run_cexact("check", tmp_path / "nope")
    assert result.exit_code == 2
    assert result.stderr.startswith("cexact: error:")


def test_waivers_lists_every_state_for_the_sample_lines(run_cexact: Run) -> None:
    result = run_cexact("waivers", SAMPLE_LINES, "--format", "json", "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    statuses = {
        w["id"]: (w["status"], len(w["covers"])) for w in json.loads(result.stdout)["waivers"]
    }
    assert statuses == {
        "WV-AZ-001": ("active", 1),
        "WV-AZ-002": ("expiring", 1),
        "WV-AZ-003": ("expired", 1),
        "WV-AZ-004": ("active", 1),
        "WV-AZ-005": ("active", 2),
        "WV-WR-001": ("unused", 0),  # approved for 12 -> 13 N; Wroclaw runs 14 N
    }


def test_waivers_for_a_site_the_fleet_lacks_are_unused(run_cexact: Run, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path / "repo", {"line-a": [("s1", 30)]})
    (fleet / "waivers.yaml").write_text(
        textwrap.dedent(
            """\
            cexact-waivers: 1
            waivers:
              - id: W-GONE
                line: line-a
                site: closed-site
                path: steps[mix].parameters.speed
                ground: competitive-benefit
                change_request: CR-1
                approved_by: [{name: A. Person, role: Quality, date: "2026-01-01"}]
                expires: "2030-01-01"
            """
        ),
        encoding="utf-8",
    )
    result = run_cexact("waivers", fleet, "--today", TODAY)
    assert result.exit_code == 0
    assert "W-GONE" in result.stdout
    assert "unused" in result.stdout
