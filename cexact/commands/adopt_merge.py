"""`cexact adopt`'s three-way merge: which of the mother's changes a child takes, as edits.

base = the mother at the child's transfer version, theirs = the mother now,
ours = the child. Every change the mother made (base -> mother, classified as
`cexact diff` classifies) is judged by cexact's own comparison (units and
tolerances, keyed lists by id), never by Python `==`:

- *taken*: the child already agrees with the mother there;
- *adopted*: the child agrees with the base there, so the mother's value is
  written into it;
- *conflict*: the child differs from both (a local deviation, waived or not):
  nothing is written there.

"There" is the change's path and everything above and below it. A move is
judged on the order of its list alone: a child that reordered nothing there
takes the mother's order, whatever it changed inside the items.

The adopted changes become edits on the child's data (`cexact.recipe.edit`),
as small as the data allows: a changed set point replaces one scalar, an added
step is inserted after the same predecessor as in the mother. The same edits,
applied to the child's data, give the data the edited text must read back as.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cexact.commands.adopt_lists import ListPlan, Place, apply_edits
from cexact.commands.diff import compare_documents
from cexact.compare.differ import identical, type_name
from cexact.compare.policy import DEFAULT_POLICY, Policy
from cexact.compare.waivers import Waiver
from cexact.model import Deviation, DeviationKind
from cexact.recipe.annotations import AnnotatedNode, annotated_schema
from cexact.recipe.edit import AddKey, Edit, RemoveKey, SetValue
from cexact.recipe.loader import LoadedDocument
from cexact.recipe.locations import PathKey
from cexact.recipe.paths import PathSyntaxError, parse_path

AdoptStatus = Literal["adopted", "taken", "conflict"]
ADOPTED: AdoptStatus = "adopted"
TAKEN: AdoptStatus = "taken"
CONFLICT: AdoptStatus = "conflict"

MOTHER_VERSION: PathKey = ("line", "mother", "version")
DIFFERS = "the child differs"
"""A conflict's reason when nothing more is to be said."""


@dataclass(frozen=True, slots=True)
class AdoptItem:
    """One change the mother made, and what adopting it did in the child.

    `change.mother` is the base value (the mother at the transfer version),
    `change.child` the mother's value now; `child` is the child's own value
    at the path (for a conflict).
    """

    change: Deviation
    status: AdoptStatus
    child: object = None
    waiver: str | None = None
    """The waiver covering the child's deviation there (conflicts only)."""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class MergePlan:
    items: tuple[AdoptItem, ...]
    edits: tuple[Edit, ...]
    merged: Any
    """The child's data with the edits made: what the edited file must read back as."""


def plan_merge(
    base: LoadedDocument,
    mother: LoadedDocument,
    child: LoadedDocument,
    *,
    policy: Policy = DEFAULT_POLICY,
    waivers: Sequence[Waiver] = (),
    today: datetime.date | None = None,
) -> MergePlan:
    """The mother's changes since `base`, each adopted, taken or a conflict, and the edits."""
    changes = compare_documents(base, mother, policy=policy).deviations
    from_base = compare_documents(
        base, child, policy=policy, waivers=waivers, today=today
    ).deviations
    from_mother = compare_documents(
        mother, child, policy=policy, waivers=waivers, today=today
    ).deviations
    planner = _Planner(mother.data, child.data)
    items = []
    for change in changes:
        if not _related_any(change, from_mother):
            items.append(AdoptItem(change, TAKEN))
            continue
        child_value = planner.child_value(change.path)
        if _related_any(change, from_base):
            # The child's own deviation is waived against the mother's new value,
            # or only against the value it was transferred with (base).
            now = _waiver_of(change, from_mother)
            then = _waiver_of(change, from_base)
            waiver = now or then
            reason = DIFFERS
            if waiver and not now:
                reason = f"{waiver} covers the base value only, not the mother's new one"
            items.append(AdoptItem(change, CONFLICT, child_value, waiver, reason))
            continue
        items.append(AdoptItem(change, ADOPTED, child_value))
    items = planner.plan(list(items), str(mother.data["line"]["version"]))
    return MergePlan(tuple(items), tuple(planner.edits), planner.merged())


