"""Benchmark `cexact check` on a recipe repository the size of a real one, in the same run.

The repository: 40 lines, each a mother and 6 children of 80 steps (280 files).
Measured, each against the naive approach (one Python process that loads every
pair with PyYAML's CSafeLoader and compares it with DeepDiff, id-keyed lists as
mappings):

- `cexact check` cold (--no-cache) and warm (parse cache filled);
- `cexact validate` of the whole folder alone;
- a pre-commit style run: one child changed, then `check` again, warm: only that
  file is parsed again, so it should cost about what one file costs.

Medians; on a noisy machine compare the ratios.

    python benchmarks/bench_fleet.py [--lines 40] [--children 6] [--steps 80] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_diff import timed_run  # sibling scripts, not a package
from synthetic_lines import child_recipe, dump, mother_recipe

NAIVE_FLEET = r"""
import sys, yaml
from pathlib import Path
from deepdiff import DeepDiff
KEYED = {"steps", "equipment", "materials", "procedures", "spare_parts"}
def keyed(value, key=None):
    if isinstance(value, dict):
        return {k: keyed(v, k) for k, v in value.items()}
    if isinstance(value, list) and key in KEYED:
        return {item["id"]: keyed(item) for item in value}
    return value
def load(path):
    with open(path, encoding="utf-8") as stream:
        return yaml.load(stream, Loader=yaml.CSafeLoader)
total = 0
for line in sorted(Path(sys.argv[1]).iterdir()):
    mother = keyed(load(line / "mother.yaml"))
    for child in sorted(line.glob("child-*.yaml")):
        diff = DeepDiff(mother, keyed(load(child)))
        total += sum(len(v) for v in diff.values())
print(total)
"""


def write_repository(root: Path, lines: int, children: int, steps: int) -> list[Path]:
    """`lines` line folders, each with a mother and `children` children; the child paths."""
    child_paths = []
    for line in range(lines):
        folder = root / f"line-{line:02d}"
        folder.mkdir(parents=True)
        mother = mother_recipe(steps, seed=line)
        mother["line"]["id"] = f"line-{line:02d}"
        dump(mother, folder / "mother.yaml")
        for index in range(children):
            path = folder / f"child-{index:02d}.yaml"
            dump(child_recipe(mother, f"site-{index:02d}", seed=1000 * line + index), path)
            child_paths.append(path)
    return child_paths


def median_time(command: list[str], env: dict[str, str], repeat: int, label: str) -> float:
    times = [timed_run(command, env)[0] for _ in range(repeat)]
    median = statistics.median(times)
    print(f"  {label:<40} median {median:7.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--children", type=int, default=6)
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cexact-bench-") as folder:
        root = Path(folder) / "recipes"
        children = write_repository(root, args.lines, args.children, args.steps)
        files = list(root.rglob("*.yaml"))
        size = sum(p.stat().st_size for p in files)
        print(f"repository: {len(files)} files, {size / 1e6:.1f} MB, {args.steps} steps each")
        env = {**os.environ, "CEXACT_CACHE_DIR": str(Path(folder) / "cache"), "NO_COLOR": "1"}
        report = Path(folder) / "report.json"
        cexact = [sys.executable, "-m", "cexact"]
        check = [*cexact, "check", str(root), "-f", "json", "-o", str(report)]

        naive = median_time(
            [sys.executable, "-c", NAIVE_FLEET, str(root)], env, 1, "naive (CSafeLoader + DeepDiff)"
        )
        cold = median_time([*check, "--no-cache"], env, args.repeat, "cexact check --no-cache")
        timed_run(check, env)  # fill the cache
        warm = median_time(check, env, args.repeat, "cexact check (cache warm)")
        validate = [*cexact, "validate", str(root), "-f", "json", "-o", str(report)]
        validate_time = median_time(validate, env, args.repeat, "cexact validate (no cache)")

        changed = children[len(children) // 2]
        one_change = []
        for round_ in range(args.repeat):
            text = changed.read_text(encoding="utf-8")
            changed.write_text(text.replace("manual", f"manual-{round_}", 1), encoding="utf-8")
            one_change.append(timed_run(check, env)[0])
        pre_commit = statistics.median(one_change)
        print(f"  {'check after one child changed (warm)':<40} median {pre_commit:7.2f} s")

        print()
        print(f"cold check / naive      = {cold / naive:.3f}")
        print(f"warm check / naive      = {warm / naive:.3f}")
        print(f"cold check / validate   = {cold / validate_time:.3f}")
        print(f"one change / warm check = {pre_commit / warm:.3f}   (about 1: one file re-read)")


if __name__ == "__main__":
    main()
