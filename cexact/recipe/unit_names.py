"""Unit names: the table cexact knows (generated from pint), how a name is read, and
the nearest known spelling of one that is not.

Resolution is pint's: an exact name, symbol or alias; else a prefix and a name,
maybe plural (`mTorr`, `meters`); `°` reads as `degree`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from types import MappingProxyType

TABLE_RESOURCE = "unit_table.json"
DEGREE_SIGN = "°"
"""Read as `degree` inside a name, as pint reads it (`°C` is `degreeC`)."""


class UnitError(ValueError):
    """A unit that cannot be parsed, or two units that cannot be converted."""


# --- The table ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitDefinition:
    """One unit of the table, measured in SI base units."""

    name: str
    """pint's canonical name (`degree_Celsius` for `degC`)."""
    scale: float
    """The SI value of one step of the unit (133.32 for `torr`: 133.32 Pa)."""
    offset: float
    """The SI value of the unit's zero: 273.15 for degC, 0 for units without an offset."""
    dimension: tuple[float, ...]
    """Exponents of the table's base dimensions (halves for Gaussian units: gauss)."""


@dataclass(frozen=True, slots=True)
class Prefix:
    text: str
    """As written before a unit name: `k`, `kilo`, `µ`, `u`; empty for no prefix."""
    name: str
    """pint's canonical name: `kilo`, `micro`."""
    factor: float


NO_PREFIX = Prefix("", "", 1.0)


@dataclass(frozen=True, slots=True)
class UnitTable:
    """Every unit name cexact knows, with what it means; read from package data."""

    dimensions: tuple[str, ...]
    """The base dimensions, in the order of `UnitDefinition.dimension`."""
    by_name: Mapping[str, UnitDefinition]
    """Every name, symbol and alias to its definition."""
    prefixes: tuple[Prefix, ...]
    """In the order pint tries them, no prefix first."""
    plural_suffixes: tuple[str, ...]
    logarithmic: frozenset[str]
    """Names of logarithmic units (dB, Np): known, but refused."""

    def candidates(self, name: str) -> Iterator[tuple[Prefix, UnitDefinition]]:
        """Prefix and unit readings of `name`, in pint's order of preference.

        Without a suffix, then with each plural suffix; within each, prefixes
        in table order. A plural of a single letter is not a reading (`ms` is
        not a plural of `m`).
        """
        for suffix in ("", *self.plural_suffixes):
            if not name.endswith(suffix):
                continue
            for prefix in self.prefixes:
                if not name.startswith(prefix.text):
                    continue
                stem = name[len(prefix.text) : len(name) - len(suffix)]
                if suffix and len(stem) == 1:
                    continue
                definition = self.by_name.get(stem)
                if definition is not None:
                    yield prefix, definition


@cache
def unit_table() -> UnitTable:
    """The table shipped with cexact (read once per process, in a few milliseconds)."""
    data = json.loads(files("cexact.recipe").joinpath(TABLE_RESOURCE).read_text("utf-8"))
    dimensions = tuple(data["dimensions"])
    definitions = {
        name: UnitDefinition(
            name=name,
            scale=entry["scale"],
            offset=entry["offset"],
            dimension=tuple(entry["dimension"].get(d, 0) for d in dimensions),
        )
        for name, entry in data["units"].items()
    }
    return UnitTable(
        dimensions=dimensions,
        by_name=MappingProxyType(
            {name: definitions[canonical] for name, canonical in data["names"].items()}
        ),
        prefixes=tuple(Prefix(text, name, factor) for text, name, factor in data["prefixes"]),
        plural_suffixes=tuple(data["plural_suffixes"]),
        logarithmic=frozenset(data["logarithmic"]),
    )


# --- Reading a name ----------------------------------------------------------------------------


def _reading(lookup: str) -> tuple[Prefix, UnitDefinition] | None:
    """How pint reads one name: exact, else its first prefix-and-unit reading."""
    table = unit_table()
    exact = table.by_name.get(lookup)
    if exact is not None:
        return NO_PREFIX, exact
    readings: dict[tuple[str, str], tuple[Prefix, UnitDefinition]] = {}
    for prefix, definition in table.candidates(lookup):
        readings.setdefault((prefix.name, definition.name), (prefix, definition))
    # pint prefers a prefixed reading to an equal unprefixed one (kilo+gram over kilogram).
    for prefix_name, unit_name in list(readings):
        if prefix_name:
            readings.pop(("", prefix_name + unit_name), None)
    return next(iter(readings.values()), None)


