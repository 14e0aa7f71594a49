"""The two tests of output matching, computed from summary statistics, many at once.

Every function takes `SampleSummaries`: numpy arrays of sample sizes, means
and sample variances (n - 1 in the denominator), one element per comparison,
and returns arrays of the same shape. `cexact match` judges all outputs of a
recipe in one call of each (NIST/SEMATECH e-Handbook of Statistical Methods,
sections 1.3.5.3, 1.3.5.9 and 7.3).

Welch's difference of two means (`welch_difference`)
    d = mean_a - mean_b, se = sqrt(s_a^2/n_a + s_b^2/n_b), and the
    Welch-Satterthwaite degrees of freedom
    df = se^4 / ((s_a^2/n_a)^2/(n_a - 1) + (s_b^2/n_b)^2/(n_b - 1)).
    d / se is Welch's t statistic (scipy's `ttest_ind(a, b, equal_var=False)`).

Equivalence of means: TOST, Welch's form (`tost_welch`)
    Two one-sided tests of H0: d <= -margin (t = (d + margin)/se, upper tail)
    and H0: d >= +margin (t = (d - margin)/se, lower tail); p = the larger of
    the two p-values. The means are equivalent within +/-margin when p < alpha.
    The burden of proof is on the data: too few or too noisy data are *not*
    equivalent. This is statsmodels' `ttost_ind(a, b, -margin, margin,
    usevar="unequal")`.

Variance: one-sided F-test against a maximum ratio R (`variance_ratio_test`)
    ratio = s_a^2 / s_b^2. H0: sigma_a^2 / sigma_b^2 <= R, against H1: the
    ratio is above R. F = ratio / R with (n_a - 1, n_b - 1) degrees of
    freedom; p = P(F(n_a - 1, n_b - 1) >= F). The variance of a is *not
    matched* when p < alpha: a is significantly more variable than R times b.
    Unlike the means, the burden here is on showing a problem: a variance
    below R times b's, or not shown to be above it, passes. (The F-test
    assumes normal data; it is sensitive to outliers and heavy tails.)

The p-values use scipy's t and F distribution functions (scipy.special
`stdtr` and `fdtrc`, the routines scipy.stats.t and scipy.stats.f call;
scipy.special imports in half the time of scipy.stats). scipy is imported on
first use only.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@cache
def _special() -> Any:
    """scipy.special, imported on first use (about 0.4 s)."""
    return importlib.import_module("scipy.special")


@dataclass(frozen=True, slots=True)
class SampleSummaries:
    """Size, mean and sample variance (n - 1) of several samples, one element each."""

    n: FloatArray
    mean: FloatArray
    variance: FloatArray

    @classmethod
    def of(
        cls, n: Sequence[float], mean: Sequence[float], variance: Sequence[float]
    ) -> SampleSummaries:
        """Summaries from sequences of numbers (as float64 arrays)."""
        return cls(
            np.asarray(n, dtype=np.float64),
            np.asarray(mean, dtype=np.float64),
            np.asarray(variance, dtype=np.float64),
        )


@dataclass(frozen=True, slots=True)
class WelchDifference:
    """mean_a - mean_b, its standard error and the Welch-Satterthwaite df, elementwise."""

    difference: FloatArray
    standard_error: FloatArray
    df: FloatArray


@dataclass(frozen=True, slots=True)
class TostResult:
    """p-values of the two one-sided tests of |mean_a - mean_b| < margin, elementwise."""

    p_lower: FloatArray
    """Of H0: mean_a - mean_b <= -margin."""
    p_upper: FloatArray
    """Of H0: mean_a - mean_b >= +margin."""

    @property
    def p(self) -> FloatArray:
        """The TOST p-value: the larger one-sided p (equivalent when below alpha)."""
        return np.maximum(self.p_lower, self.p_upper)


@dataclass(frozen=True, slots=True)
class VarianceRatioResult:
    """The one-sided F-test of H0: variance_a / variance_b <= max_ratio, elementwise."""

    ratio: FloatArray
    """s_a^2 / s_b^2."""
    p: FloatArray
    """P(F(n_a - 1, n_b - 1) >= ratio / max_ratio)."""


def welch_difference(a: SampleSummaries, b: SampleSummaries) -> WelchDifference:
    """The difference of the means of a and b, as Welch's t-test sees it."""
    part_a = a.variance / a.n
    part_b = b.variance / b.n
    se2 = part_a + part_b
    with np.errstate(divide="ignore", invalid="ignore"):
        df = se2**2 / (part_a**2 / (a.n - 1) + part_b**2 / (b.n - 1))
    return WelchDifference(a.mean - b.mean, np.sqrt(se2), df)


def tost_welch(a: SampleSummaries, b: SampleSummaries, margin: FloatArray) -> TostResult:
    """Two one-sided Welch t-tests for equivalence of the means of a and b within ±margin.

    ValueError when a comparison has no standard error (both variances 0, or undefined).
    """
    welch = welch_difference(a, b)
    without = np.flatnonzero(~(welch.standard_error > 0))
    if without.size:
        raise ValueError(
            "TOST needs spread in the data: no standard error of the difference "
            f"in comparison(s) {without.tolist()}"
        )
    stdtr = _special().stdtr
    difference, se = welch.difference, welch.standard_error
    p_lower = stdtr(welch.df, -(difference + margin) / se)  # H0: d <= -margin
    p_upper = stdtr(welch.df, (difference - margin) / se)  # H0: d >= +margin
    return TostResult(np.asarray(p_lower, dtype=np.float64), np.asarray(p_upper, dtype=np.float64))


def variance_ratio_test(
    a: SampleSummaries, b: SampleSummaries, max_ratio: FloatArray
) -> VarianceRatioResult:
    """The F-test of a's variance against max_ratio times b's.

    ValueError when b has no spread (its variance is 0: the ratio is undefined).
    """
    without = np.flatnonzero(~(b.variance > 0))
    if without.size:
        raise ValueError(
            "the variance ratio needs spread in the second sample: its variance is not "
            f"above 0 in comparison(s) {without.tolist()}"
        )
    ratio = a.variance / b.variance
    p = _special().fdtrc(a.n - 1, b.n - 1, ratio / max_ratio)
    return VarianceRatioResult(ratio, np.asarray(p, dtype=np.float64))


__all__ = [
    "SampleSummaries",
    "TostResult",
    "VarianceRatioResult",
    "WelchDifference",
    "tost_welch",
    "variance_ratio_test",
    "welch_difference",
]
