"""How outputs are judged in output matching: the settings, their bounds, the margin.

Settings and defaults (per output, from the *mother* recipe's
`outputs.<name>.matching`, else `MatchSettings`):
    alpha 0.05: the usual significance level; a 90 % confidence interval of
    the difference inside +/-margin.
    min_samples 10: below ten values a standard deviation is too uncertain for
    either test to say much (the F-test's 95 % critical value with 9 and 9
    degrees of freedom is 3.18).
    max_variance_ratio 2.0: the usual engineering bound for matching tools and
    sites (a standard deviation at most 1.41 times the mother's), loose enough
    that sampling noise at realistic sample sizes does not flag identical
    processes, tight enough to catch a child whose spread visibly eats into
    the spec window (a 3x standard deviation is a 9x variance).
    margin: `matching.margin` (absolute, in the output's unit); else
    `matching.margin_fraction` (default 0.1) times (usl - lsl) when both
    limits exist; else 10 % of |target|; with a target of 0 and no margin
    either, there is no margin and the output is insufficient-data.

The bounds of every setting a recipe can give (`matching` in the recipe
schema) are read from the schema, so that `MatchSettings` accepts exactly
what a valid recipe may say; `target_fraction`, which only `MatchSettings`
has, states its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from types import MappingProxyType
from typing import Any

from cexact.recipe import schema_store
from cexact.recipe.measurements import RecipeOutput

MATCHING_SCHEMA_PATH = ("$defs", "output", "properties", "matching")
"""Where the recipe schema states the `matching` object of an output."""


@dataclass(frozen=True, slots=True)
class NumberBounds:
    """The values a number may take: a JSON Schema's type and range keywords."""

    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None

    @classmethod
    def from_schema(cls, node: Mapping[str, Any]) -> NumberBounds:
        return cls(
            integer=node.get("type") == "integer",
            minimum=node.get("minimum"),
            maximum=node.get("maximum"),
            exclusive_minimum=node.get("exclusiveMinimum"),
            exclusive_maximum=node.get("exclusiveMaximum"),
        )

    def allows(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not isinstance(value, int):
            return False
        return (
            (self.minimum is None or value >= self.minimum)
            and (self.maximum is None or value <= self.maximum)
            and (self.exclusive_minimum is None or value > self.exclusive_minimum)
            and (self.exclusive_maximum is None or value < self.exclusive_maximum)
        )

    def describe(self) -> str:
        """'in (0, 0.5)', 'an integer, at least 2', 'above 0', ..."""
        low, low_open = _first(self.exclusive_minimum, self.minimum)
        high, high_open = _first(self.exclusive_maximum, self.maximum)
        if low is not None and high is not None:
            ranged = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        elif low is not None:
            ranged = f"{'above' if low_open else 'at least'} {low:g}"
        elif high is not None:
            ranged = f"{'below' if high_open else 'at most'} {high:g}"
        else:
            ranged = "a number"
        return f"an integer, {ranged}" if self.integer else ranged


def _first(exclusive: float | None, inclusive: float | None) -> tuple[float | None, bool]:
    """The bound that is set, and whether it is exclusive."""
    return (exclusive, True) if exclusive is not None else (inclusive, False)


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """How outputs are judged; an output's `matching` object overrides these."""

    alpha: float = 0.05
    min_samples: int = 10
    max_variance_ratio: float = 2.0
    margin_fraction: float = 0.1
    """Of the spec width usl - lsl, when both limits exist."""
    target_fraction: float = 0.1
    """Of |target|, when the output does not have both spec limits."""

    def __post_init__(self) -> None:
        for name, (bounds, stated_by) in setting_bounds().items():
            value = getattr(self, name)
            if not bounds.allows(value):
                raise ValueError(f"{name} must be {bounds.describe()}{stated_by}, not {value!r}")

    def for_output(self, output: RecipeOutput) -> MatchSettings:
        """These settings with the output's own `matching` values applied."""
        own = output.matching
        return replace(
            self,
            alpha=float(own.get("alpha", self.alpha)),
            min_samples=int(own.get("min_samples", self.min_samples)),
            max_variance_ratio=float(own.get("max_variance_ratio", self.max_variance_ratio)),
            margin_fraction=float(own.get("margin_fraction", self.margin_fraction)),
        )


_TARGET_FRACTION_BOUNDS = NumberBounds(exclusive_minimum=0.0)


@cache
def setting_bounds() -> Mapping[str, tuple[NumberBounds, str]]:
    """Per `MatchSettings` field, its bounds and, for a message, where they are stated."""
    node: dict[str, Any] = schema_store.schema("recipe")
    root = node
    for key in MATCHING_SCHEMA_PATH:
        node = schema_store.resolve_ref(node[key], root)
    properties: dict[str, Any] = node["properties"]
    bounds: dict[str, tuple[NumberBounds, str]] = {}
    for setting in dataclasses.fields(MatchSettings):
        if setting.name in properties:
            schema_node = schema_store.resolve_ref(properties[setting.name], root)
            bounds[setting.name] = (
                NumberBounds.from_schema(schema_node),
                f" (the recipe schema's bounds for matching.{setting.name})",
            )
    bounds["target_fraction"] = (_TARGET_FRACTION_BOUNDS, "")
    return MappingProxyType(bounds)


DEFAULT_SETTINGS = MatchSettings()


def _clean(value: float) -> float:
    """`value` without binary noise from the subtraction (76.1 - 75.9 = 0.2, not 0.19999...)."""
    return float(f"{value:.12g}")


def margin_for(output: RecipeOutput, settings: MatchSettings) -> tuple[float | None, str]:
    """The equivalence margin for `output` (None: there is none) and how it was set."""
    if "margin" in output.matching:
        return float(output.matching["margin"]), "matching.margin"
    if output.lsl is not None and output.usl is not None:
        fraction = float(output.matching.get("margin_fraction", settings.margin_fraction))
        return _clean(fraction * (output.usl - output.lsl)), f"{fraction:g} x (usl - lsl)"
    if "margin_fraction" in output.matching:
        return None, "matching.margin_fraction needs both lsl and usl"
    if output.target != 0:
        fraction = settings.target_fraction
        return _clean(fraction * abs(output.target)), f"{fraction:g} x |target|"
    return None, "target is 0 and the output has no spec limits (set matching.margin)"


__all__ = [
    "DEFAULT_SETTINGS",
    "MatchSettings",
    "NumberBounds",
    "margin_for",
    "setting_bounds",
]
