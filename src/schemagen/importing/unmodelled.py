"""What a schema holds that the spec language does not model: kept as raw SQL, never dropped.

Procedures, composite and range types, extended statistics, exclusion constraints, rules, comments on
a view's columns, a materialized view's indexes, storage parameters (``with
(fillfactor = 70)`` on a table or materialized view), inheritance, column compression, storage and statistics
settings, an identity's sequence options, default privileges for every schema, comments on
schemas and constraints, empty schemas, owners other than the role migrations run as (with the
memberships that let it hand objects over) are read with
PostgreSQL's own ``pg_get_*def`` (or rebuilt from the catalog where it has none), so the raw
block is what PostgreSQL would write. The round trip reads the same list from the rebuilt
database and compares it like any other family: a raw block that did not make its object
back is a difference too.
"""

from __future__ import annotations

import re
from typing import Iterator

from ..sqltext import dollar_quoted, qualified, quote_ident, quote_literal
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

#: A range type's options where they are not what its subtype alone makes (as pg_dump writes them):
#: an operator class that is not the default, a collation other than the subtype's, the
#: canonical and difference functions, a multirange name other than the one PostgreSQL derives.
_RANGES = """
select n.nspname, t.typname, format_type(r.rngsubtype, null),
       case when not o.opcdefault then quote_ident(on_.nspname) || '.' || quote_ident(o.opcname) end,
       case when r.rngcollation <> 0 and r.rngcollation <> s.typcollation
            then quote_ident(cn.nspname) || '.' || quote_ident(co.collname) end,
       case when r.rngcanonical <> 0 then r.rngcanonical::regproc::text end,
       case when r.rngsubdiff <> 0 then r.rngsubdiff::regproc::text end,
       case when m.typnamespace <> t.typnamespace or m.typname <> left(
                 case when position('range' in t.typname) > 0
                      then overlay(t.typname placing 'multirange' from position('range' in t.typname) for 5)
                      else t.typname || '_multirange' end, 63)
            then quote_ident(mn.nspname) || '.' || quote_ident(m.typname) end
from pg_range r join pg_type t on t.oid = r.rngtypid join pg_namespace n on n.oid = t.typnamespace
join pg_type s on s.oid = r.rngsubtype
join pg_opclass o on o.oid = r.rngsubopc join pg_namespace on_ on on_.oid = o.opcnamespace
left join pg_collation co on co.oid = r.rngcollation left join pg_namespace cn on cn.oid = co.collnamespace
join pg_type m on m.oid = r.rngmultitypid join pg_namespace mn on mn.oid = m.typnamespace
where n.nspname = any(:schemas)
  and not exists (select from pg_depend d where d.objid = t.oid and d.deptype = 'e')
"""

#: Extended statistics (``create statistics``), as PostgreSQL writes them back.
_STATISTICS = """
select n.nspname, s.stxname, pg_get_statisticsobjdef(s.oid),
       case when s.stxstattarget >= 0 then s.stxstattarget end
from pg_statistic_ext s join pg_namespace n on n.oid = s.stxnamespace
where n.nspname = any(:schemas)
  and not exists (select from pg_depend d where d.objid = s.oid and d.deptype = 'e')
"""

#: The role migrations run as, which owns what they make: any other owner is said by a raw block.
MIGRATION_ROLE = "postgres"

