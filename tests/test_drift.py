"""schemagen drift: a live database against the specs, and the SQL that repairs it."""

from __future__ import annotations

import io
from contextlib import contextmanager

import pytest
from conftest import CASES, STAGE5_SPECS

from schemagen import live
from schemagen.cli import main

SPEC = str(STAGE5_SPECS / "stage-05-advanced-tables.yaml")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def _template(postgres, name: str, specs):
    """A database built from ``specs`` once; each test copies it (a file copy, much cheaper than
    applying)."""
    from conftest import LiveDb

    admin = live.connect(postgres, "postgres", admin=True)
    admin.run(f"drop database if exists {name}")
    admin.run(f"create database {name} owner postgres")
    built = LiveDb(postgres, name)
    built.build(specs)
    built.close()
    yield name
    admin.run(f"drop database {name} with (force)")
    admin.close()


@pytest.fixture(scope="module")
def stage5_template(postgres):
    yield from _template(postgres, "stage5_template", STAGE5_SPECS)


@pytest.fixture
def stage5_db(postgres, stage5_template, request):
    from conftest import LiveDb

    name = "drift_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name.lower())[:40]
    admin = live.connect(postgres, "postgres", admin=True)
    admin.run(f'drop database if exists "{name}" with (force)')
    admin.run(f'create database "{name}" template {stage5_template} owner postgres')
    database = LiveDb(postgres, name)
    yield database, postgres.url("postgres", name)
    database.close()
    admin.run(f'drop database "{name}" with (force)')
    admin.close()


def drift(url: str, *extra: str) -> tuple[int, str, str]:
    return run("drift", "--specs", str(STAGE5_SPECS), "--db", url, *extra)


#: (statement that drifts the database, line of the spec object, the report)
DRIFTS = [
    ("create table public.stray (id int)", 5, "the database has table public.stray, which no spec defines"),
    ("drop table event_bus_messages", 200, "table public.event_bus_messages is missing from the database"),
    ("alter table api_keys drop column created_at", 173,
     "column public.api_keys.created_at is missing from the database"),
    ("alter table api_keys add column extra text", 158,
     "the database has column public.api_keys.extra, which the spec does not define"),
    ("alter table event_bus_messages alter column retry_count type bigint", 214,
     "type of public.event_bus_messages.retry_count is 'bigint' in the database, 'integer' in the spec"),
    ("alter table ai_tasks alter column priority set default 5", 88,
     "default of public.ai_tasks.priority is '5' in the database, '0' in the spec"),
    ("alter table user_sessions alter column expires_at drop not null", 128,
     "public.user_sessions.expires_at is nullable in the database, not null in the spec"),
    ("alter table ai_tasks drop constraint ai_tasks_agent_id_fkey, "
     "add foreign key (agent_id) references ai_agents(id) on delete cascade", 73,
     "foreign key public.ai_tasks(agent_id) → public.ai_agents(id): on delete is cascade in the database, "
     "set null in the spec"),
    ("alter table search_history drop constraint search_history_search_type_check", 41,
     "check CHECK (search_type = ANY (ARRAY['location'::text, 'trip'::text, 'general'::text])) on "
     "public.search_history is missing from the database"),
    ("alter table api_keys drop constraint api_keys_key_hash_key", 167,
     "unique public.api_keys(key_hash) is missing from the database"),
    ("alter table api_keys add constraint extra_check check (name <> '')", 158,
     "the database has check CHECK (name <> ''::text) on public.api_keys, which the spec does not define"),
    ("comment on table search_history is null", 30,
     "comment on table public.search_history is nothing in the database, 'User search history for "
     "personalization and analytics. Stores queries and results.' in the spec"),
    ("comment on column api_keys.name is 'Shown in the dashboard.'", 166,
     "comment of public.api_keys.name is 'Shown in the dashboard.' in the database, nothing in the spec"),
    ("alter table api_keys disable row level security", 158,
     "row level security on public.api_keys is off in the database, on in the spec"),
    ("drop policy \"Users can create API keys\" on api_keys", 180,
     'policy "Users can create API keys" on public.api_keys is missing from the database'),
    ("create policy extra on api_keys for select using (true)", 158,
     'the database has policy "extra" on public.api_keys, which the spec does not define'),
    ("alter policy \"Users can view their own AI tasks\" on ai_tasks using (true)", 94,
     "using of policy \"Users can view their own AI tasks\" on public.ai_tasks is 'true' in the database, "
     "'(user_id = auth.uid())' in the spec"),
    ("alter policy \"Users can create API keys\" on api_keys to anon", 180,
     "roles of policy \"Users can create API keys\" on public.api_keys is 'anon' in the database, "
     "'authenticated' in the spec"),
    ("drop index api_keys_is_active_idx", 196, "index api_keys_is_active_idx on public.api_keys is missing from "
                                               "the database"),
    ("create index extra_idx on api_keys (name)", 158,
     "the database has index extra_idx on public.api_keys, which the spec does not define"),
    ("drop index ai_tasks_priority_idx; create index ai_tasks_priority_idx on ai_tasks (priority, created_at)",
     110, "keys of index ai_tasks_priority_idx is 'priority, created_at' in the database, "
          "'priority desc, created_at' in the spec"),
]