def _relates(change: Deviation, other: Deviation) -> bool:
    """Whether two deviations touch: paths at, above or below each other; moves by list.

    A move is about the order of its list only (the differ finds moves among
    the items both sides have), so it touches another move in that list and
    nothing else: an edit inside a moved step, or a step added beside it, does not.
    """
    moves = (change.kind is DeviationKind.MOVED, other.kind is DeviationKind.MOVED)
    if moves == (True, True):
        return _list_of(change.path) == _list_of(other.path)
    if any(moves):
        return False
    return _under(change.path, other.path) or _under(other.path, change.path)


def _waiver_of(change: Deviation, deviations: Sequence[Deviation]) -> str | None:
    return next((d.waiver for d in deviations if d.waiver and _relates(change, d)), None)


def _related_any(change: Deviation, others: Sequence[Deviation]) -> bool:
    return any(_relates(change, other) for other in others)


def _under(path: str, ancestor: str) -> bool:
    return path == ancestor or path.startswith((ancestor + ".", ancestor + "["))


def _list_of(path: str) -> str:
    """The list an item path is in: `steps` for `steps[coat]`."""
    return path[: path.rfind("[")] if path.endswith("]") else path


class _NoPlace(Exception):
    """The child has no place for the change (its parent is missing or not a mapping)."""