#: Objects another role owns (``alter table … owner to …``): a security definer function runs as its
#: owner, and a table's owner skips its RLS, so an owner is never left to default. Sequences a column
#: owns and indexes follow their table; the public schema is the platform's.
_OWNERS = """
select n.nspname, case c.relkind when 'v' then 'view' when 'm' then 'materialized view'
                                  when 'S' then 'sequence' else 'table' end,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relname, r.rolname
from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_roles r on r.oid = c.relowner
where n.nspname = any(:schemas) and c.relkind in ('r', 'p', 'v', 'm', 'S') and r.rolname <> :migration_role
  and not exists (select from pg_depend d where d.objid = c.oid
                  and (d.deptype = 'e' or d.deptype in ('a', 'i') and d.refclassid = 'pg_class'::regclass))
union all
select n.nspname, case p.prokind when 'p' then 'procedure' else 'function' end,
       quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid)
       || ')', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', r.rolname
from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_roles r on r.oid = p.proowner
where n.nspname = any(:schemas) and p.prokind in ('f', 'p') and r.rolname <> :migration_role
  and not exists (select from pg_depend d where d.objid = p.oid and d.deptype in ('e', 'i'))
union all
select n.nspname, case t.typtype when 'd' then 'domain' else 'type' end,
       quote_ident(n.nspname) || '.' || quote_ident(t.typname), t.typname, r.rolname
from pg_type t join pg_namespace n on n.oid = t.typnamespace join pg_roles r on r.oid = t.typowner
where n.nspname = any(:schemas) and r.rolname <> :migration_role
  and (t.typtype in ('d', 'e', 'r') or t.typtype = 'c' and (select relkind from pg_class where oid = t.typrelid) = 'c')
  and not exists (select from pg_depend d where d.objid = t.oid and d.deptype = 'e')
union all
select n.nspname, 'schema', quote_ident(n.nspname), n.nspname, r.rolname
from pg_namespace n join pg_roles r on r.oid = n.nspowner
where n.nspname = any(:schemas) and n.nspname <> 'public' and r.rolname <> :migration_role
"""

#: Roles the migration role was made a member of (``grant app_owner to postgres``), which handing
#: an object to another owner needs.
_MEMBERSHIPS = """
select g.rolname from pg_auth_members a join pg_roles g on g.oid = a.roleid join pg_roles u on u.oid = a.member
where u.rolname = :migration_role and g.rolname !~ '^pg_'
"""

#: What a view or materialized view holds besides its query: comments on its columns, and a
#: materialized view's indexes (``refresh … concurrently`` needs a unique one).
_VIEW_COLUMN_COMMENTS = """
select n.nspname, c.relname, a.attname, d.description
from pg_class c join pg_namespace n on n.oid = c.relnamespace
join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
join pg_description d on d.objoid = c.oid and d.classoid = 'pg_class'::regclass and d.objsubid = a.attnum
where n.nspname = any(:schemas) and c.relkind in ('v', 'm')
  and not exists (select from pg_depend e where e.objid = c.oid and e.deptype = 'e')
"""

_VIEW_INDEXES = """
select n.nspname, c.relname, ic.relname, pg_get_indexdef(i.indexrelid), obj_description(ic.oid, 'pg_class')
from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_class c on c.oid = i.indrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(:schemas) and c.relkind = 'm'
  and not exists (select from pg_depend e where e.objid = c.oid and e.deptype = 'e')
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

#: Ordinary tables only: a partitioned table or a partition is not imported (``_NOT_IMPORTED``).
_TABLES = """c.relkind = 'r' and not c.relispartition and n.nspname = any(:schemas)
  and not exists (select from pg_depend d where d.objid = c.oid and d.deptype = 'e')"""

_INHERITANCE = f"""
select n.nspname, c.relname,
       array(select quote_ident(pn.nspname) || '.' || quote_ident(p.relname) from pg_inherits h
             join pg_class p on p.oid = h.inhparent join pg_namespace pn on pn.oid = p.relnamespace
             where h.inhrelid = c.oid order by h.inhseqno)::text[]
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where {_TABLES} and exists (select from pg_inherits h where h.inhrelid = c.oid)
"""

#: Column settings a spec does not say: compression, storage other than the type's, statistics
#: target, per-column options.
_COLUMN_SETTINGS = f"""
select n.nspname, c.relname, a.attname, coalesce(to_jsonb(a) ->> 'attcompression', ''),
       case when a.attstorage <> t.typstorage then a.attstorage::text end,
       case when a.attstattarget >= 0 then a.attstattarget end, coalesce(a.attoptions, '{{}}')::text[]
from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
join pg_type t on t.oid = a.atttypid
where {_TABLES} and a.attnum > 0 and not a.attisdropped
  and (coalesce(to_jsonb(a) ->> 'attcompression', '') <> '' or a.attstorage <> t.typstorage or a.attstattarget >= 0 or a.attoptions is not null)