@pytest.mark.parametrize("change,line,message", DRIFTS, ids=[d[0][:45] for d in DRIFTS])
def test_each_kind_of_drift_is_reported_and_repaired(stage5_db, change, line, message):
    conn, url = stage5_db
    assert drift(url) == (0, "", "the database matches the specs\n")
    conn.run(change)
    code, out, err = drift(url)
    assert code == 1
    assert out == f"{SPEC}:{line}:{out.split(':')[2]}: D100 error {message}\n"
    assert err == "1 difference between the database and the specs\n"
    code, sql, _ = drift(url, "--sql", "--allow-destructive")
    assert code == 1 and sql.startswith("-- generated by schemagen drift --sql")
    conn.run(sql)
    assert drift(url) == (0, "", "the database matches the specs\n")


def test_many_drifts_at_once_are_repaired_in_dependency_order(stage5_db):
    conn, url = stage5_db
    applied = 0
    for change, _, _ in sorted(DRIFTS, key=lambda d: d[0].startswith("drop table")):
        try:
            conn.run(change)
            applied += 1
        except Exception:  # a drift that an earlier one made moot (the policy it alters is gone)
            pass
    assert applied == len(DRIFTS) - 1
    code, out, _ = drift(url)
    assert code == 1 and len(out.splitlines()) >= 17
    code, sql, _ = drift(url, "--sql", "--allow-destructive")
    conn.run(sql)
    assert drift(url) == (0, "", "the database matches the specs\n")


def test_only_data_loss_waits_for_consent(stage5_db):
    """Dropping what holds no data (an index, a policy that lets anon read) is written by default:
    leaving it would keep a hole the specs close. Dropping a column waits for --allow-destructive."""
    conn, url = stage5_db
    conn.run("create index extra_idx on api_keys (name); alter table api_keys disable row level security; "
             "alter table api_keys add column note text; "
             "create policy anyone_reads on api_keys for select to anon using (true)")
    _, sql, _ = drift(url, "--sql")
    lines = sql.splitlines()
    assert lines[:2] == [
        "-- generated by schemagen drift --sql: statements that bring the database to the specs",
        "-- destructive statements are commented out; review them, then rerun with --allow-destructive to "
        "include them"]
    assert "drop policy anyone_reads on public.api_keys;" in lines
    assert "drop index public.extra_idx;" in lines
    assert "alter table public.api_keys enable row level security;" in lines
    assert "-- destructive: alter table public.api_keys drop column note;" in lines
    conn.run(sql)
    code, out, _ = drift(url)
    assert out == (f"{SPEC}:158:5: D100 error the database has column public.api_keys.note, "
                   "which the spec does not define\n")


