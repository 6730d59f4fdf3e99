"""Functions: missing, extra, and changed facets. ``create or replace`` changes a body, volatility,
security, settings or comment in place; a new result type needs a drop and a create (PostgreSQL
refuses to change it in place), and a new signature is a different function (missing + extra)."""

from __future__ import annotations

from ...sqltext import qualified
from ..base import Change, RepairStatement, shown

PREFIXES = ("function",)

FACETS = ("arguments", "result", "language", "volatility", "security_definer", "strict", "parallel", "cost", "rows",
          "config", "body", "comment")


def _name(key: tuple) -> str:
    return f"{key[0]}.{key[1]}({key[2]})"


def compare(want, have, report, unverified) -> None:
    mine, theirs = want["function"], have["function"]
    for key in sorted(mine.keys() - theirs.keys()):
        report.add("function.missing", key, f"function {_name(key)} is missing from the database",
                   at=("function", key))
    for key in sorted(theirs.keys() - mine.keys()):
        if ("function", key[:2]) in unverified or not report.extra("function", key):
            continue
        overloaded = next((k for k in mine if k[:2] == key[:2]), None)  # said where its namesake is written
        report.add("function.extra", key, f"the database has function {_name(key)}, which no spec defines",
                   near=("function", overloaded) if overloaded else None)
    for key in sorted(mine.keys() & theirs.keys()):
        a, b = theirs[key], mine[key]
        changed = [facet for facet in FACETS if getattr(a, facet) != getattr(b, facet)]
        if changed:
            kind = "function.result" if "result" in changed or "arguments" in changed else "function.changed"
            report.add(kind, key, f"function {_name(key)}: " + "; ".join(_difference(f, a, b) for f in changed),
                       at=("function", key))


def _difference(facet: str, have, want) -> str:
    label = facet.replace("_", " ")
    if facet == "body":  # whole function bodies would drown the line; drift --sql shows the spec's
        return "its body differs between the database and the spec"
    return f"{label} is {shown(getattr(have, facet))} in the database, {shown(getattr(want, facet))} in the spec"


def repair(change: Change, ctx) -> list[RepairStatement]:
    if change.kind == "function.extra":
        return [RepairStatement("drop function", f"drop function {qualified(*change.key[:2])}({change.key[2]});")]
    function = ctx.function(change.key[:2], change.pos)
    create = ctx.render("function.sql.j2", function=function).strip()
    if change.kind == "function.result":
        return [RepairStatement("drop function", f"drop function {qualified(*change.key[:2])}({change.key[2]});"),
                RepairStatement("function", create)]
    return [RepairStatement("function", create)]


def group(change: Change) -> tuple:
    return ("function", change.key)
