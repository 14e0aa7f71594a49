"""JSON output: stable, documented structures for machines."""

from __future__ import annotations

import json
from typing import Any, TextIO

from cexact import __version__
from cexact.renderers import Renderer
from cexact.validation import ValidationReport


def tool_record() -> dict[str, str]:
    return {"name": "cexact", "version": __version__}


def write_json(document: dict[str, Any], out: TextIO) -> None:
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


class JsonRenderer(Renderer):
    name = "json"

    def render_validation(self, report: ValidationReport, out: TextIO) -> None:
        write_json(
            {
                "tool": tool_record(),
                "valid": report.valid,
                "files": [
                    {
                        "path": f.source,
                        "schema": f.schema_name,
                        "valid": f.valid,
                        "findings": [
                            {
                                "line": x.line,
                                "column": x.column,
                                "message": x.message,
                                "rule": x.rule,
                                "path": x.path,
                            }
                            for x in f.findings
                        ],
                    }
                    for f in report.files
                ],
                "summary": {
                    "files": len(report.files),
                    "invalid": sum(1 for f in report.files if not f.valid),
                    "findings": len(report.findings),
                },
            },
            out,
        )
