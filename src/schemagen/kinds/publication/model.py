"""A publication: the tables whose changes are streamed (Supabase Realtime reads supabase_realtime)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...model import NOWHERE, SourcePos, Waiver, _Brief


@dataclass(frozen=True, repr=False)
class Publication(_Brief):
    name: str
    tables: tuple[tuple[str, str], ...] = ()
    #: Who makes it when the stage does not (the platform's supabase_realtime): the stage adds tables.
    provided_by: str | None = None
    publish: tuple[str, ...] | None = None
    comment: str | None = None
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def key(self) -> tuple[str]:
        return (self.name,)

    @property
    def created_here(self) -> bool:
        return self.provided_by is None


def build(builder, data: dict[str, Any], path: tuple) -> Publication:
    from ..trigger.model import qualified_name

    if data.get("provided_by") and "publish" in data:
        builder.error(path + ("publish",), "E106", "publish belongs to whoever creates the publication; "
                      "the platform decides it for its own", key=True)
    return Publication(
        name=builder.ident(data["name"], path + ("name",), "publication name"),
        tables=tuple(qualified_name(builder, t, path + ("tables", i), "table")
                     for i, t in enumerate(data.get("tables", []))),
        provided_by=data.get("provided_by"),
        publish=tuple(data["publish"]) if "publish" in data else None,
        comment=data.get("comment"),
        waivers=builder.waivers(data, path),
        pos=builder.pos(path),
    )
