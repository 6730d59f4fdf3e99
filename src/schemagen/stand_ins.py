"""Stand-ins for extensions Supabase offers that the throwaway server cannot make.

Debian packages no pg_net and no Vault, yet a third of Supabase projects call ``net.http_post``
from a trigger and keep keys in ``vault.secrets``. Skipping them would leave those projects
unimported and their triggers untested. So where the server lacks one of these, the cluster's
superuser makes a stand-in (``standins/<name>.sql``): the schema and the functions projects call,
with the platform's grants, recording calls and sending nothing. It is then registered as the
extension itself (a row in ``pg_extension``, its objects members of it in ``pg_depend``), so that
``create extension if not exists`` finds it, and every catalog reader sees what a Supabase project
has: an extension, whose objects are not the project's. Only on a server schemagen started and
deletes; a user's server is never touched this way.
"""

from __future__ import annotations

from importlib import resources

#: Extension → (the schema its objects live in, None where it is the extension's own, the version
#: Supabase ships on Postgres 15).
STAND_INS = {"pg_net": ("net", "0.14.0"), "supabase_vault": ("vault", "0.3.1"), "http": (None, "1.6")}
#: Where the extension itself is registered when the statement names no schema, as on Supabase.
DEFAULT_SCHEMA = {"pg_net": "extensions", "supabase_vault": "vault", "http": "extensions"}
#: The names of a stand-in's objects, where they share a schema with other extensions' (``extensions``).
MEMBER_NAMES = {"http": r"^(http|urlencode)"}
#: What every Supabase project has from the start, as (extension, schema): Vault, which projects
#: read keys from without creating it.
PLATFORM = (("supabase_vault", "vault"),)

_NEEDED = """
select not exists (select from pg_catalog.pg_available_extensions where name = :name)
   and not exists (select from pg_catalog.pg_extension where extname = :name)
"""

#: The stand-in as the extension: its row, then each object in its schema a member of it.
_REGISTER = """
insert into pg_catalog.pg_extension (oid, extname, extowner, extnamespace, extrelocatable, extversion)
select (select coalesce(max(oid::int8), 16384) + 1 from pg_catalog.pg_extension)::oid, :name,
       (select oid from pg_catalog.pg_roles where rolname = current_user), :schema::regnamespace, false, :version
"""
_MEMBERS = """
insert into pg_catalog.pg_depend (classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype)
select member.classid, member.objid, 0, 'pg_catalog.pg_extension'::regclass,
       (select oid from pg_catalog.pg_extension where extname = :name), 0, 'e'
from (
  select 'pg_catalog.pg_namespace'::regclass, n.oid from pg_catalog.pg_namespace n
  where n.nspname = :objects and :own_schema
  union all
  select 'pg_catalog.pg_proc'::regclass, p.oid from pg_catalog.pg_proc p
  where p.pronamespace = :objects::regnamespace and p.proname ~ :names
  union all
  select 'pg_catalog.pg_class'::regclass, c.oid from pg_catalog.pg_class c
  where c.relnamespace = :objects::regnamespace and c.relkind in ('r', 'v', 'S') and c.relname ~ :names
  union all
  select 'pg_catalog.pg_type'::regclass, t.oid from pg_catalog.pg_type t
  where t.typnamespace = :objects::regnamespace and t.typtype in ('c', 'd', 'e') and t.typrelid = 0
    and t.typname ~ :names
  union all
  select 'pg_catalog.pg_type'::regclass, t.oid from pg_catalog.pg_type t join pg_catalog.pg_class c on c.oid = t.typrelid
  where t.typnamespace = :objects::regnamespace and c.relkind = 'c' and t.typname ~ :names
) as member(classid, objid)
where not exists (select from pg_catalog.pg_depend d where d.objid = member.objid and d.deptype = 'e')
"""


def needed(superuser, name: str) -> bool:
    """Whether ``name`` is an extension schemagen stands in for, and this server neither has it nor
    has made the stand-in yet."""
    return name in STAND_INS and superuser.run(_NEEDED, name=name)[0][0]


def install(superuser, name: str, schema: str | None = None) -> None:
    """Make the stand-in for ``name`` and register it as that extension, in ``schema`` (or where
    Supabase puts it)."""
    from .db import execute_one, split_script

    from .sqltext import quote_ident

    objects, version = STAND_INS[name]
    schema = schema or DEFAULT_SCHEMA[name]
    execute_one(superuser, f"create schema if not exists {quote_ident(schema)}")
    script = resources.files("schemagen.standins").joinpath(f"{name}.sql").read_text("utf-8")
    for sql in split_script(script.replace("@extschema@", quote_ident(schema))):
        execute_one(superuser, sql)
    superuser.run(_REGISTER, name=name, schema=schema, version=version)
    superuser.run(_MEMBERS, name=name, objects=objects or schema, own_schema=objects is not None,
                  names=MEMBER_NAMES.get(name, ""))


def install_needed(superuser, wanted: set[tuple[str, str | None]]) -> list[str]:
    """The stand-ins ``wanted`` (name, schema) calls for, made; their names."""
    made = []
    for name, schema in sorted(wanted, key=lambda pair: (pair[0], pair[1] or "")):
        if needed(superuser, name):
            install(superuser, name, schema)
            made.append(name)
    return made
