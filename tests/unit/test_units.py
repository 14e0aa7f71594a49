"""The unit engine: a bounded grammar, a data-only table from pint, pint's answers.

pint is a test extra: here it regenerates the table (which must equal the
committed one) and is the oracle every unit name, prefixed and plural names
and generated compound units are compared with. cexact itself never imports
it (tested in a fresh process, with a malicious pint cache planted).
"""

from __future__ import annotations

import json
import math
import os
import pickle
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cexact.recipe import units
from cexact.recipe.unit_names import unit_table
from cexact.recipe.units import UnitError
from tests.conftest import MINIMAL_RECIPE, ROOT, SAMPLE_LINES, Run, diff_files
from tools.generate_unit_table import TABLE, build_table, pint_registry, render

TABLE_DATA = unit_table()
ORACLE = pint_registry()
"""pint's default registry plus units.txt: what every answer is checked against."""


# --- The table is pint's, as committed --------------------------------------------------


def test_the_committed_table_is_what_the_generator_makes_from_pint() -> None:
    assert TABLE.read_text("utf-8") == render(build_table()), (
        "cexact/recipe/unit_table.json is out of date: run python tools/generate_unit_table.py"
    )


def test_the_table_is_plain_json_data() -> None:
    data = json.loads(TABLE.read_text("utf-8"))
    assert set(data) == {
        "about", "pint", "dimensions", "prefixes", "plural_suffixes", "logarithmic", "names",
        "units",
    }  # fmt: skip
    for entry in data["units"].values():
        assert set(entry) == {"scale", "offset", "dimension"}
        assert all(isinstance(entry[key], float) for key in ("scale", "offset"))


# --- pint as the oracle -----------------------------------------------------------------


Measured = tuple[float, float, dict[str, float]]


def pint_measure(unit: Any) -> Measured:
    """(scale, offset, dimension) of a pint unit, in SI base units."""
    zero = ORACLE.Quantity(0.0, unit).to_root_units().magnitude
    one = ORACLE.Quantity(1.0, unit).to_root_units().magnitude
    return one - zero, zero, dict(unit.dimensionality)


def pint_by_name(name: str) -> Measured:
    """pint's reading of one name (prefix, plural and all), not of an expression."""
    return pint_measure(ORACLE.Unit(ORACLE.UnitsContainer({ORACLE.get_name(name): 1})))


def cexact_measure(text: str) -> Measured:
    unit = units.parse_unit(text)
    dimension = {d: e for d, e in zip(TABLE_DATA.dimensions, unit.dimension, strict=True) if e}
    return unit.scale, unit.offset, dimension


def assert_same(ours: Measured, theirs: Measured, text: str) -> None:
    scale, offset, dimension = ours
    assert math.isclose(scale, theirs[0], rel_tol=1e-9), (text, ours, theirs)
    assert math.isclose(offset, theirs[1], rel_tol=1e-9, abs_tol=1e-9), (text, ours, theirs)
    assert dimension == theirs[2], (text, ours, theirs)


def test_every_unit_name_means_what_it_means_in_pint() -> None:
    for name in TABLE_DATA.by_name:
        assert_same(cexact_measure(name), pint_by_name(name), name)
        if name.isidentifier():  # pint's expression parser reads `%RH` as % times ronnahenry
            assert_same(cexact_measure(name), pint_measure(ORACLE.parse_units(name)), name)


COMMON = (
    "m", "g", "s", "A", "K", "mol", "cd", "Pa", "Torr", "bar", "V", "W", "J", "N", "Hz", "ohm",
    "Ohm", "F", "H", "L", "l", "eV", "sccm", "slm", "ppm", "rpm", "min", "h", "in", "ft", "lb",
    "psi", "cal", "Wh", "Ah", "T", "Gy", "degC", "degF", "percent", "%",
)  # fmt: skip


@pytest.mark.parametrize("name", COMMON)
def test_every_prefix_and_plural_reads_as_in_pint(name: str) -> None:
    for prefix in TABLE_DATA.prefixes:
        for text in (prefix.text + name, prefix.text + name + "s"):
            _agree_on_name(text)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(
    st.sampled_from([p.text for p in TABLE_DATA.prefixes]),
    st.sampled_from(sorted(n for n in TABLE_DATA.by_name if n.isidentifier())),
    st.sampled_from(["", "s"]),
)
def test_any_prefixed_or_plural_name_reads_as_in_pint(prefix: str, name: str, plural: str) -> None:
    _agree_on_name(prefix + name + plural)


