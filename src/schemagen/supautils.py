"""What supautils does on Supabase, on the throwaway server, inside the caller's transaction.

On Supabase ``postgres`` is no superuser, yet ``create extension vector`` works: supautils sees a
privileged extension and creates it as the platform's superuser, within the statement. The
throwaway server has no supautils, so it gets one function that does the same:
``_schemagen_platform.create_extension``, owned by the cluster's superuser, callable by
``postgres`` only, for the extensions the platform lets ``postgres`` create (and the stand-ins
for those this server lacks, ``stand_ins``). Because it runs in the caller's transaction, a
migration's proof creates the extension it writes, and rolls it back with the rest: the baseline
never holds, in advance, an extension the migration must create.

What it may run is fixed when it is made: each statement is schemagen's (a ``create extension``
of a listed name, the platform's grants, a stand-in's script); what a caller passes is a name
checked against the list, a schema and a version, each quoted as an identifier or a literal.
"""

from __future__ import annotations

from importlib import resources

from . import platform, stand_ins
from .sqltext import dollar_tag, quote_literal

SCHEMA = "_schemagen_platform"
FUNCTION = f"{SCHEMA}.create_extension"


def _literal(text: str) -> str:
    tag = dollar_tag(text, "s")
    return f"{tag}{text}{tag}"


def _array(names) -> str:
    return "array[" + ", ".join(quote_literal(n) for n in sorted(names)) + "]::text[]"


def _stand_in_branch(name: str) -> str:
    """The stand-in's script run in ``into_schema``, then registered as the extension."""
    from .db import split_script

    objects, version = stand_ins.STAND_INS[name]
    script = resources.files("schemagen.standins").joinpath(f"{name}.sql").read_text("utf-8")
    run = "".join(f"    execute replace({_literal(sql)}, '@extschema@', quote_ident(into_schema));\n"
                  for sql in split_script(script))
    objects_sql = quote_literal(objects) if objects else "into_schema"
    own = "true" if objects else "false"
    return (f"  if ext = {quote_literal(name)} then\n"
            f"    into_schema := coalesce(into_schema, {quote_literal(stand_ins.DEFAULT_SCHEMA[name])});\n"
            "    execute format('create schema if not exists %I', into_schema);\n"
            f"{run}"
            f"    perform {SCHEMA}.register(ext, into_schema, {quote_literal(version)}, {objects_sql}, {own}, "
            f"{quote_literal(stand_ins.MEMBER_NAMES.get(name, ''))});\n"
            "    return true;\n"
            "  end if;\n")


def _after_create() -> str:
    return "".join(f"  if ext = {quote_literal(name)} then\n"
                   + "".join(f"    execute {_literal(sql)};\n" for sql in statements) + "  end if;\n"
                   for name, statements in sorted(platform.AFTER_CREATE.items()))


