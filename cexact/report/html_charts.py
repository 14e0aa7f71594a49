"""The inline SVG charts of the HTML audit report: deviations per site, and the
measured distributions of an output at both sites. Each has a visible legend and
a labelled axis; nothing is fetched.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cexact import numbers
from cexact.commands.diff import DiffResult
from cexact.model import GateStatus, Stage

if TYPE_CHECKING:
    from cexact.commands.match_results import OutputMatch, SiteStatistics

from cexact.report.html_engine import View

_OPEN_COLOUR = "#c0392b"
_ABOVE_COLOUR = "#e0a526"
_WAIVED_COLOUR = "#5b9aa0"
_MOTHER_COLOUR = "#3465a4"
_CHILD_COLOUR = "#e07b00"

# --- charts --------------------------------------------------------------------------


def _nice_step(span: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) for about `ticks` ticks."""
    raw = span / max(ticks, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _ticks(low: float, high: float, x_of: Callable[[float], float]) -> list[View]:
    step = _nice_step(high - low)
    first = math.ceil(low / step) * step
    count = math.floor((high - first) / step + 1e-9) + 1
    return [
        {"x": round(x_of(first + i * step), 1), "label": f"{first + i * step:.10g}"}
        for i in range(count)
    ]


def legend(*items: tuple[str, str, str]) -> list[View]:
    """Legend entries: (label, swatch classes, inline style with the colour)."""
    return [{"label": label, "swatch": swatch, "style": style} for label, swatch, style in items]


def bar_chart(checks: Sequence[DiffResult]) -> View:
    """Horizontal stacked bars per stage: open at required stages, open above, waived."""
    left, bar_width, row_height, top = 190, 420, 30, 8
    rows = []
    for stage in Stage.ordered():
        statuses = [d.gate for c in checks for d in c.deviations if d.stage is stage]
        rows.append(
            (
                stage,
                statuses.count(GateStatus.BLOCKING),
                statuses.count(GateStatus.NOT_REQUIRED),
                statuses.count(GateStatus.WAIVED),
            )
        )
    largest = max((sum(row[1:]) for row in rows), default=0) or 1
    axis_y = top + row_height * len(rows) + 4

    def x_of(value: float) -> float:
        return left + bar_width * value / largest

    bars = []
    for index, (stage, required, above, waived) in enumerate(rows):
        x = float(left)
        segments = []
        for count, colour, what in (
            (required, _OPEN_COLOUR, "open, required"),
            (above, _ABOVE_COLOUR, "open, not required"),
            (waived, _WAIVED_COLOUR, "waived"),
        ):
            if count:
                width = bar_width * count / largest
                segments.append(
                    {
                        "x": round(x, 1),
                        "width": round(width, 1),
                        "colour": colour,
                        "title": f"{stage.display_name}: {count} {what}",
                    }
                )
                x += width
        bars.append(
            {
                "label": stage.display_name,
                "y": top + index * row_height,
                "segments": segments,
                "end": round(x, 1),
                "total": required + above + waived,
            }
        )
    total = sum(sum(row[1:]) for row in rows)
    return {
        "title": f"Deviations by stage ({total} in all)",
        "description": "; ".join(
            f"{stage.display_name}: {req} open at required stages, {above} open above, "
            f"{waived} waived"
            for stage, req, above, waived in rows
        ),
        "width": left + bar_width + 50,
        "height": axis_y + 36,
        "top": top,
        "left": left,
        "right": left + bar_width,
        "axis_y": axis_y,
        "bar_height": row_height - 10,
        "axis_label": "deviations (count)",
        "ticks": [t for t in _ticks(0, largest, x_of) if float(t["label"]).is_integer()],
        "bars": bars,
        "legend": legend(
            ("open, at a required stage", "", f"background: {_OPEN_COLOUR}"),
            ("open, above the required stage", "", f"background: {_ABOVE_COLOUR}"),
            ("waived", "", f"background: {_WAIVED_COLOUR}"),
        ),
    }


def distribution_chart(match: OutputMatch, clip_id: str) -> View | None:
    """Both sites' normal densities against the spec limits and target, on one axis."""
    width, height, left, right, top = 270, 150, 12, 258, 16
    baseline = height - 38
    sites = [
        (name, stats, colour)
        for name, stats, colour in (
            ("mother", match.mother, _MOTHER_COLOUR),
            ("child", match.child, _CHILD_COLOUR),
        )
        if stats.n and math.isfinite(stats.mean)
    ]
    if not sites:
        return None
    points = [s.mean + k * (s.std or 0.0) for _, s, _ in sites for k in (-4, 4)]
    points += [v for v in (match.lsl, match.usl, match.target) if v is not None]
    low, high = min(points), max(points)
    if high <= low:
        low, high = low - 1, high + 1
    span = high - low
    low, high = low - 0.05 * span, high + 0.05 * span

    def x_of(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    peak = max((_density_peak(s) for _, s, _ in sites if s.std), default=1.0)
    curves = [
        {
            "points": _curve(stats, low, high, x_of, baseline, top, peak),
            "colour": colour,
            "title": f"{name}: mean {numbers.short(stats.mean)}, sd {numbers.short(stats.std)}",
        }
        for name, stats, colour in sites
    ]
    markers = [
        {"x": round(x_of(v), 1), "label": f"{label} {v:g}", "dash": dash}
        for v, label, dash in (
            (match.lsl, "LSL", "4 3"),
            (match.usl, "USL", "4 3"),
            (match.target, "target", "1 3"),
        )
        if v is not None
    ]
    return {
        "title": f"{match.output}: mother and child distributions",
        "clip_id": clip_id,
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "top": top,
        "baseline": baseline,
        "curves": curves,
        "markers": markers,
        "ticks": _ticks(low, high, x_of),
        "axis_label": f"{match.output} ({match.unit})",
        "legend": legend(
            ("mother", "", f"background: {_MOTHER_COLOUR}"),
            ("child", "", f"background: {_CHILD_COLOUR}"),
            ("spec limits", "line dashed", "border-color: #a40000"),
            ("target", "line dotted", "border-color: #a40000"),
        ),
    }


def _density_peak(stats: SiteStatistics) -> float:
    assert stats.std
    return 1 / (stats.std * math.sqrt(2 * math.pi))


def _curve(
    stats: SiteStatistics,
    low: float,
    high: float,
    x_of: Callable[[float], float],
    baseline: float,
    top: float,
    peak: float,
) -> str:
    """A closed polyline of the density, scaled so the tallest curve touches the top."""
    if not stats.std:
        x = x_of(stats.mean)
        return f"{x:.1f},{baseline} {x:.1f},{top} {x:.1f},{baseline}"
    coordinates = [f"{x_of(low):.1f},{baseline}"]
    for index in range(81):
        value = low + (high - low) * index / 80
        density = math.exp(-0.5 * ((value - stats.mean) / stats.std) ** 2) / (
            stats.std * math.sqrt(2 * math.pi)
        )
        y = baseline - density / peak * (baseline - top)
        coordinates.append(f"{x_of(value):.1f},{y:.1f}")
    coordinates.append(f"{x_of(high):.1f},{baseline}")
    return " ".join(coordinates)


__all__ = ["bar_chart", "distribution_chart"]
