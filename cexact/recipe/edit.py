"""Editing a recipe's text in place: every byte not edited stays as it was.

An edit is expressed on the data (a path of keys and indices into the
document as it was read) and carried out on the text at the positions the
YAML parser reports (`cexact.recipe.spans`): a scalar is replaced where it
is written, a key is added on a line of its own at its mapping's indentation
(or into a flow mapping after a comma), a list item is cut or inserted as
its whole block of lines. Values taken from another file (the mother's) are
copied as that file writes them, re-indented, comments included, when both
files write them in block style; otherwise they are written in flow style on
one line. Comments, key order, quoting, flow or block style and blank lines
of everything else are untouched.

The edits are first collected as splices on the original text (start, end,
replacement), then applied at once. A moved list item is a cut of its block
plus a paste elsewhere of the block *as edited*: edits inside it belong to
the block, so they move with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cexact.recipe import yaml_text as yt
from cexact.recipe.locations import PathKey
from cexact.recipe.spans import Span, SpanError, document_spans, key_at, span_at


class EditError(ValueError):
    """An edit the text cannot take in place (an alias, a missing place, overlapping edits)."""


@dataclass(frozen=True, slots=True)
class SetValue:
    """Write `value` where `path` is (its text, when taken from the mother, at `mother`)."""

    path: PathKey
    value: Any
    mother: PathKey | None = None


@dataclass(frozen=True, slots=True)
class AddKey:
    """Add `key: value` to the mapping at `mapping`, after key `after` (None: first)."""

    mapping: PathKey
    key: str
    value: Any
    after: str | None
    mother: PathKey | None = None
    """Where the mother writes the value (its entry is copied from there)."""


@dataclass(frozen=True, slots=True)
class RemoveKey:
    mapping: PathKey
    key: str


@dataclass(frozen=True, slots=True)
class Insert:
    """An item placed after the child item `after` (None: before the first)."""

    after: int | None
    child_item: int | None = None
    """A child item moved here (its index), or None for the mother's item below."""
    value: Any = None
    mother: PathKey | None = None


@dataclass(frozen=True, slots=True)
class Arrange:
    """Remove, insert and move items of the list at `sequence`."""

    sequence: PathKey
    removed: tuple[int, ...] = ()
    inserts: tuple[Insert, ...] = ()


Edit = SetValue | AddKey | RemoveKey | Arrange


@dataclass(slots=True)
class _Splice:
    start: int
    end: int
    parts: tuple[str | tuple[int, int], ...]
    """Text, and regions of the original text rendered (as edited) in their place."""
    cut: bool = False
    between: bool = False
    """An insertion between list items: at a moved item's edge, it is not inside it."""


