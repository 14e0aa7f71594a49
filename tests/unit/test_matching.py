"""Statistical output matching: generated data with known properties, verdicts,
deviations, the recipe's `matching` settings and the sample data. The tests themselves
are checked in test_statistics.py."""

from __future__ import annotations

import dataclasses
import math
import statistics
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest

from cexact.commands.match import match_measurements
from cexact.commands.match_results import (
    REASON_MEANS,
    REASON_VARIANCE,
    MatchReport,
    Verdict,
    cpk,
    deviations_from_matches,
)
from cexact.compare.match_settings import MatchSettings, NumberBounds, setting_bounds
from cexact.model import DeviationKind, Severity, SourceLocation, Stage
from cexact.recipe import schema_store
from cexact.recipe.loader import LoadedDocument, load_bytes
from cexact.recipe.measurements import MeasurementSet, load_measurements
from cexact.recipe.reading import load_valid_recipe
from cexact.recipe.validation import validate_document
from tests.conftest import ROOT, SAMPLE_LINES

# --- Cpk --------------------------------------------------------------------------------


def test_cpk() -> None:
    assert cpk(100.0, 2.0, 90.0, 110.0) == pytest.approx(10 / 6)
    assert cpk(104.0, 2.0, 90.0, 110.0) == pytest.approx(1.0)
    assert cpk(104.0, 2.0, None, 110.0) == pytest.approx(1.0)
    assert cpk(104.0, 2.0, 90.0, None) == pytest.approx(14 / 6)
    assert cpk(104.0, 2.0, None, None) is None
    assert cpk(104.0, 0.0, 90.0, 110.0) is None
    assert cpk(104.0, None, 90.0, 110.0) is None
    assert cpk(112.0, 2.0, 90.0, 110.0) == pytest.approx(-1 / 3)


# --- matching generated data ---------------------------------------------------------------

RECIPE = textwrap.dedent(
    """\
    cexact: 1
    line: {id: demo-line, name: Demo, product: widget, site: home, role: mother, version: "1.0"}
    steps:
      - id: coat
        name: Coating
        operation: coating
        outputs:
          thickness: {target: 100, unit: um, lsl: 90, usl: 110}
          weight:
            target: 5.0
            unit: g
            lsl: 4.5
            usl: 5.5
            matching: {margin: 0.05, min_samples: 20, max_variance_ratio: 1.5, alpha: 0.01}
          burr: {target: 4, unit: um, usl: 10}
      - id: align
        name: Alignment
        operation: alignment
        outputs:
          offset: {target: 0, unit: mm}
          offset_with_margin: {target: 0, unit: mm, matching: {margin: 0.1}}
          flatness: {target: 3, unit: um, usl: 6, matching: {margin_fraction: 0.2}}
          narrow: {target: 10, unit: um, lsl: 9, usl: 11, matching: {margin_fraction: 0.5}}
    """
)
THICKNESS = ("coat", "thickness")


@pytest.fixture(scope="module")
def recipe() -> LoadedDocument:
    document = load_bytes(RECIPE.encode(), "recipe.yaml")
    assert validate_document(document) == ()
    return document


UNITS = {
    ("coat", "thickness"): "um",
    ("coat", "weight"): "g",
    ("coat", "burr"): "um",
    ("align", "offset"): "mm",
    ("align", "offset_with_margin"): "mm",
    ("align", "flatness"): "um",
    ("align", "narrow"): "um",
}


def site(name: str, data: dict[tuple[str, str], Sequence[float]]) -> MeasurementSet:
    values = {key: tuple(float(v) for v in series) for key, series in data.items()}
    return MeasurementSet(
        source=name,
        recipe_source="recipe.yaml",
        values=MappingProxyType(values),
        units=MappingProxyType({key: UNITS[key] for key in values}),
        rows=sum(len(v) for v in values.values()),
    )


def normal(seed: int, mean: float, sd: float, n: int) -> list[float]:
    values: list[float] = np.random.default_rng(seed).normal(mean, sd, n).tolist()
    return values


