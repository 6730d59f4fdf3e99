"""Issue #8's reproductions, each as it was found: no spec text or database name becomes SQL of its
own, no YAML crashes or exhausts schemagen, and nothing outside the output folder is touched.

Where the harm was done by ``psql -f`` applying a migration, the test applies schemagen's output
with psql itself against a table that must survive.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import textwrap
import threading
from pathlib import Path

import pytest
from conftest import STAGE5_SPECS

from schemagen.cli import main
from schemagen.diagnostics import SpecError
from schemagen.load import load_project


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


SPEC = """\
stage: 1
title: T
platform: supabase
tables:
  - name: notes
    comment: COMMENT
    columns:
      - {name: id, type: uuid, primary_key: true}
      - {name: user_id, type: uuid, not_null: true}
      - {name: COLUMN, type: text, default: DEFAULT}
    rls: true
    policies:
      - name: own
        command: select
        roles: [authenticated]
        using: USING
"""


def spec(tmp_path: Path, **parts: str) -> Path:
    """A one-stage spec with its parts replaced by (YAML-quoted) text."""
    import json

    text = SPEC
    defaults = {"COMMENT": "Notes.", "COLUMN": "body", "DEFAULT": "''", "USING": "user_id = auth.uid()"}
    for key, value in {**defaults, **parts}.items():
        text = text.replace(key, json.dumps(value))
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "s.yaml").write_text(text, encoding="utf-8")
    return specs


def spec_errors(specs: Path) -> list[tuple[int, str, str]]:
    with pytest.raises(SpecError) as info:
        load_project(specs)
    return [(d.pos.line, d.code, d.message) for d in info.value.diagnostics]


def generate_refuses(specs: Path, out: Path) -> str:
    """generate exits 2 with file:line:col and writes nothing; returns what it printed."""
    code, printed, err = run("generate", "--specs", str(specs), "--out", str(out))
    assert code == 2 and printed == ""
    assert err.startswith(f"{specs / 's.yaml'}:") and "Traceback" not in err
    assert not out.exists()
    return err


# --- fragments that used to become statements ------------------------------------------------


def test_carriage_return_in_a_comment_cannot_end_it(tmp_path):
    specs = spec(tmp_path, USING="true -- only owners\r); drop table public.victim; --")
    err = generate_refuses(specs, tmp_path / "out")
    assert "using contains an SQL comment" in err


def test_non_breaking_space_before_a_dollar_quote(tmp_path):
    specs = spec(tmp_path, COLUMN="body\u00a0$a$", USING="true\u00a0$a$ ) ; drop table public.victim; -- $a$")
    err = generate_refuses(specs, tmp_path / "out")
    assert "using" in err and "E105" in err


def test_unterminated_quote_in_a_default(tmp_path):
    specs = spec(tmp_path, DEFAULT="'a' || '", COMMENT="'; drop table public.victim; --")
    [(line, code, message)] = spec_errors(specs)
    assert (line, code) == (10, "E105")
    assert message.startswith("default unterminated quoted string")


def test_backslash_meta_command_in_a_policy(tmp_path):
    specs = spec(tmp_path, USING="true \\! touch file #")
    [(line, code, message)] = spec_errors(specs)
    assert (line, code) == (16, "E105")
    assert message.startswith('using is not valid PostgreSQL: syntax error at or near "\\"')


def test_plain_comment_that_swallows_the_closing_parenthesis(tmp_path):
    [(_, code, message)] = spec_errors(spec(tmp_path, USING="user_id = auth.uid() -- mine"))
    assert code == "E105" and "contains an SQL comment" in message


@pytest.mark.parametrize("using", ["true); drop table public.victim; select (true", "true; select 1",
                                   "true) with check (true", "1), (2", "true as x", "x from t"])
def test_a_fragment_is_exactly_one_expression(tmp_path, using):
    [(line, code, message)] = spec_errors(spec(tmp_path, USING=using))
    assert (line, code) == (16, "E105")
    assert message.startswith("using ")


@pytest.mark.parametrize("default,reason", [
    ("1 not null", "is not one default expression"),
    ("1, evil text", "is not one default expression"),
    ("en", "reads as the column name 'en'"),
])
def test_a_default_is_exactly_one_default_expression(tmp_path, default, reason):
    [(line, code, message)] = spec_errors(spec(tmp_path, DEFAULT=default))
    assert (line, code) == (10, "E105") and reason in message


def test_raw_sql_may_not_end_the_transaction(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text(textwrap.dedent("""\
        stage: 1
        title: T
        tables: [{name: t, columns: [{name: id, type: int}]}]
        sql_after:
          - name: sneaky
            sql: |
              select 1;
              commit;
          - name: trailing comment
            sql: "select 2 -- the ';' schemagen adds would be in here"
    """))
    errors = spec_errors(specs)
    assert [(line, code) for line, code, _ in errors] == [(6, "E105"), (10, "E105")]
    assert "controls the transaction (commit)" in errors[0][2]
    assert "ends inside a '--' comment" in errors[1][2]


def test_a_nul_escape_in_a_value_is_refused(tmp_path):
    """YAML's "\\0" puts a NUL in a value without one in the file; SQL text ends at it."""
    [(line, col, message)] = yaml_errors(tmp_path, 'stage: 1\ntitle: T\ntables:\n  - name: t\n'
                                                   '    comment: "a\\0b\'"\n    columns: [{name: id, type: int}]\n')
    assert (line, col) == (5, 14)
    assert message.startswith("this value holds a NUL character")


