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
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cexact.errors import RecipeLoadError

PathKey = tuple[str | int, ...]
"""A path into a document: mapping keys and sequence indices."""

Position = tuple[int, int]
"""A 1-based (line, column)."""

VERSION_KEYS = frozenset({"version", "software", "firmware", "revision"})
"""Keys whose values are version strings: an unquoted number there is an error."""

_TAG_PREFIX = "tag:yaml.org,2002:"
_PLAIN = "tag:cexact,2026:plain"  # our marker for "plain scalar, no explicit tag"

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

# libyaml's composer recurses in C and crashes the interpreter on very deep
# nesting; files that might nest that deep are parsed by the pure-Python
# parser instead, which fails cleanly.
_C_PARSER_GUARD = 2000


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


def read_source_bytes(path: Path, limits: LoadLimits = DEFAULT_LIMITS) -> bytes:
    """Read a file's bytes, refusing unreadable paths and files over the size limit."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise RecipeLoadError(
                f"file is {size:,} bytes, over the {limits.max_bytes:,}-byte limit "
                "(raise it with --max-file-size)",
                file=name,
            )
        with path.open("rb") as stream:
            content = stream.read(limits.max_bytes + 1)
    except IsADirectoryError:
        raise RecipeLoadError("is a directory, not a file", file=name) from None
    except FileNotFoundError:
        raise RecipeLoadError("no such file", file=name) from None
    except PermissionError:
        raise RecipeLoadError("permission denied", file=name) from None
    except OSError as error:
        raise RecipeLoadError(f"cannot read: {error.strerror or error}", file=name) from None
    if len(content) > limits.max_bytes:
        raise RecipeLoadError(f"file is over the {limits.max_bytes:,}-byte limit", file=name)
    return content


def load_file(path: Path, limits: LoadLimits = DEFAULT_LIMITS) -> LoadedDocument:
    """Read and load one YAML file."""
    return load_bytes(read_source_bytes(path, limits), str(path), limits)


def load_bytes(content: bytes, source: str, limits: LoadLimits = DEFAULT_LIMITS) -> LoadedDocument:
    """Load one YAML document from `content`; `source` names it in messages."""
    if len(content) > limits.max_bytes:
        raise RecipeLoadError(f"file is over the {limits.max_bytes:,}-byte limit", file=source)
    text = decode_utf8(content, source)
    node = compose_single_node(text, source)
    if node is None:
        raise RecipeLoadError("the file is empty: expected a YAML mapping", file=source, line=1)
    if not isinstance(node, MappingNode):
        kind = "a list" if isinstance(node, SequenceNode) else "a single value"
        line, column = _position(node)
        raise RecipeLoadError(
            f"the top level is {kind}; expected a mapping (key: value pairs)",
            file=source,
            line=line,
            column=column,
        )
    builder = _DataBuilder(source, limits)
    with _gc_paused():
        data = builder.build(node)
    return LoadedDocument(
        source=source,
        data=data,
        locations=builder.locations,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def decode_utf8(content: bytes, source: str) -> str:
    """Decode UTF-8 (with or without a byte-order mark), refusing anything else."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RecipeLoadError(
            "the file is UTF-16; cexact reads UTF-8 only (re-save it as UTF-8)",
            file=source,
            line=1,
            column=1,
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        column = error.start - (content.rfind(b"\n", 0, error.start) + 1) + 1
        raise RecipeLoadError(
            f"not valid UTF-8 (byte 0x{content[error.start]:02x}); "
            "cexact reads UTF-8 only (re-save the file as UTF-8)",
            file=source,
            line=line,
            column=column,
        ) from None


class _LocatingResolver(yaml.resolver.BaseResolver):
    """Leaves plain, untagged scalars marked for our own YAML 1.2 resolution."""

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _TAG_PREFIX + "str"
        if kind is SequenceNode:
            return _TAG_PREFIX + "seq"
        return _TAG_PREFIX + "map"


