"""``schemagen import``: existing schemas into specs, each import proven by its round trip.

The fixtures under tests/cases/import are written for these tests in the style of public
Supabase projects: timestamped migrations whose later files alter the earlier tables, and a
dump-style file (quoted names, keys and references added after the tables, owners and grants
spelled out).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, STAGE5_SPECS, need_library
from hypothesis import given, settings
from hypothesis import strategies as st

from schemagen.cli import main
from schemagen.importing.run import ImportProblem, Options, from_files, from_stage_doc, import_schema
from schemagen.importing.yamlout import dump
from schemagen.lint import run_lint
from schemagen.load import load_project
from schemagen.render import render_project

CASES = ROOT / "tests" / "cases" / "import"
#: Stage 5's golden output: the tool's own fixture, whatever stages the repository's specs/ hold.
STAGE5_OUTPUT = STAGE5_SPECS.parent / "expected"
MIGRATIONS = CASES / "migrations"
DUMP = CASES / "dump" / "schema.sql"
SEED = ROOT.parent / "shared" / "seeds" / "stage-5-advanced-tables.md"
STEM = "stage-05-advanced-tables"


def _render(files: dict[str, str], tmp_path: Path) -> dict[str, str]:
    specs = tmp_path / "specs"
    specs.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (specs / name).write_text(text, "utf-8")
    project = load_project(specs)
    return render_project(project, run_lint(project))


def _import(source) -> dict:
    result = import_schema(source, Options())
    assert result.differences == []
    assert result.proven
    return result


def _sql_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _spec(files: dict[str, str]) -> dict:
    assert len(files) == 1
    return yaml.safe_load(next(iter(files.values())))


def _table(spec: dict, name: str) -> dict:
    return next(t for t in spec["tables"] if t["name"] == name)


# --- the seed ----------------------------------------------------------------------------------


def test_the_hand_written_seed_imports_to_a_spec_that_rebuilds_its_sql_and_diagram(seed_text, tmp_path):
    result = _import(from_stage_doc(SEED))
    assert list(result.files) == [f"{STEM}.yaml"]
    assert result.counts == {("table", "native"): 5, ("policy", "native"): 15, ("index", "native"): 20}
    rendered = _render(result.files, tmp_path)
    blocks = re.findall(r"```sql\n(.*?)```", seed_text, re.S)
    assert _sql_lines(rendered[f"sql/{STEM}.sql"]) == _sql_lines("".join(blocks))
    assert re.findall(r"```sql\n(.*?)```", rendered[f"docs/{STEM}.md"], re.S) == blocks
    seed_diagram = re.search(r"```mermaid\n(.*?)```", seed_text, re.S).group(1)
    assert rendered[f"er/{STEM}.mmd"] == seed_diagram
    doc = rendered[f"docs/{STEM}.md"]
    assert doc.startswith(seed_text.split("## 📊 Schema Overview")[0].split("**Status:**")[0])
    assert doc.endswith(seed_text[seed_text.index("## 📝 Note on event_bus_messages"):])
    # The hand-written checklist's reason for `for all` becomes the waiver of the policy it excuses.
    spec = _spec(result.files)
    policy = _table(spec, "event_bus_messages")["policies"][0]
    assert policy["waive"] == {"SG006": "event_bus uses `for all` intentionally - system-only table"}
    assert spec["external"]["tables"][0]["columns"] == [{"name": "id", "type": "uuid", "primary_key": True}]


def test_the_repaired_seed_imports_to_a_spec_that_generates_the_shipped_files_byte_for_byte(seed_text, tmp_path):
    """generated/docs/stage-05-….md is the seed with a true checklist: importing it gives back
    every shipped file, the document included (its waiver reason, notes, status, diagram)."""
    result = _import(from_stage_doc(STAGE5_OUTPUT / "docs" / f"{STEM}.md"))
    rendered = _render(result.files, tmp_path)
    for rel, text in rendered.items():
        assert (STAGE5_OUTPUT / rel).read_text("utf-8") == text, rel
    shipped = yaml.safe_load((STAGE5_SPECS / f"{STEM}.yaml").read_text("utf-8"))
    imported = _spec(result.files)
    for key in ("stage", "title", "status", "depends_on", "platform", "notes"):
        assert imported[key] == shipped[key], key
    assert [t["name"] for t in imported["tables"]] == [t["name"] for t in shipped["tables"]]
    for mine, theirs in zip(imported["tables"], shipped["tables"], strict=True):
        assert mine["columns"] == theirs["columns"], mine["name"]
        assert mine["indexes"] == theirs["indexes"], mine["name"]
        assert mine["diagram"] == theirs["diagram"], mine["name"]


# --- migrations and dumps ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def migrations_import():
    return _import(from_files(sorted(MIGRATIONS.glob("*.sql")), stage_per_file=False))


def test_migrations_fold_into_one_stage_of_final_tables_written_as_a_person_would(migrations_import):
    spec = _spec(migrations_import.files)
    assert spec["stage"] == 1 and spec["status"] == "applied" and spec["platform"] == "supabase"
    projects = _table(spec, "projects")
    columns = {c["name"]: c for c in projects["columns"]}
    # A rename, two added columns, a new default and a check added later: one table, as it ends up.
    assert list(columns) == ["id", "owner_id", "title", "status", "created_at", "description", "archived_at"]
    assert columns["status"] == {"name": "status", "type": "text", "default": {"literal": "draft"},
                                 "not_null": True, "check": {"in": ["draft", "active", "archived"]}}
    assert columns["id"] == {"name": "id", "type": "bigint", "identity": "by default", "primary_key": True}
    # The dropped and recreated policy is the new one, spelled as the migration wrote it.
    reads = next(p for p in projects["policies"] if p["name"] == "Members can read projects")
    assert reads["using"] == "archived_at is null and (owner_id = (select auth.uid()) or public.is_project_member(id))"
    # Names the convention gives are left out, the others kept.
    assert projects["indexes"] == [
        {"columns": ["owner_id"]},
        {"name": "projects_active_idx", "columns": [{"column": "created_at", "order": "desc"}],
         "where": "archived_at is null"},
        {"name": "projects_title_trgm_idx", "method": "gin",
         "columns": [{"column": "title", "opclass": "extensions.gin_trgm_ops"}]},
    ]
    profiles = _table(spec, "profiles")
    assert profiles["columns"][1]["check"] == {"name": "username_length", "expression": "char_length(username) >= 3"}
    members = _table(spec, "project_members")
    assert members["constraints"] == [{"primary_key": ["project_id", "user_id"]}]
    assert members["grants"] == [{"privileges": ["delete", "insert", "references", "select", "trigger", "truncate",
                                                 "update"], "to": ["anon"], "revoke": True}]
    functions = {f["name"]: f for f in spec["functions"]}
    assert functions["is_project_member"]["grants"] == [{"privileges": ["execute"], "to": ["anon", "public"],
                                                         "revoke": True}]
    assert functions["handle_new_user"]["security"] == "definer" and functions["handle_new_user"]["search_path"] == []
    attach = {(a.get("schema", "public"), a["table"]): a for a in spec["attach"]}
    assert attach[("auth", "users")]["triggers"] == [{"name": "on_auth_user_created", "timing": "after",
                                                      "events": ["insert"], "function": "public.handle_new_user"}]
    assert [p["name"] for p in attach[("storage", "objects")]["policies"]] == [
        "Avatar images are publicly accessible.", "Anyone can upload an avatar."]
    assert spec["buckets"] == [{"id": "avatars", "public": True, "file_size_limit": 2097152,
                                "allowed_mime_types": ["image/png", "image/jpeg"]}]
    assert spec["publications"] == [{"name": "supabase_realtime", "provided_by": "the Supabase platform",
                                     "tables": ["projects"]}]
    assert spec["views"][0]["security_invoker"] is True
    assert spec["extensions"] == [{"name": "pg_trgm", "schema": "extensions"}]
    assert spec["enums"] == [{"name": "member_role", "values": ["owner", "editor", "viewer"]}]
    assert migrations_import.counts[("table", "native")] == 3
    # What the spec language does not model is kept, as PostgreSQL writes it, and counted as raw.
    assert {k: v for k, v in migrations_import.counts.items() if k[1] == "raw"} == {
        ("type", "raw"): 1, ("procedure", "raw"): 1}
    assert spec["sql_before"] == [{"name": "type public.money_range",
                                   "sql": "create type public.money_range as (low numeric, high numeric);"}]
    assert spec["sql_after"][0]["name"] == "procedure public.archive_old_projects(in p_days integer)"
    assert spec["sql_after"][0]["sql"].startswith("create or replace procedure public.archive_old_projects(")


def test_a_stage_per_migration_puts_each_object_in_the_file_that_made_it():
    result = _import(from_files(sorted(MIGRATIONS.glob("*.sql")), stage_per_file=True))
    specs = [yaml.safe_load(text) for text in result.files.values()]
    assert [(s["stage"], s["title"], s.get("depends_on", [])) for s in specs] == [
        (1, "Init profiles", []), (2, "Projects", [1]), (3, "Alter projects", [1, 2]),
        (4, "Storage and views", [1, 2, 3])]
    assert [t["name"] for t in specs[0]["tables"]] == ["profiles"]
    assert [t["name"] for t in specs[1]["tables"]] == ["projects", "project_members"]
    # What a later file adds to an earlier stage's table is attached there.
    assert {a["table"] for a in specs[2]["attach"]} == {"projects", "profiles"}
    assert specs[3]["publications"][0]["tables"] == ["projects"]


def test_groups_of_sql_files_make_a_stage_each(tmp_path):
    first, *rest = sorted(MIGRATIONS.glob("*.sql"))
    code, out, err = _run("import", "--specs", str(tmp_path / "specs"), "--stage", "3", "--sql", str(first),
                          "--sql", *map(str, rest))
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "specs").iterdir()) == ["stage-03-init-profiles.yaml",
                                                                      "stage-04-projects.yaml"]
    second = yaml.safe_load((tmp_path / "specs" / "stage-04-projects.yaml").read_text("utf-8"))
    assert second["depends_on"] == [3] and [t["name"] for t in second["tables"]] == ["projects", "project_members"]


def test_a_dump_imports_in_postgresql_spelling_made_readable():
    spec = _spec(_import(from_files([DUMP], stage_per_file=False)).files)
    tickets = _table(spec, "tickets")
    columns = {c["name"]: c for c in tickets["columns"]}
    assert columns["status"]["default"] == {"literal": "open"}
    assert columns["status"]["check"] == {"in": ["open", "pending", "closed"]}
    assert columns["subject"]["check"] == "char_length(subject) <= 200"
    assert columns["reporter_id"]["references"] == {"schema": "auth", "table": "users", "column": "id",
                                                    "on_delete": "set null"}
    assert tickets["policies"][0]["using"] == "reporter_id = (select auth.uid())"
    assert tickets["indexes"][0] == {"columns": ["team_id", "status"]}
    assert tickets["triggers"][0]["events"] == [{"update": ["status"]}]
    assert _table(spec, "teams")["columns"][0]["default"] == "gen_random_uuid()"


def test_reimporting_generated_sql_is_a_fixed_point(tmp_path):
    """The kinds fixture's generated SQL, imported a stage per file, generates SQL that imports
    to the same specs again: gen(import(x)) is stable."""
    sql_files = sorted((ROOT / "tests" / "cases" / "kinds" / "expected" / "sql").glob("*.sql"))
    first = _import(from_files(sql_files, stage_per_file=True))
    rendered = _render(first.files, tmp_path / "one")
    again_dir = tmp_path / "again"
    again_dir.mkdir()
    names = []
    for rel, text in sorted(rendered.items()):
        if rel.startswith("sql/"):
            (again_dir / Path(rel).name).write_text(text, "utf-8")
            names.append(again_dir / Path(rel).name)
    second = _import(from_files(names, stage_per_file=True))
    assert second.files == first.files
    again = _render(second.files, tmp_path / "two")
    assert {k: v for k, v in again.items() if k.startswith("sql/")} == \
        {k: v for k, v in rendered.items() if k.startswith("sql/")}


def test_a_difference_in_the_round_trip_is_an_error_listing_the_object(monkeypatch):
    """The proof is real: an importer that forgot a policy is caught by it."""
    from schemagen.kinds.policy import imports as policy_imports

    real = policy_imports.build

    def forgetful(draft):
        real(draft)
        draft.tables[("public", "api_keys")]["policies"].pop()

    monkeypatch.setattr(policy_imports, "build", forgetful)
    # the repository's own Stage 5 document (a golden file), so the test needs nothing beside the checkout
    result = import_schema(from_stage_doc(ROOT / "tests" / "cases" / "seed_stage5" / "expected" / "docs"
                                          / "stage-05-advanced-tables.md"),
                           Options())
    assert not result.proven
    assert result.differences == [
        "policy public.api_keys.Users can delete their own API keys: in the source, not in the round trip"]


def test_a_privilege_the_drafts_never_settle_is_a_difference_not_a_proof(monkeypatch, tmp_path):
    """Privileges are found by redrafting until the round trip agrees; one still differing after
    the last draft (an importer that cannot write it) is reported, never passed over."""
    from schemagen.kinds.grant import imports as grant_imports

    monkeypatch.setattr(grant_imports, "build", lambda draft: None)
    sql = tmp_path / "notes.sql"
    sql.write_text("create table public.notes (id int primary key);\nrevoke delete on public.notes from anon;\n")
    result = import_schema(from_files([sql], stage_per_file=False), Options())
    assert not result.proven
    assert result.differences == [
        "privilege table.public.notes..anon.delete: not held in the source, held in the round trip"]


# --- the command ------------------------------------------------------------------------------


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_import_writes_the_specs_reports_per_kind_and_never_overwrites(tmp_path):
    specs = tmp_path / "specs"
    code, out, err = _run("import", "--specs", str(specs), "--migrations", str(MIGRATIONS))
    assert code == 0, err
    assert out.splitlines()[0] == "kind         native  raw"
    assert "table             3    0" in out and "lost: none" in out
    assert f"wrote {specs / 'stage-01-init-profiles.yaml'}" in out
    assert "proven: the specs, generated and applied to a fresh database, give the source's catalog" in out
    written = (specs / "stage-01-init-profiles.yaml").read_text("utf-8")
    code, out, err = _run("import", "--specs", str(specs), "--migrations", str(MIGRATIONS))
    assert code == 2 and "never overwrites a spec" in err
    assert (specs / "stage-01-init-profiles.yaml").read_text("utf-8") == written
    code, out, err = _run("check", "--specs", str(specs), "--out", str(tmp_path / "generated"))
    assert code == 1  # nothing generated yet: the imported specs are ordinary specs
    assert _run("generate", "--specs", str(specs), "--out", str(tmp_path / "generated"))[0] == 0


def test_rows_the_migrations_insert_are_named_not_taken_for_schema(tmp_path):
    """Reference data in a migration (the roles a permission check reads) is easily taken for part
    of the schema: the specs will not make it, so the import says so, table by table; a bucket's
    row in storage.buckets is a bucket, not data."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20250101000000_roles.sql").write_text(
        "create table public.roles (id bigint generated by default as identity primary key, name text unique);\n"
        "create table public.grants (id bigint primary key);\n"
        "insert into public.roles (name) values ('admin'), ('member');\n"
        "insert into storage.buckets (id, name) values ('avatars', 'avatars');\n")
    code, out, err = _run("import", "--specs", str(tmp_path / "specs"), "--migrations", str(folder), "--dry-run")
    assert code == 0, err
    assert err.splitlines()[-2:] == [
        "data: 2 rows in 1 table, not imported (below)",
        "not imported: 2 rows in public.roles, which the source inserts: specs hold the schema, not data; keep "
        "them in supabase/seed.sql, or in a raw block (sql_after) if every database needs them"]
    code, out, _ = _run("import", "--specs", str(tmp_path / "specs"), "--migrations", str(folder), "--dry-run",
                        "--format", "json")
    assert json.loads(out)["rows_not_imported"] == {"public.roles": 2}


