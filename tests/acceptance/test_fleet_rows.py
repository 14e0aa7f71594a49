"""Every child site keeps its row in `cexact check`, errors point at the thing, and
every report says which files it applied and which commit each recipe is at."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cexact.cli import main
from tests.conftest import SAMPLE_LINES
from tests.git_repos import GitRepoBuilder, build_transfer_repo

TODAY = "2026-12-03"
ERROR_LINE = re.compile(r"^\S+:\d+:\d+: error: ")


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def cexact(*args: str | Path, cwd: Path | None = None, columns: int = 100) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        if cwd is not None:
            patch.chdir(cwd)
        patch.setenv("COLUMNS", str(columns))
        patch.setenv("NO_COLOR", "1")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(arg) for arg in args])
    return Run(code, out.getvalue(), err.getvalue())


def sample_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "lines"
    shutil.copytree(SAMPLE_LINES, copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def blocks(text: str) -> dict[str, str]:
    """The check's per-site blocks (a narrow terminal), by `line / site`."""
    found = {}
    for block in text.split("\n\n"):
        head = block.split("  ", 1)[0]
        if re.fullmatch(r"\S+ / \S+", head):
            found[head] = block
    return found


def summary(text: str) -> tuple[int, int]:
    found = re.search(r"(\d+) error\(s\) in (\d+) file\(s\)", text.splitlines()[-1])
    assert found, text.splitlines()[-1]
    return int(found[1]), int(found[2])


# --- rows ------------------------------------------------------------------------------


def test_an_invalid_child_keeps_its_row_and_the_count_is_the_errors_printed(
    tmp_path: Path,
) -> None:
    fleet = sample_copy(tmp_path)
    wroclaw = fleet / "cell-4680" / "wroclaw-pl.yaml"
    edit(wroclaw, "unit: degC", "unit: degc")
    edit(wroclaw, "unit: N,", "unit: Nn,")
    run = cexact("check", fleet, "--today", TODAY, "-j", "1", columns=80)
    assert run.exit_code == 1
    errors = [line for line in run.stdout.splitlines() if ERROR_LINE.match(line)]
    assert len(errors) == 2
    assert summary(run.stdout) == (len(errors), 1)
    row = blocks(run.stdout)["cell-4680 / wroclaw-pl"]
    assert row.splitlines() == [
        "cell-4680 / wroclaw-pl  INVALID",
        "  not compared: its recipe is invalid (2 errors)",
    ]
    assert len(blocks(run.stdout)) == 4
    report = cexact("check", fleet, "--today", TODAY, "-j", "1", "-f", "json").json()
    assert report["uncompared"] == [
        {
            "line_id": "cell-4680",
            "site": "wroclaw-pl",
            "path": str(wroclaw),
            "reason": "invalid",
        }
    ]


def test_an_unknown_unit_suggests_the_nearest_known_one(tmp_path: Path) -> None:
    fleet = sample_copy(tmp_path)
    singapore = fleet / "cmos-gate" / "fab-b-singapore.yaml"
    edit(singapore, "unit: degC", "unit: degc")
    edit(singapore, "unit: sccm", "unit: sccmm")
    text = cexact("validate", singapore).stdout
    assert "unknown unit 'degc' (did you mean 'degC'?)" in text
    assert "unknown unit 'sccmm' (did you mean 'sccm'?)" in text


def test_a_child_without_a_mother_is_located_at_its_line_id_with_the_nearest_id(
    tmp_path: Path,
) -> None:
    fleet = sample_copy(tmp_path)
    dresden = fleet / "cmos-gate" / "fab-c-dresden.yaml"
    edit(dresden, "id: cmos05-gate", "id: cmos05-gat")
    lines = dresden.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "cmos05-gat" in text)
    run = cexact("check", fleet, "--today", TODAY, "-j", "1", columns=80)
    (error,) = [line for line in run.stdout.splitlines() if ERROR_LINE.match(line)]
    assert error == (
        f"{dresden}:{line}:3: error: line 'cmos05-gat' has no mother recipe under {fleet}; "
        "did you mean 'cmos05-gate'? (fleet)"
    )
    assert blocks(run.stdout)["cmos05-gat / fab-c-dresden"].splitlines() == [
        "cmos05-gat / fab-c-dresden  NOT COMPARED",
        "  not compared: its line has no mother recipe",
    ]
    assert summary(run.stdout) == (1, 1)