order by a.attnum
"""

#: An identity column's sequence, where it is not what ``generated … as identity`` alone makes.
_IDENTITY_OPTIONS = f"""
select n.nspname, c.relname, a.attname, format_type(s.seqtypid, null), s.seqstart, s.seqincrement, s.seqmin,
       s.seqmax, s.seqcache, s.seqcycle
from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
join pg_depend d on d.refobjid = c.oid and d.refobjsubid = a.attnum and d.deptype = 'i'
     and d.classid = 'pg_class'::regclass
join pg_sequence s on s.seqrelid = d.objid
where {_TABLES} and a.attidentity <> ''
order by a.attnum
"""

#: ``alter default privileges`` for every schema (a spec's grants name one): what they change
#: from PostgreSQL's built-in defaults (``acldefault``), so a revoke (new functions not executable
#: by PUBLIC) reads as one.
_GLOBAL_DEFAULT_PRIVILEGES = """
with stored as (
  select a.defaclrole, a.defaclobjtype, x.grantee, x.privilege_type, x.is_grantable
  from pg_default_acl a, aclexplode(a.defaclacl) x where a.defaclnamespace = 0
), built_in as (
  select a.defaclrole, a.defaclobjtype, x.grantee, x.privilege_type, x.is_grantable
  from pg_default_acl a,
       aclexplode(acldefault(case a.defaclobjtype when 'S' then 's' else a.defaclobjtype end, a.defaclrole)) x
  where a.defaclnamespace = 0
), changes as (
  (select *, 'grant' as change from stored except select *, 'grant' from built_in)
  union all
  (select *, 'revoke' from built_in except select *, 'revoke' from stored)
)
select r.rolname, c.defaclobjtype::text, c.change,
       case when c.grantee = 0 then 'public' else quote_ident(g.rolname) end, lower(c.privilege_type),
       c.is_grantable
from changes c join pg_roles r on r.oid = c.defaclrole left join pg_roles g on g.oid = c.grantee
order by 1, 2, 3 desc, 4, 5
"""
_DEFAULT_OBJECTS = {"r": "tables", "S": "sequences", "f": "functions", "T": "types", "n": "schemas"}

_SCHEMA_COMMENTS = """
select n.nspname, d.description from pg_namespace n
join pg_description d on d.objoid = n.oid and d.classoid = 'pg_namespace'::regclass
where n.nspname = any(:schemas)
"""

_CONSTRAINT_COMMENTS = """
select n.nspname, c.relname, con.conname, d.description
from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
join pg_description d on d.objoid = con.oid and d.classoid = 'pg_constraint'::regclass
where n.nspname = any(:schemas)
  and not exists (select from pg_depend e where e.objid = c.oid and e.deptype = 'e')
"""

_TYPE_BOUNDS = {"smallint": 32767, "integer": 2147483647, "bigint": 9223372036854775807}
_STORAGE_NAMES = {"p": "plain", "e": "external", "m": "main", "x": "extended"}
_COMPRESSION_NAMES = {"p": "pglz", "l": "lz4"}

_EMPTY_SCHEMAS = """
select n.nspname from pg_namespace n
where n.nspname = any(:schemas) and n.nspname <> 'public'
  and not exists (select from pg_class c where c.relnamespace = n.oid)
  and not exists (select from pg_proc p where p.pronamespace = n.oid)
  and not exists (select from pg_type t where t.typnamespace = n.oid)