def test_import_json_report_and_dry_run(tmp_path):
    code, out, err = _run("import", "--specs", str(tmp_path / "specs"), "--sql", str(DUMP), "--format", "json",
                          "--dry-run")
    assert code == 0, err
    report = json.loads(out)
    assert report["proven"] is True and report["differences"] == []
    assert report["objects"]["table"] == {"native": 2, "raw": 0}
    assert not (tmp_path / "specs").exists()


@pytest.mark.parametrize("setup, message", [
    (lambda d: (d / "001_bad.sql").write_text("create table t (id int);\ncreate table t (id int);\n"),
     "001_bad.sql:2: PostgreSQL rejects this statement: "),
    (lambda d: (d / "001_copy.sql").write_text("copy t from program 'id';\n"),
     "001_copy.sql:1: schemagen does not run this statement"),
])
def test_a_migration_postgresql_refuses_is_named_with_its_file_and_line(tmp_path, setup, message):
    folder = tmp_path / "migrations"
    folder.mkdir()
    setup(folder)
    code, out, err = _run("import", "--specs", str(tmp_path / "specs"), "--migrations", str(folder))
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "specs").exists()


def test_a_document_that_is_not_a_stage_document_is_a_usage_error(tmp_path):
    doc = tmp_path / "notes.md"
    doc.write_text("# Notes\n\nNothing here.\n")
    code, out, err = _run("import", "--specs", str(tmp_path / "specs"), "--stage-doc", str(doc))
    assert code == 2 and "notes.md:1:1: no '# Stage N — Title' header" in err