class TextEditor:
    """Edits on one child text, with a mother text to copy values from."""

    def __init__(self, text: str, mother_text: str) -> None:
        self.text = text
        self.mother_text = mother_text
        self.spans = document_spans(text)
        self._mother_spans: Span | None = None
        self._splices: list[_Splice] = []
        self._regions: list[tuple[int, int]] = []

    def apply(self, edits: list[Edit]) -> str:
        """The text with every edit made."""
        for edit in edits:
            try:
                self._plan(edit)
            except SpanError as error:
                raise EditError(f"cannot edit {_show(edit)} in place: {error}") from None
        return self._render((0, len(self.text)))

    def _plan(self, edit: Edit) -> None:
        if isinstance(edit, SetValue):
            self._set_value(edit)
        elif isinstance(edit, AddKey):
            self._add_key(edit)
        elif isinstance(edit, RemoveKey):
            self._remove_key(edit)
        else:
            self._arrange(edit)

    def _splice(
        self,
        start: int,
        end: int,
        *parts: str | tuple[int, int],
        cut: bool = False,
        between: bool = False,
    ) -> None:
        self._splices.append(_Splice(start, end, parts, cut, between))

    # --- values ---------------------------------------------------------------

    def mother_spans(self) -> Span:
        """The mother's spans, read when a block of its text is first copied.

        Scalars are written from their values (in the quoting of the value they
        replace), so an adoption of values only never parses the mother's text
        a second time.
        """
        if self._mother_spans is None:
            self._mother_spans = document_spans(self.mother_text)
        return self._mother_spans

    def _mother_span(self, path: PathKey | None) -> Span | None:
        if path is None:
            return None
        try:
            return span_at(self.mother_spans(), path)
        except SpanError:
            return None

    def _value_text(
        self, value: Any, mother: PathKey | None, *, flow: bool, style: str = ""
    ) -> str:
        if isinstance(value, (dict, list)):
            return yt.flow_text(value)
        return yt.scalar_text(value, style=style, flow=flow)

    def _in_flow(self, path: PathKey) -> bool:
        node = self.spans
        for part in path[:-1]:
            if node.flow:
                return True
            node = node.items[part] if isinstance(part, int) else node.keys[part].value
        return node.flow

    def _set_value(self, edit: SetValue) -> None:
        span = span_at(self.spans, edit.path)
        collection = isinstance(edit.value, (dict, list)) and span.kind != "scalar"
        mother = self._mother_span(edit.mother) if collection else None
        if (
            collection
            and not span.flow
            and mother is not None
            and mother.kind != "scalar"
            and not mother.flow
        ):
            block = self.mother_text[mother.start : yt.line_after(self.mother_text, mother.end)]
            start_column = yt.column(self.text, span.start)
            copied = yt.reindented(block, yt.column(self.mother_text, mother.start), start_column)
            end = yt.line_after(self.text, span.end)
            self._splice(span.start, end, copied[start_column:])
            return
        flow = self._in_flow(edit.path)
        text = self._value_text(edit.value, edit.mother, flow=flow, style=span.style)
        self._splice(span.start, span.end, text)

    # --- mapping keys ---------------------------------------------------------

    def _entry_block(self, mapping: PathKey, key: str) -> tuple[int, int]:
        """The lines of a block mapping's entry: leading comments, key, value, to its newline."""
        entry = key_at(self.spans, (*mapping, key))
        start = entry.start
        if yt.at_line_start(self.text, start):
            start = yt.with_leading_comments(self.text, yt.line_start(self.text, start))
        return start, yt.line_after(self.text, entry.value.end)

    def _add_key(self, edit: AddKey) -> None:
        span = span_at(self.spans, edit.mapping)
        if span.kind != "mapping":
            raise SpanError("it is not a mapping")
        keys = list(span.keys)
        if span.flow or not keys:
            self._add_flow_key(span, edit)
            return
        first = span.keys[keys[0]]
        key_column = yt.column(self.text, first.start)
        if edit.after is not None:
            position = self._entry_block(edit.mapping, edit.after)[1]
        elif yt.at_line_start(self.text, first.start):
            position = self._entry_block(edit.mapping, keys[0])[0]
        else:  # the first key shares its line with '- ': add after it
            position = self._entry_block(edit.mapping, keys[0])[1]
        # Entries set apart by blank lines get one before the new entry too.
        separator = "\n" if edit.after is not None and yt.blank_line_at(self.text, position) else ""
        self._splice(position, position, separator + self._key_block(edit, key_column))

    def _key_block(self, edit: AddKey, key_column: int) -> str:
        """The new entry's lines: the mother's block entry re-indented, or one line."""
        value = self._mother_span(edit.mother)
        parent = self._mother_span(edit.mother[:-1]) if edit.mother else None
        if value is not None and parent is not None and not parent.flow and edit.mother:
            entry = parent.keys[str(edit.mother[-1])]
            start = entry.start
            if yt.at_line_start(self.mother_text, start):
                start = yt.with_leading_comments(
                    self.mother_text, yt.line_start(self.mother_text, start)
                )
            end = yt.line_after(self.mother_text, entry.value.end)
            first_column = yt.column(self.mother_text, entry.start)
            return yt.reindented(self.mother_text[start:end], first_column, key_column)
        text = self._value_text(edit.value, edit.mother, flow=False)
        return f"{' ' * key_column}{yt.key_text(edit.key)}: {text}\n"

    def _add_flow_key(self, span: Span, edit: AddKey) -> None:
        entry = f"{yt.key_text(edit.key)}: {self._value_text(edit.value, edit.mother, flow=True)}"
        if edit.after is not None:
            position = span.keys[edit.after].value.end
            self._splice(position, position, ", " + entry)
        elif span.keys:
            position = next(iter(span.keys.values())).start
            self._splice(position, position, entry + ", ")
        else:
            closing = self.text.rindex("}", span.start, span.end)
            self._splice(closing, closing, entry)

    def _remove_key(self, edit: RemoveKey) -> None:
        span = span_at(self.spans, edit.mapping)
        keys = list(span.keys)
        index = keys.index(edit.key) if edit.key in keys else -1
        if index < 0:
            raise SpanError(f"no key {edit.key!r}")
        entry = span.keys[edit.key]
        if span.flow:
            if index > 0:
                self._splice(span.keys[keys[index - 1]].value.end, entry.value.end, "")
            elif len(keys) > 1:
                self._splice(entry.start, span.keys[keys[1]].start, "")
            else:
                self._splice(entry.start, entry.value.end, "")
            return
        if not yt.at_line_start(self.text, entry.start) and len(keys) > 1:
            self._splice(entry.start, span.keys[keys[1]].start, "")
            return
        start, end = self._entry_block(edit.mapping, edit.key)
        self._splice(start, yt.without_double_blank(self.text, start, end), "")

    # --- list items -----------------------------------------------------------

    def _item_block(self, text: str, span: Span, index: int) -> tuple[int, int, int]:
        """(start, end, dash column) of a block list item's lines, leading comments included."""
        item = span.items[index]
        dash = (
            text.rindex("-", span.start, item.start + 1) if item.start > span.start else span.start
        )
        start = dash
        if yt.at_line_start(text, dash):
            start = yt.with_leading_comments(text, yt.line_start(text, dash))
        return start, yt.line_after(text, item.end), yt.column(text, dash)

    def _arrange(self, edit: Arrange) -> None:
        span = span_at(self.spans, edit.sequence)
        if span.kind != "sequence":
            raise SpanError("it is not a list")
        if span.flow:
            self._arrange_flow(span, edit)
            return
        for index in edit.removed:
            start, end = self._item_block(self.text, span, index)[:2]
            self._splice(start, yt.without_double_blank(self.text, start, end), "", cut=True)
        groups: dict[int | None, list[Insert]] = {}
        for insert in edit.inserts:
            groups.setdefault(insert.after, []).append(insert)
        for after, inserts in groups.items():
            self._insert_items(span, after, inserts)

    def _insert_items(self, span: Span, after: int | None, inserts: list[Insert]) -> None:
        if after is None:
            position, _, dash_column = self._item_block(self.text, span, 0)
            separator = ""
        else:
            _, position, dash_column = self._item_block(self.text, span, after)
            separator = "\n" if yt.blank_line_at(self.text, position) else ""
        parts: list[str | tuple[int, int]] = []
        for insert in inserts:
            if insert.child_item is not None:
                start, end, _ = self._item_block(self.text, span, insert.child_item)
                self._splice(start, end, "", cut=True)
                self._regions.append((start, end))
                parts += [separator, (start, end)] if after is not None else [(start, end), ""]
            else:
                block = self._mother_item(insert, dash_column)
                parts += [separator, block] if after is not None else [block]
        self._splice(position, position, *parts, between=True)

    def _mother_item(self, insert: Insert, dash_column: int) -> str:
        path = insert.mother
        sequence = self._mother_span(path[:-1]) if path else None
        if path is not None and sequence is not None and not sequence.flow:
            index = path[-1]
            assert isinstance(index, int)
            start, end, mother_column = self._item_block(self.mother_text, sequence, index)
            return yt.reindented(self.mother_text[start:end], mother_column, dash_column)
        return f"{' ' * dash_column}- {yt.flow_text(insert.value)}\n"

    def _arrange_flow(self, span: Span, edit: Arrange) -> None:
        items = span.items
        for index in edit.removed:
            if index > 0:
                self._splice(items[index - 1].end, items[index].end, "", cut=True)
            elif len(items) > 1:
                self._splice(items[0].start, items[1].start, "", cut=True)
            else:
                self._splice(items[0].start, items[0].end, "", cut=True)
        for insert in edit.inserts:
            if insert.child_item is not None:
                self._arrange_flow(span, Arrange(edit.sequence, (insert.child_item,)))
                item = items[insert.child_item]
                self._regions.append((item.start, item.end))
                text: str | tuple[int, int] = (item.start, item.end)
            else:
                text = yt.flow_text(insert.value)
            if insert.after is None:
                self._splice(items[0].start, items[0].start, text, ", ", between=True)
            else:
                end = items[insert.after].end
                self._splice(end, end, ", ", text, between=True)

    # --- rendering ------------------------------------------------------------

    def _owner(self, splice: _Splice) -> tuple[int, int]:
        """The innermost pasted region a splice lies in (the whole text if none)."""
        best = (0, len(self.text))
        for region in self._regions:
            inside = region[0] <= splice.start and splice.end <= region[1]
            if splice.start == splice.end and (
                splice.start == region[0] or (splice.between and splice.start == region[1])
            ):
                # An insertion where a moved item's block begins ends what comes
                # before it (a key added to the item above); one between items
                # is never part of either.
                inside = False
            if (
                inside
                and not (splice.cut and splice.start <= region[0] and region[1] <= splice.end)
                and region[1] - region[0] < best[1] - best[0]
            ):
                best = region
        return best

    def _render(self, region: tuple[int, int]) -> str:
        owned = [s for s in self._splices if self._owner(s) == region]
        owned.sort(key=lambda s: (s.start, s.end))
        out: list[str] = []
        position = region[0]
        for splice in owned:
            if splice.start < position:
                raise EditError("two edits overlap in the text; adopt them one at a time")
            out.append(self.text[position : splice.start])
            for part in splice.parts:
                out.append(part if isinstance(part, str) else self._render(part))
            position = splice.end
        out.append(self.text[position : region[1]])
        return "".join(out)


def _show(edit: Edit) -> str:
    path = (
        edit.path
        if isinstance(edit, SetValue)
        else (edit.sequence if isinstance(edit, Arrange) else (*edit.mapping, edit.key))
    )
    return ".".join(str(part) for part in path) or "the document"