def match_one(
    recipe: LoadedDocument,
    key: tuple[str, str],
    mother: Sequence[float],
    child: Sequence[float],
    settings: MatchSettings | None = None,
) -> MatchReport:
    args = (site("mother.csv", {key: mother}), site("child.csv", {key: child}), recipe)
    return match_measurements(*args) if settings is None else match_measurements(*args, settings)


def test_identical_distributions_match(recipe: LoadedDocument) -> None:
    report = match_one(recipe, THICKNESS, normal(1, 100, 1.5, 50), normal(2, 100, 1.5, 50))
    (match,) = report.outputs
    assert match.verdict is Verdict.MATCHED
    assert match.reasons == ()
    assert match.margin == pytest.approx(2.0)
    assert match.margin_basis == "0.1 x (usl - lsl)"
    assert match.tost_p is not None and match.tost_p < 1e-6
    assert match.f_p is not None and match.f_p > 0.5
    assert match.means_equivalent is True and match.variance_matched is True
    assert (match.mother.n, match.child.n) == (50, 50)
    assert match.mother.mean == pytest.approx(statistics.mean(normal(1, 100, 1.5, 50)))
    assert match.mother.std == pytest.approx(statistics.stdev(normal(1, 100, 1.5, 50)))
    assert match.mother.cpk == pytest.approx(cpk(match.mother.mean, match.mother.std, 90, 110))
    assert deviations_from_matches(report) == ()


def test_a_mean_shifted_beyond_the_margin_does_not_match(recipe: LoadedDocument) -> None:
    report = match_one(recipe, THICKNESS, normal(1, 100, 1.5, 50), normal(2, 103, 1.5, 50))
    (match,) = report.outputs
    assert match.verdict is Verdict.NOT_MATCHED
    assert match.reasons == (REASON_MEANS,)
    assert match.mean_difference == pytest.approx(3.0, abs=0.7)
    assert match.tost_p is not None and match.tost_p > 0.9


def test_a_mean_shifted_within_the_margin_but_measured_too_noisily_does_not_match(
    recipe: LoadedDocument,
) -> None:
    # TOST puts the burden of proof on the data: a small shift is not *shown* equivalent
    # by 12 noisy values.
    report = match_one(recipe, THICKNESS, normal(3, 100, 3.0, 12), normal(4, 101, 3.0, 12))
    assert report.outputs[0].reasons == (REASON_MEANS,)


def test_an_inflated_variance_does_not_match(recipe: LoadedDocument) -> None:
    report = match_one(recipe, THICKNESS, normal(1, 100, 1.5, 50), normal(2, 100, 4.5, 50))
    (match,) = report.outputs
    assert match.verdict is Verdict.NOT_MATCHED
    assert match.reasons == (REASON_VARIANCE,)
    assert match.variance_ratio == pytest.approx(9.0, rel=0.4)
    assert match.f_p is not None and match.f_p < 1e-6


def test_both_failures_are_named(recipe: LoadedDocument) -> None:
    report = match_one(recipe, THICKNESS, normal(1, 100, 1.5, 50), normal(2, 104, 4.5, 50))
    assert report.outputs[0].reasons == (REASON_MEANS, REASON_VARIANCE)


def test_too_few_values_are_insufficient_data(recipe: LoadedDocument) -> None:
    report = match_one(recipe, THICKNESS, normal(1, 100, 1.5, 9), normal(2, 100, 1.5, 50))
    (match,) = report.outputs
    assert match.verdict is Verdict.INSUFFICIENT_DATA
    assert match.reasons == ("the mother has 9 measurement(s), fewer than min_samples 10",)
    assert (match.tost_p, match.variance_ratio, match.f_p) == (None, None, None)
    assert match.means_equivalent is None and match.variance_matched is None
    assert report.insufficient == (match,)
    assert deviations_from_matches(report) == ()

    report = match_one(recipe, THICKNESS, [100.0], [99.0])
    (match,) = report.outputs
    assert match.mother.std is None and match.mother.cpk is None
    assert len(match.reasons) == 2


