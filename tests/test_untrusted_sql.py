"""Issue #23's reproductions, each as it was found: SQL from a pull request never reaches a shell, a
file, schemagen's environment, another database or the user's data, and no input crashes or
exhausts schemagen.

The escape attempts write a marker file through ``copy … to program`` into a folder every user may
write to; the control test shows the same attempt succeeding for a role that is given the right,
so a missing marker means the escape was stopped, not that the test could not see it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from schemagen.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


@pytest.fixture
def drop_folder():
    """A folder the server's operating-system user can write to, outside every checkout."""
    folder = tempfile.mkdtemp(prefix="schemagen-escape-", dir="/tmp")
    os.chmod(folder, 0o777)
    yield Path(folder)
    shutil.rmtree(folder, ignore_errors=True)


def escape_sql(marker: Path) -> str:
    """What an attacker's SQL does: take the role that runs programs, then run one. Each step's
    failure is swallowed, so that the command goes on and only the marker tells."""
    return (f"do $x$ begin "
            f"begin execute 'grant pg_execute_server_program to postgres'; exception when others then null; end; "
            f"begin execute 'copy (select 1) to program ''touch {marker}'''; exception when others then null; end; "
            f"end $x$")


# --- 1. no program, file or role of the machine's from the throwaway server ------------------------


def test_postgres_cannot_join_the_roles_that_reach_the_machine(fresh_db, drop_folder):
    marker = drop_folder / "control"
    for sql in ("grant pg_execute_server_program to postgres", "grant pg_read_server_files to postgres",
                "grant pg_write_server_files to postgres", "create role sneaky in role pg_execute_server_program",
                "create role sneaky2 admin postgres; grant pg_execute_server_program to sneaky2",
                f"copy (select 1) to program 'touch {marker}'", "select pg_read_file('/etc/hostname')"):
        with pytest.raises(Exception):
            fresh_db.owner.run(sql)
    assert not marker.exists()
    # the control: a role given the right by the superuser runs the program, so the marker can appear
    fresh_db.admin.run("create role escape_control login")
    fresh_db.admin.run("grant pg_execute_server_program to escape_control")
    try:
        fresh_db.admin.run("set role escape_control")
        fresh_db.admin.run(f"copy (select 1) to program 'touch {marker}'")
        assert marker.exists()
    finally:
        fresh_db.admin.run("reset role")
        fresh_db.admin.run("drop role escape_control")
    members = fresh_db.admin.run(
        "select r.rolname, g.rolname from pg_auth_members m join pg_roles r on r.oid = m.member "
        "join pg_roles g on g.oid = m.roleid where g.rolname like 'pg\\_%\\_server\\_%' and not r.rolsuper")
    assert members == []


