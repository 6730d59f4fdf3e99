"""YAML text to plain data, remembering where every key and value was written.

PyYAML's safe constructor drops positions and silently keeps the last of two equal
keys; specs need both right, so the node graph from ``yaml.compose`` (safe loader:
no Python objects, no tags that run code) is converted here by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .diagnostics import Diagnostic, SpecError
from .model import SourcePos

Path = tuple[str | int, ...]

#: libyaml's composer is about ten times faster than PyYAML's and keeps the same
#: marks; both are the safe loader, which builds no Python objects from tags.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: The safe constructor's own methods for the plain scalar tags, called directly.
_SCALARS = {
    "tag:yaml.org,2002:int": yaml.SafeLoader.construct_yaml_int,
    "tag:yaml.org,2002:bool": yaml.SafeLoader.construct_yaml_bool,
    "tag:yaml.org,2002:null": yaml.SafeLoader.construct_yaml_null,
    "tag:yaml.org,2002:float": yaml.SafeLoader.construct_yaml_float,
}


@dataclass
class Document:
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


def _error(path: str, line: int, col: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(SourcePos(path, line, col), code, "error", message)


def parse(text: str, path: str) -> Document:
    if not text.strip():
        raise SpecError([_error(path, 1, 1, "E100",
                                "the file is empty; a stage spec needs at least 'stage', 'title' and 'tables'")])
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError([_error(path, line, col, "E100",
                                f"not valid YAML: {problem}; check indentation and quoting here")]) from None
    except yaml.YAMLError as exc:
        raise SpecError([_error(path, 1, 1, "E100", f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    if node is None:
        raise SpecError([_error(path, 1, 1, "E100",
                                "the file holds no YAML document; a stage spec needs 'stage', 'title' and 'tables'")])
    doc = Document(path, None)
    errors: list[Diagnostic] = []
    doc.data = _convert(node, (), doc, errors, yaml.SafeLoader(""))
    if errors:
        raise SpecError(errors)
    if not isinstance(doc.data, dict):
        line, col = doc.value_marks[()]
        raise SpecError([_error(path, line, col, "E100",
                                "the top level must be a mapping with 'stage', 'title' and 'tables'")])
    return doc


def _convert(node: yaml.Node, path: Path, doc: Document, errors: list[Diagnostic],
             constructor: yaml.SafeLoader) -> Any:
    doc.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            key = constructor.construct_object(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                hint = (" (YAML reads yes/no/on/off/true/false as booleans: quote the key)"
                        if isinstance(key, bool) else "")
                errors.append(_error(doc.path, line, col, "E100",
                                     f"keys must be text, got {key!r}{hint}"))
                continue
            if key in result:
                first = doc.key_marks[path + (key,)]
                errors.append(_error(doc.path, line, col, "E103",
                                     f"duplicate key '{key}' (first at line {first[0]}); "
                                     "YAML would silently keep only the last one: remove one"))
                continue
            doc.key_marks[path + (key,)] = (line, col)
            result[key] = _convert(value_node, path + (key,), doc, errors, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), doc, errors, constructor)
                for i, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:str":
        return node.value
    build = _SCALARS.get(node.tag)
    return build(constructor, node) if build else constructor.construct_object(node)
