"""Privileges a spec grants that a role lacks, or revokes that it still holds, and the repair."""

from __future__ import annotations

from ...sqltext import qualified, quote_ident, sql_comment
from ..base import Change, RepairStatement

PREFIXES = ("privilege",)


def _on(key: tuple) -> str:
    """What the privilege is on, as GRANT writes it."""
    kind, schema, name, detail = key[:4]
    if kind == "table":
        return f"table {qualified(schema, name)}"
    if kind == "function":
        return f"function {qualified(schema, name)}({detail})"
    if kind == "sequence":
        return f"sequence {qualified(schema, name)}"
    return f"schema {quote_ident(name)}"


def _privilege(key: tuple) -> str:
    return f"{key[5]} ({quote_ident(key[3])})" if key[0] == "table" and key[3] else key[5]


def _label(key: tuple) -> str:
    if key[0] == "default":
        maker = f" made by {key[3]}" if key[3] else ""
        return f"{key[5]} on new {key[2]}{maker} in schema {key[1]} for {key[4]}"
    return f"{_privilege(key)} on {_on(key)} for {key[4]}"


def compare(want, have, report, unverified) -> None:
    mine, theirs = want["privilege"], have["privilege"]
    authority = have.facts.get("privilege.authority", {})
    for key in sorted(mine, key=repr):
        held = theirs.get(key)
        if mine[key] and held is None:
            report.add("privilege.missing", key, f"the spec grants {_label(key)}, which the database does not",
                       at=("privilege", key), have=authority.get(key[:4]))
        elif not mine[key] and held is not None:
            report.add("privilege.extra", key, f"the spec revokes {_label(key)}, which the database still grants",
                       at=("privilege", key), have=held)


def repair(change: Change, ctx) -> list[RepairStatement]:
    key = change.key
    if change.kind == "privilege.missing" and change.have is not None and not change.have.may_grant(key[5]):
        return [RepairStatement("note", sql_comment(
            f"{change.message}: this user neither owns it nor holds {key[5]} with grant option, so a grant "
            "would be ignored; run it as the owner (on Supabase, ask the platform)"))]
    if change.kind == "privilege.extra" and not change.have.revocable:
        return [RepairStatement("note", sql_comment(
            f"{change.message}: another role granted it, so a revoke by this user would be ignored; "
            "run it as that role or the owner (on Supabase, ask the platform)"))]
    verb, direction = ("grant", "to") if change.kind == "privilege.missing" else ("revoke", "from")
    role = "public" if key[4] == "public" else quote_ident(key[4])
    if key[0] == "default":
        maker = f" for role {quote_ident(key[3])}" if key[3] else ""
        return [RepairStatement("grant", f"alter default privileges{maker} in schema {quote_ident(key[1])} "
                                         f"{verb} {key[5]} on {key[2]} {direction} {role};")]
    return [RepairStatement("grant", f"{verb} {_privilege(key)} on {_on(key)} {direction} {role};")]


def group(change: Change) -> tuple:
    return (change.kind, change.key)
