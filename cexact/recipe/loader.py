"""Strict, located, safe YAML loading.

A recipe tool must never silently misread a recipe, so this loader:

* composes with libyaml (the C parser) where it is available and safe, and
  builds plain Python data itself: only the YAML 1.2 core schema's tags
  (str, int, float, bool, null, map, seq), nothing that runs code;
* resolves plain scalars by the YAML 1.2 core schema, and refuses the plain
  scalars that YAML 1.1 tools read differently (``no`` -> false, ``1:30`` -> 90,
  ``0755`` -> 493, ``1_000``, ``0b101``, ``0o17``) with a message that says to
  quote them or write the value unambiguously;
* refuses an unquoted number under a version-like key (``version: 1.10`` would
  compare equal to ``1.1``);
* refuses duplicate keys (naming both lines), several documents in one file,
  non-UTF-8 input, files over a size limit, alias expansion past a limit
  (billion laughs), nesting past a depth limit, and a top level that is not a
  mapping;
* remembers the line and column (1-based) of every key and sequence item.
"""

from __future__ import annotations

import gc
import hashlib
import math
import os
import re
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
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

from cexact.errors import InputError, RecipeLoadError
from cexact.recipe.locations import PathKey, Position

VERSION_KEYS = frozenset({"version", "software", "firmware", "revision"})
"""Keys whose values are version strings: an unquoted number there is an error."""

_TAG_PREFIX = "tag:yaml.org,2002:"

_NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE_WORDS = frozenset({"true", "True", "TRUE"})
_FALSE_WORDS = frozenset({"false", "False", "FALSE"})
_YAML11_BOOL_WORDS = frozenset(
    w for base in ("yes", "no", "on", "off") for w in (base, base.capitalize(), base.upper())
)
_INT_RE = re.compile(r"[-+]?[0-9]+")
_OCT_RE = re.compile(r"0o[0-7]+")
_HEX_RE = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF_RE = re.compile(r"[-+]?(?:\.inf|\.Inf|\.INF)")
_NAN_WORDS = frozenset({".nan", ".NaN", ".NAN"})
# Plain scalars that YAML 1.1 (PyYAML, many other tools) reads as something else.
_SEXAGESIMAL_RE = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_LEADING_ZERO_RE = re.compile(r"[-+]?0[0-9_]+")
_UNDERSCORE_NUMBER_RE = re.compile(
    r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|\.[0-9_]+)"
)
_BINARY_RE = re.compile(r"[-+]?0b[01_]+")
# Characters a plain scalar must start with to be anything but a string.
_NON_STRING_STARTS = frozenset("0123456789+-.~nNtTfFyYoO")


@dataclass(frozen=True, slots=True)
class LoadLimits:
    """Limits that keep hostile or broken input from exhausting the machine."""

    max_bytes: int = 32 * 1024 * 1024
    max_alias_nodes: int = 100_000
    max_depth: int = 64


DEFAULT_LIMITS = LoadLimits()


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """One YAML document as plain data, with where each part of it was written."""

    source: str
    data: Any
    locations: Mapping[PathKey, Position] = field(repr=False)
    sha256: str

    def position_of(self, path: PathKey) -> Position | None:
        """The position of `path`, or of its nearest located ancestor."""
        locations = self.locations
        for end in range(len(path), -1, -1):
            found = locations.get(path[:end])
            if found is not None:
                return found
        return None