def definition_of(name: str, text: str) -> tuple[float, UnitDefinition]:
    """The prefix factor and unit of one name in `text`."""
    lookup = name.replace(DEGREE_SIGN, "degree")
    if lookup in unit_table().logarithmic:
        raise UnitError(
            f"unit {name!r} is logarithmic; write the quantity in a linear unit (W, V, 1)"
        )
    reading = _reading(lookup)
    if reading is None:
        raise _unknown_unit(name, text)
    prefix, definition = reading
    if prefix.text and definition.offset != 0.0:
        raise UnitError(
            f"unit {name!r}: a prefix on an offset unit ({definition.name}) means nothing"
        )
    return prefix.factor, definition


def _unknown_unit(name: str, text: str) -> UnitError:
    where = "" if name == text else f" in {text!r}"
    suggestion = _nearest_known_name(name)
    hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
    return UnitError(f"unknown unit {name!r}{where}{hint}")


_MIN_FUZZY_LENGTH = 3
"""Shorter names are not guessed at by spelling: every one-letter unit is one edit from `x`."""


@cache
def _spelling_index() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Known names by their lowercase form, and by each lowercase form less one letter."""
    by_lowercase: dict[str, list[str]] = {}
    by_deletion: dict[str, list[str]] = {}
    for name in sorted(unit_table().by_name):
        lowered = name.lower()
        by_lowercase.setdefault(lowered, []).append(name)
        for variant in _deletions(lowered):
            by_deletion.setdefault(variant, []).append(name)
    return by_lowercase, by_deletion


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _spellings_near(word: str, distance: int) -> Iterator[str]:
    """Known names spelt like `word`.

    distance 0: the same letters in another case (`degc`: `degC`); 1: one
    letter too many or missing (`sccmm`: `sccm`); 2: one letter different, or
    two swapped. Beyond case, only words of at least three letters.
    """
    by_lowercase, by_deletion = _spelling_index()
    lowered = word.lower()
    if distance == 0:
        yield from by_lowercase.get(lowered, ())
        return
    if len(word) < _MIN_FUZZY_LENGTH:
        return
    shorter = sorted(_deletions(lowered))
    if distance == 1:
        for variant in shorter:
            yield from by_lowercase.get(variant, ())
        yield from by_deletion.get(lowered, ())
    else:
        for variant in shorter:
            yield from by_deletion.get(variant, ())


def _nearest_known_name(name: str) -> str | None:
    """A known unit spelt like `name` (`degc` -> `degC`, `sccmm` -> `sccm`), if any.

    The closest spelling wins; at equal distance, without a prefix first, then
    after each prefix `name` starts with (`mTor` -> `mTorr`), then the one
    with the fewest letters in another case (`ohmm` -> `ohm`, not `Ohm`). A
    suggestion is always a unit itself.
    """
    lookup = name.replace(DEGREE_SIGN, "degree")
    prefixes = [p for p in unit_table().prefixes if lookup.startswith(p.text) and lookup != p.text]
    for distance in (0, 1, 2):
        for prefix in prefixes:
            stem = lookup[len(prefix.text) :]
            near = [
                prefix.text + candidate
                for candidate in _spellings_near(stem, distance)
                if _is_unit_name(prefix.text + candidate)
            ]
            if near:
                best = min(near, key=lambda known: (_case_changes(known, lookup), known))
                return best.replace("degree", DEGREE_SIGN, 1) if DEGREE_SIGN in name else best
    return None


def _is_unit_name(name: str) -> bool:
    reading = _reading(name)
    return reading is not None and not (reading[0].text and reading[1].offset != 0.0)


def _case_changes(known: str, written: str) -> int:
    return sum(a != b and a.lower() == b.lower() for a, b in zip(known, written, strict=False))