SPEC_WITH_TRIGGER = """\
stage: 1
title: Notes
platform: supabase
functions:
  - name: sneaky
    returns: trigger
    language: plpgsql
    body: |
      begin
        ESCAPE;
        return new;
      end;
tables:
  - name: notes
    comment: Notes.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: user_id, type: uuid, not_null: true, references: auth.users.id}
    rls: true
    policies:
      - {name: own, command: all, roles: [authenticated], using: user_id = (select auth.uid()),
         with_check: user_id = (select auth.uid()), waive: {SG006: One policy for all four commands.}}
    triggers:
      - {name: notes_sneaky, timing: before, events: [insert], function: public.sneaky}
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_trigger_that_fires_while_the_probe_seeds_rows_runs_no_program(tmp_path, drop_folder):
    marker = drop_folder / "trigger"
    body = escape_sql(marker).removeprefix("do $x$ ").removesuffix(" $x$").removeprefix("begin ").removesuffix(
        " end")
    specs = _write(tmp_path / "specs", "s.yaml", SPEC_WITH_TRIGGER.replace("ESCAPE;", body))
    code, out, err = run("validate", "--live", "--specs", str(specs))
    assert "A sees its own row" in out or "ok " in out, out + err  # the probe ran, so the trigger fired
    assert not marker.exists()


def test_raw_sql_runs_no_program(tmp_path, drop_folder):
    marker = drop_folder / "raw"
    spec = f"stage: 1\ntitle: T\nplatform: supabase\nsql_after:\n  - name: sneaky\n    sql: \"{escape_sql(marker)};\"\n"
    specs = _write(tmp_path / "specs", "s.yaml", spec)
    code, out, err = run("validate", "--live", "--specs", str(specs))
    assert code in (0, 1), err
    assert not marker.exists()


def test_a_migration_under_migrate_check_runs_no_program(tmp_path, drop_folder, monkeypatch):
    marker = drop_folder / "migration"
    specs = _write(tmp_path / "specs", "s.yaml", "stage: 1\ntitle: T\nplatform: supabase\n")
    migrations = _write(tmp_path / "supabase" / "migrations", "20260101000000_sneaky.sql", escape_sql(marker) + ";\n")
    code, out, err = run("migrate", "--specs", str(specs), "--dir", str(migrations), "check")
    assert code in (0, 1) and "Traceback" not in err, err
    assert not marker.exists()


def test_import_of_migrations_and_of_a_stage_document_runs_no_program(tmp_path, drop_folder):
    by_migration, by_document = drop_folder / "migration", drop_folder / "document"
    migrations = _write(tmp_path / "migrations", "20260101000000_sneaky.sql",
                        escape_sql(by_migration) + ";\ncreate table public.t (id int primary key);\n")
    code, _, err = run("import", "--migrations", str(migrations), "--specs", str(tmp_path / "a"))
    assert "Traceback" not in err
    document = tmp_path / "stage-1.md"
    document.write_text(f"# Stage 1 — Sneaky\n\n```sql\n{escape_sql(by_document)};\n"
                        "create table public.t (id int primary key);\n```\n", encoding="utf-8")
    code, _, err = run("import", "--stage-doc", str(document), "--specs", str(tmp_path / "b"))
    assert "Traceback" not in err
    assert not by_migration.exists() and not by_document.exists()


def test_the_server_inherits_none_of_schemagens_environment(monkeypatch):
    from schemagen import pgserver

    if not Path("/proc/self/environ").exists():
        pytest.skip("no /proc here to read a process's environment from")
    monkeypatch.setenv("SCHEMAGEN_TEST_SECRET", "hunter2-in-ci")
    server = pgserver.start()
    try:
        environ = Path(f"/proc/{server.child_process.pid}/environ").read_bytes()
        assert b"hunter2-in-ci" not in environ
        assert b"PATH=" in environ
    finally:
        server.stop()


def test_the_server_listens_on_no_port_and_only_in_a_private_folder(postgres):
    from schemagen import live

    conn = live.connect(postgres)
    try:
        assert conn.run("show listen_addresses") == [[""]]
    finally:
        conn.close()
    mode = os.stat(postgres.socket_dir).st_mode & 0o777
    assert mode == 0o700
    with pytest.raises(OSError):
        import socket

        socket.create_connection(("127.0.0.1", postgres.settings["port"]), timeout=2)


def test_the_supautils_stand_in_makes_only_listed_extensions_and_only_for_postgres(fresh_db):
    """The one function that runs as the superuser on postgres's behalf: a name off the list is
    answered false (postgres must then run it itself, and may not), a schema or version is quoted,
    never spliced, and the API's roles cannot call it at all."""
    from schemagen import live, supautils

    for sql in supautils.statements():
        fresh_db.admin.run(sql)
    call = supautils.FUNCTION
    assert fresh_db.owner.run(f"select {call}('file_fdw', null, null, true, false, 'public')") == [[False]]
    assert not fresh_db.admin.run("select from pg_extension where extname = 'file_fdw'")
    with pytest.raises(Exception, match='schema "x; alter role postgres superuser; --" does not exist'):
        fresh_db.owner.run(f"select {call}('pg_stat_statements', 'x; alter role postgres superuser; --', null, "
                           "false, false, 'public')")
    assert fresh_db.admin.run("select rolsuper from pg_roles where rolname = 'postgres'") == [[False]]
    assert live.as_the_platform(fresh_db.owner, "create extension if not exists pg_stat_statements")
    assert fresh_db.admin.run("select extnamespace::regnamespace::text from pg_extension "
                              "where extname = 'pg_stat_statements'") == [["public"]]
    for role in ("anon", "authenticated", "service_role"):
        assert fresh_db.admin.run(f"select has_function_privilege('{role}', "
                                  f"'{call}(text, text, text, boolean, boolean, text)', 'execute')") == [[False]]


