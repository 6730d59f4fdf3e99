"""What the catalog should hold according to the specs, in PostgreSQL's own spelling.

Comparing the spec's ``user_id = auth.uid()`` with the catalog's
``(user_id = auth.uid())`` by text would be wrong both ways, so PostgreSQL does the
normalising: inside a transaction that is always rolled back, every spec table is
created in a scratch schema with the spec's column types, defaults, checks,
indexes and policies, and that scratch catalog is read back. Structure that needs
no normalising (names, keys, actions, comments, RLS switches) comes from the model
directly. The templates are not involved, so a template that drops a clause shows
up as a mismatch instead of being compared with itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import model as m
from .catalog import Catalog, ConstraintFacts, TableFacts, introspect
from .db import database_message
from .diagnostics import Diagnostic
from .render import index_key_sql, plain_column_ddl
from .sqltext import quote_ident

SCRATCH = "_schemagen_expected"


@dataclass
class Expected:
    catalog: Catalog
    #: Catalog keys (as in ``Catalog``'s dicts, tables as ("table", key)) → where the spec says it.
    positions: dict[tuple, m.SourcePos] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)


def _policy_ddl(policy: m.Policy, table: str) -> str:
    ddl = f"create policy {quote_ident(policy.name)} on {table}"
    ddl += "" if policy.permissive else " as restrictive"
    ddl += f" for {policy.command}"
    if policy.roles:
        ddl += " to " + ", ".join(quote_ident(r) for r in policy.roles)
    if policy.using is not None:
        ddl += f" using ({policy.using})"
    if policy.with_check is not None:
        ddl += f" with check ({policy.with_check})"
    return ddl


def _index_ddl(index: m.Index, name: str, table: str) -> str:
    ddl = f"create {'unique ' if index.unique else ''}index {name} on {table} using {index.method} ("
    ddl += ", ".join(index_key_sql(e) for e in index.elements) + ")"
    if index.include:
        ddl += " include (" + ", ".join(quote_ident(c) for c in index.include) + ")"
    if index.where is not None:
        ddl += f" where {index.where}"
    return ddl


class _Steps:
    """The scratch statements, each with the spec object it stands for."""

    def __init__(self):
        self.steps: list[tuple[str, m.SourcePos, str]] = []

    def add(self, sql: str, pos: m.SourcePos, what: str) -> None:
        self.steps.append((sql, pos, what))

    def run(self, session) -> list[Diagnostic]:
        """Every step, one statement at a time; a failure is reported at its object and the rest
        still runs."""
        failures = session.apply([sql for sql, _, _ in self.steps])
        return [Diagnostic(self.steps[i][1], "V201", "error",
                           f"PostgreSQL rejects {self.steps[i][2]}: {database_message(exc)}")
                for i, exc in failures]


def expected_catalog(session, project: m.Project) -> Expected:
    builder = _Steps()
    positions: dict[tuple, m.SourcePos] = {}
    scratch_names: dict[str, tuple[str, str]] = {}
    index_names: dict[str, tuple[str, str, str]] = {}
    check_positions: dict[str, tuple[tuple[str, str], m.SourcePos]] = {}
    for number, table in enumerate(project.tables):
        name = f"{SCRATCH}.t{number}"
        scratch_names[f"t{number}"] = table.key
        # defaults are set one by one below, so PostgreSQL normalises each on its own
        columns = ", ".join(plain_column_ddl(table, c, with_default=False) for c in table.columns)
        builder.add(f"create table {name} ({columns})", table.pos, f"the columns of {table.schema}.{table.name}")
        for column in table.columns:
            if column.default is not None:
                builder.add(f"alter table {name} alter column {quote_ident(column.name)} "
                            f"set default {column.default.sql}", column.pos,
                            f"the default of {table.name}.{column.name}")
        for i, check in enumerate(table.all_checks):
            check_name = f"c{number}_{i}"
            check_positions[check_name] = (table.key, check.pos)
            builder.add(f"alter table {name} add constraint {check_name} check ({check.expression})",
                        check.pos, f"a check on {table.name}")
        for i, index in enumerate(table.indexes):
            scratch_index = f"i{number}_{i}"
            index_names[scratch_index] = (table.schema, table.name, index.name)
            builder.add(_index_ddl(index, scratch_index, name), index.pos, f"index {index.name}")
        for policy in table.policies:
            builder.add(_policy_ddl(policy, name), policy.pos, f'policy "{policy.name}"')
    with session.scratch():
        session.execute(f"create schema {SCRATCH}")
        problems = builder.run(session)
        scratch = {oid: scratch_names[relname] for oid, relname in session.query(
            "select c.oid::int, c.relname from pg_class c where c.relnamespace = :ns::regnamespace "
            "and c.relkind = 'r'", ns=SCRATCH)}
        for conname, definition in session.query(
                "select conname, pg_get_constraintdef(oid, true) from pg_constraint "
                "where connamespace = :ns::regnamespace and contype = 'c'", ns=SCRATCH):
            table_key, pos = check_positions[conname]
            positions[(table_key, "check", definition)] = pos
        scratch_catalog = introspect(session, [], scratch=scratch)

    catalog = Catalog()
    for table in project.tables:
        facts = scratch_catalog.tables.get(table.key)
        if facts is None:
            continue
        by_name = {c.name: c for c in facts.columns}
        columns = tuple(replace(by_name[c.name], comment=c.comment) for c in table.columns)
        catalog.tables[table.key] = TableFacts(table.schema, table.name, columns, table.comment,
                                               table.rls, table.force_rls)
        positions[("table", table.key)] = table.pos
        for column in table.columns:
            positions[("column", table.key, column.name)] = column.pos
        _structural_constraints(table, catalog, positions)
        for policy in table.policies:
            positions[(table.schema, table.name, policy.name)] = policy.pos
        for index in table.indexes:
            positions[(table.schema, table.name, index.name)] = index.pos
    for key, facts in scratch_catalog.constraints.items():
        if key[1] == "check":
            catalog.constraints[key] = facts
    catalog.policies.update(scratch_catalog.policies)
    for (_, _, scratch_index), facts in scratch_catalog.indexes.items():
        catalog.indexes[index_names[scratch_index]] = facts
    return Expected(catalog, positions, problems)


def _structural_constraints(table: m.Table, catalog: Catalog, positions: dict) -> None:
    key = table.key
    if table.primary_key_columns:
        cols = table.primary_key_columns
        catalog.constraints[(key, "primary key", cols)] = ConstraintFacts("primary key", cols, "")
        pos = table.primary_key.pos if table.primary_key else table.column(cols[0]).pos
        positions[(key, "primary key", cols)] = pos
    uniques = [((c.name,), c.pos) for c in table.columns if c.unique]
    uniques += [(u.columns, u.pos) for u in table.uniques]
    for cols, pos in uniques:
        catalog.constraints[(key, "unique", cols)] = ConstraintFacts("unique", cols, "")
        positions[(key, "unique", cols)] = pos
    for fk in table.all_foreign_keys:
        catalog.constraints[(key, "foreign key", fk.columns)] = ConstraintFacts(
            "foreign key", fk.columns, "", ref_table=fk.ref_key, ref_columns=fk.ref_columns,
            on_delete=fk.on_delete or "no action", on_update=fk.on_update or "no action")
        positions[(key, "foreign key", fk.columns)] = fk.pos

