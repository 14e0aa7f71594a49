"""Where each node of a YAML document is written in its text: start and end offsets, style.

`cexact.recipe.events` builds data and records the 1-based line and column of
each key and item; editing a file in place needs more: the character range of
every value, whether a collection is written in flow (`{...}`, `[...]`) or
block style, and a scalar's quoting. This module reads the same libyaml event
stream for that, over a text the strict loader has already accepted, and
builds a small tree of spans. Nothing here decides what a value means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from cexact.recipe.events import _event_parser
from cexact.recipe.locations import PathKey


@dataclass(eq=False, slots=True)
class Span:
    """One node: its text range [start, end), and how it is written."""

    kind: str
    """`scalar`, `mapping`, `sequence` or `alias`."""
    start: int
    end: int
    flow: bool = False
    style: str = ""
    """A scalar's style: '' plain, "'" or '"' quoted, '|' or '>' block."""
    anchored: bool = False
    keys: dict[str, KeySpan] = field(default_factory=dict)
    items: list[Span] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class KeySpan:
    """A mapping entry: where its key is written, and its value's span."""

    start: int
    end: int
    value: Span


class SpanError(ValueError):
    """A path that the text does not hold as a plain node (an alias, or missing)."""


def document_spans(text: str) -> Span:
    """The span tree of the one document in `text` (already accepted by the loader)."""
    parser = _event_parser(text)
    stack: list[tuple[Span, Any]] = []  # (open collection, pending key or None)
    root: Span | None = None
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is ScalarEvent or kind is AliasEvent:
                node = Span(
                    "scalar" if kind is ScalarEvent else "alias",
                    event.start_mark.index,
                    event.end_mark.index,
                    style=(getattr(event, "style", None) or "") if kind is ScalarEvent else "",
                    anchored=getattr(event, "anchor", None) is not None,
                )
                if node.style in ("|", ">"):
                    node.end = node.start + len(text[node.start : node.end].rstrip())
                if stack and stack[-1][0].kind == "mapping" and stack[-1][1] is None:
                    stack[-1] = (stack[-1][0], (event.value, node.start, node.end))
                    continue
                root = _attach(stack, node) or root
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                node = Span(
                    "mapping" if kind is MappingStartEvent else "sequence",
                    event.start_mark.index,
                    event.start_mark.index,
                    flow=bool(event.flow_style),
                    anchored=event.anchor is not None,
                )
                stack.append((node, None))
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                node, _ = stack.pop()
                node.end = event.end_mark.index if node.flow else _content_end(node)
                root = _attach(stack, node) or root
            elif kind is yaml.events.DocumentEndEvent:
                break
    finally:
        if hasattr(parser, "dispose"):
            parser.dispose()
    if root is None:
        raise SpanError("the text holds no document")
    return root


def _content_end(node: Span) -> int:
    """A block collection ends where its last value ends (not at the next token)."""
    if node.kind == "mapping" and node.keys:
        return next(reversed(node.keys.values())).value.end
    if node.kind == "sequence" and node.items:
        return node.items[-1].end
    return node.start


def _attach(stack: list[tuple[Span, Any]], node: Span) -> Span | None:
    """Put a finished node into its parent; the node itself when it is the root."""
    if not stack:
        return node
    parent, pending = stack[-1]
    if parent.kind == "sequence":
        parent.items.append(node)
    else:
        name, start, end = pending
        parent.keys[name] = KeySpan(start, end, node)
        stack[-1] = (parent, None)
    return None


def span_at(root: Span, path: PathKey) -> Span:
    """The span of the value at `path` (mapping keys and sequence indices)."""
    node = root
    for part in path:
        if node.kind == "alias" or (node.anchored and node.kind != "scalar"):
            raise SpanError("it lies in an anchored or aliased value")
        if isinstance(part, int):
            if node.kind != "sequence" or part >= len(node.items):
                raise SpanError(f"no item {part}")
            node = node.items[part]
        else:
            entry = node.keys.get(part) if node.kind == "mapping" else None
            if entry is None:
                raise SpanError(f"no key {part!r}")
            node = entry.value
    if node.kind == "alias":
        raise SpanError("it is written as an alias")
    return node


def key_at(root: Span, path: PathKey) -> KeySpan:
    """The entry of the mapping key that `path` ends with."""
    parent = span_at(root, path[:-1])
    key = path[-1]
    entry = parent.keys.get(key) if isinstance(key, str) and parent.kind == "mapping" else None
    if entry is None:
        raise SpanError(f"no key {key!r}")
    return entry
