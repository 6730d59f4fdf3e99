"""Checks a parsed spec against the published JSON Schema (``spec.schema.json``).

The schema file is the single definition of the format: editors use it for
completion, and this module interprets it for the loader. It interprets only the
keywords that file uses (type, properties, required, additionalProperties, enum,
items, minItems, minLength, minimum, pattern, anyOf, $ref) and a test fails if the
file starts using another. A general validator (``jsonschema``) would add a heavy
import to every run and report "Additional properties are not allowed" where a user
needs "unknown key 'colums' at 12:5; did you mean 'columns'?".
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path as FsPath
from typing import Any

from .diagnostics import Collector, Diagnostic, did_you_mean
from .yamldoc import Document, Path

SUPPORTED_KEYWORDS = frozenset({
    "$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties",
    "required", "additionalProperties", "enum", "items", "minItems", "minLength",
    "minimum", "pattern", "anyOf",
})

_JSON_TYPE_NAMES = {
    "object": "a mapping", "array": "a list", "string": "text", "integer": "an integer",
    "number": "a number", "boolean": "true or false", "null": "nothing",
}


@cache
def spec_schema() -> dict[str, Any]:
    return json.loads((FsPath(__file__).parent / "spec.schema.json").read_text("utf-8"))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _type_matches(value: Any, expected: str | list[str]) -> bool:
    actual = _json_type(value)
    options = [expected] if isinstance(expected, str) else expected
    return actual in options or (actual == "integer" and "number" in options)


def _describe(value: Any) -> str:
    kind = _json_type(value)
    if kind in ("object", "array"):
        return _JSON_TYPE_NAMES[kind]
    return f"{_JSON_TYPE_NAMES.get(kind, kind)} {value!r}"


def _where(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


class _Checker:
    def __init__(self, doc: Document):
        self.doc = doc
        self.root = spec_schema()
        self.errors = Collector()

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].removeprefix("#/$defs/")
            schema = self.root["$defs"][name]
        return schema

    def branches(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        """An anyOf's alternatives, with nested anyOfs (a $ref to one) spread out."""
        out = []
        for branch in schema["anyOf"]:
            branch = self.resolve(branch)
            out.extend(self.branches(branch) if "anyOf" in branch else [branch])
        return out

    def error(self, path: Path, code: str, message: str, *, key: bool = False) -> None:
        self.errors.add(Diagnostic(self.doc.pos(path, key=key), code, "error", message))

    def check(self, value: Any, schema: dict[str, Any], path: Path) -> None:
        schema = self.resolve(schema)
        if "anyOf" in schema:
            branches = self.branches(schema)
            for branch in branches:
                if _branch_fits(value, branch):
                    self.check(value, branch, path)
                    return
            wanted = []
            for branch in branches:
                types = branch.get("type", [])
                for t in [types] if isinstance(types, str) else types:
                    wanted.append(_JSON_TYPE_NAMES[t])
            self.error(path, "E101",
                       f"{_where(path)} must be {' or '.join(dict.fromkeys(wanted))}, got {_describe(value)}")
            return
        if "enum" in schema:
            if value not in schema["enum"]:
                options = [str(o) for o in schema["enum"]]
                hint = did_you_mean(str(value), options) if isinstance(value, str) else ""
                if not hint.startswith("; expected"):
                    hint += "; expected one of: " + ", ".join(options)
                self.error(path, "E101", f"{_where(path)}: {_describe(value)} is not allowed{hint}")
            return
        if "type" in schema and not _type_matches(value, schema["type"]):
            expected = schema["type"]
            names = [expected] if isinstance(expected, str) else expected
            self.error(path, "E101", f"{_where(path)} must be "
                       f"{' or '.join(_JSON_TYPE_NAMES[n] for n in names)}, got {_describe(value)}")
            return
        if isinstance(value, dict):
            self.check_object(value, schema, path)
        elif isinstance(value, list):
            if len(value) < schema.get("minItems", 0):
                self.error(path, "E101", f"{_where(path)} must not be empty")
            if "items" in schema:
                for i, item in enumerate(value):
                    self.check(item, schema["items"], path + (i,))
        elif isinstance(value, str):
            if len(value.strip()) < schema.get("minLength", 0):
                self.error(path, "E101", f"{_where(path)} must not be empty")
            elif "pattern" in schema and not _matches(schema["pattern"], value):
                self.error(path, "E101",
                           f"{_where(path)}: {value!r} does not match the pattern {schema['pattern']}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                self.error(path, "E101", f"{_where(path)} must be at least {schema['minimum']}, got {value}")

    def check_object(self, value: dict[str, Any], schema: dict[str, Any], path: Path) -> None:
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                self.check(item, properties[key], path + (key,))
            elif extra is False:
                hint = did_you_mean(key, properties)
                if not hint and re.fullmatch(r"\s*[\w.]*\)\s*", key):
                    hint = ("; a comma inside {…} separates entries, so a value such as numeric(12, 2) "
                            "was cut in two: quote it")
                self.error(path + (key,), "E102", f"unknown key '{key}' in {_where(path)}{hint}", key=True)
            elif isinstance(extra, dict):
                self.check(item, extra, path + (key,))
        for key in schema.get("required", []):
            if key not in value:
                self.error(path, "E101", f"{_where(path)} is missing the required key '{key}'")


def _branch_fits(value: Any, branch: dict[str, Any]) -> bool:
    """Whether an anyOf alternative is the one meant for this value: by its type, or by the type
    of its enum's values (so a mapping is checked against the mapping alternative)."""
    if "type" in branch:
        return _type_matches(value, branch["type"])
    if "enum" in branch:
        return not isinstance(value, (dict, list))
    return True


def check_document(doc: Document) -> list[Diagnostic]:
    checker = _Checker(doc)
    try:
        checker.check(doc.data, checker.root, ())
    except Collector.Full:
        pass
    return list(checker.errors)


def _matches(pattern: str, value: str) -> bool:
    """JSON Schema's (ECMA-262's) reading of a pattern: its ``$`` is the end of the text, where
    Python's also matches before a final line break (``slug: "abc\\n"`` would name a file)."""
    return re.search(re.sub(r"(?<!\\)\$", r"\\Z", pattern), value) is not None
