"""How much of a recipe ruamel.yaml's round trip keeps, beside `cexact adopt`'s in-place edits.

The measurement behind adopt's design (the edits are splices at the
positions libyaml reports; ruamel.yaml is not a dependency). Needs
ruamel.yaml installed (`pip install ruamel.yaml`); run from the repository:

    python benchmarks/roundtrip_ruamel.py [-v]

1. Every case folder's child.yaml and every sample line recipe is loaded and
   dumped by ruamel (round-trip mode, quotes preserved, the 2/4/2 indentation
   these files mostly use) with nothing changed: how many come back
   byte-identical.
2. For the case folders whose adoption only changes values, ruamel makes the
   same value edits: how many results equal the byte-exact goldens.
"""

from __future__ import annotations

import difflib
import io
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from cexact.commands.adopt_merge import plan_merge
from cexact.recipe.edit import SetValue
from cexact.recipe.reading import load_valid_recipe

ROOT = Path(__file__).resolve().parents[1]
VERBOSE = "-v" in sys.argv


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _changed_lines(before: str, after: str, name: str) -> int:
    lines = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    if VERBOSE and lines:
        print(name, *lines[:10], sep="\n  ")
    return len(lines)


def main() -> None:
    cases = sorted((ROOT / "tests" / "cases-adopt").iterdir())
    files = [case / "child.yaml" for case in cases] + sorted(
        (ROOT / "sample_lines").rglob("*.yaml")
    )
    same = off = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        yaml = _yaml()
        result = _dump(yaml, yaml.load(text))
        same += result == text
        off += _changed_lines(text, result, str(path))
    print(f"round trip, nothing changed: {same}/{len(files)} files byte-identical, "
          f"{off} lines differ in the others")  # fmt: skip
    equal = tried = off = 0
    for case in cases:
        documents = [load_valid_recipe(case / f"{n}.yaml") for n in ("base", "mother", "child")]
        plan = plan_merge(*documents)
        if not all(
            isinstance(edit, SetValue) for edit in plan.edits if getattr(edit, "inserts", 1)
        ):
            continue  # steps or keys added, removed or moved: not a value-only case
        yaml = _yaml()
        data = yaml.load((case / "child.yaml").read_text(encoding="utf-8"))
        for edit in plan.edits:
            if isinstance(edit, SetValue):
                node = data
                for part in edit.path[:-1]:
                    node = node[part]
                node[edit.path[-1]] = edit.value
        golden = (case / "expected-child.yaml").read_text(encoding="utf-8")
        result = _dump(yaml, data)
        tried += 1
        equal += result == golden
        off += _changed_lines(golden, result, case.name)
    print(f"value-only adoptions by ruamel: {equal}/{tried} equal to the goldens, {off} lines off")


if __name__ == "__main__":
    main()
