from __future__ import annotations

import json
import re
import uuid
from typing import Callable, Iterator

from ...model import Project, Stage, Table
from ..expressions import literal_default
from ..registry import Finding, Rule, register

_BOOLEANS = {"t", "true", "y", "yes", "on", "1", "f", "false", "n", "no", "off", "0"}


def _integer(text: str) -> bool:
    return re.fullmatch(r"\s*[+-]?\d+\s*", text) is not None


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return text.strip().lower() in ("nan", "infinity", "-infinity")
    return True


def _uuid(text: str) -> bool:
    try:
        uuid.UUID(text.strip())
    except ValueError:
        return False
    return True


def _json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


#: Types whose text form a default's literal can be checked against offline, by how PostgreSQL reads it.
_READERS: dict[str, Callable[[str], bool]] = {
    "smallint": _integer, "integer": _integer, "int": _integer, "int2": _integer, "int4": _integer,
    "int8": _integer, "bigint": _integer, "numeric": _number, "decimal": _number, "real": _number,
    "double precision": _number, "float8": _number, "float4": _number,
    "boolean": lambda t: t.strip().lower() in _BOOLEANS, "bool": lambda t: t.strip().lower() in _BOOLEANS,
    "uuid": _uuid, "json": _json, "jsonb": _json,
}


@register
class DefaultNotOfItsType(Rule):
    """A column's default, when it is a literal, reads as the column's type.

    PostgreSQL reads a quoted default when a row takes it: ``status integer default 'active'``
    applies, and the first insert that leaves the column out fails. Offline the spec already says
    both, so the mistake is said at its line instead of as a chain of failures under ``--live``.

    Anti-pattern: ``{name: retries, type: integer, default: "'three'"}``
    Best practice: ``{name: retries, type: integer, default: 3}``
    """

    code = "SG036"
    name = "correctness.default-not-of-its-type"
    severity = "error"
    checklist = "Defaults and scheduled jobs name what exists"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        for column in table.columns:
            if column.default is None or column.default.literal is not None:
                continue  # {literal: …} is text by the spec's own word
            reader = _READERS.get(re.sub(r"\(.*\)", "", column.type).strip().lower())
            value = literal_default(column.default) if reader is not None else None
            if value is None:
                continue
            if not reader(value):
                yield Finding(column.pos, f"column {table.schema}.{table.name}.{column.name} defaults to {value!r}, "
                              f"which is not a {column.type}: every insert that leaves the column out would fail; "
                              "write a value of its type", column.waivers + table.waivers)
