"""Extensions: declared ones missing or in another schema, others extra (unless the platform's), and the repair."""

from __future__ import annotations

from ...sqltext import quote_ident, quote_literal, sql_comment
from ..base import Change, RepairStatement

PREFIXES = ("extension",)


def compare(want, have, report, unverified) -> None:
    mine, theirs = want["extension"], have["extension"]
    listed = [("extension", key) for key in mine if ("extension", key) in report.positions]
    declared = min(listed, key=lambda at: report.positions[at].order, default=None)
    for key in sorted(theirs.keys() - mine.keys()):
        if report.raw.creates("extension", key) is None:  # said where the specs list theirs, if they do
            report.add("extension.extra", key, f"the database has extension {key[0]}, which no spec declares",
                       at=declared, have=theirs[key])
    for key in sorted(mine):
        facts = mine[key]
        if facts.assumed:
            continue
        at = ("extension", key)
        other = theirs.get(key)
        if other is None:
            who = "" if facts.created_here else " (the platform provides it)"
            report.add("extension.missing", key, f"extension {key[0]}{who} is missing from the database", at=at,
                       want=facts)
            continue
        if facts.schema is not None and other.schema != facts.schema:
            report.add("extension.schema", key, f"extension {key[0]} is in schema {other.schema} in the database, "
                                                f"{facts.schema} in the spec", at=at, want=facts, have=other)
        # An extension comes with its own comment (from its control file): only one the spec writes is compared.
        if facts.created_here and facts.comment is not None and other.comment != facts.comment:
            report.add("extension.comment", key, f"comment on extension {key[0]} differs", at=at, want=facts)


def repair(change: Change, ctx) -> list[RepairStatement]:
    name = quote_ident(change.key[0])
    facts = change.want
    if change.kind == "extension.extra":  # its types may hold data, and its functions be in use
        return [RepairStatement("drop type", f"drop extension {name};", destructive=True)]
    if change.kind == "extension.missing":
        if not facts.created_here:
            return [RepairStatement("note", sql_comment(f"{change.message}: ask the platform to enable it"))]
        schema = f" with schema {quote_ident(facts.schema)}" if facts.schema else ""
        return [RepairStatement("extension", f"create extension if not exists {name}{schema};")]
    if change.kind == "extension.schema":
        if not change.have.movable:
            return [RepairStatement("note", sql_comment(
                f"{change.message}: only the owner of its objects can move it (on Supabase, drop the extension "
                f"and enable it again in schema {facts.schema}, which drops what uses it)"))]
        return [RepairStatement("extension", f"alter extension {name} set schema {quote_ident(facts.schema)};")]
    value = quote_literal(facts.comment) if facts.comment is not None else "null"
    return [RepairStatement("comment", f"comment on extension {name} is {value};")]


def group(change: Change) -> tuple:
    return (change.kind, change.key)
