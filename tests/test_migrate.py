"""Migrations from spec edits: written, proven on a throwaway PostgreSQL with sample rows, checked
in CI, and applied by psql as the Supabase CLI would. Every ``migrate new`` here runs its proof."""

from __future__ import annotations

import copy
import io
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
import conftest
from conftest import CASES, STAGE5_SPECS, need_library
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import PROPERTIES, _project, spec_sets

from schemagen import db, live, pgserver
from schemagen.cli import main
from schemagen.load import load_project
from schemagen.render import build_environment, render_project

KINDS = CASES / "kinds" / "specs"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


@pytest.fixture
def project_dir(tmp_path):
    """A copy of the kinds fixture's specs, and an empty migrations folder beside them."""
    shutil.copytree(KINDS, tmp_path / "specs")
    return tmp_path


def migrate(root: Path, *argv: str) -> tuple[int, str, str]:
    return run("migrate", "--specs", str(root / "specs"), "--dir", str(root / "migrations"), *argv)


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / "specs" / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def deployed(root: Path, name: str, spec: str) -> None:
    """A project of one stage spec, its first migration written: the schema as deployed."""
    (root / "specs").mkdir()
    (root / "specs" / name).write_text(spec)
    assert migrate(root, "new", "initial", "--version", "20260101000000")[0] == 0


def migrations(root: Path) -> list[Path]:
    return sorted((root / "migrations").glob("*.sql"))


def test_the_first_migration_is_the_whole_schema_and_check_then_passes(project_dir):
    code, out, err = migrate(project_dir, "new", "initial", "--version", "20260101000000")
    assert code == 0, err
    [initial] = migrations(project_dir)
    assert initial.name == "20260101000000_initial.sql"
    text = initial.read_text()
    assert "create table public.trips (" in text and "insert into storage.buckets" in text
    assert "-- proof, on a throwaway PostgreSQL with sample rows, of these files as written: the catalog equals the " \
           "specs" in text
    assert "RLS probe on 5 changed tables" in out
    assert migrate(project_dir, "check") == (0, "", "the 1 migration in {} produce what the specs say\n"
                                                    .format(project_dir / "migrations"))


def test_a_spec_edit_without_its_migration_fails_check_at_the_spec_line(project_dir):
    assert migrate(project_dir, "new", "initial", "--version", "20260101000000")[0] == 0
    edit(project_dir, "stage-01-trips-app.yaml", "      - {name: title, type: text, not_null: true}\n",
         "      - {name: title, type: text, not_null: true}\n      - {name: summary, type: text}\n")
    code, out, err = migrate(project_dir, "check", "--format", "github")
    assert code == 1
    assert out == (f"::error file={project_dir / 'specs' / 'stage-01-trips-app.yaml'},line=37,col=9,"
                   "title=M001::M001 column public.trips.summary is missing from the database\n")


def test_edits_of_every_kind_become_one_proven_migration_in_safe_forms(project_dir):
    assert migrate(project_dir, "new", "initial", "--version", "20260101000000")[0] == 0
    trips = "stage-01-trips-app.yaml"
    edit(project_dir, trips, "      - {name: updated_at, type: timestamptz, not_null: true, default: now()}\n",
         "      - {name: updated_at, type: timestamptz, not_null: true, default: now()}\n"
         "      - name: rating\n        type: integer\n"
         "        check: {name: trips_rating_range, expression: rating between 1 and 5}\n")
    edit(project_dir, trips, "      - columns: [owner_id]\n", "      - columns: [owner_id]\n"
                                                              "      - columns: [status, updated_at]\n")
    edit(project_dir, trips, "    values: [planned, active, done]", "    values: [planned, active, done, archived]")
    edit(project_dir, trips, "        using: owner_id = (select auth.uid())\n        with_check: owner_id",
         "        using: owner_id = (select auth.uid()) and status <> 'done'\n        with_check: owner_id")
    edit(project_dir, trips, "        new.updated_at := now();", "        new.updated_at := clock_timestamp();")
    edit(project_dir, trips, "      select t.id, t.title, t.status,", "      select t.id, t.title, t.status, t.slug,")
    edit(project_dir, "stage-04-files.yaml", "    file_size_limit: 10485760", "    file_size_limit: 20971520")
    code, out, err = migrate(project_dir, "new", "trip_ratings", "--version", "20260102000000")
    assert code == 0, err
    main_file, validate_file, index_file = migrations(project_dir)[1:]
    text = main_file.read_text()
    assert validate_file.name == "20260102000001_trip_ratings_1.sql"
    assert validate_file.read_text().endswith("set lock_timeout = '5s';\n\nset statement_timeout = 0;\n\n"
                                              "alter table public.trips validate constraint trips_rating_range;\n")
    assert "\nalter table public.trips validate constraint" not in text
    for statement in ("set lock_timeout = '5s';\n\nset statement_timeout = '1min';",
                      "alter table public.trips add column rating integer;",
                      "alter table public.trips add constraint trips_rating_range check (rating between 1 and 5) "
                      "not valid;",
                      "alter type public.trip_status add value 'archived' after 'done';",
                      "alter policy \"Owners change trips\" on public.trips to authenticated using ( owner_id = "
                      "(select auth.uid()) and status <> 'done' )",
                      "create or replace function public.set_updated_at()",
                      "\ndrop view public.trip_overview;", "\ncreate view public.trip_overview with",
                      "insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)"):
        assert statement in text, statement
    assert "AccessExclusiveLock on public.trips (blocks reads and writes)" in text
    assert index_file.name == "20260102000002_trip_ratings_2.sql"
    assert index_file.read_text().endswith("create index concurrently trips_status_updated_at_idx on "
                                           "public.trips(status, updated_at);\n")
    assert "proof: the catalog equals the specs" in out and "write holes" in out
    assert migrate(project_dir, "check")[0] == 0


