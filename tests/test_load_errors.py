"""Every kind of bad spec gets an error at file:line:col saying what is wrong and what to do.

Each case asserts the exact position and the key words of the message, so a
regression in either (an error pointing at the wrong line, a lost did-you-mean)
fails here.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from schemagen.diagnostics import SpecError
from schemagen.load import load_project

GOOD_TABLE = """\
  - name: items
    comment: Items.
    columns:
      - {name: id, type: uuid, primary_key: true}
      - {name: owner, type: uuid}
"""


def errors_for(tmp_path: Path, *files: str) -> list[tuple[str, int, int, str, str]]:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    for i, text in enumerate(files, start=1):
        (specs / f"stage-{i}.yaml").write_text(textwrap.dedent(text))
    with pytest.raises(SpecError) as info:
        load_project(specs)
    return [(Path(d.pos.path).name, d.pos.line, d.pos.col, d.code, d.message) for d in info.value.diagnostics]


def only(errors):
    assert len(errors) == 1, errors
    return errors[0]


def test_empty_file(tmp_path):
    assert only(errors_for(tmp_path, "\n  \n"))[:4] == ("stage-1.yaml", 1, 1, "E100")
    assert "the file is empty" in only(errors_for(tmp_path, ""))[4]


def test_not_yaml(tmp_path):
    name, line, col, code, message = only(errors_for(tmp_path, "stage: 1\ntitle: [unclosed\ntables: []\n"))
    assert (line, code) == (3, "E100")
    assert message.startswith("not valid YAML:")


def test_top_level_not_a_mapping(tmp_path):
    assert only(errors_for(tmp_path, "- stage: 1\n"))[1:] == (
        1, 1, "E100", "the top level must be a mapping with 'stage', 'title' and the stage's objects")


def test_unknown_top_level_key_with_did_you_mean(tmp_path):
    assert [e[1:] for e in errors_for(tmp_path, "stage: 1\ntitle: T\ntabels: []\n")] == [
        (3, 1, "E102", "unknown key 'tabels' in the top level; did you mean 'tables'?"),
    ]


def test_unknown_column_key_with_did_you_mean(tmp_path):
    spec = "stage: 1\ntitle: T\ntables:\n" + GOOD_TABLE.replace("primary_key: true", "primary_ky: true")
    assert only(errors_for(tmp_path, spec))[1:] == (
        7, 32, "E102", "unknown key 'primary_ky' in tables[0].columns[0]; did you mean 'primary_key'?")


def test_missing_required_key(tmp_path):
    assert only(errors_for(tmp_path, "stage: 1\ntables: []\n"))[1:] == (
        1, 1, "E101", "the top level is missing the required key 'title'")


def test_wrong_type(tmp_path):
    assert only(errors_for(tmp_path, "stage: five\ntitle: T\ntables: []\n"))[1:] == (
        1, 8, "E101", "stage must be an integer, got text 'five'")


def test_enum_value_with_did_you_mean(tmp_path):
    spec = "stage: 1\ntitle: T\nplatform: supabase\ntables:\n" + GOOD_TABLE + """\
    policies:
      - {name: p, command: selct, roles: [authenticated], using: "true"}
