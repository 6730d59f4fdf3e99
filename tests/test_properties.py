"""The promises of validate and drift, as properties over generated spec sets.

1. A database built from the specs' own SQL has zero drift.
2. Drift a copy by hand in any of the ways a database drifts; ``drift --sql --allow-destructive``
   applied to it brings drift back to zero. (Column order is not compared: PostgreSQL appends
   the columns a repair adds and cannot reorder them; migra and Atlas do the same.)

Spec sets are drawn with hypothesis: tables with keys of both kinds, a dozen column types,
defaults, value-list and expression checks, uniques, foreign keys between the tables (some
``match full``, the first table's to the last closing a loop; a hand change may add one a second
time under another name), names that need quoting, policies with owner, subquery and own-table
references, and indexes with expressions and predicates. Each example builds a real database,
so the counts stay small in CI; ``SCHEMAGEN_FUZZ_RANDOM=1 SCHEMAGEN_PROPERTY_EXAMPLES=300`` explores for a release.
"""

from __future__ import annotations

import io
import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemagen import db, live
from schemagen.cli import main
from schemagen.drift import drift, repair_sql
from schemagen.load import load_project
from schemagen.render import build_environment, render_project

EXAMPLES = int(os.environ.get("SCHEMAGEN_PROPERTY_EXAMPLES", "12"))
#: CI replays the same examples; a release run explores new ones.
RANDOM = bool(os.environ.get("SCHEMAGEN_FUZZ_RANDOM"))

PROPERTIES = settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
                      suppress_health_check=list(HealthCheck))

#: (type, default, check) choices per column type.
TYPES = {
    "text": ["'draft'", None, {"in": ["draft", "done"]}],
    "varchar(20)": [{"literal": "it's"}, None, None],
    "integer": [0, None, {"expression": "COL >= 0"}],
    "bigint": [1, None, None],
    "numeric(10, 2)": [0, None, {"expression": "COL > -1"}],
    "boolean": [False, None, None],
    "jsonb": ["'{}'::jsonb", None, None],
    "timestamptz": ["now()", None, None],
    "uuid": ["gen_random_uuid()", None, None],
    "text[]": ["'{}'::text[]", None, None],
    "date": ["current_date", None, None],
    "inet": [None, None, None],
}

NAMES = ["notes", "order", "Team Members", "projects", "user"]
COLUMN_NAMES = ["title", "status", "position", "amount", "flag", "data", "created_at", "ref", "tags", "due",
                "ip", "user", "Display Name"]


@st.composite
def spec_sets(draw) -> dict:
    count = draw(st.integers(1, 3))
    names = draw(st.permutations(NAMES))[:count]
    tables = []
    for t, name in enumerate(names):
        key_type = draw(st.sampled_from(["uuid", "bigint"]))
        key = ({"name": "id", "type": "uuid", "primary_key": True, "default": "gen_random_uuid()"}
               if key_type == "uuid" else {"name": "id", "type": "bigint", "primary_key": True,
                                           "identity": draw(st.sampled_from(["always", "by default"]))})
        columns = [key, {"name": "owner_id", "type": "uuid", "not_null": draw(st.booleans())}]
        for column_name in draw(st.lists(st.sampled_from(COLUMN_NAMES), min_size=1, max_size=4, unique=True)):
            column_type = draw(st.sampled_from(sorted(TYPES)))
            default, _, check = TYPES[column_type]
            column = {"name": column_name, "type": column_type}
            if default is not None and draw(st.booleans()):
                column["default"] = default
            if check is not None and draw(st.booleans()):
                column["check"] = {k: (v.replace("COL", f'"{column_name}"') if isinstance(v, str) else v)
                                   for k, v in check.items()}
            if draw(st.booleans()):
                column["not_null"] = True
            if column_type in ("text", "varchar(20)", "integer") and draw(st.integers(0, 3)) == 0:
                column["unique"] = True
            if draw(st.booleans()):
                column["comment"] = f"The {column_name}; it's documented."
            columns.append(column)
        if t and draw(st.booleans()):
            parent = tables[draw(st.integers(0, t - 1))]
            parent_key = parent["columns"][0]
            reference = {"table": parent["name"],
                         "on_delete": draw(st.sampled_from(["cascade", "set null", "restrict"]))}
            if draw(st.booleans()):
                reference["match"] = "full"
            columns.append({"name": "parent_id", "type": parent_key["type"], "references": reference})
        table = {"name": name, "comment": draw(st.sampled_from([None, f"The {name}."])), "columns": columns}
        if table["comment"] is None:
            del table["comment"]
        if draw(st.booleans()):
            table["rls"] = True
            policies = []
            own = '"owner_id" = (select auth.uid())'
            quoted = '"' + name.replace('"', '""') + '"'
            choices = [own, "true", f"{quoted}.owner_id is not null",
                       f"exists (select 1 from public.{quoted} x where x.id = {quoted}.id and {own})"]
            for i, command in enumerate(draw(st.lists(st.sampled_from(["select", "insert", "update", "delete"]),
                                                      max_size=3, unique=True))):
                condition = draw(st.sampled_from(choices))
                policy = {"name": f"{command} rule {i}", "command": command, "roles": ["authenticated"]}
                policy["with_check" if command == "insert" else "using"] = condition
                policies.append(policy)
            table["policies"] = policies
        indexes = []
        for i, column in enumerate(draw(st.lists(st.sampled_from([c["name"] for c in columns[1:]]),
                                                 max_size=2, unique=True))):
            index: dict = {"name": f"idx_{t}_{i}", "columns": [column]}
            text_column = next((c["name"] for c in columns if c["type"] == "text"), None)
            if text_column and draw(st.booleans()):
                index["columns"] = [draw(st.sampled_from([{"expression": f'lower("{text_column}")'},
                                                          {"column": text_column, "collate": "C"},
                                                          {"column": text_column, "opclass": "text_pattern_ops"}]))]
            if draw(st.booleans()):
                index["where"] = '"owner_id" is not null'
            if draw(st.booleans()):
                index |= {"unique": True, "nulls_not_distinct": draw(st.booleans())}
            indexes.append(index)
        if indexes:
            table["indexes"] = indexes
        tables.append(table)
    if len(tables) > 1 and draw(st.booleans()):  # the first table references the last: often a loop
        last = tables[-1]
        tables[0]["columns"].append({"name": "last_id", "type": last["columns"][0]["type"],
                                     "references": {"table": last["name"], "on_delete": "set null"}})
    return {"stage": 1, "title": "Generated", "platform": "supabase", "tables": tables}


