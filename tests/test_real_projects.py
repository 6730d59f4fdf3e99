"""Issue #24: what public Supabase projects hold, in small cases written here in their style, goes
through import, validate, migrate and drift without a hand edit."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import yaml

from schemagen.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def test_only_files_the_supabase_cli_applies_are_migrations(tmp_path):
    """A seed.sql kept among the migrations and a local_… script are not applied by the CLI (its
    pattern is <digits>_name.sql), so schemagen neither applies nor imports them, and says so."""
    migrations = _write(tmp_path / "supabase" / "migrations", "20250101000000_init.sql",
                        "create table public.notes (id bigint primary key, body text);\n")
    _write(migrations, "seed.sql", "insert into public.notes values (1, 'hello');\n")
    _write(migrations, "local_fix.sql", "alter table public.notes alter column body set not null;\n")
    code, out, err = run("import", "--migrations", str(migrations), "--specs", str(tmp_path / "specs"))
    assert code == 0, err
    assert ("not migrations, as the Supabase CLI does not apply them either (their names are not "
            "<timestamp>_name.sql): local_fix.sql, seed.sql") in err
    (spec,) = (tmp_path / "specs").iterdir()
    columns = yaml.safe_load(spec.read_text())["tables"][0]["columns"]
    assert [c for c in columns if c["name"] == "body"] == [{"name": "body", "type": "text"}]  # local_fix not applied
    assert "rows" not in err  # seed.sql's insert was not run either
    code, out, err = run("migrate", "--specs", str(tmp_path / "specs"), "--dir", str(migrations), "check")
    assert code == 0, out + err
    assert "the 1 migration in" in err and "local_fix.sql, seed.sql" in err


def test_postgrest_settings_on_the_authenticator_role_apply(tmp_path):
    """``alter role authenticator set pgrst.db_pre_request = …`` is allowed on Supabase (supautils'
    privileged_role_allowed_configs holds pgrst.*) and on the throwaway server."""
    migrations = _write(tmp_path / "migrations", "20250101000000_api.sql", """\
        create table public.notes (id bigint primary key);
        create function public.check_request() returns void language plpgsql as $$ begin null; end $$;
        alter role authenticator set pgrst.db_pre_request = 'public.check_request';
        alter role authenticator set pgrst.db_schemas = 'public, graphql_public';
        notify pgrst, 'reload config';
    """)
    code, out, err = run("import", "--migrations", str(migrations), "--specs", str(tmp_path / "specs"))
    assert code == 0, err
    assert "permission denied" not in err


CLAIMS_SPEC = """\
stage: 1
title: Claims
platform: supabase
tables:
  - name: notes
    comment: Notes only a fully signed-in owner reads.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: user_id, type: uuid, not_null: true, references: auth.users.id}
    rls: true
    policies:
      - name: Owners with a password session read
        command: select
        roles: [authenticated]
        using: >-
          user_id = (select auth.uid()) and (select auth.jwt() ->> 'aal') = 'aal1'
          and not ((select auth.jwt() ->> 'is_anonymous'))::boolean
          and (select auth.jwt() ->> 'session_id') is not null
          and (select auth.jwt() -> 'app_metadata' ->> 'provider') = 'email'
          and (select auth.jwt() ->> 'email') like '%@%'
          and (select (auth.jwt() ->> 'exp')::bigint) > extract(epoch from now())
      - name: Visitors with the anon key read nothing
        command: select
        roles: [anon]
        using: (select auth.jwt() ->> 'role') = 'anon' and false
"""


def test_the_probes_tokens_carry_the_claims_supabase_issues(tmp_path):
    specs = _write(tmp_path / "specs", "s.yaml", CLAIMS_SPEC)
    code, out, err = run("validate", "--live", "--specs", str(specs))
    assert "ok   select                     A sees its own row, not B's row" in out, out + err


def test_plpgsql_the_offline_parser_cannot_resolve_is_left_to_the_server(tmp_path):
    """libpg_query's PL/pgSQL parser knows no types outside public; PostgreSQL accepts these."""
    specs = _write(tmp_path / "specs", "s.yaml", """\
        stage: 1
        title: Roles
        platform: supabase
        sql_before:
          - name: the app schema
            sql: create schema if not exists app;
        enums:
          - {name: account_role, schema: app, values: [owner, member]}
        functions:
          - name: first_role
            returns: app.account_role
            language: plpgsql
            body: |
              declare
                r app.account_role;
                n int;
              begin
                select 'owner'::app.account_role, 1 into r, n;
                return r;
              end;
    """)
    code, out, err = run("validate", "--live", "--specs", str(specs))
    assert "E105" not in err + out and "V201" not in out, out + err
    assert code == 0, out + err
    broken = specs / "s.yaml"
    broken.write_text(broken.read_text().replace("r app.account_role;", "r app.no_such_type;"))
    code, out, err = run("validate", "--live", "--specs", str(specs))
    assert code == 1 and "V201" in out  # what the server refuses is still an error, found live


