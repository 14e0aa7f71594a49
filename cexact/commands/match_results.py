"""`cexact match`'s result: the verdict on each measured output, and what a not-matched
output means for a comparison (a Process Output Matching deviation)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from cexact.compare.match_settings import DEFAULT_SETTINGS, MatchSettings
from cexact.model import Deviation, DeviationKind, Severity, SourceLocation, Stage
from cexact.recipe.measurements import OutputKey

REASON_MEANS = "means not equivalent within ±margin"
REASON_VARIANCE = "variance ratio above max"


class Verdict(StrEnum):
    MATCHED = "matched"
    NOT_MATCHED = "not-matched"
    INSUFFICIENT_DATA = "insufficient-data"


@dataclass(frozen=True, slots=True)
class SiteStatistics:
    """One site's data for one output: count, mean, sample standard deviation, Cpk."""

    n: int
    mean: float
    std: float | None
    """Sample standard deviation (n - 1); None with fewer than 2 values."""
    cpk: float | None
    """Against the recipe's spec limits; None without limits or spread."""


@dataclass(frozen=True, slots=True)
class OutputMatch:
    """The verdict on one output, with the statistics it rests on."""

    step: str
    output: str
    unit: str
    mother: SiteStatistics
    child: SiteStatistics
    margin: float | None
    alpha: float
    tost_p: float | None
    """TOST p-value (the larger one-sided p); None when not tested."""
    variance_ratio: float | None
    """s_child^2 / s_mother^2; None when not tested."""
    f_p: float | None
    """p-value of the one-sided F-test of the ratio against max_variance_ratio."""
    verdict: Verdict
    reasons: tuple[str, ...]
    mother_location: SourceLocation | None
    """Where the output is written in the mother recipe."""
    max_variance_ratio: float = DEFAULT_SETTINGS.max_variance_ratio
    min_samples: int = DEFAULT_SETTINGS.min_samples
    margin_basis: str = ""
    """How the margin was set: 'matching.margin', '0.1 x (usl - lsl)', ..."""
    target: float | None = None
    lsl: float | None = None
    usl: float | None = None
    """The mother recipe's target and spec limits for the output, in `unit`."""

    @property
    def key(self) -> OutputKey:
        return (self.step, self.output)

    @property
    def mean_difference(self) -> float:
        """Child mean minus mother mean, in `unit`."""
        return self.child.mean - self.mother.mean

    @property
    def mean_decimals(self) -> int | None:
        """The decimal places both sites' means are written with: two digits finer
        than the smaller spread, the precision the measurements carry (None: no spread)."""
        spreads = [s for s in (self.mother.std, self.child.std) if s is not None and s > 0]
        return _decimals_for(min(spreads) if spreads else None)

    @property
    def means_equivalent(self) -> bool | None:
        return None if self.tost_p is None else self.tost_p < self.alpha

    @property
    def variance_matched(self) -> bool | None:
        return None if self.f_p is None else self.f_p >= self.alpha


@dataclass(frozen=True, slots=True)
class MatchReport:
    """Every judged output, and the recipe outputs that lack data at a site."""

    mother_source: str
    child_source: str
    recipe_source: str
    outputs: tuple[OutputMatch, ...]
    unverified: tuple[OutputKey, ...]
    """Recipe outputs with no data at one or both sites, in recipe order."""
    settings: MatchSettings = field(default=DEFAULT_SETTINGS)

    def with_verdict(self, verdict: Verdict) -> tuple[OutputMatch, ...]:
        return tuple(match for match in self.outputs if match.verdict is verdict)

    @property
    def matched(self) -> tuple[OutputMatch, ...]:
        return self.with_verdict(Verdict.MATCHED)

    @property
    def not_matched(self) -> tuple[OutputMatch, ...]:
        return self.with_verdict(Verdict.NOT_MATCHED)

    @property
    def insufficient(self) -> tuple[OutputMatch, ...]:
        return self.with_verdict(Verdict.INSUFFICIENT_DATA)


def cpk(mean: float, std: float | None, lsl: float | None, usl: float | None) -> float | None:
    """Process capability against the spec limits; one-sided with one limit."""
    if std is None or not std > 0:
        return None
    if lsl is not None and usl is not None:
        return min(usl - mean, mean - lsl) / (3.0 * std)
    if usl is not None:
        return (usl - mean) / (3.0 * std)
    if lsl is not None:
        return (mean - lsl) / (3.0 * std)
    return None


# --- deviations ---------------------------------------------------------------------


def _round_significant(value: float, digits: int) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def _decimals_for(spread: float | None) -> int | None:
    """Decimal places that show a mean two digits finer than the spread."""
    if spread is None or not spread > 0:
        return None
    return 2 - math.floor(math.log10(spread))


def _summary(stats: SiteStatistics, decimals: int | None) -> dict[str, object]:
    mean = _round_significant(stats.mean, 6) if decimals is None else round(stats.mean, decimals)
    std = None if stats.std is None else _round_significant(stats.std, 3)
    return {"n": stats.n, "mean": mean, "std": std}


def _p(value: float) -> str:
    if value > 0.999:
        return "> 0.999"
    return f"= {value:.3g}" if value >= 1e-3 else f"= {value:.1e}"


def describe_failure(match: OutputMatch) -> str:
    """What failed for a not-matched output, with the numbers."""
    parts: list[str] = []
    unit = match.unit
    if REASON_MEANS in match.reasons and match.tost_p is not None and match.margin is not None:
        parts.append(
            f"means not equivalent within ±{match.margin:.4g} {unit}: "
            f"child - mother = {match.mean_difference:+.4g} {unit}, "
            f"TOST p {_p(match.tost_p)} (alpha {match.alpha:g})"
        )
    ratio = match.variance_ratio
    if REASON_VARIANCE in match.reasons and match.f_p is not None and ratio is not None:
        parts.append(
            f"variance ratio {ratio:.3g} above max {match.max_variance_ratio:g}: "
            f"F-test p {_p(match.f_p)} (alpha {match.alpha:g})"
        )
    return "; ".join(parts)


def deviations_from_matches(report: MatchReport) -> tuple[Deviation, ...]:
    """One Process Output Matching deviation per not-matched output."""
    deviations: list[Deviation] = []
    for match in report.not_matched:
        decimals = match.mean_decimals
        deviations.append(
            Deviation(
                path=f"steps[{match.step}].outputs.{match.output}.measured",
                kind=DeviationKind.CHANGED,
                stage=Stage.PROCESS_OUTPUT_MATCHING,
                severity=Severity.MAJOR,
                mother=_summary(match.mother, decimals),
                child=_summary(match.child, decimals),
                mother_location=match.mother_location,
                child_location=None,
                step=match.step,
                detail=describe_failure(match),
            )
        )
    return tuple(deviations)
