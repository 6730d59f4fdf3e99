"""Publications: missing, tables not carried (or, for one the stage creates, carried without reason),
and what it publishes."""

from __future__ import annotations

from ...sqltext import qualified, quote_ident
from ..base import Change, RepairStatement

PREFIXES = ("publication",)


def compare(want, have, report, unverified) -> None:
    mine, theirs = want["publication"], have["publication"]
    for key in sorted(mine):
        b, a = mine[key], theirs.get(key)
        at = ("publication", key)
        if a is None:
            who = "" if b.created_here else " (the platform provides it)"
            report.add("publication.missing", key, f"publication {key[0]}{who} is missing from the database", at=at,
                       want=b)
            continue
        for table in sorted(b.tables - a.tables):
            report.add("publication.table_missing", key + table, f"publication {key[0]} does not carry table "
                                                                 f"{table[0]}.{table[1]}", at=at)
        for table, (columns, condition) in a.narrowed:
            if table in b.tables:
                only = [f"only columns {', '.join(columns)}" if columns else "", f"only rows where {condition}"
                        if condition else ""]
                report.add("publication.narrowed", key + table, f"publication {key[0]} carries table "
                           f"{table[0]}.{table[1]} with {' and '.join(o for o in only if o)} in the database; the "
                           "spec publishes all of it", at=at)
        if b.created_here:
            for table in sorted(a.tables - b.tables):
                report.add("publication.table_extra", key + table, f"publication {key[0]} carries table "
                                                                   f"{table[0]}.{table[1]}, which the spec does not "
                                                                   "list", at=at)
            if b.publish is not None and set(a.publish) != set(b.publish):
                report.add("publication.publish", key, f"publication {key[0]} publishes {', '.join(a.publish)} in "
                                                       f"the database, {', '.join(b.publish)} in the spec", at=at,
                           want=b)


def repair(change: Change, ctx) -> list[RepairStatement]:
    name = quote_ident(change.key[0])
    if change.kind == "publication.missing":
        if not change.want.created_here:
            return [RepairStatement("note", f"-- {change.message}: the platform makes it")]
        tables = ", ".join(qualified(*t) for t in sorted(change.want.tables))
        return [RepairStatement("grant", f"create publication {name}" + (f" for table {tables}" if tables else "")
                                + ";")]
    if change.kind == "publication.table_missing":
        return [RepairStatement("grant", f"alter publication {name} add table {qualified(*change.key[1:])};")]
    if change.kind == "publication.narrowed":
        table = qualified(*change.key[1:])
        return [RepairStatement("grant", f"alter publication {name} drop table {table};"),
                RepairStatement("grant", f"alter publication {name} add table {table};")]
    if change.kind == "publication.table_extra":
        return [RepairStatement("grant", f"alter publication {name} drop table {qualified(*change.key[1:])};")]
    return [RepairStatement("grant", f"alter publication {name} set (publish = "
                                     f"'{', '.join(change.want.publish)}');")]


def group(change: Change) -> tuple:
    return (change.kind, change.key)