def test_comments_inside_policies_and_views_import_to_specs_that_load(tmp_path):
    migrations = _write(tmp_path / "migrations", "20250101000000_notes.sql", """\
        create table public.notes (id bigint primary key, user_id uuid not null, body text);
        alter table public.notes enable row level security;
        create policy "Owners read" on public.notes for select to authenticated
          using (
            -- only the owner
            user_id = (select auth.uid()) /* cached per statement */
          );
        create view public.note_bodies with (security_invoker = on) as
          select id, body -- the text
          from public.notes;
    """)
    code, out, err = run("import", "--migrations", str(migrations), "--specs", str(tmp_path / "specs"))
    assert code == 0, err
    assert "proven" in out + err
    (spec,) = (tmp_path / "specs").iterdir()
    assert "--" not in spec.read_text() and "/*" not in spec.read_text()


def test_validate_live_without_the_platform_runs(tmp_path):
    """pg_cron's setting is read where a role may see it: a spec set without `platform: supabase`
    once crashed on it."""
    specs = _write(tmp_path / "specs", "s.yaml", """\
        stage: 1
        title: Plain
        tables:
          - name: t
            comment: T.
            columns: [{name: id, type: int, primary_key: true}]
    """)
    code, out, err = run("validate", "--live", "--specs", str(specs))
    assert code == 0 and "Traceback" not in err, err


def _import(tmp_path: Path, *files: tuple[str, str], extra: tuple[str, ...] = ()) -> tuple[int, str, str, Path]:
    migrations = tmp_path / "migrations"
    for name, text in files:
        _write(migrations, name, text)
    specs = tmp_path / "specs"
    code, out, err = run("import", "--migrations", str(migrations), "--specs", str(specs), *extra)
    return code, out, err, specs


def test_text_the_importer_once_split_or_misread_round_trips(tmp_path):
    """Commas inside array[…] (a column's and an argument's default), an unnamed argument of a
    schema-qualified type, a policy named with a leading space, upper-case keywords."""
    code, out, err, specs = _import(tmp_path, ("20250101000000_ext.sql",
                                               "create extension if not exists citext with schema extensions;\n"),
                                    ("20250102000000_things.sql", """\
        CREATE TABLE public.things (
          id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
          tags TEXT[] DEFAULT ARRAY['a', 'b']::TEXT[]
        );
        ALTER TABLE public.things ENABLE ROW LEVEL SECURITY;
        CREATE POLICY " anyone signed in" ON public.things FOR SELECT TO authenticated USING (TRUE);
        CREATE FUNCTION public.f(extensions.citext DEFAULT NULL, n INT[] DEFAULT ARRAY[1, 2]) RETURNS INT
          LANGUAGE sql AS $$ SELECT 1 $$;
    """))
    assert code == 0, err
    assert "proven" in out + err
    text = "".join(p.read_text() for p in sorted(specs.iterdir()))
    assert "array['a', 'b']" in text and "array[1, 2]" in text and '" anyone signed in"' in text
    code, out, err = run("lint", "--specs", str(specs), "--out", str(tmp_path / "out"), "--min-severity", "info")
    assert "SG001" not in out


def test_import_without_the_proof_keeps_the_grants(tmp_path):
    code, out, err, specs = _import(tmp_path, ("20250101000000_t.sql", """\
        create table public.t (id bigint primary key);
        revoke all on public.t from anon;
        revoke insert on public.t from authenticated;
    """), extra=("--no-verify",))
    assert code == 0, err
    (spec,) = specs.iterdir()
    grants = yaml.safe_load(spec.read_text())["tables"][0]["grants"]
    assert {"privileges": ["insert"], "to": ["authenticated"], "revoke": True} in grants