def test_literals_with_backslashes_read_the_same_without_standard_conforming_strings():
    from schemagen.sqltext import quote_literal

    assert quote_literal("C:\\path\\") == "E'C:\\\\path\\\\'"
    assert quote_literal("it's") == "'it''s'"


def _psql(postgres, database: str, sql_file: Path) -> subprocess.CompletedProcess:
    from schemagen import pgserver

    psql = shutil.which("psql") or str(pgserver.find_bin_dir() / "psql")
    return subprocess.run([psql, "-X", "-h", postgres.socket_dir, "-p", str(postgres.settings["port"]), "-U", "postgres",
                           "-d", database, "-f", str(sql_file)], capture_output=True, text=True)


def test_generated_migration_applied_with_psql_keeps_every_statement_its_own(fresh_db, postgres, tmp_path):
    """Names and comments full of quotes, dollars, backslashes and line breaks stay data."""
    fresh_db.run("create table public.victim (id int); insert into public.victim values (1)")
    nasty = "x'); drop table public.victim; -- $a$ \\\\ \r\n"
    specs = spec(tmp_path, COMMENT=nasty, COLUMN=nasty.strip())
    code, _, err = run("generate", "--specs", str(specs), "--out", str(tmp_path / "out"))
    assert code == 0, err
    sql_file = tmp_path / "out" / "sql" / "stage-01-t.sql"
    from schemagen import live
    from schemagen.load import load_project as load

    live.install_platform(fresh_db.admin, load(specs))
    result = _psql(postgres, fresh_db.name, sql_file)
    assert result.returncode == 0 and "ERROR" not in result.stderr, result.stderr
    assert fresh_db.run("select count(*) from public.victim") == [[1]]
    assert fresh_db.run("select obj_description('public.notes'::regclass)") == [[nasty]]


# --- what runs on a user's server -------------------------------------------------------------


def _url(postgres, database: str = "postgres") -> str:
    return postgres.url("postgres", database)


