"""The statistics of output matching (cexact.compare.statistics), the one implementation
the product runs: checked against the NIST/SEMATECH e-Handbook's worked examples, a hand
calculation, and scipy and statsmodels on many random data sets."""

from __future__ import annotations

import statistics

import numpy as np
import numpy.typing as npt
import pytest
from scipy import stats
from statsmodels.stats.weightstats import ttost_ind

from cexact.compare.statistics import (
    SampleSummaries,
    tost_welch,
    variance_ratio_test,
    welch_difference,
)

FloatArray = npt.NDArray[np.float64]


def summaries(*samples: npt.ArrayLike) -> SampleSummaries:
    """n, mean and sample variance (n - 1) of each sample."""
    arrays = [np.asarray(sample, dtype=np.float64) for sample in samples]
    return SampleSummaries.of(
        [a.size for a in arrays], [a.mean() for a in arrays], [a.var(ddof=1) for a in arrays]
    )


def one(value: float) -> FloatArray:
    return np.array([value], dtype=np.float64)


# --- NIST/SEMATECH e-Handbook of Statistical Methods, worked examples -------------------
#
# Section 1.3.5.3, "Two-Sample t-Test for Equal Means"
# (https://www.itl.nist.gov/div898/handbook/eda/section3/eda353.htm), data set
# AUTO83B.DAT (https://www.itl.nist.gov/div898/handbook/datasets/AUTO83B.DAT):
# miles per gallon of 249 U.S. cars and 79 Japanese cars. Published: sample 1
# n = 249, mean = 20.14458, sd = 6.41470; sample 2 n = 79, mean = 30.48101,
# sd = 6.10771; equal variances: T = -12.62059, sp = 6.34260, df = 326; unequal
# variances (Welch): T = -12.94627, df = 136.8750 (Dataplot's T TEST prints
# df = 136.87499 and p = 1.571e-25 for the same data).

AUTO83B_US = [
    *(18, 15, 18, 16, 17, 15, 14, 14, 14, 15, 15, 14, 15, 14, 22, 18, 21, 21, 10, 10, 11, 9),
    *(28, 25, 19, 16, 17, 19, 18, 14, 14, 14, 14, 12, 13, 13, 18, 22, 19, 18, 23, 26, 25, 20),
    *(21, 13, 14, 15, 14, 17, 11, 13, 12, 13, 15, 13, 13, 14, 22, 28, 13, 14, 13, 14, 15, 12),
    *(13, 13, 14, 13, 12, 13, 18, 16, 18, 18, 23, 11, 12, 13, 12, 18, 21, 19, 21, 15, 16, 15),
    *(11, 20, 21, 19, 15, 26, 25, 16, 16, 18, 16, 13, 14, 14, 14, 28, 19, 18, 15, 15, 16, 15),
    *(16, 14, 17, 16, 15, 18, 21, 20, 13, 23, 20, 23, 18, 19, 25, 26, 18, 16, 16, 15, 22, 22),
    *(24, 23, 29, 25, 20, 18, 19, 18, 27, 13, 17, 13, 13, 13, 30, 26, 18, 17, 16, 15, 18, 21),
    *(19, 19, 16, 16, 16, 16, 25, 26, 31, 34, 36, 20, 19, 20, 19, 21, 20, 25, 21, 19, 21, 21),
    *(19, 18, 19, 18, 18, 18, 30, 31, 23, 24, 22, 20, 22, 20, 21, 17, 18, 17, 18, 17, 16, 19),
    *(19, 36, 27, 23, 24, 34, 35, 28, 29, 27, 34, 32, 28, 26, 24, 19, 28, 24, 27, 27, 26, 24),
    *(30, 39, 35, 34, 30, 22, 27, 20, 18, 28, 27, 34, 31, 29, 27, 24, 23, 38, 36, 25, 38, 26),
    *(22, 36, 27, 27, 32, 28, 31),
]
AUTO83B_JAPAN = [
    *(24, 27, 27, 25, 31, 35, 24, 19, 28, 23, 27, 20, 22, 18, 20, 31, 32, 31, 32, 24, 26, 29),
    *(24, 24, 33, 33, 32, 28, 19, 32, 34, 26, 30, 22, 22, 33, 39, 36, 28, 27, 21, 24, 30, 34),
    *(32, 38, 37, 30, 31, 37, 32, 47, 41, 45, 34, 33, 24, 32, 39, 35, 32, 37, 38, 34, 34, 32),
    *(33, 32, 25, 24, 37, 31, 36, 36, 34, 38, 32, 38, 32),
]