def test_import_from_a_live_database_needs_no_write_access(fresh_db, tmp_path):
    from schemagen.live import install_platform
    from schemagen.migrate import apply_migrations

    install_platform(fresh_db.admin, load_project(STAGE5_SPECS))
    apply_migrations(fresh_db.owner, [DUMP])
    fresh_db.admin.run("drop role if exists importer")
    fresh_db.admin.run("create role importer login")  # no grant of any kind: it can only read the catalog
    url = fresh_db.server.url("importer", fresh_db.name)
    try:
        code, out, err = _run("import", "--specs", str(tmp_path / "specs"), "--db", url, "--no-verify")
        assert code == 0, err
        spec = yaml.safe_load((tmp_path / "specs" / "stage-01-imported-schema.yaml").read_text("utf-8"))
        assert [t["name"] for t in spec["tables"]] == ["teams", "tickets"]
        assert "not proven (--no-verify)" in out
        # Proven, the import says what this role could not read instead of calling it complete.
        code, out, err = _run("import", "--specs", str(tmp_path / "again"), "--db", url)
        assert code == 1
        assert "not imported: buckets: this role may not read storage.buckets, so no bucket was imported" in err
        assert not (tmp_path / "again").exists()
    finally:
        fresh_db.admin.run("drop owned by importer")
        fresh_db.admin.run("drop role importer")


