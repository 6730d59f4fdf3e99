"""Domains: missing, extra, changed (defaults and not null alter in place; a check is added, dropped
or validated by name)."""

from __future__ import annotations

from ...sqltext import qualified, quote_ident, quote_literal, sql_comment
from ..base import Change, RepairStatement, shown

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
        for facet in ("type", "not_null", "default", "comment"):
            if getattr(a, facet) != getattr(b, facet):
                report.add(f"domain.{facet}", key, f"{facet.replace('_', ' ')} of domain {key[0]}.{key[1]} is "
                                                   f"{shown(getattr(a, facet))} in the database, "
                                                   f"{shown(getattr(b, facet))} in the spec", at=("domain", key),
                           have=a, want=b)
        _checks(report, key, a.checks, b.checks)


def _checks(report, key: tuple, theirs: tuple, mine: tuple) -> None:
    """Checks pair by text, and by name where the spec (or, comparing two databases, the other)
    names them; PostgreSQL keeps their order, but a database's history may not."""
    left = list(theirs)
    domain = f"domain {key[0]}.{key[1]}"
    for index, (name, definition, validated) in enumerate(mine):
        found = next((c for c in left if c[1] == definition and (name is None or c[0] == name)), None)
        shown = f"check {name + ' ' if name else ''}{definition.removeprefix('CHECK ')}"
        if found is None:
            report.add("domain.check_missing", key + (name or definition,), f"{shown} of {domain} is missing "
                       "from the database",
                       at=("domain", key), want=index)
            continue
        left.remove(found)
        if validated and not found[2]:
            report.add("domain.check_not_validated", key + (found[0],), f"{shown} of {domain} was added not valid "
                       "and never validated in the database", at=("domain", key))
    for name, definition, _ in left:
        report.add("domain.check_extra", key + (name,), f"the database has check {name} "
                   f"{definition.removeprefix('CHECK ')} on {domain}, "
                   "which the spec does not define", at=("domain", key))


def repair(change: Change, ctx) -> list[RepairStatement]:
    name = qualified(*change.key[:2])
    if change.kind == "domain.extra":
        return [RepairStatement("drop type", f"drop domain {name};", destructive=True)]
    if change.kind == "domain.check_extra":
        return [RepairStatement("type", f"alter domain {name} drop constraint {quote_ident(change.key[2])};",
                                destructive=True)]
    if change.kind == "domain.check_not_validated":
        return [RepairStatement("type", f"alter domain {name} validate constraint {quote_ident(change.key[2])};")]
    domain = ctx.object("domain", change.key[:2])
    if change.kind == "domain.check_missing":
        check = domain.checks[change.want]
        named = f"constraint {quote_ident(check.name)} " if check.name else ""
        return [RepairStatement("type", f"alter domain {name} add {named}check ({check.expression})"
                                        f"{' not valid' if check.not_valid else ''};")]
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
    return [RepairStatement("note", sql_comment(f"{change.message}: a domain's base type does not change in place; "
                                                "make a new domain and move the columns to it"))]


def group(change: Change) -> tuple:
    return (change.kind, change.key)