def _project(tmp_path, spec: dict):
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "s.yaml").write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    return load_project(specs)


def _drift(built, project) -> list:
    session = db.Session(live.connect(built.server, built.name))
    try:
        return drift(session, project, sorted({t.schema for t in project.tables}))
    finally:
        session.close()


@PROPERTIES
@given(spec=spec_sets())
def test_a_database_built_from_the_specs_has_zero_drift(tmp_path_factory, database, spec):
    project = _project(tmp_path_factory.mktemp("specs"), spec)
    built = database()
    live.build_database(built.admin, built.owner, project, render_project(project))
    assert [c.message for c in _drift(built, project)] == []


def _mutations(table: dict, name: str) -> list[str]:
    """The ways a table drifts by hand, as SQL."""
    q = lambda s: '"' + s.replace('"', '""') + '"'  # noqa: E731
    columns = table["columns"]
    plain = [c for c in columns[1:] if "references" not in c]
    out = [f"alter table public.{q(name)} add column extra_col text",
           f"comment on table public.{q(name)} is 'changed by hand'"]
    if plain:
        column = plain[0]
        out += [f"alter table public.{q(name)} drop column {q(column['name'])} cascade",
                f"alter table public.{q(name)} alter column {q(column['name'])} drop default",
                f"comment on column public.{q(name)}.{q(column['name'])} is 'by hand'"]
        if column.get("not_null"):
            out.append(f"alter table public.{q(name)} alter column {q(column['name'])} drop not null")
        else:
            out.append(f"alter table public.{q(name)} alter column {q(column['name'])} set not null")
    for index in table.get("indexes", []):
        out.append(f"drop index public.{q(index['name'])}")
        key = index["columns"][0]
        if isinstance(key, dict) and "column" in key:  # remade without its collation or operator class
            out.append(f"drop index public.{q(index['name'])}; create index {q(index['name'])} "
                       f"on public.{q(name)} ({q(key['column'])})")
        if index.get("unique"):
            out.append(f"drop index public.{q(index['name'])}; create {'' if index.get('nulls_not_distinct') else 'unique '}"
                       f"index {q(index['name'])} on public.{q(name)} (owner_id)")
    out.append(f"create index by_hand_idx on public.{q(name)} (owner_id)")
    for column in columns:
        if "references" in column:  # the same reference a second time, under another name
            out.append(f"alter table public.{q(name)} add constraint by_hand_fk foreign key ({q(column['name'])}) "
                       f"references public.{q(column['references']['table'])}")
    for policy in table.get("policies", []):
        out.append(f"drop policy {q(policy['name'])} on public.{q(name)}")
        if policy["command"] != "insert":
            out.append(f"alter policy {q(policy['name'])} on public.{q(name)} using (false)")
    out.append(f"alter table public.{q(name)} {'disable' if table.get('rls') else 'enable'} row level security")
    out.append(f"alter table public.{q(name)} add constraint by_hand_check check (owner_id is not null) not valid")
    return out


@PROPERTIES
@given(spec=spec_sets(), data=st.data())
def test_repair_sql_always_applies_and_converges(tmp_path_factory, database, spec, data):
    project = _project(tmp_path_factory.mktemp("specs"), spec)
    built = database()
    live.build_database(built.admin, built.owner, project, render_project(project))
    table = data.draw(st.sampled_from(spec["tables"]))
    changes = data.draw(st.lists(st.sampled_from(_mutations(table, table["name"])), min_size=1, max_size=3,
                                 unique=True))
    for sql in changes:
        try:
            built.run(sql)
        except Exception:  # a drift an earlier one made moot (the column it alters is gone)
            pass
    found = _drift(built, project)
    repair = repair_sql(found, project, build_environment(), allow_destructive=True)
    built.run(repair)
    left = [c.kind for c in _drift(built, project)]
    assert left == [], (changes, repair, left)


def test_drift_command_agrees_with_the_property_helpers(database, tmp_path):
    """The helpers above call drift in-process; the command gives the same verdict."""
    spec = {"stage": 1, "title": "T", "tables": [{"name": "t", "columns": [{"name": "id", "type": "int"}]}]}
    project = _project(tmp_path, spec)
    built = database()
    live.build_database(built.admin, built.owner, project, render_project(project))
    url = built.server.url("postgres", built.name)
    out, err = io.StringIO(), io.StringIO()
    assert main(["drift", "--specs", str(tmp_path / "specs"), "--db", url], out, err) == 0