def test_objects_no_kind_carries_are_named_not_dropped():
    source = from_files([DUMP], stage_per_file=False)
    from schemagen.importing.run import Piece

    source.pieces.append(Piece("create aggregate public.concat_all(text) (sfunc = textcat, stype = text)",
                               "extra.sql:1", 1, "extra.sql"))
    result = import_schema(source, Options())
    assert not result.proven and result.differences == []
    assert result.left_out == ["aggregate public.concat_all: schemagen cannot import this kind of object yet; "
                               "keep its SQL in a raw block (sql_after) by hand"]


VIEW_OPTIONS_AND_STORAGE = """\
create table public.notes (id uuid primary key, body text, archived boolean not null default false)
  with (fillfactor = 70, autovacuum_enabled = false, toast.autovacuum_enabled = false);
create view public.open_notes with (security_barrier = true) as
  select id, body, archived from public.notes where not archived
  with local check option;
create view public.any_notes as select id, body, archived from public.open_notes WITH CASCADED CHECK OPTION;
create materialized view public.note_counts with (fillfactor = 50) as
  select archived, count(*) as notes from public.notes group by archived
  with no data;
"""


def test_view_options_and_storage_parameters_are_imported_not_lost(tmp_path):
    """Options after a view's query belong to the statement, not the query; storage parameters,
    which the spec language does not model, are kept as raw SQL the round trip checks."""
    sql = tmp_path / "options.sql"
    sql.write_text(VIEW_OPTIONS_AND_STORAGE)
    spec = _spec(_import(from_files([sql], stage_per_file=False)).files)
    views = {v["name"]: v for v in spec["views"]}
    assert views["open_notes"] == {"name": "open_notes", "security_barrier": True, "check_option": "local",
                                   "query": "select id, body, archived from public.notes where not archived"}
    assert views["any_notes"]["check_option"] == "cascaded"
    assert views["any_notes"]["query"] == "select id, body, archived from public.open_notes"
    assert views["note_counts"]["query"] == ("select archived, count(*) as notes from public.notes "
                                             "group by archived")
    assert {block["name"]: block["sql"] for block in spec["sql_after"]} == {
        "storage parameters public.notes": "alter table public.notes set (fillfactor = 70, "
                                           "autovacuum_enabled = 'false', toast.autovacuum_enabled = 'false');",
        "storage parameters public.note_counts": "alter materialized view public.note_counts set (fillfactor = 50);",
    }


TABLE_SETTINGS = """\
create unlogged table public.cache_entries (key text primary key, value jsonb);
create table public.events (
  id bigint generated by default as identity (start with 1000 increment by 5) primary key,
  payload text compression pglz,
  big text
);
alter table public.events alter column big set storage external, alter column payload set statistics 500;
-- Supabase Realtime sends the old row of an update or delete only with replica identity full.
alter table public.events replica identity full;
create table public.small (id int generated always as identity (minvalue 10 maxvalue 500 cycle) primary key,
                           code text not null unique);
alter table public.small replica identity using index small_code_key;
create table public.countdown (id int generated always as identity (increment by -1) primary key);
create table public.base (id bigint primary key, constraint positive check (id > 0));
create table public.kid (extra text) inherits (public.base);
"""


