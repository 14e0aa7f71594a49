"""`cexact adopt`'s reports: text for a terminal, JSON for machines, Markdown for a change request.

Each only presents the `AdoptResult`: what the core adopted, found already
taken, or left as a conflict (with base, mother and child values and the
waiver), the unified diff of each file on a dry run, and where it was
written or committed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from cexact.commands.adopt_merge import DIFFERS
from cexact.report import Renderer
from cexact.report.formatting import format_change, format_value, visible
from cexact.report.json_format import tool_record, write_json

if TYPE_CHECKING:
    from cexact.commands.adopt_merge import AdoptItem
    from cexact.commands.adopt_results import AdoptResult, ChildAdoption

_WIDTH = {"adopted": 8, "taken": 8, "conflict": 8}


def _summary(child: ChildAdoption) -> str:
    return (
        f"{len(child.adopted)} adopted, {len(child.taken)} already taken, "
        f"{len(child.conflicts)} conflict(s)"
    )


def _outcome(child: ChildAdoption, result: AdoptResult) -> str:
    if child.written:
        where = f"; committed {child.commit[:12]}" if child.commit else ""
        return f"written{where}"
    if child.up_to_date:
        return "up to date: nothing to adopt"
    if result.dry_run:
        return "dry run: nothing written"
    if child.conflicts and not result.partial:
        return "not written (--no-partial and conflicts remain)"
    return "nothing to write"


def _item_line(item: AdoptItem) -> str:
    base, mother = format_change(item.change)
    text = f"{base} -> {mother}"
    if item.status == "conflict":
        text = f"base {base}, mother {mother}, child {format_value(item.child)}"
        if item.reason != DIFFERS:
            text += f" ({item.reason})"
        elif item.waiver:
            text += f" (waiver {item.waiver})"
    return visible(f"  {item.status:<8}  {item.change.stage.value:<23}  {item.change.path}: {text}")


class AdoptTextRenderer(Renderer):
    name = "text"

    def render_adopt(self, result: AdoptResult, out: TextIO) -> None:
        for child in result.children:
            out.write(
                visible(
                    f"cexact adopt: {child.site} ({child.line_id}) mother {child.from_version} "
                    f"-> {child.to_version}  {child.path}\n"
                )
            )
            for item in child.items:
                if item.status != "taken":
                    out.write(_item_line(item) + "\n")
            for note in child.notes:
                out.write(visible(f"  note: {note}\n"))
            out.write(f"  {_summary(child)}; {_outcome(child, result)}\n")
            if result.dry_run and child.diff:
                out.write(visible(child.diff))
        if result.branch:
            out.write(visible(f"branch: {result.branch}\n"))
        verdict = "every change adopted" if result.complete else "conflicts remain"
        out.write(f"{verdict}\n")


def _item_record(item: AdoptItem) -> dict[str, Any]:
    record: dict[str, Any] = {
        "path": item.change.path,
        "status": item.status,
        "kind": item.change.kind.value,
        "stage": item.change.stage.value,
        "base": item.change.mother,
        "mother": item.change.child,
    }
    if item.status == "conflict":
        record |= {"child": item.child, "waiver": item.waiver, "reason": item.reason}
    return record


def adopt_document(result: AdoptResult) -> dict[str, Any]:
    """The adopt report as documented by cexact/schemas/adopt-report.schema.json."""
    return {
        "tool": tool_record(),
        "kind": "adopt",
        "dry_run": result.dry_run,
        "partial": result.partial,
        "complete": result.complete,
        "branch": result.branch,
        "children": [
            {
                "path": child.path,
                "line": child.line_id,
                "site": child.site,
                "mother": child.mother_path,
                "from_version": child.from_version,
                "to_version": child.to_version,
                "written": child.written,
                "commit": child.commit,
                "counts": {
                    "adopted": len(child.adopted),
                    "taken": len(child.taken),
                    "conflicts": len(child.conflicts),
                },
                "changes": [_item_record(item) for item in child.items],
                "diff": child.diff,
                "notes": list(child.notes),
            }
            for child in result.children
        ],
    }


class AdoptJsonRenderer(Renderer):
    name = "json"

    def render_adopt(self, result: AdoptResult, out: TextIO) -> None:
        write_json(adopt_document(result), out)


def _cell(text: str) -> str:
    return visible(text).replace("|", "\\|").replace("\n", " ")


class AdoptMarkdownRenderer(Renderer):
    name = "markdown"

    def render_adopt(self, result: AdoptResult, out: TextIO) -> None:
        for child in result.children:
            out.write(
                f"## cexact adopt: {_cell(child.site)} takes mother {_cell(child.line_id)} "
                f"{_cell(child.from_version)} → {_cell(child.to_version)}\n\n"
                f"{_summary(child)}; {_outcome(child, result)}.\n\n"
            )
            shown = [item for item in child.items if item.status != "taken"]
            if shown:
                out.write("| | stage | path | base | mother | child |\n|---|---|---|---|---|---|\n")
                for item in shown:
                    base, mother = format_change(item.change)
                    own = format_value(item.child) if item.status == "conflict" else ""
                    if item.waiver:
                        own += f" (waiver {item.waiver})"
                    out.write(
                        f"| {item.status} | {item.change.stage.value} | `{_cell(item.change.path)}`"
                        f" | {_cell(base)} | {_cell(mother)} | {_cell(own)} |\n"
                    )
                out.write("\n")
            if result.dry_run and child.diff:
                out.write(f"```diff\n{visible(child.diff)}```\n\n")
        if result.branch:
            out.write(f"Branch: `{_cell(result.branch)}`\n")