def test_dblink_made_for_a_migration_cannot_connect_out(fresh_db):
    from schemagen import live, supautils

    for sql in supautils.statements():
        fresh_db.admin.run(sql)
    assert live.as_the_platform(fresh_db.owner, "create extension if not exists dblink")
    with pytest.raises(Exception, match="permission denied for function dblink_connect"):
        fresh_db.owner.run(f"select dblink_connect('host={fresh_db.server.socket_dir} dbname=postgres')")
    assert live.as_the_platform(fresh_db.owner, "create extension if not exists postgres_fdw")
    with pytest.raises(Exception, match="permission denied for foreign-data wrapper postgres_fdw"):
        fresh_db.owner.run("create server elsewhere foreign data wrapper postgres_fdw options (host 'example.com')")


# --- 2. the user's data stays out of the output -----------------------------------------------------


def _withheld_spec(tmp_path: Path, default: str) -> Path:
    return _write(tmp_path / "specs", "s.yaml", textwrap.dedent(f"""\
        stage: 1
        title: T
        platform: supabase
        tables:
          - name: notes
            comment: Notes.
            columns:
              - {{name: id, type: uuid, primary_key: true, default: gen_random_uuid()}}
              - {{name: user_id, type: uuid, not_null: true, references: auth.users.id}}
              - {{name: n, type: integer, default: "{default}"}}
            rls: true
            policies:
              - {{name: own, command: select, roles: [authenticated], using: user_id = (select auth.uid())}}
    """))


def test_drift_spells_a_default_without_evaluating_it(fresh_db, tmp_path):
    from schemagen import live
    from schemagen.load import load_project

    specs = _withheld_spec(tmp_path, "table_to_xml('auth.users', true, false, '')::text::integer")
    live.install_platform(fresh_db.admin, load_project(specs))
    fresh_db.admin.run("insert into auth.users (id, email) values (gen_random_uuid(), 'secret-row@example.com')")
    code, out, err = run("drift", "--specs", str(specs), "--db", fresh_db.server.url("postgres", fresh_db.name))
    assert "secret-row" not in out + err
    assert code == 1 and "public.notes" in out


def test_validate_db_withholds_messages_that_could_carry_data(postgres, tmp_path):
    """The probe inserts rows, which evaluates the default: the error it raises may not show."""
    specs = _withheld_spec(tmp_path, "current_setting('server_version')::integer")
    code, out, err = run("validate", "--specs", str(specs), "--db", postgres.url("postgres", "postgres"),
                         "--trust-specs")
    from schemagen import live

    conn = live.connect(postgres)
    try:
        (value,), = conn.run("show server_version")
    finally:
        conn.close()
    assert value not in out + err
    assert "withheld" in out + err


@pytest.mark.parametrize("fields, shown", [
    ({"C": "42703", "M": 'column "x" does not exist', "P": "8"}, True),
    ({"C": "42501", "M": "permission denied for schema storage"}, True),
    ({"C": "22P02", "M": 'invalid input syntax for type integer: "<users/>"'}, False),
    ({"C": "42P01", "M": 'relation "secret" does not exist'}, False),  # a cast of a value, at run time
    ({"C": "42501", "M": "anything", "R": "exec_stmt_raise"}, False),
    ({"C": "42703", "M": 'column "secret" does not exist', "P": "1", "W": "PL/pgSQL function f()"}, False),
])
def test_only_messages_the_server_wrote_from_the_statement_are_shown(fields, shown):
    from schemagen.db import withheld

    assert (withheld(fields)["M"] == fields["M"]) is shown
    assert "D" not in withheld({**fields, "D": "Key (email)=(secret) already exists."})


# --- 5. validate --db on a user's server ----------------------------------------------------------


SIMPLE = "stage: 1\ntitle: T\nplatform: supabase\ntables:\n  - {name: t, comment: T., rls: true, columns: [{name: id, type: int, primary_key: true}]}\n"


def test_validate_db_refuses_a_role_that_can_leave_the_database(postgres, tmp_path):
    specs = _write(tmp_path / "specs", "s.yaml", SIMPLE)
    code, out, err = run("validate", "--specs", str(specs), "--db", postgres.url("postgres", "postgres"))
    assert (code, out) == (2, "")
    assert "the role has createrole" in err and "--trust-specs" in err and err.count("\n") == 1
    code, out, err = run("validate", "--specs", str(specs), "--db", postgres.url("supabase_admin", "postgres"))
    assert code == 2 and "the role is a superuser, or may become one" in err