def test_a_generated_column_comes_after_the_function_it_calls(tmp_path):
    code, out, err, specs = _import(tmp_path, ("20250101000000_posts.sql", """\
        create function public.slug(t text) returns text language sql immutable as $$ select lower(t) $$;
        create table public.posts (id bigint primary key, title text,
                                   slug text generated always as (public.slug(title)) stored);
    """))
    assert code == 0 and "proven" in out + err, err


def test_a_column_a_later_file_adds_belongs_to_that_files_stage(tmp_path):
    code, out, err, specs = _import(tmp_path, (
        "20250101000000_posts.sql", "create table public.posts (id bigint primary key);\n"), (
        "20250102000000_levels.sql", "create type public.level as enum ('low', 'high');\n"
                                     "alter table public.posts add column level public.level;\n"),
        extra=("--stage-per-file",))
    assert code == 0 and "proven" in out + err, err
    first, second = (yaml.safe_load(p.read_text()) for p in sorted(specs.iterdir()))
    assert [c["name"] for c in first["tables"][0]["columns"]] == ["id"]
    assert second["enums"][0]["name"] == "level"
    assert "add column level" in second["sql_after"][0]["sql"]


def test_extract_names_a_field_not_a_column(tmp_path):
    specs = _write(tmp_path / "specs", "s.yaml", """\
        stage: 1
        title: T
        tables:
          - name: spans
            comment: Spans.
            columns:
              - {name: id, type: int, primary_key: true}
              - {name: started_at, type: timestamptz, not_null: true}
              - {name: ended_at, type: timestamptz}
            constraints:
              - {name: ends_after_start, check: "extract(epoch from ended_at) > extract(epoch from started_at)"}
    """)
    code, out, err = run("validate", "--specs", str(specs))
    assert code == 0, out + err


def test_an_import_that_does_not_load_says_each_problem_on_one_line():
    import pytest

    from schemagen.importing.run import ImportProblem, _load

    with pytest.raises(ImportProblem) as caught:
        _load({"stage.yaml": "stage: 1\ntitle: T\ntables:\n  - {name: a, colums: []}\n  - {name: b, colums: []}\n"})
    message = str(caught.value)
    assert "\n" not in message and message.count("E102") == 2 and "; stage.yaml:" in message


NET_AND_VAULT = """\
    create extension if not exists pg_net with schema extensions;
    create extension if not exists supabase_vault with schema vault;
    create table public.jobs (id bigint generated always as identity primary key, url text not null);
    create function public.notify_job() returns trigger language plpgsql security definer set search_path = '' as $$
    begin
      perform net.http_post(
        url := (select decrypted_secret from vault.decrypted_secrets where name = 'hook_url') || '/jobs',
        body := jsonb_build_object('id', new.id));
      return new;
    end $$;
    create trigger jobs_notify after insert on public.jobs for each row execute function public.notify_job();
    select vault.create_secret('https://example.com', 'hook_url', 'Where jobs are announced');
"""


def test_pg_net_and_vault_stand_in_on_the_throwaway_server(tmp_path):
    """Debian packages neither; projects call both. The stand-ins make their functions, record calls,
    send nothing, and are the extensions as far as any catalog reader can tell: pg_net imported
    natively, Vault (in every Supabase project) the platform's, their own objects not the project's."""
    code, out, err, specs = _import(tmp_path, ("20250101000000_jobs.sql", NET_AND_VAULT))
    assert code == 0, err
    assert "proven" in out + err
    (spec,) = specs.iterdir()
    data = yaml.safe_load(spec.read_text())
    assert data["extensions"] == [{"name": "pg_net", "schema": "extensions"}]  # Vault is the platform's
    assert "http_post" not in str(data.get("functions", [])).replace("net.http_post(", "")  # net's are not ours
    code, out, err = run("migrate", "--specs", str(specs), "--dir", str(tmp_path / "migrations"), "check")
    assert code == 0, out + err