def test_a_recreated_constraint_waits_for_consent_with_its_drop(stage5_db):
    conn, url = stage5_db
    conn.run("alter table ai_tasks drop constraint ai_tasks_agent_id_fkey, "
             "add foreign key (agent_id) references ai_agents(id) on delete cascade")
    _, sql, _ = drift(url, "--sql")
    assert "-- destructive: alter table public.ai_tasks drop constraint ai_tasks_agent_id_fkey;" in sql
    assert ("-- destructive: alter table public.ai_tasks add foreign key (agent_id) references "
            "public.ai_agents(id) on delete set null;") in sql


def test_json_and_github_formats(stage5_db):
    import json

    conn, url = stage5_db
    conn.run("drop index api_keys_is_active_idx")
    _, out, _ = drift(url, "--format", "json")
    assert json.loads(out) == [{"path": SPEC, "line": 196, "col": 9, "code": "D100", "severity": "error",
                                "message": "index api_keys_is_active_idx on public.api_keys is missing from "
                                           "the database", "waived": None}]
    _, out, _ = drift(url, "--format", "github")
    assert out == (f"::error file={SPEC},line=196,col=9,title=D100::D100 index api_keys_is_active_idx on "
                   "public.api_keys is missing from the database\n")


def test_unknown_schema_is_a_one_line_error(stage5_db):
    _, url = stage5_db
    code, out, err = drift(url, "--schema", "nope")
    assert (code, out) == (2, "")
    assert err == "schemagen: schema nope does not exist in this database; pass --schema with one that does\n"


def test_missing_permission_is_a_one_line_error(stage5_db, postgres):
    conn, url = stage5_db
    conn.run("do $$ begin if not exists (select from pg_roles where rolname = 'drift_reader') then "
             "create role drift_reader login; end if; end $$")
    limited = url.replace("postgres@", "drift_reader@")
    code, out, err = drift(limited)
    assert code == 2
    assert err.startswith("schemagen: permission denied for database") and err.count("\n") == 1
    assert "grant this user create on the database" in err


def test_unreachable_database_is_a_one_line_error():
    code, out, err = drift("postgresql://postgres@127.0.0.1:1/postgres")
    assert code == 2
    assert err.startswith("schemagen: cannot connect to 127.0.0.1:1:") and err.count("\n") == 1


def test_allow_destructive_needs_sql():
    code, _, err = drift("postgresql://postgres@127.0.0.1:1/postgres", "--allow-destructive")
    assert (code, err) == (2, "schemagen: --allow-destructive only applies with --sql\n")


TRIPS = CASES / "trips" / "specs"


@pytest.fixture
def trips_db(fresh_db, postgres):
    fresh_db.build(TRIPS)
    return fresh_db, postgres.url("postgres", fresh_db.name)


def trips_drift(url: str, *extra: str) -> tuple[int, str, str]:
    return run("drift", "--specs", str(TRIPS), "--db", url, *extra)


def test_policies_with_subqueries_on_their_own_table_do_not_drift(trips_db):
    """The outer references print as trip_stops.trip_id; scratch names must not leak into them."""
    conn, url = trips_db
    assert trips_drift(url) == (0, "", "the database matches the specs\n")
    assert trips_drift(url, "--sql")[1] == "-- generated by schemagen drift --sql: statements that bring the " \
                                           "database to the specs\n"
    conn.run('alter policy "Trip owners read stops" on trip_stops using (true)')
    code, out, _ = trips_drift(url)
    assert code == 1 and 'using of policy "Trip owners read stops" on public.trip_stops is' in out
    conn.run(trips_drift(url, "--sql")[1])
    assert trips_drift(url) == (0, "", "the database matches the specs\n")


def test_an_extra_column_with_an_index_and_a_check_is_dropped_in_an_order_that_applies(stage5_db):
    conn, url = stage5_db
    conn.run("alter table api_keys add column note text check (note <> '');"
             "create index api_keys_note_idx on api_keys (note)")
    code, sql, _ = drift(url, "--sql", "--allow-destructive")
    assert sql.index("drop index public.api_keys_note_idx") < sql.index("drop constraint api_keys_note_check") \
        < sql.index("drop column note")
    conn.run(sql)
    assert drift(url) == (0, "", "the database matches the specs\n")


