"""Policies in a catalog, keyed by schema, table and name, with conditions as PostgreSQL prints them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ... import model as m
from ..base import NOT_AN_EXTENSIONS, Positions, Unverified, pg_name

COMMANDS = {"r": "select", "a": "insert", "w": "update", "d": "delete", "*": "all"}


@dataclass(frozen=True)
class PolicyFacts:
    command: str
    roles: tuple[str, ...]
    permissive: bool
    using: str | None
    with_check: str | None
    comment: str | None = None


POLICIES_SQL = f"""
select n.nspname, c.relname, p.polname, p.polpermissive,
       case when p.polroles = '{{0}}' then array['public']
            else array(select rolname from pg_roles where oid = any(p.polroles)) end::text[],
       p.polcmd::text, pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid),
       obj_description(p.oid, 'pg_policy')
from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(:schemas) and {NOT_AN_EXTENSIONS}
"""


def read_policy_rows(session, schemas: list[str]) -> dict[tuple[str, str, str], PolicyFacts]:
    return {(schema, table, name): PolicyFacts(COMMANDS[cmd], tuple(sorted(roles)), permissive, using, with_check,
                                               comment)
            for schema, table, name, permissive, roles, cmd, using, with_check, comment
            in session.query(POLICIES_SQL, schemas=schemas)}


def read(session, schemas: list[str], tables: set[tuple[str, str]]) -> dict[str, dict]:
    """The policies of the tables read (a scratch schema's are the normaliser's business)."""
    return {"policy": {key: facts for key, facts in read_policy_rows(session, schemas).items() if key[:2] in tables}}


def expect(project: m.Project, normalizer, positions: Positions,
           unverified: Unverified) -> Callable[[], dict[str, dict]]:
    from ...normalize import Owner

    asked = [(table, policy, normalizer.policy(table, policy, Owner(policy.pos, f'policy "{policy.name}"',
                                                                      table.schema, table.name)))
             for table in project.hosts for policy in table.policies]

    def facts() -> dict[str, dict]:
        out = {}
        for table, policy, request in asked:
            key = (table.schema, pg_name(table.name), pg_name(policy.name))
            positions[key] = policy.pos
            if request.failed or request.result is None:
                unverified.add("policy", key)
                out[key] = None  # the spec has it, but its conditions could not be spelt here
                continue
            scratch: PolicyFacts = request.result
            out[key] = PolicyFacts(policy.command, tuple(sorted(policy.roles or ("public",))), policy.permissive,
                                   scratch.using, scratch.with_check, policy.comment)
        return {"policy": out}

    return facts
