"""An extension a stage creates, or relies on the platform (or an earlier stage) for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...model import NOWHERE, SourcePos, Waiver, _Brief

#: Types extensions bring, so columns of those types check offline (``external.types`` for the rest).
EXTENSION_TYPES = {
    "vector": ("vector", "halfvec", "sparsevec"),
    "citext": ("citext",),
    "hstore": ("hstore",),
    "ltree": ("ltree", "lquery", "ltxtquery"),
    "postgis": ("geometry", "geography", "box2d", "box3d"),
    "cube": ("cube",),
    "isn": ("isbn", "isbn13", "ismn", "ismn13", "issn", "issn13", "ean13", "upc"),
    "seg": ("seg",),
}

#: Index methods and operator classes extensions bring, for ordering and lint.
EXTENSION_METHODS = {"hnsw": "vector", "ivfflat": "vector"}


@dataclass(frozen=True, repr=False)
class Extension(_Brief):
    #: Compared whatever ``--schema`` says: the database holds it, not a schema.
    database_wide = True

    name: str
    #: Where its objects go; None for the extension's own choice.
    schema: str | None = None
    #: Who creates it when the stage does not (the platform): then it is relied on, not emitted.
    provided_by: str | None = None
    comment: str | None = None
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def key(self) -> tuple[str]:
        return (self.name,)

    @property
    def created_here(self) -> bool:
        return self.provided_by is None


def build(builder, data: dict[str, Any], path: tuple) -> Extension:
    return Extension(
        name=builder.ident(data["name"], path + ("name",), "extension"),
        schema=builder.ident(data["schema"], path + ("schema",), "schema") if "schema" in data else None,
        provided_by=data.get("provided_by"),
        comment=data.get("comment"),
        waivers=builder.waivers(data, path),
        pos=builder.pos(path),
    )
