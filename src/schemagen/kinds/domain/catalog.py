"""Domains in a catalog: base type, not null, default and checks as PostgreSQL prints them, each
check with its name and whether it was validated (the spec's unnamed checks are named by
PostgreSQL, so their names are not expected)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from ... import model as m
from ..base import Positions, Unverified
from .model import Domain


@dataclass(frozen=True)
class DomainFacts:
    type: str
    not_null: bool
    default: str | None
    #: (name, definition without ``NOT VALID``, validated), in the order they were made; an
    #: expected check the spec leaves unnamed has no name.
    checks: tuple[tuple[str | None, str, bool], ...]
    comment: str | None = None


DOMAINS_SQL = """
select n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault,
       coalesce(k.names, '{}'), coalesce(k.definitions, '{}'), coalesce(k.validity, '{}'),
       obj_description(t.oid, 'pg_type')
from pg_type t join pg_namespace n on n.oid = t.typnamespace
left join lateral (select array_agg(c.conname::text order by c.oid) as names,
                          array_agg(pg_get_constraintdef(c.oid, true) order by c.oid) as definitions,
                          array_agg(c.convalidated order by c.oid) as validity
                   from pg_constraint c where c.contypid = t.oid and c.contype = 'c') k on true
where t.typtype = 'd' and n.nspname = any(:schemas)
  and not exists (select from pg_depend d where d.objid = t.oid and d.deptype = 'e')
"""


def read_rows(session, schemas: list[str]) -> dict[tuple[str, str], DomainFacts]:
    return {(schema, name): DomainFacts(base, not_null, default, tuple(
                (check, definition.removesuffix(" NOT VALID"), validated)
                for check, definition, validated in zip(names, definitions, validity, strict=True)), comment)
            for schema, name, base, not_null, default, names, definitions, validity, comment
            in session.query(DOMAINS_SQL, schemas=schemas)}


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    return {"domain": read_rows(session, schemas)}


def scratch_statement(domain: Domain) -> str:
    sql = f"create domain {{schema}}.{{name}} as {domain.type}"
    if domain.default is not None:
        sql += f" default {domain.default}"
    if domain.not_null:
        sql += " not null"
    return sql + "".join(f" check ({check.expression}\n)" for check in domain.checks)


def expect(project: m.Project, normalizer, positions: Positions, unverified: Unverified) -> Callable[[], dict]:
    from ...normalize import Owner

    asked = [(domain, normalizer.standalone("domain", scratch_statement(domain),
                                            Owner(domain.pos, f"domain {domain.schema}.{domain.name}", domain.schema)))
             for domain in project.objects(Domain)]

    def facts() -> dict:
        out = {}
        for domain, request in asked:
            positions[("domain", domain.key)] = domain.pos
            if request.failed or request.result is None:
                unverified.add("domain", domain.key)
                out[domain.key] = None
                continue
            made = request.result[1]  # in the scratch schema, under its own name: checks in the spec's order
            checks = tuple((check.name, definition, not check.not_valid)
                           for check, (_, definition, _) in zip(domain.checks, made.checks, strict=True))
            out[domain.key] = replace(made, checks=checks, comment=domain.comment)
        return {"domain": out}

    return facts