def test_unit_conversion_child_data_in_nm(recipe: LoadedDocument, tmp_path: Path) -> None:
    mother_values, child_values = normal(1, 100, 1.5, 50), normal(2, 100, 1.5, 50)
    (tmp_path / "mother.csv").write_text(
        "step,output,value\n" + "".join(f"coat,thickness,{v!r}\n" for v in mother_values)
    )
    (tmp_path / "child.csv").write_text(
        "step,output,value,unit\n"
        + "".join(f"coat,thickness,{v * 1000!r},nm\n" for v in child_values)
    )
    mother = load_measurements(tmp_path / "mother.csv", recipe)
    child = load_measurements(tmp_path / "child.csv", recipe)
    in_um = match_one(recipe, THICKNESS, mother_values, child_values).outputs[0]
    from_csv = match_measurements(mother, child, recipe).outputs[0]
    assert from_csv.verdict is Verdict.MATCHED
    assert from_csv.child.mean == pytest.approx(in_um.child.mean, rel=1e-12)
    assert from_csv.child.std == pytest.approx(in_um.child.std, rel=1e-9)
    assert from_csv.tost_p == pytest.approx(in_um.tost_p, rel=1e-6)


def test_a_set_read_in_another_unit_is_converted(recipe: LoadedDocument) -> None:
    values = normal(2, 100, 1.5, 50)
    in_nm = MeasurementSet(
        "child.csv",
        "child-recipe.yaml",
        MappingProxyType({THICKNESS: tuple(v * 1000 for v in values)}),
        MappingProxyType({THICKNESS: "nm"}),
        50,
    )
    mother = site("mother.csv", {THICKNESS: normal(1, 100, 1.5, 50)})
    match = match_measurements(mother, in_nm, recipe).outputs[0]
    assert match.child.mean == pytest.approx(statistics.mean(values))


def test_the_outputs_own_settings_are_applied(recipe: LoadedDocument) -> None:
    key = ("coat", "weight")  # margin 0.05 g, min_samples 20, max ratio 1.5, alpha 0.01
    report = match_one(recipe, key, normal(5, 5.0, 0.01, 19), normal(6, 5.0, 0.01, 40))
    assert report.outputs[0].reasons == (
        "the mother has 19 measurement(s), fewer than min_samples 20",
    )
    report = match_one(recipe, key, normal(5, 5.0, 0.01, 60), normal(6, 5.0, 0.02, 60))
    (match,) = report.outputs
    assert (match.margin, match.margin_basis, match.alpha) == (0.05, "matching.margin", 0.01)
    assert (match.min_samples, match.max_variance_ratio) == (20, 1.5)
    assert match.variance_ratio == pytest.approx(4.0, rel=0.35)
    assert match.reasons == (REASON_VARIANCE,)  # a ratio of about 4 is significantly above 1.5
    assert match.f_p is not None and match.f_p < 0.01
    default = match_one(recipe, THICKNESS, normal(5, 100, 1.0, 60), normal(6, 100, 1.2, 60))
    assert default.outputs[0].max_variance_ratio == 2.0
    assert default.outputs[0].verdict is Verdict.MATCHED


def test_margins_from_target_fraction_and_margin_fraction(recipe: LoadedDocument) -> None:
    burr = match_one(recipe, ("coat", "burr"), normal(1, 4, 0.1, 30), normal(2, 4, 0.1, 30))
    assert (burr.outputs[0].margin, burr.outputs[0].margin_basis) == (0.4, "0.1 x |target|")
    assert burr.outputs[0].child.cpk == pytest.approx(
        (10 - burr.outputs[0].child.mean) / 0.3, rel=0.1
    )
    narrow = match_one(recipe, ("align", "narrow"), normal(1, 10, 0.1, 30), normal(2, 10, 0.1, 30))
    assert (narrow.outputs[0].margin, narrow.outputs[0].margin_basis) == (1.0, "0.5 x (usl - lsl)")
    given = match_one(
        recipe, ("align", "offset_with_margin"), normal(1, 0, 0.01, 30), normal(2, 0, 0.01, 30)
    )
    assert given.outputs[0].verdict is Verdict.MATCHED
    wider = MatchSettings(margin_fraction=0.25)
    thick = match_one(recipe, THICKNESS, normal(1, 100, 1, 30), normal(2, 100, 1, 30), wider)
    assert thick.outputs[0].margin == 5.0
    assert thick.settings is wider


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (("align", "offset"), "no margin: target is 0 and the output has no spec limits"),
        (("align", "flatness"), "no margin: matching.margin_fraction needs both lsl and usl"),
    ],
)
def test_no_margin_is_insufficient_data(
    recipe: LoadedDocument, key: tuple[str, str], reason: str
) -> None:
    report = match_one(recipe, key, normal(1, 0, 0.1, 30), normal(2, 0, 0.1, 30))
    (match,) = report.outputs
    assert match.verdict is Verdict.INSUFFICIENT_DATA
    assert match.margin is None
    assert match.reasons[0].startswith(reason)


