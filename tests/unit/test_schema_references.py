"""Every `$ref` of every shipped schema resolves offline, next to the schema file.

The resolver may read only the files in cexact/schemas: any other URI, an
https one above all, is a failure, so a reference that would need the
network cannot pass. check-jsonschema, a validator users run on the files as
shipped, must validate a real check report with them while any download
would fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable

from tests.conftest import SAMPLE_LINES, SCHEMA_DIR, Run

SHIPPED = sorted(SCHEMA_DIR.glob("*.schema.json"))


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def local_only(uri: str) -> Resource[Any]:
    """Retrieve a schema file of cexact/schemas by its file URI; nothing else."""
    parts = urlsplit(uri)
    path = Path(parts.path)
    if parts.scheme != "file" or path.parent != SCHEMA_DIR or not path.is_file():
        raise NoSuchResource(ref=uri)  # type: ignore[call-arg]
    return Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("schema_file", SHIPPED, ids=lambda path: path.name)
def test_every_reference_resolves_next_to_the_schema(schema_file: Path) -> None:
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry(retrieve=local_only)  # type: ignore[call-arg]
    base = schema.get("$id", schema_file.as_uri())
    registry = registry.with_resource(base, Resource.from_contents(schema))
    resolver = registry.resolver(base_uri=base)
    found = list(references(schema))
    for reference in found:
        assert urlsplit(reference).scheme == "", f"{reference}: an absolute reference"
        resolved = resolver.lookup(reference)
        assert isinstance(resolved.contents, dict), reference
    if schema_file.name == "check-report.schema.json":
        assert {"report.schema.json", "report.schema.json#/$defs/waiver"} <= set(found)


def test_the_resolver_really_refuses_the_network() -> None:
    registry: Registry[Any] = Registry(retrieve=local_only)  # type: ignore[call-arg]
    resolver = registry.resolver(base_uri=(SCHEMA_DIR / "check-report.schema.json").as_uri())
    with pytest.raises(Unresolvable):
        resolver.lookup("https://cexact.dev/schemas/report.schema.json")


def test_check_jsonschema_validates_a_check_report_with_the_files_as_shipped(
    run_cexact: Run, tmp_path: Path
) -> None:
    report = tmp_path / "check.json"
    run_cexact("check", SAMPLE_LINES, "-f", "json", "-o", report, "--today", "2026-06-01")
    unreachable = "http://127.0.0.1:9"  # any download attempt fails at once
    completed = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile",
         SCHEMA_DIR / "check-report.schema.json", report],
        env={**os.environ, "HTTPS_PROXY": unreachable, "HTTP_PROXY": unreachable},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