def test_the_proof_applies_the_statements_of_the_files_as_written(project_dir, monkeypatch):
    """What the proof sent to PostgreSQL, in order, is every statement of the written files, read
    back from disk (a concurrent build without its keyword, which no transaction allows)."""
    from schemagen import migrate as migrate_module
    from schemagen.db import Session

    assert migrate(project_dir, "new", "initial", "--version", "20260101000000")[0] == 0
    edit(project_dir, "stage-01-trips-app.yaml", "      - columns: [owner_id]\n",
         "      - columns: [owner_id]\n      - columns: [status, updated_at]\n")
    edit(project_dir, "stage-01-trips-app.yaml", "      - {name: title, type: text, not_null: true}\n",
         "      - {name: title, type: text, not_null: true}\n      - name: rating\n        type: integer\n"
         "        check: {name: trips_rating_range, expression: rating between 1 and 5}\n")
    sent: list[str] = []
    original = Session.execute

    def recording(self, sql):
        sent.append(sql.rstrip(";"))
        return original(self, sql)

    monkeypatch.setattr(Session, "execute", recording)
    code, out, err = migrate(project_dir, "new", "rating", "--version", "20260102000000")
    assert code == 0, err
    written = migrate_module.statements_of([path.read_text() for path in migrations(project_dir)[1:]])
    assert len(written) == 10  # two settings in each of 3 files, the column, the check, its validation, the index
    applied = [migrate_module.CONCURRENTLY.sub(lambda found: found.group(1), sql).rstrip(";") for sql in written]
    start = sent.index(applied[0])
    assert sent[start:start + len(applied)] == applied


def test_a_migration_whose_statements_change_after_the_proof_is_not_written(project_dir, monkeypatch):
    from schemagen import migrate as migrate_module

    assert migrate(project_dir, "new", "initial", "--version", "20260101000000")[0] == 0
    edit(project_dir, "stage-01-trips-app.yaml", "      - {name: title, type: text, not_null: true}\n",
         "      - {name: title, type: text, not_null: true}\n      - {name: summary, type: text}\n")
    render = migrate_module.render_files

    def tampered(plan, proof, names, baseline):
        files = render(plan, proof, names, baseline)
        return files if proof is None else [(path, text.replace("summary text", "summary integer"))
                                            for path, text in files]

    monkeypatch.setattr(migrate_module, "render_files", tampered)
    code, out, err = migrate(project_dir, "new", "summary", "--version", "20260102000000")
    assert code == 2 and "changed a statement of the proven files; nothing was written" in err
    assert len(migrations(project_dir)) == 1


def test_written_migrations_apply_with_psql_as_the_supabase_cli_would(project_dir, fresh_db, postgres):
    """Each file on its own connection, stopping at the first error; the concurrent index file
    outside any transaction. The database they make has no drift from the specs."""
    assert migrate(project_dir, "new", "initial", "--version", "20260101000000")[0] == 0
    edit(project_dir, "stage-01-trips-app.yaml", "      - columns: [owner_id]\n",
         "      - columns: [owner_id]\n      - columns: [status, updated_at]\n")
    assert migrate(project_dir, "new", "index", "--version", "20260102000000")[0] == 0
    live.install_platform(fresh_db.admin, load_project(project_dir / "specs"))
    psql = shutil.which("psql") or str(pgserver.find_bin_dir() / "psql")
    for path in migrations(project_dir):
        done = subprocess.run([psql, "-h", postgres.socket_dir, "-p", str(postgres.settings["port"]), "-U", "postgres",
                               "-d", fresh_db.name, "-v", "ON_ERROR_STOP=1", "-q", "-f", str(path)],
                              capture_output=True, text=True)
        assert done.returncode == 0, (path.name, done.stderr)
    url = postgres.url("postgres", fresh_db.name)
    assert run("drift", "--specs", str(project_dir / "specs"), "--db", url) == (
        0, "", "the database matches the specs\n")