def _agree_on_name(text: str) -> None:
    """One name (prefixed, plural) is the unit pint makes of it, or no unit for either.

    (Checked for every prefix, name and plural, 141,696 of them, in 51 s once;
    here a sample.) A name with `%` in it is two names in cexact's grammar and
    in pint's parser (`k%` is k times percent), one only in `get_name`.
    """
    if not text.isidentifier():
        return
    try:
        theirs = pint_by_name(text)
    except Exception:  # pint: undefined, or a prefix on an offset unit
        assert not units.is_valid_unit(text), text
        return
    assert_same(cexact_measure(text), theirs, text)


_EXPRESSION_NAMES = sorted(
    n
    for n in TABLE_DATA.by_name
    if n.isidentifier() and len(n) <= 12 and n != "sq"  # pint reads `sq m` as m²
)


@st.composite
def unit_names(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["", "", "", "k", "m", "u", "µ", "M", "n", "c"]))
    name = draw(st.one_of(st.sampled_from(COMMON), st.sampled_from(_EXPRESSION_NAMES)))
    return name if name == "%" else prefix + name


@st.composite
def unit_expressions(draw: st.DrawFn, depth: int = 0) -> str:
    parts = [draw(unit_terms(depth))]
    for _ in range(draw(st.integers(0, 3))):
        parts.append(draw(st.sampled_from(["*", "/", " ", "·", " * ", " / ", "/"])))
        parts.append(draw(unit_terms(depth)))
    return "".join(parts)


@st.composite
def unit_terms(draw: st.DrawFn, depth: int) -> str:
    if depth < 2 and draw(st.integers(0, 4)) == 0:
        atom = f"({draw(unit_expressions(depth + 1))})"
    else:
        atom = draw(st.one_of(unit_names(), st.just("1")))
    if draw(st.booleans()):
        power = draw(st.integers(-3, 3).filter(bool))
        atom += draw(st.sampled_from(["^", "**"])) + (
            f"+{power}" if power > 0 and draw(st.booleans()) else str(power)
        )
    return atom


@settings(max_examples=300, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(unit_expressions())
def test_compound_units_convert_as_in_pint(text: str) -> None:
    _agree_on_expression(text)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(alphabet="mkgsKAhPa%°µ1203 */^()-+.·", max_size=16))
def test_whatever_cexact_accepts_pint_reads_the_same(text: str) -> None:
    try:
        ours = cexact_measure(text)
    except UnitError:
        return
    assert_same(ours, pint_expression(text), text)


def _agree_on_expression(text: str) -> None:
    """cexact accepts what pint reads, with pint's value; it refuses what pint refuses.

    Stricter than pint by design: an exponent beyond 12, written or combined,
    and a name that is no unit even where it cancels out (pint never looks up
    `kdegC` in `m*kdegC/kdegC`).
    """
    try:
        ours = cexact_measure(text)
    except UnitError as error:
        stricter = ("out of range" in str(error) or "too long" in str(error)) or _cancels_out(text)
        assert stricter or _pint_refuses(text), (text, str(error))
        return
    theirs = pint_expression(text)
    if theirs[0] == 0.0 or not math.isfinite(theirs[0]):
        return  # beyond the float range on pint's way there: `(m*G_0^-3)^3`
    assert_same(ours, theirs, text)


def pint_expression(text: str) -> Measured:
    """pint's reading of `text`: its parse (names, exponents, deltas), its value per unit.

    The scale is the product of pint's scale of each unit to its power: pint's
    own root-unit arithmetic disagrees with that by up to 4e-6 for powers of
    defined constants (`eps0^6`), which is pint's rounding, not a reading.
    """
    unit = ORACLE.parse_units(text)
    scale, offset = 1.0, 0.0
    try:
        for name, exponent in unit._units.items():
            single = ORACLE.Unit(ORACLE.UnitsContainer({name: 1}))
            single_scale, single_offset, _ = pint_measure(single)
            scale *= single_scale**exponent
            if dict(unit._units) == {name: 1}:  # standing alone: pint keeps its offset
                offset = single_offset
    except OverflowError:
        scale = math.inf
    return scale, offset, dict(unit.dimensionality)


