"""Validation of a loaded recipe: the JSON Schema, then the rules beyond it.

Every finding is located at the offending key's line and column, and worded
for a process engineer rather than for a JSON Schema expert.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from typing import Any

from cexact.model import Finding
from cexact.recipe import schema_store
from cexact.recipe.annotations import AnnotatedNode, annotated_schema
from cexact.recipe.discovery import schema_name_for
from cexact.recipe.loader import LoadedDocument
from cexact.recipe.locations import PathKey
from cexact.recipe.paths import PathPattern, PathSyntaxError
from cexact.recipe.units import UnitError, is_valid_unit, parse_unit


def validate_document(document: LoadedDocument, schema_name: str = "recipe") -> tuple[Finding, ...]:
    """All findings for `document` against the named schema (and recipe rules)."""
    findings = list(dict.fromkeys(schema_findings(document, schema_name)))
    if schema_name == "recipe" and not findings:
        findings.extend(recipe_rule_findings(document))
    if schema_name == "waivers" and not findings:
        findings.extend(waiver_rule_findings(document))
    if schema_name == "project" and not findings:
        findings.extend(project_rule_findings(document))
    findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.message))
    return tuple(findings)


def finding_at(
    document: LoadedDocument, path: PathKey, message: str, rule: str, level: str = "error"
) -> Finding:
    position = document.position_of(path)
    line, column = position if position is not None else (None, None)
    where = readable_path(document, path)
    return Finding(document.source, line, column, message, rule, where, level)


def recipe_warnings(document: LoadedDocument) -> Iterator[Finding]:
    """What is worth a look in a valid recipe: value + unit mappings in free-form places
    whose unit cexact does not know (they are compared key by key, not as quantities)."""
    pending: list[tuple[Any, AnnotatedNode, PathKey]] = [
        (document.data, annotated_schema("recipe"), ())
    ]
    while pending:
        value, node, path = pending.pop()
        if isinstance(value, dict):
            unit = value.get("unit")
            number = value.get("value")
            if (
                node.free_form
                and isinstance(unit, str)
                and isinstance(number, (int, float))
                and not isinstance(number, bool)
                and not is_valid_unit(unit)
            ):
                yield finding_at(
                    document,
                    (*path, "unit"),
                    f"unknown unit {unit!r}: this value is compared as text, not as a quantity",
                    "unit",
                    level="warning",
                )
            pending.extend((item, node.child(key), (*path, key)) for key, item in value.items())
        elif isinstance(value, list):
            item_node = node.item()
            pending.extend((item, item_node, (*path, i)) for i, item in enumerate(value))


def readable_path(document: LoadedDocument, path: PathKey) -> str:
    """A path as people name the place: `steps[S030].parameters.speed`.

    An item of a list the schema keys (`x-cexact-key`) is named by its key
    where that is plain text and unique in the list; by position otherwise
    (no key yet, a duplicate, a key with control characters).
    """
    schema_name = schema_name_for(document)
    node = annotated_schema(schema_name) if schema_name is not None else None
    value: Any = document.data
    named: list[str | int] = []
    for part in path:
        if isinstance(part, int):
            items = value if isinstance(value, list) else []
            key = node.list_key if node is not None else None
            named.append(_item_name(items, part, key))
            value = items[part] if part < len(items) else None
            node = node.item() if node is not None else None
        else:
            named.append(part)
            value = value.get(part) if isinstance(value, dict) else None
            node = node.child(part) if node is not None else None
    text = ""
    for original, part in zip(path, named, strict=True):
        if isinstance(original, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _item_name(items: list[Any], index: int, key: str | None) -> str | int:
    if key is None or index >= len(items) or not isinstance(items[index], dict):
        return index
    name = items[index].get(key)
    if not isinstance(name, str) or not name.isprintable() or "[" in name or "]" in name:
        return index
    same = sum(1 for item in items if isinstance(item, dict) and item.get(key) == name)
    return name if same == 1 else index


# --- JSON Schema ---------------------------------------------------------------


def schema_findings(document: LoadedDocument, schema_name: str) -> Iterator[Finding]:
    if schema_store.fast_validator(schema_name).is_valid(document.data):
        return
    validator = schema_store.detailed_validator(schema_name)
    found = False
    for error in validator.iter_errors(document.data):
        found = True
        yield from _findings_for_error(document, error)
    if not found:
        raise schema_store.ValidatorDisagreement(
            f"{document.source}: the fast validator refuses it against the {schema_name} "
            "schema, the detailed one finds nothing"
        )


def _findings_for_error(document: LoadedDocument, error: Any) -> Iterator[Finding]:
    path: PathKey = tuple(error.absolute_path)
    keyword = error.validator
    if keyword == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = [k for k in error.instance if k not in error.schema.get("properties", {})]
        for extra in extras:
            hint = f" (expected one of: {', '.join(allowed)})" if allowed else ""
            yield finding_at(document, (*path, extra), f"unknown field {extra!r}{hint}", "schema")
        return
    if keyword in ("anyOf", "oneOf") and error.context:
        # Report what is wrong inside the alternative that fits the value's
        # type (a quantity's bad tolerance), not that no alternative fits.
        fitting = [
            sub
            for sub in error.context
            if not (sub.validator == "type" and tuple(sub.absolute_path) == path)
        ]
        if fitting:
            for sub in fitting:
                yield from _findings_for_error(document, sub)
            return
    yield finding_at(document, path, _describe(error, readable_path(document, path)), "schema")


_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "a mapping (key: value pairs)",
    "array": "a list",
    "null": "nothing",
}


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "nothing (null)"


def _describe(error: Any, where: str) -> str:
    keyword = error.validator
    instance = error.instance
    value = error.validator_value
    if keyword == "required":
        missing = [k for k in value if k not in instance]
        return f"{where}: missing required field {', '.join(repr(k) for k in missing)}"
    if keyword == "type":
        wanted = value if isinstance(value, list) else [value]
        words = " or ".join(_TYPE_WORDS.get(str(w), str(w)) for w in wanted)
        return f"{where}: expected {words}, found {_kind_of(instance)}"
    if keyword in ("enum", "const"):
        options = value if keyword == "enum" else [value]
        choices = ", ".join(repr(o) for o in options)
        return f"{where}: must be one of {choices}, found {_kind_of(instance)}"
    if keyword == "minLength":
        return f"{where}: must not be empty"
    if keyword == "minItems":
        return f"{where}: needs at least {value} item(s)"
    if keyword == "minimum":
        return f"{where}: must be at least {value}, found {instance}"
    if keyword == "exclusiveMinimum":
        return f"{where}: must be more than {value}, found {instance}"
    if keyword == "maximum":
        return f"{where}: must be at most {value}, found {instance}"
    if keyword == "exclusiveMaximum":
        return f"{where}: must be less than {value}, found {instance}"
    if keyword == "pattern":
        description = error.schema.get("description", f"must match {value}")
        return f"{where}: {instance!r} is not valid here: {description}"
    if keyword in ("anyOf", "oneOf"):
        title = str(error.schema.get("description") or error.schema.get("title") or "a value")
        title = (title[:1].lower() + title[1:]).rstrip(".")
        return f"{where}: {_kind_of(instance)} is not valid here; expected {title}"
    return f"{where}: {error.message}"


# --- Rules beyond the schema -----------------------------------------------------

def recipe_rule_findings(document: LoadedDocument) -> Iterator[Finding]:
    """Rules the schema cannot say: unique ids, units, limits, mother reference."""
    data = document.data
    yield from _mother_reference(document, data["line"])
    yield from _date(document, data["line"], ("line", "effective"))
    yield from keyed_list_findings(document, annotated_schema("recipe"))
    for name, setting in data.get("environment", {}).items():
        yield from _setting(document, setting, ("environment", name))
    for index, step in enumerate(data["steps"]):
        base: PathKey = ("steps", index)
        for name, setting in step.get("parameters", {}).items():
            yield from _setting(document, setting, (*base, "parameters", name))
        for name, output in step.get("outputs", {}).items():
            yield from _output(document, output, (*base, "outputs", name))


def waiver_rule_findings(document: LoadedDocument) -> Iterator[Finding]:
    """Rules for waiver files beyond their schema: unique ids, real dates."""
    waivers = document.data["waivers"]
    yield from keyed_list_findings(document, annotated_schema("waivers"))
    for index, waiver in enumerate(waivers):
        for finding in _waiver_findings(document, waiver, index):
            yield dataclasses.replace(finding, message=f"waiver {waiver['id']}: {finding.message}")


def _waiver_findings(
    document: LoadedDocument, waiver: dict[str, Any], index: int
) -> Iterator[Finding]:
    yield from _path_pattern(document, waiver["path"], ("waivers", index, "path"))
    yield from _date(document, waiver, ("waivers", index, "expires"))
    for a_index, approval in enumerate(waiver["approved_by"]):
        yield from _date(document, approval, ("waivers", index, "approved_by", a_index, "date"))


def project_rule_findings(document: LoadedDocument) -> Iterator[Finding]:
    """Rules for project files beyond their schema: path patterns that parse."""
    for index, rule in enumerate(document.data.get("classify", [])):
        yield from _path_pattern(document, rule["path"], ("classify", index, "path"))
    for key in ("waivers", "ignore"):
        for index, pattern in enumerate(document.data.get(key, [])):
            yield from _file_glob(document, pattern, (key, index))


def _file_glob(document: LoadedDocument, pattern: str, path: PathKey) -> Iterator[Finding]:
    """A file glob must stay inside the project's folder: relative, with no `..`."""
    parts = pattern.replace("\\", "/").split("/")
    if pattern.startswith(("/", "\\")) or (len(pattern) > 1 and pattern[1] == ":"):
        problem = "is absolute"
    elif ".." in parts:
        problem = "reaches outside the project folder (..)"
    else:
        return
    yield finding_at(
        document,
        path,
        f"{pattern!r} {problem}; patterns are relative to the project file's folder",
        "project-glob",
    )