def test_zero_spread(recipe: LoadedDocument) -> None:
    flat_mother = match_one(recipe, THICKNESS, [100.0] * 20, normal(2, 100, 1, 20))
    (match,) = flat_mother.outputs
    assert match.verdict is Verdict.INSUFFICIENT_DATA
    assert match.reasons[0].startswith("no spread in the mother's data (all 20 values equal)")
    assert match.mother.std == 0 and match.mother.cpk is None

    flat_child = match_one(recipe, THICKNESS, normal(1, 100, 1, 20), [100.0] * 20)
    (match,) = flat_child.outputs
    assert match.verdict is Verdict.MATCHED
    assert (match.variance_ratio, match.f_p) == (0.0, 1.0)


def test_report_lists_outputs_in_recipe_order_and_the_unverified(recipe: LoadedDocument) -> None:
    mother = site(
        "mother.csv",
        {
            ("align", "narrow"): normal(1, 10, 0.1, 30),
            THICKNESS: normal(2, 100, 1, 30),
            ("coat", "burr"): normal(3, 4, 0.1, 30),
        },
    )
    child = site(
        "child.csv",
        {
            ("align", "narrow"): normal(4, 10, 0.1, 30),
            THICKNESS: normal(5, 100, 1, 30),
            ("coat", "weight"): normal(6, 5, 0.01, 30),
        },
    )
    report = match_measurements(mother, child, recipe)
    assert [m.key for m in report.outputs] == [THICKNESS, ("align", "narrow")]
    assert report.unverified == (
        ("coat", "weight"),
        ("coat", "burr"),
        ("align", "offset"),
        ("align", "offset_with_margin"),
        ("align", "flatness"),
    )
    assert (report.mother_source, report.child_source, report.recipe_source) == (
        "mother.csv",
        "child.csv",
        "recipe.yaml",
    )
    assert report.outputs[0].mother_location == SourceLocation("recipe.yaml", 8, 7)
    assert report.matched == report.outputs


@pytest.mark.parametrize(
    ("name", "value", "bounds"),
    [
        ("alpha", 0.5, "in (0, 0.5)"),
        ("alpha", 0.0, "in (0, 0.5)"),
        ("alpha", math.nan, "in (0, 0.5)"),
        ("alpha", True, "in (0, 0.5)"),
        ("alpha", "0.05", "in (0, 0.5)"),
        ("min_samples", 1, "an integer, at least 2"),
        ("min_samples", 2.5, "an integer, at least 2"),
        ("max_variance_ratio", 0.9, "at least 1"),
        ("margin_fraction", 0.0, "in (0, 1]"),
        ("margin_fraction", 1.5, "in (0, 1]"),
    ],
)
def test_match_settings_are_checked_against_the_schemas_bounds(
    name: str, value: object, bounds: str
) -> None:
    with pytest.raises(ValueError) as caught:
        MatchSettings(**{name: value})  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"{name} must be {bounds} (the recipe schema's bounds for matching.{name}), not {value!r}"
    )


def test_target_fraction_states_its_own_bound() -> None:
    with pytest.raises(ValueError) as caught:
        MatchSettings(target_fraction=0.0)
    assert str(caught.value) == "target_fraction must be above 0, not 0.0"
    assert MatchSettings(target_fraction=2.0).target_fraction == 2.0


