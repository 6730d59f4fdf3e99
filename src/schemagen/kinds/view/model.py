"""A view or materialized view: a query, with security_invoker so the tables' RLS applies, and
the other options PostgreSQL keeps on a view (security_barrier, check option)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ...model import NOWHERE, SourcePos, Waiver, _Brief
from ..grant.model import Grant, build_grants


@dataclass(frozen=True, repr=False)
class View(_Brief):
    schema: str
    name: str
    query: str
    materialized: bool = False
    security_invoker: bool | None = None
    #: Keeps the view's own conditions ahead of functions a caller passes in (no rows leak
    #: through a function that raises or logs what it is given).
    security_barrier: bool | None = None
    #: ``with local|cascaded check option``: writes through the view must satisfy its condition.
    check_option: Literal["local", "cascaded"] | None = None
    comment: str | None = None
    grants: tuple[Grant, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


def build(builder, data: dict[str, Any], path: tuple) -> View:
    materialized = data.get("materialized", False)
    for option in ("security_invoker", "security_barrier", "check_option"):
        if materialized and option in data:
            builder.error(path + (option,), "E106", "a materialized view stores its rows; "
                          f"{option} applies to plain views only", key=True)
    return View(
        schema=builder.ident(data.get("schema", "public"), path + ("schema",), "schema"),
        name=builder.ident(data["name"], path + ("name",), "view name"),
        query=builder.fragment(data["query"], path + ("query",), "query", "query"),
        materialized=materialized,
        security_invoker=data.get("security_invoker"),
        security_barrier=data.get("security_barrier"),
        check_option=data.get("check_option"),
        comment=data.get("comment"),
        grants=build_grants(builder, data.get("grants", []), path + ("grants",), "view"),
        waivers=builder.waivers(data, path),
        pos=builder.pos(path),
    )