"""
    name, line, col, code, message = only(errors_for(tmp_path, spec))
    assert (line, col, code) == (11, 28, "E101")
    assert message.startswith("tables[0].policies[0].command: text 'selct' is not allowed; did you mean 'select'?")


def test_duplicate_yaml_key(tmp_path):
    assert only(errors_for(tmp_path, "stage: 1\ntitle: T\ntitle: U\ntables: []\n"))[1:] == (
        3, 1, "E103", "duplicate key 'title' (first at line 2); YAML would silently keep only the last one: "
                      "remove one")


def test_yaml_1_1_boolean_words_are_text_as_keys(tmp_path):
    """``on:`` is a spec key (schema grants' ``on: tables``), not YAML 1.1's boolean true."""
    name, line, col, code, message = only(errors_for(tmp_path, "stage: 1\ntitle: T\ntables: []\non: 1\n"))
    assert (line, col, code) == (4, 1, "E102")
    assert message == "unknown key 'on' in the top level"


def test_a_comma_that_cut_a_flow_mapping_value_says_so(tmp_path):
    spec = ("stage: 1\ntitle: T\ntables:\n  - name: t\n    columns:\n"
            "      - {name: a, type: numeric(12, 2)}\n")
    name, line, col, code, message = only(errors_for(tmp_path, spec))
    assert (line, code) == (6, "E102")
    assert "a comma inside {…} separates entries" in message and "quote it" in message


def test_duplicate_column(tmp_path):
    spec = "stage: 1\ntitle: T\ntables:\n" + GOOD_TABLE + "      - {name: owner, type: text}\n"
    assert only(errors_for(tmp_path, spec))[1:] == (
        9, 16, "E103", "duplicate column 'owner' (first at line 8); rename or remove one")


def test_duplicate_table_across_files(tmp_path):
    first = "stage: 1\ntitle: A\ntables:\n" + GOOD_TABLE
    second = "stage: 2\ntitle: B\ndepends_on: [1]\ntables:\n" + GOOD_TABLE
    name, line, col, code, message = only(errors_for(tmp_path, first, second))
    assert (name, line, col, code) == ("stage-2.yaml", 5, 5, "E103")
    assert message.startswith("table public.items is already defined at ") and "stage-1.yaml:4:5" in message


def test_duplicate_stage_number(tmp_path):
    a = "stage: 3\ntitle: A\ntables: []\n"
    name, line, col, code, message = only(errors_for(tmp_path, a, a.replace("title: A", "title: B")))
    assert (line, col, code) == (1, 1, "E103")
    assert message.startswith("stage 3 is also defined in")


def test_unknown_referenced_table_with_did_you_mean(tmp_path):
    spec = "stage: 1\ntitle: T\ntables:\n" + GOOD_TABLE.replace(
        "{name: owner, type: uuid}", "{name: owner, type: uuid, references: itemz.id}")
    name, line, col, code, message = only(errors_for(tmp_path, spec))
    assert (line, col, code) == (8, 47, "E104")
    assert message == ("items references unknown table public.itemz; define it, or declare it under "
                       "external.tables if an earlier stage or the platform owns it; did you mean 'public.items'?")


def test_unknown_referenced_column(tmp_path):
    spec = "stage: 1\ntitle: T\ntables:\n" + GOOD_TABLE.replace(
        "{name: owner, type: uuid}", "{name: owner, type: uuid, references: items.idd}")
    assert only(errors_for(tmp_path, spec))[1:] == (8, 47, "E104", "public.items has no column 'idd'; did you mean 'id'?")


def test_unknown_index_column(tmp_path):
    spec = "stage: 1\ntitle: T\ntables:\n" + GOOD_TABLE + "    indexes:\n      - columns: [ownr]\n"
    assert only(errors_for(tmp_path, spec))[1:] == (
        10, 19, "E104", "index names column 'ownr', which public.items does not have; did you mean 'owner'?")


def test_invalid_type_cannot_smuggle_sql(tmp_path):
    spec = "stage: 1\ntitle: T\ntables:\n" + GOOD_TABLE.replace(
        "{name: owner, type: uuid}", "{name: owner, type: 'text; drop table x'}")
    name, line, col, code, message = only(errors_for(tmp_path, spec))
    assert (line, col, code) == (8, 29, "E105")
    assert message.startswith("'text; drop table x' is not a PostgreSQL type name")


def test_expression_cannot_end_the_statement(tmp_path):
    spec = "stage: 1\ntitle: T\nplatform: supabase\ntables:\n" + GOOD_TABLE + """\
    rls: true
    policies:
      - name: p
        command: select
        roles: [authenticated]
        using: "true); drop table items; --"
"""
    name, line, col, code, message = only(errors_for(tmp_path, spec))
    assert (line, col, code) == (15, 16, "E105")
    assert "contains ';'" in message


def test_with_check_on_select_policy(tmp_path):
    spec = "stage: 1\ntitle: T\nplatform: supabase\ntables:\n" + GOOD_TABLE + """\
    policies:
      - name: p
        command: select
        roles: [authenticated]
        with_check: "true"
"""
    assert only(errors_for(tmp_path, spec))[1:] == (
        14, 9, "E106", "a select policy cannot have with_check (PostgreSQL only checks new rows on insert "
                       "and update); use 'using'")


def test_unknown_role_with_did_you_mean(tmp_path):
    spec = "stage: 1\ntitle: T\nplatform: supabase\ntables:\n" + GOOD_TABLE + """\
    policies:
      - {name: p, command: select, roles: [authenticted], using: "true"}
"""
    name, line, col, code, message = only(errors_for(tmp_path, spec))
    assert (line, col, code) == (11, 9, "E104")
    assert message == ("policy 'p' is for unknown role 'authenticted'; declare it under external.roles; "
                       "did you mean 'authenticated'?")


def test_dotted_table_name(tmp_path):
    spec = "stage: 1\ntitle: T\ntables:\n" + GOOD_TABLE.replace("name: items", "name: auth.items")
    assert only(errors_for(tmp_path, spec))[1:] == (
        4, 11, "E105", "table name 'auth.items' contains a dot; write 'schema: auth' and 'name: items'")


def test_dependency_on_a_later_stage(tmp_path):
    assert only(errors_for(tmp_path, "stage: 2\ntitle: T\ndepends_on: [3]\ntables: []\n"))[1:] == (
        3, 14, "E106", "stage 2 cannot depend on stage 3: stages apply in number order, so a dependency "
                       "must have a lower number")


def test_a_table_referencing_one_written_later_is_created_after_it(tmp_path):
    from schemagen.render import render_project

    spec = "stage: 1\ntitle: T\ntables:\n" + GOOD_TABLE.replace(
        "{name: owner, type: uuid}", "{name: owner, type: uuid, references: later.id}") + """\
  - name: later
    columns:
      - {name: id, type: uuid, primary_key: true}
"""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text(spec)
    sql = render_project(load_project(specs))["sql/stage-01-t.sql"]
    assert sql.index("create table public.later") < sql.index("create table public.items")


def test_a_cycle_of_references_is_an_error_naming_its_objects(tmp_path):
    from schemagen.render import render_project

    spec = """\
stage: 1
title: T
functions:
  - name: first_rows
    returns: setof public.rows_view
    language: sql
    body: select * from public.rows_view
views:
  - name: rows_view
    query: select x from public.first_rows() x
"""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text(spec)
    with pytest.raises(SpecError) as info:
        render_project(load_project(specs))
    [d] = info.value.diagnostics
    assert (d.pos.line, d.code) == (4, "E108")
    assert d.message == ("these objects need each other to exist first, so no order creates them: function "
                         "public.first_rows → view public.rows_view → function public.first_rows; break the cycle "
                         "(write one of them in sql_after; tables that only reference each other need nothing: "
                         "the reference closing the loop is added once both exist)")


def test_reference_without_depends_on(tmp_path):
    first = "stage: 1\ntitle: A\ntables:\n" + GOOD_TABLE
    second = "stage: 2\ntitle: B\ntables:\n  - name: other\n    columns:\n      - {name: item, type: uuid, references: items.id}\n"
    name, line, col, code, message = only(errors_for(tmp_path, first, second))
    assert (name, line, col, code) == ("stage-2.yaml", 6, 46, "E104")
    assert message.endswith("but stage 2 does not depend on it; add 1 to depends_on")


def test_check_naming_an_unknown_column(tmp_path):
    spec = "stage: 1\ntitle: T\ntables:\n" + GOOD_TABLE.replace(
        "{name: owner, type: uuid}", "{name: owner, type: uuid, check: ownr is not null}")
    assert only(errors_for(tmp_path, spec))[1:] == (
        8, 42, "E104", "check names 'ownr', which is not a column of this table; did you mean 'owner'?")


def test_two_inline_primary_keys(tmp_path):
    spec = "stage: 1\ntitle: T\ntables:\n" + GOOD_TABLE.replace(
        "{name: owner, type: uuid}", "{name: owner, type: uuid, primary_key: true}")
    name, line, col, code, message = only(errors_for(tmp_path, spec))
    assert (line, col, code) == (8, 48, "E106")
    assert "constraints: [{primary_key: [a, b]}]" in message


def test_external_declaration_contradicting_the_real_stage(tmp_path):
    first = "stage: 1\ntitle: A\ntables:\n" + GOOD_TABLE
    second = """\
stage: 2
title: B
depends_on: [1]
external:
  tables:
    - name: items
      columns:
        - {name: id, type: bigint, primary_key: true}
tables: []
"""
    name, line, col, code, message = only(errors_for(tmp_path, first, second))
    assert (name, line, col, code) == ("stage-2.yaml", 8, 11, "E104")
    assert message.startswith("external public.items.id is declared bigint, but the real table at")


def test_not_utf8(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_bytes(b"stage: 1\ntitle: caf\xe9\n")
    with pytest.raises(SpecError) as info:
        load_project(specs)
    assert info.value.diagnostics[0].message.startswith("not UTF-8 text")


def test_no_spec_files(tmp_path):
    (tmp_path / "specs").mkdir()
    with pytest.raises(SpecError) as info:
        load_project(tmp_path / "specs")
    assert "no *.yaml spec files" in info.value.diagnostics[0].message


def test_all_errors_of_a_run_are_reported_together(tmp_path):
    spec = "stage: 1\ntitle: T\ncolour: red\ntables:\n  - name: t\n    colums: []\n"
    codes = [(line, code) for _, line, _, code, _ in errors_for(tmp_path, spec)]
    assert codes == [(3, "E102"), (5, "E101"), (6, "E102")]


def test_a_misspelt_type_is_an_offline_error_with_a_suggestion(tmp_path):
    found = errors_for(tmp_path, """\
        stage: 1
        title: T
        tables:
          - name: t
            columns:
              - {name: id, type: uuid, primary_key: true}
              - {name: at, type: timestampz}
        """)
    assert only(found)[1:] == (7, 9, "E107", "column at has type 'timestampz', which is neither built in, nor "
                                            "created by a stage (an enum, raw SQL), nor brought by one of its "
                                            "extensions; declare types created elsewhere under external.types; "
                                            "did you mean 'timestamptz'?")


@pytest.mark.parametrize("written,message", [
    ("varchar(0)", "'varchar(0)': length for type varchar must be at least 1"),
    ("numeric(1001)", "'numeric(1001)': NUMERIC precision 1001 must be between 1 and 1000"),
    ("uuid(3)", "'uuid(3)': type modifier is not allowed for type \"uuid\""),
    ("float(54)", "'float(54)': precision for type float must be less than 54 bits"),
    ("uuid uuid", 'type is not valid PostgreSQL: syntax error at or near "uuid" (at character 6)'),
])
def test_impossible_type_modifiers_are_offline_errors(tmp_path, written, message):
    found = errors_for(tmp_path, f"""\
        stage: 1
        title: T
        tables:
          - name: t
            columns:
              - {{name: id, type: "{written}"}}
        """)
    assert only(found)[1:] == (6, 26, "E105", message)


def test_types_created_by_raw_sql_or_declared_are_known(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text(textwrap.dedent("""\
        stage: 1
        title: T
        external:
          types: [extensions.vector, citext]
        sql_before:
          - name: mood
            sql: create type public.mood as enum ('happy', 'sad');
          - name: money
            sql: create domain positive_money as numeric(12, 2) check (value >= 0);
        tables:
          - name: t
            columns:
              - {name: id, type: uuid, primary_key: true}
              - {name: m, type: "public.mood[]"}
              - {name: p, type: positive_money}
              - {name: e, type: extensions.vector(3)}
              - {name: h, type: citext}
              - {name: n, type: "numeric(5, 10)"}
        """))
    [table] = load_project(specs).tables
    assert [c.type for c in table.columns][1:] == ["public.mood[]", "positive_money", "extensions.vector(3)",
                                                   "citext", "numeric(5, 10)"]