def test_a_rename_with_a_hint_keeps_the_rows_and_without_one_is_pointed_out(project_dir):
    assert migrate(project_dir, "new", "initial", "--version", "20260101000000")[0] == 0
    edit(project_dir, "stage-01-trips-app.yaml", "      - {name: title, type: text, not_null: true}",
         "      - {name: headline, type: text, not_null: true, renamed_from: title}")
    edit(project_dir, "stage-01-trips-app.yaml", "to_tsvector('simple', title)", "to_tsvector('simple', headline)")
    edit(project_dir, "stage-01-trips-app.yaml", "columns: [{column: title, opclass", "columns: [{column: headline, opclass")
    edit(project_dir, "stage-01-trips-app.yaml", "select t.id, t.title, t.status", "select t.id, t.headline, t.status")
    code, out, err = migrate(project_dir, "new", "headline", "--version", "20260102000000")
    assert code == 0, err
    text = migrations(project_dir)[1].read_text()
    assert "alter table public.trips rename column title to headline;" in text
    assert "drop column" not in text and "add column" not in text
    assert "24 sample rows in 5 tables kept, every kept column unchanged" in out

    edit(project_dir, "stage-02-profiles.yaml", "      - {name: full_name, type: text}",
         "      - {name: display_name, type: text}")
    code, out, err = migrate(project_dir, "new", "display_name", "--version", "20260103000000")
    assert code == 0, err
    text = migrations(project_dir)[2].read_text()
    assert ("-- column public.profiles.full_name, which the spec does not define, has the type of the missing "
            "public.profiles.display_name: if it was renamed, write 'renamed_from: full_name' on the column so "
            "its values are kept") in text
    assert "-- destructive: alter table public.profiles drop column full_name;" in text
    assert "left for --allow-destructive" in out


def test_a_table_and_an_index_renamed_with_hints_keep_their_rows(project_dir):
    assert migrate(project_dir, "new", "initial", "--version", "20260101000000")[0] == 0
    edit(project_dir, "stage-01-trips-app.yaml", "  - name: trip_members\n",
         "  - name: trip_participants\n    renamed_from: trip_members\n")
    for old in ("from public.trip_members m where", "left join public.trip_members m", "tables: [trips, trip_members]"):
        edit(project_dir, "stage-01-trips-app.yaml", old, old.replace("trip_members", "trip_participants"))
    edit(project_dir, "stage-01-trips-app.yaml", "      - name: trips_updated_idx\n",
         "      - name: trips_recent_idx\n        renamed_from: trips_updated_idx\n")
    code, out, err = migrate(project_dir, "new", "participants", "--version", "20260102000000")
    assert code == 0, err
    text = migrations(project_dir)[1].read_text()
    assert "alter table public.trip_members rename to trip_participants;" in text
    assert "alter index public.trips_updated_idx rename to trips_recent_idx;" in text
    assert "drop table" not in text and "create table" not in text and "create index" not in text
    for carried in ("pkey", "trip_id_fkey", "user_id_fkey"):  # the spec names its unique key itself: kept
        assert (f"alter table public.trip_participants rename constraint trip_members_{carried} to "
                f"trip_participants_{carried};") in text
    assert "rename constraint trip_members_user_trip_key" not in text
    assert ("alter table public.trip_members rename to trip_participants;: a client that still uses the old name "
            "fails from this commit") in text  # squawk's renaming-table warning, in the file's hazards
    assert "every kept column unchanged" in out
    assert migrate(project_dir, "check")[0] == 0


def test_renames_leave_the_names_a_database_built_from_the_specs_has(project_dir, fresh_db, postgres):
    """A table and a column renamed with hints: the migrated database's constraint and sequence
    names are those a database built from the specs has (#25 found ``user_sessions`` keeping
    ``sessions_pkey``, unseen by drift)."""
    from schemagen import migrate as migrate_module

    (project_dir / "specs" / "stage-05-counters.yaml").write_text(
        "stage: 5\ntitle: Counters\nplatform: supabase\ntables:\n  - name: tallies\n    comment: Counts.\n"
        "    columns:\n      - {name: id, type: bigserial, primary_key: true}\n"
        "      - {name: owner, type: uuid, not_null: true, references: auth.users.id}\n"
        "      - {name: total, type: integer, check: total >= 0}\n")
    assert migrate(project_dir, "new", "initial", "--version", "20260101000000")[0] == 0
    edit(project_dir, "stage-05-counters.yaml", "  - name: tallies\n", "  - name: counters\n    renamed_from: tallies\n")
    edit(project_dir, "stage-05-counters.yaml", "{name: owner, type: uuid,", "{name: owner_id, renamed_from: owner, type: uuid,")
    assert migrate(project_dir, "new", "counters", "--version", "20260102000000")[0] == 0
    live.install_platform(fresh_db.admin, load_project(project_dir / "specs"), extensions=False)
    migrate_module.apply_migrations(fresh_db.owner, migrations(project_dir), fresh_db.admin)
    names = ("select c.relname, k.conname from pg_constraint k join pg_class c on c.oid = k.conrelid "
             "where c.relname = 'counters' union all select relname, relkind::text from pg_class "
             "where relname like 'counters%' order by 1, 2")
    migrated = fresh_db.run(names)
    other = f"{fresh_db.name}_specs"
    fresh_db.admin.run(f'create database "{other}" owner postgres')
    try:
        built = conftest.LiveDb(postgres, other)
        try:
            built.build(project_dir / "specs")
            assert migrated == built.run(names)
        finally:
            built.close()
    finally:
        fresh_db.admin.run(f'drop database "{other}" with (force)')
    assert ["counters", "counters_owner_id_fkey"] in migrated and ["counters_id_seq", "S"] in migrated
    assert migrate(project_dir, "check")[0] == 0