def test_the_auto83b_data_are_the_handbooks() -> None:
    us, japan = AUTO83B_US, AUTO83B_JAPAN
    assert (len(us), len(japan)) == (249, 79)
    assert statistics.mean(us) == pytest.approx(20.14458, abs=5e-6)
    assert statistics.stdev(us) == pytest.approx(6.41470, abs=5e-6)
    assert statistics.mean(japan) == pytest.approx(30.48101, abs=5e-6)
    assert statistics.stdev(japan) == pytest.approx(6.10771, abs=5e-6)
    pooled = stats.ttest_ind(us, japan, equal_var=True)
    assert pooled.statistic == pytest.approx(-12.62059, abs=5e-6)


def test_welch_reproduces_nist_1_3_5_3_auto83b() -> None:
    welch = welch_difference(summaries(AUTO83B_US), summaries(AUTO83B_JAPAN))
    t = welch.difference / welch.standard_error
    assert t[0] == pytest.approx(-12.94627, abs=5e-6)
    assert welch.df[0] == pytest.approx(136.8750, abs=5e-5)
    # TOST with a zero margin is the two one-sided Welch tests of equal means: the
    # smaller p, doubled, is the two-sided p Dataplot prints.
    tost = tost_welch(summaries(AUTO83B_US), summaries(AUTO83B_JAPAN), one(0.0))
    assert 2 * tost.p_upper[0] == pytest.approx(1.571e-25, rel=1e-3)
    assert tost.p_lower[0] == pytest.approx(1.0)
    # The same from the published summaries alone (rounded to 6 significant figures).
    published = welch_difference(
        SampleSummaries.of([249], [20.14458], [6.41470**2]),
        SampleSummaries.of([79], [30.48101], [6.10771**2]),
    )
    assert (published.difference / published.standard_error)[0] == pytest.approx(-12.9463, abs=1e-4)
    assert published.df[0] == pytest.approx(136.875, abs=1e-3)


# Section 1.3.5.9, "F-Test for Equality of Two Variances"
# (https://www.itl.nist.gov/div898/handbook/eda/section3/eda359.htm), data set
# JAHANMI2.DAT (ceramic strength, batch 1 against batch 2). Published: batch 1
# n = 240, sd = 65.54909; batch 2 n = 240, sd = 61.85425; F = 1.123037 with
# 239 and 239 degrees of freedom; critical values F(0.975) = 1.2894 and
# F(0.025) = 0.7756; F test statistic CDF value = 0.814808 (earlier edition's
# Dataplot output), so the upper-tail p-value is 1 - 0.814808 = 0.185192.


def test_variance_ratio_test_reproduces_nist_1_3_5_9_jahanmi2() -> None:
    batch_1 = SampleSummaries.of([240], [0.0], [65.54909**2])
    batch_2 = SampleSummaries.of([240], [0.0], [61.85425**2])
    result = variance_ratio_test(batch_1, batch_2, one(1.0))
    assert result.ratio[0] == pytest.approx(1.123037, abs=5e-7)
    assert result.p[0] == pytest.approx(0.185192, abs=5e-7)
    assert result.p[0] > 0.025  # inside the published two-sided acceptance region
    assert stats.f.ppf(0.975, 239, 239) == pytest.approx(1.2894, abs=5e-5)


