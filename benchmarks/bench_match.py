"""Benchmark statistical output matching: load two sites' CSV data and match them.

Generates (in a temporary folder) a mother recipe with 100 outputs and one
measurement CSV per site with 10,000 measurements of each output (1,000,000
rows per site; the child writes half its values in nm, the recipe's unit is
um, so the unit conversion path is timed too). Then times, in this process,
loading both files and matching them, and prints the median of several runs.
The first run also pays the one-time imports (scipy.special) and the unit
table, so it is shown on its own.

    python benchmarks/bench_match.py [--outputs 100] [--per-output 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cexact.commands.match import match_measurements
from cexact.commands.match_results import Verdict
from cexact.recipe.measurements import load_measurements
from cexact.recipe.reading import load_valid_recipe

OUTPUTS_PER_STEP = 10


def recipe_text(outputs: int) -> str:
    lines = [
        "cexact: 1",
        "line:",
        "  id: bench-line",
        "  name: Benchmark line",
        "  product: BENCH-1",
        "  site: mother-site",
        "  role: mother",
        '  version: "1.0"',
        "steps:",
    ]
    for step in range((outputs + OUTPUTS_PER_STEP - 1) // OUTPUTS_PER_STEP):
        lines += [f"  - id: S{step:03d}", f"    name: Step {step}", "    operation: coating"]
        lines.append("    outputs:")
        for k in range(min(OUTPUTS_PER_STEP, outputs - step * OUTPUTS_PER_STEP)):
            lines += [
                f"      out_{k:02d}:",
                "        target: 100.0",
                "        unit: um",
                "        lsl: 90.0",
                "        usl: 110.0",
            ]
    return "\n".join(lines) + "\n"


def write_site(
    path: Path, outputs: int, per_output: int, seed: int, shift: float, nm_share: float
) -> None:
    """One site's CSV: `per_output` rows per output, a share of them in nm."""
    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write("step,output,value,unit,lot,timestamp\n")
        for index in range(outputs):
            step, name = f"S{index // OUTPUTS_PER_STEP:03d}", f"out_{index % OUTPUTS_PER_STEP:02d}"
            values = rng.normal(100.0 + shift, 1.5, per_output)
            in_nm = rng.random(per_output) < nm_share
            chunk = []
            for i, (value, nm) in enumerate(zip(values.tolist(), in_nm.tolist(), strict=True)):
                text, unit = (f"{value * 1000:.1f}", "nm") if nm else (f"{value:.4f}", "um")
                minute = i % 60
                hour = (i // 60) % 24
                chunk.append(
                    f"{step},{name},{text},{unit},L{i // 25:04d},"
                    f"2025-09-{1 + i // 1440 % 28:02d}T{hour:02d}:{minute:02d}:00Z\n"
                )
            stream.write("".join(chunk))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=int, default=100)
    parser.add_argument("--per-output", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        recipe_path = root / "mother.yaml"
        recipe_path.write_text(recipe_text(args.outputs), encoding="utf-8")
        mother_csv, child_csv = root / "mother.csv", root / "child.csv"
        started = time.perf_counter()
        write_site(mother_csv, args.outputs, args.per_output, seed=1, shift=0.0, nm_share=0.0)
        write_site(child_csv, args.outputs, args.per_output, seed=2, shift=0.05, nm_share=0.5)
        size = (mother_csv.stat().st_size + child_csv.stat().st_size) / 1e6
        print(
            f"generated {args.outputs} outputs x {args.per_output:,} measurements per site "
            f"({size:.0f} MB of CSV) in {time.perf_counter() - started:.1f} s"
        )
        recipe = load_valid_recipe(recipe_path)

        loads, matches, totals = [], [], []
        verdicts: dict[Verdict, int] = {}
        for _ in range(args.repeat + 1):
            start = time.perf_counter()
            mother = load_measurements(mother_csv, recipe)
            child = load_measurements(child_csv, recipe)
            loaded = time.perf_counter()
            report = match_measurements(mother, child, recipe)
            done = time.perf_counter()
            loads.append(loaded - start)
            matches.append(done - loaded)
            totals.append(done - start)
            verdicts = {v: len(report.with_verdict(v)) for v in Verdict}

    print(f"first run (with one-time imports): {totals[0]:.2f} s")
    print(
        f"median of {args.repeat}: load both {statistics.median(loads[1:]):.2f} s, "
        f"match {statistics.median(matches[1:]):.3f} s, "
        f"total {statistics.median(totals[1:]):.2f} s"
    )
    print("verdicts: " + ", ".join(f"{v.value} {count}" for v, count in verdicts.items()))


if __name__ == "__main__":
    main()
