"""Triggers: missing, extra, changed (PostgreSQL alters a trigger's name only, so a changed trigger is
dropped and created again, in one transaction, which loses nothing), and the comment."""

from __future__ import annotations

from ...sqltext import qualified, quote_ident, quote_literal
from ..base import Change, RepairStatement

PREFIXES = ("trigger",)


def _show(value) -> str:
    if value is None or value == ():
        return "nothing"
    if isinstance(value, tuple):
        return ", ".join(value)
    return repr(value)


def _transition(tables: tuple[str | None, str | None]) -> str:
    named = [f"{side} table {name}" for side, name in zip(("old", "new"), tables, strict=True) if name is not None]
    return ", ".join(named) or "none"


def _constraint(value: str | None) -> str:
    if not value:
        return "an ordinary trigger"
    return f"{'an' if value[0] in 'aeiou' else 'a'} {value} constraint trigger"


def _from(table: tuple[str, str] | None) -> str:
    return f"from {'.'.join(table)}" if table else "none"


_FACETS = {"timing": ("timing", _show), "events": ("events", _show), "for_each": ("for each", _show),
           "function": ("function", _show), "when": ("when", _show), "args": ("args", _show),
           "transition": ("transition tables", _transition), "firing": ("firing", _show),
           "constraint": ("kind", _constraint), "constraint_from": ("referenced table", _from)}


def compare(want, have, report, unverified) -> None:
    present = want.tables.keys() | have.tables.keys()
    mine, theirs = want["trigger"], have["trigger"]
    for key in sorted(mine.keys() - theirs.keys()):
        report.add("trigger.missing", key, f"trigger {key[2]} on {key[0]}.{key[1]} is missing from the database",
                   at=("trigger", key))
    for key in sorted(theirs.keys() - mine.keys()):
        if ("trigger", key) in unverified or not report.extra("trigger", key) or key[:2] not in present:
            continue
        report.add("trigger.extra", key, f"the database has trigger {key[2]} on {key[0]}.{key[1]}, which no spec "
                                         "defines", at=("table", key[:2]))
    for key in sorted(mine.keys() & theirs.keys()):
        a, b = theirs[key], mine[key]
        if b is None:
            continue
        for facet, (label, show) in _FACETS.items():
            x, y = getattr(a, facet), getattr(b, facet)
            if x != y:
                report.add("trigger.changed", key, f"{label} of trigger {key[2]} on {key[0]}.{key[1]} is "
                                                   f"{show(x)} in the database, {show(y)} in the spec",
                           at=("trigger", key))
        if a.comment != b.comment:
            report.add("trigger.comment", key, f"comment on trigger {key[2]} on {key[0]}.{key[1]} differs",
                       at=("trigger", key), want=b)


def recreate(key: tuple, ctx) -> list[RepairStatement]:
    table, trigger = ctx.trigger(key)
    return [RepairStatement("drop trigger", f"drop trigger {quote_ident(key[2])} on {qualified(*key[:2])};"),
            RepairStatement("trigger", ctx.render("trigger.sql.j2", trigger=trigger, table=table).strip())]


def repair(change: Change, ctx) -> list[RepairStatement]:
    schema, table_name, name = change.key
    drop = f"drop trigger {quote_ident(name)} on {qualified(schema, table_name)};"
    if change.kind == "trigger.extra":
        return [RepairStatement("drop trigger", drop)]
    table, trigger = ctx.trigger(change.key)
    if change.kind == "trigger.comment":
        value = quote_literal(trigger.comment) if trigger.comment is not None else "null"
        return [RepairStatement("comment", f"comment on trigger {quote_ident(name)} on "
                                           f"{qualified(schema, table_name)} is {value};")]
    create = ctx.render("trigger.sql.j2", trigger=trigger, table=table).strip()
    if change.kind == "trigger.missing":
        return [RepairStatement("trigger", create)]
    return recreate(change.key, ctx)


def group(change: Change) -> tuple:
    return ("trigger.changed" if change.kind == "trigger.changed" else change.kind, change.key)
