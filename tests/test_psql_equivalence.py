"""Generated SQL means the same to psql as to PostgreSQL (issue #23, item 6).

Teams apply schemagen's migrations with ``psql -f`` or the Supabase CLI; schemagen's own proofs send
each statement over the protocol. psql reads the text first: it substitutes ``:NAME`` outside
quotes and tracks ``standard_conforming_strings`` to find where strings end. So each accepted
spec, mutated with the pieces psql reads differently, is applied three ways, psql with
``standard_conforming_strings`` on, psql with it off, and statement by statement over the
protocol, and the three catalogs must be the same.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemagen.cli import main

EXAMPLES = int(os.environ.get("SCHEMAGEN_FUZZ_EXAMPLES_PSQL", "25"))

#: Expressions over the table of ``SPEC``, valid for PostgreSQL, each reading differently to psql
#: or not: a variable psql always defines (ENCODING) after a colon, backslashes in strings of each
#: kind, colons inside quotes and after a space.
ATOMS = [r"vals[1:ENCODING] is not null", r"vals[1: ENCODING] is not null", r"vals[1:2] is not null",
         r"note <> 'a\'", r"note <> E'a\\'", r"note <> 'it''s'", r"note <> $$a\$$", r"note <> ':ENCODING'",
         r"note <> U&'\0041'", r"note <> ':''ENCODING'''", r"encoding::text <> 'x'", r"true"]
TEXTS = [r"plain", r":ENCODING", r"a\b", r"it's", r"\'", r"$$", r"-- x", r"E'\'"]
DEFAULTS = [r"'a\'", r"E'a\\'", r"':ENCODING'", r"''"]

SPEC = """\
stage: 1
title: T
platform: supabase
tables:
  - name: t
    comment: {comment}
    rls: true
    columns:
      - {{name: id, type: int, primary_key: true}}
      - {{name: encoding, type: int, not_null: true, default: 1}}
      - {{name: vals, type: "int[]"}}
      - {{name: note, type: text, default: {default}, comment: {column_comment}}}
    constraints:
      - {{name: c, check: {check}}}
    indexes:
      - {{columns: [note], where: {where}}}
    policies:
      - {{name: p, command: select, roles: [authenticated], using: {using}}}
"""


#: The catalog as text: what each way of applying made, in one comparable string.
CATALOG = """
select coalesce(string_agg(line, E'\\n' order by line), '') from (
  select 'rel ' || c.oid::regclass::text || ' ' || c.relkind::text || ' ' || coalesce(obj_description(c.oid, 'pg_class'), '-')
  from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('public', 'app')
  union all
  select 'col ' || a.attrelid::regclass::text || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
         || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-') || ' ' || coalesce(col_description(a.attrelid, a.attnum), '-')
  from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
  left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
  where n.nspname in ('public', 'app') and a.attnum > 0 and not a.attisdropped
  union all
  select 'con ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
  from pg_constraint where connamespace in ('public'::regnamespace)
  union all
  select 'pol ' || schemaname || '.' || tablename || ' ' || policyname || ' ' || cmd::text || ' ' || roles::text || ' '
         || coalesce(qual, '-') || ' ' || coalesce(with_check, '-') from pg_policies where schemaname in ('public', 'app')
  union all
  select 'idx ' || indexdef from pg_indexes where schemaname in ('public', 'app')
) lines(line)
"""


@pytest.fixture(scope="module")
def template(postgres, tmp_path_factory):
    """A database with the platform installed, copied for each way of applying."""
    from schemagen import live
    from schemagen.load import load_project

    admin = live.connect(postgres, admin=True)
    admin.run("drop database if exists psql_equivalence_template")
    admin.run("create database psql_equivalence_template owner postgres")
    admin.close()
    specs = tmp_path_factory.mktemp("platform_specs")
    (specs / "s.yaml").write_text("stage: 1\ntitle: T\nplatform: supabase\n", encoding="utf-8")
    conn = live.connect(postgres, "psql_equivalence_template", admin=True)
    try:
        live.install_platform(conn, load_project(specs))
    finally:
        conn.close()
    yield "psql_equivalence_template"


def _psql(postgres, database: str, sql_file, conforming: bool) -> None:
    from schemagen import pgserver

    psql = shutil.which("psql") or str(pgserver.find_bin_dir() / "psql")
    env = {**os.environ, "PGOPTIONS": f"-c standard_conforming_strings={'on' if conforming else 'off'}"}
    subprocess.run([psql, "-X", "-q", "-h", postgres.socket_dir, "-p", str(postgres.settings["port"]), "-U",
                    "postgres", "-d", database, "-f", str(sql_file)], capture_output=True, text=True, env=env,
                   timeout=60, stdin=subprocess.DEVNULL)


def _protocol(postgres, database: str, sql: str) -> None:
    from schemagen import live
    from schemagen.db import execute_one
    from schemagen.pgsql import split

    conn = live.connect(postgres, database)
    try:
        for piece in split(sql):
            try:
                execute_one(conn, piece.sql)
            except Exception:  # psql goes on past an error too
                pass
    finally:
        conn.close()


def _catalog(postgres, database: str) -> str:
    from schemagen import live

    conn = live.connect(postgres, database)
    try:
        return conn.run(CATALOG)[0][0]
    finally:
        conn.close()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("SCHEMAGEN_FUZZ_RANDOM"),
          database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_psql_and_the_protocol_build_the_same_catalog(postgres, template, tmp_path_factory, data):
    from schemagen import live

    def expression() -> str:
        return json.dumps(" and ".join(data.draw(st.lists(st.sampled_from(ATOMS), min_size=1, max_size=3))))

    text = SPEC.format(comment=json.dumps(data.draw(st.sampled_from(TEXTS))),
                       column_comment=json.dumps(data.draw(st.sampled_from(TEXTS))),
                       default=json.dumps(data.draw(st.sampled_from(DEFAULTS))),
                       check=expression(), where=expression(), using=expression())
    specs = tmp_path_factory.mktemp("specs")
    (specs / "s.yaml").write_text(text, encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    if main(["generate", "-q", "--specs", str(specs), "--out", str(out)], io.StringIO(), io.StringIO()) != 0:
        return  # refused at its file:line:col (test_untrusted_sql holds each refusal)
    (sql_file,) = (out / "sql").glob("*.sql")
    sql = sql_file.read_text("utf-8")
    admin = live.connect(postgres, admin=True)
    names = ["psql_on", "psql_off", "protocol"]
    try:
        for name in names:
            admin.run(f"drop database if exists {name}")
            admin.run(f"create database {name} template psql_equivalence_template owner postgres")
        _psql(postgres, "psql_on", sql_file, conforming=True)
        _psql(postgres, "psql_off", sql_file, conforming=False)
        _protocol(postgres, "protocol", sql)
        by_protocol = _catalog(postgres, "protocol")
        assert "\nrel t r " in by_protocol, sql  # the table was made: the comparison compares something
        assert _catalog(postgres, "psql_on") == by_protocol, sql
        assert _catalog(postgres, "psql_off") == by_protocol, sql
    finally:
        for name in names:
            admin.run(f"drop database if exists {name} with (force)")
        admin.close()