def test_a_trigger_that_calls_pg_net_is_applied_and_probed(tmp_path, postgres):
    from schemagen import live
    from schemagen.load import load_project

    specs = _write(tmp_path / "specs", "s.yaml", """\
        stage: 1
        title: Hooks
        platform: supabase
        extensions:
          - {name: pg_net, schema: extensions}
        functions:
          - name: announce
            returns: trigger
            language: plpgsql
            security: definer
            search_path: []
            body: |
              begin
                perform net.http_post(url := 'https://example.com/hook', body := jsonb_build_object('id', new.id));
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
              - {name: notes_announce, timing: after, events: [insert], function: public.announce}
    """)
    code, out, err = run("validate", "--live", "--specs", str(specs))
    assert "V204" not in out and "V201" not in out, out
    assert "ok   insert (own row)" in out, out
    admin = live.connect(postgres, admin=True)
    admin.run("drop database if exists net_standin")
    admin.run("create database net_standin owner postgres")
    admin.close()
    admin, owner = live.connect(postgres, "net_standin", admin=True), live.connect(postgres, "net_standin")
    try:
        from schemagen.render import render_project

        project = load_project(specs)
        live.build_database(admin, owner, project, render_project(project))
        owner.run("insert into auth.users (id) values ('00000000-0000-4000-8000-0000000000aa')")
        owner.run("insert into public.notes (user_id) values ('00000000-0000-4000-8000-0000000000aa')")
        assert admin.run("select method, url from net.http_request_queue") == [["POST", "https://example.com/hook"]]
        assert admin.run("select extname from pg_extension where extname = 'pg_net'") == [["pg_net"]]
    finally:
        admin.close()
        owner.close()


def test_drift_reads_the_grants_of_every_schema_it_compares(tmp_path, fresh_db):
    """The catalog read ahead (public) and the rest (another schema) merged their privileges wrongly:
    every grant outside public read as missing (42 in a multi-tenant kit)."""
    specs = _write(tmp_path / "specs", "s.yaml", """\
        stage: 1
        title: Tenants
        platform: supabase
        sql_before:
          - {name: the schema, sql: "create schema if not exists tenants; grant usage on schema tenants to authenticated;"}
        tables:
          - name: accounts
            schema: tenants
            comment: Accounts.
            columns: [{name: id, type: uuid, primary_key: true, default: gen_random_uuid()}]
            grants:
              - {privileges: [select, insert], to: [authenticated]}
          - name: notes
            comment: Notes.
            columns: [{name: id, type: uuid, primary_key: true, default: gen_random_uuid()}]
    """)
    fresh_db.build(specs)
    code, out, err = run("drift", "--specs", str(specs), "--db", fresh_db.server.url("postgres", fresh_db.name))
    assert (code, out) == (0, ""), out


def test_the_http_extension_stands_in_too(tmp_path):
    code, out, err, specs = _import(tmp_path, ("20250101000000_http.sql", """\
        create extension http with schema extensions;
        create function public.ping(url text, out status int) language plpgsql security definer as $$
        begin
          select result.status into status
          from extensions.http((
            'DELETE', url, array[extensions.http_header('authorization', 'Bearer x')], null, null
          )::extensions.http_request) as result;
        end $$;
    """))
    assert code == 0 and "proven" in out + err, err
    (spec,) = specs.iterdir()
    assert {"name": "http", "schema": "extensions"} in yaml.safe_load(spec.read_text())["extensions"]


PROFILES = """\
stage: 1
title: Profiles
platform: supabase
functions:
  - name: handle_new_user
    returns: trigger
    language: plpgsql
    security: definer
    search_path: []
    body: |
      begin
        insert into public.profiles (user_id, display_name) values (new.id, 'new user');
        return new;
      end;
tables:
  - name: profiles
    comment: One per user, made by a trigger on auth.users; the key is its own.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: user_id, type: uuid, not_null: true, unique: true, references: auth.users.id}
      - {name: display_name, type: text}
    rls: true
    policies:
      - {name: Own profile, command: select, roles: [authenticated], using: user_id = (select auth.uid())}
      - {name: Own profile changes, command: update, roles: [authenticated], using: user_id = (select auth.uid()),
         with_check: user_id = (select auth.uid())}
  - name: teams
    comment: A team or a person's own space; a shared one has a slug.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: owner_id, type: uuid, not_null: true, references: auth.users.id}
      - {name: personal, type: boolean, not_null: true, default: "false"}
      - {name: slug, type: text}
    constraints:
      - {name: slug_unless_personal, check: (personal and slug is null) or (not personal and slug is not null)}
    rls: true
    policies:
      - {name: Own teams, command: select, roles: [authenticated], using: owner_id = (select auth.uid())}
attach:
  - schema: auth
    table: users
    triggers:
      - {name: on_auth_user_created, timing: after, events: [insert], function: public.handle_new_user}
"""