def test_a_destructive_change_is_a_comment_until_allowed(project_dir):
    assert migrate(project_dir, "new", "initial", "--version", "20260101000000")[0] == 0
    edit(project_dir, "stage-02-profiles.yaml", "      - {name: avatar_url, type: text}\n", "")
    edit(project_dir, "stage-02-profiles.yaml", ", new.raw_user_meta_data ->> 'avatar_url'", "")
    edit(project_dir, "stage-02-profiles.yaml", "(id, full_name, avatar_url)", "(id, full_name)")
    code, out, err = migrate(project_dir, "new", "no_avatars", "--version", "20260102000000", "--dry-run")
    assert code == 0, err
    assert "-- destructive: alter table public.profiles drop column avatar_url;" in out
    code, out, err = migrate(project_dir, "new", "no_avatars", "--version", "20260102000000", "--allow-destructive")
    assert code == 0, err
    assert "\nalter table public.profiles drop column avatar_url;" in migrations(project_dir)[1].read_text()
    assert "proof: the catalog equals the specs" in out


def stage5_deployed(root: Path) -> Path:
    """Stage 5 deployed as written (its SQL as a hand-made migration): its spec file, to edit."""
    shutil.copytree(STAGE5_SPECS, root / "specs")
    (root / "migrations").mkdir()
    rendered = render_project(load_project(root / "specs"))
    (root / "migrations" / "20250101000000_stage_5.sql").write_text(rendered["sql/stage-05-advanced-tables.sql"])
    return root / "specs" / "stage-05-advanced-tables.yaml"


def test_the_seeds_flawed_policy_fixed_is_an_alter_policy_and_the_hole_is_gone(tmp_path):
    """Stage 5 deployed as written, then the spec fixed."""
    spec = stage5_deployed(tmp_path)
    flawed = ('      - name: System can update task status\n        command: update\n        roles: [authenticated]\n'
              '        using: "true"\n')
    fixed = flawed.replace('using: "true"', "using: user_id = (select auth.uid())")
    assert flawed in spec.read_text()
    spec.write_text(spec.read_text().replace(flawed, fixed, 1))
    code, out, err = migrate(tmp_path, "new", "fix_task_policy", "--version", "20250102000000")
    assert code == 0, err
    text = migrations(tmp_path)[1].read_text()
    assert 'alter policy "System can update task status" on public.ai_tasks to authenticated using ( user_id = ' \
           "(select auth.uid()) );" in text
    assert "RLS probe on 1 changed table: 8 checks, 0 write holes" in out


def test_a_hole_the_migration_leaves_alone_is_counted_not_blamed_on_it(tmp_path):
    """A new read policy beside Stage 5's flawed update policy: the probe still finds the update
    hole, but the migration did not write that policy, so the proof says so instead of failing."""
    spec = stage5_deployed(tmp_path)
    flawed = '      - name: System can update task status\n'
    added = ('      - name: Agents read their tasks\n        command: select\n        roles: [authenticated]\n'
             '        using: user_id = (select auth.uid())\n')
    spec.write_text(spec.read_text().replace(flawed, added + flawed, 1))
    code, out, err = migrate(tmp_path, "new", "agents_read", "--version", "20250102000000")
    assert code == 0, err
    assert ("RLS probe on 1 changed table: 8 checks, 0 write holes (1 more allowed only by policies it leaves "
            "as they were)") in out
    assert 'create policy "Agents read their tasks"' in migrations(tmp_path)[1].read_text()


def test_two_new_tables_that_reference_each_other_are_one_proven_migration(project_dir):
    """create table cannot name a table not made yet: the reference closing the loop is added after."""
    assert migrate(project_dir, "new", "initial", "--version", "20260101000000")[0] == 0
    (project_dir / "specs" / "stage-09-projects.yaml").write_text(
        "stage: 9\ntitle: Projects\ntables:\n"
        "  - name: projects\n    comment: Projects.\n    columns:\n"
        "      - {name: id, type: uuid, primary_key: true}\n"
        "      - {name: lead_id, type: uuid, references: {table: leads}}\n"
        "  - name: leads\n    comment: Leads.\n    columns:\n"
        "      - {name: id, type: uuid, primary_key: true}\n"
        "      - {name: project_id, type: uuid, references: {table: projects}}\n")
    code, out, err = migrate(project_dir, "new", "projects", "--version", "20260102000000")
    assert code == 0, err
    text = migrations(project_dir)[1].read_text()
    assert text.index("create table public.projects (\n  id uuid primary key,\n  lead_id uuid\n);") \
        < text.index("create table public.leads") \
        < text.index("alter table public.projects add foreign key (lead_id) references public.leads(id);")


def test_sample_rows_get_past_reference_rows_in_a_unique_key_of_enums(tmp_path):
    """role_permissions holds only enums in its unique key, and the first migration inserted the
    first combinations: plain sample rows would collide and the proof would keep no rows there."""
    deployed(tmp_path, "stage-01-roles.yaml",
             "stage: 1\ntitle: Roles\nenums:\n  - {name: app_role, values: [admin, member]}\n"
             "  - {name: app_permission, values: [posts.delete, posts.pin, posts.edit]}\n"
             "tables:\n  - name: role_permissions\n    comment: What each role may do.\n    columns:\n"
             "      - {name: id, type: bigint, identity: by default, primary_key: true}\n"
             "      - {name: role, type: app_role, not_null: true}\n"
             "      - {name: permission, type: app_permission, not_null: true}\n"
             "    constraints:\n      - {unique: [role, permission]}\n")
    (tmp_path / "migrations" / "20260101000001_reference_rows.sql").write_text(
        "insert into public.role_permissions (role, permission) values ('admin', 'posts.delete'), "
        "('admin', 'posts.pin'), ('member', 'posts.delete');\n")
    edit(tmp_path, "stage-01-roles.yaml", "      - {name: permission, type: app_permission, not_null: true}\n",
         "      - {name: permission, type: app_permission, not_null: true}\n      - {name: note, type: text}\n")
    code, out, err = migrate(tmp_path, "new", "note", "--dry-run")
    assert code == 0, err
    assert ("-- proof, on a throwaway PostgreSQL with sample rows, of these files as written: the catalog equals the "
            "specs; 5 sample rows in "
            "1 table kept, every kept column unchanged\n") in out


