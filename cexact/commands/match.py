"""Statistical Process Output Matching: do a child site's measured outputs match the mother's?

For every output of the mother recipe that has measurements at both sites,
`match_measurements` computes each site's n, mean, sample standard deviation
(n - 1 in the denominator) and Cpk, and runs two tests at significance level
alpha (NIST/SEMATECH e-Handbook of Statistical Methods, sections 1.3.5.3,
1.3.5.9 and 7.3):

Equivalence of means: TOST, Welch's form
    d = mean_child - mean_mother, se = sqrt(s_c^2/n_c + s_m^2/n_m), and
    Welch-Satterthwaite degrees of freedom
    df = se^4 / ((s_c^2/n_c)^2/(n_c - 1) + (s_m^2/n_m)^2/(n_m - 1)).
    Two one-sided tests of H0: d <= -margin (t = (d + margin)/se, upper tail)
    and H0: d >= +margin (t = (d - margin)/se, lower tail); p = the larger of
    the two p-values. The means are equivalent within +/-margin when p < alpha.
    The burden of proof is on the data: too few or too noisy data are *not*
    equivalent. This is statsmodels' `ttost_ind(child, mother, -margin, margin,
    usevar="unequal")`.

Variance: one-sided F-test against a maximum ratio R
    ratio = s_c^2 / s_m^2. H0: sigma_c^2 / sigma_m^2 <= R, against H1: the
    ratio is above R. F = ratio / R with (n_c - 1, n_m - 1) degrees of
    freedom; p = P(F(n_c - 1, n_m - 1) >= F). The variance is *not matched*
    when p < alpha: the child is significantly more variable than R times the
    mother. Unlike the means, the burden here is on showing a problem: a
    child whose variance is below R times the mother's, or not shown to be
    above it, passes. (The F-test assumes normal data; it is sensitive to
    outliers and heavy tails.)

Cpk per site against the recipe's spec limits
    min(usl - mean, mean - lsl) / (3 s) with both limits; (usl - mean) / (3 s)
    or (mean - lsl) / (3 s) with one; None without limits or when s is 0.

Verdicts
    `matched`: means equivalent and variance not above the maximum.
    `not-matched`: either test failed; `reasons` names the failed test(s)
    (REASON_MEANS, REASON_VARIANCE).
    `insufficient-data`: the output cannot be judged, and `reasons` says why:
    fewer than min_samples measurements at either site; no margin (no
    `matching.margin`, no spec limits and a target of 0, or margin_fraction
    without both limits); or no spread in the mother's data (all values equal,
    typically a gauge resolution or data export problem: the variance ratio is
    undefined). A child with no spread while the mother has some is judged
    normally (variance ratio 0). An insufficient-data output is not a
    deviation: the caller reports it as unverified, like an output without
    data at one or both sites (`MatchReport.unverified`).

Settings, their defaults and bounds, and how the margin is set:
`cexact.compare.match_settings`.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cexact.compare.match_settings import DEFAULT_SETTINGS, MatchSettings, margin_for
from cexact.model import Deviation, DeviationKind, Severity, SourceLocation, Stage
from cexact.recipe import units
from cexact.recipe.loader import LoadedDocument
from cexact.recipe.measurements import MeasurementSet, OutputKey, RecipeOutput, recipe_outputs

FloatArray = npt.NDArray[np.float64]

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


# --- the statistics -----------------------------------------------------------------


@cache
def _special() -> Any:
    """scipy.special, imported on first use (about 0.4 s)."""
    return importlib.import_module("scipy.special")


def _welch(
    mean_a: FloatArray,
    var_a: FloatArray,
    n_a: FloatArray,
    mean_b: FloatArray,
    var_b: FloatArray,
    n_b: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(mean_a - mean_b, standard error, Welch-Satterthwaite df), elementwise."""
    part_a = var_a / n_a
    part_b = var_b / n_b
    se2 = part_a + part_b
    with np.errstate(divide="ignore", invalid="ignore"):
        df = se2**2 / (part_a**2 / (n_a - 1) + part_b**2 / (n_b - 1))
    return mean_a - mean_b, np.sqrt(se2), df


