"""Evaluate rapidyaml against cexact's loader on the generated mother (issue 11).

cexact builds plain data from libyaml's event stream and, on the way, applies
every strictness rule (YAML 1.2 core typing, duplicate keys, tags, anchors and
depth limits) and records where each value is written. rapidyaml (`ryml`, C++)
parses far faster, but hands back a tree of strings; the rules and the
positions would have to be added in a Python walk of that tree. This script
measures, in one run, the parts of that trade:

- cexact's `load_bytes` (every rule, positions),
- PyYAML's `yaml.parse` with libyaml (event objects, no data built),
- rapidyaml's parse, and a plain Python walk of its tree into dicts (no typing,
  no duplicate-key check, no positions: a lower bound on a ryml-based loader),

and then which of cexact's refusals rapidyaml makes by itself, and how it fares
on the YAML test suite in ../shared/corpora (inputs it must reject or accept).

    pip install rapidyaml   # not a cexact dependency
    python benchmarks/bench_parsers.py [--steps 1000] [--repeat 5] [--suite DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml
from synthetic_lines import write_fleet

from cexact.errors import RecipeLoadError
from cexact.recipe.loader import load_bytes

SUITE = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "yaml-test-suite"

REFUSALS = {
    "duplicate key": b"a: 1\na: 2\n",
    "python tag": b"a: !!python/object:os.system x\n",
    "unknown tag": b"a: !mytag x\n",
    "merge key": b"a: &x {b: 1}\nc: {<<: *x}\n",
    "two documents": b"a: 1\n---\nb: 2\n",
    "undefined alias": b"a: *nope\n",
    "yes as a boolean": b"a: yes\n",
    "sexagesimal 1:30": b"a: 1:30\n",
    "unclosed flow": b"a: [1, 2\n",
}
"""Inputs cexact refuses, each with its file:line:col."""


def median(label: str, action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    value = statistics.median(times)
    runs = ", ".join(f"{t:.3f}" for t in times)
    print(f"  {label:<44} median {value:6.3f} s  (runs: {runs})")
    return value


def ryml_walk(ryml: Any, tree: Any, node: int) -> object:
    """Plain dicts, lists and strings from a ryml tree: no typing, no checks."""
    if tree.is_map(node):
        mapping = {}
        child = tree.first_child(node)
        while child != ryml.NONE:
            mapping[bytes(tree.key(child)).decode()] = ryml_walk(ryml, tree, child)
            child = tree.next_sibling(child)
        return mapping
    if tree.is_seq(node):
        items = []
        child = tree.first_child(node)
        while child != ryml.NONE:
            items.append(ryml_walk(ryml, tree, child))
            child = tree.next_sibling(child)
        return items
    return bytes(tree.val(node)).decode() if tree.has_val(node) else None


def ryml_accepts(ryml: Any, data: bytes) -> bool:
    """Whether ryml parses `data` (it prints its error to file descriptor 2: muted)."""
    saved, muted = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(muted, 2)
    try:
        ryml.parse_in_arena(data)
        return True
    except Exception:  # any failure to parse is a refusal
        return False
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(muted)


def cexact_accepts(data: bytes) -> bool:
    try:
        load_bytes(data, "case.yaml")
        return True
    except RecipeLoadError:
        return False


def suite_cases(folder: Path) -> list[tuple[str, bytes, bool]]:
    cases = []
    for case in sorted(folder.iterdir()) if folder.is_dir() else ():
        source = case / "in.yaml"
        if source.is_file():
            cases.append((case.name, source.read_bytes(), (case / "error").exists()))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--suite", type=Path, default=SUITE)
    args = parser.parse_args()
    try:
        import ryml  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise SystemExit("rapidyaml is not installed: pip install rapidyaml") from None

    with tempfile.TemporaryDirectory() as tmp:
        mother, _ = write_fleet(Path(tmp), children=0, steps=args.steps)
        data = mother.read_bytes()
    print(f"generated mother: {args.steps} steps, {len(data) / 1e6:.1f} MB")
    loader = median(
        "cexact load_bytes (every rule, positions)", lambda: load_bytes(data, "m"), args.repeat
    )
    events = median(
        "yaml.parse: PyYAML event objects (libyaml)",
        lambda: list(yaml.parse(data, Loader=yaml.CSafeLoader)),
        args.repeat,
    )
    parse = median("rapidyaml parse_in_arena", lambda: ryml.parse_in_arena(data), args.repeat)
    tree = ryml.parse_in_arena(data)
    walk = median(
        "rapidyaml tree -> dicts (no rules)",
        lambda: ryml_walk(ryml, tree, tree.root_id()),
        args.repeat,
    )
    print(
        f"  ratios to cexact's loader: yaml.parse {events / loader:.2f}, ryml parse "
        f"{parse / loader:.2f}, ryml parse + plain walk {(parse + walk) / loader:.2f}"
    )

    print("\nrefused by cexact; and by rapidyaml itself?")
    for name, text in REFUSALS.items():
        assert not cexact_accepts(text), name
        verdict = "accepts it" if ryml_accepts(ryml, text) else "refuses it"
        print(f"  {name:<20} rapidyaml {verdict}")

    cases = suite_cases(args.suite)
    if cases:
        wrong_accept = [name for name, text, bad in cases if bad and ryml_accepts(ryml, text)]
        wrong_reject = [
            name for name, text, bad in cases if not bad and not ryml_accepts(ryml, text)
        ]
        print(
            f"\nYAML test suite ({len(cases)} inputs): rapidyaml accepts {len(wrong_accept)} it "
            f"must reject ({' '.join(wrong_accept)}), rejects {len(wrong_reject)} valid ones"
        )


if __name__ == "__main__":
    main()