def test_sample_rows_fill_a_column_whose_default_reads_the_request(tmp_path):
    """``owner_id uuid not null default auth.uid() references auth.users``: outside a request the
    default is null, so the proof gives the column a user of its own (made in auth.users) instead.
    A function whose signature changes is a new function; dropping the old one is destructive, and
    its hazard is what a drop does to a function's callers, not to data."""
    deployed(tmp_path, "stage-01-docs.yaml",
             "stage: 1\ntitle: Docs\nplatform: supabase\n"
             "functions:\n  - name: doc_count\n    returns: bigint\n    language: sql\n"
             "    body: select count(*) from public.docs\n"
             "tables:\n  - name: docs\n    comment: Documents.\n    columns:\n"
             "      - {name: id, type: bigint, identity: always, primary_key: true}\n"
             "      - {name: owner_id, type: uuid, not_null: true, default: auth.uid(), "
             "references: {schema: auth, table: users, column: id}}\n"
             "    rls: true\n")
    edit(tmp_path, "stage-01-docs.yaml", "  - name: doc_count\n",
         "  - name: doc_count\n    args:\n      - {name: archived, type: boolean, default: \"false\"}\n")
    code, out, err = migrate(tmp_path, "new", "archived", "--dry-run")
    assert code == 0, err
    assert "2 sample rows in 1 table kept, every kept column unchanged\n" in out and "no sample rows" not in out
    assert "--   1. drop function public.doc_count();: breaks whatever still calls it (an rpc from the API, a " \
           "policy, a trigger)\n" in out


def test_an_edit_that_needs_only_destructive_statements_is_not_called_nothing_to_do(tmp_path):
    """Taking a value out of an enum remakes the type (and the index whose predicate names it): every
    statement needs consent, which once read as 'the migrations already produce what the specs say'."""
    deployed(tmp_path, "stage-01-tasks.yaml",
             "stage: 1\ntitle: Tasks\nenums:\n  - {name: task_status, values: [todo, doing, done, archived]}\n"
             "tables:\n  - name: tasks\n    comment: Tasks.\n    columns:\n"
             "      - {name: id, type: bigint, identity: always, primary_key: true}\n"
             "      - {name: status, type: task_status, not_null: true, default: \"'todo'\"}\n")
    edit(tmp_path, "stage-01-tasks.yaml", "[todo, doing, done, archived]", "[todo, doing, done]")
    code, out, err = migrate(tmp_path, "new", "statuses")
    assert (code, out) == (1, "")
    assert err.startswith("schemagen: every statement the specs ask for (")
    assert err.endswith(") needs --allow-destructive; review them with --dry-run --allow-destructive, then write "
                        "them with --allow-destructive\n")
    assert len(migrations(tmp_path)) == 1
    assert migrate(tmp_path, "check")[0] == 1
    code, out, err = migrate(tmp_path, "new", "statuses", "--allow-destructive")
    assert code == 0, err
    assert "drop type public.task_status__retired;" in migrations(tmp_path)[1].read_text()
    assert migrate(tmp_path, "check")[0] == 0


def test_a_migration_that_creates_a_privileged_extension_plainly_applies_as_on_supabase(tmp_path):
    """``create extension dblink`` without ``if not exists`` is what a hand-written migration says;
    supautils makes it for postgres on Supabase. The baseline failed here with 'already exists'
    (the specs' extensions were made first)."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "stage-01-links.yaml").write_text(
        "stage: 1\ntitle: Links\nplatform: supabase\nextensions:\n  - {name: dblink, schema: extensions}\n"
        "tables:\n  - name: links\n    comment: Links.\n    columns:\n"
        "      - {name: id, type: bigint, primary_key: true}\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "20260101000000_links.sql").write_text(
        "create extension dblink with schema extensions;\n"
        "create table public.links (id bigint primary key);\ncomment on table public.links is 'Links.';\n")
    assert migrate(tmp_path, "check") == (0, "", f"the 1 migration in {tmp_path / 'migrations'} produce what the "
                                                 "specs say\n")


AI_STAGE = """stage: 2
title: AI
platform: supabase
extensions:
  - {name: vector, schema: extensions}
enums:
  - {name: doc_kind, values: [page, pdf], comment: What a document is.}
tables:
  - name: docs
    comment: Documents.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: kind, type: doc_kind, not_null: true, default: "'page'"}
      - {name: embedding, type: extensions.vector(3)}
