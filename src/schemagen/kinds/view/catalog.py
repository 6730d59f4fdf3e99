"""Views and materialized views in a catalog: the query as PostgreSQL prints it back, the
options it keeps on a view (security_invoker, security_barrier, check option), and the comment."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from ... import model as m
from ..base import Positions, Unverified
from .model import View


@dataclass(frozen=True)
class ViewFacts:
    definition: str
    materialized: bool
    security_invoker: bool | None
    comment: str | None = None
    #: Its output columns and their types: ``create or replace view`` may only add some at the end.
    columns: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    security_barrier: bool | None = None
    check_option: str | None = None


VIEWS_SQL = """
select n.nspname, c.relname, pg_get_viewdef(c.oid, true), c.relkind = 'm',
       (select option_value from pg_options_to_table(c.reloptions) where option_name = 'security_invoker'),
       (select option_value from pg_options_to_table(c.reloptions) where option_name = 'security_barrier'),
       (select option_value from pg_options_to_table(c.reloptions) where option_name = 'check_option'),
       obj_description(c.oid, 'pg_class'),
       array(select a.attname || ' ' || format_type(a.atttypid, a.atttypmod) from pg_attribute a
             where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum)::text[]
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('v', 'm') and n.nspname = any(:schemas)
  and not exists (select from pg_depend d where d.objid = c.oid and d.deptype = 'e')
"""


def read_rows(session, schemas: list[str]) -> dict[tuple[str, str], ViewFacts]:
    out = {}
    for schema, name, definition, materialized, invoker, barrier, check, comment, columns in session.query(
            VIEWS_SQL, schemas=schemas):
        out[(schema, name)] = ViewFacts(definition.strip(), materialized, _flag(invoker), comment,
                                        tuple(tuple(c.split(" ", 1)) for c in columns),
                                        security_barrier=_flag(barrier), check_option=check)
    return out


def _flag(value: str | None) -> bool | None:
    """A boolean view option as PostgreSQL kept it (as written: ``on``, ``1`` and ``yes`` too)."""
    return None if value is None else value.lower() in ("true", "on", "1", "yes")


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    return {"view": read_rows(session, schemas)}


def scratch_statement(view: View) -> str:
    if view.materialized:
        return f"create materialized view {{schema}}.{{name}} as {view.query}\nwith no data"
    return f"create view {{schema}}.{{name}} as {view.query}\n"


def expect(project: m.Project, normalizer, positions: Positions, unverified: Unverified) -> Callable[[], dict]:
    from ...normalize import Owner

    asked = [(view, normalizer.standalone("view", scratch_statement(view),
                                          Owner(view.pos, f"view {view.schema}.{view.name}", view.schema)))
             for view in project.objects(View)]

    def facts() -> dict:
        out = {}
        for view, request in asked:
            positions[("view", view.key)] = view.pos
            if request.failed or request.result is None:
                unverified.add("view", view.key)
                out[view.key] = None
                continue
            _, scratch = request.result
            out[view.key] = replace(scratch, materialized=view.materialized,
                                    security_invoker=view.security_invoker, comment=view.comment,
                                    security_barrier=view.security_barrier, check_option=view.check_option)
        return {"view": out}

    return facts
