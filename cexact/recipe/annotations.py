"""The schema's cexact annotations, as a tree the differ walks beside the data.

The recipe schema says, for each section, which transfer stage a deviation in
it breaks (`x-cexact-stage`), how list items are matched (`x-cexact-key`),
whether list order matters (`x-cexact-ordered`) and whether values compare
with units (`x-cexact-compare`). These annotations are the single source of
truth: a user who adds a section to the schema says there how it is compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cexact.recipe import schema_store

STAGE_KEYWORD = "x-cexact-stage"
KEY_KEYWORD = "x-cexact-key"
ORDERED_KEYWORD = "x-cexact-ordered"
COMPARE_KEYWORD = "x-cexact-compare"


@dataclass(eq=False)
class AnnotatedNode:
    """One schema location, with its annotations resolved and inherited."""

    stage: str
    list_key: str | None = None
    ordered: bool = False
    comparison: str | None = None
    properties: dict[str, AnnotatedNode] = field(default_factory=dict)
    additional: AnnotatedNode | None = None
    items: AnnotatedNode | None = None
    alternatives: tuple[AnnotatedNode, ...] = ()
    keyed_below: bool = False
    """Whether this node or any below it is a keyed list (set once the tree is built)."""

    def child(self, key: str) -> AnnotatedNode:
        """The node for mapping key `key` (free-form data inherits this node's stage)."""
        found = self.properties.get(key)
        if found is not None:
            return found
        if self.additional is not None:
            return self.additional
        return _free_form(self.stage)

    @property
    def free_form(self) -> bool:
        """Whether the schema leaves this mapping's contents open (no properties named)."""
        return not self.properties and self.comparison is None and not self.alternatives

    def item(self) -> AnnotatedNode:
        return self.items if self.items is not None else _free_form(self.stage)

    def comparison_for(self, value: Any) -> str | None:
        """The comparison named for `value`, looking through anyOf alternatives."""
        if self.comparison is not None:
            return self.comparison
        if isinstance(value, dict):
            for alternative in self.alternatives:
                if alternative.comparison is not None:
                    return alternative.comparison
        return None


@cache
def _free_form(stage: str) -> AnnotatedNode:
    return AnnotatedNode(stage=stage)


@cache
def annotated_schema(name: str = "recipe") -> AnnotatedNode:
    """The annotation tree of a shipped schema (built once per process)."""
    root = schema_store.schema(name)
    memo: dict[tuple[int, str], AnnotatedNode] = {}
    tree = _build(root, root, root.get(STAGE_KEYWORD, "copy-exactly"), memo)
    _mark_keyed_lists(list(memo.values()))
    return tree


def _below(node: AnnotatedNode) -> list[AnnotatedNode]:
    nodes = [*node.properties.values(), *node.alternatives]
    nodes.extend(n for n in (node.additional, node.items) if n is not None)
    return nodes


def _mark_keyed_lists(nodes: list[AnnotatedNode]) -> None:
    """Set `keyed_below` on every node with a keyed list at or below it (the tree may loop)."""
    changed = True
    while changed:
        changed = False
        for node in nodes:
            if not node.keyed_below and (
                node.list_key is not None or any(n.keyed_below for n in _below(node))
            ):
                node.keyed_below = True
                changed = True


def _build(
    raw: dict[str, Any],
    root: dict[str, Any],
    inherited: str,
    memo: dict[tuple[int, str], AnnotatedNode],
) -> AnnotatedNode:
    resolved = schema_store.resolve_ref(raw, root)
    stage = resolved.get(STAGE_KEYWORD, inherited)
    memo_key = (id(raw), stage)
    if memo_key in memo:
        return memo[memo_key]
    node = AnnotatedNode(
        stage=stage,
        list_key=resolved.get(KEY_KEYWORD),
        ordered=bool(resolved.get(ORDERED_KEYWORD, False)),
        comparison=resolved.get(COMPARE_KEYWORD),
    )
    memo[memo_key] = node
    for key, sub in resolved.get("properties", {}).items():
        node.properties[key] = _build(sub, root, stage, memo)
    additional = resolved.get("additionalProperties")
    if isinstance(additional, dict):
        node.additional = _build(additional, root, stage, memo)
    items = resolved.get("items")
    if isinstance(items, dict):
        node.items = _build(items, root, stage, memo)
    node.alternatives = tuple(
        _build(sub, root, stage, memo) for sub in resolved.get("anyOf", resolved.get("oneOf", []))
    )
    return node