@dataclass
class _Planner:
    mother: Any
    child: Any
    edits: list[Edit] = field(default_factory=list)
    lists: dict[PathKey, ListPlan] = field(default_factory=dict)
    schema: AnnotatedNode = field(default_factory=lambda: annotated_schema("recipe"))

    def child_value(self, path: str) -> object:
        return self._resolve(self.child, path).value

    def _resolve(self, data: Any, path: str) -> Place:
        try:
            segments = parse_path(path)
        except PathSyntaxError:
            return Place(None)
        raw: list[str | int] = []
        node, value = self.schema, data
        for segment in segments:
            if segment.item:
                key = node.list_key
                if not isinstance(value, list) or key is None:
                    return Place(None)
                index = next(
                    (
                        i
                        for i, item in enumerate(value)
                        if isinstance(item, dict) and str(item.get(key)) == segment.name
                    ),
                    None,
                )
                if index is None:
                    return Place(None)
                raw.append(index)
                value, node = value[index], node.item()
            else:
                if not isinstance(value, dict) or segment.name not in value:
                    return Place(None)
                raw.append(segment.name)
                value, node = value[segment.name], node.child(segment.name)
        return Place(tuple(raw), value)

    def _node(self, raw: PathKey) -> AnnotatedNode:
        node = self.schema
        for part in raw:
            node = node.item() if isinstance(part, int) else node.child(part)
        return node

    def plan(self, items: list[AdoptItem], version: str) -> list[AdoptItem]:
        """Edits for the adopted items (an item with no place in the child becomes a conflict)."""
        adopted_paths = [
            i.change.path
            for i in items
            if i.status == ADOPTED and i.change.kind is not DeviationKind.MOVED
        ]
        planned: list[AdoptItem] = []
        for item in items:
            path = item.change.path
            covered = any(p != path and _under(path, p) for p in adopted_paths)
            if item.status == ADOPTED and not covered:
                try:
                    self._adopt(path, item.change.kind)
                except _NoPlace:
                    planned.append(
                        AdoptItem(item.change, CONFLICT, item.child, None, "no place in the child")
                    )
                    continue
            planned.append(item)
        for list_plan in self.lists.values():
            self.edits.append(list_plan.arrange())
        self.edits.append(SetValue(MOTHER_VERSION, version))
        return planned

    def merged(self) -> Any:
        return apply_edits(self.child, self.mother, self.edits)

    def _adopt(self, path: str, kind: DeviationKind) -> None:
        segments = parse_path(path)
        mother_place, child_place = (
            self._resolve(self.mother, path),
            self._resolve(self.child, path),
        )
        parent_path = _parent_text(path)
        mother_parent = (
            self._resolve(self.mother, parent_path) if parent_path else Place((), self.mother)
        )
        child_parent = (
            self._resolve(self.child, parent_path) if parent_path else Place((), self.child)
        )
        if child_parent.raw is None:
            raise _NoPlace
        last = segments[-1]
        if last.item:
            if mother_parent.raw is None and child_place.raw is None:
                raise _NoPlace
            plan = self._list_plan(child_parent, mother_parent)
            if mother_place.raw is None:
                if child_place.raw is not None:
                    plan.remove(child_place.raw[-1])
            elif child_place.raw is None:
                plan.add(mother_place.raw[-1])
            elif kind is DeviationKind.MOVED:
                plan.move(child_place.raw[-1])
            else:
                self._sync(child_place, mother_place)
            return
        if not isinstance(child_parent.value, dict):
            raise _NoPlace
        if mother_place.raw is None:
            if child_place.raw is not None:
                self.edits.append(RemoveKey(child_parent.raw, last.name))
        elif child_place.raw is None:
            self._add_key(child_parent, mother_parent, last.name, mother_place)
        else:
            self._sync(child_place, mother_place)

    def _list_plan(self, child_list: Place, mother_list: Place) -> ListPlan:
        assert child_list.raw is not None
        found = self.lists.get(child_list.raw)
        if found is None:
            key = self._node(child_list.raw).list_key or "id"
            mother_raw = mother_list.raw if mother_list.raw is not None else ()
            found = ListPlan(
                child_list.raw, mother_raw, child_list.value, mother_list.value or [], key
            )
            self.lists[child_list.raw] = found
        return found

    def _add_key(self, child_parent: Place, mother_parent: Place, key: str, value: Place) -> None:
        assert child_parent.raw is not None and value.raw is not None
        mother_keys = list(mother_parent.value) if isinstance(mother_parent.value, dict) else []
        before = mother_keys[: mother_keys.index(key)] if key in mother_keys else []
        after = next((k for k in reversed(before) if k in child_parent.value), None)
        self.edits.append(
            AddKey(child_parent.raw, key, copy.deepcopy(value.value), after, value.raw)
        )

    def _sync(self, child: Place, mother: Place) -> None:
        """Edits that make the child's value at a place the mother's, as few as the data allows."""
        assert child.raw is not None and mother.raw is not None
        cv, mv = child.value, mother.value
        if isinstance(cv, dict) and isinstance(mv, dict):
            for key, value in mv.items():
                if key not in cv:
                    self._add_key(child, mother, key, Place((*mother.raw, key), value))
                else:
                    self._sync(Place((*child.raw, key), cv[key]), Place((*mother.raw, key), value))
            for key in cv:
                if key not in mv:
                    self.edits.append(RemoveKey(child.raw, key))
            return
        list_key = self._node(child.raw).list_key
        if (
            isinstance(cv, list)
            and isinstance(mv, list)
            and list_key is not None
            and all(isinstance(item, dict) for item in (*cv, *mv))
        ):
            self._list_plan(child, mother).sync_all(self._sync)
            return
        if type_name(cv) != type_name(mv) or not (cv == mv and identical(cv, mv)):
            self.edits.append(SetValue(child.raw, copy.deepcopy(mv), mother.raw))


def _parent_text(path: str) -> str:
    """The readable path one segment up ('' at the top)."""
    segments = parse_path(path)
    if len(segments) == 1:
        return ""
    last = segments[-1]
    if last.item:
        return path[: path.rfind("[")]
    cut = path.rfind("." + last.name)
    quoted = path.rfind("[")
    return path[:cut] if cut > quoted else path[:quoted]
