"""YAML text to plain data, remembering where every key and value was written.

PyYAML's constructors drop positions and silently keep the last of two equal keys,
and libyaml's composer recurses once per nesting level (a few hundred thousand
``[`` crash the interpreter). So the document is built here from the parser's event
stream, which libyaml produces without recursion, with an explicit stack and hard
limits: nesting depth, nodes per file, and what aliases may expand to (a 400-byte
"billion laughs" would otherwise take minutes and gigabytes). Only plain YAML
values are accepted: no tags that build objects, so nothing in a spec can run code.
Merge keys (``<<: *defaults``) work as YAML 1.1 defines them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .diagnostics import Collector, Diagnostic, SpecError
from .model import SourcePos

Path = tuple[str | int, ...]

#: libyaml's parser is about ten times faster than PyYAML's and keeps the same marks.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Specs nest about eight levels deep; a hundred is generous and keeps every walk shallow.
MAX_DEPTH = 100
TOO_DEEP = (f"the YAML nests deeper than {MAX_DEPTH} levels; a spec needs about eight: check the "
            "indentation and brackets here")
#: Nodes in one file: about 1,500 tables of Stage 5's size. Beyond it, split the stage.
MAX_NODES = 1_000_000
#: Nodes that aliases may add beyond those written: reuse, not amplification.
ALIAS_ALLOWANCE = 10_000

_STANDARD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_STANDARD}{name}" for name in ("str", "int", "float", "bool", "null")}


@dataclass
class Document:
    """A spec file's data with the positions PyYAML's constructors drop: errors point at the line."""

    path: str
    data: Any
    value_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def pos(self, path: Path, *, key: bool = False) -> SourcePos:
        """Position of a value (or of its key), falling back to the nearest parent."""
        marks = self.key_marks if key else self.value_marks
        probe = path
        while probe not in marks and probe:
            probe = probe[:-1]
            marks = self.value_marks
        line, col = marks.get(probe, (1, 1))
        return SourcePos(self.path, line, col)


def _at(mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


class _Frame:
    """A mapping or sequence being built."""

    __slots__ = ("value", "path", "anchor", "key", "key_mark", "merges", "start", "nodes")

    def __init__(self, value, path: Path, anchor: str | None, start: tuple[int, int], nodes: int):
        self.value = value
        self.path = path
        self.anchor = anchor
        self.key: Any = None
        self.key_mark: tuple[int, int] | None = None
        #: Merge sources (value, position of the ``<<``), applied when the mapping closes.
        self.merges: list[tuple[Any, tuple[int, int]]] = []
        self.start = start
        #: The node count when this frame opened, so its anchor knows its own size.
        self.nodes = nodes


class _NoKey:
    """Marks a mapping frame that is waiting for its next key."""


_WAITING = _NoKey()


class _Builder:
    def __init__(self, path: str):
        self.doc = Document(path, None)
        self.errors = Collector()
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.nodes = 0
        self.aliased = 0
        self.stack: list[_Frame] = []
        self.resolver = yaml.resolver.Resolver()
        self.constructor = yaml.constructor.SafeConstructor()

    def error(self, where: tuple[int, int], code: str, message: str) -> None:
        self.errors.add(Diagnostic(SourcePos(self.doc.path, *where), code, "error", message))

    def fatal(self, where: tuple[int, int], message: str) -> SpecError:
        self.error(where, "E100", message)
        return SpecError(list(self.errors))

    # --- where the next value goes -------------------------------------------------

    def next_path(self) -> Path | None:
        """Path of the value about to be built; None while a mapping waits for a key."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.value, list):
            return top.path + (len(top.value),)
        if top.key is _WAITING:
            return None
        return top.path + (top.key,)

    def count(self, where: tuple[int, int], nodes: int = 1) -> None:
        self.nodes += nodes
        if self.nodes > MAX_NODES:
            raise self.fatal(where, f"the file holds more than {MAX_NODES:,} YAML values; "
                                    "split the stage into several files")

    def deliver(self, value: Any, where: tuple[int, int], anchor: str | None, size: int) -> None:
        """Put a finished value where it belongs: the document, a list, or a mapping."""
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.doc.value_marks[()] = where
            self.doc.data = value
            return
        top = self.stack[-1]
        if isinstance(top.value, list):
            self.doc.value_marks[top.path + (len(top.value),)] = where
            top.value.append(value)
            return
        if top.key is _WAITING:
            self.take_key(top, value, where)
            return
        key, top.key = top.key, _WAITING
        if key is _MERGE:
            top.merges.append((value, where))
        elif key is not None:
            self.doc.value_marks[top.path + (key,)] = where
            top.value[key] = value

    def take_key(self, frame: _Frame, key: Any, where: tuple[int, int]) -> None:
        frame.key = None  # the value that follows is read and dropped unless the key is good
        if key is _MERGE:
            frame.key = _MERGE
            return
        if not isinstance(key, str):
            shown = "a list or mapping" if isinstance(key, (list, dict)) else repr(key)
            self.error(where, "E100", f"keys must be text, got {shown}")
            return
        if key in frame.value:
            first = self.doc.key_marks[frame.path + (key,)]
            self.error(where, "E103", f"duplicate key '{key}' (first at line {first[0]}); "
                                      "YAML would silently keep only the last one: remove one")
            return
        self.doc.key_marks[frame.path + (key,)] = where
        frame.key = key

    # --- events ------------------------------------------------------------------

    def scalar(self, event) -> None:
        where = _at(event.start_mark)
        self.count(where)
        if "\x00" in event.value:  # a "\0" escape: PostgreSQL text cannot hold it, C strings end there
            self.error(where, "E100", "this value holds a NUL character (\\0), which PostgreSQL text cannot "
                                      "hold; remove it")
        tag = event.tag
        in_key_position = bool(self.stack) and isinstance(self.stack[-1].value, dict) and self.stack[-1].key is _WAITING
        if tag is None and in_key_position and event.value != "<<":
            tag = "!"  # every spec key is a name: `on:` is the key "on", not YAML 1.1's boolean true
        if tag in (None, "!"):
            tag = (f"{_STANDARD}str" if tag == "!" or not event.implicit[0]
                   else self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit))
            if tag not in _SCALAR_TAGS and tag != f"{_STANDARD}merge":
                tag = f"{_STANDARD}str"  # dates and '=' are text here: no spec field holds either
        value: Any
        if tag == f"{_STANDARD}merge":
            value = _MERGE if in_key_position else event.value
        elif tag == f"{_STANDARD}str":
            value = event.value
        elif tag in _SCALAR_TAGS:
            node = yaml.ScalarNode(tag, event.value)
            build = getattr(self.constructor, "construct_yaml_" + tag[len(_STANDARD):])
            value = build(node)
        else:
            self.error(where, "E100", f"the YAML tag '{event.tag}' is not supported; specs hold plain "
                                      "text, numbers, booleans, lists and mappings: remove the tag")
            value = event.value
        self.deliver(value, where, event.anchor, 1)

    def open(self, event, value) -> None:
        where = _at(event.start_mark)
        tag = event.tag
        allowed = (None, "!", f"{_STANDARD}{'map' if isinstance(value, dict) else 'seq'}")
        if tag not in allowed:
            self.error(where, "E100", f"the YAML tag '{tag}' is not supported; remove it")
        if len(self.stack) >= MAX_DEPTH:
            raise self.fatal(where, TOO_DEEP)
        self.count(where)
        path = self.next_path()
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        frame = _Frame(value, path if path is not None else ("<key>",), event.anchor, where, self.nodes)
        frame.key = _WAITING if isinstance(value, dict) else None
        self.stack.append(frame)

    def close(self) -> None:
        frame = self.stack.pop()
        if isinstance(frame.value, dict):
            self.apply_merges(frame)
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
        self.deliver(frame.value, frame.start, frame.anchor, self.nodes - frame.nodes + 1)

    def apply_merges(self, frame: _Frame) -> None:
        """YAML 1.1 merge keys: the mapping's own keys win, then earlier merge sources."""
        for source, where in frame.merges:
            sources = source if isinstance(source, list) else [source]
            for item in sources:
                if not isinstance(item, dict):
                    self.error(where, "E100", "a merge key '<<' takes a mapping or a list of mappings "
                                              "(usually an alias such as *defaults)")
                    continue
                for key, value in item.items():
                    if key not in frame.value:
                        frame.value[key] = value
                        self.doc.key_marks[frame.path + (key,)] = where
                        self.doc.value_marks[frame.path + (key,)] = where

    def alias(self, event) -> None:
        where = _at(event.start_mark)
        name = event.anchor
        if name in self.open_anchors:
            raise self.fatal(where, f"the alias *{name} refers to a value that contains it; "
                                    "a spec cannot be infinitely deep: copy the part you need")
        if name not in self.anchors:
            self.error(where, "E100", f"unknown alias *{name}; define '&{name}' before using it")
            self.deliver(None, where, None, 1)
            return
        value, size = self.anchors[name]
        self.aliased += size
        if self.aliased > max(ALIAS_ALLOWANCE, self.nodes):
            raise self.fatal(where, f"aliases here expand to more than {max(ALIAS_ALLOWANCE, self.nodes):,} "
                                    "values, more than the file itself holds; a spec reuses parts, it does not "
                                    "multiply them: write the repeated parts out")
        self.count(where, size)
        self.deliver(value, where, None, size)


