"""Statistical Process Output Matching: do a child site's measured outputs match the mother's?

For every output of the mother recipe that has measurements at both sites,
`match_measurements` computes each site's n, mean, sample standard deviation
(n - 1 in the denominator) and Cpk, and runs two tests at significance level
alpha (NIST/SEMATECH e-Handbook of Statistical Methods, sections 1.3.5.3,
1.3.5.9 and 7.3).

Equivalence of means (TOST, Welch's form) within +/-margin, and a one-sided
F-test of the child's variance against max_variance_ratio times the mother's:
both in `cexact.compare.statistics`, which states the formulas. The tests are
run for all judged outputs at once.

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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cexact.commands.match_results import (
    REASON_MEANS,
    REASON_VARIANCE,
    MatchReport,
    OutputMatch,
    SiteStatistics,
    Verdict,
    cpk,
)
from cexact.compare.match_settings import DEFAULT_SETTINGS, MatchSettings, margin_for
from cexact.compare.statistics import SampleSummaries, tost_welch, variance_ratio_test
from cexact.errors import InputError
from cexact.model import SourceLocation
from cexact.recipe import units
from cexact.recipe.loader import LoadedDocument
from cexact.recipe.measurements import MeasurementSet, OutputKey, RecipeOutput, recipe_outputs

FloatArray = npt.NDArray[np.float64]

# --- matching -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class _TestResults:
    """The outcome of both tests for one output."""

    tost_p: float
    variance_ratio: float
    f_p: float


def _values(data: MeasurementSet, key: OutputKey, unit: str) -> FloatArray | None:
    values = data.values.get(key)
    if not values:
        return None
    array = np.asarray(values, dtype=np.float64)
    source_unit = data.units.get(key, unit)
    if source_unit != unit:  # a set read against another recipe
        scale, offset = units.conversion(source_unit, unit)
        with np.errstate(over="ignore", invalid="ignore"):
            array = array * scale + offset
        if not np.isfinite(array).all():
            raise InputError(
                f"{data.source}: measurements of steps[{key[0]}].outputs.{key[1]} in "
                f"{source_unit} are out of range in {unit}"
            )
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
        output=output,
        settings=own,
        mother=mother_stats,
        child=child_stats,
        mother_variance=mother_variance,
        child_variance=child_variance,
        margin=margin,
        margin_basis=basis,
        problems=tuple(problems),
    )


def _run_tests(items: Sequence[_Pending]) -> list[_TestResults]:
    """Both tests for every item (each with a margin and spread at the mother), at once."""
    if not items:
        return []  # without importing scipy
    child = SampleSummaries.of(
        [item.child.n for item in items],
        [item.child.mean for item in items],
        [item.child_variance for item in items],
    )
    mother = SampleSummaries.of(
        [item.mother.n for item in items],
        [item.mother.mean for item in items],
        [item.mother_variance for item in items],
    )
    margins = np.array([item.margin for item in items], dtype=np.float64)
    max_ratios = np.array([item.settings.max_variance_ratio for item in items], dtype=np.float64)
    tost = tost_welch(child, mother, margins)
    variance = variance_ratio_test(child, mother, max_ratios)
    return [
        _TestResults(tost_p, ratio, f_p)
        for tost_p, ratio, f_p in zip(
            tost.p.tolist(), variance.ratio.tolist(), variance.p.tolist(), strict=True
        )
    ]


def _judge(
    item: _Pending, location: SourceLocation | None, tests: _TestResults | None
) -> OutputMatch:
    alpha = item.settings.alpha
    if tests is None:
        verdict, reasons = Verdict.INSUFFICIENT_DATA, item.problems
    else:
        failed: tuple[str, ...] = (REASON_MEANS,) if not tests.tost_p < alpha else ()
        if tests.f_p < alpha:
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
        tost_p=None if tests is None else tests.tost_p,
        variance_ratio=None if tests is None else tests.variance_ratio,
        f_p=None if tests is None else tests.f_p,
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

    tested = iter(_run_tests([item for item in pending if not item.problems]))
    outputs = tuple(
        _judge(item, _location(recipe, item.output), None if item.problems else next(tested))
        for item in pending
    )
    return MatchReport(
        mother_source=mother.source,
        child_source=child.source,
        recipe_source=recipe.source,
        outputs=outputs,
        unverified=tuple(unverified),
        settings=settings,
    )


__all__ = [
    "DEFAULT_SETTINGS",
    "MatchSettings",
    "match_measurements",
    "match_sites",
    "measurement_file",
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
