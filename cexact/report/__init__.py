"""Output formats: renderers chosen by name from one registry.

A renderer only renders: it gets a finished result object from the core and
writes it to a text stream. Renderers are imported on first use, so that
`cexact --help` does not pay for rich or for formats it does not use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, TextIO

from cexact.errors import UsageError

if TYPE_CHECKING:
    from cexact.commands.check import FleetReport
    from cexact.commands.diff import DiffResult
    from cexact.commands.drift import DriftResult
    from cexact.commands.log import RecipeLog
    from cexact.commands.match import MatchReport
    from cexact.commands.validate import ValidationReport


class Renderer:
    """Base class: a format renders the results it knows and refuses the rest."""

    name = ""

    def render_validation(self, report: ValidationReport, out: TextIO) -> None:
        raise UsageError(f"format {self.name!r} does not apply to validate")

    def render_diff(self, result: DiffResult, out: TextIO) -> None:
        raise UsageError(f"format {self.name!r} does not apply to diff")

    def render_fleet(self, report: FleetReport, out: TextIO) -> None:
        raise UsageError(f"format {self.name!r} does not apply to check")

    def render_waivers(self, report: FleetReport, out: TextIO) -> None:
        raise UsageError(f"format {self.name!r} does not apply to waivers")

    def render_drift(self, result: DriftResult, out: TextIO) -> None:
        """By default, drift is rendered as the diff of what the child still has to take."""
        self.render_diff(result.pending_view(), out)

    def render_log(self, log: RecipeLog, out: TextIO) -> None:
        raise UsageError(f"format {self.name!r} does not apply to log")

    def render_match(self, report: MatchReport, out: TextIO) -> None:
        raise UsageError(f"format {self.name!r} does not apply to match")


# name -> "module:Class", imported on first use.
_RENDERER_LOCATIONS = {
    "text": "cexact.report.text:TextRenderer",
    "json": "cexact.report.json_format:JsonRenderer",
    "markdown": "cexact.report.markdown:MarkdownRenderer",
    "html": "cexact.report.html:HtmlRenderer",
    "junit": "cexact.report.junit:JunitRenderer",
    "sarif": "cexact.report.sarif:SarifRenderer",
    "github": "cexact.report.github:GithubRenderer",
}

FORMAT_NAMES = tuple(_RENDERER_LOCATIONS)


def renderer_for(name: str) -> Renderer:
    location = _RENDERER_LOCATIONS.get(name)
    if location is None:
        raise UsageError(f"unknown format {name!r}; choose from {', '.join(FORMAT_NAMES)}")
    module_name, class_name = location.split(":")
    renderer: Renderer = getattr(import_module(module_name), class_name)()
    return renderer
