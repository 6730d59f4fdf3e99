"""Every object kind, first-class: a loader error each, and on a real database a zero-drift build,
each kind of drift detected at its spec line, and the repair applied until drift is zero.

The fixture is tests/cases/kinds (its golden output is checked by test_golden), a trip-sharing
app written in the style of public Supabase projects.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import CASES, need_extension, need_library

from schemagen.cli import main
from schemagen.diagnostics import SpecError
from schemagen.load import load_project
from schemagen.render import render_project

KINDS = CASES / "kinds" / "specs"
SPEC = KINDS / "stage-01-trips-app.yaml"
PROFILES = KINDS / "stage-02-profiles.yaml"
SEARCH = KINDS / "stage-03-search.yaml"
FILES = KINDS / "stage-04-files.yaml"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def spec_errors(tmp_path: Path, body: str) -> list[tuple[int, str, str]]:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "s.yaml").write_text("stage: 1\ntitle: T\ntables:\n  - name: t\n    columns:\n"
                                  "      - {name: id, type: uuid, primary_key: true}\n" + body)
    with pytest.raises(SpecError) as info:
        load_project(specs)
    return [(d.pos.line, d.code, d.message) for d in info.value.diagnostics]


LOADER_ERRORS = {
    "extension": ("extensions:\n  - {name: pg_trgm, schma: extensions}\n", 8, "E102", "unknown key 'schma'"),
    "enum": ("enums:\n  - {name: mood, values: [happy, sad, happy]}\n", 8, "E103", "duplicate enum value 'happy'"),
    "domain": ("domains:\n  - {name: email, type: text, check: 'value like 1; drop table t'}\n", 8, "E105",
               "check contains ';'"),
    "sequence": ("sequences:\n  - {name: n, increment: 0}\n", 8, "E106", "increment must not be zero"),
    "function": ("functions:\n  - name: f\n    returns: trigger\n    language: plpgsql\n"
                 "    body: begin retrun new; end;\n", 11, "E105", "body is not valid PL/pgSQL"),
    "trigger": ("    triggers:\n      - {name: tr, timing: before, events: [truncate], function: f}\n", 8, "E106",
                "a truncate trigger fires once per statement"),
    "view": ("views:\n  - {name: v, query: 'select 1; select 2'}\n", 8, "E105", "query contains ';'"),
    "publication": ("publications:\n  - {name: p, provided_by: platform, publish: [insert]}\n", 8, "E106",
                    "publish belongs to whoever creates the publication"),
    "grant": ("    grants:\n      - {privileges: [execute], to: [anon]}\n", 8, "E106",
              "execute is not a privilege a table has"),
}


@pytest.mark.parametrize("kind", sorted(LOADER_ERRORS))
def test_each_kind_reports_a_bad_spec_at_its_line(tmp_path, kind):
    body, line, code, message = LOADER_ERRORS[kind]
    found = spec_errors(tmp_path, body)
    assert [(f[0], f[1]) for f in found] == [(line, code)], found
    assert message in found[0][2]


def test_a_function_that_returns_something_that_is_no_type(tmp_path):
    [(line, code, message)] = spec_errors(tmp_path, "functions:\n  - {name: f, returns: 'int language c', "
                                                    "language: sql, body: select 1}\n")
    assert (line, code) == (8, "E105")
    assert message.startswith("returns is not one return type")


ATTACH_ERRORS = {
    "unknown table": ("attach:\n  - {schema: storage, table: files, grants: [{privileges: [select], to: [anon]}]}\n",
                      "E104", "attach names unknown table storage.files; declare it under external.tables"),
    "own table": ("attach:\n  - {table: t, grants: [{privileges: [select], to: [anon]}]}\n",
                  "E106", "public.t is created by this stage; put its policies"),
    "unknown column": ("attach:\n  - {schema: auth, table: users, indexes: [{columns: [nickname]}]}\n",
                       "E104", "index users_nickname_idx names column 'nickname', which auth.users does not have"),
    "nothing": ("attach:\n  - {schema: auth, table: users}\n", "E101", "attach to auth.users adds nothing"),
}


@pytest.mark.parametrize("case", sorted(ATTACH_ERRORS))
def test_attaching_to_a_table_reports_a_bad_target_at_its_line(tmp_path, case):
    body, code, message = ATTACH_ERRORS[case]
    [(line, found_code, found)] = spec_errors(tmp_path, "platform: supabase\n" + body)
    assert (line, found_code) == (9, code), found
    assert message in found


def test_attaching_to_an_earlier_stage_needs_the_dependency(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "a.yaml").write_text("stage: 1\ntitle: A\ntables:\n  - name: t\n    columns:\n"
                                  "      - {name: id, type: uuid, primary_key: true}\n")
    (specs / "b.yaml").write_text("stage: 2\ntitle: B\ntables: []\nattach:\n"
                                  "  - {table: t, indexes: [{columns: [id], name: t_id_again}]}\n")
    with pytest.raises(SpecError) as info:
        load_project(specs)
    [d] = info.value.diagnostics
    assert (d.pos.line, d.code) == (5, "E104")
    assert "add 1 to depends_on" in d.message


@pytest.fixture
def kinds_db(fresh_db, postgres):
    need_extension(fresh_db, "vector", "pgvector (see .ci/run for a build from Debian's source package)")
    fresh_db.build(KINDS)
    return fresh_db, postgres.url("postgres", fresh_db.name)


def drift(url: str, *extra: str) -> tuple[int, str, str]:
    return run("drift", "--specs", str(KINDS), "--db", url, *extra)


CLEAN = (0, "", "the database matches the specs\n")

#: (kind, hand-made change, spec line of the object, what drift says)
DRIFTS = [
    ("extension", "alter extension pg_trgm set schema public", 10,
     "extension pg_trgm is in schema public in the database, extensions in the spec"),
    ("enum", "alter type trip_status add value 'cancelled'", 15,
     "values of type public.trip_status are planned, active, done, cancelled in the database"),
    ("domain", "alter domain money_amount set not null", 20,
     "not null of domain public.money_amount is true in the database, false in the spec"),
    ("domain check", "alter domain money_amount drop constraint money_amount_check", 20,
     "check (VALUE >= 0::numeric) of domain public.money_amount is missing from the database"),
    ("extra domain check", "alter domain money_amount add constraint money_cap check (value < 1000000) not valid", 20,
     "the database has check money_cap (VALUE < 1000000::numeric) on domain public.money_amount, which the "
     "spec does not define"),
    ("sequence", "alter sequence trip_number increment by 5", 26,
     "sequence public.trip_number: increment is 5 in the database, 1 in the spec"),
    ("sequence cache", "alter sequence trip_number cache 50", 26,
     "sequence public.trip_number: cache is 50 in the database, 1 in the spec"),
    ("column", "alter table trips alter column slug type text collate \"POSIX\"", 37,
     "collation of public.trips.slug is 'POSIX' in the database, 'C' in the spec"),
    ("generated", "alter table trips drop column title_search", 38,
     "column public.trips.title_search is missing from the database"),
    ("check", "alter table trips validate constraint trips_budget_cap", None, None),
    ("deferrable", "alter table trip_members drop constraint trip_members_user_trip_key, add constraint "
                   "trip_members_user_trip_key unique (user_id, trip_id)", 88,
     "unique public.trip_members(user_id, trip_id) is not deferrable in the database, initially deferred"),
    ("policy comment", "comment on policy \"Owners change trips\" on trips is null", 56,
     'comment of policy "Owners change trips" on public.trips is nothing in the database'),
    ("index", "drop index trips_updated_idx", 67, "index trips_updated_idx on public.trips is missing"),
    ("trigger", "drop trigger trips_set_updated_at on trips", 74,
     "trigger trips_set_updated_at on public.trips is missing from the database"),
    ("table grant", "grant delete on trips to anon", 79,
     "the spec revokes delete on table public.trips for anon, which the database still grants"),
    ("function", "create or replace function public.set_updated_at() returns trigger language plpgsql as "
                 "$$ begin return new; end $$", 99,
     "function public.set_updated_at(): its body differs between the database and the spec"),
    ("function grant", "grant execute on function public.is_trip_member(uuid) to anon", 125,
     "the spec revokes execute on function public.is_trip_member(uuid) for anon, which the database still grants"),
    ("view", "create or replace view trip_overview as select t.id, t.title, t.status, 0::bigint as members "
             "from trips t", 129, "definition of view public.trip_overview differs"),
    ("publication", "alter publication supabase_realtime drop table trip_members", 140,
     "publication supabase_realtime does not carry table public.trip_members"),
    ("schema grant", "revoke usage on schema extensions from authenticated", 145,
     "the spec grants usage on schema extensions for authenticated, which the database does not"),
    ("extra function", "create function public.stray() returns int language sql as 'select 1'", 4,
     "the database has function public.stray(), which no spec defines"),
    # What stage 2 attaches to tables it does not create: the platform's auth.users, stage 1's trips.
    ("attached trigger", "drop trigger on_auth_user_created on auth.users", (PROFILES, 48),
     "trigger on_auth_user_created on auth.users is missing from the database"),
    ("attached policy", 'drop policy "Owners delete trips" on trips', (PROFILES, 55),
     'policy "Owners delete trips" on public.trips is missing from the database'),
    ("attached index", "drop index trips_status_idx", (PROFILES, 60),
     "index trips_status_idx on public.trips is missing from the database"),
    ("attached grant", "revoke select on trips from authenticated", (PROFILES, 63),
     "the spec grants select on table public.trips for authenticated, which the database does not"),
    # Stage 3: pgvector's hnsw index and a moddatetime trigger, from extensions Supabase enables.
    ("hnsw index", "drop index trip_notes_embedding_idx", (SEARCH, 33),
     "index trip_notes_embedding_idx on public.trip_notes is missing from the database"),
    ("hnsw parameters", "alter index trip_notes_embedding_idx set (ef_construction = 100)", (SEARCH, 33),
     "parameters of index trip_notes_embedding_idx is 'ef_construction=100, m=16' in the database, "
     "'ef_construction=64, m=16' in the spec"),
    ("moddatetime trigger", "drop trigger trip_notes_updated_at on trip_notes", (SEARCH, 38),
     "trigger trip_notes_updated_at on public.trip_notes is missing from the database"),
    # Stage 4: storage buckets, and the policies on storage.objects that keep users to their folders.
    ("bucket", "update storage.buckets set public = false, allowed_mime_types = null where id = 'avatars'",
     (FILES, 11), "public of bucket avatars is false in the database, true in the spec"),
    ("missing bucket", "delete from storage.buckets where id = 'documents'", (FILES, 15),
     "bucket documents is missing from storage.buckets"),
    ("storage policy", 'drop policy "Users upload their own avatar" on storage.objects', (FILES, 28),
     'policy "Users upload their own avatar" on storage.objects is missing from the database'),
    ("uuid-ossp default", "alter table document_shares alter column id set default gen_random_uuid()", (FILES, 54),
     "default of public.document_shares.id is 'gen_random_uuid()' in the database, 'uuid_generate_v4()' in the spec"),
]


def test_a_database_built_from_the_kinds_specs_has_zero_drift(kinds_db):
    assert drift(kinds_db[1]) == CLEAN
    assert drift(kinds_db[1], "--sql")[1] == ("-- generated by schemagen drift --sql: statements that bring the "
                                              "database to the specs\n")


#: Changes only the platform's admin can make or undo (it owns pg_trgm's objects, and the auth
#: trigger is dropped as it): the repair, run as postgres, says so instead of writing a statement
#: PostgreSQL would ignore or refuse, and the admin's fix brings drift to zero.
PLATFORM_FIXES = {
    "attached trigger": (None, None),
    "extension": ("only the owner of its objects can move it", "alter extension pg_trgm set schema extensions"),
}


@pytest.mark.parametrize("kind,change,line,message", DRIFTS, ids=[d[0] for d in DRIFTS])
def test_each_kind_of_drift_is_reported_and_repaired(kinds_db, kind, change, line, message):
    database, url = kinds_db
    (database.admin if kind in PLATFORM_FIXES else database.owner).run(change)
    code, out, _ = drift(url)
    if message is None:  # validating a not-valid constraint only makes the database stricter: no drift
        assert (code, out) == (0, "")
        return
    assert code == 1
    path, line = line if isinstance(line, tuple) else (SPEC, line)
    assert f"{path}:{line}:" in out and message in out, out
    repair = drift(url, "--sql", "--allow-destructive")[1]
    database.run(repair)
    if kind in PLATFORM_FIXES and PLATFORM_FIXES[kind][0] is not None:
        note, fix = PLATFORM_FIXES[kind]
        assert note in repair, repair
        assert drift(url)[0] == 1  # the note changed nothing, and drift still says so
        database.admin.run(fix)
    assert drift(url) == CLEAN


TOUCH = """\
stage: 1
title: Touch
functions:
  - name: stamp
    returns: trigger
    language: plpgsql
    body: |
      begin
        return jsonb_populate_record(new, jsonb_build_object(tg_argv[0], now()));
      end;
