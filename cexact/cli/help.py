"""How `--help` reads: placeholders as written (`MOTHER`, `PATH...`, `[DIR]`), nothing cut.

typer's plain help writes a required argument as `{MOTHER}`, adds its Python
type (`MOTHER <str>`, `--jobs <int range>`) and the option's bounds
(`[1<=x<=1024]`). This command class writes each placeholder once, as the
metavar names it, and keeps the help text and the default.
"""

from __future__ import annotations

from typing import Any

from typer import _click as click  # typer vendors click: its commands take these types
from typer.core import TyperArgument, TyperCommand


def _placeholder(parameter: click.Parameter) -> str:
    name = parameter.metavar or (parameter.name or "").upper()
    return name if parameter.required else f"[{name}]"


def _default_text(parameter: click.Parameter) -> str:
    if not getattr(parameter, "show_default", False):
        return ""
    default = parameter.default
    if default is None or default is False or default == () or default == []:
        return ""
    return f"  [default: {default}]"


class ReadableCommand(TyperCommand):
    """A command whose usage line and help name each placeholder as its metavar."""

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        pieces += [
            _placeholder(parameter)
            for parameter in self.get_params(ctx)
            if isinstance(parameter, TyperArgument)
        ]
        return pieces

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for parameter in self.get_params(ctx):
            help_text = getattr(parameter, "help", None) or ""
            if isinstance(parameter, TyperArgument):  # its help says what the default is
                arguments.append((parameter.metavar or (parameter.name or "").upper(), help_text))
            elif parameter.param_type_name == "option" and not getattr(parameter, "hidden", False):
                names = ", ".join(sorted(parameter.opts, key=lambda o: o.startswith("--")))
                if not getattr(parameter, "is_flag", False):
                    names += f" {parameter.metavar or (parameter.name or '').upper()}"
                options.append((names, help_text + _default_text(parameter)))
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Examples, each command line as written (click would rewrap them)."""
        if not self.epilog:
            return
        formatter.write_paragraph()
        for line in self.epilog.splitlines():
            formatter.write(f"{'':>{formatter.current_indent}}{line}\n" if line else "\n")


def command_settings(short_help: str, examples: str, **extra: Any) -> dict[str, Any]:
    """`app.command(...)` keywords: the readable help, a one-line summary, examples."""
    return {"cls": ReadableCommand, "short_help": short_help, "epilog": examples, **extra}