class _Merge:
    """The ``<<`` key, kept apart from any text key."""


_MERGE = _Merge()


def _error(path: str, line: int, col: int, message: str) -> SpecError:
    return SpecError([Diagnostic(SourcePos(path, line, col), "E100", "error", message)])


def parse(text: str, path: str) -> Document:
    if not text.strip():
        raise _error(path, 1, 1, "the file is empty; a stage spec needs at least 'stage' and 'title'")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _error(path, line, 1, "the file contains a NUL character; save it as plain UTF-8 text")
    builder = _Builder(path)
    loader = _Loader(text)
    try:
        _consume(loader, builder)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _at(mark) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in problem:  # libyaml 0.2.6+ stops deep nesting itself, before an event reaches us
            raise _error(path, line, col, TOO_DEEP) from None
        raise _error(path, line, col, f"not valid YAML: {problem}; check indentation and quoting here") from None
    except yaml.YAMLError as exc:
        raise _error(path, 1, 1, f"not valid YAML: {exc}") from None
    except Collector.Full:
        pass
    finally:
        loader.dispose()
    if builder.errors:
        raise SpecError(list(builder.errors))
    doc = builder.doc
    if doc.data is None and () not in doc.value_marks:
        raise _error(path, 1, 1, "the file holds no YAML document; a stage spec needs 'stage' and 'title'")
    if not isinstance(doc.data, dict):
        line, col = doc.value_marks.get((), (1, 1))
        raise _error(path, line, col, "the top level must be a mapping with 'stage', 'title' and the stage's objects")
    return doc


def _consume(loader, builder: _Builder) -> None:
    get = loader.get_event
    event = get()  # stream start
    documents = 0
    while True:
        event = get()
        if isinstance(event, yaml.StreamEndEvent):
            return
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise builder.fatal(_at(event.start_mark), "the file holds more than one YAML document "
                                                           "('---'); write one stage per file")
        elif isinstance(event, yaml.ScalarEvent):
            builder.scalar(event)
        elif isinstance(event, yaml.MappingStartEvent):
            builder.open(event, {})
        elif isinstance(event, yaml.SequenceStartEvent):
            builder.open(event, [])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            builder.close()
        elif isinstance(event, yaml.AliasEvent):
            builder.alias(event)