def test_validate_db_runs_where_supautils_reserves_the_roles_and_removes_what_a_killed_run_left(postgres, tmp_path):
    """As Supabase's postgres: createrole through the roles it may become, which supautils keeps from
    granting the server roles; without supautils' setting the same role is refused."""
    from schemagen import live
    from schemagen.load import load_project
    from schemagen.validate import SCRATCH_TAG

    specs = _write(tmp_path / "specs", "s.yaml", SIMPLE)
    admin = live.connect(postgres, admin=True)
    live.install_platform(admin, load_project(specs))  # the platform's roles exist on this server
    admin.run("drop role if exists like_supabase")
    admin.run("create role like_supabase login createdb in role postgres, supabase_auth_admin, supabase_storage_admin")
    for name, tagged in (("schemagen_validate_1_abandoned", True), ("schemagen_validate_2_not_ours", False)):
        admin.run(f"drop database if exists {name}")
        admin.run(f"create database {name} owner like_supabase")
        if tagged:
            admin.run(f"comment on database {name} is '{SCRATCH_TAG}'")
    url = postgres.url("like_supabase", "postgres")
    try:
        code, out, err = run("validate", "--specs", str(specs), "--db", url)
        assert code == 2 and "has createrole (itself or through a role it may become)" in err
        admin.run("alter role like_supabase set supautils.reserved_memberships = "
                  "'pg_read_server_files, pg_write_server_files, pg_execute_server_program'")
        code, out, err = run("validate", "--specs", str(specs), "--db", url)
        assert code in (0, 1), err
        admin.run("alter role like_supabase set supautils.privileged_extensions = 'pg_trgm, dblink'")
        code, out, err = run("validate", "--specs", str(specs), "--db", url)
        assert code == 2 and "may create dblink on this server" in err
        left = {name for (name,) in admin.run("select datname from pg_database where datname like 'schemagen_validate%'")}
        assert left == {"schemagen_validate_2_not_ours"}
    finally:
        admin.run("drop database if exists schemagen_validate_2_not_ours")
        admin.run("drop database if exists schemagen_validate_1_abandoned")
        admin.run("drop owned by like_supabase")
        admin.run("drop role like_supabase")
        admin.close()


