"""What a schema holds that the spec language does not model: kept as raw SQL, never dropped.

Procedures, composite types, exclusion constraints, rules, storage parameters (``with
(fillfactor = 70)`` on a table or materialized view) and empty schemas are read with
PostgreSQL's own ``pg_get_*def`` (or rebuilt from the catalog where it has none), so the raw
block is what PostgreSQL would write. The round trip reads the same list from the rebuilt
database and compares it like any other family: a raw block that did not make its object
back is a difference too.
"""

from __future__ import annotations

import re

from ..sqltext import qualified, quote_ident, quote_literal
from .draft import lower_keywords

#: (kind, schema, name) → (when the raw SQL runs: "sql_before" or "sql_after", the SQL).
Unmodelled = dict[tuple[str, str, str], tuple[str, str]]

_PROCEDURES = """
select n.nspname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', pg_get_functiondef(p.oid)
from pg_proc p join pg_namespace n on n.oid = p.pronamespace
where n.nspname = any(:schemas) and p.prokind = 'p'
  and not exists (select from pg_depend d where d.objid = p.oid and d.deptype = 'e')
"""

_COMPOSITES = """
select n.nspname, t.typname,
       array(select quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) from pg_attribute a
             where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped order by a.attnum)::text[]
from pg_type t join pg_namespace n on n.oid = t.typnamespace join pg_class c on c.oid = t.typrelid
where n.nspname = any(:schemas) and t.typtype = 'c' and c.relkind = 'c'
  and not exists (select from pg_depend d where d.objid = t.oid and d.deptype = 'e')
"""

_EXCLUSIONS = """
select n.nspname, c.relname, con.conname, pg_get_constraintdef(con.oid)
from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(:schemas) and con.contype = 'x'
"""

_RULES = """
select schemaname, tablename, rulename, definition from pg_rules
where schemaname = any(:schemas) and not (schemaname = 'pg_catalog')
"""

_STORAGE = """
select n.nspname, c.relname, c.relkind = 'm', coalesce(c.reloptions, '{}')::text[],
       array(select 'toast.' || o from unnest(t.reloptions) o)::text[]
from pg_class c join pg_namespace n on n.oid = c.relnamespace left join pg_class t on t.oid = c.reltoastrelid
where n.nspname = any(:schemas) and c.relkind in ('r', 'p', 'm')
  and (c.reloptions is not null or t.reloptions is not null)
  and not exists (select from pg_depend d where d.objid = c.oid and d.deptype = 'e')
"""

#: How a storage parameter's name is written: ``fillfactor``, ``toast.autovacuum_enabled``.
_PARAMETER_NAME = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")

_EMPTY_SCHEMAS = """
select n.nspname from pg_namespace n
where n.nspname = any(:schemas) and n.nspname <> 'public'
  and not exists (select from pg_class c where c.relnamespace = n.oid)
  and not exists (select from pg_proc p where p.pronamespace = n.oid)
  and not exists (select from pg_type t where t.typnamespace = n.oid)
"""


def read(session, schemas: list[str]) -> Unmodelled:
    out: Unmodelled = {}
    for schema, signature, definition in session.query(_PROCEDURES, schemas=schemas):
        signature = lower_keywords(signature)
        out[("procedure", schema, signature)] = ("sql_after", lower_keywords(definition.strip()) + ";")
    for schema, name, columns in session.query(_COMPOSITES, schemas=schemas):
        out[("type", schema, name)] = ("sql_before", f"create type {qualified(schema, name)} as "
                                                     f"({', '.join(columns)});")
    for schema, table, name, definition in session.query(_EXCLUSIONS, schemas=schemas):
        out[("constraint", schema, f"{table}.{name}")] = (
            "sql_after", f"alter table {qualified(schema, table)} add constraint {quote_ident(name)} "
                         f"{lower_keywords(definition)};")
    for schema, table, name, definition in session.query(_RULES, schemas=schemas):
        out[("rule", schema, f"{table}.{name}")] = ("sql_after", lower_keywords(definition.strip()))
    for schema, name, materialized, options, toast in session.query(_STORAGE, schemas=schemas):
        kind = "materialized view" if materialized else "table"
        settings = ", ".join(_storage_parameter(option) for option in [*options, *toast])
        out[("storage parameters", schema, name)] = ("sql_after", f"alter {kind} {qualified(schema, name)} "
                                                                  f"set ({settings});")
    for (schema,) in session.query(_EMPTY_SCHEMAS, schemas=schemas):
        out[("schema", schema, schema)] = ("sql_before", f"create schema if not exists {quote_ident(schema)};")
    return out


def _storage_parameter(option: str) -> str:
    """``name=value`` as PostgreSQL keeps it, written back as SQL: the name as PostgreSQL spells it
    (quoted, should a catalog hold anything else), the value a number or a quoted literal."""
    name, _, value = option.partition("=")
    if not _PARAMETER_NAME.fullmatch(name):
        name = ".".join(quote_ident(part) for part in name.split(".", 1))
    return f"{name} = {value if _NUMBER.fullmatch(value) else quote_literal(value)}"


_NOT_IMPORTED = """
select 'aggregate', n.nspname, p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname = any(:schemas) and p.prokind in ('a', 'w')
    and not exists (select from pg_depend d where d.objid = p.oid and d.deptype = 'e')
union all
select 'operator', n.nspname, o.oprname from pg_operator o join pg_namespace n on n.oid = o.oprnamespace
  where n.nspname = any(:schemas) and not exists (select from pg_depend d where d.objid = o.oid and d.deptype = 'e')
union all
select 'foreign table', n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any(:schemas) and c.relkind = 'f'
union all
select 'collation', n.nspname, c.collname from pg_collation c join pg_namespace n on n.oid = c.collnamespace
  where n.nspname = any(:schemas) and not exists (select from pg_depend d where d.objid = c.oid and d.deptype = 'e')
union all
select 'text search configuration', n.nspname, c.cfgname from pg_ts_config c
  join pg_namespace n on n.oid = c.cfgnamespace
  where n.nspname = any(:schemas) and not exists (select from pg_depend d where d.objid = c.oid and d.deptype = 'e')
union all
select 'event trigger', '', e.evtname from pg_event_trigger e
  where not exists (select from pg_depend d where d.objid = e.oid and d.deptype = 'e')
"""


def not_imported(session, schemas: list[str]) -> set[tuple[str, str, str]]:
    """Objects neither a kind nor a raw block here can carry: named, so that an import never calls
    itself complete while leaving them behind."""
    return {tuple(row) for row in session.query(_NOT_IMPORTED, schemas=schemas)}
