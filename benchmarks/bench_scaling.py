"""How `cexact diff` grows with the recipe: time and peak memory from 100 to 20,000 steps.

For each size, a generated mother and a child differing in about 1 % of the
leaves (benchmarks/synthetic_lines.py); `cexact diff --no-cache` (cold: YAML,
validation, the diff and a JSON report) runs as its own process. Prints a
Markdown table with seconds per 1,000 steps, which stays flat when growth is
linear.

    python benchmarks/bench_scaling.py [--sizes 100 1000 5000 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_diff import timed_run  # a sibling script, not a package

GENERATOR = Path(__file__).resolve().parent / "synthetic_lines.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="cexact-bench-") as folder:
        env = {**os.environ, "NO_COLOR": "1"}
        for steps in args.sizes:
            line = Path(folder) / f"line-{steps}"
            subprocess.run(
                [sys.executable, str(GENERATOR), str(line), "--steps", str(steps)], check=True
            )
            mother, child = line / "mother.yaml", line / "child-00.yaml"
            size = mother.stat().st_size
            command = [sys.executable, "-m", "cexact", "diff", str(mother), str(child),
                       "--no-cache", "--max-file-size", str(4 * size), "-f", "json",
                       "-o", str(line / "report.json")]  # fmt: skip
            runs = [timed_run(command, env) for _ in range(1 if steps >= 5000 else args.repeat)]
            seconds = statistics.median(t for t, _ in runs)
            peak = max(p for _, p in runs) / 1024
            rows.append((steps, size / 1e6, seconds, peak))
            print(f"  {steps:>6} steps  {size / 1e6:6.1f} MB  {seconds:7.2f} s  {peak:7.0f} MiB")
    print()
    print("| steps | mother (MB) | cold diff (s) | s per 1,000 steps | peak RSS (MiB) |")
    print("|---:|---:|---:|---:|---:|")
    for steps, megabytes, seconds, peak in rows:
        print(
            f"| {steps:,} | {megabytes:.1f} | {seconds:.2f} | {1000 * seconds / steps:.2f} "
            f"| {peak:.0f} |"
        )


if __name__ == "__main__":
    main()
