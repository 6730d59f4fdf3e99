"""Domains: missing, extra, changed (defaults and not null alter in place; a check is dropped and added)."""

from __future__ import annotations

from ...sqltext import qualified, quote_literal, sql_comment
from ..base import Change, RepairStatement

PREFIXES = ("domain",)


def compare(want, have, report, unverified) -> None:
    mine, theirs = want["domain"], have["domain"]
    for key in sorted(mine.keys() - theirs.keys()):
        report.add("domain.missing", key, f"domain {key[0]}.{key[1]} is missing from the database",
                   at=("domain", key))
    for key in sorted(theirs.keys() - mine.keys()):
        if report.extra("domain", key):
            report.add("domain.extra", key, f"the database has domain {key[0]}.{key[1]}, which no spec defines")
    for key in sorted(mine.keys() & theirs.keys()):
        a, b = theirs[key], mine[key]
        if b is None:
            continue
        for facet in ("type", "not_null", "default", "checks", "comment"):
            if getattr(a, facet) != getattr(b, facet):
                report.add(f"domain.{facet}", key, f"{facet.replace('_', ' ')} of domain {key[0]}.{key[1]} is "
                                                   f"{getattr(a, facet)!r} in the database, {getattr(b, facet)!r} in "
                                                   "the spec", at=("domain", key), have=a, want=b)


def repair(change: Change, ctx) -> list[RepairStatement]:
    name = qualified(*change.key)
    if change.kind == "domain.extra":
        return [RepairStatement("drop type", f"drop domain {name};", destructive=True)]
    domain = ctx.object("domain", change.key)
    if change.kind == "domain.missing":
        return [RepairStatement("type", ctx.render("domain.sql.j2", domain=domain).strip())]
    if change.kind == "domain.default":
        sql = f"alter domain {name} set default {domain.default};" if domain.default else f"alter domain {name} " \
                                                                                         "drop default;"
        return [RepairStatement("type", sql)]
    if change.kind == "domain.not_null":
        return [RepairStatement("type", f"alter domain {name} {'set' if domain.not_null else 'drop'} not null;")]
    if change.kind == "domain.comment":
        value = quote_literal(domain.comment) if domain.comment is not None else "null"
        return [RepairStatement("comment", f"comment on domain {name} is {value};")]
    return [RepairStatement("note", sql_comment(f"{change.message}: recreate the domain, or alter its checks by "
                                                "name (alter domain … drop constraint …, add check …)"))]


def group(change: Change) -> tuple:
    return (change.kind, change.key)
