"""Generate the sample measurement data in sample_lines/measurements/.

Two sites of the cell-4680 line: ochang-kr (the mother) and arizona-us (a
child). The data are drawn from normal distributions with fixed seeds, so that
matching arizona-us against ochang-kr shows every verdict:

    S030 coat_weight_side_a      matched (same process)
    S050 electrode_thickness     matched (the child writes mm, the recipe um)
    S070 slit_width_cathode      not-matched: the child's mean is 0.035 mm high
    S120 weld_pull_strength      not-matched: the child's spread is 3x the mother's
    S210 discharge_capacity      insufficient-data: the child has 6 cells
    S210 ac_internal_resistance  matched
    S090 moisture_cathode        unverified: no child data

    python benchmarks/sample_measurements.py [--out sample_lines/measurements]
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "sample_lines" / "measurements"
HEADER = ("step", "output", "value", "unit", "lot", "timestamp")


@dataclass(frozen=True)
class Series:
    """Measurements of one output at one site."""

    step: str
    output: str
    n: int
    mean: float
    sd: float
    decimals: int
    unit: str = ""
    """The unit written in the file ('' leaves the column empty: the recipe's unit)."""
    scale: float = 1.0
    """Values are drawn in the recipe's unit and multiplied by this for `unit`."""


MOTHER = (
    Series("S030", "coat_weight_side_a", 40, 24.000, 0.080, 3, "mg/cm^2"),
    Series("S050", "electrode_thickness", 40, 150.00, 0.50, 1, "um"),
    Series("S070", "slit_width_cathode", 40, 76.000, 0.012, 3, "mm"),
    Series("S120", "weld_pull_strength", 40, 150.0, 8.0, 1, "N"),
    Series("S210", "discharge_capacity", 40, 25.10, 0.10, 3, "Ah"),
    Series("S210", "ac_internal_resistance", 40, 1.200, 0.040, 3),
    Series("S090", "moisture_cathode", 20, 150.0, 20.0, 0, "ppm"),
)
CHILD = (
    Series("S030", "coat_weight_side_a", 40, 24.010, 0.080, 3, "mg/cm^2"),
    Series("S050", "electrode_thickness", 40, 150.05, 0.50, 4, "mm", scale=0.001),
    Series("S070", "slit_width_cathode", 40, 76.035, 0.012, 3, "mm"),
    Series("S120", "weld_pull_strength", 40, 151.0, 24.0, 1, "N"),
    Series("S210", "discharge_capacity", 6, 25.08, 0.10, 3, "Ah"),
    Series("S210", "ac_internal_resistance", 40, 1.205, 0.040, 3),
)

SITES = {
    # site: (series, seed, lot prefix, first timestamp)
    "ochang-kr": (
        MOTHER,
        4680_1,
        "OC",
        datetime(2025, 9, 16, 6, 0, tzinfo=timezone(timedelta(hours=9))),
    ),
    "arizona-us": (
        CHILD,
        4680_2,
        "AZ",
        datetime(2025, 10, 6, 6, 0, tzinfo=timezone(timedelta(hours=-7))),
    ),
}


def rows_for(
    series: tuple[Series, ...], seed: int, lot_prefix: str, start: datetime
) -> list[tuple[str, ...]]:
    """One site's rows: each output's values, lots of 5, a measurement every 30 min."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, ...]] = []
    for s in series:
        values = rng.normal(s.mean, s.sd, s.n) * s.scale
        for i, value in enumerate(values):
            lot = f"{lot_prefix}-{s.step}-{i // 5 + 1:02d}"
            stamp = (start + timedelta(minutes=30 * i)).isoformat()
            rows.append((s.step, s.output, f"{value:.{s.decimals}f}", s.unit, lot, stamp))
    return rows


def generate(out: Path) -> list[Path]:
    """Write one CSV per site into `out`; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for site, (series, seed, prefix, start) in SITES.items():
        path = out / f"{site}.csv"
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(rows_for(series, seed, prefix, start))
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    for path in generate(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