def statements() -> list[str]:
    """The schema and its functions, made by the cluster's superuser when the platform is installed."""
    register = f"""
create or replace function {SCHEMA}.register(ext text, into_schema text, ext_version text, objects text, own_schema boolean,
                                  names text) returns void
language sql security definer set search_path = pg_catalog, pg_temp as $register$
insert into pg_catalog.pg_extension (oid, extname, extowner, extnamespace, extrelocatable, extversion)
select (select coalesce(max(oid::int8), 16384) + 1 from pg_catalog.pg_extension)::oid, ext,
       (select oid from pg_catalog.pg_roles where rolname = current_user), into_schema::regnamespace, false,
       ext_version;
insert into pg_catalog.pg_depend (classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype)
select member.classid, member.objid, 0, 'pg_catalog.pg_extension'::regclass,
       (select oid from pg_catalog.pg_extension where extname = ext), 0, 'e'
from (
  select 'pg_catalog.pg_namespace'::regclass, n.oid from pg_catalog.pg_namespace n
  where n.nspname = objects and own_schema
  union all
  select 'pg_catalog.pg_proc'::regclass, p.oid from pg_catalog.pg_proc p
  where p.pronamespace = objects::regnamespace and p.proname ~ names
  union all
  select 'pg_catalog.pg_class'::regclass, c.oid from pg_catalog.pg_class c
  where c.relnamespace = objects::regnamespace and c.relkind in ('r', 'v', 'S') and c.relname ~ names
  union all
  select 'pg_catalog.pg_type'::regclass, t.oid from pg_catalog.pg_type t
  where t.typnamespace = objects::regnamespace and t.typtype in ('c', 'd', 'e') and t.typrelid = 0
    and t.typname ~ names
  union all
  select 'pg_catalog.pg_type'::regclass, t.oid from pg_catalog.pg_type t join pg_catalog.pg_class c on c.oid = t.typrelid
  where t.typnamespace = objects::regnamespace and c.relkind = 'c' and t.typname ~ names
) as member(classid, objid)
where not exists (select from pg_catalog.pg_depend d where d.objid = member.objid and d.deptype = 'e')
$register$"""
    body = (
        "begin\n"
        f"  if ext = any({_array(stand_ins.STAND_INS)})\n"
        "     and not exists (select from pg_catalog.pg_available_extensions where name = ext) then\n"
        "    if exists (select from pg_catalog.pg_extension where extname = ext) then\n"
        "      if if_not_exists then return true; end if;\n"
        "      raise exception 'extension \"%\" already exists', ext using errcode = '42710';\n"
        "    end if;\n"
        + "".join(_stand_in_branch(name) for name in sorted(stand_ins.STAND_INS))
        + "  end if;\n"
        f"  if not (ext = any({_array(platform.PRIVILEGED_EXTENSIONS)})) or not exists (\n"
        "      select from pg_catalog.pg_available_extension_versions v join pg_catalog.pg_available_extensions a\n"
        "      on a.name = v.name and a.default_version = v.version\n"
        f"      where v.name = ext and not v.trusted and {platform.creatable_here('v.name')}) then\n"
        "    return false;\n"
        "  end if;\n"
        "  if if_not_exists and exists (select from pg_catalog.pg_extension where extname = ext) then\n"
        "    return true;\n"
        "  end if;\n"
        + "".join(f"  if ext = {quote_literal(name)} then into_schema := {quote_literal(schema)}; end if;\n"
                  for name, schema in sorted(platform.EXTENSION_SCHEMAS.items()))
        + "  -- without a schema, the caller's first schema, as create extension itself would choose (unless the\n"
        "  -- extension's control file fixes one): this function's own search_path is pg_catalog\n"
        "  if into_schema is null and not exists (select from pg_catalog.pg_available_extension_versions v\n"
        "      join pg_catalog.pg_available_extensions a on a.name = v.name and a.default_version = v.version\n"
        "      where v.name = ext and v.schema is not null) then\n"
        "    into_schema := caller_schema;\n"
        "  end if;\n"
        + "  execute format('create extension %I', ext)\n"
        "    || case when into_schema is null then '' else format(' with schema %I', into_schema) end\n"
        "    || case when ext_version is null then '' else format(' version %L', ext_version) end\n"
        "    || case when with_cascade then ' cascade' else '' end;\n"
        + _after_create()
        + "  return true;\nend\n")
    tag = dollar_tag(body, "fn")
    create = (f"create or replace function {FUNCTION}(ext text, into_schema text, ext_version text, if_not_exists boolean, "
              f"with_cascade boolean, caller_schema text) returns boolean language plpgsql security definer "
              f"set search_path = pg_catalog, pg_temp as {tag}\n{body}{tag}")
    return [
        f"create schema if not exists {SCHEMA}",
        f"revoke all on schema {SCHEMA} from public",
        f"grant usage on schema {SCHEMA} to postgres",
        register,
        f"revoke all on function {SCHEMA}.register(text, text, text, text, boolean, text) from public",
        create,
        f"revoke all on function {FUNCTION}(text, text, text, boolean, boolean, text) from public",
        f"grant execute on function {FUNCTION}(text, text, text, boolean, boolean, text) to postgres",
    ]


def call(sql: str) -> str | None:
    """The call that runs ``sql`` as supautils would, when it creates an extension the platform
    makes (privileged, or stood in for); None for any other statement. The call answers false when
    this server cannot make it that way: then ``postgres`` runs the statement itself. (The caller's
    schema is read as the call's argument, before the function's own search_path applies.)"""
    from .pgsql import created_extension

    if "extension" not in sql.lower():
        return None
    created = created_extension(sql)
    if created is None or (created.name not in platform.PRIVILEGED_EXTENSIONS
                           and created.name not in stand_ins.STAND_INS):
        return None

    def text(value: str | None) -> str:
        return "null" if value is None else quote_literal(value)

    return (f"select {FUNCTION}({quote_literal(created.name)}, {text(created.schema)}, {text(created.version)}, "
            f"{'true' if created.if_not_exists else 'false'}, {'true' if created.cascade else 'false'}, "
            "current_schema())")

