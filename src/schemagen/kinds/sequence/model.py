"""A sequence: invoice numbers, counters that are not a column's identity."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...model import NOWHERE, SourcePos, Waiver, _Brief
from ..grant.model import Grant, build_grants


@dataclass(frozen=True, repr=False)
class Sequence(_Brief):
    schema: str
    name: str
    type: str = "bigint"
    start: int | None = None
    increment: int = 1
    min: int | None = None
    max: int | None = None
    cycle: bool = False
    #: Values each session takes ahead at a time (PostgreSQL's default: 1).
    cache: int = 1
    #: (table, column) whose drop drops the sequence.
    owned_by: tuple[str, str] | None = None
    comment: str | None = None
    #: Who may take values (``usage``, ``select``, ``update``): an insert into a table whose default
    #: is this sequence's ``nextval`` needs ``usage`` for the inserting role.
    grants: tuple[Grant, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


def build(builder, data: dict[str, Any], path: tuple) -> Sequence:
    owned_by = None
    if "owned_by" in data:
        parts = data["owned_by"].split(".")
        if len(parts) != 2:
            builder.error(path + ("owned_by",), "E105", "owned_by is 'table.column' (a table of the sequence's "
                          "schema)")
        else:
            owned_by = (builder.ident(parts[0], path + ("owned_by",), "table"),
                        builder.ident(parts[1], path + ("owned_by",), "column"))
    if data.get("cache", 1) < 1:
        builder.error(path + ("cache",), "E106", "cache is how many values a session takes at a time: 1 or more")
    if data.get("increment", 1) == 0:
        builder.error(path + ("increment",), "E106", "increment must not be zero")
    return Sequence(
        schema=builder.ident(data.get("schema", "public"), path + ("schema",), "schema"),
        name=builder.ident(data["name"], path + ("name",), "sequence name"),
        type=data.get("type", "bigint"),
        start=data.get("start"),
        increment=data.get("increment", 1),
        min=data.get("min"),
        max=data.get("max"),
        cycle=data.get("cycle", False),
        cache=data.get("cache", 1),
        owned_by=owned_by,
        comment=data.get("comment"),
        grants=build_grants(builder, data.get("grants", []), path + ("grants",), "sequence"),
        waivers=builder.waivers(data, path),
        pos=builder.pos(path),
    )