def test_the_probe_seeds_through_triggers_unique_keys_and_coupled_checks(tmp_path):
    """A profile a trigger on auth.users already made (found by its unique user_id, not inserted
    again), and a check that couples two columns (a slug unless personal): both tables probed."""
    specs = _write(tmp_path / "specs", "s.yaml", PROFILES)
    code, out, err = run("validate", "--live", "--specs", str(specs))
    assert "coverage: 2 of 2 tables with RLS probed" in out, out
    assert "skipped" not in out.split("coverage:")[1], out


def test_policies_on_realtime_messages_import_and_apply(tmp_path):
    """Private Realtime channels are authorized by policies on realtime.messages that read
    realtime.topic(): the platform has both, and a stage attaches the policies."""
    code, out, err, specs = _import(tmp_path, ("20250101000000_rooms.sql", """\
        create table public.rooms (id uuid primary key default gen_random_uuid(),
                                   owner uuid not null references auth.users (id));
        alter table public.rooms enable row level security;
        create policy "Members hear their room" on realtime.messages for select to authenticated
          using (realtime.topic() = 'room:' || (select auth.uid())::text);
    """))
    assert code == 0 and "proven" in out + err, err
    (spec,) = specs.iterdir()
    attached = yaml.safe_load(spec.read_text())["attach"]
    assert attached[0]["schema"] == "realtime" and attached[0]["table"] == "messages"


def test_an_index_key_collated_as_its_column_is_no_difference(tmp_path, fresh_db):
    """PostgreSQL leaves out an index key's collate that equals its column's: that was a V202 and a
    D100 whose repair never converged (#25)."""
    specs = _write(tmp_path / "specs", "s.yaml", """\
        stage: 1
        title: People
        tables:
          - name: people
            comment: People.
            columns:
              - {name: id, type: int, primary_key: true}
              - {name: name, type: text, collate: C}
            indexes:
              - {columns: [{column: name, collate: C}]}
    """)
    code, out, err = run("validate", "--live", "--specs", str(specs))
    assert code == 0 and "V202" not in out, out
    fresh_db.build(specs)
    assert run("drift", "--specs", str(specs), "--db", fresh_db.server.url("postgres", fresh_db.name))[0] == 0


def test_an_extra_overload_is_said_where_its_namesake_is_written(tmp_path, fresh_db):
    specs = tmp_path / "specs"
    _write(specs, "stage-01.yaml", """\
        stage: 1
        title: Base
        tables:
          - name: t
            comment: T.
            columns: [{name: id, type: int, primary_key: true}]
    """)
    _write(specs, "stage-02.yaml", """\
        stage: 2
        title: Helpers
        depends_on: [1]
        functions:
          - name: double
            args: [{name: n, type: integer}]
            returns: integer
            language: sql
            body: select n * 2
    """)
    fresh_db.build(specs)
    fresh_db.run("create function public.double(n bigint) returns bigint language sql as 'select n * 2'")
    code, out, _ = run("drift", "--specs", str(specs), "--db", fresh_db.server.url("postgres", fresh_db.name))
    assert code == 1 and out.startswith(str(specs / "stage-02.yaml") + ":"), out
    assert "the database has function public.double(bigint)" in out


def test_the_probe_seeds_a_column_of_a_domain_type(tmp_path):
    """A value of the domain's base type (#25: the proof and the probe left such tables without rows)."""
    specs = _write(tmp_path / "specs", "s.yaml", """\
        stage: 1
        title: Payments
        platform: supabase
        domains:
          - {name: positive_amount, type: "numeric(12, 2)", check: value > 0}
        tables:
          - name: payments
            comment: Payments.
            columns:
              - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
              - {name: user_id, type: uuid, not_null: true, references: auth.users.id}
              - {name: amount, type: positive_amount, not_null: true}
            rls: true
            policies:
              - {name: own, command: select, roles: [authenticated], using: user_id = (select auth.uid())}
    """)
    code, out, err = run("validate", "--live", "--specs", str(specs))
    assert "coverage: 1 of 1 tables with RLS probed" in out and "skipped" not in out, out