def _cancels_out(text: str) -> bool:
    """Whether a name in `text` has the exponent 0 in all (`m*kdegC/kdegC`)."""
    try:
        return 0 in units._read_exponents(text).values()
    except UnitError:
        return False


def _pint_refuses(text: str) -> bool:
    try:
        ORACLE.parse_units(text)
    except Exception:  # pint raises several unrelated types
        return True
    return False


# --- The units fabs and cell plants write ---------------------------------------------

WRITTEN_IN_FABS = (
    "degC", "mg/cm^2", "mPa*s", "sccm", "slm", "mTorr", "Torr", "torr", "ppb", "ppm",
    "percent", "%", "%RH", "ohm/sq", "m/min", "um", "µm", "μm", "nm", "kPa", "N", "s", "min",
    "h", "kW", "A", "F", "V", "rpm", "rps", "1/min", "cm^-2", "K/min", "MOhm*cm", "Ah",
    "wt_percent", "vol_percent", "angstrom", "Å", "°C", "degF", "W/(m*K)", "mPa·s", "mPa s",
)  # fmt: skip


@pytest.mark.parametrize("unit", WRITTEN_IN_FABS)
def test_units_fabs_and_cell_plants_write_are_units(unit: str) -> None:
    assert units.is_valid_unit(unit)


def _written_units() -> set[str]:
    """Every `unit:` in the sample lines and test cases, and every CSV unit column value."""
    found: set[str] = set()
    pattern = re.compile(r"\bunit:\s*([^,}#\n]+?)\s*[,}#\n]")
    roots = (SAMPLE_LINES, ROOT / "tests" / "cases", ROOT / "tests" / "example-files" / "valid")
    for root in roots:
        for path in root.rglob("*.yaml"):
            found.update(m.strip("'\"") for m in pattern.findall(path.read_text("utf-8")))
    for path in SAMPLE_LINES.rglob("*.csv"):
        lines = path.read_text("utf-8").splitlines()
        column = lines[0].split(",").index("unit")
        found.update(row.split(",")[column] for row in lines[1:] if row.split(",")[column])
    return found


def test_every_unit_in_the_sample_lines_and_cases_is_a_unit() -> None:
    written = _written_units()
    assert {"degC", "mg/cm^2", "sccm", "ohm/sq", "mPa*s", "Ah"} <= written  # the scan works
    unknown_on_purpose = {"mesh-count", "mesh-number"}  # the case of a unit cexact lacks
    assert [u for u in sorted(written - unknown_on_purpose) if not units.is_valid_unit(u)] == []


# --- Revolutions and temperatures as engineers mean them ------------------------------


def test_an_rpm_is_one_per_minute() -> None:
    """Issue 13.15: pint's rpm is 2π rad/min, which made `60 rpm` against `60 1/min` a change."""
    assert units.convert(60, "rpm", "1/min") == pytest.approx(60, rel=1e-12)
    assert units.close_values(units.convert(60, "1/min", "rpm"), 60, "rpm")
    assert units.convert(1, "1 /s", "rpm") == pytest.approx(60, rel=1e-12)
    assert units.convert(1, "rps", "rpm") == pytest.approx(60, rel=1e-12)
    assert units.convert(1, "Hz", "rps") == pytest.approx(1, rel=1e-12)


def test_60_rpm_against_60_per_minute_is_no_deviation(tmp_path: Path) -> None:
    mother = tmp_path / "mother.yaml"
    mother.write_text(MINIMAL_RECIPE.replace("{value: 30,", "{value: 60,"), "utf-8")
    for written in (
        "{value: 60, unit: 1/min, tolerance: 2}",
        "{value: 1, unit: 1 /s, tolerance: 0.03333333333333333}",
    ):
        child = tmp_path / "child.yaml"
        child.write_text(
            MINIMAL_RECIPE.replace("{value: 30, unit: rpm, tolerance: 2}", written).replace(
                "role: mother", 'role: child, mother: {site: home, version: "1.0"}'
            ),
            "utf-8",
        )
        result = diff_files(mother, child)
        assert [d.path for d in result.deviations] == [], written


