"""The JSON Schemas shipped in the package, and validators built from them.

Validity is checked with jsonschema-rs (fast); only a document that fails is
run through jsonschema (Python) to get errors with paths that become findings.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

SCHEMA_NAMES = (
    "recipe",
    "waivers",
    "project",
    "report",
    "check-report",
    "impact-report",
    "adopt-report",
)


@cache
def schema_text(name: str) -> str:
    return files("cexact.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")


@cache
def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text(name))
    return loaded


@cache
def fast_validator(name: str) -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(schema(name))


@cache
def detailed_validator(name: str) -> Any:
    """jsonschema's validator, with `pattern` read as JSON Schema (ECMA-262) reads it.

    Python's `re.search` lets a final `$` match before a trailing line feed, so
    `^[a-z]+$` accepted "s2\\n" where jsonschema-rs (and the standard) refuse it;
    the two validators must agree, so `$` at the end means the very end here.
    """
    import re

    import jsonschema

    def pattern(validator: Any, expected: str, instance: Any, schema: Any) -> Any:
        if not validator.is_type(instance, "string"):
            return
        if re.search(ecma_pattern(expected), instance) is None:
            yield jsonschema.ValidationError(f"{instance!r} does not match {expected!r}")

    strict = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": pattern})
    return strict(schema(name))


def ecma_pattern(pattern: str) -> str:
    """A JSON Schema regular expression for Python's `re`: a final `$` is the end of text."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + "\\Z"
    return pattern


class ValidatorDisagreement(RuntimeError):
    """The fast validator refused a document the detailed one found nothing wrong in.

    A bug in cexact (or a validator), never a pass: it surfaces as an internal error.
    """


def resolve_ref(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow local `$ref`s (`#/$defs/...`) until a schema node without one."""
    while "$ref" in node:
        reference: str = node["$ref"]
        if not reference.startswith("#/"):
            raise ValueError(f"only local references are supported: {reference}")
        target: Any = root
        for part in reference[2:].split("/"):
            target = target[part]
        merged = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **merged}
    return node
