"""An enum type: its values, in order (the order sorts them, so it is part of the type)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...model import NOWHERE, SourcePos, Waiver, _Brief


@dataclass(frozen=True, repr=False)
class Enum(_Brief):
    schema: str
    name: str
    values: tuple[str, ...]
    comment: str | None = None
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


#: PostgreSQL's NAMEDATALEN - 1, the longest enum label in bytes.
LABEL_BYTES = 63


def build(builder, data: dict[str, Any], path: tuple) -> Enum:
    values = tuple(data["values"])
    builder.no_duplicates(list(values), path + ("values",), "enum value", "")
    for i, value in enumerate(values):
        if len(value.encode("utf-8")) > LABEL_BYTES:
            builder.error(path + ("values", i), "E105", f"enum value {value!r} is longer than {LABEL_BYTES} bytes, "
                          "which PostgreSQL refuses")
    return Enum(
        schema=builder.ident(data.get("schema", "public"), path + ("schema",), "schema"),
        name=builder.ident(data["name"], path + ("name",), "type name"),
        values=values,
        comment=data.get("comment"),
        waivers=builder.waivers(data, path),
        pos=builder.pos(path),
    )
