"""What a command line can do wrong, each answered with the right code and one line (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cexact.cli import main
from tests.conftest import SAMPLE_LINES, Run

CMOS = SAMPLE_LINES / "cmos-gate"


def test_ctrl_c_is_interrupted_exit_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("cexact.commands.diff.compare_sources", interrupted)
    assert main(["diff", str(CMOS / "mother.yaml"), str(CMOS / "fab-c-dresden.yaml")]) == 130
    assert capsys.readouterr().err == "cexact: error: interrupted\n"


def test_a_report_never_overwrites_an_input_recipe(run_cexact: Run, tmp_path: Path) -> None:
    """Issue 13.10: `-o child.yaml` replaced the child recipe without a word."""
    for name in ("mother.yaml", "fab-c-dresden.yaml"):
        (tmp_path / name).write_bytes((CMOS / name).read_bytes())
    child = tmp_path / "fab-c-dresden.yaml"
    before = child.read_bytes()
    result = run_cexact("diff", tmp_path / "mother.yaml", child, "-f", "json", "-o", child)
    assert result.exit_code == 2
    assert "is one of the command's inputs" in result.stderr
    assert child.read_bytes() == before


@pytest.mark.parametrize("name", ["../../x", "/etc/passwd", "recipe.schema", "RECIPE"])
def test_schema_takes_only_the_shipped_names(run_cexact: Run, name: str) -> None:
    """Issue 13.11: `cexact schema ../../x` read any x.schema.json on disk."""
    result = run_cexact("schema", name)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"cexact: error: unknown schema {name!r}; choose from")


def test_markdown_cannot_open_html_links_or_images(run_cexact: Run, tmp_path: Path) -> None:
    """Issue 13.14: Markdown escaped only |, \\ and line feeds."""
    mother = (CMOS / "mother.yaml").read_text(encoding="utf-8")
    child = (CMOS / "fab-b-singapore.yaml").read_text(encoding="utf-8")
    hostile = "<script>alert(1)</script> ![x](http://evil.example/p.png) [y](http://e) `z`"
    (tmp_path / "mother.yaml").write_text(mother, encoding="utf-8")
    (tmp_path / "child.yaml").write_text(
        child.replace("supplier: Linde", f'supplier: "{hostile}"', 1), encoding="utf-8"
    )
    result = run_cexact(
        "diff", tmp_path / "mother.yaml", tmp_path / "child.yaml", "-f", "markdown"
    )
    assert "<script>" not in result.stdout and "&lt;script>" in result.stdout
    assert "![x](" not in result.stdout and "\\[y\\](" in result.stdout
