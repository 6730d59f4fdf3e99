"""Indexes: what differs between two catalogs, and the SQL that repairs it (an index that changed
is dropped and created again: PostgreSQL alters an index's name, not its definition)."""

from __future__ import annotations

from ...sqltext import qualified, quote_literal
from ..base import Change, RepairStatement, shown

PREFIXES = ("index",)


def compare(want, have, report, unverified) -> None:
    present = (want.tables.keys() | want.attached) & have.tables.keys()
    mine, theirs = want.indexes, have.indexes
    for key in sorted(mine.keys() - theirs.keys()):
        if key[:2] in present:
            report.add("index.missing", key, f"index {key[2]} on {key[0]}.{key[1]} is missing from the database")
    for key in sorted(theirs.keys() - mine.keys()):
        if key[:2] in present and ("index", key) not in unverified and report.extra("index", key):
            report.add("index.extra", key, f"the database has index {key[2]} on {key[0]}.{key[1]}, which the "
                                           "spec does not define", at=("table", key[:2]))
    for key in sorted(mine.keys() & theirs.keys()):
        a, b = theirs[key], mine[key]
        if b is None:
            continue
        if a.comment != b.comment:
            report.add("index.comment", key, f"comment on index {key[2]} differs between the database and the spec")
        if not a.valid and b.valid:
            report.add("index.changed", key, f"index {key[2]} on {key[0]}.{key[1]} is invalid in the database (what "
                                             "a failed create index concurrently leaves): never used, and a unique "
                                             "one enforces nothing")
        for facet, x, y in (("method", a.method, b.method), ("unique", a.unique, b.unique),
                            ("nulls not distinct", a.nulls_not_distinct, b.nulls_not_distinct),
                            ("keys", ", ".join(a.keys), ", ".join(b.keys)),
                            ("include", ", ".join(a.include) or None, ", ".join(b.include) or None),
                            ("predicate", a.predicate, b.predicate),
                            ("parameters", ", ".join(a.parameters) or None, ", ".join(b.parameters) or None)):
            if x != y:
                report.add("index.changed", key, f"{facet} of index {key[2]} is {shown(x)} in the database, "
                                                 f"{shown(y)} in the spec")


def repair(change: Change, ctx) -> list[RepairStatement]:
    if change.kind == "index.extra":
        return [RepairStatement("drop index", f"drop index {qualified(change.key[0], change.key[2])};")]
    table, index = ctx.part("indexes", change.key)
    create = ctx.macros.index_def(index, table).strip() + str(ctx.macros.index_comment(index, table))
    if change.kind == "index.missing":
        return [RepairStatement("index", create)]
    if change.kind == "index.comment":
        value = quote_literal(index.comment) if index.comment is not None else "null"
        return [RepairStatement("comment", f"comment on index {qualified(table.schema, index.name)} is {value};")]
    return [RepairStatement("drop index", f"drop index {qualified(table.schema, index.name)};"),
            RepairStatement("index", create)]


def group(change: Change) -> tuple:
    return (change.kind, change.key)