@pytest.mark.parametrize(
    ("schema", "described", "inside", "outside"),
    [
        ({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5}, "in (0, 0.5)", 0.1, 0),
        ({"type": "number", "minimum": 1, "maximum": 3}, "in [1, 3]", 3, 3.5),
        ({"type": "integer", "minimum": 2}, "an integer, at least 2", 2, 2.0),
        ({"type": "number", "exclusiveMinimum": 0}, "above 0", 1e-9, 0),
        ({"type": "number", "maximum": 5}, "at most 5", 5, 5.1),
        ({"type": "number", "exclusiveMaximum": 5}, "below 5", 4.9, 5),
        ({"type": "number"}, "a number", -1e300, "1"),
    ],
)  # fmt: skip
def test_number_bounds_read_the_schema_keywords(
    schema: dict[str, object], described: str, inside: object, outside: object
) -> None:
    bounds = NumberBounds.from_schema(schema)
    assert bounds.describe() == described
    assert bounds.allows(inside)
    assert not bounds.allows(outside)


def test_every_setting_a_recipe_can_give_takes_its_bounds_from_the_schema() -> None:
    matching = schema_store.schema("recipe")["$defs"]["output"]["properties"]["matching"]
    settings = {f.name for f in dataclasses.fields(MatchSettings)}
    from_schema = {
        name for name, (_, stated_by) in setting_bounds().items() if "recipe schema" in stated_by
    }
    assert from_schema == settings & set(matching["properties"])
    assert settings - from_schema == {"target_fraction"}  # a setting no recipe gives


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("alpha", [-0.1, 0.0, 1e-9, 0.05, 0.4999, 0.5, 0.7]),
        ("min_samples", [0, 1, 2, 3, 10, 1000]),
        ("max_variance_ratio", [0.0, 0.999, 1, 1.0, 2.5, 100]),
        ("margin_fraction", [-1, 0, 0.0, 1e-6, 0.5, 1, 1.0, 1.0001]),
    ],
)
def test_match_settings_accept_what_a_valid_recipe_may_say(name: str, values: list[float]) -> None:
    for value in values:
        recipe_valid = validate_document(output_with(f"{{{name}: {value!r}}}")) == ()
        try:
            MatchSettings(**{name: value})  # type: ignore[arg-type]
        except ValueError:
            accepted = False
        else:
            accepted = True
        assert accepted is recipe_valid, (name, value)


# --- deviations -----------------------------------------------------------------------------


def test_deviations_name_the_failed_tests_with_p_values(recipe: LoadedDocument) -> None:
    mother = site(
        "mother.csv",
        {THICKNESS: normal(1, 100, 1.5, 50), ("coat", "burr"): normal(3, 4, 0.1, 40)},
    )
    child = site(
        "child.csv",
        {THICKNESS: normal(2, 104, 4.5, 50), ("coat", "burr"): normal(4, 4, 0.1, 5)},
    )
    report = match_measurements(mother, child, recipe)
    (deviation,) = deviations_from_matches(report)
    match = report.outputs[0]
    assert deviation.path == "steps[coat].outputs.thickness.measured"
    assert deviation.kind is DeviationKind.CHANGED
    assert deviation.stage is Stage.PROCESS_OUTPUT_MATCHING
    assert deviation.severity is Severity.MAJOR
    assert deviation.step == "coat"
    assert deviation.mother_location == SourceLocation("recipe.yaml", 8, 7)
    assert deviation.child_location is None
    assert deviation.waiver is None
    assert deviation.mother == {
        "n": 50,
        "mean": round(match.mother.mean, 2),
        "std": float(f"{match.mother.std:.3g}"),
    }
    assert isinstance(deviation.child, dict) and deviation.child["n"] == 50
    assert deviation.detail.startswith("means not equivalent within ±2 um: child - mother = +")
    assert "TOST p > 0.999 (alpha 0.05)" in deviation.detail
    assert "; variance ratio " in deviation.detail
    assert "above max 2: F-test p = " in deviation.detail