tables:
  - name: notes
    comment: Notes.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: updated_at, type: timestamptz}
      - {name: edited_at, type: timestamptz}
    rls: true
    triggers:
      - name: notes_touch
        timing: before
        events: [update]
        function: public.stamp
        args: [updated_at]
"""


def built_from(fresh_db, postgres, tmp_path: Path, name: str, text: str):
    """A database built from one spec file: the file's path, and drift against the database."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / name).write_text(text)
    fresh_db.build(specs)
    url = postgres.url("postgres", fresh_db.name)

    def drift_here(*extra: str) -> tuple[int, str, str]:
        return run("drift", "--specs", str(specs), "--db", url, *extra)

    assert drift_here() == CLEAN
    return specs / name, drift_here


def each_drift_is_reported_and_repaired(fresh_db, spec: Path, drift_here, cases) -> None:
    """Each hand change, in turn: drift says what differs at the spec line, its repair brings it to zero."""
    for change, line, message in cases:
        fresh_db.run(change)
        code, out, _ = drift_here()
        assert code == 1 and f"{spec}:{line}:" in out and message in out, out
        fresh_db.run(drift_here("--sql", "--allow-destructive")[1])
        assert drift_here() == CLEAN


def test_trigger_arguments_reach_the_function_and_are_compared(fresh_db, postgres, tmp_path):
    """moddatetime-style triggers pass the column to stamp as an argument (TG_ARGV)."""
    spec, drift_here = built_from(fresh_db, postgres, tmp_path, "touch.yaml", TOUCH)
    fresh_db.run("insert into notes (id) values (gen_random_uuid()); update notes set edited_at = null")
    assert fresh_db.run("select updated_at is not null from notes") == [[True]]
    each_drift_is_reported_and_repaired(fresh_db, spec, drift_here, (
        ("drop trigger notes_touch on notes; create trigger notes_touch before update on notes "
         "for each row execute function stamp('edited_at')", 20,
         "args of trigger notes_touch on public.notes is edited_at in the database, updated_at in the spec"),))


