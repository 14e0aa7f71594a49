"""Benchmark `cexact adopt --dry-run` against `cexact drift` on the same generated input.

A temporary git repository holds the generated 1,000-step mother (version
1.0.0) and a child transferred from it (benchmarks/synthetic_lines.py), then
a mother 1.1.0 that changed about 1 % of its parameter set points. `drift`
lists what the child has not taken; `adopt` does that and more (a three-way
comparison, the edits, the edited file read back and validated). Each runs
as its own process, without the parse cache; medians; compare the ratio.

    python benchmarks/bench_adopt.py [--steps 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_diff import median_run
from synthetic_lines import child_recipe, dump, mother_recipe


def _git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def build_repository(root: Path, steps: int) -> Path:
    """The repository; returns the child recipe's path."""
    lines = root / "line"
    lines.mkdir(parents=True)
    mother = mother_recipe(steps)
    dump(mother, lines / "mother.yaml")
    dump(child_recipe(mother, "child-00", seed=100), lines / "child-00.yaml")
    _git(root, "init", "--quiet", "--initial-branch=main")
    _git(root, "config", "user.name", "Bench")
    _git(root, "config", "user.email", "bench@example.com")
    _git(root, "add", "--all")
    _git(root, "commit", "--quiet", "-m", "mother 1.0.0 and its child")
    rng = random.Random(11)
    mother["line"]["version"] = "1.1.0"
    for step in mother["steps"]:
        for value in step["parameters"].values():
            if isinstance(value, dict) and rng.random() < 0.01:
                value["value"] = round(value["value"] * 1.02, 2)
    dump(mother, lines / "mother.yaml")
    _git(root, "commit", "--quiet", "-am", "mother 1.1.0")
    return lines / "child-00.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cexact-bench-") as folder:
        root = Path(folder)
        child = build_repository(root / "repo", args.steps)
        env = {**os.environ, "CEXACT_CACHE_DIR": str(root / "cache"), "NO_COLOR": "1"}
        print(f"child {child.stat().st_size / 1e6:.2f} MB, {args.steps} steps")
        cexact = [sys.executable, "-m", "cexact"]
        out = ["--format", "json", "-o", os.devnull]
        drift, _ = median_run(
            "cexact drift --no-cache",
            [*cexact, "drift", str(child), "--no-cache", *out],
            env,
            args.repeat,
        )
        adopt, _ = median_run(
            "cexact adopt --dry-run",
            [*cexact, "adopt", str(child), "--dry-run", *out],
            env,
            args.repeat,
        )
        print()
        print(f"adopt --dry-run / drift = {adopt / drift:.2f}")


if __name__ == "__main__":
    main()