def read_source_bytes(
    path: Path,
    limits: LoadLimits = DEFAULT_LIMITS,
    *,
    name: str | None = None,
    error_type: type[InputError] = RecipeLoadError,
    file_kind: str = "file",
    limit_hint: str = " (raise it with --max-file-size)",
) -> bytes:
    """Read a file's bytes, refusing unreadable paths and files over the size limit.

    `file_kind` and `limit_hint` word the messages; errors are `error_type`.
    """
    name = name or str(path)
    try:
        # Opened without blocking (a FIFO would wait for a writer), then checked.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(descriptor, "rb") as stream:
            status = os.fstat(stream.fileno())
            if stat.S_ISDIR(status.st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(status.st_mode):
                raise error_type("not a regular file (a FIFO, device or socket)", file=name)
            if status.st_size > limits.max_bytes:
                raise error_type(
                    f"file is {status.st_size:,} bytes, over the {limits.max_bytes:,}-byte "
                    f"limit{limit_hint}",
                    file=name,
                )
            content = stream.read(limits.max_bytes + 1)
    except IsADirectoryError:
        raise error_type(f"is a directory, not a {file_kind}", file=name) from None
    except FileNotFoundError:
        raise error_type("no such file", file=name) from None
    except PermissionError:
        raise error_type("permission denied", file=name) from None
    except OSError as error:
        raise error_type(f"cannot read: {error.strerror or error}", file=name) from None
    if len(content) > limits.max_bytes:
        raise error_type(f"file is over the {limits.max_bytes:,}-byte limit{limit_hint}", file=name)
    return content


def load_file(path: Path, limits: LoadLimits = DEFAULT_LIMITS) -> LoadedDocument:
    """Read and load one YAML file."""
    return load_bytes(read_source_bytes(path, limits), str(path), limits)


def load_bytes(content: bytes, source: str, limits: LoadLimits = DEFAULT_LIMITS) -> LoadedDocument:
    """Load one YAML document from `content`; `source` names it in messages."""
    if len(content) > limits.max_bytes:
        raise RecipeLoadError(f"file is over the {limits.max_bytes:,}-byte limit", file=source)
    text = decode_utf8(content, source)
    builder = _EventBuilder(source, limits)
    with _gc_paused():
        data, root_position = builder.build(text)
    if not isinstance(data, dict):
        if data is _EMPTY:
            raise RecipeLoadError("the file is empty: expected a YAML mapping", file=source, line=1)
        kind = "a list" if isinstance(data, list) else "a single value"
        raise RecipeLoadError(
            f"the top level is {kind}; expected a mapping (key: value pairs)",
            file=source,
            line=root_position[0],
            column=root_position[1],
        )
    return LoadedDocument(
        source=source,
        data=data,
        locations=builder.locations,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def decode_utf8(
    content: bytes,
    source: str,
    *,
    error_type: type[InputError] = RecipeLoadError,
    file_kind: str = "",
) -> str:
    """Decode UTF-8 (with or without a byte-order mark), refusing anything else.

    `file_kind` names the files in the message ("CSV"); errors are `error_type`.
    """
    reads = f"cexact reads UTF-8 {file_kind} only" if file_kind else "cexact reads UTF-8 only"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error_type(
            f"the file is UTF-16; {reads} (re-save it as UTF-8)",
            file=source,
            line=1,
            column=1,
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        column = error.start - (content.rfind(b"\n", 0, error.start) + 1) + 1
        raise error_type(
            f"not valid UTF-8 (byte 0x{content[error.start]:02x}); "
            f"{reads} (re-save the file as UTF-8)",
            file=source,
            line=line,
            column=column,
        ) from None


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


def _syntax_error(error: yaml.MarkedYAMLError, source: str) -> RecipeLoadError:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or "invalid YAML"
    if error.context and error.problem:
        problem = f"{error.problem} ({error.context})"
    problem = " ".join(problem.split())
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return RecipeLoadError(f"YAML syntax error: {problem}", file=source, line=line, column=column)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large acyclic data.

    Its passes over hundreds of thousands of fresh containers make loading a
    large recipe several times slower and free nothing (the data holds no
    cycles). Only collection is paused, and only here: nothing else in the
    process is affected.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_EMPTY = object()
_NO_KEY = object()
_STR_TAG = _TAG_PREFIX + "str"
_MAP_TAGS = (None, "!", _TAG_PREFIX + "map")
_SEQ_TAGS = (None, "!", _TAG_PREFIX + "seq")


class _Frame:
    """An open mapping or sequence while its events arrive."""

    __slots__ = ("anchor", "container", "is_mapping", "key", "key_lines", "path", "size")

    def __init__(self, container: Any, path: PathKey, anchor: str | None) -> None:
        self.container = container
        self.is_mapping = isinstance(container, dict)
        self.path = path
        self.anchor = anchor
        self.key: Any = _NO_KEY
        self.key_lines: dict[str, int] = {}
        self.size = 1


class _EventBuilder:
    """Builds plain data straight from the parser's events, with an explicit stack.

    No node graph is built (half the memory, no second pass) and nothing
    recurses, so no nesting depth can crash the interpreter.
    """

    def __init__(self, source: str, limits: LoadLimits) -> None:
        self.source = source
        self.limits = limits
        self.locations: dict[PathKey, Position] = {}

    def fail(self, message: str, mark: Any) -> RecipeLoadError:
        return RecipeLoadError(
            message, file=self.source, line=mark.line + 1, column=mark.column + 1
        )

    def build(self, text: str) -> tuple[Any, Position]:
        parser = _event_parser(text)
        try:
            return self._build(parser)
        except yaml.MarkedYAMLError as error:
            raise _syntax_error(error, self.source) from None
        except yaml.YAMLError as error:
            raise RecipeLoadError(f"not readable as YAML: {error}", file=self.source) from None
        finally:
            if hasattr(parser, "dispose"):
                parser.dispose()

    def _build(self, parser: Any) -> tuple[Any, Position]:
        get_event = parser.get_event
        locations = self.locations
        limits = self.limits
        anchors: dict[str, tuple[Any, int]] = {}
        open_anchors: set[str] = set()
        alias_nodes = 0
        stack: list[_Frame] = []
        root: Any = _EMPTY
        root_position: Position = (1, 1)

        get_event()  # stream start
        event = get_event()
        if type(event) is StreamEndEvent:
            return _EMPTY, root_position
        # event is the document start
        while True:
            event = get_event()
            event_type = type(event)
            frame = stack[-1] if stack else None

            if frame is not None and frame.is_mapping and frame.key is _NO_KEY:
                # A key, or the end of the mapping.
                if event_type is MappingEndEvent:
                    value, size = self._close(stack, anchors, open_anchors)
                elif event_type is ScalarEvent:
                    frame.key = self._key(event, frame)
                    continue
                else:
                    raise self.fail(
                        "a mapping key must be a plain name, not a list, mapping or alias",
                        event.start_mark,
                    )
            elif event_type is ScalarEvent:
                mark = event.start_mark
                if frame is not None and not frame.is_mapping:
                    locations[(*frame.path, len(frame.container))] = (
                        mark.line + 1,
                        mark.column + 1,
                    )
                value = self._scalar(event, frame)
                size = 1
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1)
            elif event_type is MappingStartEvent or event_type is SequenceStartEvent:
                mark = event.start_mark
                if event.tag not in (_MAP_TAGS if event_type is MappingStartEvent else _SEQ_TAGS):
                    what = "mapping" if event_type is MappingStartEvent else "list"
                    raise self.fail(f"unsupported tag {event.tag!r} on a {what}", mark)
                if len(stack) > limits.max_depth:
                    raise self.fail(
                        f"the document nests deeper than {limits.max_depth} levels", mark
                    )
                if frame is None:
                    path: PathKey = ()
                    root_position = (mark.line + 1, mark.column + 1)
                    locations[()] = root_position
                elif frame.is_mapping:
                    path = (*frame.path, frame.key)
                else:
                    path = (*frame.path, len(frame.container))
                    locations[path] = (mark.line + 1, mark.column + 1)
                if event.anchor is not None:
                    open_anchors.add(event.anchor)
                container: Any = {} if event_type is MappingStartEvent else []
                stack.append(_Frame(container, path, event.anchor))
                continue
            elif event_type is SequenceEndEvent:
                value, size = self._close(stack, anchors, open_anchors)
            elif event_type is AliasEvent:
                anchor = event.anchor
                if anchor in open_anchors:
                    raise self.fail(
                        "an alias refers to the collection that contains it", event.start_mark
                    )
                if anchor not in anchors:
                    raise self.fail(f"alias *{anchor} is not defined", event.start_mark)
                value, size = anchors[anchor]
                alias_nodes += size
                if alias_nodes > limits.max_alias_nodes:
                    raise self.fail(
                        "aliases expand past the limit of "
                        f"{limits.max_alias_nodes:,} nodes (a 'billion laughs' document?)",
                        event.start_mark,
                    )
                if frame is not None and not frame.is_mapping:
                    mark = event.start_mark
                    locations[(*frame.path, len(frame.container))] = (
                        mark.line + 1,
                        mark.column + 1,
                    )
            elif event_type is DocumentEndEvent:
                break
            else:  # pragma: no cover - libyaml emits no other events inside a document
                raise self.fail(f"unexpected YAML event {event_type.__name__}", event.start_mark)

            # Attach the finished value to its parent (or make it the root).
            if not stack:
                root = value
                if not isinstance(value, (dict, list)):
                    root_position = (event.start_mark.line + 1, event.start_mark.column + 1)
                continue
            parent = stack[-1]
            if parent.is_mapping:
                parent.container[parent.key] = value
                parent.key = _NO_KEY
            else:
                parent.container.append(value)
            parent.size += size

        following = get_event()
        if type(following) is DocumentStartEvent:
            raise self.fail(
                "the file holds several YAML documents (---); a recipe is one document",
                following.start_mark,
            )
        return root, root_position

    def _close(
        self, stack: list[_Frame], anchors: dict[str, tuple[Any, int]], open_anchors: set[str]
    ) -> tuple[Any, int]:
        frame = stack.pop()
        if frame.anchor is not None:
            anchors[frame.anchor] = (frame.container, frame.size)
            open_anchors.discard(frame.anchor)
        return frame.container, frame.size

    def _key(self, event: Any, frame: _Frame) -> str:
        name: str = event.value
        mark = event.start_mark
        plain = event.tag is None and event.implicit[0]
        if event.tag not in (None, "!", _STR_TAG):
            raise self.fail(f"unsupported tag {event.tag!r} on a key", mark)
        if plain and name == "<<":
            raise self.fail(
                "merge keys (<<) are a YAML 1.1 feature that cexact does not expand; "
                "write the keys out",
                mark,
            )
        if plain and name == "":
            raise self.fail("a mapping key is empty", mark)
        line = mark.line + 1
        if name in frame.container or name in frame.key_lines:
            raise self.fail(
                f"duplicate key {name!r}: first on line {frame.key_lines[name]}, "
                f"again on line {line}",
                mark,
            )
        frame.key_lines[name] = line
        self.locations[(*frame.path, name)] = (line, mark.column + 1)
        return name

    def _scalar(self, event: Any, frame: _Frame | None) -> Any:
        tag = event.tag
        value: str = event.value
        mark = event.start_mark
        if tag is None and event.implicit[0]:
            if not value or value[0] not in _NON_STRING_STARTS:
                return None if value == "" else value
            ambiguity = _yaml11_ambiguity(value)
            if ambiguity is not None:
                raise self.fail(ambiguity, mark)
            resolved = _resolve_core(value)
            if isinstance(resolved, float) and not math.isfinite(resolved):
                raise self.fail(f"{value!r} is not a finite number", mark)
            if (
                frame is not None
                and frame.is_mapping
                and frame.key in VERSION_KEYS
                and isinstance(resolved, (int, float))
                and not isinstance(resolved, bool)
            ):
                raise self.fail(
                    f"{frame.key} {value} is read as a number; quote it "
                    f'("{value}") so that 1.10 is not read as 1.1',
                    mark,
                )
            return resolved
        if tag is None or tag == "!" or tag == _STR_TAG:
            return value
        expected = _EXPLICIT_TAGS.get(tag)
        if expected is None:
            raise self.fail(f"unsupported tag {tag!r}: recipes use plain YAML values only", mark)
        resolved = _resolve_core(value)
        if type(resolved) is not expected:
            raise self.fail(f"{value!r} is not a valid {tag.removeprefix(_TAG_PREFIX)}", mark)
        if isinstance(resolved, float) and not math.isfinite(resolved):
            raise self.fail(f"{value!r} is not a finite number", mark)
        return resolved


_EXPLICIT_TAGS: dict[str, type] = {
    _TAG_PREFIX + "int": int,
    _TAG_PREFIX + "float": float,
    _TAG_PREFIX + "bool": bool,
    _TAG_PREFIX + "null": type(None),
}


def _resolve_core(value: str) -> Any:
    """Resolve a plain scalar by the YAML 1.2 core schema."""
    if value in _NULL_WORDS:
        return None
    if value in _TRUE_WORDS:
        return True
    if value in _FALSE_WORDS:
        return False
    if _INT_RE.fullmatch(value):
        return int(value)
    if _OCT_RE.fullmatch(value):
        return int(value[2:], 8)
    if _HEX_RE.fullmatch(value):
        return int(value[2:], 16)
    if _FLOAT_RE.fullmatch(value):
        return float(value)
    if _INF_RE.fullmatch(value):
        return -math.inf if value.startswith("-") else math.inf
    if value in _NAN_WORDS:
        return math.nan
    return value


def _yaml11_ambiguity(value: str) -> str | None:
    """A message when YAML 1.1 tools would read `value` differently, else None."""
    if value in _YAML11_BOOL_WORDS:
        truth = "true" if value.lower() in ("yes", "on") else "false"
        return (
            f"{value!r} is ambiguous: YAML 1.1 tools read it as {truth}, YAML 1.2 as text; "
            f'write {truth} or "{value}"'
        )
    if _SEXAGESIMAL_RE.fullmatch(value):
        return (
            f"{value!r} is ambiguous: YAML 1.1 tools read it as a base-60 number; "
            f'quote it ("{value}")'
        )
    if _LEADING_ZERO_RE.fullmatch(value):
        return (
            f"{value!r} is ambiguous: YAML 1.1 tools read a leading zero as octal; "
            f'quote it ("{value}") or drop the zero'
        )
    if _BINARY_RE.fullmatch(value) or _OCT_RE.fullmatch(value):
        return (
            f"{value!r} is ambiguous: YAML 1.1 and 1.2 read it differently; "
            f'quote it ("{value}") or write a decimal number'
        )
    if "_" in value and _UNDERSCORE_NUMBER_RE.fullmatch(value):
        return (
            f"{value!r} is ambiguous: YAML 1.1 tools read it as a number with digit "
            f'separators, YAML 1.2 as text; quote it ("{value}") or drop the underscores'
        )
    return None
