"""schemagen validate: offline error kinds, live mismatches, PostgreSQL errors, RLS behaviour."""

from __future__ import annotations

import io
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import CASES, ROOT, STAGE5_SPECS

from schemagen import catalog, live
from schemagen.cli import main
from schemagen.compare import differences
from schemagen.expected import expected_catalog
from schemagen.load import load_project
from schemagen.offline import render_and_validate
from schemagen.render import render_project
from schemagen.validate import apply_waivers, validate_live

STAGE5 = STAGE5_SPECS / "stage-05-advanced-tables.yaml"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def write_spec(tmp_path: Path, text: str) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "s.yaml").write_text(textwrap.dedent(text))
    return specs


BASE = """\
stage: 1
title: T
platform: supabase
tables:
  - name: notes
    comment: Notes.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: user_id, type: uuid, not_null: true}
      - {name: body, type: text}
    rls: true
    policies:
      - name: own
        command: select
        roles: [authenticated]
        using: USING_HERE
    indexes:
      - columns: [user_id]
"""


def offline(specs: Path, templates: Path | None = None) -> list:
    return render_and_validate(load_project(specs), templates)[1]


# --- offline -------------------------------------------------------------------------


def test_shipped_specs_and_cases_are_clean_offline():
    for specs in (STAGE5_SPECS, CASES / "features" / "specs"):
        assert offline(specs) == []


def test_unknown_column_in_a_policy_is_reported_at_the_policy(tmp_path):
    specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_idd = (select auth.uid())"))
    [d] = offline(specs)
    assert (d.pos.line, d.pos.col, d.code) == (13, 9, "V102")
    assert d.message == ('policy "own" using names column \'user_idd\', which public.notes does not have; '
                         "did you mean 'user_id'?")


def test_expression_that_does_not_parse_is_a_spec_error_at_its_line(tmp_path):
    """PostgreSQL's grammar judges fragments while loading, so nothing is written from them."""
    from schemagen.diagnostics import SpecError

    specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_id = = auth.uid()"))
    with pytest.raises(SpecError) as info:
        load_project(specs)
    [d] = info.value.diagnostics
    assert (d.pos.line, d.pos.col, d.code) == (16, 16, "E105")
    assert d.message == 'using is not valid PostgreSQL: syntax error at or near "=" (at character 11)'


def test_default_that_does_not_parse_is_a_spec_error_at_its_line(tmp_path):
    from schemagen.diagnostics import SpecError

    specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_id = (select auth.uid())")
                       .replace("{name: body, type: text}", "{name: body, type: text, default: 1 +}"))
    with pytest.raises(SpecError) as info:
        load_project(specs)
    [d] = info.value.diagnostics
    assert (d.pos.line, d.code) == (10, "E105")
    assert d.message.startswith("default is not valid PostgreSQL: syntax error")


def test_columns_inside_a_subquery_are_not_mistaken_for_the_tables(tmp_path):
    using = "exists (select 1 from public.notes n where n.user_id = (select auth.uid()) and other_col > 0)"
    specs = write_spec(tmp_path, BASE.replace("USING_HERE", f'"{using}"'))
    assert offline(specs) == []


def test_keyword_case_is_lints_alone(tmp_path):
    """Style, not validity: validate does not fail on uppercase keywords (lint's SG001 warns)."""
    specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_id = (select auth.uid())"))
    templates = tmp_path / "tpl"
    templates.mkdir()
    builtin = (ROOT / "templates" / "table.sql.j2").read_text()
    (templates / "table.sql.j2").write_text(builtin.replace("create table {{ table|qname }} (",
                                                            "CREATE TABLE {{ table|qname }} ("))
    assert offline(specs, templates) == []


def test_a_statement_postgresql_cannot_parse_is_reported_at_its_object(tmp_path):
    specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_id = (select auth.uid())"))
    templates = tmp_path / "tpl"
    templates.mkdir()
    builtin = (ROOT / "templates" / "table.sql.j2").read_text()
    (templates / "table.sql.j2").write_text(builtin.replace(
        "{{ sections|join(\"\\n\\n\") }}",
        "{{ sections|join(\"\\n\\n\") }}\n\nalter table {{ table|qname }}\n  cluster notes_user_id_idx;"))
    [d] = offline(specs, templates)
    assert (d.pos.line, d.code) == (5, "V101")
    assert d.message == ("PostgreSQL's parser cannot read the generated alter statement at sql/stage-01-t.sql:21: "
                         'syntax error at or near "notes_user_id_idx"')