def test_an_offset_unit_alone_is_a_temperature() -> None:
    assert units.convert(130, "degC", "K") == pytest.approx(403.15, rel=1e-12)
    assert units.convert(212, "degF", "degC") == pytest.approx(100, rel=1e-12)
    assert units.convert(0, "°C", "degF") == pytest.approx(32, rel=1e-12)
    assert units.convert_interval(9, "degF", "degC") == pytest.approx(5, rel=1e-12)  # no offset
    assert units.convert_interval(3, "degC", "K") == pytest.approx(3, rel=1e-12)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("degC/min", "K/min"),
        ("W/(m*degC)", "W/(m*K)"),
        ("degC^-1", "1/K"),
        ("degC*s", "K*s"),
        ("(degC)/h", "K/h"),
    ],
)
def test_an_offset_unit_in_a_compound_is_a_temperature_difference(source: str, target: str) -> None:
    """1 degC/min is 1 K/min (a rate of change), never 274.15 K/min."""
    assert units.convert(1, source, target) == pytest.approx(1, rel=1e-12)
    assert units.convert(0, source, target) == 0
    assert units.parse_unit(source).offset == 0


def test_degf_in_a_compound_is_five_ninths_of_a_kelvin() -> None:
    assert units.convert(9, "degF/min", "K/min") == pytest.approx(5, rel=1e-12)


def test_close_is_relative_with_no_absolute_floor() -> None:
    assert units.close(1.0, 1.0 + 1e-12)
    assert not units.close(1e-13, 9e-13)  # issue 13.3: tiny quantities are not all equal
    assert not units.close(0.0, 1e-300)
    assert units.close(0.0, 0.0)


def test_close_values_measure_from_the_units_true_zero() -> None:
    noisy = units.convert(units.convert(25.0, "degC", "degF"), "degF", "degC")
    assert units.close_values(25.0, noisy, "degC")
    assert units.close_values(0.0, 1e-12, "degC")  # 0 degC is 273.15 K: noise
    assert not units.close_values(0.0, 1e-12, "K")  # 0 K is zero: a change
    assert not units.close_values(1e-13, 9e-13, "F")


def test_convertible_means_the_same_dimension() -> None:
    assert units.convertible("mTorr", "Pa")
    assert units.convertible("sccm", "slm")
    assert units.convertible("ppm", "percent")
    assert not units.convertible("m", "s")
    assert not units.convertible("degC", "degC/min")
    assert not units.convertible("furlongz", "furlongz")
    with pytest.raises(UnitError, match=r"cannot convert 'm' to 's': \[length\] is not \[time\]"):
        units.convert(1, "m", "s")


@pytest.mark.parametrize(
    ("value", "source", "target"),
    [(1e300, "km", "um"), (10**400, "m", "m"), (-1e300, "kPa", "uPa")],
    ids=["1e300 km in um", "an integer beyond floats", "negative"],
)
def test_a_conversion_out_of_the_float_range_is_refused(
    value: float, source: str, target: str
) -> None:
    """Issue 13.8: `1e300 km` in um was inf, and the JSON report then held `Infinity`."""
    with pytest.raises(UnitError, match="is out of range in"):
        units.convert(value, source, target)
    with pytest.raises(UnitError, match="is out of range in"):
        units.convert_interval(value, source, target)


# --- The grammar: refused before any name is looked up, in microseconds ---------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("m*9**9**9", "'9' is a number; the only number a unit may hold is 1"),
        ("m^99999", "exponent 99999 is out of range (at most 12)"),
        ("m^13", "exponent 13 is out of range"),
        ("m^0", "an exponent is 1 to 12"),
        ("m^2.5", "'.' (character 4) is not allowed in a unit"),
        ("m^2^3", "one exponent per factor"),
        ("(km^12)^12", "km to the power 144 is out of range (at most 12)"),
        ("m^12*m^12", "m to the power 24 is out of range"),
        ("((((((m))))))", "parentheses nested deeper than 4"),
        ("(m", "the '(' at character 1 is not closed"),
        ("m)", "unexpected ')' at character 2"),
        ("/s", "'/' at character 1 where a unit name, '1' or '(' should be"),
        ("m/", "it ends where a unit name"),
        ("2*m", "'2' is a number"),
        ("1e3*m", "'e3' at character 2"),
        ("m-s", "unexpected '-' at character 2"),
        ("m$", "'$' (character 2) is not allowed in a unit"),
        ("__import__('os')", '"\'" (character 12) is not allowed'),
        ("m\x1b[2J", "'\\x1b' (character 2) is not allowed"),
        ("", "a unit must not be empty"),
        ("   ", "a unit must not be empty"),
        ("m" * 65, "a unit of 65 characters is too long (at most 64)"),
        ("(m)(s)", "write '*' or a space before '('"),
    ],
)
def test_text_off_the_grammar_is_refused_saying_why(text: str, message: str) -> None:
    with pytest.raises(UnitError) as raised:
        units.parse_unit(text)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


