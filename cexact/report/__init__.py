"""Output formats: renderers chosen by name from one registry.

A renderer only renders: it gets a finished result object from the core and
writes it to a text stream. Which commands each format serves is declared
here, as data, so that `--help` lists a command's own formats and an
unsupported one is refused before any work is done. Renderer modules are
imported on first use, so that `cexact --help` pays for none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, TextIO

from cexact.errors import UsageError

if TYPE_CHECKING:
    from cexact.commands.adopt_results import AdoptResult
    from cexact.commands.check import FleetReport
    from cexact.commands.diff import DiffResult
    from cexact.commands.drift import DriftResult
    from cexact.commands.impact_results import ImpactResult
    from cexact.commands.log import RecipeLog
    from cexact.commands.match_results import MatchReport
    from cexact.commands.validate import ValidationReport
    from cexact.report.audit_trail import AuditTrail


class Renderer:
    """Base class: a format renders the results of the commands it declares.

    `audit` is who produced the report, when, where and with which command line,
    for the formats that record it (None: the format takes the moment it renders).
    """

    name = ""

    def __init__(self, audit: AuditTrail | None = None) -> None:
        self.audit = audit

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

    def render_impact(self, result: ImpactResult, out: TextIO) -> None:
        """By default, impact is rendered as the fleet under the proposed mother."""
        self.render_fleet(result.proposed_view(), out)

    def render_log(self, log: RecipeLog, out: TextIO) -> None:
        raise UsageError(f"format {self.name!r} does not apply to log")

    def render_match(self, report: MatchReport, out: TextIO) -> None:
        raise UsageError(f"format {self.name!r} does not apply to match")

    def render_adopt(self, result: AdoptResult, out: TextIO) -> None:
        raise UsageError(f"format {self.name!r} does not apply to adopt")


COMMAND_METHODS = {
    "validate": "render_validation",
    "diff": "render_diff",
    "check": "render_fleet",
    "waivers": "render_waivers",
    "drift": "render_drift",
    "impact": "render_impact",
    "log": "render_log",
    "match": "render_match",
    "adopt": "render_adopt",
}
"""Each reporting command, and the renderer method that presents its result."""


@dataclass(frozen=True, slots=True)
class Format:
    """One output format: where its renderer lives and which commands it serves."""

    name: str
    location: str
    """`module:Class`, imported on first use."""
    commands: frozenset[str]
    description: str
    own_modules: tuple[tuple[str, str], ...] = ()
    """(command, `module:Class`): commands whose results this format renders in a
    module of their own."""

    def renderer(self, audit: AuditTrail | None = None, command: str | None = None) -> Renderer:
        location = dict(self.own_modules).get(command or "", self.location)
        module_name, class_name = location.split(":")
        renderer: Renderer = getattr(import_module(module_name), class_name)(audit)
        return renderer


_EVERY_COMMAND = frozenset(COMMAND_METHODS)
_ADOPT = "cexact.report.adopt_formats:Adopt"
_CI_COMMANDS = frozenset({"diff", "check", "drift", "impact"})
_CODE_HOST_COMMANDS = _CI_COMMANDS | {"validate"}
"""The commands whose findings CI systems and code hosts show: invalid files too."""

FORMATS = {
    f.name: f
    for f in (
        Format(
            "text",
            "cexact.report.text:TextRenderer",
            _EVERY_COMMAND,
            "for a terminal",
            (("adopt", _ADOPT + "TextRenderer"),),
        ),
        Format(
            "json",
            "cexact.report.json_format:JsonRenderer",
            _EVERY_COMMAND,
            "documented JSON",
            (("adopt", _ADOPT + "JsonRenderer"),),
        ),
        Format(
            "markdown",
            "cexact.report.markdown:MarkdownRenderer",
            _EVERY_COMMAND - {"validate", "waivers"},
            "for a change request or pull-request comment",
            (("adopt", _ADOPT + "MarkdownRenderer"),),
        ),
        Format("html", "cexact.report.html:HtmlRenderer", _CI_COMMANDS, "an audit page"),
        Format("junit", "cexact.report.junit:JunitRenderer", _CODE_HOST_COMMANDS, "JUnit XML"),
        Format(
            "sarif",
            "cexact.report.sarif:SarifRenderer",
            _CODE_HOST_COMMANDS,
            "SARIF 2.1.0, for GitHub code scanning",
        ),
        Format(
            "github",
            "cexact.report.github:GithubRenderer",
            _CODE_HOST_COMMANDS,
            "GitHub Actions annotations and job summary",
        ),
        Format(
            "gitlab",
            "cexact.report.gitlab:GitlabRenderer",
            _CODE_HOST_COMMANDS,
            "a GitLab Code Quality report",
        ),
    )
}

FORMAT_NAMES = tuple(FORMATS)


def formats_for(command: str) -> tuple[str, ...]:
    """The formats `command` can write, in registry order."""
    return tuple(name for name, f in FORMATS.items() if command in f.commands)


def renderer_for(
    name: str, command: str | None = None, audit: AuditTrail | None = None
) -> Renderer:
    """The renderer of format `name`; a UsageError when `command` is not one it serves."""
    found = FORMATS.get(name)
    choices = formats_for(command) if command is not None else FORMAT_NAMES
    if found is None or (command is not None and command not in found.commands):
        for_command = f" for {command}" if command is not None else ""
        raise UsageError(f"unknown format {name!r}{for_command}; choose from {', '.join(choices)}")
    return found.renderer(audit, command)
