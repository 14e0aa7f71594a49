"""Synthetic recipes for benchmarks: a large mother line and children that differ a little.

`write_mother(path, steps=1000)` writes about 3 MB of YAML (each step with
equipment, materials, ~25 parameters and ~5 outputs); `write_child` writes a
child that differs in about 1 % of the leaves. Deterministic for a given seed.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import yaml

UNITS = ("degC", "m/min", "kPa", "sccm", "mTorr", "W", "s", "rpm", "percent", "um")


def mother_recipe(steps: int = 1000, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    flow = []
    for index in range(steps):
        parameters: dict[str, Any] = {}
        for k in range(25):
            if k % 5 == 4:
                parameters[f"mode_{k}"] = rng.choice(["auto", "manual", "recipe-a", "recipe-b"])
            else:
                parameters[f"param_{k}"] = {
                    "value": round(rng.uniform(1, 500), 2),
                    "unit": UNITS[k % len(UNITS)],
                    "tolerance": round(rng.uniform(0.5, 5), 1),
                }
        outputs = {}
        for k in range(5):
            target = round(rng.uniform(10, 100), 2)
            outputs[f"output_{k}"] = {
                "target": target,
                "unit": "um",
                "lsl": round(target * 0.95, 2),
                "usl": round(target * 1.05, 2),
                "measurement": {"method": "optical", "sample_size": 5, "frequency": "per lot"},
            }
        flow.append(
            {
                "id": f"step-{index:04d}",
                "name": f"Step {index}",
                "operation": rng.choice(["coating", "etch", "deposition", "anneal", "clean"]),
                "equipment": [
                    {
                        "id": f"tool-{index:04d}-{e}",
                        "vendor": rng.choice(
                            ["Applied Materials", "Lam Research", "Tokyo Electron"]
                        ),
                        "model": f"M-{rng.randint(100, 999)}",
                        "software": f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
                        "configuration": {"chamber": f"C{e}", "zones": rng.randint(1, 8)},
                    }
                    for e in range(2)
                ],
                "materials": [
                    {
                        "id": f"mat-{index:04d}-{m}",
                        "supplier": rng.choice(["Merck", "Entegris", "JSR", "Linde"]),
                        "grade": f"G{rng.randint(1, 5)}",
                    }
                    for m in range(2)
                ],
                "parameters": parameters,
                "outputs": outputs,
                "procedures": [{"id": f"WI-{index:04d}", "revision": "A"}],
            }
        )
    return {
        "cexact": 1,
        "line": {
            "id": "bench-line",
            "name": "Benchmark line",
            "product": "bench-product",
            "site": "mother-site",
            "role": "mother",
            "version": "1.0.0",
        },
        "environment": {"humidity": {"value": 45, "unit": "percent", "tolerance": 5}},
        "systems": {"mes": {"vendor": "Siemens", "product": "Opcenter", "version": "2404"}},
        "steps": flow,
    }


def child_recipe(
    mother: dict[str, Any], site: str, seed: int, fraction: float = 0.01
) -> dict[str, Any]:
    """A child of `mother` with about `fraction` of its parameter leaves changed."""
    rng = random.Random(seed)
    child = copy.deepcopy(mother)
    child["line"].update(
        site=site, role="child", version="1.0.0", mother={"site": "mother-site", "version": "1.0.0"}
    )
    for step in child["steps"]:
        for name, value in step["parameters"].items():
            if rng.random() < fraction * 3:  # parameters hold about a third of the leaves
                if isinstance(value, dict):
                    value["value"] = round(value["value"] * rng.uniform(0.9, 1.1), 2)
                else:
                    step["parameters"][name] = "manual"
        if rng.random() < fraction:
            step["equipment"][0]["software"] = "9.99.9"
    return child


def dump(recipe: dict[str, Any], path: Path) -> None:
    text = yaml.dump(recipe, Dumper=yaml.CSafeDumper, sort_keys=False, width=120)
    # Quote version-like values that could read as numbers (the loader insists).
    path.write_text(text, encoding="utf-8")


def write_fleet(folder: Path, children: int = 1, steps: int = 1000) -> tuple[Path, list[Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    mother = mother_recipe(steps)
    mother_path = folder / "mother.yaml"
    dump(mother, mother_path)
    child_paths = []
    for index in range(children):
        child_path = folder / f"child-{index:02d}.yaml"
        dump(child_recipe(mother, f"child-{index:02d}", seed=100 + index), child_path)
        child_paths.append(child_path)
    return mother_path, child_paths


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Write a synthetic mother line and children.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--children", type=int, default=1)
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args()
    write_fleet(args.folder, children=args.children, steps=args.steps)


if __name__ == "__main__":
    main()