VIEW_OPTIONS = """\
stage: 1
title: Views
tables:
  - name: notes
    comment: Notes.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: body, type: text}
      - {name: archived, type: boolean, not_null: true, default: 'false'}
    rls: true
views:
  - name: open_notes
    security_invoker: true
    security_barrier: true
    check_option: local
    query: select id, body, archived from public.notes where not archived
"""


def test_view_options_are_made_compared_and_repaired(fresh_db, postgres, tmp_path):
    """security_barrier and the check option live in the view's options, beside security_invoker:
    a database built from the spec has them, a change to either is drift, the repair restores them."""
    spec, drift_here = built_from(fresh_db, postgres, tmp_path, "views.yaml", VIEW_OPTIONS)
    assert fresh_db.run("select reloptions::text[] from pg_class where relname = 'open_notes'") == [
        [["security_invoker=true", "security_barrier=true", "check_option=local"]]]
    each_drift_is_reported_and_repaired(fresh_db, spec, drift_here, (
        ("alter view open_notes reset (check_option)", 12, "check option of view public.open_notes"),
        ("alter view open_notes set (security_barrier = false)", 12, "security barrier of view public.open_notes")))


def test_view_options_are_for_plain_views(tmp_path):
    errors = spec_errors(tmp_path, "views:\n  - {name: v, materialized: true, check_option: local, "
                                   "security_barrier: true, query: select 1}\n")
    assert [(code, message) for _, code, message in errors] == [
        ("E106", "a materialized view stores its rows; check_option applies to plain views only"),
        ("E106", "a materialized view stores its rows; security_barrier applies to plain views only")]


AUDIT = """\
stage: 1
title: Audit
functions:
  - name: is_positive
    args: [{name: x, type: integer}]
    returns: boolean
    language: sql
    volatility: immutable
    parallel: safe
    cost: 5
    body: select x > 0
  - name: first_ids
    returns: setof bigint
    language: sql
    volatility: stable
    rows: 10
    body: select id from public.items limit 10
  - name: audit_items
    returns: trigger
    language: plpgsql
    body: |
      begin
        insert into public.item_log (n) select count(*) from inserted;
        return null;
      end;
tables:
  - name: items
    comment: Items.
    columns:
      - {name: id, type: bigint, primary_key: true}
    triggers:
      - name: items_audit
        timing: after
        events: [insert]
        for_each: statement
        referencing: {new_table: inserted}
        function: public.audit_items
      - name: items_audit_replica
        timing: after
        events: [insert]
        for_each: statement
        referencing: {new_table: inserted}
        function: public.audit_items
        enabled: false
  - name: item_log
    comment: How many items each insert added.
    columns:
      - {name: n, type: bigint}
"""


