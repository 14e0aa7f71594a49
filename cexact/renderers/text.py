"""Terminal output, with rich: colour on a terminal, plain text when piped or NO_COLOR."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.text import Text

from cexact.renderers import Renderer
from cexact.validation import ValidationReport


def make_console(out: TextIO) -> Console:
    # soft_wrap keeps each finding on one line, so editors can jump to it.
    return Console(file=out, highlight=False, soft_wrap=True)


class TextRenderer(Renderer):
    name = "text"

    def render_validation(self, report: ValidationReport, out: TextIO) -> None:
        console = make_console(out)
        for finding in report.findings:
            line = Text()
            line.append(finding.where, style="bold")
            line.append(": ")
            line.append("error", style="bold red")
            line.append(f": {finding.message} ")
            line.append(f"({finding.rule})", style="dim")
            console.print(line)
        total = len(report.files)
        invalid = sum(1 for f in report.files if not f.valid)
        findings = len(report.findings)
        if report.valid:
            console.print(Text(f"{total} file(s) valid", style="green"))
        else:
            console.print(
                Text(
                    f"{invalid} of {total} file(s) invalid, {findings} finding(s)",
                    style="bold red",
                )
            )
