"""Benchmark `cexact impact` over a fleet against `cexact check` and `cexact drift` on it.

The fleet (as bench_check.py generates it): a 1,000-step mother (~3 MB) and ten
children, each differing in about 1 % of the leaves, committed to a git
repository. A branch `proposal` changes about 1 % of the mother's leaves (version
1.1.0). `impact proposal:fleet/mother.yaml fleet` is one run over the fleet;
`check fleet` is the gate on the same files; `drift CHILD --mother
proposal:fleet/mother.yaml` lists the same mother changes for one child, so ten
drift runs cover what one impact run covers. Every run is cold (--no-cache) and
in its own process; medians of --repeat runs.

    python benchmarks/bench_impact.py [--children 10] [--steps 1000] [--repeat 3]
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
from synthetic_lines import child_recipe, dump, write_fleet


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(
        ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com",
         "-c", "commit.gpgsign=false", *args],
        cwd=repo, env=env, check=True, capture_output=True,
    )  # fmt: skip


def build(repo: Path, children: int, steps: int) -> list[Path]:
    """The fleet committed on main, the proposed mother committed on branch `proposal`."""
    import yaml

    fleet = repo / "fleet"
    mother_path, child_paths = write_fleet(fleet, children=children, steps=steps)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "fleet")
    mother = yaml.load(mother_path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    proposed = child_recipe(mother, "mother-site", seed=999)
    proposed["line"] = {**mother["line"], "version": "1.1.0"}
    git(repo, "checkout", "--quiet", "-b", "proposal")
    dump(proposed, mother_path)
    git(repo, "commit", "--quiet", "-am", "proposed mother 1.1.0")
    git(repo, "checkout", "--quiet", "main")
    return child_paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=10)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cexact-bench-") as folder:
        repo = Path(folder) / "repo"
        repo.mkdir()
        children = build(repo, args.children, args.steps)
        env = {**os.environ, "CEXACT_CACHE_DIR": str(Path(folder) / "cache"), "NO_COLOR": "1"}
        cexact = [sys.executable, "-m", "cexact"]
        out = ["--format", "json", "-o", os.devnull, "--no-cache"]
        proposal = "proposal:fleet/mother.yaml"
        os.chdir(repo)
        mother_size = (repo / "fleet" / "mother.yaml").stat().st_size / 1e6
        print(f"fleet: mother {mother_size:.2f} MB and {len(children)} children, in git")

        def measure(label: str, commands: list[list[str]]) -> float:
            """The median over --repeat runs of running every command once, in turn."""
            totals = []
            for _ in range(args.repeat):
                totals.append(sum(timed_run(command, env)[0] for command in commands))
            median = statistics.median(totals)
            print(
                f"  {label:<34} median {median:7.2f} s  "
                f"(runs: {', '.join(f'{t:.2f}' for t in totals)})"
            )
            return median

        impact = measure(
            "cexact impact (10 children)", [[*cexact, "impact", proposal, "fleet", *out]]
        )
        check = measure("cexact check", [[*cexact, "check", "fleet", *out]])
        drift_one = measure(
            "cexact drift, one child",
            [[*cexact, "drift", str(children[0].relative_to(repo)), "--mother", proposal, *out]],
        )
        drift_all = measure(
            f"cexact drift, each of {len(children)} children",
            [
                [*cexact, "drift", str(child.relative_to(repo)), "--mother", proposal, *out]
                for child in children
            ],
        )
        print()
        print(f"impact / check            = {impact / check:.2f}")
        print(f"impact / drift (one)      = {impact / drift_one:.2f}")
        print(f"impact / drift (all {len(children)})  = {impact / drift_all:.2f}")
        print("(impact runs the check and compares every child with the proposal too: ~2x check)")


if __name__ == "__main__":
    main()