def test_a_changed_check_is_one_consented_replace(stage5_db):
    conn, url = stage5_db
    conn.run("alter table ai_tasks drop constraint ai_tasks_status_check, add constraint ai_tasks_status_check "
             "check (status in ('pending', 'done'))")
    code, out, _ = drift(url)
    assert code == 1 and len(out.splitlines()) == 1
    assert "check CHECK (status = ANY (ARRAY['pending'::text, 'done'::text])) on public.ai_tasks is CHECK " in out
    _, sql, _ = drift(url, "--sql")
    assert sql.splitlines()[2:] == [
        "-- destructive: alter table public.ai_tasks drop constraint ai_tasks_status_check;",
        "-- destructive: alter table public.ai_tasks add constraint ai_tasks_status_check check (status in "
        "('pending', 'processing', 'completed', 'failed', 'cancelled')) not valid;",
        "-- destructive: alter table public.ai_tasks validate constraint ai_tasks_status_check;"]
    conn.run(drift(url, "--sql", "--allow-destructive")[1])
    assert drift(url) == (0, "", "the database matches the specs\n")
    assert conn.run("select count(*) from pg_constraint where conrelid = 'ai_tasks'::regclass and contype = 'c'") \
        == [[1]]


def test_a_policy_name_over_63_bytes_is_compared_as_postgresql_stores_it(fresh_db, postgres, tmp_path):
    import shutil

    specs = tmp_path / "specs"
    shutil.copytree(STAGE5_SPECS, specs)
    spec = specs / "stage-05-advanced-tables.yaml"
    long_name = "Users can view their own search history, and only theirs, whatever they search for"
    spec.write_text(spec.read_text().replace("Users can view their own search history", long_name))
    fresh_db.build(specs)
    url = postgres.url("postgres", fresh_db.name)
    assert run("drift", "--specs", str(specs), "--db", url) == (0, "", "the database matches the specs\n")
    stored = long_name.encode()[:63].decode()
    fresh_db.run(f'drop policy "{stored}" on search_history')
    code, out, _ = run("drift", "--specs", str(specs), "--db", url)
    assert out == f'{spec}:47:9: D100 error policy "{stored}" on public.search_history is missing from the database\n'


