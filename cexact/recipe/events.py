"""Building plain data from the YAML parser's events, with an explicit stack.

No node graph is built (half the memory, no second pass) and nothing recurses,
so no nesting depth can crash the interpreter. Only the YAML 1.2 core schema's
tags are read; nothing runs code. Every key and sequence item gets its 1-based
line and column. What cexact refuses (duplicate keys, merge keys, several
documents, aliases past a budget, nesting past a limit, non-core tags, and
the scalars `cexact.recipe.scalars` refuses) is a `RecipeLoadError` at its
place.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from cexact.errors import RecipeLoadError
from cexact.recipe.locations import PathKey, Position
from cexact.recipe.scalars import (
    VERSION_KEYS,
    ScalarError,
    ScalarReader,
    control_character_problem,
    resolve_tagged,
)

_TAG_PREFIX = "tag:yaml.org,2002:"
_STR_TAGS = (None, "!", _TAG_PREFIX + "str")
_MAP_TAGS = (None, "!", _TAG_PREFIX + "map")
_SEQ_TAGS = (None, "!", _TAG_PREFIX + "seq")

EMPTY = object()
"""What a stream with no document builds."""
_NO_KEY = object()

_LibyamlParser: Any
try:
    from yaml._yaml import CParser as _LibyamlParser  # libyaml, when PyYAML has it
except ImportError:  # pragma: no cover - PyYAML without libyaml
    _LibyamlParser = None


class _PythonParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's pure-Python event parser, for installations without libyaml."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


def _event_parser(text: str) -> Any:
    return _LibyamlParser(text) if _LibyamlParser is not None else _PythonParser(text)


class _Open:
    """An open mapping or sequence while its events arrive."""

    __slots__ = ("anchor", "container", "is_mapping", "key", "path", "size")

    def __init__(self, container: Any, path: PathKey, anchor: str | None) -> None:
        self.container = container
        self.is_mapping = isinstance(container, dict)
        self.path = path
        self.anchor = anchor
        self.key: Any = _NO_KEY
        self.size = 1


class EventBuilder:
    """One document's data and locations, from one text."""

    def __init__(self, source: str, *, max_depth: int, max_alias_nodes: int) -> None:
        self.source = source
        self.max_depth = max_depth
        self.max_alias_nodes = max_alias_nodes
        self.locations: dict[PathKey, Position] = {}
        self.root: Any = EMPTY
        self.root_position: Position = (1, 1)
        self._stack: list[_Open] = []
        self._anchors: dict[str, tuple[Any, int]] = {}
        self._open_anchors: set[str] = set()
        self._alias_nodes = 0
        self._scalars = ScalarReader()
        self._known_keys: set[str] = set()
        """Plain keys already checked once in this document (tag, text)."""

    def fail(self, message: str, mark: Any) -> RecipeLoadError:
        line, column = mark.line + 1, mark.column + 1
        return RecipeLoadError(message, file=self.source, line=line, column=column)

    def build(self, text: str) -> tuple[Any, Position]:
        """(data, position of the top level); EMPTY when the text holds no document."""
        parser = _event_parser(text)
        try:
            self._read(parser.get_event)
        except yaml.MarkedYAMLError as error:
            raise _syntax_error(error, self.source) from None
        except yaml.reader.ReaderError as error:  # a character YAML forbids (NUL, ...)
            position = error.position
            line = text.count("\n", 0, position) + 1
            column = position - (text.rfind("\n", 0, position) + 1) + 1
            code = error.character if isinstance(error.character, int) else ord(error.character)
            raise RecipeLoadError(
                f"the file holds a U+{code:04X} character, which YAML does not allow "
                f"({error.reason})",
                file=self.source,
                line=line,
                column=column,
            ) from None
        except yaml.YAMLError as error:
            raise RecipeLoadError(
                f"not readable as YAML: {' '.join(str(error).split())}", file=self.source
            ) from None
        finally:
            if hasattr(parser, "dispose"):
                parser.dispose()
        return self.root, self.root_position

    def _read(self, get_event: Any) -> None:
        get_event()  # stream start
        if type(get_event()) is StreamEndEvent:  # else: the document start
            return
        stack = self._stack
        locations = self.locations
        plain = self._scalars.plain
        resolved = self._scalars.resolved
        known_keys = self._known_keys
        frame: _Open | None = None
        while True:
            event = get_event()
            kind = type(event)
            if kind is ScalarEvent:
                # The common cases inline (this loop runs once per event): a plain
                # key seen before, and a plain value with no anchor or tag.
                if frame is not None and frame.is_mapping:
                    if frame.key is _NO_KEY:
                        name = event.value
                        if name in known_keys and event.tag is None and name not in frame.container:
                            mark = event.start_mark
                            locations[(*frame.path, name)] = (mark.line + 1, mark.column + 1)
                            frame.key = name
                        else:
                            frame.key = self._key(event, frame)
                        continue
                    if event.tag is None and event.anchor is None and event.implicit[0]:
                        key = frame.key
                        text = event.value
                        value = resolved.get(text, _NO_KEY)
                        if value is _NO_KEY:
                            try:
                                value = plain(text)
                            except ScalarError as error:
                                raise self.fail(str(error), event.start_mark) from None
                        if key in VERSION_KEYS and type(value) in (int, float):
                            value = self._scalar_value(event, frame)  # words the refusal
                        frame.container[key] = value
                        frame.key = _NO_KEY
                        frame.size += 1
                        continue
                self._attach(self._scalar(event, frame), 1, event, frame)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                frame = self._open(event, kind is MappingStartEvent)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                closed = stack.pop()
                frame = stack[-1] if stack else None
                if closed.anchor is not None:
                    self._anchors[closed.anchor] = (closed.container, closed.size)
                    self._open_anchors.discard(closed.anchor)
                self._attach(closed.container, closed.size, event, frame)
            elif kind is AliasEvent:
                self._alias(event, frame)
            elif kind is DocumentEndEvent:
                break
            else:  # pragma: no cover - libyaml emits no other events inside a document
                raise self.fail(f"unexpected YAML event {kind.__name__}", event.start_mark)
        following = get_event()
        if type(following) is DocumentStartEvent:
            raise self.fail(
                "the file holds several YAML documents (---); a recipe is one document",
                following.start_mark,
            )

    def _attach(self, value: Any, size: int, event: Any, parent: _Open | None) -> None:
        """Put a finished value into its parent (or make it the document)."""
        if parent is None:
            self.root = value
            if not isinstance(value, (dict, list)):
                self.root_position = (event.start_mark.line + 1, event.start_mark.column + 1)
        elif parent.is_mapping:
            parent.container[parent.key] = value
            parent.key = _NO_KEY
            parent.size += size
        else:
            parent.container.append(value)
            parent.size += size

    def _open(self, event: Any, is_mapping: bool) -> _Open:
        mark = event.start_mark
        stack = self._stack
        if event.tag not in (_MAP_TAGS if is_mapping else _SEQ_TAGS):
            what = "mapping" if is_mapping else "list"
            raise self.fail(f"unsupported tag {event.tag!r} on a {what}", mark)
        frame = stack[-1] if stack else None
        if frame is not None and frame.is_mapping and frame.key is _NO_KEY:
            raise self.fail(
                "a mapping key must be a plain name, not a list, mapping or alias", mark
            )
        if len(stack) > self.max_depth:
            raise self.fail(f"the document nests deeper than {self.max_depth} levels", mark)
        if frame is None:
            path: PathKey = ()
            self.root_position = self.locations[()] = (mark.line + 1, mark.column + 1)
        elif frame.is_mapping:
            path = (*frame.path, frame.key)
        else:
            path = (*frame.path, len(frame.container))
            self.locations[path] = (mark.line + 1, mark.column + 1)
        if event.anchor is not None:
            self._open_anchors.add(event.anchor)
        opened = _Open({} if is_mapping else [], path, event.anchor)
        stack.append(opened)
        return opened

    def _alias(self, event: Any, frame: _Open | None) -> None:
        anchor, mark = event.anchor, event.start_mark
        if frame is not None and frame.is_mapping and frame.key is _NO_KEY:
            raise self.fail(
                "a mapping key must be a plain name, not a list, mapping or alias", mark
            )
        if anchor in self._open_anchors:
            raise self.fail("an alias refers to the collection that contains it", mark)
        if anchor not in self._anchors:
            raise self.fail(f"alias *{anchor} is not defined", mark)
        value, size = self._anchors[anchor]
        self._alias_nodes += size
        if self._alias_nodes > self.max_alias_nodes:
            raise self.fail(
                f"aliases expand past the limit of {self.max_alias_nodes:,} nodes "
                "(a 'billion laughs' document?)",
                mark,
            )
        if frame is not None and not frame.is_mapping:
            self.locations[(*frame.path, len(frame.container))] = (mark.line + 1, mark.column + 1)
        self._attach(value, size, event, frame)

    def _key(self, event: Any, frame: _Open) -> str:
        name: str = event.value
        mark = event.start_mark
        plain = event.tag is None and event.implicit[0]
        if event.tag not in _STR_TAGS:
            raise self.fail(f"unsupported tag {event.tag!r} on a key", mark)
        if plain and name == "<<":
            raise self.fail(
                "merge keys (<<) are a YAML 1.1 feature that cexact does not expand; "
                "write the keys out",
                mark,
            )
        if plain and name == "":
            raise self.fail("a mapping key is empty", mark)
        if name in frame.container:
            first = self.locations[(*frame.path, name)][0]
            raise self.fail(
                f"duplicate key {name!r}: first on line {first}, again on line {mark.line + 1}",
                mark,
            )
        problem = control_character_problem(name)
        if problem is not None:
            raise self.fail(f"a key holds {problem}", mark)
        self.locations[(*frame.path, name)] = (mark.line + 1, mark.column + 1)
        if plain:
            self._known_keys.add(name)
        return name

    def _scalar(self, event: Any, frame: _Open | None) -> Any:
        mark = event.start_mark
        if frame is not None and not frame.is_mapping:
            self.locations[(*frame.path, len(frame.container))] = (mark.line + 1, mark.column + 1)
        if event.anchor is not None:
            value = self._scalar_value(event, frame)
            self._anchors[event.anchor] = (value, 1)
            return value
        return self._scalar_value(event, frame)

    def _scalar_value(self, event: Any, frame: _Open | None) -> Any:
        tag, value = event.tag, event.value
        try:
            if tag is None and event.implicit[0]:
                resolved = self._scalars.plain(value)
                if (
                    frame is not None
                    and frame.key in VERSION_KEYS
                    and type(resolved) in (int, float)
                    and frame.is_mapping
                ):
                    raise ScalarError(
                        f"{frame.key} {value} is read as a number; quote it "
                        f'("{value}") so that 1.10 is not read as 1.1'
                    )
                return resolved
            if tag in _STR_TAGS:
                if not value.isprintable():  # the fast test; then the exact one
                    problem = control_character_problem(value)
                    if problem is not None:
                        raise ScalarError(problem)
                return value
            return resolve_tagged(value, tag)
        except ScalarError as error:
            raise self.fail(str(error), event.start_mark) from None


def _syntax_error(error: yaml.MarkedYAMLError, source: str) -> RecipeLoadError:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or "invalid YAML"
    if error.context and error.problem:
        problem = f"{error.problem} ({error.context})"
    problem = " ".join(problem.split())
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return RecipeLoadError(f"YAML syntax error: {problem}", file=source, line=line, column=column)
