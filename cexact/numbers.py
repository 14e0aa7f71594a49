"""How numbers are written in messages and reports: one home for each form."""

from __future__ import annotations


def short(value: float | None, digits: int = 4) -> str:
    """A measured figure to `digits` significant digits (`-` for none): `24.03`."""
    return "-" if value is None else f"{value:.{digits}g}"


def plain(value: float | None) -> str:
    """A recipe number as written, without trailing zeros (`-` for none): `130`, `0.5`."""
    return "-" if value is None else f"{value:g}"


def signed(value: float) -> str:
    """A difference with its sign, to six significant digits: `+5`, `-0.25`."""
    return f"{value:+.6g}"


def p_value(value: float | None) -> str:
    """A p-value for a table: three decimals, `<0.001` below that (`-` for none)."""
    if value is None:
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def to_decimals(value: float | None, decimals: int | None) -> str:
    """A figure to a fixed number of decimal places (`short` without one): `24.0131`."""
    if value is None:
        return "-"
    if decimals is None:
        return short(value)
    return f"{round(value, decimals):.{max(decimals, 0)}f}"