def _path_pattern(document: LoadedDocument, pattern: str, path: PathKey) -> Iterator[Finding]:
    try:
        PathPattern(pattern)
    except PathSyntaxError as error:
        yield finding_at(document, path, f"{pattern!r} is not a path pattern: {error}", "path")


def _mother_reference(document: LoadedDocument, line: dict[str, Any]) -> Iterator[Finding]:
    if line["role"] == "child" and "mother" not in line:
        yield finding_at(
            document,
            ("line", "role"),
            "a child recipe must name its mother: line.mother: {site, version}",
            "mother-reference",
        )
    if line["role"] == "mother" and "mother" in line:
        yield finding_at(
            document,
            ("line", "mother"),
            "a mother recipe must not name a mother (line.role is 'mother')",
            "mother-reference",
        )


def _date(document: LoadedDocument, mapping: dict[str, Any], path: PathKey) -> Iterator[Finding]:
    text = mapping.get(str(path[-1]))
    if isinstance(text, str):
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            yield finding_at(document, path, f"{text!r} is not a calendar date", "date")


def keyed_list_findings(document: LoadedDocument, schema: AnnotatedNode) -> Iterator[Finding]:
    """A duplicate id in any list the schema keys (`x-cexact-key`), wherever it stands.

    The annotation that makes the differ match a list's items by id also makes
    their ids unique here: a newly keyed list gets both at once.
    """
    pending: list[tuple[Any, AnnotatedNode, PathKey]] = [(document.data, schema, ())]
    while pending:
        value, node, path = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                below = node.child(key)
                if below.keyed_below:
                    pending.append((item, below, (*path, key)))
        elif isinstance(value, list):
            if node.list_key is not None:
                yield from _unique_ids(document, value, path, node.list_key)
            item_node = node.item()
            if item_node.keyed_below:
                pending.extend((item, item_node, (*path, i)) for i, item in enumerate(value))