def test_valid_postgresql_that_sqlglot_misjudges_is_not_reported(tmp_path):
    """sqlglot refuses these; PostgreSQL (and so schemagen) accepts them."""
    specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_id = (select auth.uid())") + """\
sql_after:
  - name: helper
    sql: |
      create function public.is_owner(note_id uuid) returns boolean
        language sql security definer set search_path = '' stable
      as $$ select exists (select 1 from public.notes n where n.id = note_id and n.user_id = auth.uid()) $$;
      drop function if exists public.old_helper(input_email text);
      grant execute on function public.is_owner(uuid) to authenticated;
""")
    assert offline(specs) == []


def test_validate_command_offline_exit_codes(tmp_path):
    assert run("validate", "--specs", str(STAGE5_SPECS))[0] == 0
    specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_idd = (select auth.uid())"))
    code, out, err = run("validate", "--specs", str(specs))
    assert code == 1
    assert out.startswith(f"{specs / 's.yaml'}:13:9: V102 error policy \"own\" using names column 'user_idd'")


# --- live ----------------------------------------------------------------------------


def _applied(fresh_db, specs: Path):
    return fresh_db.build(specs)


def _mismatches(fresh_db, project) -> list:
    session = fresh_db.session()
    try:
        expected = expected_catalog(session, project)
        assert expected.problems == []
        schemas = sorted({t.schema for t in project.tables})
        actual = catalog.introspect(session, schemas)
    finally:
        session.close()
    return differences(expected, actual, project.stages[0].pos, project.external_keys)


def _validate_live(fresh_db, project, **options):
    session = fresh_db.session(project)
    try:
        return validate_live(session, project, render_project(project, ()), **options)
    finally:
        session.close()


def test_a_freshly_applied_database_matches_the_specs(fresh_db):
    assert _mismatches(fresh_db, _applied(fresh_db, STAGE5_SPECS)) == []


def test_features_case_matches_too(fresh_db):
    assert _mismatches(fresh_db, _applied(fresh_db, CASES / "features" / "specs")) == []


MISMATCHES = [
    ("drop index api_keys_is_active_idx",
     196, "index api_keys_is_active_idx on public.api_keys is missing from the database"),
    ("alter table ai_tasks alter column priority set default 5",
     88, "default of public.ai_tasks.priority is '5' in the database, '0' in the spec"),
    ("alter policy \"Users can view their own AI tasks\" on ai_tasks using (true)",
     94, "using of policy \"Users can view their own AI tasks\" on public.ai_tasks is 'true' in the database, "
         "'(user_id = auth.uid())' in the spec"),
    ("comment on table search_history is null",
     30, "comment on table public.search_history is nothing in the database, 'User search history for "
         "personalization and analytics. Stores queries and results.' in the spec"),
    ("alter table ai_tasks drop constraint ai_tasks_agent_id_fkey, "
     "add foreign key (agent_id) references ai_agents(id) on delete cascade",
     73, "foreign key public.ai_tasks(agent_id) → public.ai_agents(id): on delete is cascade in the database, "
         "set null in the spec"),
    ("alter table api_keys disable row level security",
     158, "row level security on public.api_keys is off in the database, on in the spec"),
    ("alter table user_sessions alter column expires_at drop not null",
     128, "public.user_sessions.expires_at is nullable in the database, not null in the spec"),
    ("alter table event_bus_messages alter column retry_count type bigint",
     214, "type of public.event_bus_messages.retry_count is 'bigint' in the database, 'integer' in the spec"),
    ("create index extra_idx on api_keys (name)",
     158, "the database has index extra_idx on public.api_keys, which the spec does not define"),
    ("alter policy \"Users can create API keys\" on api_keys to anon",
     180, "roles of policy \"Users can create API keys\" on public.api_keys is 'anon' in the database, "
          "'authenticated' in the spec"),
]


@pytest.mark.parametrize("change,line,message", MISMATCHES, ids=[m[0][:40] for m in MISMATCHES])
def test_each_kind_of_mismatch_is_reported_at_its_spec_line(fresh_db, change, line, message):
    project = _applied(fresh_db, STAGE5_SPECS)
    fresh_db.run(change)
    found = _mismatches(fresh_db, project)
    assert [(d.pos.path, d.pos.line, d.code, d.message) for d in found] == [
        (str(STAGE5_SPECS / STAGE5.name), line, "V202", message)]


def test_one_cause_gives_one_finding_at_its_object(fresh_db, tmp_path):
    """A default PostgreSQL refuses fails the table, and so every policy and index of the table:
    one finding, at the default, in the spec's own names."""
    specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_id = (select auth.uid())")
                       .replace("{name: body, type: text}", "{name: body, type: text, default: no_such_fn()}"))
    project = load_project(specs)
    result = _validate_live(fresh_db, project, probe=False)
    assert [(d.pos.line, d.code, d.message) for d in result.diagnostics] == [
        (10, "V201", "PostgreSQL rejects the default of notes.body: function no_such_fn() does not exist (hint: "
                     "No function matches the given name and argument types. You might need to add explicit "
                     "type casts.)")]