def test_function_estimates_transition_tables_and_trigger_firing_are_made_compared_and_repaired(
        fresh_db, postgres, tmp_path):
    """Each of these was once dropped by import while it called itself proven, and drift did not
    see a change to it: now each is a spec key, read back from the catalog and repaired."""
    spec, drift_here = built_from(fresh_db, postgres, tmp_path, "audit.yaml", AUDIT)
    fresh_db.run("insert into items values (1), (2)")
    assert fresh_db.run("select n from item_log") == [[2]]  # the enabled trigger read its transition table
    each_drift_is_reported_and_repaired(fresh_db, spec, drift_here, (
        ("alter function is_positive(integer) parallel unsafe", 4,
         "function public.is_positive(integer): parallel is 'unsafe' in the database, 'safe' in the spec"),
        ("alter function is_positive(integer) cost 100", 4,
         "function public.is_positive(integer): cost is 100 in the database, 5 in the spec"),
        ("alter function first_ids() rows 1000", 12,
         "function public.first_ids(): rows is 1000 in the database, 10 in the spec"),
        ("alter table items enable trigger items_audit_replica", 38,
         "firing of trigger items_audit_replica on public.items is 'origin' in the database, 'disabled'"),
        ("alter table items enable replica trigger items_audit", 32,
         "firing of trigger items_audit on public.items is 'replica' in the database, 'origin'"),
        ("drop trigger items_audit on items; create trigger items_audit after insert on items for each statement "
         "execute function audit_items()", 32,
         "transition tables of trigger items_audit on public.items is none in the database, "
         "new table inserted in the spec")))


SETTINGS = """\
stage: 1
title: Reports
functions:
  - name: slow_report
    schema: app
    returns: bigint
    language: sql
    volatility: stable
    search_path: []
    settings: {statement_timeout: 5s, work_mem: 64MB, enable_seqscan: false}
    body: select 1::bigint
"""


def test_function_settings_are_made_compared_and_repaired_in_a_stage_of_functions_only(
        fresh_db, postgres, tmp_path):
    """A stage with no table was not compared at all (drift read the schemas of tables only) and
    said the database matched; settings other than search_path made a function raw SQL."""
    fresh_db.run("create schema app")
    spec, drift_here = built_from(fresh_db, postgres, tmp_path, "reports.yaml", SETTINGS)
    sql = render_project(load_project(spec.parent))["sql/stage-01-reports.sql"]
    assert ("set search_path = ''\nset statement_timeout = '5s'\nset work_mem = '64MB'\n"
            "set enable_seqscan = 'off'\nas $$") in sql
    each_drift_is_reported_and_repaired(fresh_db, spec, drift_here, (
        ("alter function app.slow_report() set statement_timeout = '9s'", 4,
         "function app.slow_report(): config is 'enable_seqscan=off', 'search_path=\"\"', 'statement_timeout=9s', "
         "'work_mem=64MB' in the database, 'enable_seqscan=off', 'search_path=\"\"', 'statement_timeout=5s', "
         "'work_mem=64MB' in the spec"),
        ("create or replace function app.slow_report() returns bigint language sql stable set search_path = '' "
         "set statement_timeout = '5s' set work_mem = '64MB' set enable_seqscan = 'off' as $$ select 2::bigint $$",
         4, "function app.slow_report(): its body differs between the database and the spec")))


def test_a_setting_is_named_as_set_takes_it(tmp_path):
    errors = spec_errors(tmp_path, "functions:\n  - name: f\n    returns: int\n    language: sql\n    body: select 1\n"
                                   "    settings: {\"work_mem = '1GB'; drop table t; --\": 1, search_path: public}\n")
    assert [(line, code, message.split(":")[0]) for line, code, message in errors] == [
        (12, "E106", "\"work_mem = '1GB'; drop table t; --\" is not a configuration parameter's name"),
        (12, "E106", "search_path has a key of its own")]


def test_estimates_and_transition_tables_are_checked_where_they_are_written(tmp_path):
    errors = spec_errors(tmp_path, "functions:\n  - {name: f, returns: int, language: sql, rows: 5, cost: 0, "
                                   "body: select 1}\n")
    assert [(code, message.split(":")[0]) for _, code, message in errors] == [
        ("E106", "rows is the planner's estimate of the rows a set-returning function returns"),
        ("E106", "cost must be positive")]
    errors = spec_errors(tmp_path, "    indexes:\n      - {columns: [id], nulls_not_distinct: true}\n")
    assert ("E106", "nulls_not_distinct is for a unique index: add 'unique: true' or leave it out") in [
        (c, m) for _, c, m in errors]
    errors = spec_errors(tmp_path, "    triggers:\n      - {name: tr, timing: before, events: [insert], "
                                   "referencing: {new_table: added}, function: f}\n")
    assert ("E106", "transition tables belong to after triggers") in [(c, m) for _, c, m in errors]


INDEX_KEYS = """\
stage: 1
title: Lookups
tables:
  - name: codes
    comment: Codes.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: code, type: text}
      - {name: label, type: text}
    indexes:
      - columns: [{column: code, opclass: text_pattern_ops}]
      - columns: [{column: label, collate: C, order: desc}]
      - {name: codes_label_key, unique: true, nulls_not_distinct: true, columns: [label]}
"""


def test_index_operator_classes_collations_and_null_handling_are_compared_and_repaired(fresh_db, postgres, tmp_path):
    """The one-column form of pg_get_indexdef drops a key's operator class and collation: an index
    remade without them once read as unchanged, as did an invalid one a failed concurrent build left."""
    spec, drift_here = built_from(fresh_db, postgres, tmp_path, "lookups.yaml", INDEX_KEYS)
    each_drift_is_reported_and_repaired(fresh_db, spec, drift_here, (
        ("drop index codes_code_idx; create index codes_code_idx on codes (code)", 11,
         "keys of index codes_code_idx is 'code' in the database, 'code text_pattern_ops' in the spec"),
        ("drop index codes_label_idx; create index codes_label_idx on codes (label desc)", 12,
         """keys of index codes_label_idx is 'label desc' in the database, 'label collate "C" desc' in the spec"""),
        ("drop index codes_label_key; create unique index codes_label_key on codes (label)", 13,
         "nulls not distinct of index codes_label_key is false in the database, true in the spec")))
    # A unique index built concurrently over duplicates fails and stays behind, invalid.
    fresh_db.run("drop index codes_label_key")
    fresh_db.run("insert into codes (id, label) values (gen_random_uuid(), 'twice'), (gen_random_uuid(), 'twice')")
    with pytest.raises(Exception, match="could not create unique index"):
        fresh_db.run("create unique index concurrently codes_label_key on codes (label) nulls not distinct")
    code, out, _ = drift_here()
    assert code == 1 and f"{spec}:13:" in out and "index codes_label_key on public.codes is invalid in the database" in out
    fresh_db.run("delete from codes")
    fresh_db.run(drift_here("--sql", "--allow-destructive")[1])
    assert drift_here() == CLEAN


