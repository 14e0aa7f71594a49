"""Benchmark `cexact check` on a fleet against the naive approach, in the same run.

The fleet: a 1,000-step mother (~3 MB) and ten children, each differing in
about 1 % of the leaves. The naive approach runs PyYAML's CSafeLoader and
DeepDiff (id-keyed lists as mappings) over each of the ten pairs, as a
script would. cexact check runs cold (--no-cache: every file parsed once,
on all cores) and warm (parse cache filled). Medians; compare the ratios.

    python benchmarks/bench_check.py [--children 10] [--steps 1000] [--repeat 3]
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

from bench_diff import NAIVE, timed_run  # a sibling script, not a package

GENERATOR = Path(__file__).resolve().parent / "synthetic_lines.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=10)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-repeat", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cexact-bench-") as folder:
        root = Path(folder)
        fleet = root / "fleet"
        subprocess.run(
            [sys.executable, str(GENERATOR), str(fleet), "--children", str(args.children),
             "--steps", str(args.steps)],
            check=True,
        )  # fmt: skip
        env = {**os.environ, "CEXACT_CACHE_DIR": str(root / "cache"), "NO_COLOR": "1"}
        mother = fleet / "mother.yaml"
        children = sorted(fleet.glob("child-*.yaml"))
        print(f"fleet: mother {mother.stat().st_size / 1e6:.2f} MB and {len(children)} children")

        naive_times, naive_peak = [], 0
        for _ in range(args.naive_repeat):
            total = 0.0
            for child in children:
                elapsed, peak = timed_run(
                    [sys.executable, "-c", NAIVE, str(mother), str(child)], env
                )
                total += elapsed
                naive_peak = max(naive_peak, peak)
            naive_times.append(total)
        naive = statistics.median(naive_times)
        print(
            f"  naive over {len(children)} pairs      median {naive:7.2f} s  "
            f"peak {naive_peak / 1024:6.0f} MiB"
        )

        check = [sys.executable, "-m", "cexact", "check", str(fleet), "--format", "json",
                 "-o", os.devnull]  # fmt: skip

        def measure(label: str, command: list[str]) -> tuple[float, int]:
            runs = [timed_run(command, env) for _ in range(args.repeat)]
            median = statistics.median(t for t, _ in runs)
            peak = max(p for _, p in runs)
            print(
                f"  {label:<28} median {median:7.2f} s  peak {peak / 1024:6.0f} MiB  "
                f"(runs: {', '.join(f'{t:.2f}' for t, _ in runs)})"
            )
            return median, peak

        cold, _ = measure("cexact check --no-cache", [*check, "--no-cache"])
        timed_run(check, env)  # fill the cache
        warm, _ = measure("cexact check (cache warm)", check)
        print()
        print(f"cold check / naive = {cold / naive:.3f}   (target <= 0.08)")
        print(f"warm check / naive = {warm / naive:.3f}   (target <= 0.015)")
        print("(peak memory is per process; cexact's workers are separate processes)")


if __name__ == "__main__":
    main()