def test_raw_sql_that_schemagen_does_not_model_is_said_once(fresh_db, tmp_path):
    """A raw block's do block and composite type are applied but not compared: validate says so,
    as information, at the block; what it models (the function) is checked by name instead."""
    specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_id = (select auth.uid())") + (
        "sql_after:\n"
        "  - name: extras\n"
        "    sql: |\n"
        "      create type public.address as (street text, city text);\n"
        "      create function public.noop() returns void language sql as 'select';\n"
        "      do $$ begin perform 1; end $$;\n"))
    project = load_project(specs)
    result = _validate_live(fresh_db, project, probe=False)
    assert [(d.pos.line, d.code, d.severity, d.message) for d in result.diagnostics] == [
        (20, "V203", "info", f"raw SQL 'extras' holds {what}, which schemagen does not model: PostgreSQL "
                             "applied it, but validate and drift do not compare it")
        for what in ("a composite type", "a do block")]


def test_a_type_the_server_lacks_is_one_finding_without_scratch_names(fresh_db, tmp_path):
    specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_id = (select auth.uid())")
                       .replace("{name: body, type: text}", "{name: body, type: vector(3)}")
                       .replace("platform: supabase", "platform: supabase\nexternal: {types: [vector]}"))
    project = load_project(specs)
    result = _validate_live(fresh_db, project, probe=False)
    assert [(d.pos.line, d.message) for d in result.diagnostics] == [
        (11, 'PostgreSQL rejects the type of notes.body: type "vector" does not exist')]
    assert "_schemagen" not in result.diagnostics[0].message and "_sg_" not in result.diagnostics[0].message


def test_rls_probe_shows_each_of_the_seeds_holes(fresh_db):
    project = load_project(STAGE5_SPECS)
    result = _validate_live(fresh_db, project)
    bus = 'allowed by "System can manage event bus messages"'
    b_row = "where id = '00000000-0000-4000-9000-000000000006'"
    assert [(d.pos.line, d.code, d.message) for d in result.diagnostics if d.code.startswith("V3")] == [
        (102, "V301", "A changes B's row on public.ai_tasks with `update public.ai_tasks set agent_id = default` "
                      '(allowed by "System can update task status")'),
        (136, "V301", "A creates a row owned by B on public.user_sessions with `insert into public.user_sessions "
                      "(user_id, expires_at) values ('00000000-0000-4000-8000-00000000000b', now() + interval '6 minutes')` "
                      '(allowed by "System can create sessions")'),
        (140, "V301", "A changes B's row on public.user_sessions with `update public.user_sessions set "
                      'device_info = default` (allowed by "System can update sessions")'),
        (219, "V301", "A changes a row A did not create on public.event_bus_messages with `update "
                      f"public.event_bus_messages set source_agent = default {b_row}` ({bus})"),
        (219, "V301", "A changes a row A did not create on public.event_bus_messages with `update "
                      f"public.event_bus_messages set source_agent = default` ({bus})"),
        (219, "V301", "A deletes a row A did not create on public.event_bus_messages with `delete from "
                      f"public.event_bus_messages {b_row}` ({bus})"),
        (219, "V301", "A deletes a row A did not create on public.event_bus_messages with `delete from "
                      f"public.event_bus_messages` ({bus})"),
        (219, "V303", "A reads a row A did not create on public.event_bus_messages with `select id from "
                      f"public.event_bus_messages` ({bus})"),
    ]
    assert [d for d in result.diagnostics if not d.code.startswith("V3")] == []
    report = result.rls_report
    assert 'policies: "System can update task status"' in report
    assert "HOLE update (no where)          A changes B's row\n" in report
    # the where clause lets the select policy hide the same hole:
    assert "ok   update (where on B's row)  B's row untouched\n" in report
    assert "ok   insert (B's row)           refused: new row violates row-level security policy for table " \
           "\"search_history\"" in report
    assert "ok   anon select                anon sees 0 rows" in report
    assert report.endswith("coverage: 5 of 5 tables with RLS probed; 39 checks: 31 ok, 8 holes, 0 could not test\n")