ORDERS = """\
stage: 1
title: Orders
sql_before:
  - {name: price ranges, sql: create type public.price_range as range (subtype = numeric);}
functions:
  - name: check_order
    returns: trigger
    language: plpgsql
    body: |
      begin
        return null;
      end;
tables:
  - name: regions
    comment: Regions.
    columns:
      - {name: id, type: int}
      - {name: country, type: text}
    constraints:
      - {primary_key: [id, country]}
      - {unique: [country, id], nulls_not_distinct: true}
  - name: orders
    comment: Orders.
    columns:
      - {name: id, type: bigint, primary_key: true}
      - {name: region, type: int}
      - {name: country, type: text}
      - {name: price, type: public.price_range}
    constraints:
      - {name: orders_region_fk, foreign_key: [region, country], references: {table: regions, columns: [id, country]}, match: full}
    triggers:
      - name: orders_checked
        constraint: true
        initially_deferred: true
        timing: after
        events: [insert, update]
        function: public.check_order
"""


def test_constraint_triggers_match_full_and_unique_nulls_are_made_compared_and_repaired(fresh_db, postgres, tmp_path):
    """Each read as unchanged once: a trigger remade as an ordinary one, a reference remade
    ``match simple``, a unique constraint remade with distinct nulls, a second copy of a reference.
    A range type's constructors, which PostgreSQL makes with it, are not extra functions."""
    spec, drift_here = built_from(fresh_db, postgres, tmp_path, "orders.yaml", ORDERS)
    assert fresh_db.run("select tgdeferrable, tginitdeferred from pg_trigger where tgname = 'orders_checked'") == [
        [True, True]]
    each_drift_is_reported_and_repaired(fresh_db, spec, drift_here, (
        ("drop trigger orders_checked on orders; create trigger orders_checked after insert or update on orders "
         "for each row execute function check_order()", 32,
         "kind of trigger orders_checked on public.orders is an ordinary trigger in the database, "
         "an initially deferred constraint trigger in the spec"),
        ("drop trigger orders_checked on orders; create constraint trigger orders_checked after insert or update "
         "on orders deferrable for each row execute function check_order()", 32,
         "a deferrable constraint trigger in the database, an initially deferred constraint trigger in the spec"),
        ("alter table orders drop constraint orders_region_fk, add constraint orders_region_fk foreign key "
         "(region, country) references regions (id, country)", 30,
         "is match simple in the database, match full in the spec"),
        ("alter table regions drop constraint regions_country_id_key, add unique (country, id)", 21,
         "unique public.regions(country, id) is nulls distinct in the database, nulls not distinct in the spec"),
        ("alter table orders add constraint orders_region_again foreign key (region, country) "
         "references regions (id, country) match full", 22,
         "the database has foreign key public.orders(region, country) → public.regions(id, country) a second "
         "time, as orders_region_again, which the spec does not define"),
        ("alter table orders drop constraint orders_region_fk, add constraint orders_region_fk foreign key "
         "(region, country) references regions (id, country) match full on delete set null (region)", 30,
         "on delete is set null (region) in the database, no action in the spec")))


def test_constraint_triggers_are_after_row_triggers(tmp_path):
    errors = spec_errors(tmp_path, "    triggers:\n      - {name: tr, timing: before, events: [insert], "
                                   "constraint: true, function: f}\n"
                                   "      - {name: tr2, timing: after, events: [insert], deferrable: true, "
                                   "function: f}\n")
    assert [(c, m) for _, c, m in errors if c == "E106"] == [
        ("E106", "a constraint trigger is an after trigger for each row, without transition tables"),
        ("E106", "only a constraint trigger can be deferred; add 'constraint: true'")]


COUNTERS = """\
stage: 1
title: Counters
platform: supabase
sequences:
  - name: ticket_no
    grants:
      - {privileges: [usage], to: [authenticated]}
      - {privileges: [all], to: [anon], revoke: true}
tables:
  - name: tickets
    comment: Tickets.
    columns:
      - {name: id, type: bigint, primary_key: true, default: nextval('public.ticket_no')}
      - {name: topic, type: text}
views:
  - name: topic_counts
    materialized: true
    query: select topic, count(*) as n from public.tickets group by topic
sql_after:
  - name: topic counts key
    sql: create unique index topic_counts_topic on public.topic_counts (topic);
"""


def test_sequence_grants_are_made_compared_and_repaired_and_a_raw_index_on_a_materialized_view_is_found(
        fresh_db, postgres, tmp_path):
    """A sequence's privileges were not read at all (an import dropped them while calling itself
    proven); an index raw SQL makes on a materialized view was reported missing, as drift did not
    read those."""
    spec, drift_here = built_from(fresh_db, postgres, tmp_path, "counters.yaml", COUNTERS)
    each_drift_is_reported_and_repaired(fresh_db, spec, drift_here, (
        ("revoke usage on sequence ticket_no from authenticated", 7,
         "the spec grants usage on sequence public.ticket_no for authenticated, which the database does not"),
        ("grant select on sequence ticket_no to anon", 8,
         "the spec revokes select on sequence public.ticket_no for anon, which the database still grants")))
    fresh_db.run("drop index topic_counts_topic")
    code, out, _ = drift_here()
    assert code == 1 and "creates index public.topic_counts.topic_counts_topic, which the database lacks" in out, out


