"""A gate that passes when a child should fail is the worst defect cexact can have.

Each test is a reproduction from the adversarial review (issue 13), kept as a
regression test: a recipe that must fail its gate, and the way it once passed.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CommandResult

MOTHER = """\
cexact: 1
line: {id: l, name: L, product: p, site: m, role: mother, version: "1"}
systems:
  spc:
    vendor: V
    product: P
    version: "1"
    configuration:
      src: &x {flag: true}
      target: {flag: 1}
steps:
  - {id: s1, name: S, operation: o}
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_alias_cannot_hide_true_against_1(run_cexact, tmp_path: Path) -> None:
    """Issue 13.1: `target: *x` repeats {flag: true}; the mother has {flag: 1}."""
    child_text = MOTHER.replace("role: mother", 'role: child, mother: {site: m, version: "1"}')
    aliased = child_text.replace("target: {flag: 1}", "target: *x")
    written_out = child_text.replace("target: {flag: 1}", "target: {flag: true}")
    mother = _write(tmp_path, "mother.yaml", MOTHER)
    results: list[CommandResult] = []
    for name, text in (("aliased.yaml", aliased), ("written-out.yaml", written_out)):
        child = _write(tmp_path, name, text)
        for cache in ("--no-cache", "--format=text"):  # uncached, then cached twice
            for _ in range(2):
                results.append(
                    run_cexact("diff", mother, child, "--require", "system-synergy", cache)
                )
    for result in results:
        assert result.exit_code == 1, result.stdout + result.stderr
        assert "systems.spc.configuration.target.flag" in result.stdout
        assert "type-changed" in result.stdout