def test_sighup_during_validate_db_still_drops_the_scratch_database(postgres, tmp_path):
    from schemagen import live

    specs = _write(tmp_path / "specs", "s.yaml", SIMPLE.replace(
        "tables:", "sql_after:\n  - {name: slow, sql: select pg_sleep(30);}\ntables:"))
    child = subprocess.Popen([sys.executable, "-m", "schemagen", "validate", "--specs", str(specs), "--db",
                              postgres.url("postgres", "postgres"), "--trust-specs"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    admin = live.connect(postgres, admin=True)
    try:
        deadline = time.monotonic() + 30
        while not admin.run("select 1 from pg_stat_activity where query like 'select pg_sleep(30)%'"):
            assert time.monotonic() < deadline and child.poll() is None, child.communicate()
            time.sleep(0.1)
        child.send_signal(signal.SIGHUP)
        child.wait(timeout=30)
        assert admin.run("select datname from pg_database where datname like 'schemagen\\_validate\\_%'") == []
    finally:
        child.kill()
        admin.close()


# --- 3. pictures -----------------------------------------------------------------------------------


def test_a_label_cannot_close_the_pages_script():
    from schemagen.pictures import page_html

    page = page_html({"er/a.svg": 'erDiagram\n  a ||--o{ b : "</script><script>alert(1)</script>"'}, "file:///m.js")
    script = page[page.index("const diagrams"):]
    assert "</script><script>alert" not in page
    assert script.count("</script>") == 1
    assert "Content-Security-Policy" in page and "securityLevel: \"strict\"" in page


def test_the_page_chooses_no_file_name():
    from schemagen.pictures import PicturesUnavailable, _pictures_asked_for

    asked = {"er/a.svg": "erDiagram"}
    drawn = _pictures_asked_for(asked, {"er/a.svg": {"svg": "<svg/>"}, "../../x.pth": {"svg": "<svg/>"}}, "r")
    assert list(drawn) == ["er/a.svg"]
    with pytest.raises(PicturesUnavailable):
        _pictures_asked_for(asked, {"../../x.pth": {"svg": "<svg/>"}}, "r")


def test_a_hostile_label_is_drawn_as_text_in_the_browser():
    from schemagen import pictures

    try:
        by = pictures.renderer()
    except pictures.PicturesUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    label = "</script><script>document.getElementById('result').textContent='{}'</script>"
    drawn = pictures.render({"er/a.svg": f'erDiagram\n  a ||--o{{ b : "{label}"'}, by)
    assert list(drawn) == ["er/a.svg"] and "<script" not in drawn["er/a.svg"]


# --- 4. templates ----------------------------------------------------------------------------------


def test_a_template_that_links_out_of_its_folder_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEMAGEN_TEST_SECRET", "hunter2-in-ci")
    specs = _write(tmp_path / "specs", "s.yaml", SIMPLE)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "table.sql.j2").symlink_to("/proc/self/environ")
    code, out, err = run("check", "--specs", str(specs), "--out", str(tmp_path / "out"), "--templates", str(templates))
    assert code == 2 and "hunter2" not in out + err
    assert "leads outside the templates folder" in err
    (templates / "table.sql.j2").unlink()
    (templates / "mine.sql.j2").write_text("create table {{ table|qname }} (id int primary key);\n")
    (templates / "table.sql.j2").symlink_to("mine.sql.j2")  # a link inside the folder is fine
    assert run("generate", "--specs", str(specs), "--out", str(tmp_path / "out"), "--templates",
               str(templates))[0] == 0


# --- 8. crashes and exhaustion -----------------------------------------------------------------------


def _table_spec(tmp_path: Path, check: str) -> Path:
    import json

    return _write(tmp_path / "specs", "s.yaml", "stage: 1\ntitle: T\ntables:\n  - name: t\n    comment: T.\n"
                  "    columns:\n      - {name: id, type: int, primary_key: true}\n      - {name: a, type: text}\n"
                  f"    constraints:\n      - {{name: c, check: {json.dumps(check)}}}\n")


@pytest.mark.parametrize("check, message", [
    ("a = " + " || ".join(["'a'"] * 500), "holds 500 operators, more than the 256"),
    ("id > " + "(" * 500 + "1" + ")" * 500, "nests parentheses more than 32 deep"),
    (" or ".join(f"id = {i}" for i in range(30000)), "operators, more than the 256"),
    ("$1 > 0", "holds a parameter ($1)"),
    ("select 1", "is not valid PostgreSQL"),
    ("(array[1])[1:id] is not null", "psql replaces with the value of a variable"),
    ("a <> 'x\\'", "backslash in a plain string literal"),
])
@pytest.mark.parametrize("command", ["generate", "check", "lint", "validate"])
def test_hostile_expressions_are_one_line_errors(tmp_path, check, message, command):
    specs = _table_spec(tmp_path, check)
    started = time.monotonic()
    code, out, err = run(command, "--specs", str(specs), "--out", str(tmp_path / "out"))
    assert time.monotonic() - started < 10
    assert code == 2 and message in err and "Traceback" not in err
    assert re.match(r"\S+s\.yaml:10:\d+: E10\d error check ", err), err


def test_the_longest_allowed_expressions_go_through_every_command(tmp_path):
    check = "a = " + " || ".join(["'a'"] * 200) + " and id > " + "(" * 30 + "1" + ")" * 30
    specs = _table_spec(tmp_path, check)
    for command in ("generate", "lint", "validate"):
        code, out, err = run(command, "--specs", str(specs), "--out", str(tmp_path / "out"))
        assert code in (0, 1) and "Traceback" not in err, (command, err)


def test_a_role_with_dollars_in_its_name_is_made_on_the_throwaway_server(tmp_path):
    specs = _write(tmp_path / "specs", "s.yaml", textwrap.dedent("""\
        stage: 1
        title: T
        platform: supabase
        external:
          roles: [app$$user]
        tables:
          - name: t
            comment: T.
            rls: true
            columns: [{name: id, type: int, primary_key: true}]
            policies:
              - {name: p, command: select, roles: [app$$user], using: "true"}
    """))
    code, out, err = run("validate", "--live", "--specs", str(specs))
    assert code in (0, 1) and "Traceback" not in err and "V201" not in out, out + err


def test_drift_as_a_role_without_usage_on_storage_is_one_line(postgres, fresh_db, tmp_path):
    from schemagen import live
    from schemagen.load import load_project

    specs = _write(tmp_path / "specs", "s.yaml", SIMPLE)
    live.install_platform(fresh_db.admin, load_project(specs))
    fresh_db.admin.run("drop role if exists no_storage")
    fresh_db.admin.run("create role no_storage login")
    fresh_db.admin.run(f'grant create on database "{fresh_db.name}" to no_storage')
    try:
        code, out, err = run("drift", "--specs", str(specs), "--db", postgres.url("no_storage", fresh_db.name))
        assert (code, out) == (2, "")
        assert err == ("schemagen: cannot read the database as no_storage: permission denied for schema storage; "
                       "connect as a role that may use every schema the specs name (or limit drift to some with "
                       "--schema)\n")
    finally:
        fresh_db.admin.run(f'revoke create on database "{fresh_db.name}" from no_storage')
        fresh_db.admin.run("drop owned by no_storage")
        fresh_db.admin.run("drop role no_storage")


def test_names_too_long_for_a_file_are_refused_or_shortened(tmp_path):
    specs = _write(tmp_path / "specs", "s.yaml", SIMPLE)
    code, _, err = run("migrate", "--specs", str(specs), "--dir", str(tmp_path / "m"), "new", "x" * 300)
    assert code == 2 and "name it in at most 100" in err and "Traceback" not in err
    source = tmp_path / "a.sql"
    source.write_text("create table public.a (id int primary key);\n")
    code, _, err = run("import", "--sql", str(source), "--specs", str(tmp_path / "out"), "--title", "word " * 60,
                       "--no-verify")
    assert code == 0, err
    (written,) = (tmp_path / "out").iterdir()
    assert len(written.name) <= len("stage-01-.yaml") + 80


def test_a_slug_with_a_line_break_is_refused(tmp_path):
    specs = _write(tmp_path / "specs", "s.yaml", 'stage: 1\ntitle: T\nslug: "abc\\n"\n')
    code, _, err = run("generate", "--specs", str(specs), "--out", str(tmp_path / "out"))
    assert code == 2 and "does not match the pattern" in err
    assert not (tmp_path / "out").exists() or not any("\n" in p.name for p in (tmp_path / "out").rglob("*"))


def test_hostile_stage_documents_are_read_in_linear_time(tmp_path):
    """Each line is the worst case of one of the old patterns (16.5 s for 2.2 KB, cubic)."""
    from schemagen.importing.stage_doc import read

    n = 20_000
    text = ("# Stage 1 — T\n\n**Status:** x" + " " * n + "y\n\n```mermaid\nerDiagram\n  a " + "-" * n + " b\n"
            "  t {\n    a b" + " " * n + "x\n  }\n```\n\n- [x] " + " (" * n + "\n  - ⚪ `SG001` waived: "
            + " " * n + "\n\nTables from elsewhere that this stage references: " + "a" * n + ".\n")
    started = time.monotonic()
    read(text, "doc.md")
    assert time.monotonic() - started < 2


def test_a_huge_stage_range_is_a_one_line_error(tmp_path):
    document = tmp_path / "stage-1.md"
    document.write_text("# Stage 1 — T\n\n**Dependencies:** Stages 1-200000000\n\n```sql\ncreate table t (id int);\n```\n")
    code, _, err = run("import", "--stage-doc", str(document), "--specs", str(tmp_path / "s"), "--no-verify")
    assert code == 2 and "are not stage numbers" in err and "Traceback" not in err


def test_a_stand_in_in_a_schema_a_migration_owns_runs_nothing_as_the_superuser(tmp_path, drop_folder):
    """pg_net's stand-in lands in schema net; a migration that made net first owns it, and (as postgres
    may on Supabase) puts a trigger on the queue the stand-in writes to. Nothing of the stand-in runs
    as its maker, so the trigger runs as the caller."""
    marker = drop_folder / "standin"
    trap = escape_sql(marker).replace("do $x$ begin ", "").replace(" end $x$", "")
    migrations = _write(tmp_path / "migrations", "20250101000000_trap.sql", f"""\
create schema net;
create extension pg_net;
create function net.trap() returns trigger language plpgsql as $t$ begin {trap} return new; end $t$;
create trigger trap after insert on net.http_request_queue for each row execute function net.trap();
create table public.t (id int primary key);
select net.http_post('https://example.com', '{{}}'::jsonb);
""")
    code, _, err = run("import", "--migrations", str(migrations), "--specs", str(tmp_path / "specs"))
    assert "Traceback" not in err
    assert not marker.exists()