TEAMS = """\
stage: 1
title: Teams
tables:
  - name: teams
    comment: Teams.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: owner_id, type: uuid, references: {table: members, on_delete: set null, name: teams_owner_fk}}
  - name: members
    comment: Members.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: team_id, type: uuid, references: {table: teams, on_delete: cascade}}
      - {name: level, type: int}
sql_after:
  - name: a level never inherited
    sql: alter table public.members add constraint members_level_check check (level > 0) no inherit;
  - name: the team reference again
    sql: alter table public.members add constraint members_team_again foreign key (team_id) references public.teams;
"""


def test_tables_that_reference_each_other_are_made_and_raw_constraints_are_found_by_name(
        fresh_db, postgres, tmp_path):
    """Two tables referencing each other were a spec error (E108, break the cycle by hand); the
    reference to the table written later is now added once both exist. Constraints raw SQL adds by
    name (a check ``no inherit``, a second copy of a reference) are neither extra nor missing."""
    spec, drift_here = built_from(fresh_db, postgres, tmp_path, "teams.yaml", TEAMS)
    sql = render_project(load_project(spec.parent))["sql/stage-01-teams.sql"]
    assert sql.index("create table public.members") < sql.index(
        "alter table public.teams add constraint teams_owner_fk foreign key (owner_id) references public.members(id) "
        "on delete set null;") < sql.index("-- a level never inherited")
    assert "  owner_id uuid\n);" in sql  # the reference is not in create table
    each_drift_is_reported_and_repaired(fresh_db, spec, drift_here, (
        ("alter table teams drop constraint teams_owner_fk", 8,
         "foreign key public.teams(owner_id) → public.members(id) is missing from the database"),))
    fresh_db.run("alter table members drop constraint members_team_again")
    code, out, _ = drift_here()
    assert code == 1 and "creates constraint public.members.members_team_again, which the database lacks" in out


FEED = """\
stage: 1
title: Feed
platform: supabase
tables:
  - name: messages
    comment: Messages.
    columns:
      - {name: id, type: bigint, primary_key: true}
      - {name: body, type: text}
      - {name: secret, type: text}
publications:
  - name: supabase_realtime
    provided_by: the Supabase platform
    tables: [messages]
  - name: audit_feed
    tables: [messages]
"""


def test_a_table_published_with_only_some_columns_or_rows_is_drift(fresh_db, postgres, tmp_path):
    """PostgreSQL 15 publishes a table's chosen columns or matching rows only: that read as no drift."""
    spec, drift_here = built_from(fresh_db, postgres, tmp_path, "feed.yaml", FEED)
    each_drift_is_reported_and_repaired(fresh_db, spec, drift_here, (
        ("alter publication audit_feed set table messages (id, body)", 15,
         "publication audit_feed carries table public.messages with only columns id, body in the database; "
         "the spec publishes all of it"),
        ("alter publication supabase_realtime set table messages where (id > 0)", 12,
         "publication supabase_realtime carries table public.messages with only rows where (id > 0) in the "
         "database")))


REALTIME = """\
stage: 1
title: Realtime
tables:
  - name: events
    comment: Events Realtime streams with their old rows.
    columns:
      - {name: id, type: bigint, primary_key: true}
      - {name: code, type: text, not_null: true, unique: true}
    replica_identity: full
  - name: cache_entries
    comment: A cache; a crash may empty it.
    unlogged: true
    columns:
      - {name: key, type: text, primary_key: true}
    replica_identity: {index: cache_entries_pkey}
"""


def test_unlogged_tables_and_replica_identity_are_made_compared_and_repaired(fresh_db, postgres, tmp_path):
    """Realtime sends an update's whole old row only with replica identity full; an unlogged table
    is emptied by a crash. Drift did not read either (import kept them as raw SQL)."""
    spec, drift_here = built_from(fresh_db, postgres, tmp_path, "realtime.yaml", REALTIME)
    assert fresh_db.run("select relname, relpersistence, relreplident from pg_class "
                        "where relname in ('events', 'cache_entries') order by 1") == [
        ["cache_entries", "u", "i"], ["events", "p", "f"]]
    each_drift_is_reported_and_repaired(fresh_db, spec, drift_here, (
        ("alter table events replica identity default", 4,
         "replica identity of public.events is default in the database, full in the spec"),
        ("alter table cache_entries replica identity nothing", 10,
         "replica identity of public.cache_entries is nothing in the database, using index cache_entries_pkey "
         "in the spec"),
        ("alter table cache_entries set logged", 10,
         "public.cache_entries is logged in the database, unlogged in the spec")))


def test_a_replica_identity_index_is_a_key_or_unique_index(tmp_path):
    errors = spec_errors(tmp_path, "    replica_identity: {index: t_id_idx}\n")
    assert ("E104", "replica identity names index 't_id_idx', which is not one of public.t's keys or unique "
                    "indexes without a where condition; expected one of: t_pkey") in [(c, m) for _, c, m in errors]


def test_a_grant_or_revoke_this_user_cannot_make_is_a_note_not_a_silent_no_op():
    """PostgreSQL only warns when a grant lacks grant option or a revoke names another's grant,
    so such a repair would change nothing: it is said instead."""
    from schemagen.kinds.base import Change
    from schemagen.kinds.grant.catalog import Authority, Held
    from schemagen.kinds.grant.diff import repair
    from schemagen.model import NOWHERE

    key = ("schema", "", "auth", "", "reporting", "usage")
    missing = Change("privilege.missing", key, "the spec grants usage on schema auth for reporting", NOWHERE,
                     have=Authority(owner=False))
    [note] = repair(missing, None)
    assert note.phase == "note" and "neither owns it nor holds usage with grant option" in note.sql
    [grant] = repair(Change("privilege.missing", key, "", NOWHERE, have=Authority(grant_options={"usage"})), None)
    assert grant.sql == "grant usage on schema auth to reporting;"
    [note] = repair(Change("privilege.extra", key, "the spec revokes …", NOWHERE, have=Held(revocable=False)), None)
    assert note.phase == "note" and "another role granted it" in note.sql
    [revoke] = repair(Change("privilege.extra", key, "", NOWHERE, have=Held(revocable=True)), None)
    assert revoke.sql == "revoke usage on schema auth from reporting;"


