"""Fail when a module of cexact/report (the renderers and what they share) is under 90 % covered.

Run after the suite has run under coverage (`.ci/run` does both):

    coverage run -m pytest && python tools/renderer_coverage.py

Statement coverage of the in-process runs; the tests that start `cexact` as a
separate process are not counted, so the figure is a floor.
"""

from __future__ import annotations

import sys
from pathlib import Path

import coverage

MINIMUM = 90.0
REPORT = Path(__file__).resolve().parent.parent / "cexact" / "report"


def main() -> int:
    measured = coverage.Coverage()
    measured.load()
    short = []
    for module in sorted(REPORT.glob("*.py")):
        _, statements, _, missing, _ = measured.analysis2(str(module))
        if not statements:
            continue
        percent = 100.0 * (len(statements) - len(missing)) / len(statements)
        mark = "" if percent >= MINIMUM else f"  < {MINIMUM:g} %"
        print(f"{module.name:<24} {len(statements):>5} statements  {percent:5.1f} %{mark}")
        if mark:
            short.append(module.name)
    if short:
        print(f"under {MINIMUM:g} % covered: {', '.join(short)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