def _tost_p(
    difference: FloatArray, se: FloatArray, df: FloatArray, margin: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """(p_lower, p_upper) of the two one-sided tests, elementwise (se > 0)."""
    stdtr = _special().stdtr
    p_lower = stdtr(df, -(difference + margin) / se)  # H0: d <= -margin
    p_upper = stdtr(df, (difference - margin) / se)  # H0: d >= +margin
    return np.asarray(p_lower, dtype=np.float64), np.asarray(p_upper, dtype=np.float64)


def _f_sf(f: FloatArray, df_num: FloatArray, df_den: FloatArray) -> FloatArray:
    """P(F(df_num, df_den) >= f), elementwise."""
    return np.asarray(_special().fdtrc(df_num, df_den, f), dtype=np.float64)


def _array(*values: float) -> FloatArray:
    return np.array(values, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class WelchTest:
    """Welch's two-sample t-test of H0: mean_a - mean_b = delta."""

    t: float
    df: float
    p_two_sided: float


def welch_t_test(
    mean_a: float,
    std_a: float,
    n_a: int,
    mean_b: float,
    std_b: float,
    n_b: int,
    delta: float = 0.0,
) -> WelchTest:
    """Welch's t statistic, Welch-Satterthwaite df and two-sided p, from summaries."""
    difference, se, df = _welch(
        _array(mean_a), _array(std_a**2), _array(n_a), _array(mean_b), _array(std_b**2), _array(n_b)
    )
    t = float((difference[0] - delta) / se[0])
    p = 2.0 * float(_special().stdtr(df[0], -abs(t)))
    return WelchTest(t=t, df=float(df[0]), p_two_sided=p)


@dataclass(frozen=True, slots=True)
class TostResult:
    """Welch TOST of |mean_child - mean_mother| < margin."""

    p: float
    p_lower: float
    p_upper: float
    t_lower: float
    t_upper: float
    df: float


def tost_welch(
    child_mean: float,
    child_std: float,
    child_n: int,
    mother_mean: float,
    mother_std: float,
    mother_n: int,
    margin: float,
) -> TostResult:
    """Two one-sided Welch t-tests for equivalence of the means within ±margin."""
    difference, se, df = _welch(
        _array(child_mean),
        _array(child_std**2),
        _array(child_n),
        _array(mother_mean),
        _array(mother_std**2),
        _array(mother_n),
    )
    if not se[0] > 0:
        raise ValueError("TOST needs spread in the data (both standard deviations are 0)")
    p_lower, p_upper = _tost_p(difference, se, df, _array(margin))
    return TostResult(
        p=max(float(p_lower[0]), float(p_upper[0])),
        p_lower=float(p_lower[0]),
        p_upper=float(p_upper[0]),
        t_lower=float((difference[0] + margin) / se[0]),
        t_upper=float((difference[0] - margin) / se[0]),
        df=float(df[0]),
    )


@dataclass(frozen=True, slots=True)
class VarianceTest:
    """One-sided F-test of H0: sigma_child^2 / sigma_mother^2 <= max_ratio."""

    ratio: float
    f: float
    df_child: int
    df_mother: int
    p: float


def variance_ratio_test(
    child_std: float, child_n: int, mother_std: float, mother_n: int, max_ratio: float = 1.0
) -> VarianceTest:
    """The F-test of the child's variance against max_ratio times the mother's."""
    if not mother_std > 0:
        raise ValueError("the variance ratio needs spread in the mother's data")
    ratio = child_std**2 / mother_std**2
    f = ratio / max_ratio
    p = float(_f_sf(_array(f), _array(child_n - 1), _array(mother_n - 1))[0])
    return VarianceTest(ratio=ratio, f=f, df_child=child_n - 1, df_mother=mother_n - 1, p=p)


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


# --- matching -----------------------------------------------------------------------


@dataclass(slots=True)
class _Pending:
    """One output with data at both sites, before its tests are run."""

    output: RecipeOutput
    settings: MatchSettings
    mother: SiteStatistics
    child: SiteStatistics
    mother_variance: float
    child_variance: float
    margin: float | None
    margin_basis: str
    problems: tuple[str, ...]
    """Why the output cannot be judged (empty: it can)."""


def _values(data: MeasurementSet, key: OutputKey, unit: str) -> FloatArray | None:
    values = data.values.get(key)
    if not values:
        return None
    array = np.asarray(values, dtype=np.float64)
    source_unit = data.units.get(key, unit)
    if source_unit != unit:  # a set read against another recipe
        offset = units.convert(0.0, source_unit, unit)
        array = array * (units.convert(1.0, source_unit, unit) - offset) + offset
    return array


def _site(values: FloatArray, output: RecipeOutput) -> tuple[SiteStatistics, float]:
    """The site's statistics, and its variance (nan with fewer than 2 values)."""
    n = int(values.size)
    mean = float(values.mean())
    if n < 2:
        return SiteStatistics(n, mean, None, None), math.nan
    variance = float(np.square(values - mean).sum() / (n - 1))
    std = math.sqrt(variance)
    return SiteStatistics(n, mean, std, cpk(mean, std, output.lsl, output.usl)), variance


def _prepare(
    output: RecipeOutput, mother: FloatArray, child: FloatArray, settings: MatchSettings
) -> _Pending:
    own = settings.for_output(output)
    mother_stats, mother_variance = _site(mother, output)
    child_stats, child_variance = _site(child, output)
    margin, basis = margin_for(output, own)
    problems: list[str] = [
        f"the {site} has {stats.n} measurement(s), fewer than min_samples {own.min_samples}"
        for site, stats in (("mother", mother_stats), ("child", child_stats))
        if stats.n < own.min_samples
    ]
    if margin is None:
        problems.append(f"no margin: {basis}")
    if not problems and mother_stats.std == 0:
        problems.append(
            f"no spread in the mother's data (all {mother_stats.n} values equal): "
            "the variance ratio is undefined (check the gauge's resolution)"
        )
    return _Pending(
        output,
        own,
        mother_stats,
        child_stats,
        mother_variance,
        child_variance,
        margin,
        basis,
        tuple(problems),
    )


def _run_tests(items: Sequence[_Pending]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(TOST p, variance ratio, F-test p) for every item, computed at once."""

    def column(values: Sequence[float | None]) -> FloatArray:
        return np.array(values, dtype=np.float64)

    n_m = column([item.mother.n for item in items])
    n_c = column([item.child.n for item in items])
    var_m = column([item.mother_variance for item in items])
    var_c = column([item.child_variance for item in items])
    difference, se, df = _welch(
        column([item.child.mean for item in items]),
        var_c,
        n_c,
        column([item.mother.mean for item in items]),
        var_m,
        n_m,
    )
    # Every item has var_m > 0 (no spread at the mother is insufficient data),
    # so se > 0 and df is finite.
    p_lower, p_upper = _tost_p(difference, se, df, column([item.margin for item in items]))
    ratios = var_c / var_m
    max_ratio = column([item.settings.max_variance_ratio for item in items])
    return np.maximum(p_lower, p_upper), ratios, _f_sf(ratios / max_ratio, n_c - 1, n_m - 1)


def _judge(
    item: _Pending,
    location: SourceLocation | None,
    tost_p: float | None = None,
    variance_ratio: float | None = None,
    f_p: float | None = None,
) -> OutputMatch:
    alpha = item.settings.alpha
    if item.problems or tost_p is None or f_p is None:
        verdict, reasons = Verdict.INSUFFICIENT_DATA, item.problems
    else:
        failed: tuple[str, ...] = (REASON_MEANS,) if not tost_p < alpha else ()
        if f_p < alpha:
            failed += (REASON_VARIANCE,)
        verdict = Verdict.NOT_MATCHED if failed else Verdict.MATCHED
        reasons = failed
    return OutputMatch(
        step=item.output.step,
        output=item.output.name,
        unit=item.output.unit,
        mother=item.mother,
        child=item.child,
        margin=item.margin,
        alpha=alpha,
        tost_p=tost_p,
        variance_ratio=variance_ratio,
        f_p=f_p,
        verdict=verdict,
        reasons=reasons,
        mother_location=location,
        max_variance_ratio=item.settings.max_variance_ratio,
        min_samples=item.settings.min_samples,
        margin_basis=item.margin_basis,
        target=item.output.target,
        lsl=item.output.lsl,
        usl=item.output.usl,
    )


def _location(recipe: LoadedDocument, output: RecipeOutput) -> SourceLocation | None:
    position = recipe.position_of(output.path)
    return None if position is None else SourceLocation(recipe.source, *position)


def match_measurements(
    mother: MeasurementSet,
    child: MeasurementSet,
    recipe: LoadedDocument,
    settings: MatchSettings = DEFAULT_SETTINGS,
) -> MatchReport:
    """Judge every output of the mother `recipe` that has data at both sites."""
    pending: list[_Pending] = []
    unverified: list[OutputKey] = []
    for key, output in recipe_outputs(recipe).items():
        mother_values = _values(mother, key, output.unit)
        child_values = _values(child, key, output.unit)
        if mother_values is None or child_values is None:
            unverified.append(key)
        else:
            pending.append(_prepare(output, mother_values, child_values, settings))

    results: list[tuple[float | None, float | None, float | None]] = [(None, None, None)] * len(
        pending
    )
    testable = [i for i, item in enumerate(pending) if not item.problems]
    if testable:
        tost_p, ratios, f_p = _run_tests([pending[i] for i in testable])
        for j, i in enumerate(testable):
            results[i] = (float(tost_p[j]), float(ratios[j]), float(f_p[j]))
    outputs = tuple(
        _judge(item, _location(recipe, item.output), *results[i]) for i, item in enumerate(pending)
    )
    return MatchReport(
        mother_source=mother.source,
        child_source=child.source,
        recipe_source=recipe.source,
        outputs=outputs,
        unverified=tuple(unverified),
        settings=settings,
    )


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
        spreads = [s for s in (match.mother.std, match.child.std) if s is not None and s > 0]
        decimals = _decimals_for(min(spreads) if spreads else None)
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


__all__ = [
    "DEFAULT_SETTINGS",
    "REASON_MEANS",
    "REASON_VARIANCE",
    "MatchReport",
    "MatchSettings",
    "OutputMatch",
    "SiteStatistics",
    "TostResult",
    "VarianceTest",
    "Verdict",
    "WelchTest",
    "cpk",
    "describe_failure",
    "deviations_from_matches",
    "match_measurements",
    "tost_welch",
    "variance_ratio_test",
    "welch_t_test",
]


def measurement_file(directory: Path, site: str) -> Path:
    """Where a site's measurements are: `<directory>/<site>.csv`."""
    return directory / f"{site}.csv"


def match_sites(
    directory: Path, mother: LoadedDocument, child: LoadedDocument, *, required: bool
) -> MatchReport | None:
    """Match the two sites' measurements found in `directory` by site id.

    When a site has no file, raise a usage error if `required`, else None.
    """
    from cexact.errors import UsageError
    from cexact.recipe.measurements import load_measurements

    files = [measurement_file(directory, doc.data["line"]["site"]) for doc in (mother, child)]
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        if required:
            raise UsageError(f"no measurements: {', '.join(missing)} not found")
        return None
    return match_measurements(
        load_measurements(files[0], mother), load_measurements(files[1], mother), mother
    )