def test_the_f_test_against_a_maximum_ratio_divides_by_it() -> None:
    child = SampleSummaries.of([21], [0.0], [9.0])
    mother = SampleSummaries.of([31], [0.0], [1.0])
    result = variance_ratio_test(child, mother, one(2.0))
    assert result.ratio[0] == 9.0
    assert result.p[0] == pytest.approx(stats.f.sf(4.5, 20, 30), rel=1e-12)


def test_the_variance_ratio_needs_spread_in_the_second_sample() -> None:
    spread = SampleSummaries.of([10, 10], [1.0, 1.0], [1.0, 1.0])
    flat = SampleSummaries.of([10, 10], [1.0, 1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match=r"spread in the second sample.* comparison\(s\) \[1\]"):
        variance_ratio_test(spread, flat, np.array([1.0, 1.0]))
    # a first sample without spread is a ratio of 0, never above the maximum
    result = variance_ratio_test(flat, spread, np.array([1.0, 1.0]))
    assert (result.ratio[1], result.p[1]) == (0.0, 1.0)


# --- TOST ---------------------------------------------------------------------------------


def test_tost_by_hand() -> None:
    # mother: mean 10, sd 1, n 10; child: mean 10.2, sd 1, n 10; margin 1.
    # se = sqrt(1/10 + 1/10) = 0.4472136; Welch df = 0.2^2 / (2 * 0.1^2 / 9) = 18.
    # t_lower = (0.2 + 1) / se = 2.683282 -> P(T18 > t) = 0.00759 (t table: between
    # t(0.99, 18) = 2.552 and t(0.995, 18) = 2.878, so 0.005 < p < 0.01);
    # t_upper = (0.2 - 1) / se = -1.788854 -> P(T18 < t) = 0.0452 (between
    # t(0.95, 18) = 1.734 and t(0.975, 18) = 2.101, so 0.025 < p < 0.05).
    child = SampleSummaries.of([10], [10.2], [1.0])
    mother = SampleSummaries.of([10], [10.0], [1.0])
    welch = welch_difference(child, mother)
    assert welch.df[0] == pytest.approx(18.0)
    assert welch.standard_error[0] == pytest.approx(0.4472136, abs=1e-7)
    assert ((welch.difference + 1) / welch.standard_error)[0] == pytest.approx(2.683282, abs=1e-6)
    assert ((welch.difference - 1) / welch.standard_error)[0] == pytest.approx(-1.788854, abs=1e-6)
    result = tost_welch(child, mother, one(1.0))
    assert result.p_lower[0] == pytest.approx(0.00759, abs=5e-6)
    assert result.p_upper[0] == pytest.approx(0.0452, abs=5e-5)
    assert result.p[0] == result.p_upper[0]


def test_tost_needs_a_standard_error() -> None:
    flat = SampleSummaries.of([10, 10], [1.0, 1.0], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"no standard error .* comparison\(s\) \[0\]"):
        tost_welch(flat, flat, np.array([1.0, 1.0]))


# --- against scipy and statsmodels on random data ---------------------------------------------

DATA_SETS = 400


def random_pairs(seed: int) -> tuple[list[FloatArray], list[FloatArray], FloatArray]:
    """(child samples, mother samples, margins): sizes 2 to 300, spreads over 4 decades,
    shifts and margins from a tenth to ten times the spread."""
    rng = np.random.default_rng(seed)
    children: list[FloatArray] = []
    mothers: list[FloatArray] = []
    margins: list[float] = []
    for _ in range(DATA_SETS):
        scale = 10 ** rng.uniform(-2, 2)
        mothers.append(rng.normal(100.0, scale, int(rng.integers(2, 301))))
        shift = rng.uniform(-2, 2) * scale
        spread = scale * rng.uniform(0.2, 5)
        children.append(rng.normal(100.0 + shift, spread, int(rng.integers(2, 301))))
        margins.append(scale * 10 ** rng.uniform(-1, 1))
    return children, mothers, np.array(margins)


def test_welch_agrees_with_scipy_ttest_ind_unequal_variances() -> None:
    children, mothers, _ = random_pairs(20251201)
    welch = welch_difference(summaries(*children), summaries(*mothers))
    scipy_t = [
        stats.ttest_ind(c, m, equal_var=False) for c, m in zip(children, mothers, strict=True)
    ]
    np.testing.assert_allclose(
        welch.difference / welch.standard_error, [r.statistic for r in scipy_t], rtol=1e-9, atol=0
    )
    np.testing.assert_allclose(welch.df, [r.df for r in scipy_t], rtol=1e-9, atol=0)


def test_tost_agrees_with_statsmodels_ttost_ind_unequal() -> None:
    children, mothers, margins = random_pairs(20251202)
    ours = tost_welch(summaries(*children), summaries(*mothers), margins)
    theirs = [
        ttost_ind(c, m, -margin, margin, usevar="unequal")
        for c, m, margin in zip(children, mothers, margins.tolist(), strict=True)
    ]
    np.testing.assert_allclose(ours.p, [p for p, _, _ in theirs], rtol=1e-9, atol=0)
    np.testing.assert_allclose(
        ours.p_lower, [lower[1] for _, lower, _ in theirs], rtol=1e-9, atol=0
    )
    np.testing.assert_allclose(
        ours.p_upper, [upper[1] for _, _, upper in theirs], rtol=1e-9, atol=0
    )
    assert 0.05 < np.mean(ours.p < 0.05) < 0.95  # the data sets hold both outcomes


def test_tost_agrees_with_shifted_one_sided_welch_tests_in_scipy() -> None:
    children, mothers, margins = random_pairs(20251203)
    ours = tost_welch(summaries(*children), summaries(*mothers), margins)
    lower = [
        stats.ttest_ind(c + margin, m, equal_var=False, alternative="greater").pvalue
        for c, m, margin in zip(children, mothers, margins.tolist(), strict=True)
    ]
    upper = [
        stats.ttest_ind(c - margin, m, equal_var=False, alternative="less").pvalue
        for c, m, margin in zip(children, mothers, margins.tolist(), strict=True)
    ]
    np.testing.assert_allclose(ours.p_lower, lower, rtol=1e-9, atol=0)
    np.testing.assert_allclose(ours.p_upper, upper, rtol=1e-9, atol=0)


def test_variance_ratio_test_agrees_with_scipy_f_sf() -> None:
    children, mothers, _ = random_pairs(20251204)
    max_ratios = np.random.default_rng(5).uniform(1.0, 4.0, DATA_SETS)
    ours = variance_ratio_test(summaries(*children), summaries(*mothers), max_ratios)
    ratios = [np.var(c, ddof=1) / np.var(m, ddof=1) for c, m in zip(children, mothers, strict=True)]
    expected = [
        stats.f.sf(ratio / max_ratio, c.size - 1, m.size - 1)
        for ratio, max_ratio, c, m in zip(
            ratios, max_ratios.tolist(), children, mothers, strict=True
        )
    ]
    np.testing.assert_allclose(ours.ratio, ratios, rtol=1e-9, atol=0)
    np.testing.assert_allclose(ours.p, expected, rtol=1e-9, atol=0)
    assert 0.05 < np.mean(ours.p < 0.05) < 0.95


def test_all_at_once_is_each_alone() -> None:
    children, mothers, margins = random_pairs(20251205)
    child, mother = summaries(*children), summaries(*mothers)
    tost = tost_welch(child, mother, margins)
    variance = variance_ratio_test(child, mother, margins + 1)
    for i in range(0, DATA_SETS, 37):
        alone_child = summaries(children[i])
        alone_mother = summaries(mothers[i])
        assert tost_welch(alone_child, alone_mother, margins[i : i + 1]).p[0] == tost.p[i]
        alone = variance_ratio_test(alone_child, alone_mother, margins[i : i + 1] + 1)
        assert (alone.ratio[0], alone.p[0]) == (variance.ratio[i], variance.p[i])