def test_table_and_column_settings_no_spec_key_says_are_kept_as_raw_sql(tmp_path):
    """Each of these used to vanish from an import that still called itself proven: the round trip
    now reads them on both sides, and the import keeps each as a raw statement, or as the spec key
    that says it (an unlogged table, Realtime's replica identity)."""
    sql = tmp_path / "settings.sql"
    sql.write_text(TABLE_SETTINGS)
    spec = _spec(_import(from_files([sql], stage_per_file=False)).files)
    assert _table(spec, "cache_entries")["unlogged"] is True
    assert _table(spec, "events")["replica_identity"] == "full"
    assert _table(spec, "small")["replica_identity"] == {"index": "small_code_key"}
    assert {block["name"]: block["sql"] for block in spec["sql_after"]} == {
        "inheritance public.kid": "alter table public.kid inherit public.base;",
        "column settings public.events.payload": "alter table public.events alter column payload set compression "
                                                 "pglz, alter column payload set statistics 500;",
        "column settings public.events.big": "alter table public.events alter column big set storage external;",
        "identity options public.events.id": "alter table public.events alter column id set increment by 5 "
                                             "set start with 1000 restart;",
        "identity options public.small.id": "alter table public.small alter column id set minvalue 10 "
                                            "set maxvalue 500 set start with 10 set cycle restart;",
        "identity options public.countdown.id": "alter table public.countdown alter column id set increment by -1 "
                                                "set minvalue -2147483648 set maxvalue -1 set start with -1 restart;",
    }


def test_partitioned_and_typed_tables_are_named_not_imported_as_plain_tables(tmp_path):
    sql = tmp_path / "partitions.sql"
    sql.write_text("create table public.readings (id bigint, taken date not null) partition by range (taken);\n"
                   "create table public.readings_2024 partition of public.readings\n"
                   "  for values from ('2024-01-01') to ('2025-01-01');\n"
                   "create type public.pair as (a int, b int);\ncreate table public.pairs of public.pair;\n")
    result = import_schema(from_files([sql], stage_per_file=False), Options())
    assert not result.proven
    assert [line.split(":")[0] for line in result.left_out] == [
        "partition public.readings_2024", "partitioned table public.readings", "typed table public.pairs"]


ESTIMATES_AND_TRANSITIONS = """\
create table public.items (id bigint primary key, n int);
create table public.item_log (added bigint);
create function public.is_positive(x int) returns boolean language sql immutable strict parallel safe cost 5
  as $$ select x > 0 $$;
create function public.first_ids() returns setof bigint language sql stable rows 10 cost 0.001
  as $$ select id from public.items limit 10 $$;
create function public.log_items() returns trigger language plpgsql as $$
begin
  insert into public.item_log select count(*) from added;
  return null;
end $$;
create trigger items_logged after insert on public.items referencing new table as added
  for each statement execute function public.log_items();
create trigger items_logged_too after insert on public.items referencing new table as added
  for each statement execute function public.log_items();
alter table public.items disable trigger items_logged_too;
"""


def test_function_estimates_transition_tables_and_disabled_triggers_are_imported(tmp_path):
    sql = tmp_path / "audit.sql"
    sql.write_text(ESTIMATES_AND_TRANSITIONS)
    spec = _spec(_import(from_files([sql], stage_per_file=False)).files)
    functions = {f["name"]: f for f in spec["functions"]}
    assert (functions["is_positive"]["parallel"], functions["is_positive"]["cost"]) == ("safe", 5)
    # a real (float4) read as PostgreSQL prints it: 0.001, not 0.0010000000474974513
    assert (functions["first_ids"]["rows"], functions["first_ids"]["cost"]) == (10, 0.001)
    triggers = {t["name"]: t for t in _table(spec, "items")["triggers"]}
    assert triggers["items_logged"]["referencing"] == {"new_table": "added"}
    assert "enabled" not in triggers["items_logged"] and triggers["items_logged_too"]["enabled"] is False


def test_a_grant_on_one_of_two_overloads_stays_on_that_overload(tmp_path):
    """Two functions of one name differ by their arguments: a revoke on one is not the other's."""
    sql = tmp_path / "counts.sql"
    sql.write_text("create table public.docs (id bigint primary key, owner_id uuid);\n"
                   "create function public.doc_count(owner uuid) returns bigint language sql stable as "
                   "$$ select count(*) from public.docs where owner_id = owner $$;\n"
                   "create function public.doc_count() returns bigint language sql stable as "
                   "$$ select count(*) from public.docs $$;\n"
                   "revoke execute on function public.doc_count() from anon;\n"
                   "grant execute on function public.doc_count(uuid) to supabase_auth_admin;\n")
    spec = _spec(_import(from_files([sql], stage_per_file=False)).files)
    grants = {tuple(a["type"] for a in f.get("args", [])): f.get("grants") for f in spec["functions"]}
    assert grants == {(): [{"privileges": ["execute"], "to": ["anon"], "revoke": True}],
                      ("uuid",): [{"privileges": ["execute"], "to": ["supabase_auth_admin"]}]}


def test_function_settings_import_as_a_key_and_a_list_value_stays_raw(tmp_path):
    """``set statement_timeout`` made the function raw SQL; a list (``set temp_tablespaces = a, b``)
    still is: one value of the spec's could not say it again."""
    sql = tmp_path / "report.sql"
    sql.write_text("create function public.report() returns bigint language sql stable "
                   "set statement_timeout to '5s' set search_path = '' set work_mem = '64MB' "
                   "as $$ select 1::bigint $$;\n"
                   "create function public.spread() returns int language sql "
                   "set datestyle = iso, mdy as $$ select 1 $$;\n")
    result = _import(from_files([sql], stage_per_file=False))
    spec = _spec(result.files)
    [report] = spec["functions"]
    assert (report["search_path"], report["settings"]) == ([], {"statement_timeout": "5s", "work_mem": "64MB"})
    assert [entry["name"] for entry in spec["sql_after"]] == ["function public.spread"]


