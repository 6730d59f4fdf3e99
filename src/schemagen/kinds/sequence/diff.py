"""Sequences: missing, extra (unless a column owns it, as serial columns do), and changed options,
which ``alter sequence`` sets in place."""

from __future__ import annotations

from ...sqltext import qualified, quote_ident, quote_literal
from ..base import Change, RepairStatement, shown

PREFIXES = ("sequence",)


def compare(want, have, report, unverified) -> None:
    mine, theirs = want["sequence"], have["sequence"]
    for key in sorted(mine.keys() - theirs.keys()):
        report.add("sequence.missing", key, f"sequence {key[0]}.{key[1]} is missing from the database",
                   at=("sequence", key))
    for key in sorted(theirs.keys() - mine.keys()):
        if theirs[key].owned_by is None and report.extra("sequence", key):
            report.add("sequence.extra", key, f"the database has sequence {key[0]}.{key[1]}, which no spec defines")
    for key in sorted(mine.keys() & theirs.keys()):
        a, b = theirs[key], mine[key]
        changed = [f for f in ("type", "start", "increment", "min", "max", "cycle", "cache", "owned_by", "comment")
                   if getattr(a, f) != getattr(b, f)]
        if changed:
            report.add("sequence.changed", key, f"sequence {key[0]}.{key[1]}: " + "; ".join(
                f"{f.replace('_', ' ')} is {shown(getattr(a, f))} in the database, {shown(getattr(b, f))} in the spec"
                for f in changed), at=("sequence", key), want=b)


def repair(change: Change, ctx) -> list[RepairStatement]:
    name = qualified(*change.key)
    if change.kind == "sequence.extra":
        return [RepairStatement("drop table", f"drop sequence {name};", destructive=True)]
    sequence = ctx.object("sequence", change.key)
    owned_by = sequence.owned_by
    owner = "none" if not owned_by else ".".join(quote_ident(p) for p in (change.key[0],) + tuple(owned_by))
    if change.kind == "sequence.missing":
        made = [RepairStatement("type", ctx.render("sequence.sql.j2", sequence=sequence).strip())]
        if sequence.owned_by:
            made.append(RepairStatement("grant", f"alter sequence {name} owned by {owner};"))
        return made
    b = change.want
    comment = quote_literal(b.comment) if b.comment is not None else "null"
    return [RepairStatement("type", f"alter sequence {name} as {b.type} increment by {b.increment} minvalue {b.min} "
                                    f"maxvalue {b.max} start with {b.start} cache {b.cache} {'' if b.cycle else 'no '}cycle;"),
            RepairStatement("grant", f"alter sequence {name} owned by {owner};"),
            RepairStatement("comment", f"comment on sequence {name} is {comment};")]


def group(change: Change) -> tuple:
    return (change.kind, change.key)