def test_the_children_of_an_invalid_mother_keep_their_rows(tmp_path: Path) -> None:
    fleet = sample_copy(tmp_path)
    mother = fleet / "cmos-gate" / "mother.yaml"
    edit(mother, "unit: degC", "unit: degq")
    run = cexact("check", fleet, "--today", TODAY, "-j", "1", columns=80)
    rows = blocks(run.stdout)
    for site in ("fab-b-singapore", "fab-c-dresden"):
        row = rows[f"cmos05-gate / {site}"]
        assert row.splitlines()[0] == f"cmos05-gate / {site}  NOT COMPARED"
        assert " ".join(row.split()[5:]).replace("/ ", "/") == (
            f"not compared: its mother recipe is invalid ({mother})"
        )
    assert summary(run.stdout) == (1, 1)


def test_a_missing_field_names_the_step_by_its_id(tmp_path: Path) -> None:
    fleet = sample_copy(tmp_path)
    wroclaw = fleet / "cell-4680" / "wroclaw-pl.yaml"
    text = wroclaw.read_text(encoding="utf-8")
    start = text.index("- id: S030")
    name = text.index("    name:", start)
    wroclaw.write_text(text[:name] + "    title:" + text[name + len("    name:") :], "utf-8")
    run = cexact("validate", wroclaw)
    assert "steps[S030]: missing required field 'name'" in run.stdout
    assert "steps[2]" not in run.stdout


# --- what was applied, and where each recipe comes from -------------------------------


def test_diff_finds_the_project_file_above_the_child_and_agrees_with_check(
    tmp_path: Path,
) -> None:
    repository = GitRepoBuilder(tmp_path / "repo")
    shutil.copytree(SAMPLE_LINES, repository.root / "sample_lines")
    repository.commit("The sample lines")
    diff = cexact(
        "diff", "sample_lines/cell-4680/mother.yaml", "sample_lines/cell-4680/arizona-us.yaml",
        "--today", TODAY, cwd=repository.root,
    )  # fmt: skip
    head = diff.stdout.splitlines()[:4]
    assert head[2:] == [
        "project file: sample_lines/cexact.yaml",
        "waiver files: sample_lines/cell-4680/waivers.yaml",
    ]
    assert "required: Process Output Matching" in head[1]  # the project file's site setting
    as_json = cexact(
        "diff", "sample_lines/cell-4680/mother.yaml", "sample_lines/cell-4680/arizona-us.yaml",
        "--today", TODAY, "-f", "json", cwd=repository.root,
    ).json()  # fmt: skip
    check = cexact("check", "sample_lines", "--today", TODAY, "-j", "1", "-f", "json",
                   cwd=repository.root).json()  # fmt: skip
    (arizona,) = [s for s in check["sites"] if s["child"]["site"] == "arizona-us"]
    for key in ("required", "achieved", "passed", "counts", "project_file", "waiver_files"):
        assert as_json[key] == arizona[key], key
    assert as_json["project_file"]["path"] == "sample_lines/cexact.yaml"
    sha = as_json["project_file"]["sha256"]
    assert re.fullmatch(r"[0-9a-f]{64}", sha)


def test_check_records_every_recipes_commit_and_whether_it_is_dirty(tmp_path: Path) -> None:
    repository = GitRepoBuilder(tmp_path / "repo")
    shutil.copytree(SAMPLE_LINES, repository.root / "lines")
    commit = repository.commit("The sample lines")
    edit(repository.root / "lines" / "cmos-gate" / "fab-b-singapore.yaml", "# ", "#  ")
    report = cexact("check", "lines", "--today", TODAY, "-f", "json", cwd=repository.root).json()
    recipes = {s["child"]["site"]: s["child"] for s in report["sites"]}
    recipes.update({s["mother"]["line_id"]: s["mother"] for s in report["sites"]})
    assert len(recipes) == 6
    for name, recipe in recipes.items():
        assert recipe["commit"] == commit, name
        assert recipe["dirty"] is (name == "fab-b-singapore"), name


def test_log_shows_each_changes_severity(tmp_path: Path) -> None:
    repo = build_transfer_repo(tmp_path / "lines")
    text = cexact("log", "recipes/mother.yaml", cwd=repo.root).stdout
    changes = [line.split() for line in text.splitlines() if line.startswith("    copy-exactly")]
    assert changes
    assert all(words[1] in ("major", "minor") for words in changes)