def test_validate_db_cannot_commit_or_leave_roles_behind(postgres, tmp_path):
    """A user's template that commits is refused before it is sent; raw SQL's roles are rolled back."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text(textwrap.dedent("""\
        stage: 1
        title: T
        tables: [{name: t, comment: T., columns: [{name: id, type: int, primary_key: true}]}]
        sql_after:
          - name: a role
            sql: create role schemagen_leftover nologin
    """))
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "table.sql.j2").write_text("commit;\ncreate table {{ table|qname }} (id int primary key);\n")
    code, out, err = run("validate", "--specs", str(specs), "--templates", str(templates), "--db", _url(postgres),
                         "--trust-specs")
    assert code == 1
    assert "schemagen did not send this statement: it controls the transaction (commit)" in out
    from schemagen import live

    admin = live.connect(postgres, admin=True)
    try:
        assert admin.run("select rolname from pg_roles where rolname = 'schemagen_leftover'") == []
        assert admin.run("select datname from pg_database where datname like 'schemagen_validate_%'") == []
    finally:
        admin.close()


def test_session_refuses_transaction_control_and_stops_if_the_transaction_ends(fresh_db):
    from schemagen import db

    session = fresh_db.session()
    try:
        with pytest.raises(db.StatementRefused, match=r"controls the transaction \(commit\)"):
            session.execute("commit")
        with pytest.raises(db.StatementRefused, match="2 statements"):
            session.execute("select 1; select 2")
        session.execute("create table scratch_only (id int)")
        with pytest.raises(db.ContainmentBroken):
            session._send("commit")  # as if the parser had been fooled: the check after the round trip
    finally:
        session.close()


def test_savepoints_travel_with_the_next_statement_and_still_undo(fresh_db, monkeypatch):
    """Savepoint bookkeeping is deferred to the next round trip; what a savepoint undoes is still
    undone before any later statement runs, and an empty one costs nothing."""
    from schemagen import db

    trips: list = []
    for name in ("execute_one", "execute_each"):
        real = getattr(db, name)
        monkeypatch.setattr(db, name, lambda conn, sql, real=real: trips.append(sql) or real(conn, sql))
    session = fresh_db.session()
    try:
        trips.clear()
        with session.scratch():
            pass
        assert trips == []
        with session.scratch():
            session.execute("create table undone (id int)")
        with pytest.raises(Exception, match="division by zero"):
            with session.scratch():
                session.execute("select 1/0")
        assert session.execute("select to_regclass('undone') is null") == [[True]]
        assert len(trips) == 3
        assert [sql.split()[0] for sql in trips[-1]] == ["rollback", "release", "select"]
    finally:
        session.close()


def test_only_a_throwaway_servers_session_commits_and_never_inside_a_savepoint(fresh_db):
    from schemagen import db, live

    session = fresh_db.session()
    try:
        session.apply(["create table kept_only_here (id int)"])
        with pytest.raises(db.ContainmentBroken, match="throwaway"):
            session.publish()
    finally:
        session.close()
    assert fresh_db.run("select to_regclass('kept_only_here') is null") == [[True]]
    throwaway = db.Session(live.connect(fresh_db.server, fresh_db.name), throwaway=True)
    try:
        throwaway.apply(["create table shared_with_others (id int)"])  # committed batch by batch
        assert fresh_db.run("select to_regclass('shared_with_others') is not null") == [[True]]
        with pytest.raises(db.ContainmentBroken, match="throwaway"):
            with throwaway.scratch():
                throwaway.publish()
    finally:
        throwaway.close()


def test_drift_leaves_nothing_on_the_server(fresh_db, postgres):
    fresh_db.build(STAGE5_SPECS)
    schemas = "select nspname from pg_namespace order by 1"
    before = fresh_db.run(schemas)
    code, _, _ = run("drift", "--specs", str(STAGE5_SPECS), "--db", _url(postgres, fresh_db.name))
    assert code == 0
    assert fresh_db.run(schemas) == before


def test_a_line_break_in_a_database_name_cannot_end_drifts_comment(fresh_db, postgres, tmp_path):
    fresh_db.build(STAGE5_SPECS)
    fresh_db.run('create table public."x\rdrop table public.api_keys; --" (id int)')
    fresh_db.run("insert into public.profiles values ('00000000-0000-4000-8000-000000000001')")
    fresh_db.run("insert into public.api_keys (user_id, name, key_hash, key_prefix) "
                 "values ('00000000-0000-4000-8000-000000000001', 'k', 'h', 'p')")
    code, sql, _ = run("drift", "--specs", str(STAGE5_SPECS), "--db", _url(postgres, fresh_db.name), "--sql")
    assert code == 1
    assert '-- destructive: drop table public."x\n-- drop table public.api_keys; --";' in sql
    script = tmp_path / "repair.sql"
    script.write_text(sql)
    result = _psql(postgres, fresh_db.name, script)
    assert result.returncode == 0 and "ERROR" not in result.stderr, result.stderr
    assert fresh_db.run("select count(*) from public.api_keys") == [[1]]


def test_messages_print_control_characters_escaped(fresh_db, postgres):
    fresh_db.build(STAGE5_SPECS)
    fresh_db.run('create table public."bad\rname\x1b[31m" (id int)')
    code, out, _ = run("drift", "--specs", str(STAGE5_SPECS), "--db", _url(postgres, fresh_db.name))
    assert code == 1
    assert "the database has table public.bad\\rname\\x1b[31m, which no spec defines" in out
    assert "\r" not in out and "\x1b" not in out


# --- the manifest and the output folder -----------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    shutil.copytree(STAGE5_SPECS, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    assert run("generate")[0] == 0
    return tmp_path


def test_manifest_entries_outside_the_folder_are_never_deleted(project):
    outside = project / "keep.txt"
    outside.write_text("mine")
    (project / "generated" / "sub").mkdir()
    manifest = project / "generated" / ".schemagen-manifest"
    manifest.write_text(manifest.read_text() + "../keep.txt\n" + f"{outside}\n" + "sub\n"
                        + "../specs/stage-05-advanced-tables.yaml\n")
    code, out, err = run("generate")
    assert code == 0
    assert outside.read_text() == "mine"
    assert (project / "specs" / "stage-05-advanced-tables.yaml").exists()
    assert (project / "generated" / "sub").is_dir()
    warnings = [line for line in err.splitlines() if line.startswith("schemagen: warning:")]
    assert len(warnings) == 4
    assert "generated/.schemagen-manifest:7: the entry '../keep.txt' is not a plain relative path" in warnings[0]
    assert "the entry 'sub' is not a regular file; ignored, and never deleted" in warnings[2]


def test_a_linked_folder_in_the_output_is_not_written_through(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(project / "generated" / "er")
    (project / "generated" / "er").symlink_to(elsewhere)
    code, _, err = run("generate")
    assert code == 2
    assert err.endswith("schemagen: generated/er is a link or a file, not a folder; schemagen writes only inside "
                        "generated: move it away, then run generate again\n")
    assert "the entry 'er/schema.mmd' goes through a symbolic link; ignored, and never deleted" in err
    assert list(elsewhere.iterdir()) == []


def test_modes_of_committed_files_are_kept_and_new_files_follow_the_umask(project):
    sql = project / "generated" / "sql" / "stage-05-advanced-tables.sql"
    sql.chmod(0o640)
    sql.write_text("changed\n")
    (project / "generated" / "er" / "schema.mmd").unlink()
    old = os.umask(0o022)
    try:
        assert run("generate")[0] == 0
    finally:
        os.umask(old)
    assert oct(sql.stat().st_mode & 0o777) == "0o640"
    assert oct((project / "generated" / "er" / "schema.mmd").stat().st_mode & 0o777) == "0o644"


def test_a_rename_failing_part_way_says_what_was_replaced(project, monkeypatch):
    for name in ("er/schema.mmd", "sql/stage-05-advanced-tables.sql"):
        (project / "generated" / name).write_text("stale\n")
    real_replace = os.replace

    def failing(src, dst):
        if str(dst).endswith(".sql"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    code, _, err = run("generate")
    assert code == 2
    assert err == ("schemagen: replacing sql/stage-05-advanced-tables.sql in generated failed: No space left on "
                   "device. Replaced: er/schema.mmd; not replaced: sql/stage-05-advanced-tables.sql. Fix the "
                   "cause and run generate again; it finishes the job\n")
    assert [p.name for p in (project / "generated").rglob(".*.tmp")] == []


def test_two_generates_take_turns(project):
    from schemagen.outputs import locked

    (project / "generated" / "er" / "schema.mmd").write_text("stale\n")
    results = []
    with locked(project / "generated"):
        worker = threading.Thread(target=lambda: results.append(run("generate")[0]))
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive() and results == []  # waiting for the lock, nothing written yet
        assert (project / "generated" / "er" / "schema.mmd").read_text() == "stale\n"
    worker.join()
    assert results == [0]


def test_out_pointing_at_a_file_is_one_line(project):
    (project / "file").write_text("x")
    for command in ("generate", "check"):
        code, _, err = run(command, "--out", "file")
        assert (code, err) == (2, "schemagen: --out file is a file; schemagen writes a folder of files there\n")


def test_unreadable_spec_files_are_spec_errors(project, monkeypatch):
    real = Path.read_text

    def unreadable(self, *args, **kwargs):
        if self.suffix == ".yaml":
            raise PermissionError(13, "Permission denied")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", unreadable)
    code, _, err = run("check")
    assert code == 2
    assert err.startswith("specs/stage-05-advanced-tables.yaml:1:1: E100 error cannot read the file: "
                          "Permission denied\n")


def test_a_specs_path_that_is_a_file(project):
    code, _, err = run("check", "--specs", "specs/stage-05-advanced-tables.yaml")
    assert code == 2
    assert "is a file; --specs takes the folder of stage spec files" in err


def test_user_templates_that_are_not_utf8_or_reach_for_python(project):
    templates = project / "templates"
    templates.mkdir()
    (templates / "table.sql.j2").write_bytes(b"caf\xe9 {{ table.name }}\n")
    code, _, err = run("check", "--templates", "templates")
    assert code == 2
    assert err == ("schemagen: template error: templates/table.sql.j2 is not UTF-8 text (invalid continuation "
                   "byte at byte 3); save it as UTF-8\n")
    (templates / "table.sql.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}\n")
    code, _, err = run("check", "--templates", "templates")
    assert code == 2
    assert "template error" in err and "unsafe" in err


# --- YAML that used to crash or exhaust schemagen ------------------------------------------


def yaml_errors(tmp_path: Path, text: str) -> list[tuple[int, int, str]]:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "s.yaml").write_text(text)
    with pytest.raises(SpecError) as info:
        load_project(specs)
    return [(d.pos.line, d.pos.col, d.message) for d in info.value.diagnostics]


def test_recursive_alias(tmp_path):
    assert yaml_errors(tmp_path, "stage: 1\ntitle: T\ntables: &a\n  - *a\n") == [
        (4, 5, "the alias *a refers to a value that contains it; a spec cannot be infinitely deep: copy the part "
               "you need")]


@pytest.mark.parametrize("depth", [600, 200_000])
def test_deep_nesting(tmp_path, depth):
    [(line, _, message)] = yaml_errors(tmp_path, "stage: 1\ntitle: T\ntables: " + "[" * depth + "]" * depth)
    assert line == 3 and message.startswith("the YAML nests deeper than 100 levels")


def test_alias_bomb_fails_fast(tmp_path):
    lines = ["stage: 1", "title: T", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    [(line, _, message)] = yaml_errors(tmp_path, "\n".join(lines + ["tables: *a9"]) + "\n")
    assert "aliases here expand to more than 10,000 values" in message


def test_merge_keys_work_as_yaml_defines_them(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text(textwrap.dedent("""\
        stage: 1
        title: T
        tables:
          - name: t
            columns:
              - {name: id, type: int, primary_key: true}
              - &owner {name: user_id, type: uuid, not_null: true, comment: Owner.}
              - {<<: *owner, name: editor_id}
    """))
    [table] = load_project(specs).tables
    editor = table.column("editor_id")
    assert (editor.type, editor.not_null, editor.comment) == ("uuid", True, "Owner.")


def test_merge_key_fields_are_merged(tmp_path):
    from schemagen.yamldoc import parse

    doc = parse("a: &d {x: 1, y: 2}\nb: {<<: *d, y: 3}\nc: {<<: [{p: 1}, {p: 2, q: 2}]}\n", "s.yaml")
    assert doc.data == {"a": {"x": 1, "y": 2}, "b": {"y": 3, "x": 1}, "c": {"p": 1, "q": 2}}
    assert doc.pos(("b", "x")).line == 2


def test_unknown_tags_are_refused(tmp_path):
    [(line, col, message)] = yaml_errors(tmp_path, "stage: 1\ntitle: !!python/object:os.system x\ntables: []\n")
    assert (line, col) == (2, 8)
    assert message.startswith("the YAML tag 'tag:yaml.org,2002:python/object:os.system' is not supported")


def test_errors_are_capped_per_file(tmp_path):
    columns = "\n".join(f"      - {{name: c{i}, type: text, bogus: 1}}" for i in range(500))
    found = yaml_errors(tmp_path, f"stage: 1\ntitle: T\ntables:\n  - name: t\n    columns:\n{columns}\n")
    assert len(found) == 51
    assert found[-1][2] == "more than 50 errors in this file; fix these first, then run again to see the rest"


def test_a_file_over_the_value_limit_is_refused(tmp_path, monkeypatch):
    from schemagen import yamldoc

    monkeypatch.setattr(yamldoc, "MAX_NODES", 1000)
    [(_, _, message)] = yaml_errors(tmp_path, "stage: 1\ntitle: T\ntables: [" + ", ".join(["1"] * 2000) + "]\n")
    assert message == "the file holds more than 1,000 YAML values; split the stage into several files"


def test_nan_and_infinity_are_not_written_as_bare_words(tmp_path):
    specs = spec(tmp_path)
    (specs / "s.yaml").write_text((specs / "s.yaml").read_text().replace('default: "\'\'"', "default: .nan"))
    [(line, code, message)] = spec_errors(specs)
    assert (line, code) == (10, "E105")
    assert "YAML reads this as the float nan" in message


# --- connections ------------------------------------------------------------------------------


@pytest.mark.parametrize("url,message", [
    ("postgresql://u@host:port/db", "--db URL is malformed (Port could not be cast to integer value as 'port')"),
    ("postgresql://u@host:70000/db", "--db URL is malformed (Port out of range 0-65535)"),
    ("postgresql://u@[::1/db", "--db URL is malformed (Invalid IPv6 URL)"),
])
def test_malformed_urls_are_one_line(url, message):
    code, out, err = run("drift", "--specs", str(STAGE5_SPECS), "--db", url)
    assert (code, out) == (2, "")
    assert err.startswith(f"schemagen: {message}") and err.count("\n") == 1


def test_a_host_that_is_no_dns_name_is_one_line():
    code, _, err = run("drift", "--specs", str(STAGE5_SPECS), "--db", f"postgresql://u@{'a' * 70}.example/db")
    assert code == 2
    assert err.startswith(f"schemagen: cannot connect to {'a' * 70}.example:5432: ") and err.count("\n") == 1


def _fake_server(answer: bytes) -> tuple[socket.socket, int]:
    """A server that declines TLS, reads the start-up message and sends ``answer``."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve():
        conn, _ = listener.accept()
        conn.recv(8)  # the driver asks for TLS first
        conn.sendall(b"N")
        conn.recv(1024)
        conn.sendall(answer)
        conn.recv(1024)
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener, listener.getsockname()[1]


