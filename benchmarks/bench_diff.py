"""Benchmark `cexact diff` against the naive approach, measured in the same run.

The naive approach is what a careful engineer would script today: PyYAML's
CSafeLoader on both files, then DeepDiff with id-keyed lists turned into
mappings. Each contender runs as its own process (cexact's figure includes
interpreter start-up and imports); the figures are medians, and the ratios
are what to compare on a noisy machine.

    python benchmarks/bench_diff.py [--steps 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GENERATOR = Path(__file__).resolve().parent / "synthetic_lines.py"

NAIVE = r"""
import sys, yaml
from deepdiff import DeepDiff
KEYED = {"steps", "equipment", "materials", "procedures", "spare_parts"}
def keyed(value, key=None):
    if isinstance(value, dict):
        return {k: keyed(v, k) for k, v in value.items()}
    if isinstance(value, list) and key in KEYED:
        return {item["id"]: keyed(item) for item in value}
    return value
docs = []
for path in sys.argv[1:3]:
    with open(path, encoding="utf-8") as stream:
        docs.append(yaml.load(stream, Loader=yaml.CSafeLoader))
diff = DeepDiff(keyed(docs[0]), keyed(docs[1]))
print(sum(len(v) for v in diff.values()))
"""


def timed_run(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time (s) and peak resident memory (KiB) of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr}")
    return elapsed, usage.ru_maxrss


def median_run(
    label: str, command: list[str], env: dict[str, str], repeat: int
) -> tuple[float, int]:
    times, peaks = [], []
    for _ in range(repeat):
        elapsed, peak = timed_run(command, env)
        times.append(elapsed)
        peaks.append(peak)
    median = statistics.median(times)
    print(
        f"  {label:<34} median {median:7.3f} s  peak {max(peaks) / 1024:7.1f} MiB  "
        f"(runs: {', '.join(f'{t:.2f}' for t in times)})"
    )
    return median, max(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--naive-repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cexact-bench-") as folder:
        root = Path(folder)
        # Generated in a child process: a forked process inherits its parent's
        # peak memory figure, which would otherwise hide the contenders' own.
        subprocess.run(
            [sys.executable, str(GENERATOR), str(root / "line"), "--steps", str(args.steps)],
            check=True,
        )
        mother, child = root / "line" / "mother.yaml", root / "line" / "child-00.yaml"
        cache = root / "cache"
        env = {**os.environ, "CEXACT_CACHE_DIR": str(cache), "NO_COLOR": "1"}
        size = mother.stat().st_size
        print(
            f"mother {size / 1e6:.2f} MB, child {child.stat().st_size / 1e6:.2f} MB, "
            f"{args.steps} steps"
        )
        cexact = [sys.executable, "-m", "cexact"]
        diff = [*cexact, "diff", str(mother), str(child), "--format", "json", "-o", os.devnull]

        naive, naive_peak = median_run(
            "naive (CSafeLoader + DeepDiff)",
            [sys.executable, "-c", NAIVE, str(mother), str(child)],
            env,
            args.naive_repeat,
        )
        cold, cold_peak = median_run(
            "cexact diff --no-cache", [*diff, "--no-cache"], env, args.repeat
        )
        timed_run(diff, env)  # fill the cache
        warm, warm_peak = median_run("cexact diff (cache warm)", diff, env, args.repeat)
        baseline, _ = median_run("python -c pass", [sys.executable, "-c", "pass"], env, args.repeat)
        help_time, _ = median_run("cexact --help", [*cexact, "--help"], env, args.repeat)

        print()
        print(f"cold diff / naive   = {cold / naive:.3f}   (target <= 0.10)")
        print(f"warm diff / naive   = {warm / naive:.3f}   (target <= 0.02)")
        print(
            f"peak memory: naive {naive_peak / 1024:.0f} MiB, cexact cold {cold_peak / 1024:.0f} "
            f"MiB, warm {warm_peak / 1024:.0f} MiB"
        )
        print(
            f"cexact --help       = {help_time:.3f} s "
            f"({help_time - baseline:.3f} s over bare python)"
        )


if __name__ == "__main__":
    main()