def test_platform_extensions_are_made_as_supabase_makes_them_and_cron_jobs_are_kept(tmp_path):
    """On Supabase, supautils creates a privileged extension for postgres: a plain ``create
    extension dblink`` (no ``if not exists``) failed here as 'already exists', and pg_cron could not
    be created at all. pg_cron goes to pg_catalog, as there; its own table's policies are not the
    project's; a job the migrations schedule is a spec's cron job (one without a name, which only
    raw SQL can make again, is kept as such), and the round trip proves them."""
    need_library("pg_cron", "Debian's postgresql-15-cron")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20250101000000_jobs.sql").write_text(
        "create extension dblink with schema extensions;\n"
        "create extension if not exists pg_cron with schema extensions;\n"
        "grant usage on schema cron to postgres;\n"
        "create table public.logs (id bigint generated always as identity primary key, "
        "created_at timestamptz not null default now());\n"
        "select cron.schedule('nightly-cleanup', '0 3 * * *', "
        "$$delete from public.logs where created_at < now() - interval '30 days'$$);\n"
        "select cron.schedule('ping', '*/5 * * * *', $$select 1$$);\n"
        "select cron.alter_job((select jobid from cron.job where jobname = 'ping'), active := false);\n"
        "select cron.schedule('0 * * * *', $$select 2$$);\n")
    spec = _spec(_import(from_files(sorted(folder.glob("*.sql")), stage_per_file=False)).files)
    assert spec["extensions"] == [{"name": "dblink", "schema": "extensions"},
                                  {"name": "pg_cron", "schema": "pg_catalog"}]
    assert "attach" not in spec
    assert spec["cron_jobs"] == [
        {"name": "nightly-cleanup", "schedule": "0 3 * * *",
         "command": "delete from public.logs where created_at < now() - interval '30 days'"},
        {"name": "ping", "schedule": "*/5 * * * *", "command": "select 1", "active": False}]
    assert spec["sql_after"] == [{"name": "cron job 0 * * * * select 2",
                                  "sql": "select cron.schedule('0 * * * *', $$select 2$$);"}]


def test_a_database_webhook_imports_as_a_trigger_and_its_migrations_apply(tmp_path):
    """supabase_functions exists once a project turns webhooks on: migrations that call it applied
    here as 'schema supabase_functions does not exist'."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20250501000000_orders.sql").write_text(
        "create table public.orders (id bigint generated always as identity primary key, total numeric not null);\n"
        "comment on table public.orders is 'Orders.';\n"
        "create or replace trigger \"order-placed\" after insert on public.orders for each row execute function "
        "supabase_functions.http_request('https://example.supabase.co/functions/v1/order-placed', 'POST', "
        "'{\"Content-Type\":\"application/json\"}', '{}', '5000');\n")
    spec = _spec(_import(from_files(sorted(folder.glob("*.sql")), stage_per_file=False)).files)
    assert _table(spec, "orders")["triggers"] == [
        {"name": "order-placed", "timing": "after", "events": ["insert"],
         "function": "supabase_functions.http_request",
         "args": ["https://example.supabase.co/functions/v1/order-placed", "POST",
                  '{"Content-Type":"application/json"}', "{}", "5000"]}]
    (tmp_path / "specs").mkdir()
    for name, text in _import(from_files(sorted(folder.glob("*.sql")), stage_per_file=False)).files.items():
        (tmp_path / "specs" / name).write_text(text)
    assert _run("migrate", "--specs", str(tmp_path / "specs"), "--dir", str(folder), "check")[0] == 0


def test_serials_constraint_comments_and_default_privileges_for_every_schema_import(tmp_path):
    """``serial`` is a shorthand, not a type: the import writes what PostgreSQL made of it. Comments
    on a constraint or a schema and ``alter default privileges`` without a schema, which no spec
    key says, are kept as raw SQL."""
    sql = tmp_path / "misc.sql"
    sql.write_text("create table public.counters (id serial primary key, total bigserial);\n"
                   "create sequence public.invoice_no as integer start with 1000 cache 20;\n"
                   "comment on constraint counters_pkey on public.counters is 'One row per counter.';\n"
                   "alter default privileges revoke execute on functions from public;\n"
                   "create schema app;\ncomment on schema app is 'The app''s own tables.';\n"
                   "create table app.notes (id int primary key);\n")
    spec = _spec(_import(from_files([sql], stage_per_file=False)).files)
    columns = {c["name"]: c for c in _table(spec, "counters")["columns"]}
    assert (columns["id"]["type"], columns["id"]["default"]) == ("integer", "nextval('counters_id_seq'::regclass)")
    assert columns["total"]["type"] == "bigint"
    assert spec["sequences"][-1] == {"name": "invoice_no", "type": "integer", "start": 1000, "cache": 20}
    assert {block["name"]: block["sql"] for block in spec["sql_after"]} == {
        "constraint comment public.counters.counters_pkey":
            "comment on constraint counters_pkey on public.counters is 'One row per counter.';",
        "default privileges postgres functions":
            "alter default privileges for role postgres revoke execute on functions from public;",
        "schema comment app": "comment on schema app is 'The app''s own tables.';"}


def test_index_collations_and_nulls_not_distinct_import(tmp_path):
    sql = tmp_path / "codes.sql"
    sql.write_text('create table public.codes (code text, label text);\n'
                   'create index codes_code_idx on public.codes (code collate "C" desc);\n'
                   'create unique index codes_label_key on public.codes (label) nulls not distinct;\n')
    indexes = _table(_spec(_import(from_files([sql], stage_per_file=False)).files), "codes")["indexes"]
    assert indexes == [{"columns": [{"column": "code", "collate": "C", "order": "desc"}]},
                       {"name": "codes_label_key", "unique": True, "nulls_not_distinct": True, "columns": ["label"]}]


def test_roles_of_the_project_are_declared_and_view_triggers_kept_as_sql(tmp_path):
    """A policy for a role the project made loads only when the role is declared; a trigger on a
    view, which no spec key carries, is kept as the statement PostgreSQL prints."""
    sql = tmp_path / "roles.sql"
    sql.write_text("create role reporting nologin;\n"
                   "create table public.sales (id int primary key, amount int);\n"
                   "alter table public.sales enable row level security;\n"
                   "create policy \"Reporting reads sales\" on public.sales for select to reporting using (true);\n"
                   "create view public.new_sales as select id, amount from public.sales;\n"
                   "create function public.add_sale() returns trigger language plpgsql as $$\n"
                   "begin insert into public.sales values (new.id, new.amount); return new; end $$;\n"
                   "create trigger new_sales_insert instead of insert on public.new_sales\n"
                   "  for each row execute function public.add_sale();\n")
    spec = _spec(_import(from_files([sql], stage_per_file=False)).files)
    assert spec["external"] == {"roles": ["reporting"]}
    assert spec["sql_after"] == [{"name": "trigger new_sales_insert on public.new_sales",
                                  "sql": "create trigger new_sales_insert instead of insert on new_sales "
                                         "for each row execute function add_sale();"}]


TYPES_AND_KEYS = """\
create type public.price_range as range (subtype = numeric);
create table public.listings (id bigint primary key, price public.price_range, a int, b int);
create statistics public.listings_ab (dependencies) on a, b from public.listings;
create table public.regions (id int, country text, primary key (id, country),
  constraint regions_country_id unique nulls not distinct (country, id));
