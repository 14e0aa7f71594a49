"""A gate that passes when a child should fail is the worst defect cexact can have.

Each test is a reproduction from the adversarial review (issue 13), kept as a
regression test: a recipe that must fail its gate, and the way it once passed.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CommandResult, Run

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


def test_an_alias_cannot_hide_true_against_1(run_cexact: Run, tmp_path: Path) -> None:
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


CHILD_HEADER = 'role: child, mother: {site: m, version: "1"}'


def _pair(tmp_path: Path, mother_text: str, child_text: str) -> tuple[Path, Path]:
    return (
        _write(tmp_path, "mother.yaml", mother_text),
        _write(tmp_path, "child.yaml", child_text.replace("role: mother", CHILD_HEADER)),
    )


TINY = """\
cexact: 1
line: {id: l, name: L, product: p, site: m, role: mother, version: "1"}
steps:
  - id: s1
    name: S
    operation: o
    parameters:
      capacitance: {value: 1.0e-13, unit: F, tolerance: 1.0e-14}
    outputs:
      leakage: {target: 1.0e-13, unit: A, usl: 2.0e-13}
"""


def test_tiny_quantities_are_compared_relative_to_their_magnitude(
    run_cexact: Run, tmp_path: Path
) -> None:
    """Issue 13.3: a unit-blind 1e-12 floor called 1e-13 F equal to 9e-13 F."""
    child = TINY.replace("value: 1.0e-13, unit: F", "value: 9.0e-13, unit: F").replace(
        "usl: 2.0e-13", "usl: 9.0e-13"
    )
    mother, child_path = _pair(tmp_path, TINY, child)
    result = run_cexact("diff", mother, child_path, "--no-cache", "-f", "json")
    assert result.exit_code == 1, result.stderr
    paths = [d["path"] for d in json.loads(result.stdout)["deviations"]]
    assert paths == ["steps[s1].outputs.leakage.usl", "steps[s1].parameters.capacitance"]


def test_float_noise_from_an_offset_unit_is_not_a_change(run_cexact: Run, tmp_path: Path) -> None:
    text = TINY.replace(
        "capacitance: {value: 1.0e-13, unit: F, tolerance: 1.0e-14}",
        "bath: {value: 0, unit: degC, tolerance: 0.5}",
    )
    child = text.replace(
        "value: 0, unit: degC, tolerance: 0.5", "value: 32, unit: degF, tolerance: 0.9"
    )
    mother, child_path = _pair(tmp_path, text, child)
    result = run_cexact("diff", mother, child_path, "--no-cache", "-f", "json")
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["deviations"] == []


AMBIGUOUS = """\
cexact: 1
line: {id: l, name: L, product: p, site: m, role: mother, version: "1"}
steps:
  - id: s1
    name: S
    operation: o
    equipment:
      - id: e1
        vendor: V
        model: M
        configuration:
          "p q": {"r s": 1}
          'p q"]["r s': 1
"""


def test_paths_are_unambiguous_and_waivers_cover_only_their_own(
    run_cexact: Run, tmp_path: Path
) -> None:
    """Issue 13.13: two different keys printed as the same path, one waiver covered both."""
    child = AMBIGUOUS.replace('"p q": {"r s": 1}', '"p q": {"r s": 2}').replace(
        "'p q\"][\"r s': 1", "'p q\"][\"r s': 2"
    )
    mother, child_path = _pair(tmp_path, AMBIGUOUS, child)
    result = run_cexact("diff", mother, child_path, "--no-cache", "-f", "json")
    paths = [d["path"] for d in json.loads(result.stdout)["deviations"]]
    nested = 'steps[s1].equipment[e1].configuration["p q"]["r s"]'
    flat = 'steps[s1].equipment[e1].configuration["p q\\"][\\"r s"]'
    assert sorted(paths) == sorted([nested, flat])
    waivers = _write(
        tmp_path,
        "waivers.yaml",
        "cexact-waivers: 1\nwaivers:\n"
        f"  - id: W-1\n    line: l\n    site: m\n    path: {json.dumps(nested)}\n"
        "    ground: competitive-benefit\n    change_request: CR-1\n"
        '    approved_by: [{name: A, role: B, date: "2026-01-01"}]\n    expires: "2099-01-01"\n',
    )
    result = run_cexact("diff", mother, child_path, "--waivers", waivers, "-f", "json")
    assert result.exit_code == 1, result.stdout + result.stderr
    waived = {d["path"]: d["waiver"] for d in json.loads(result.stdout)["deviations"]}
    assert waived == {nested: "W-1", flat: None}
