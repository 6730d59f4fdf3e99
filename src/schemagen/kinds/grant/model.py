"""Privileges given to roles (or taken from them), on a table, a column, a function, a view, a sequence
or a schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...model import NOWHERE, SourcePos, Waiver, _Brief

#: What ``all`` means, per kind of object (PostgreSQL's own expansion).
ALL_PRIVILEGES = {
    "table": ("select", "insert", "update", "delete", "truncate", "references", "trigger"),
    "view": ("select", "insert", "update", "delete", "truncate", "references", "trigger"),
    "function": ("execute",),
    "schema": ("usage", "create"),
    "sequence": ("select", "update", "usage"),
}


@dataclass(frozen=True, repr=False)
class Grant(_Brief):
    privileges: tuple[str, ...]
    roles: tuple[str, ...]
    revoke: bool = False
    columns: tuple[str, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    def expanded(self, on: str) -> tuple[str, ...]:
        """The privileges, ``all`` spelt out for the kind of object granted on."""
        out: list[str] = []
        for privilege in self.privileges:
            out.extend(ALL_PRIVILEGES[on] if privilege == "all" else (privilege,))
        return tuple(dict.fromkeys(out))


@dataclass(frozen=True, repr=False)
class SchemaGrant(_Brief):
    """Privileges on a schema, or default privileges for the objects a role creates in it."""

    #: Compared whatever ``--schema`` says: the database holds it, not a schema.
    database_wide = True

    schema: str
    privileges: tuple[str, ...]
    roles: tuple[str, ...]
    #: ``schema`` for the schema itself; ``tables``/``functions``/``sequences`` for default privileges.
    on: str = "schema"
    for_role: str | None = None
    revoke: bool = False
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)


_VALID = {
    "table": {"all", "select", "insert", "update", "delete", "truncate", "references", "trigger"},
    "view": {"all", "select", "insert", "update", "delete", "truncate", "references", "trigger"},
    "function": {"all", "execute"},
    "sequence": {"all", "select", "update", "usage"},
    "schema": {"all", "usage", "create"},
    "tables": {"all", "select", "insert", "update", "delete", "truncate", "references", "trigger"},
    "functions": {"all", "execute"},
    "sequences": {"all", "select", "update", "usage"},
}
_COLUMN_PRIVILEGES = {"select", "insert", "update", "references"}


def build_grants(builder, items: list[dict[str, Any]], path: tuple, on: str) -> tuple[Grant, ...]:
    out = []
    for i, data in enumerate(items):
        at = path + (i,)
        privileges = tuple(dict.fromkeys(data["privileges"]))
        for j, privilege in enumerate(privileges):
            if privilege not in _VALID[on]:
                builder.error(at + ("privileges", j), "E106", f"{privilege} is not a privilege a {on} has; it takes "
                              + ", ".join(sorted(_VALID[on])))
        columns = tuple(builder.ident(c, at + ("columns", j), "column") for j, c in enumerate(data.get("columns", ())))
        if columns and not set(privileges) <= _COLUMN_PRIVILEGES:
            builder.error(at + ("columns",), "E106", "column privileges are select, insert, update and references "
                          "only", key=True)
        roles = tuple(builder.ident(r, at + ("to", j), "role") for j, r in enumerate(data["to"]))
        out.append(Grant(privileges, roles, data.get("revoke", False), columns, builder.waivers(data, at),
                         builder.pos(at)))
    return tuple(out)


def build_schema_grant(builder, data: dict[str, Any], path: tuple) -> SchemaGrant:
    on = data.get("on", "schema")
    privileges = tuple(dict.fromkeys(data["privileges"]))
    for j, privilege in enumerate(privileges):
        if privilege not in _VALID[on]:
            builder.error(path + ("privileges", j), "E106", f"{privilege} is not a privilege on {on}; it takes "
                          + ", ".join(sorted(_VALID[on])))
    if "for_role" in data and on == "schema":
        builder.error(path + ("for_role",), "E106", "for_role is for default privileges (on: tables, functions or "
                      "sequences)", key=True)
    return SchemaGrant(
        schema=builder.ident(data.get("schema", "public"), path + ("schema",), "schema"),
        privileges=privileges,
        roles=tuple(builder.ident(r, path + ("to", j), "role") for j, r in enumerate(data["to"])),
        on=on,
        for_role=builder.ident(data["for_role"], path + ("for_role",), "role") if "for_role" in data else None,
        revoke=data.get("revoke", False),
        waivers=builder.waivers(data, path),
        pos=builder.pos(path),
    )


#: The stage-level ``grants:`` key holds schema grants.
build = build_schema_grant