@pytest.mark.parametrize("answer,expected", [
    (b"R" + (8).to_bytes(4, "big") + (3).to_bytes(4, "big"), "no password was provided; put it in the URL"),
    (b"\x00garbage", "the server does not answer as PostgreSQL does"),
])
def test_a_server_that_wants_a_password_or_speaks_nonsense_is_one_line(answer, expected):
    listener, port = _fake_server(answer)
    try:
        code, _, err = run("drift", "--specs", str(STAGE5_SPECS), "--db", f"postgresql://u@127.0.0.1:{port}/db")
    finally:
        listener.close()
    assert code == 2
    assert err.startswith(f"schemagen: cannot connect to 127.0.0.1:{port}: ")
    assert expected in err and err.count("\n") == 1


def test_pipelined_apply_reports_each_failure_and_keeps_the_rest(fresh_db):
    from schemagen import db

    session = fresh_db.session()
    try:
        failures = session.apply(["create table a (id int)", "create table a (id int)",
                                  "create table b (id int)", "select no_such_fn()", "create table c (id int)",
                                  "commit", "copy a from stdin"])
        assert [(i, db.database_message(exc).split(":")[0].split(" (hint")[0]) for i, exc in failures] == [
            (1, 'relation "a" already exists'), (3, "function no_such_fn() does not exist"),
            (5, "schemagen did not send this statement"), (6, "schemagen did not send this statement")]
        tables = session.query("select relname from pg_class where relname in ('a', 'b', 'c') order by 1")
        assert [name for (name,) in tables] == ["a", "b", "c"]
    finally:
        session.close()
    assert fresh_db.run("select count(*) from pg_class where relname in ('a', 'b', 'c')") == [[0]]
