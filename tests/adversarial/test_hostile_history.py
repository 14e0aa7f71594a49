"""Git history can hold any text: it never breaks `log`, nor reaches a terminal as control codes."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Run
from tests.git_repos import GitRepoBuilder, recipe


def test_log_survives_separators_and_escapes_in_authors_and_subjects(
    run_cexact: Run, tmp_path: Path
) -> None:
    """Issue 13.14: an author name holding \\x1f broke `log --since`'s parsing."""
    builder = GitRepoBuilder(tmp_path / "repo")
    builder.write("line.yaml", recipe())
    builder.commit("first")
    builder.git("config", "user.name", "Eve\x1fMallory \x1b[2J")
    builder.write("line.yaml", recipe(oven_temp=135))
    builder.commit("raise the oven \x1b]0;owned\x07 temperature\x1f!")
    for options in ((), ("--since", "2024-01-01"), ("-n", "1")):
        result = run_cexact("log", builder.root / "line.yaml", *options)
        assert result.exit_code == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x1f" not in result.stdout
        assert "Eve\\x1fMallory \\x1b[2J" in result.stdout
        assert "raise the oven \\x1b]0;owned\\x07 temperature\\x1f!" in result.stdout
    markdown = run_cexact("log", builder.root / "line.yaml", "-f", "markdown")
    assert "\x1b" not in markdown.stdout


def test_drift_refuses_an_ambiguous_mother(run_cexact: Run, tmp_path: Path) -> None:
    """Issue 13.16: drift took the alphabetically first mother, a symlink out of the repo."""
    builder = GitRepoBuilder(tmp_path / "repo")
    builder.write("a-mother.yaml", recipe())
    builder.write("b-mother.yaml", recipe(site="ochang"))
    builder.write("child.yaml", recipe(site="wroclaw", role="child", mother_version="1.0"))
    builder.commit("line")
    result = run_cexact("drift", builder.root / "child.yaml")
    assert result.exit_code == 2
    assert "2 mother recipes of line 'coat-line'" in result.stderr
    assert "a-mother.yaml" in result.stderr and "b-mother.yaml" in result.stderr
    builder.remove("a-mother.yaml")
    builder.remove("b-mother.yaml")
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(recipe(), encoding="utf-8")
    (builder.root / "mother.yaml").symlink_to(elsewhere)
    result = run_cexact("drift", builder.root / "child.yaml")
    assert result.exit_code == 2
    assert "is a symbolic link to" in result.stderr and "--mother" in result.stderr