"""


def test_a_new_stage_with_an_extension_an_enum_and_a_table_using_both_is_one_file_that_makes_them_all(
        tmp_path, fresh_db, postgres):
    """The baseline held the specs' privileged extension in advance, so the file had no ``create
    extension``, was "proven", and failed on a real database; and the new table, whose types the
    database lacked, was left out with 'comment on type … differs'. The file is applied here to a
    database without the extension, by psql as a superuser stands in for supautils."""
    need_library("vector", "pgvector (see .ci/run)")
    deployed(tmp_path, "stage-01-notes.yaml", "stage: 1\ntitle: Notes\nplatform: supabase\ntables:\n"
             "  - name: notes\n    comment: Notes.\n    columns:\n"
             "      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}\n")
    (tmp_path / "specs" / "stage-02-ai.yaml").write_text(AI_STAGE)
    code, out, err = migrate(tmp_path, "new", "ai", "--version", "20260102000000")
    assert code == 0, err
    text = migrations(tmp_path)[1].read_text()
    made = ["create extension if not exists vector with schema extensions;",
            "create type public.doc_kind as enum ('page', 'pdf');", "create table public.docs (",
            "comment on type public.doc_kind is 'What a document is.';"]
    assert all(statement in text for statement in made), text
    assert [text.index(statement) for statement in made[:3]] == sorted(text.index(s) for s in made[:3])
    live.install_platform(fresh_db.admin, load_project(tmp_path / "specs"), extensions=False)
    assert not fresh_db.admin.run("select from pg_extension where extname = 'vector'")
    psql = shutil.which("psql") or str(pgserver.find_bin_dir() / "psql")
    for path in migrations(tmp_path):
        done = subprocess.run([psql, "-h", postgres.socket_dir, "-p", str(postgres.settings["port"]), "-U",
                               pgserver.ADMIN, "-d", fresh_db.name, "-v", "ON_ERROR_STOP=1", "-q", "-f", str(path)],
                              capture_output=True, text=True)
        assert done.returncode == 0, (path.name, done.stderr)
    assert run("drift", "--specs", str(tmp_path / "specs"), "--db", postgres.url("postgres", fresh_db.name)) == (
        0, "", "the database matches the specs\n")
    assert migrate(tmp_path, "check")[0] == 0


UNAVAILABLE = """create extension if not exists pgjwt with schema extensions;
create extension if not exists wrappers with schema extensions;
create foreign data wrapper stripe_wrapper handler stripe_fdw_handler validator stripe_fdw_validator;
create server stripe_server foreign data wrapper stripe_wrapper options (api_key_id 'x');
create function public.make_token() returns text language sql as $$ select extensions.sign('{}'::json, 'k') $$;
create table public.tokens (id uuid primary key default gen_random_uuid(), body text);
comment on table public.tokens is 'Tokens.';
"""


def test_extensions_this_server_lacks_are_left_out_and_said_in_migrate_and_import(tmp_path):
    """wrappers and pgjwt (Supabase has them, Debian does not) stopped migrate and import at their
    create extension (#24). Now each is left out with the statements that then fail for want of
    it, every one said as V204 at its line; the rest is compared and imported."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "s.yaml").write_text(
        "stage: 1\ntitle: Tokens\nplatform: supabase\nextensions:\n  - {name: pgjwt, schema: extensions}\n"
        "tables:\n  - name: tokens\n    comment: Tokens.\n    columns:\n"
        "      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}\n"
        "      - {name: body, type: text}\n")
    (tmp_path / "migrations").mkdir()
    migration = tmp_path / "migrations" / "20260101000000_tokens.sql"
    migration.write_text(UNAVAILABLE)
    code, out, err = migrate(tmp_path, "check")
    assert code == 0, err
    lines = err.splitlines()
    assert lines[:5] == [
        f"{migration}:1: V204 warning extension pgjwt is not installed on this PostgreSQL: schemagen left it out, "
        "and what needs it is not applied, compared or imported here",
        f"{migration}:2: V204 warning extension wrappers is not installed on this PostgreSQL: schemagen left it "
        "out, and what needs it is not applied, compared or imported here",
        f"{migration}:3: V204 warning left out with pgjwt, wrappers: permission denied to create foreign-data "
        "wrapper \"stripe_wrapper\" (hint: Must be superuser to create a foreign-data wrapper.)",
        f"{migration}:4: V204 warning left out with pgjwt, wrappers: foreign-data wrapper \"stripe_wrapper\" "
        "does not exist",
        f"{migration}:5: V204 warning left out with pgjwt, wrappers: function extensions.sign(json, unknown) does "
        "not exist (hint: No function matches the given name and argument types. You might need to add explicit "
        "type casts.)"]
    assert f"{tmp_path / 'specs' / 's.yaml'}:5:5: V204 warning not testable here: extension pgjwt" in err
    code, out, err = run("import", "--migrations", str(tmp_path / "migrations"), "--specs", str(tmp_path / "imported"))
    assert code == 0, err
    assert f"{migration}:2: V204 warning extension wrappers" in err
    assert "name: tokens" in (tmp_path / "imported" / "stage-01-tokens.yaml").read_text()