def test_buckets_need_the_supabase_platform_and_a_plain_id(tmp_path):
    found = spec_errors(tmp_path, "buckets:\n  - {id: avatars}\n  - {id: a/b, file_size_limit: 0}\n")
    assert [(f[0], f[1]) for f in found] == [(7, "E106"), (9, "E105"), (9, "E106")], found
    assert found[0][2] == "buckets live in Supabase Storage: add 'platform: supabase'"
    assert "cannot hold '/'" in found[1][2] and "bytes above zero" in found[2][2]


OPEN_BUCKET = """\
stage: 1
title: Uploads
platform: supabase
buckets:
  - {id: uploads, public: true}
attach:
  - schema: storage
    table: objects
    policies:
      - {name: Anyone reads uploads, command: select, roles: [anon], using: bucket_id = 'uploads'}
      - {name: Anyone uploads, command: insert, roles: [anon], with_check: bucket_id = 'uploads'}
      - {name: Anyone renames, command: update, roles: [anon], using: bucket_id = 'uploads'}
      - {name: Anyone deletes, command: delete, roles: [anon], using: "true"}
"""


def test_the_rls_probe_catches_a_bucket_that_lets_anyone_write(tmp_path):
    """As a public project did: a bucket whose policies let a visitor upload, change and delete
    every file. validate --live reports each write at its policy, and lint already said so."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text(OPEN_BUCKET)
    code, out, err = run("validate", "--live", "--specs", str(specs))
    assert code == 1
    holes = [line for line in out.splitlines() if " V301 " in line]
    assert [(h.split(":")[1], h.split(" V301 error ")[1].split(" with ")[0]) for h in holes] == [
        ("11", "anon uploads a file in bucket uploads"),
        ("12", "anon changes B's file in bucket uploads"),
        ("13", "anon deletes B's file in bucket uploads"),
    ], out
    assert "HOLE anon upload" in out and "2 of 2 buckets" not in out and "1 of 1 buckets" in out
    lint_code, lint_out, _ = run("lint", "--specs", str(specs))
    assert lint_code == 1 and lint_out.count(" SG008 error ") == 3


UNAVAILABLE = """\
stage: 1
title: Places
platform: supabase
extensions:
  - {name: pgjwt, schema: extensions}
  - {name: postgis, schema: extensions, provided_by: the Supabase platform}
tables:
  - name: places
    comment: Places.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: location, type: extensions.geography}
    rls: true
    policies:
      - {name: Signed-in users read places, command: select, roles: [authenticated], using: "true"}
    indexes:
      - {method: gist, columns: [location]}
  - name: notes
    comment: Notes.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: body, type: text}
    rls: true
"""


def test_an_extension_this_server_lacks_is_one_finding_and_what_needs_it_is_counted(tmp_path):
    """Supabase offers pgjwt and postgis; a server without them says so once per extension and
    leaves out what needs them, instead of an error at every table, index and policy. (http, pg_net
    and Vault have stand-ins: test_real_projects.)"""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text(UNAVAILABLE)
    code, out, err = run("validate", "--live", "--specs", str(specs))
    findings = [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith(str(specs))]
    assert findings == [
        "V204 warning not testable here: extension pgjwt is not installed on this PostgreSQL",
        "V204 warning not testable here: extension postgis is not installed on this PostgreSQL; 3 objects that "
        'need it were not applied, compared or probed: table public.places, policy "Signed-in users read places" '
        "on public.places, index places_location_idx",
    ], out
    assert "1 of 2 tables with RLS probed" in out and "public.places (it needs an extension this server lacks)" in out
    assert code == 0 and err.endswith("0 errors, 2 warnings, 0 waived\n")


def test_pg_cron_outside_the_database_it_works_in_is_not_testable_rather_than_an_error(fresh_db, tmp_path):
    """pg_cron can be made in one database of a server only: in any other, validating specs that
    use it says so once, as for an extension the server lacks."""
    from schemagen.validate import validate_live

    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text("stage: 1\ntitle: Jobs\nplatform: supabase\nextensions:\n"
                                  "  - {name: pg_cron, schema: pg_catalog}\nsql_after:\n  - name: nightly\n"
                                  "    sql: select cron.schedule('nightly', '0 3 * * *', $$select 1$$);\n")
    project = load_project(specs)
    session = fresh_db.session(project)
    try:
        result = validate_live(session, project, render_project(project, ()), probe=False)
    finally:
        session.close()
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("V204", "not testable here: extension pg_cron is not installed on this PostgreSQL, or not loaded for "
                 "this database: it works only in a server that loads it at start (shared_preload_libraries), in "
                 "the one database cron.database_name names; 1 object that needs it was not applied, compared or "
                 "probed: raw SQL 'nightly'")]


JOBS = """\
stage: 1
title: Jobs
platform: supabase
extensions:
  - {name: pg_cron, schema: pg_catalog}
tables:
  - name: logs
    comment: Log lines, kept thirty days.
    columns:
      - {name: id, type: bigint, identity: always, primary_key: true}
      - {name: created_at, type: timestamptz, not_null: true, default: now()}
cron_jobs:
  - name: nightly-cleanup
    schedule: 0 3 * * *
    command: delete from public.logs where created_at < now() - interval '30 days'
  - {name: paused, schedule: "*/5 * * * *", command: select 1, active: false}