LONG_RUNNING = {
    "9**9**9": "m*9**9**9",
    "10,000 nested parentheses": "(" * 10_000 + "m" + ")" * 10_000,
    "1 MB": "m*" * 500_000 + "m",
    "m^99999": "m^99999",
    "64 characters of nesting": "(" * 31 + "m" + ")" * 31,
    "huge exponents within 64 characters": "((((km^12)^12)^12)^12)^12",
}


@pytest.mark.parametrize("text", LONG_RUNNING.values(), ids=LONG_RUNNING.keys())
def test_long_running_inputs_are_refused_at_once(text: str) -> None:
    """Issue 13.5: pint evaluated `m*9**9**9` for minutes; the grammar refuses it first."""
    start = time.perf_counter()
    with pytest.raises(UnitError):
        units.parse_unit(text)
    assert time.perf_counter() - start < 0.05


# --- Unknown names: the nearest known one ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("degc", "unknown unit 'degc' (did you mean 'degC'?)"),
        ("sccmm", "unknown unit 'sccmm' (did you mean 'sccm'?)"),
        ("degc/min", "unknown unit 'degc' in 'degc/min' (did you mean 'degC'?)"),
        ("mTor", "unknown unit 'mTor' (did you mean 'mTorr'?)"),
        ("kPA", "unknown unit 'kPA' (did you mean 'kPa'?)"),
        ("ohmm/sq", "unknown unit 'ohmm' in 'ohmm/sq' (did you mean 'ohm'?)"),
        ("°c", "unknown unit '°c' (did you mean '°C'?)"),
        ("furlongs_per_fortnightz", "unknown unit 'furlongs_per_fortnightz'"),
    ],
)
def test_an_unknown_unit_suggests_the_nearest_known_one(text: str, message: str) -> None:
    with pytest.raises(UnitError) as raised:
        units.parse_unit(text)
    assert str(raised.value) == message


def test_a_name_pint_knows_but_cexact_refuses_says_why() -> None:
    with pytest.raises(UnitError, match="'dB' is logarithmic"):
        units.parse_unit("dB")
    with pytest.raises(UnitError, match="a prefix on an offset unit"):
        units.parse_unit("kdegC")


def test_validate_reports_the_suggestion_at_the_unit(run_cexact: Run, tmp_path: Path) -> None:
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(MINIMAL_RECIPE.replace("unit: rpm", "unit: sccmm"), "utf-8")
    result = run_cexact("validate", recipe)
    assert result.exit_code == 2
    assert "unknown unit 'sccmm' (did you mean 'sccm'?) (unit)" in result.stdout + result.stderr


# --- Through the commands: no hang, no Infinity ---------------------------------------

RECIPE_WITH_OUTPUT = MINIMAL_RECIPE.replace(
    "viscosity: {target: 5000, unit: mPa*s, lsl: 4000, usl: 6000}",
    "thickness: {target: 100, unit: um, lsl: 90, usl: 110}",
)


def test_a_hostile_unit_in_a_recipe_is_a_finding_at_once(run_cexact: Run, tmp_path: Path) -> None:
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE_WITH_OUTPUT.replace("unit: rpm", 'unit: "m*9**9**9"'), "utf-8")
    start = time.perf_counter()
    result = run_cexact("validate", recipe)
    assert time.perf_counter() - start < 5
    assert result.exit_code == 2
    assert "'9' is a number" in result.stdout + result.stderr


def _measurements(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text(
        "step,output,value,unit\n" + "".join(f"s1,thickness,{r}\n" for r in rows), "utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("100,m*9**9**9", "unit 'm*9**9**9' is not a known unit"),
        ("1e300,km", "value '1e300' km is out of range in um"),
    ],
    ids=["hostile unit", "out of range"],
)
def test_a_bad_unit_in_measurements_is_a_bad_row(
    run_cexact: Run, tmp_path: Path, row: str, message: str
) -> None:
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE_WITH_OUTPUT, "utf-8")
    good = [f"{100 + i % 3},um" for i in range(12)]
    mother = _measurements(tmp_path, "mother.csv", [*good, row])
    child = _measurements(tmp_path, "child.csv", good)
    start = time.perf_counter()
    result = run_cexact("match", mother, child, "--recipe", recipe, "-f", "json")
    assert time.perf_counter() - start < 5
    assert result.exit_code == 2
    assert "mother.csv:14: error: " in result.stdout + result.stderr
    assert message in result.stdout + result.stderr
    assert "Infinity" not in result.stdout and "NaN" not in result.stdout