def test_deviation_values_are_rounded_to_the_spread(recipe: LoadedDocument) -> None:
    report = match_one(recipe, THICKNESS, normal(1, 100, 0.0123, 50), normal(2, 103, 0.0123, 50))
    (deviation,) = deviations_from_matches(report)
    assert isinstance(deviation.mother, dict)
    mean = deviation.mother["mean"]
    assert isinstance(mean, float)
    assert mean == round(report.outputs[0].mother.mean, 4)
    assert deviation.mother["std"] == pytest.approx(0.0123, abs=0.002)
    assert "TOST p > 0.999" in deviation.detail


# --- the recipe's matching settings -----------------------------------------------------------


def output_with(matching: str) -> LoadedDocument:
    text = RECIPE.replace(
        "burr: {target: 4, unit: um, usl: 10}",
        f"burr: {{target: 4, unit: um, usl: 10, matching: {matching}}}",
    )
    return load_bytes(text.encode(), "recipe.yaml")


@pytest.mark.parametrize(
    "matching",
    [
        "{}",
        "{margin: 0.3}",
        "{margin_fraction: 1}",
        "{max_variance_ratio: 1, min_samples: 2, alpha: 0.1}",
    ],
)
def test_valid_matching_settings(matching: str) -> None:
    assert validate_document(output_with(matching)) == ()


@pytest.mark.parametrize(
    ("matching", "expected"),
    [
        ("{margin: 0}", "margin"),
        ("{margin: -1}", "margin"),
        ("{margin_fraction: 0}", "margin_fraction"),
        ("{margin_fraction: 1.5}", "margin_fraction"),
        ("{max_variance_ratio: 0.5}", "max_variance_ratio"),
        ("{min_samples: 1}", "min_samples"),
        ("{min_samples: 2.5}", "min_samples"),
        ("{alpha: 0.5}", "alpha"),
        ("{alpha: 0}", "alpha"),
        ("{margn: 1}", "margn"),
    ],
)
def test_invalid_matching_settings_are_found_at_their_line(matching: str, expected: str) -> None:
    (finding,) = validate_document(output_with(matching))
    assert expected in finding.message
    assert finding.line == 15


# --- the sample data --------------------------------------------------------------------------

SAMPLE_VERDICTS = {
    ("S030", "coat_weight_side_a"): (Verdict.MATCHED, ()),
    ("S050", "electrode_thickness"): (Verdict.MATCHED, ()),
    ("S070", "slit_width_cathode"): (Verdict.NOT_MATCHED, (REASON_MEANS,)),
    ("S120", "weld_pull_strength"): (Verdict.NOT_MATCHED, (REASON_VARIANCE,)),
    ("S210", "discharge_capacity"): (
        Verdict.INSUFFICIENT_DATA,
        ("the child has 6 measurement(s), fewer than min_samples 10",),
    ),
    ("S210", "ac_internal_resistance"): (Verdict.MATCHED, ()),
}


def sample_report(folder: Path) -> MatchReport:
    recipe = load_valid_recipe(SAMPLE_LINES / "cell-4680" / "mother.yaml")
    mother = load_measurements(folder / "ochang-kr.csv", recipe)
    child = load_measurements(folder / "arizona-us.csv", recipe)
    return match_measurements(mother, child, recipe)


def test_the_sample_data_show_every_verdict() -> None:
    report = sample_report(SAMPLE_LINES / "measurements")
    assert {m.key: (m.verdict, m.reasons) for m in report.outputs} == SAMPLE_VERDICTS
    assert ("S090", "moisture_cathode") in report.unverified
    assert len(report.unverified) == 45 - 6
    assert [d.path for d in deviations_from_matches(report)] == [
        "steps[S070].outputs.slit_width_cathode.measured",
        "steps[S120].outputs.weld_pull_strength.measured",
    ]


def test_the_sample_generator_is_deterministic(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import sample_measurements
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    first = sample_measurements.generate(tmp_path / "a")
    second = sample_measurements.generate(tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    report = sample_report(tmp_path / "a")
    assert {m.key: (m.verdict, m.reasons) for m in report.outputs} == SAMPLE_VERDICTS
    assert all(100 < len(p.read_text().splitlines()) < 500 for p in first)
    assert not math.isnan(report.outputs[0].mother.mean)
