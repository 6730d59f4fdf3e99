"""Policies: what differs between two catalogs, and the SQL that repairs it.

``alter policy`` changes roles and conditions in place; a policy's command or its
permissive/restrictive type cannot be altered, so those are a drop and a create.
"""

from __future__ import annotations


from ...sqltext import qualified, quote_ident, quote_literal
from ..base import Change, RepairStatement, shown

PREFIXES = ("policy",)


def compare(want, have, report, unverified) -> None:
    present = (want.tables.keys() | want.attached) & have.tables.keys()
    mine, theirs = want.policies, have.policies
    for key in sorted(mine.keys() - theirs.keys()):
        if key[:2] in present:
            report.add("policy.missing", key, f'policy "{key[2]}" on {key[0]}.{key[1]} is missing from the database')
    for key in sorted(theirs.keys() - mine.keys()):
        if key[:2] not in present or ("policy", key) in unverified:
            continue
        # On a platform table the specs attach policies to (storage.objects), every policy is theirs to say
        attached = key[:2] in want.attached and report.raw.creates("policy", key) is None
        if attached or report.extra("policy", key):
            near = next((k for k in sorted(mine) if k[:2] == key[:2]), None) if attached else None
            report.add("policy.extra", key, f'the database has policy "{key[2]}" on {key[0]}.{key[1]}, which the '
                                            "spec does not define", at=near or ("table", key[:2]))
    for key in sorted(mine.keys() & theirs.keys()):
        a, b = theirs[key], mine[key]
        if b is None:  # could not be spelt: reported where it failed
            continue
        for facet, x, y in (("command", a.command, b.command), ("roles", ", ".join(a.roles), ", ".join(b.roles)),
                            ("type", "permissive" if a.permissive else "restrictive",
                             "permissive" if b.permissive else "restrictive"),
                            ("using", a.using, b.using), ("with check", a.with_check, b.with_check),
                            ("comment", a.comment, b.comment)):
            if x != y:
                report.add(f"policy.{facet.replace(' ', '_')}", key,
                           f'{facet} of policy "{key[2]}" on {key[0]}.{key[1]} is {shown(x)} in the database, '
                           f"{shown(y)} in the spec")


#: What ``alter policy`` cannot change: the policy is dropped and made again.
_RECREATE = ("policy.command", "policy.type")


def _create(policy, table, ctx) -> RepairStatement:
    return RepairStatement("policy", ctx.macros.policy_def(policy, table).strip() + ";"
                           + str(ctx.macros.policy_comment(policy, table)))


def recreate(key: tuple, ctx) -> list[RepairStatement]:
    table, policy = ctx.part("policies", key)
    return [RepairStatement("drop policy", f"drop policy {quote_ident(policy.name)} on {qualified(*table.key)};"),
            _create(policy, table, ctx)]


def repair(change: Change, ctx) -> list[RepairStatement]:
    if change.kind == "policy.extra":
        return [RepairStatement("drop policy", f"drop policy {quote_ident(change.key[2])} on "
                                               f"{qualified(*change.key[:2])};")]
    table, policy = ctx.part("policies", change.key)
    create = _create(policy, table, ctx)
    if change.kind == "policy.missing":
        return [create]
    if change.kind not in _RECREATE and any(c.key == change.key and c.kind in _RECREATE for c in ctx.changes):
        return []  # the policy is made anew, with its comment, roles and conditions
    if change.kind == "policy.comment":
        value = quote_literal(policy.comment) if policy.comment is not None else "null"
        return [RepairStatement("comment", f"comment on policy {quote_ident(policy.name)} on "
                                           f"{qualified(*table.key)} is {value};")]
    if change.kind in _RECREATE:
        return recreate(change.key, ctx)
    sql = f"alter policy {quote_ident(policy.name)} on {qualified(*table.key)}"
    sql += " to " + (", ".join(quote_ident(r) for r in policy.roles) if policy.roles else "public")
    if policy.using is not None:
        sql += f" using ( {policy.using} )"
    if policy.with_check is not None:
        sql += f" with check ( {policy.with_check} )"
    return [RepairStatement("policy", sql + ";")]


#: Several facets of one policy are repaired by one statement: a drop and create covers all, else
#: one ``alter policy`` does.
def group(change: Change) -> tuple:
    if change.kind in _RECREATE:
        return ("policy.recreate", change.key)
    if change.kind in ("policy.roles", "policy.using", "policy.with_check"):
        return ("policy.alter", change.key)
    return (change.kind, change.key)
