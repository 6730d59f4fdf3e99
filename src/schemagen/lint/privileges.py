"""Who can use an object once a stage is applied, from the platform's defaults and the spec's grants.

Supabase's default privileges give ``anon``, ``authenticated`` and ``service_role``
everything on each new table, view, sequence and function in ``public``, on top of
PostgreSQL's own ``execute`` for ``public`` on every function. So on Supabase an
object is reachable by the API roles unless the spec revokes it; a grant the spec
writes itself is a decision, which lint does not second-guess.
"""

from __future__ import annotations

from typing import Iterable

#: The schemas Supabase's Data API serves by default (``[api] schemas`` in config.toml).
EXPOSED_SCHEMAS = frozenset({"public", "graphql_public"})

API_ROLES = ("anon", "authenticated")


def holders(grants: Iterable, privilege: str, on: str, *, platform: str | None, schema: str) -> set[str]:
    """The roles holding ``privilege`` after the defaults and the spec's grants, in order
    (``public`` standing for every role)."""
    held: set[str] = set()
    if on == "function":
        held.add("public")
    if platform == "supabase" and schema == "public":
        held.update(("anon", "authenticated", "service_role"))
    for grant in grants:
        if privilege not in grant.expanded(on):
            continue
        for role in grant.roles:
            if grant.revoke:
                held.discard(role)
            else:
                held.add(role)
    return held


def explicitly_granted(grants: Iterable, privilege: str, on: str) -> set[str]:
    """Roles the spec itself grants the privilege to: a decision, not a default."""
    return {role for grant in grants if not grant.revoke and privilege in grant.expanded(on) for role in grant.roles}


def can(role: str, held: set[str]) -> bool:
    return role in held or "public" in held