def test_a_new_stage_with_a_domain_and_a_function_its_table_uses_is_one_proven_file(tmp_path):
    """The same path for a new domain (a column's type) and a new function (a column's default):
    the database lacks both when drift spells the new table, so they are made in its scratch first."""
    deployed(tmp_path, "stage-01-notes.yaml", "stage: 1\ntitle: Notes\nplatform: supabase\ntables:\n"
             "  - name: notes\n    comment: Notes.\n    columns:\n"
             "      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}\n")
    (tmp_path / "specs" / "stage-02-prices.yaml").write_text(
        "stage: 2\ntitle: Prices\nplatform: supabase\n"
        "domains:\n  - {name: amount, type: 'numeric(12, 2)', check: value >= 0, comment: Never negative.}\n"
        "functions:\n  - name: next_code\n    returns: text\n    language: sql\n    volatility: volatile\n"
        "    body: select 'P-' || floor(random() * 1000)::int\n"
        "tables:\n  - name: prices\n    comment: Prices.\n    columns:\n"
        "      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}\n"
        "      - {name: code, type: text, not_null: true, default: public.next_code()}\n"
        "      - {name: value, type: amount}\n")
    code, out, err = migrate(tmp_path, "new", "prices", "--version", "20260102000000")
    assert code == 0, err
    text = migrations(tmp_path)[1].read_text()
    made = ["create domain public.amount", "create or replace function public.next_code()",
            "create table public.prices ("]
    assert all(statement in text for statement in made), text
    assert [text.index(statement) for statement in made] == sorted(text.index(s) for s in made)
    assert migrate(tmp_path, "check")[0] == 0


def test_a_cron_job_edit_is_a_migration_that_schedules_it_again(tmp_path):
    need_library("pg_cron", "Debian's postgresql-15-cron")
    deployed(tmp_path, "stage-01-jobs.yaml",
             "stage: 1\ntitle: Jobs\nplatform: supabase\nextensions:\n  - {name: pg_cron, schema: pg_catalog}\n"
             "cron_jobs:\n  - {name: vacuum-logs, schedule: 0 3 * * *, command: vacuum analyze}\n")
    first = migrations(tmp_path)[0].read_text()
    assert "select cron.schedule('vacuum-logs', '0 3 * * *', $$vacuum analyze$$);" in first
    edit(tmp_path, "stage-01-jobs.yaml", "schedule: 0 3 * * *", "schedule: 30 4 * * 0")
    assert migrate(tmp_path, "check")[0] == 1
    code, out, err = migrate(tmp_path, "new", "weekly", "--version", "20260102000000")
    assert code == 0, err
    assert migrations(tmp_path)[1].read_text().endswith(
        "select cron.schedule('vacuum-logs', '30 4 * * 0', $$vacuum analyze$$);\n")
    assert migrate(tmp_path, "check")[0] == 0


def test_a_not_null_column_added_to_a_table_with_rows_fails_the_proof_and_writes_nothing(project_dir):
    assert migrate(project_dir, "new", "initial", "--version", "20260101000000")[0] == 0
    edit(project_dir, "stage-01-trips-app.yaml", "      - {name: title, type: text, not_null: true}\n",
         "      - {name: title, type: text, not_null: true}\n      - {name: country, type: text, not_null: true}\n")
    code, out, err = migrate(project_dir, "new", "country", "--version", "20260102000000")
    assert code == 1
    assert ("proof: statement 1 fails on the baseline with sample rows in place: column \"country\" of relation "
            "\"trips\" contains null values; a table with rows needs the new column to have a default, or to be "
            "added nullable, filled, and made not null in a later migration: alter table public.trips add column "
            "country text not null;\n") in err
    assert err.endswith("schemagen: the proof failed; nothing was written\n")
    assert len(migrations(project_dir)) == 1


