"""A bounded fuzz run: mutated sample recipes through validate and diff, cached and not.

For every input: the exit code is 0, 1 or 2; a refusal is located lines and
one final `cexact: error:` line, never a traceback; the cached run reports
exactly what the uncached one does; and a value that arrives through an alias
is compared exactly as the same value written out.
"""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cexact.cli import main
from tests.conftest import SAMPLE_LINES

MOTHER = (SAMPLE_LINES / "cmos-gate" / "mother.yaml").read_text(encoding="utf-8")
CHILD = (SAMPLE_LINES / "cmos-gate" / "fab-b-singapore.yaml").read_text(encoding="utf-8")
LOCATED = re.compile(r"^.+?:\d+(:\d+)?: error: .+$")
FUZZ = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SNIPPETS = st.sampled_from(
    [
        "", "~", "no", "1:30", "0755", "1_000", "1.10", ".nan", "9" * 30, "&a", "*a", "!!python/x",
        "<<: *a", "\x00", "\x1b[2J", "\t", '"', "'", "{", "[", "- ", ": ", "#", "---", "%TAG ! !x",
        "? ", "|", ">", "\\", "\ufeff", "é", "\r\n", "\n  ", "value: 1e999", "unit: m*9**9**9",
    ]
)  # fmt: skip


ACTIONS = st.sampled_from(["insert", "replace", "delete", "duplicate", "swap"])
MUTATIONS = st.lists(
    st.tuples(
        st.integers(0, 10_000),
        ACTIONS,
        st.one_of(SNIPPETS, st.text(max_size=6)),
        st.integers(0, 80),
    ),
    min_size=1,
    max_size=3,
)


def mutate(text: str, mutations: list[tuple[int, str, str, int]]) -> str:
    """`text` with each (line, action, snippet, column) applied in turn."""
    lines = text.split("\n")
    for line, action, snippet, column in mutations:
        index = line % len(lines)
        if action == "insert":
            at = min(column, len(lines[index]))
            lines[index] = lines[index][:at] + snippet + lines[index][at:]
        elif action == "replace" and ": " in lines[index]:
            lines[index] = f"{lines[index].split(': ', 1)[0]}: {snippet}"
        elif action == "delete" and len(lines) > 1:
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "swap" and index + 1 < len(lines):
            lines[index], lines[index + 1] = lines[index + 1], lines[index]
    return "\n".join(lines)


def run(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def assert_clean(code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in out + err
    if code == 2 and err:  # refused: located lines, then one error line
        *details, last = err.rstrip("\n").split("\n")
        assert last.startswith("cexact: error: "), err
        for line in details:
            assert LOCATED.match(line), (line, err)
    elif code == 2:  # validate: its findings are its report
        assert any(LOCATED.match(line) for line in out.splitlines()), out


@FUZZ
@given(mutations=MUTATIONS)
def test_mutated_children_diff_cleanly_and_the_same_with_the_cache(
    tmp_path: Path, mutations: list[tuple[int, str, str, int]]
) -> None:
    child = mutate(CHILD, mutations)
    mother_path = tmp_path / "mother.yaml"
    mother_path.write_text(MOTHER, encoding="utf-8")
    child_path = tmp_path / "child.yaml"
    child_path.write_bytes(child.encode("utf-8", "surrogatepass"))
    today = ("--today", "2026-06-01")
    uncached = run("diff", mother_path, child_path, "-f", "json", "--no-cache", *today)
    assert_clean(*uncached)
    for _ in range(2):  # the first fills the cache, the second reads from it
        cached = run("diff", mother_path, child_path, "-f", "json", *today)
        assert cached[0] == uncached[0]
        assert cached[1] == uncached[1]
    validated = run("validate", child_path)
    assert_clean(*validated)
    assert (validated[0] == 0) == (uncached[0] in (0, 1))


@FUZZ
@given(mutations=MUTATIONS)
def test_mutated_mothers_validate_cleanly(
    tmp_path: Path, mutations: list[tuple[int, str, str, int]]
) -> None:
    mother = mutate(MOTHER, mutations)
    path = tmp_path / "mother.yaml"
    path.write_bytes(mother.encode("utf-8", "surrogatepass"))
    assert_clean(*run("validate", path))


SCALARS = st.one_of(
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.0, 1.0, 60, 60.0, "1", "true", None]),
)
CONFIGURATIONS = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d"]),
    st.one_of(SCALARS, st.dictionaries(st.sampled_from(["x", "y"]), SCALARS, max_size=2)),
    min_size=1,
    max_size=4,
)

TEMPLATE = """\
cexact: 1
line: {{id: l, name: L, product: p, site: {site}, role: {role}, version: "1"}}
systems:
  spc:
    vendor: V
    product: P
    version: "1"
    configuration:
      source: &shared {shared}
      target: {target}
steps:
  - {{id: s1, name: S, operation: o}}
"""


@FUZZ
@given(shared=CONFIGURATIONS, mother_target=CONFIGURATIONS)
def test_a_value_through_an_alias_is_compared_as_written_out(
    tmp_path: Path, shared: dict[str, object], mother_target: dict[str, object]
) -> None:
    def recipe(site: str, role: str, target: str) -> str:
        return TEMPLATE.format(site=site, role=role, shared=json.dumps(shared), target=target)

    child_role = 'child, mother: {site: m, version: "1"}'
    mother = tmp_path / "mother.yaml"
    mother.write_text(recipe("m", "mother", json.dumps(mother_target)), encoding="utf-8")
    aliased = tmp_path / "aliased.yaml"
    aliased.write_text(recipe("c", child_role, "*shared"), encoding="utf-8")
    written = tmp_path / "written.yaml"
    written.write_text(recipe("c", child_role, json.dumps(shared)), encoding="utf-8")
    reports = []
    for child in (aliased, written, aliased):
        for cache in ("--no-cache", "--format=json"):
            code, out, err = run("diff", mother, child, "-f", "json", "--require",
                                 "system-synergy", cache)  # fmt: skip
            assert_clean(code, out, err)
            reports.append((code, [(d["path"], d["kind"]) for d in json.loads(out)["deviations"]]))
    assert all(report == reports[0] for report in reports), reports


@pytest.mark.parametrize("depth", [64, 65, 5000])
def test_deep_nesting_is_refused_at_once(tmp_path: Path, depth: int) -> None:
    import time

    path = tmp_path / "deep.yaml"
    path.write_text("cexact: 1\nx: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    start = time.perf_counter()
    code, out, err = run("validate", path)
    assert time.perf_counter() - start < 1.0
    assert_clean(code, out, err)
    assert code == 2