def _unique_ids(
    document: LoadedDocument, items: list[Any], path: PathKey, key: str
) -> Iterator[Finding]:
    what = str(path[-1]).replace("_", " ").removesuffix("s") if path else "item"
    label = what if key == what else f"{what} {key}"
    first_seen: dict[object, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or key not in item:
            continue
        identifier = item[key]
        if identifier in first_seen:
            first = document.position_of((*path, first_seen[identifier], key))
            first_line = f" (first on line {first[0]})" if first else ""
            yield finding_at(
                document,
                (*path, index, key),
                f"duplicate {label} {identifier!r}{first_line}",
                "duplicate-id",
            )
        else:
            first_seen[identifier] = index


def _setting(document: LoadedDocument, setting: Any, path: PathKey) -> Iterator[Finding]:
    if isinstance(setting, dict):
        yield from _unit(document, setting["unit"], (*path, "unit"))


def _unit(document: LoadedDocument, unit: str, path: PathKey) -> Iterator[Finding]:
    try:
        parse_unit(unit)
    except UnitError as error:  # says why, and suggests the nearest known unit
        yield finding_at(document, path, str(error), "unit")


def _output(document: LoadedDocument, output: dict[str, Any], path: PathKey) -> Iterator[Finding]:
    yield from _unit(document, output["unit"], (*path, "unit"))
    target, lsl, usl = output["target"], output.get("lsl"), output.get("usl")
    if lsl is not None and usl is not None and lsl > usl:
        yield finding_at(
            document, (*path, "lsl"), f"lower spec limit {lsl} is above upper {usl}", "spec-limits"
        )
        return
    if lsl is not None and target < lsl:
        yield finding_at(
            document,
            (*path, "target"),
            f"target {target} is below the lower spec limit {lsl}",
            "spec-limits",
        )
    if usl is not None and target > usl:
        yield finding_at(
            document,
            (*path, "target"),
            f"target {target} is above the upper spec limit {usl}",
            "spec-limits",
        )