def test_from_a_git_revision(project_dir):
    def git(*argv: str) -> None:
        subprocess.run(["git", "-C", str(project_dir), *argv], check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.email=t@t", "-c", "user.name=t", "add", "specs")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "stages")
    edit(project_dir, "stage-02-profiles.yaml", "      - {name: avatar_url, type: text}\n",
         "      - {name: avatar_url, type: text}\n      - {name: website, type: text}\n")
    code, out, err = migrate(project_dir, "new", "website", "--from", "HEAD", "--version", "20260102000000",
                             "--dry-run")
    assert code == 0, err
    assert "-- baseline: the specs at HEAD" in out
    assert "alter table public.profiles add column website text;" in out
    code, _, err = migrate(project_dir, "new", "x", "--from", "no-such-ref", "--dry-run")
    assert code == 2 and "git does not know revision 'no-such-ref'" in err


def test_a_migration_is_never_overwritten(project_dir):
    assert migrate(project_dir, "new", "initial", "--version", "20260101000000")[0] == 0
    (project_dir / "specs" / "stage-04-files.yaml").write_text(
        (project_dir / "specs" / "stage-04-files.yaml").read_text().replace("file_size_limit: 10485760",
                                                                           "file_size_limit: 1024"))
    before = migrations(project_dir)[0].read_text()
    code, _, err = migrate(project_dir, "new", "initial", "--version", "20260101000000")
    assert code == 2 and "exists already; schemagen never overwrites a migration" in err
    assert migrations(project_dir)[0].read_text() == before


# --- the round trip, as a property ---------------------------------------------------------


def _edited(draw, old: dict) -> dict:
    """An edit of a spec set: columns added (nullable) or dropped, defaults and comments changed,
    indexes and policies added or removed."""
    new = copy.deepcopy(old)
    for table in new["tables"]:
        plain = [c for c in table["columns"][2:] if "references" not in c and not c.get("unique")]
        edits = draw(st.lists(st.sampled_from(["add", "drop", "default", "comment", "index", "policy"]),
                              max_size=3, unique=True))
        added = f"added_{len(table['columns'])}"
        if "add" in edits and all(c["name"] != added for c in table["columns"]):
            table["columns"].append({"name": added, "type": "text", "default": "'none'"})
        if "drop" in edits and plain:
            dropped = plain[0]["name"]
            table["columns"] = [c for c in table["columns"] if c["name"] != dropped]
            table["indexes"] = [i for i in table.get("indexes", []) if dropped not in str(i)]
            if not table["indexes"]:
                table.pop("indexes")
        if "default" in edits and plain:
            plain[-1].pop("default", None)
        if "comment" in edits:
            table["comment"] = f"Edited {table.get('comment', '')[:20]}."
        if "index" in edits and not any(i.get("name") == f"later_{table['name'][:5]}" for i in table.get("indexes", [])):
            table.setdefault("indexes", []).append({"name": f"later_{table['name'][:5]}", "columns": ["owner_id"]})
        if "policy" in edits and table.get("rls") and not any(p["name"] == "later rule"
                                                                 for p in table.get("policies", [])):
            table.setdefault("policies", []).append({"name": "later rule", "command": "select",
                                                     "roles": ["authenticated"], "using": "owner_id = (select auth.uid())"})
    return new


@st.composite
def spec_pairs(draw) -> tuple[dict, dict]:
    old = draw(spec_sets())
    return old, _edited(draw, old)


@st.composite
def spec_sequences(draw) -> list[dict]:
    """A spec set and two edits after it, each of the one before; every policy lets a user reach
    their own rows only (a policy with a hole fails the proof, rightly: not this property's subject)."""
    first = draw(spec_sets())
    for table in first["tables"]:
        for policy in table.get("policies", []):
            policy["with_check" if policy["command"] == "insert" else "using"] = '"owner_id" = (select auth.uid())'
    specs = [first]
    for _ in range(2):
        specs.append(_edited(draw, specs[-1]))
    return specs


@PROPERTIES
@given(pair=spec_pairs())
def test_a_migration_from_old_to_new_gives_new_s_catalog(tmp_path_factory, database, pair):
    from schemagen import migrate as engine
    from schemagen import migration_proof

    old, new = pair
    old_project = _project(tmp_path_factory.mktemp("old"), old)
    new_project = _project(tmp_path_factory.mktemp("new"), new)
    built = database()
    live.build_database(built.admin, built.owner, old_project, render_project(old_project))
    live.install_platform(built.admin, new_project)
    session = db.Session(live.connect(built.server, built.name))
    try:
        schemas = ["public"]
        env = build_environment()
        plan = engine.plan_from_database(session, new_project, env, schemas, allow_destructive=True)
        proof = migration_proof.prove(session, new_project, plan, schemas, env)
    finally:
        session.close()
    assert proof.ok, (proof.problems, [c.message for c in proof.left], [s.sql for s in plan.steps])
    assert "the catalog equals the specs" in proof.facts


@settings(PROPERTIES, max_examples=max(2, PROPERTIES.max_examples // 4))
@given(sequence=spec_sequences())
def test_a_sequence_of_edits_each_migrated_ends_with_check_clean(tmp_path_factory, sequence):
    """As a team works: specs edited, ``migrate new`` after each edit (destructive statements
    allowed, as a reviewed edit that drops a column would be), then ``migrate check`` builds a
    database from every file written and finds no difference from the specs."""
    root = tmp_path_factory.mktemp("sequence")
    (root / "specs").mkdir()
    for step, spec in enumerate(sequence):
        (root / "specs" / "s.yaml").write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
        code, out, err = migrate(root, "new", f"edit {step}", "--version", str(20260101000000 + step * 10),
                                 "--allow-destructive")
        assert code == 0, (step, err, [p.read_text() for p in migrations(root)])
    code, out, err = migrate(root, "check")
    assert code == 0, (out, err)


def test_an_index_alone_is_one_file_that_says_how_to_apply_it(project_dir):
    """An edit that only adds an index on an existing table: no file holding settings alone (#25
    found an empty one), and the index's file says it must run outside a transaction, with no
    statement timeout (the build may take as long as the table needs; it blocks no writes)."""
    assert migrate(project_dir, "new", "initial", "--version", "20260101000000")[0] == 0
    edit(project_dir, "stage-01-trips-app.yaml", "      - columns: [owner_id]\n",
         "      - columns: [owner_id]\n      - columns: [status, updated_at]\n")
    code, out, err = migrate(project_dir, "new", "index", "--version", "20260102000000")
    assert code == 0, err
    (written,) = migrations(project_dir)[1:]
    text = written.read_text()
    assert written.name == "20260102000000_index.sql"
    assert text.startswith("-- 20260102000000_index.sql: written by schemagen migrate new from the specs\n")
    assert "cannot run inside one" in text and "psql without -1" in text
    assert text.endswith("set lock_timeout = '5s';\n\nset statement_timeout = 0;\n\n"
                         "create index concurrently trips_status_updated_at_idx on public.trips(status, updated_at);\n")
