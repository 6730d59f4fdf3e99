"""Functions in a catalog, keyed by schema, name and argument types (as signatures spell them),
with every facet as PostgreSQL prints it back; those an extension owns are left out, and so are
those PostgreSQL makes itself (a range type's constructors depend on it internally and go with it)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from ... import model as m
from ..base import Positions, Unverified
from .model import Function

VOLATILITY = {"i": "immutable", "s": "stable", "v": "volatile"}
PARALLEL = {"s": "safe", "r": "restricted", "u": "unsafe"}


@dataclass(frozen=True)
class FunctionFacts:
    arguments: str
    result: str
    language: str
    volatility: str
    security_definer: bool
    strict: bool
    config: tuple[str, ...]
    body: str
    comment: str | None = None
    parallel: str = "unsafe"
    cost: float = 100
    rows: float = 0


FUNCTIONS_SQL = """
select n.nspname, p.proname,
       array(select format_type(t, null) from unnest(p.proargtypes::oid[]) t)::text[],
       pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), l.lanname, p.provolatile::text,
       p.prosecdef, p.proisstrict, coalesce(p.proconfig, '{}')::text[], p.prosrc,
       obj_description(p.oid, 'pg_proc'), p.proparallel::text, p.procost::text, p.prorows::text
from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
where n.nspname = any(:schemas) and p.prokind = 'f'
  and not exists (select from pg_depend d where d.objid = p.oid and d.deptype in ('e', 'i'))
"""


def read_rows(session, schemas: list[str]) -> dict[tuple[str, str, str], FunctionFacts]:
    out = {}
    for schema, name, types, arguments, result, language, volatility, definer, strict, config, body, comment, \
            parallel, cost, rows in session.query(FUNCTIONS_SQL, schemas=schemas):
        out[(schema, name, ", ".join(types))] = FunctionFacts(
            arguments, result, language, VOLATILITY[volatility], definer, strict, tuple(sorted(config)), body.strip(),
            comment, PARALLEL[parallel], float(cost), float(rows))
    return out


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    return {"function": read_rows(session, schemas)}


def scratch_statement(function: Function) -> str:
    """The function as the normaliser makes it, from the model (the templates are not involved)."""
    from ...render import function_arguments
    from ...sqltext import quote_ident, quote_literal, sql_value

    parts = [f"create function {{schema}}.{{name}}({function_arguments(function)}) returns {function.returns}",
             f"language {function.language}", function.volatility]
    if function.strict:
        parts.append("strict")
    parts.append(f"parallel {function.parallel}")
    if function.cost is not None:
        parts.append(f"cost {sql_value(function.cost)}")
    if function.rows is not None:
        parts.append(f"rows {sql_value(function.rows)}")
    if function.security == "definer":
        parts.append("security definer")
    if function.search_path is not None:
        value = ", ".join(quote_ident(s) for s in function.search_path) if function.search_path else "''"
        parts.append(f"set search_path = {value}")
    parts += [f"set {name} = {quote_literal(value)}" for name, value in function.settings]
    tag = function.dollar_tag
    return " ".join(parts) + f" as {tag}\n{function.body}\n{tag}"


def expect(project: m.Project, normalizer, positions: Positions, unverified: Unverified) -> Callable[[], dict]:
    from ...normalize import Owner

    asked = []
    for function in project.objects(Function):
        owner = Owner(function.pos, f"function {function.schema}.{function.name}", function.schema)
        asked.append((function, normalizer.standalone("function", scratch_statement(function), owner)))

    def facts() -> dict:
        out = {}
        for function, request in asked:
            if request.failed or request.result is None:
                unverified.add("function", function.key)
                continue
            (_, _, types), scratch = request.result
            key = function.key + (types,)
            out[key] = replace(scratch, comment=function.comment)
            positions[("function", key)] = function.pos
        return {"function": out}

    return facts