"""


def test_cron_jobs_are_scheduled_compared_and_repaired(postgres_server_factory, tmp_path):
    """A job is a row of pg_cron's table: made by name, read back, and each hand change to it
    (schedule, command, turned off or on, a job the specs do not define) reported and repaired."""
    from schemagen import live

    need_library("pg_cron", "Debian's postgresql-15-cron")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "jobs.yaml").write_text(JOBS)
    project = load_project(specs)
    sql = render_project(project)["sql/stage-01-jobs.sql"]
    assert ("select cron.schedule('nightly-cleanup', '0 3 * * *', $$delete from public.logs where created_at < now() "
            "- interval '30 days'$$);\n\nselect cron.schedule('paused', '*/5 * * * *', $$select 1$$);\n"
            "select cron.alter_job(job_id := (select jobid from cron.job where jobname = 'paused' and username = "
            "current_user), active := false);\n") in sql
    server = postgres_server_factory()  # pg_cron works in one database, which nothing else here uses
    admin, owner = live.connect(server, admin=True), live.connect(server)
    live.build_database(admin, owner, project, render_project(project))
    url = server.url("postgres", "postgres")

    def drift_here(*extra: str) -> tuple[int, str, str]:
        return run("drift", "--specs", str(specs), "--db", url, *extra)

    assert drift_here() == CLEAN
    spec = specs / "jobs.yaml"
    each_drift_is_reported_and_repaired(owner, spec, drift_here, (
        ("select cron.schedule('nightly-cleanup', '0 4 * * *', $$delete from public.logs where created_at < now() "
         "- interval '30 days'$$)", 13, "schedule of cron job nightly-cleanup is '0 4 * * *' in the database, "
         "'0 3 * * *' in the spec"),
        ("select cron.schedule('paused', '*/5 * * * *', $$select 2$$)", 16,
         "command of cron job paused is 'select 2' in the database, 'select 1' in the spec"),
        ("select cron.alter_job(job_id := (select jobid from cron.job where jobname = 'nightly-cleanup'), "
         "active := false)", 13, "active of cron job nightly-cleanup is false in the database, true in the spec"),
        ("select cron.schedule('hourly', '0 * * * *', $$select 3$$)", 1,
         "cron.job has hourly (0 * * * *: select 3), which no spec defines"),
        ("select cron.schedule('0 * * * *', $$select 4$$)", 1,
         "cron.job has a job without a name (0 * * * *: select 4), which no spec defines")))
    admin.close()
    owner.close()


def test_cron_jobs_are_checked_where_they_are_written(tmp_path):
    errors = spec_errors(tmp_path, "cron_jobs:\n  - {name: ' spaced', schedule: 0 3 * *, command: select 1}\n"
                                   "  - {name: broken, schedule: 0 4 * * *, command: select (}\n")
    assert [(line, code, message.split(":")[0]) for line, code, message in errors] == [
        (8, "E105", "cron job name ' spaced' has surrounding spaces, which pg_cron keeps"),
        (8, "E106", "schedule '0 3 * *' is not one pg_cron reads"),
        (9, "E105", "command is not valid PostgreSQL")]
    errors = spec_errors(tmp_path, "cron_jobs:\n  - {name: twice, schedule: 0 3 * * *, command: select 1}\n"
                                   "  - {name: twice, schedule: 0 4 * * *, command: select 2}\n")
    assert [(line, code, message.split(";")[0]) for line, code, message in errors] == [
        (9, "E103", f"cron job twice is already defined at {tmp_path / 'specs' / 's.yaml'}:8:5")]


WEBHOOK = """\
stage: 1
title: Orders
platform: supabase
tables:
  - name: orders
    comment: Orders; a database webhook tells the order service of each new one.
    columns:
      - {name: id, type: bigint, identity: always, primary_key: true}
      - {name: total, type: "numeric(10, 2)", not_null: true}
    triggers:
      - name: order-placed-webhook
        timing: after
        events: [insert]
        function: supabase_functions.http_request
        args: ["https://example.supabase.co/functions/v1/order-placed", POST, "{}", "{}", "5000"]
"""


def test_a_database_webhook_applies_records_its_calls_and_has_no_drift(fresh_db, postgres, tmp_path):
    """A trigger the dashboard's webhooks make calls supabase_functions.http_request, which the
    platform has once a project turns webhooks on: the throwaway makes it for specs that call it
    (it records each call, sending nothing), so the stage applies, is compared and is probed."""
    spec, drift_here = built_from(fresh_db, postgres, tmp_path, "orders.yaml", WEBHOOK)
    fresh_db.run("insert into public.orders (total) values (12.50)")
    assert fresh_db.run("select hook_name, hook_table_id = 'public.orders'::regclass::int "
                        "from supabase_functions.hooks") == [["order-placed-webhook", True]]
    each_drift_is_reported_and_repaired(fresh_db, spec, drift_here, (
        ("drop trigger \"order-placed-webhook\" on public.orders", 11,
         "trigger order-placed-webhook on public.orders is missing from the database"),))


#: The drifts whose repair is the platform's to make, not a migration's.
NOT_MIGRATIONS = set(PLATFORM_FIXES) | {"check"}


@pytest.mark.parametrize("kind,change,line,message", [d for d in DRIFTS if d[0] not in NOT_MIGRATIONS],
                         ids=[d[0] for d in DRIFTS if d[0] not in NOT_MIGRATIONS])
def test_each_kind_of_change_is_a_proven_migration(kinds_db, kind, change, line, message):
    """The same changes, the other way round: the changed database is the baseline and the specs
    the target. The migration, with --allow-destructive, passes its proof: sample rows in every
    table, the catalog equal to the specs after it, no write hole in a policy it writes."""
    from schemagen import db, live, migrate, migration_proof
    from schemagen.drift import schemas_to_read
    from schemagen.render import build_environment

    database, _ = kinds_db
    database.owner.run(change)
    project = load_project(KINDS)
    session = db.Session(live.connect(database.server, database.name))
    schemas = schemas_to_read(project, None)
    try:
        env = build_environment()
        plan = migrate.plan_from_database(session, project, env, schemas, allow_destructive=True)
        proof = migration_proof.prove(session, project, plan, schemas, env)
    finally:
        session.close()
    assert [s for s in plan.steps if s.included], "the change was not seen: the proof would prove nothing"
    assert proof.ok, (proof.problems, [c.message for c in proof.left], [s.sql for s in plan.steps])
    assert "the catalog equals the specs" in proof.facts
