"""`cexact diff --waivers/--today` as a user meets them, including bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, Run

CASE = ROOT / "tests" / "cases" / "waivers-every-state"


def copy_case(tmp_path: Path) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(CASE, folder)
    return folder


def diff_json(run_cexact: Run, folder: Path, *extra: str | Path) -> tuple[int, dict[str, Any], str]:
    result = run_cexact(
        "diff", folder / "mother.yaml", folder / "child.yaml", "-f", "json", "--no-cache", *extra
    )
    report = json.loads(result.stdout) if result.stdout else {}
    return result.exit_code, report, result.stderr


def test_the_waiver_file_beside_the_child_is_found_by_default(
    run_cexact: Run, tmp_path: Path
) -> None:
    folder = copy_case(tmp_path)
    _, report, _ = diff_json(run_cexact, folder, "--today", "2026-06-01")
    assert {w["id"] for w in report["waivers"]} >= {"W-TEMP", "W-CR"}
    (folder / "waivers.yaml").unlink()
    _, report, _ = diff_json(run_cexact, folder, "--today", "2026-06-01")
    assert report["waivers"] == []
    assert all(d["waiver"] is None for d in report["deviations"])


def test_an_explicit_waiver_file_replaces_the_default(run_cexact: Run, tmp_path: Path) -> None:
    folder = copy_case(tmp_path)
    other = tmp_path / "only-temp.yaml"
    text = (folder / "waivers.yaml").read_text(encoding="utf-8")
    other.write_text(text.split("  - id: W-SPEED")[0], encoding="utf-8")
    _, report, _ = diff_json(run_cexact, folder, "--waivers", other, "--today", "2026-06-01")
    assert [w["id"] for w in report["waivers"]] == ["W-TEMP"]


def test_expiry_follows_the_today_option(run_cexact: Run, tmp_path: Path) -> None:
    folder = copy_case(tmp_path)
    _, report, _ = diff_json(run_cexact, folder, "--today", "2027-02-01")
    statuses = {w["id"]: w["status"] for w in report["waivers"]}
    assert statuses["W-TEMP"] == "expired"
    assert report["today"] == "2027-02-01"
    temp = next(d for d in report["deviations"] if d["path"].endswith("oven_temp"))
    assert temp["waiver"] is None
    assert temp["expired_waiver"] == "W-TEMP"


def test_a_bad_waiver_file_is_bad_input_with_located_findings(
    run_cexact: Run, tmp_path: Path
) -> None:
    folder = copy_case(tmp_path)
    path = folder / "waivers.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "ground: competitive-benefit", "ground: cheaper", 1
        ),
        encoding="utf-8",
    )
    code, _, stderr = diff_json(run_cexact, folder, "--today", "2026-06-01")
    assert code == 2
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if "ground: cheaper" in text
    )
    assert f"waivers.yaml:{line}:" in stderr
    assert stderr.strip().splitlines()[-1].startswith("cexact: error:")
    assert "Traceback" not in stderr


def test_a_bad_today_is_a_usage_error(run_cexact: Run, tmp_path: Path) -> None:
    code, _, stderr = diff_json(run_cexact, copy_case(tmp_path), "--today", "tomorrow")
    assert code == 2
    assert "--today 'tomorrow' is not a date" in stderr


def test_waiver_files_validate_with_their_own_schema(run_cexact: Run) -> None:
    result = run_cexact("validate", CASE / "waivers.yaml")
    assert result.exit_code == 0, result.stdout