"""


#: A raw block's entry: its key (kind, schema, name) and (when it runs, the SQL).
Entry = tuple[tuple[str, str, str], tuple[str, str]]


def _procedures(session, schemas: list[str]) -> Iterator[Entry]:
    for schema, signature, definition in session.query(_PROCEDURES, schemas=schemas):
        yield ("procedure", schema, lower_keywords(signature)), ("sql_after", lower_keywords(definition.strip()) + ";")


def _composites(session, schemas: list[str]) -> Iterator[Entry]:
    for schema, name, columns in session.query(_COMPOSITES, schemas=schemas):
        yield ("type", schema, name), ("sql_before", f"create type {qualified(schema, name)} as ({', '.join(columns)});")


def _ranges(session, schemas: list[str]) -> Iterator[Entry]:
    for schema, name, subtype, opclass, collation, canonical, difference, multirange in session.query(
            _RANGES, schemas=schemas):
        options = [f"subtype = {subtype}"] + [
            f"{option} = {value}" for option, value in (
                ("subtype_opclass", opclass), ("collation", collation), ("canonical", canonical),
                ("subtype_diff", difference), ("multirange_type_name", multirange)) if value]
        yield ("type", schema, name), ("sql_before", f"create type {qualified(schema, name)} as range "
                                                     f"({', '.join(options)});")


def _statistics(session, schemas: list[str]) -> Iterator[Entry]:
    for schema, name, definition, target in session.query(_STATISTICS, schemas=schemas):
        made = lower_keywords(definition) + ";"
        if target is not None:
            made += f"\nalter statistics {qualified(schema, name)} set statistics {target};"
        yield ("statistics", schema, name), ("sql_after", made)


def _owners(session, schemas: list[str]) -> Iterator[Entry]:
    for schema, kind, target, name, role in session.query(_OWNERS, schemas=schemas, migration_role=MIGRATION_ROLE):
        yield (f"owner of {kind}", schema, name), ("sql_after", f"alter {kind} {target} owner to {quote_ident(role)};")


def _memberships(session, schemas: list[str]) -> Iterator[Entry]:
    for (role,) in session.query(_MEMBERSHIPS, migration_role=MIGRATION_ROLE):
        yield ("role membership", "", role), ("sql_before", f"grant {quote_ident(role)} to {MIGRATION_ROLE};")


def roles_in(sql: str) -> list[str]:
    """The role a raw owner or membership block names (``… owner to r;``, ``grant r to …;``), so the
    stage can declare it."""
    from ..sqltokens import tokenize

    tokens = [t for t in tokenize(sql) if t.text != ";"]
    words = [t.text.lower() for t in tokens]
    if words[:1] == ["grant"] and len(tokens) >= 2:
        return [tokens[1].ident]
    if words[-3:-1] == ["owner", "to"]:
        return [tokens[-1].ident]
    return []


def _view_extras(session, schemas: list[str]) -> Iterator[Entry]:
    for schema, view, column, comment in session.query(_VIEW_COLUMN_COMMENTS, schemas=schemas):
        yield ("view column comment", schema, f"{view}.{column}"), (
            "sql_after", f"comment on column {qualified(schema, view)}.{quote_ident(column)} is "
                         f"{quote_literal(comment)};")
    for schema, view, name, definition, comment in session.query(_VIEW_INDEXES, schemas=schemas):
        made = lower_keywords(definition) + ";"
        if comment is not None:
            made += f"\ncomment on index {qualified(schema, name)} is {quote_literal(comment)};"
        yield ("materialized view index", schema, f"{view}.{name}"), ("sql_after", made)


def _exclusions(session, schemas: list[str]) -> Iterator[Entry]:
    for schema, table, name, definition in session.query(_EXCLUSIONS, schemas=schemas):
        yield ("constraint", schema, f"{table}.{name}"), (
            "sql_after", f"alter table {qualified(schema, table)} add constraint {quote_ident(name)} "
                         f"{lower_keywords(definition)};")


def _rules(session, schemas: list[str]) -> Iterator[Entry]:
    for schema, table, name, definition in session.query(_RULES, schemas=schemas):
        yield ("rule", schema, f"{table}.{name}"), ("sql_after", lower_keywords(definition.strip()))


def _storage(session, schemas: list[str]) -> Iterator[Entry]:
    for schema, name, materialized, options, toast in session.query(_STORAGE, schemas=schemas):
        settings = ", ".join(_storage_parameter(option) for option in [*options, *toast])
        kind = "materialized view" if materialized else "table"
        yield ("storage parameters", schema, name), ("sql_after", f"alter {kind} {qualified(schema, name)} "
                                                                  f"set ({settings});")


def _inheritance(session, schemas: list[str]) -> Iterator[Entry]:
    for schema, name, parents in session.query(_INHERITANCE, schemas=schemas):
        table = qualified(schema, name)
        if parents:
            yield ("inheritance", schema, name), ("sql_after", "\n".join(f"alter table {table} inherit {parent};"
                                                                         for parent in parents))


def _column_settings(session, schemas: list[str]) -> Iterator[Entry]:
    for schema, name, column, compression, storage, statistics, options in session.query(_COLUMN_SETTINGS,
                                                                                         schemas=schemas):
        settings = [f"set compression {_COMPRESSION_NAMES[compression]}" if compression in _COMPRESSION_NAMES else "",
                    f"set storage {_STORAGE_NAMES[storage]}" if storage in _STORAGE_NAMES else "",
                    f"set statistics {statistics}" if statistics is not None else "",
                    f"set ({', '.join(_storage_parameter(o) for o in options)})" if options else ""]
        alter = f"alter column {quote_ident(column)} "
        yield ("column settings", schema, f"{name}.{column}"), (
            "sql_after", f"alter table {qualified(schema, name)} "
                         f"{', '.join(alter + setting for setting in settings if setting)};")


def _identities(session, schemas: list[str]) -> Iterator[Entry]:
    for schema, name, column, *sequence in session.query(_IDENTITY_OPTIONS, schemas=schemas):
        changed = _identity_options(*sequence)
        if changed:
            yield ("identity options", schema, f"{name}.{column}"), (
                "sql_after", f"alter table {qualified(schema, name)} alter column {quote_ident(column)} {changed};")


def _default_privileges(session, schemas: list[str]) -> Iterator[Entry]:
    statements: dict[tuple[str, str, str], list[str]] = {}
    for role, objects, change, grantee, privilege, grantable in session.query(_GLOBAL_DEFAULT_PRIVILEGES):
        on = _DEFAULT_OBJECTS[objects]
        action = (f"grant {privilege} on {on} to {grantee}{' with grant option' if grantable else ''}"
                  if change == "grant" else f"revoke {privilege} on {on} from {grantee}")
        statements.setdefault(("default privileges", "", f"{role} {on}"), []).append(
            f"alter default privileges for role {quote_ident(role)} {action};")
    for key, made in statements.items():
        yield key, ("sql_after", "\n".join(made))


def _comments(session, schemas: list[str]) -> Iterator[Entry]:
    for schema, comment in session.query(_SCHEMA_COMMENTS, schemas=schemas):
        yield ("schema comment", schema, schema), (
            "sql_after", f"comment on schema {quote_ident(schema)} is {quote_literal(comment)};")
    for schema, table, name, comment in session.query(_CONSTRAINT_COMMENTS, schemas=schemas):
        yield ("constraint comment", schema, f"{table}.{name}"), (
            "sql_after", f"comment on constraint {quote_ident(name)} on {qualified(schema, table)} is "
                         f"{quote_literal(comment)};")


def _empty_schemas(session, schemas: list[str]) -> Iterator[Entry]:
    for (schema,) in session.query(_EMPTY_SCHEMAS, schemas=schemas):
        yield ("schema", schema, schema), ("sql_before", f"create schema if not exists {quote_ident(schema)};")


#: pg_cron's jobs without a name in this database (a named one is a spec's ``cron_jobs`` entry):
#: rows of the extension's table, scheduled by a migration, which nothing else would carry.
_UNNAMED_CRON_JOBS = """
select schedule, command, active from cron.job
where database = current_database() and username = current_user and jobname is null
order by schedule, command
"""


def _cron_jobs(session, schemas: list[str]) -> Iterator[Entry]:
    if not session.query("select to_regclass('cron.job') is not null")[0][0]:
        return
    for schedule, command, active in session.query(_UNNAMED_CRON_JOBS):
        made = f"select cron.schedule({quote_literal(schedule)}, {dollar_quoted(command)});"
        yield ("cron job", "", f"{schedule} {command}" + ("" if active else " (inactive)")), ("sql_after", made)


_READERS = (_procedures, _composites, _ranges, _statistics, _exclusions, _rules, _storage, _inheritance,
            _column_settings, _identities, _default_privileges, _comments, _empty_schemas, _owners, _memberships,
            _view_extras, _cron_jobs)


def read(session, schemas: list[str]) -> Unmodelled:
    return dict(entry for reader in _READERS for entry in reader(session, schemas))


def _identity_options(type_name: str, start: int, increment: int, low: int, high: int, cache: int,
                      cycle: bool) -> str:
    """The ``set …`` options in which an identity's sequence differs from the one the spec's
    ``generated … as identity`` makes (ascending from 1 to the type's top): empty when none does."""
    top = _TYPE_BOUNDS.get(type_name, _TYPE_BOUNDS["bigint"])
    moved = (increment, low, high, start) != (1, 1, top, 1)
    options = [f"set increment by {increment}" if increment != 1 else "",
               f"set minvalue {low}" if low != 1 else "",
               f"set maxvalue {high}" if high != top else "",
               f"set start with {start}" if start != 1 else "",
               f"set cache {cache}" if cache != 1 else "",
               "set cycle" if cycle else "",
               "restart" if moved else ""]  # the fresh sequence's current value, 1, may lie outside the new bounds
    return " ".join(option for option in options if option)


def _storage_parameter(option: str) -> str:
    """``name=value`` as PostgreSQL keeps it, written back as SQL: the name as PostgreSQL spells it
    (quoted, should a catalog hold anything else), the value a number or a quoted literal."""
    name, _, value = option.partition("=")
    if not _PARAMETER_NAME.fullmatch(name):
        name = ".".join(quote_ident(part) for part in name.split(".", 1))
    return f"{name} = {value if _NUMBER.fullmatch(value) else quote_literal(value)}"


#: Kinds of object a schema holds by name alone, none of which a spec or raw block here carries:
#: (what to call it, its catalog, the catalog's name and schema columns).
_NAMED_KINDS = (("operator", "pg_operator", "oprname", "oprnamespace"),
                ("collation", "pg_collation", "collname", "collnamespace"),
                ("text search configuration", "pg_ts_config", "cfgname", "cfgnamespace"),
                ("text search dictionary", "pg_ts_dict", "dictname", "dictnamespace"),
                ("operator class", "pg_opclass", "opcname", "opcnamespace"),
                ("operator family", "pg_opfamily", "opfname", "opfnamespace"),
                ("conversion", "pg_conversion", "conname", "connamespace"))

_NOT_IMPORTED = "\nunion all\n".join([
    """select 'aggregate', n.nspname, p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname = any(:schemas) and p.prokind in ('a', 'w')
    and not exists (select from pg_depend d where d.objid = p.oid and d.deptype = 'e')""",
    *(f"""select '{kind}', n.nspname, o.{name} from {catalog} o join pg_namespace n on n.oid = o.{namespace}
  where n.nspname = any(:schemas) and not exists (select from pg_depend d where d.objid = o.oid and d.deptype = 'e')"""
      for kind, catalog, name, namespace in _NAMED_KINDS),
    """select 'foreign table', n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any(:schemas) and c.relkind = 'f'""",
    """select case when c.relkind = 'p' then 'partitioned table' when c.relispartition then 'partition'
            else 'typed table' end, n.nspname, c.relname
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any(:schemas) and (c.relkind = 'p' or c.relispartition or (c.relkind = 'r' and c.reloftype <> 0))
    and not exists (select from pg_depend d where d.objid = c.oid and d.deptype = 'e')""",
    # a range type's cast to its multirange goes with it (an internal dependency)
    """select 'cast', n.nspname, format_type(c.castsource, null) || ' as ' || format_type(c.casttarget, null)
  from pg_cast c join pg_type t on t.oid in (c.castsource, c.casttarget) join pg_namespace n on n.oid = t.typnamespace
  where c.oid >= 16384 and n.nspname = any(:schemas)
    and not exists (select from pg_depend x where x.objid = c.oid and x.deptype in ('e', 'i'))""",
    """select 'event trigger', '', e.evtname from pg_event_trigger e
  where not exists (select from pg_depend d where d.objid = e.oid and d.deptype = 'e')""",
])


def not_imported(session, schemas: list[str]) -> set[tuple[str, str, str]]:
    """Objects neither a kind nor a raw block here can carry: named, so that an import never calls
    itself complete while leaving them behind."""
    return {tuple(row) for row in session.query(_NOT_IMPORTED, schemas=schemas)}