create table public.orders (id int primary key, region int, country text,
  constraint orders_region_fk foreign key (region, country) references public.regions (id, country) match full);
alter table public.orders add constraint orders_id_positive check (id > 0) not valid;
alter table public.orders add constraint orders_region_later foreign key (region, country)
  references public.regions (id, country) not valid;
create function public.check_order() returns trigger language plpgsql as $$ begin return null; end $$;
create constraint trigger orders_checked after insert on public.orders deferrable initially deferred
  for each row execute function public.check_order();
"""


def test_range_types_statistics_constraint_triggers_and_reference_options_import(tmp_path):
    """Each of these was lost by an import that called itself proven (the range type failed it
    outright, as "a bug of schemagen import", and its constructors came back as functions)."""
    sql = tmp_path / "orders.sql"
    sql.write_text(TYPES_AND_KEYS)
    spec = _spec(_import(from_files([sql], stage_per_file=False)).files)
    assert spec["sql_before"] == [{"name": "type public.price_range",
                                   "sql": "create type public.price_range as range (subtype = numeric);"}]
    assert "functions" in spec and [f["name"] for f in spec["functions"]] == ["check_order"]
    assert _table(spec, "regions")["constraints"][1] == {"name": "regions_country_id", "unique": ["country", "id"],
                                                         "nulls_not_distinct": True}
    orders = _table(spec, "orders")
    assert orders["constraints"] == [
        {"name": "orders_region_fk", "foreign_key": ["region", "country"],
         "references": {"table": "regions", "columns": ["id", "country"]}, "match": "full"},
        {"name": "orders_id_positive", "check": "id > 0", "not_valid": True}]
    assert orders["triggers"] == [{"name": "orders_checked", "constraint": True, "initially_deferred": True,
                                   "timing": "after", "events": ["insert"], "function": "public.check_order"}]
    assert {block["name"]: block["sql"] for block in spec["sql_after"]} == {
        "constraint orders_region_later on public.orders":
            "alter table public.orders add constraint orders_region_later foreign key (region, country) "
            "references regions(id, country) not valid;",
        "statistics public.listings_ab": "create statistics public.listings_ab (dependencies) on a, b from listings;"}


def test_a_reference_that_sets_some_of_its_columns_on_delete_is_kept_as_sql(tmp_path):
    sql = tmp_path / "posts.sql"
    sql.write_text("create table public.authors (id int, org int, primary key (id, org));\n"
                   "create table public.posts (id int primary key, org int, author int,\n"
                   "  foreign key (author, org) references public.authors on delete set null (author));\n")
    spec = _spec(_import(from_files([sql], stage_per_file=False)).files)
    assert "constraints" not in _table(spec, "posts")
    assert spec["sql_after"] == [{"name": "constraint posts_author_org_fkey on public.posts",
                                  "sql": "alter table public.posts add constraint posts_author_org_fkey foreign key "
                                         "(author, org) references authors(id, org) on delete set null (author);"}]


def test_dictionaries_and_casts_are_named_not_imported(tmp_path):
    sql = tmp_path / "search.sql"
    sql.write_text("create text search dictionary public.simple_english (template = pg_catalog.simple);\n"
                   "create type public.mood as enum ('happy', 'sad');\n"
                   "create function public.mood_text(public.mood) returns text language sql immutable\n"
                   "  as $$ select $1::text $$;\n"
                   "create cast (public.mood as text) with function public.mood_text(public.mood);\n")
    result = import_schema(from_files([sql], stage_per_file=False), Options())
    assert not result.proven
    assert [line.split(":")[0] for line in result.left_out] == [
        "cast public.mood as text", "text search dictionary public.simple_english"]


def test_domain_check_names_and_owners_import(tmp_path):
    """A domain check's name and validation, and an object another role owns, were lost by an
    import that called itself proven (ownership came back as grants: a security definer function
    then ran as the wrong role). Each owner is kept as ``alter … owner to``, with the membership
    that lets migrations hand the object over, and the role declared."""
    sql = tmp_path / "owned.sql"
    sql.write_text("create domain public.email as text check (value ~ '@') constraint email_short "
                   "check (length(value) < 200);\n"
                   "alter domain public.email add constraint email_lower check (value = lower(value)) not valid;\n"
                   "create role app_owner nologin;\ngrant app_owner to postgres;\n"
                   "grant create on schema public to app_owner;\n"
                   "create table public.ledger (id int primary key);\n"
                   "alter table public.ledger owner to app_owner;\n"
                   "create function public.balance() returns int language sql security definer set search_path = ''\n"
                   "  as $$ select count(*)::int from public.ledger $$;\n"
                   "alter function public.balance() owner to app_owner;\n")
    spec = _spec(_import(from_files([sql], stage_per_file=False)).files)
    assert spec["domains"] == [{"name": "email", "type": "text", "check": [
        "value ~ '@'::text", {"name": "email_short", "expression": "length(value) < 200"},
        {"name": "email_lower", "expression": "value = lower(value)", "not_valid": True}]}]
    assert spec["external"] == {"roles": ["app_owner"]}
    assert spec["sql_before"] == [{"name": "role membership app_owner", "sql": "grant app_owner to postgres;"}]
    assert "grants" not in _table(spec, "ledger") and "grants" not in spec["functions"][0]
    assert spec["grants"] == [{"schema": "public", "privileges": ["create"], "to": ["app_owner"]}]
    assert spec["sql_after"] == [
        {"name": "owner of table public.ledger", "sql": "alter table public.ledger owner to app_owner;"},
        {"name": "owner of function public.balance()", "sql": "alter function public.balance() owner to app_owner;"}]


def test_sequence_privileges_view_column_comments_and_materialized_view_indexes_import(tmp_path):
    """Each was dropped by an import that called itself proven: a sequence's privileges were not
    read, nor comments on a view's columns, nor a materialized view's indexes."""
    sql = tmp_path / "counts.sql"
    sql.write_text("create table public.items (id bigint generated by default as identity primary key, name text);\n"
                   "revoke all on sequence public.items_id_seq from anon;\n"
                   "create sequence public.ticket_no;\nrevoke update on sequence public.ticket_no from authenticated;\n"
                   "create view public.item_names with (security_invoker = true) as select id, name from public.items;\n"
                   "comment on column public.item_names.name is 'The display name.';\n"
                   "create materialized view public.item_counts as\n"
                   "  select name, count(*) as n from public.items group by name;\n"
                   "create unique index item_counts_name on public.item_counts (name);\n"
                   "comment on index public.item_counts_name is 'For refresh concurrently.';\n")
    spec = _spec(_import(from_files([sql], stage_per_file=False)).files)
    assert spec["sequences"] == [{"name": "ticket_no", "grants": [
        {"privileges": ["update"], "to": ["authenticated"], "revoke": True}]}]
    assert {block["name"]: block["sql"] for block in spec["sql_after"]} == {
        "revoke on sequence public.items_id_seq": "revoke select, update, usage on sequence public.items_id_seq "
                                                  "from anon;",
        "view column comment public.item_names.name": "comment on column public.item_names.name is "
                                                      "'The display name.';",
        "materialized view index public.item_counts.item_counts_name":
            "create unique index item_counts_name on public.item_counts using btree (name);\n"
            "comment on index public.item_counts_name is 'For refresh concurrently.';"}


def test_a_difference_the_round_trip_finds_names_the_facets_that_differ(tmp_path):
    """A table Realtime publishes with only some columns: no spec key says it, so the import is not
    proven, and the difference says which facet, not two whole records."""
    sql = tmp_path / "feed.sql"
    sql.write_text("create table public.messages (id bigint primary key, body text, secret text);\n"
                   "alter publication supabase_realtime add table public.messages (id, body);\n")
    result = import_schema(from_files([sql], stage_per_file=False), Options())
    assert not result.proven
    assert result.differences == [
        "publication supabase_realtime: narrowed is ((('public', 'messages'), (('id', 'body'), None)),) in the "
        "source, () in the round trip"]


def test_an_unreachable_database_is_a_usage_error(tmp_path):
    code, out, err = _run("import", "--specs", str(tmp_path / "specs"), "--db", "postgresql://nobody@127.0.0.1:1/x")
    assert code == 2 and "Traceback" not in err


def test_import_problem_is_one_line():
    with pytest.raises(ImportProblem, match=r"^.*does-not-exist.sql: cannot read it"):
        from_files([Path("does-not-exist.sql")], stage_per_file=False)


# --- the YAML writer ------------------------------------------------------------------------------

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)),
                max_size=20)
_SCALAR = st.one_of(_TEXT, st.integers(-10**6, 10**6), st.booleans(), st.none())
_VALUE = st.recursive(_SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(_TEXT.filter(bool), inner, max_size=4)),
                      max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_TEXT.filter(bool), _VALUE, min_size=1, max_size=5))
def test_the_yaml_written_always_reads_back_as_the_data(data):
    assert yaml.safe_load(dump(data)) == data