def test_a_unique_that_repeats_the_primary_key_is_not_a_missing_constraint(fresh_db, postgres, tmp_path):
    """PostgreSQL keeps one index for both; drift must neither miss it nor add a second (lint: SG023)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text("stage: 1\ntitle: T\ntables:\n  - name: t\n    columns:\n"
                                  "      - {name: id, type: uuid, primary_key: true, unique: true}\n"
                                  "      - {name: code, type: text, unique: true}\n"
                                  "    constraints:\n      - {unique: [code]}\n")
    fresh_db.build(specs)
    url = postgres.url("postgres", fresh_db.name)
    assert run("drift", "--specs", str(specs), "--db", url) == (0, "", "the database matches the specs\n")
    assert fresh_db.run("select count(*) from pg_index where indrelid = 't'::regclass") == [[2]]


def test_drift_works_for_a_role_limited_to_one_connection(fresh_db):
    """drift reads the catalog on a second connection when the server allows one; a role with a
    connection limit of one gets the same answer on one."""
    fresh_db.admin.run("drop role if exists solo")
    fresh_db.admin.run("create role solo login connection limit 1")
    fresh_db.admin.run(f'grant create on database "{fresh_db.name}" to solo')
    url = fresh_db.server.url("solo", fresh_db.name)
    try:
        limited = run("drift", "--specs", str(STAGE5_SPECS), "--db", url)
        fresh_db.admin.run("alter role solo connection limit -1")
        unlimited = run("drift", "--specs", str(STAGE5_SPECS), "--db", url)
        assert limited == unlimited
        assert limited[0] == 1 and "public.ai_tasks" in limited[1]
    finally:
        fresh_db.admin.run(f'revoke create on database "{fresh_db.name}" from solo')
        fresh_db.admin.run("drop owned by solo")
        fresh_db.admin.run("drop role solo")


def test_a_rename_the_specs_ask_for_is_the_whole_difference_and_its_repair_converges(fresh_db, postgres, tmp_path):
    """The renames are made in drift's own session, which the catalog read on the second session
    cannot see: it had called the renamed table missing beside the rename, and the repair renamed
    it, then made it again."""
    specs = tmp_path / "specs"
    specs.mkdir()
    spec = specs / "s.yaml"
    text = ("stage: 1\ntitle: T\ntables:\n  - name: notes\n    comment: Notes.\n    columns:\n"
            "      - {name: id, type: uuid, primary_key: true}\n      - {name: title, type: text}\n")
    spec.write_text(text)
    fresh_db.build(specs)
    url = postgres.url("postgres", fresh_db.name)
    spec.write_text(text.replace("  - name: notes\n", "  - name: memos\n    renamed_from: notes\n")
                    .replace("{name: title, type: text}", "{name: headline, type: text, renamed_from: title}"))
    code, out, _ = run("drift", "--specs", str(specs), "--db", url)
    assert (code, out) == (1, f"{spec}:4:5: D100 error constraint notes_pkey on public.memos is to be renamed "
                              "memos_pkey with its table\n"
                              f"{spec}:4:5: D100 error table public.notes is to be renamed memos (renamed_from)\n"
                              f"{spec}:9:9: D100 error column public.memos.title is to be renamed headline "
                              "(renamed_from)\n")
    fresh_db.run(run("drift", "--specs", str(specs), "--db", url, "--sql", "--allow-destructive")[1])
    assert run("drift", "--specs", str(specs), "--db", url) == (0, "", "the database matches the specs\n")


def test_specs_outside_public_are_read_whatever_drift_began_reading(fresh_db, postgres, tmp_path):
    """drift starts reading public's catalog before the specs load; specs that use other schemas
    only (the guess missed) or public and others (read into it) get the same answers."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text("stage: 1\ntitle: T\ntables:\n  - schema: app\n    name: notes\n    comment: Notes.\n"
                                  "    columns:\n      - {name: id, type: uuid, primary_key: true}\n")
    fresh_db.build(specs)
    url = postgres.url("postgres", fresh_db.name)
    assert run("drift", "--specs", str(specs), "--db", url) == (0, "", "the database matches the specs\n")
    fresh_db.run("comment on table app.notes is 'changed'")
    code, out, _ = run("drift", "--specs", str(specs), "--db", url)
    assert code == 1 and "comment on table app.notes is 'changed' in the database, 'Notes.' in the spec" in out
    (specs / "t.yaml").write_text("stage: 2\ntitle: U\ntables:\n  - name: items\n    comment: Items.\n"
                                  "    columns:\n      - {name: id, type: uuid, primary_key: true}\n"
                                  "    grants:\n      - {privileges: [delete], to: [anon], revoke: true}\n")
    code, out, _ = run("drift", "--specs", str(specs), "--db", url)
    assert code == 1 and "comment on table app.notes" in out and "table public.items is missing" in out


def test_an_extra_policy_on_storage_objects_and_an_extra_extension_are_drift(fresh_db, postgres):
    """The specs attach policies to storage.objects, so every policy there is theirs to say (#25: an
    anon policy there was "the database matches the specs"); an extension no spec declares is
    extra, one the platform puts in every project is not. The default repair drops the policy
    (no data is lost) and leaves the extension's drop for consent."""
    kinds = CASES / "kinds" / "specs"
    fresh_db.build(kinds)
    url = postgres.url("postgres", fresh_db.name)
    fresh_db.admin.run('create policy "anon lists files" on storage.objects for select to anon using (true)')
    fresh_db.admin.run("create extension citext")
    fresh_db.admin.run("create extension if not exists pg_stat_statements with schema extensions")
    code, out, _ = run("drift", "--specs", str(kinds), "--db", url)
    assert code == 1
    assert out.splitlines() == [
        f"{kinds / 'stage-01-trips-app.yaml'}:10:5: D100 error the database has extension citext, which no spec "
        "declares",
        f"{kinds / 'stage-04-files.yaml'}:22:9: D100 error the database has policy \"anon lists files\" on "
        "storage.objects, which the spec does not define"]
    code, sql, _ = run("drift", "--specs", str(kinds), "--db", url, "--sql")
    assert 'drop policy "anon lists files" on storage.objects;' in sql and "-- destructive: drop extension citext;" in sql
    fresh_db.admin.run(sql)
    code, out, _ = run("drift", "--specs", str(kinds), "--db", url)
    assert code == 1 and "citext" in out and "anon lists files" not in out


