"""Views: missing, extra, changed. A plain view's new query replaces the old in place (``create or
replace view``) where PostgreSQL allows it, which is when the old columns stay first, in order,
with their types; otherwise the view is dropped and made again (it holds no rows). A
materialized view is dropped and made again, which recomputes its rows (consent needed)."""

from __future__ import annotations

from ...sqltext import qualified, quote_literal
from ..base import Change, RepairStatement

PREFIXES = ("view",)


def compare(want, have, report, unverified) -> None:
    mine, theirs = want["view"], have["view"]
    for key in sorted(mine.keys() - theirs.keys()):
        report.add("view.missing", key, f"view {key[0]}.{key[1]} is missing from the database", at=("view", key))
    for key in sorted(theirs.keys() - mine.keys()):
        if ("view", key) in unverified or not report.extra("view", key) or key in want.tables:
            continue
        report.add("view.extra", key, f"the database has view {key[0]}.{key[1]}, which no spec defines",
                   have=theirs[key])
    for key in sorted(mine.keys() & theirs.keys()):
        a, b = theirs[key], mine[key]
        if b is None:
            continue
        for facet in ("definition", "materialized", "security_invoker", "security_barrier", "check_option"):
            if getattr(a, facet) != getattr(b, facet):
                report.add("view.changed", key, f"{facet.replace('_', ' ')} of view {key[0]}.{key[1]} differs "
                                                "between the database and the spec", at=("view", key), have=a,
                           want=b)
        if a.comment != b.comment:
            report.add("view.comment", key, f"comment on view {key[0]}.{key[1]} differs", at=("view", key))


def repair(change: Change, ctx) -> list[RepairStatement]:
    name = qualified(*change.key)
    if change.kind == "view.extra":
        kind = "materialized view" if change.have.materialized else "view"
        return [RepairStatement("drop view", f"drop {kind} {name};")]
    view = ctx.view(change.key)
    if change.kind == "view.comment":
        value = quote_literal(view.comment) if view.comment is not None else "null"
        kind = "materialized view" if view.materialized else "view"
        return [RepairStatement("comment", f"comment on {kind} {name} is {value};")]
    create = ctx.render("view.sql.j2", view=view).strip()
    if change.kind == "view.missing":
        return [RepairStatement("view", create)]
    if view.materialized or change.have.materialized:
        kind = "materialized view" if change.have.materialized else "view"
        return [RepairStatement("drop view", f"drop {kind} {name};"),
                RepairStatement("view", create)]
    old, new = change.have.columns, change.want.columns if change.want is not None else ()
    if new[:len(old)] != old:  # create or replace may only add columns at the end: made again instead
        return [RepairStatement("drop view", f"drop view {name};"), RepairStatement("view", create)]
    return [RepairStatement("view", create.replace("create view", "create or replace view", 1))]


def recreate(key: tuple, ctx) -> list[RepairStatement]:
    view = ctx.view(key)
    kind = "materialized view" if view.materialized else "view"
    return [RepairStatement("drop view", f"drop {kind} {qualified(*key)};"),
            RepairStatement("view", ctx.render("view.sql.j2", view=view).strip())]


def group(change: Change) -> tuple:
    return (change.kind, change.key)
