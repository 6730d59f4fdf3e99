"""The platform slice against the real platform, and what ``platform: supabase`` declares.

tests/platform/supabase-15.8.txt lists, one fact a line, the roles, memberships, schemas,
extensions, auth and storage tables, columns, functions and publication of a hosted Supabase
project. The slice, installed on a server of its own, must have nothing the list lacks (no name
or type of our invention), and what it lacks of the list must be exactly gaps.txt, so every gap
is written down.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from schemagen import live, platform
from schemagen.load import load_project

HERE = Path(__file__).resolve().parent / "platform"

CATALOG_SQL = {
    "role": """
select format('role %s %s %s %s %s %s %s %s', rolname,
              case when rolsuper then 'superuser' else 'nosuperuser' end,
              case when rolinherit then 'inherit' else 'noinherit' end,
              case when rolcreaterole then 'createrole' else 'nocreaterole' end,
              case when rolcreatedb then 'createdb' else 'nocreatedb' end,
              case when rolcanlogin then 'login' else 'nologin' end,
              case when rolreplication then 'replication' else 'noreplication' end,
              case when rolbypassrls then 'bypassrls' else 'nobypassrls' end)
from pg_roles where rolname !~ '^pg_'
""",
    "member": """
select format('member %s to %s', g.rolname, r.rolname)
from pg_auth_members m join pg_roles g on g.oid = m.roleid join pg_roles r on r.oid = m.member
where r.rolname !~ '^pg_'
""",
    # (_schemagen_platform stands in for supautils, which is a library on the platform, not a schema)
    "schema": """
select format('schema %s owner %s', nspname, pg_get_userbyid(nspowner)) from pg_namespace
where nspname !~ '^pg_' and nspname not in ('information_schema', 'public', '_schemagen_platform')
""",
    "extension": """
select format('extension %s in %s', extname, extnamespace::regnamespace) from pg_extension
where extname <> 'plpgsql'
""",
    "table": """
select format('table %s.%s owner %s', n.nspname, c.relname, pg_get_userbyid(c.relowner))
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'r' and n.nspname in ('auth', 'storage', 'realtime')
""",
    "column": """
select format('column %s.%s.%s %s%s', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
              case when a.attnotnull then ' not null' else '' end)
from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'r' and n.nspname in ('auth', 'storage', 'realtime') and a.attnum > 0 and not a.attisdropped
""",
    "function": """
select format('function %s.%s(%s) returns %s owner %s', n.nspname, p.proname, pg_get_function_arguments(p.oid),
              pg_get_function_result(p.oid), pg_get_userbyid(p.proowner))
from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('auth', 'storage')
""",
    "publication": "select format('publication %s owner %s', pubname, pg_get_userbyid(pubowner)) from pg_publication",
}


def read_list(name: str) -> set[str]:
    return {line for line in (HERE / name).read_text().splitlines() if line and not line.startswith("#")}


@pytest.fixture(scope="module")
def slice_lines(postgres_server_factory):
    """The platform as the slice makes it, on a server nothing else has touched."""
    server = postgres_server_factory()
    admin = live.connect(server, admin=True)
    try:
        live.install_platform(admin, load_project(HERE.parent / "cases" / "seed_stage5" / "specs"))
        return {row[0] for sql in CATALOG_SQL.values() for row in admin.run(sql)}
    finally:
        admin.close()


def test_the_slice_has_nothing_the_real_platform_lacks(slice_lines):
    assert sorted(slice_lines - read_list("supabase-15.8.txt")) == []


def test_what_the_slice_lacks_of_the_real_platform_is_written_down(slice_lines):
    real = read_list("supabase-15.8.txt")
    assert sorted(real - slice_lines) == sorted(read_list("gaps.txt"))
    assert read_list("gaps.txt") <= real


def test_what_the_specs_see_of_the_platform_tables_is_what_the_slice_makes(slice_lines):
    """``platform: supabase`` declares auth.users, storage.buckets and storage.objects to the loader:
    the same columns, with the same types and not-null flags, as the throwaway database has."""
    spelled = {}
    for line in slice_lines:
        if line.startswith("column "):
            name, _, rest = line.removeprefix("column ").partition(" ")
            spelled[name] = (rest.removesuffix(" not null"), rest.endswith(" not null"))
    for table in platform.TABLES:
        declared = {f"{table.schema}.{table.name}.{c.name}": (c.type, c.not_null) for c in table.columns}
        real = {name: facts for name, facts in spelled.items() if name.startswith(f"{table.schema}.{table.name}.")}
        assert declared.keys() == real.keys()
        for name, (type_text, not_null) in declared.items():
            assert real[name] == (type_text, not_null), name