def test_a_child_value_out_of_range_in_the_mothers_unit_is_a_deviation(tmp_path: Path) -> None:
    mother = tmp_path / "mother.yaml"
    mother.write_text(RECIPE_WITH_OUTPUT, "utf-8")
    child = tmp_path / "child.yaml"
    child.write_text(
        RECIPE_WITH_OUTPUT.replace(
            "role: mother", 'role: child, mother: {site: home, version: "1.0"}'
        )
        .replace(
            "{target: 100, unit: um, lsl: 90, usl: 110}",
            "{target: 1e300, unit: km, lsl: 1e299, usl: 1e301}",
        )
        .replace(
            "{value: 30, unit: rpm, tolerance: 2}", "{value: 1e300, unit: 1/ns, tolerance: 2}"
        ),
        "utf-8",
    )
    result = diff_files(mother, child)
    details = {d.path: d.detail for d in result.deviations}
    assert details["steps[s1].outputs.thickness"] == "1e+300 km is out of range in um"
    assert details["steps[s1].parameters.speed"] == "1e+300 1/ns is out of range in rpm"


# --- No pint, no pickle, at run time --------------------------------------------------


class _Planted:
    """Unpickling this writes a file: what a planted pint cache entry could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.write_text, (self.marker, "code ran"))


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )


def test_a_planted_pint_cache_is_never_loaded(tmp_path: Path) -> None:
    """Issue 13.7: pint with `cache_folder=":auto:"` unpickled $XDG_CACHE_HOME/pint/*.pickle."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "NO_COLOR": "1"}
    definitions = ROOT / "cexact" / "recipe" / "units.txt"
    as_cexact_did = (
        "import pint\n"
        "r = pint.UnitRegistry(cache_folder=':auto:', autoconvert_offset_to_baseunit=True)\n"
        f"r.load_definitions({str(definitions)!r})\n"
        "r.parse_units('m/min')\n"
    )
    assert _python(as_cexact_did, env).returncode == 0  # writes pint's cache files
    pickles = sorted((tmp_path / "xdg").rglob("*.pickle"))
    assert pickles, "pint wrote no cache to plant in"
    marker = tmp_path / "marker"
    for path in pickles:
        path.write_bytes(pickle.dumps(_Planted(marker)))
    # The plant is live: the way cexact used pint runs it.
    _python(as_cexact_did, env)
    assert marker.read_text() == "code ran"
    marker.unlink()
    before = sorted((p, p.stat().st_mtime_ns) for p in (tmp_path / "xdg").rglob("*"))

    mother = SAMPLE_LINES / "cell-4680" / "mother.yaml"
    child = SAMPLE_LINES / "cell-4680" / "arizona-us.yaml"
    measurements = SAMPLE_LINES / "measurements"
    every_command = (
        "import sys\n"
        "from cexact.cli import main\n"
        f"main(['validate', {str(mother)!r}, {str(child)!r}])\n"
        f"main(['diff', {str(mother)!r}, {str(child)!r}, '--no-cache'])\n"
        f"main(['match', {str(measurements / 'ochang-kr.csv')!r}, "
        f"{str(measurements / 'arizona-us.csv')!r}, '--recipe', {str(mother)!r}])\n"
        "print('pint imported' if 'pint' in sys.modules else 'no pint')\n"
    )
    result = _python(every_command, env)
    assert result.stdout.strip().endswith("no pint"), result.stdout + result.stderr
    assert not marker.exists()
    assert sorted((p, p.stat().st_mtime_ns) for p in (tmp_path / "xdg").rglob("*")) == before


def test_cexact_help_does_not_import_the_unit_engine() -> None:
    code = (
        "import sys\n"
        "from cexact.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m == 'cexact.recipe.units' or m == 'pint'))\n"
    )
    result = _python(code, dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