_C_PARSER: Any = getattr(yaml, "CParser", None)
_CComposer: Any = None
if _C_PARSER is not None:

    class _LibyamlComposer(_C_PARSER, _LocatingResolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            _C_PARSER.__init__(self, stream)
            _LocatingResolver.__init__(self)

    _CComposer = _LibyamlComposer


class _PyComposer(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _LocatingResolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _LocatingResolver.__init__(self)


def _might_nest_deeply(text: str) -> bool:
    """True when `text` could nest deeper than libyaml's composer survives."""
    if text.count("[") + text.count("{") > _C_PARSER_GUARD:
        depth = deepest = 0
        for match in re.finditer(r"[\[\]{}]", text):
            depth += 1 if match.group() in "[{" else -1
            deepest = max(deepest, depth)
        if deepest > _C_PARSER_GUARD:
            return True
    return len(text) > _C_PARSER_GUARD and any(
        len(line) > _C_PARSER_GUARD for line in text.splitlines()
    )


def compose_single_node(text: str, source: str) -> Node | None:
    """Compose the one document in `text` into a node graph (None if empty)."""
    use_c = _CComposer is not None and not _might_nest_deeply(text)
    composer: Any = _CComposer(text) if use_c else _PyComposer(text)
    try:
        with _gc_paused():
            # Compose the first document, then make sure there is no second:
            # get_single_node's own message for that is hard to act on.
            if not composer.check_node():
                return None
            node: Node = composer.get_node()
            if composer.check_node():
                mark = composer.peek_event().start_mark
                raise RecipeLoadError(
                    "the file holds several YAML documents (---); a recipe is one document",
                    file=source,
                    line=mark.line + 1,
                    column=mark.column + 1,
                )
            return node
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, source) from None
    except yaml.YAMLError as error:
        raise RecipeLoadError(f"not readable as YAML: {error}", file=source) from None
    except RecursionError:
        raise RecipeLoadError("the document nests too deeply to read", file=source) from None
    finally:
        composer.dispose()


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

    The collector's passes over millions of fresh containers make loading a
    large recipe about three times slower and free nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _position(node: Node) -> Position:
    mark = node.start_mark
    return (mark.line + 1, mark.column + 1)


class _DataBuilder:
    """Turns a composed node graph into plain data, recording positions."""

    def __init__(self, source: str, limits: LoadLimits) -> None:
        self.source = source
        self.limits = limits
        self.locations: dict[PathKey, Position] = {}
        self._built: dict[int, Any] = {}
        self._sizes: dict[int, int] = {}
        self._in_progress: set[int] = set()
        self._alias_nodes = 0

    def fail(self, message: str, node: Node) -> RecipeLoadError:
        line, column = _position(node)
        return RecipeLoadError(message, file=self.source, line=line, column=column)

    def build(self, root: Node) -> Any:
        self.locations[()] = _position(root)
        return self._build(root, (), 0)

    def _build(self, node: Node, path: PathKey, depth: int) -> Any:
        key = id(node)
        built = self._built.get(key, _MISSING)
        if built is not _MISSING:
            # A node met again is an alias: the same data, counted against the
            # expansion budget by its expanded size.
            self._alias_nodes += self._sizes[key]
            if self._alias_nodes > self.limits.max_alias_nodes:
                raise self.fail(
                    "aliases expand past the limit of "
                    f"{self.limits.max_alias_nodes:,} nodes (a 'billion laughs' document?)",
                    node,
                )
            return built
        if key in self._in_progress:
            raise self.fail("an alias refers to the collection that contains it", node)
        if depth > self.limits.max_depth:
            raise self.fail(f"the document nests deeper than {self.limits.max_depth} levels", node)
        if isinstance(node, ScalarNode):
            value = self._scalar(node, path)
            size = 1
        elif isinstance(node, MappingNode):
            self._in_progress.add(key)
            value, size = self._mapping(node, path, depth)
            self._in_progress.discard(key)
        elif isinstance(node, SequenceNode):
            self._in_progress.add(key)
            value, size = self._sequence(node, path, depth)
            self._in_progress.discard(key)
        else:  # pragma: no cover - the composer makes no other nodes
            raise self.fail("unsupported YAML node", node)
        self._built[key] = value
        self._sizes[key] = size
        return value

    def _mapping(self, node: MappingNode, path: PathKey, depth: int) -> tuple[dict[str, Any], int]:
        if node.tag != _TAG_PREFIX + "map":
            raise self.fail(f"unsupported tag {node.tag!r} on a mapping", node)
        result: dict[str, Any] = {}
        key_lines: dict[str, int] = {}
        size = 1
        locations = self.locations
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.fail(
                    "a mapping key must be a plain name, not a list or mapping", key_node
                )
            name = key_node.value
            if key_node.tag == _PLAIN and name == "<<":
                raise self.fail(
                    "merge keys (<<) are a YAML 1.1 feature that cexact does not expand; "
                    "write the keys out",
                    key_node,
                )
            if key_node.tag not in (_PLAIN, _TAG_PREFIX + "str"):
                raise self.fail(f"unsupported tag {key_node.tag!r} on a key", key_node)
            if name == "" and key_node.tag == _PLAIN:
                raise self.fail("a mapping key is empty", key_node)
            line = key_node.start_mark.line + 1
            if name in result:
                raise self.fail(
                    f"duplicate key {name!r}: first on line {key_lines[name]}, "
                    f"again on line {line}",
                    key_node,
                )
            key_lines[name] = line
            child_path = (*path, name)
            locations[child_path] = (line, key_node.start_mark.column + 1)
            if (
                name in VERSION_KEYS
                and isinstance(value_node, ScalarNode)
                and value_node.tag == _PLAIN
            ):
                resolved = self._scalar(value_node, child_path)
                if isinstance(resolved, (int, float)) and not isinstance(resolved, bool):
                    raise self.fail(
                        f"{name} {value_node.value} is read as a number; quote it "
                        f'("{value_node.value}") so that 1.10 is not read as 1.1',
                        value_node,
                    )
            result[name] = self._build(value_node, child_path, depth + 1)
            size += self._sizes[id(value_node)]
        return result, size

    def _sequence(self, node: SequenceNode, path: PathKey, depth: int) -> tuple[list[Any], int]:
        if node.tag != _TAG_PREFIX + "seq":
            raise self.fail(f"unsupported tag {node.tag!r} on a list", node)
        result: list[Any] = []
        size = 1
        locations = self.locations
        for index, item in enumerate(node.value):
            child_path = (*path, index)
            mark = item.start_mark
            locations[child_path] = (mark.line + 1, mark.column + 1)
            result.append(self._build(item, child_path, depth + 1))
            size += self._sizes[id(item)]
        return result, size

    def _scalar(self, node: ScalarNode, path: PathKey) -> Any:
        tag = node.tag
        value: str = node.value
        if tag == _PLAIN:
            return self._plain(node, value)
        if tag == _TAG_PREFIX + "str":
            return value
        if tag in _EXPLICIT_TAGS:
            resolved = _resolve_core(value)
            if type(resolved) is not _EXPLICIT_TAGS[tag]:
                raise self.fail(f"{value!r} is not a valid {tag.removeprefix(_TAG_PREFIX)}", node)
            if isinstance(resolved, float) and not math.isfinite(resolved):
                raise self.fail(f"{value!r} is not a finite number", node)
            return resolved
        raise self.fail(f"unsupported tag {tag!r}: recipes use plain YAML values only", node)

    def _plain(self, node: ScalarNode, value: str) -> Any:
        if not value or value[0] not in _NON_STRING_STARTS:
            return None if value == "" else value
        ambiguity = _yaml11_ambiguity(value)
        if ambiguity is not None:
            raise self.fail(ambiguity, node)
        resolved = _resolve_core(value)
        if isinstance(resolved, float) and not math.isfinite(resolved):
            raise self.fail(f"{value!r} is not a finite number", node)
        return resolved


_MISSING = object()

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