@contextmanager
def _copy_of(postgres, template: str, name: str):
    """A database copied from ``template`` for one test, dropped after: (database, its URL)."""
    from conftest import LiveDb

    admin = live.connect(postgres, "postgres", admin=True)
    admin.run(f'drop database if exists "{name}" with (force)')
    admin.run(f'create database "{name}" template {template} owner postgres')
    database = LiveDb(postgres, name)
    try:
        yield database, postgres.url("postgres", name)
    finally:
        database.close()
        admin.run(f'drop database "{name}" with (force)')
        admin.close()


@pytest.fixture(scope="module")
def kinds_template(postgres):
    yield from _template(postgres, "kinds_template", CASES / "kinds" / "specs")


#: Drifts whose default repair once failed to apply (#25 item 4) or was only a comment.
HAND_MADE = [
    ("alter table public.trip_members drop constraint trip_members_pkey, add primary key (user_id, trip_id)",
     "primary key of public.trip_members is (user_id, trip_id) in the database, (trip_id, user_id) in the spec"),
    ("alter table public.document_shares rename to shares",
     "table public.document_shares is missing from the database"),
    ("alter type public.trip_status rename value 'done' to 'finished'",
     "values of type public.trip_status are planned, active, finished in the database, planned, active, done"),
]


@pytest.mark.parametrize("change,message", HAND_MADE, ids=[h[0][:40] for h in HAND_MADE])
def test_the_default_repair_applies_and_with_consent_converges(postgres, kinds_template, change, message):
    """The default ``drift --sql`` applies as printed (what waits for consent is a comment); with
    ``--allow-destructive`` the database ends with no difference. A value renamed by hand is
    renamed back, keeping its rows, without consent."""
    kinds = CASES / "kinds" / "specs"
    with _copy_of(postgres, kinds_template, "hand_" + "".join(ch for ch in change if ch.isalnum())[:40]) as (
            database, url):
        database.admin.run(change)
        code, out, _ = run("drift", "--specs", str(kinds), "--db", url)
        assert code == 1 and message in out
        database.run(run("drift", "--specs", str(kinds), "--db", url, "--sql")[1])
        if "rename value" in change:
            assert run("drift", "--specs", str(kinds), "--db", url)[0] == 0
        database.run(run("drift", "--specs", str(kinds), "--db", url, "--sql", "--allow-destructive")[1])
        assert run("drift", "--specs", str(kinds), "--db", url) == (0, "", "the database matches the specs\n")


#: Policies changed by hand that let a user reach another's rows (#25 item 2): the default repair,
#: without consent, must undo each, since dropping or replacing a policy loses no data.
RLS_DRIFTS = [
    "alter policy \"Owners change trips\" on public.trips using (true) with check (true)",
    "create policy \"anyone reads\" on public.trips for select to anon using (true)",
    "drop policy \"Owners change trips\" on public.trips; create policy \"Owners change trips\" on public.trips "
    "as permissive for all to authenticated using (true)",
]


@pytest.mark.parametrize("change", RLS_DRIFTS, ids=["using true", "extra anon policy", "for all"])
def test_the_default_repair_closes_a_policy_hole_made_by_hand(postgres, kinds_template, change):
    kinds = CASES / "kinds" / "specs"
    with _copy_of(postgres, kinds_template, "rls_" + "".join(ch for ch in change if ch.isalnum())[:40]) as (
            database, url):
        for statement in change.split("; "):
            database.run(statement)
        assert run("drift", "--specs", str(kinds), "--db", url)[0] == 1
        sql = run("drift", "--specs", str(kinds), "--db", url, "--sql")[1]
        assert "-- destructive" not in sql
        database.run(sql)
        assert run("drift", "--specs", str(kinds), "--db", url) == (0, "", "the database matches the specs\n")