TRIPS = CASES / "trips" / "specs"


def test_rls_probe_follows_ownership_through_a_parent_and_trigger_made_rows(fresh_db):
    project = load_project(TRIPS)
    result = _validate_live(fresh_db, project)
    report = result.rls_report
    assert "public.trip_stops (owned through trip_id → public.trips.owner_id)" in report
    stops = report[report.index("public.trip_stops ("):report.index("public.journal (")]
    assert "ok   select                     A sees its own row, not B's row" in stops
    assert "ok   insert (own row)           allowed" in stops
    assert "ok   insert (B's row)           refused: new row violates row-level security policy" in stops
    # profiles come from the trigger on auth.users: seeding them again would have failed
    assert "public.profiles (owner column id)\n  ok   select" in report
    assert "HOLE" not in report


def test_a_failure_that_is_not_an_rls_decision_is_never_ok(fresh_db):
    """journal's delete trigger calls a missing function: the where-less delete tests nothing."""
    project = load_project(TRIPS)
    result = _validate_live(fresh_db, project)
    assert "n/a  delete (no where)          could not test: schema \"audit\" does not exist" in result.rls_report
    [untested] = [d for d in result.diagnostics if d.code == "V302"]
    # a write the probe could not try may hide a hole: an error until fixed or waived
    assert (untested.severity, untested.pos.line) == ("error", 113)
    assert untested.message.startswith("the RLS probe could not test delete (no where) on public.journal: schema "
                                       "\"audit\" does not exist")
    assert untested.message.endswith("a function of the specs failed for a name or type that does not exist, "
                                     "which no waiver covers: fix the function")
    assert result.rls_report.endswith("30 checks: 29 ok, 0 holes, 1 could not test\n")


def test_a_v302_waiver_does_not_hide_a_broken_trigger(fresh_db, tmp_path):
    """A waiver written for one reason (the delete is refused by design) must not silence a
    different failure: the trigger behind the delete names a schema that does not exist (#26)."""
    specs = tmp_path / "specs"
    shutil.copytree(TRIPS, specs)
    spec = specs / "stage-01-trips.yaml"
    text = spec.read_text()
    marker = "      - name: Anyone signed in deletes notes\n"
    assert marker in text
    spec.write_text(text.replace(marker, marker + "        waive:\n          V302: deletes are refused by design\n"))
    result = _validate_live(fresh_db, load_project(specs))
    [untested] = [d for d in apply_waivers(load_project(specs), result.diagnostics) if d.code == "V302"]
    assert untested.waived is None and untested.severity == "error"


def test_rows_for_a_and_b_get_values_a_nulls_not_distinct_key_needs(fresh_db, tmp_path):
    """Left null, A's and B's rows would collide on a unique key that counts nulls as equal, and
    the table would go untested."""
    specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_id = (select auth.uid())").replace(
        "      - columns: [user_id]\n",
        "      - columns: [user_id]\n      - {name: notes_body_key, unique: true, nulls_not_distinct: true, "
        "columns: [body]}\n"))
    result = _validate_live(fresh_db, load_project(specs))
    assert result.rls_report.endswith("coverage: 1 of 1 tables with RLS probed; 8 checks: 8 ok, 0 holes, "
                                      "0 could not test\n"), result.rls_report


ROLES = """\
stage: 1
title: T
platform: supabase
enums:
  - {name: app_role, values: [admin, member]}
  - {name: app_permission, values: [posts.delete, posts.pin, posts.edit]}
functions:
  - name: handle_new_user
    returns: trigger
    language: plpgsql
    security: definer
    search_path: []
    body: "begin insert into public.user_roles (user_id, role) values (new.id, 'member'); return new; end;"
tables:
  - name: role_permissions
    comment: What each role may do.
    columns:
      - {name: id, type: bigint, identity: by default, primary_key: true}
      - {name: role, type: app_role, not_null: true}
      - {name: permission, type: app_permission, not_null: true}
      - {name: pinned, type: boolean, not_null: true}
      - {name: scope, type: text, not_null: true, check: "scope in ('own', 'all')"}
    constraints:
      - {unique: [role, permission, pinned, scope]}
    rls: true
    policies:
      - {name: read, command: select, roles: [authenticated], using: "true"}
  - name: user_roles
    comment: Each user's roles; the trigger on auth.users gives every new user 'member'.
    columns:
      - {name: id, type: bigint, identity: by default, primary_key: true}
      - {name: user_id, type: uuid, not_null: true, references: {schema: auth, table: users, column: id}}
      - {name: role, type: app_role, not_null: true}
    constraints:
      - {unique: [user_id, role]}
    rls: true
    policies:
      - {name: own, command: select, roles: [authenticated], using: user_id = (select auth.uid())}
    indexes:
      - columns: [user_id]
attach:
  - schema: auth
    table: users
    triggers:
      - {name: on_auth_user_created, timing: after, events: [insert], function: public.handle_new_user}
"""


def test_rows_for_a_and_b_take_turns_in_a_unique_key_of_enums_only_when_they_collide(fresh_db, tmp_path):
    """unique (role, permission, pinned, scope) holds only short lists: the first value of each for
    A and B collides, so they take the values in turn. user_roles keeps the first label for both:
    the trigger on auth.users already gave A and B the second."""
    result = _validate_live(fresh_db, load_project(write_spec(tmp_path, ROLES)))
    assert "skipped" not in result.rls_report
    assert "insert into public.user_roles (user_id, role) values ('00000000-0000-4000-8000-00000000000a', " \
           "'admin')" in result.rls_report
    assert "HOLE select                     A reads a row A did not create" in result.rls_report  # using (true)
    assert result.rls_report.endswith("coverage: 2 of 2 tables with RLS probed; 11 checks: 10 ok, 1 hole, "
                                      "0 could not test\n"), result.rls_report


def test_missing_privileges_are_not_an_rls_decision(fresh_db, tmp_path):
    specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_id = (select auth.uid())") + """\
sql_after:
  - name: no grants
    sql: revoke all on public.notes from authenticated, anon;
""")
    result = _validate_live(fresh_db, load_project(specs))
    assert "n/a  select                     could not test: permission denied for table notes" in result.rls_report
    assert "ok " not in result.rls_report.replace("ok,", "")
    assert result.rls_report.endswith("0 ok, 0 holes, 8 could not test\n")


def test_rls_findings_honour_policy_waivers(postgres, tmp_path):
    specs = write_spec(tmp_path, BASE.replace("USING_HERE", '"true"').replace(
        "        using: USING_HERE", "").replace(
        '        using: "true"', '        using: "true"\n        waive: {V303: Notes are public., SG021: Notes are public.}'))
    url = postgres.url("postgres", "postgres")
    code, out, err = run("validate", "--specs", str(specs), "--db", url, "--trust-specs")
    assert code == 0, out
    assert ("V303 warning A reads a row A did not create on public.notes with `select id from public.notes` "
            '(allowed by "own") [waived: Notes are public.]') in out


def test_validate_live_command_on_a_given_server_drops_its_scratch_database(postgres):
    url = postgres.url("postgres", "postgres")
    code, out, err = run("validate", "--specs", str(STAGE5_SPECS), "--db", url, "--trust-specs")
    assert code == 1
    assert out.startswith("RLS behaviour (as user A with user B's rows present, each statement rolled back):\n")
    assert err == "validate (offline and live): 7 errors, 1 warning, 0 waived\n"
    admin = live.connect(postgres, "postgres")
    leftovers = admin.run("select datname from pg_database where datname like 'schemagen_validate_%'")
    admin.close()
    assert leftovers == []


def test_unreachable_server_is_a_one_line_error():
    code, out, err = run("validate", "--specs", str(STAGE5_SPECS), "--db", "postgresql://u@127.0.0.1:1/x")
    assert code == 2
    assert err.startswith("schemagen: cannot connect to 127.0.0.1:1:") and err.count("\n") == 1


def test_bad_url_is_a_usage_error():
    code, _, err = run("validate", "--specs", str(STAGE5_SPECS), "--db", "mysql://x")
    assert code == 2
    assert "is not a URL like postgresql://" in err


@pytest.mark.parametrize("command", ["validate", "drift"])
def test_a_missing_templates_folder_is_refused_by_every_command(command):
    extra = ["--db", "postgresql://u@127.0.0.1:1/x"] if command == "drift" else []
    code, out, err = run(command, "--specs", str(STAGE5_SPECS), "--templates", "no/such/dir", *extra)
    assert (code, out, err) == (2, "", "schemagen: --templates no/such/dir: no such directory\n")


def test_a_broken_user_template_is_one_line_in_validate(tmp_path):
    (tmp_path / "table.sql.j2").write_text("{{ table.nme }}\n")
    code, out, err = run("validate", "--specs", str(STAGE5_SPECS), "--templates", str(tmp_path))
    assert code == 2 and out == ""
    assert err.startswith(f"schemagen: template error: {tmp_path / 'table.sql.j2'}:1: ")
    assert "nme" in err and err.count("\n") == 1


def test_connection_urls_follow_libpq():
    import ssl

    from schemagen.db import ConnectionProblem, connection_params

    params = connection_params("postgresql://me:p%40ss@db.example.com:6543/app?sslmode=require")
    assert {k: v for k, v in params.items() if k != "ssl_context"} == {
        "user": "me", "password": "p@ss", "host": "db.example.com", "port": 6543, "database": "app"}
    assert params["ssl_context"].verify_mode == ssl.CERT_NONE
    full = connection_params("postgres://me@db.example.com/app?sslmode=verify-full")["ssl_context"]
    assert full.check_hostname and full.verify_mode == ssl.CERT_REQUIRED
    assert "ssl_context" not in connection_params("postgresql://me@localhost/app")
    with pytest.raises(ConnectionProblem, match="sslmode=sometimes is not one of"):
        connection_params("postgresql://me@localhost/app?sslmode=sometimes")


def test_a_raw_blocks_statements_are_reported_at_the_raw_block(tmp_path):
    from schemagen.provenance import statements

    specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_id = (select auth.uid())") + """\
sql_before:
  - name: schema for later
    sql: create schema if not exists public;
""")
    project = load_project(specs)
    stage = project.stages[0]
    rendered = render_project(project, ())["sql/stage-01-t.sql"]
    first = statements(stage, rendered)[0]
    assert (first.kind, first.pos) == ("raw", stage.sql_before[0].pos)


def test_a_server_without_the_platforms_roles_is_a_one_line_error(postgres, tmp_path):
    """validate --db installs the platform slice as the given user; one who may not create
    service_role (bypassrls) on a server that lacks it gets told so, not a traceback."""
    from schemagen import live as live_module

    admin = live_module.connect(postgres, admin=True)
    admin.run("create role plain_user login createdb")
    try:
        specs = write_spec(tmp_path, BASE.replace("USING_HERE", "user_id = (select auth.uid())"))
        url = postgres.url("plain_user", "postgres")
        code, out, err = run("validate", "--specs", str(specs), "--db", url)
        assert (code, out) == (2, "")
        assert err.startswith("schemagen: cannot install the platform slice in the scratch database on "
                              f"{postgres.socket_dir}/.s.PGSQL.{postgres.settings['port']}: ")
        assert err.endswith("the server needs the platform's roles (anon, authenticated, service_role): create them "
                            "once, or run validate --live\n") and err.count("\n") == 1
    finally:
        admin.run("drop role plain_user")
        admin.close()
