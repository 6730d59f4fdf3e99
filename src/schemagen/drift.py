"""A live database against the specs: what differs, and the SQL that repairs it.

The comparison is validation's (``expected`` + ``catalog`` + ``compare``); this
module chooses which schemas to read and turns each ``Change`` into statements,
written with the same macros the migrations use. Statements are emitted in
dependency order: drops, then tables, columns, constraints (foreign keys last),
comments and RLS switches, policies, indexes. Anything that drops an object or may
lose data (a narrowing type change) is destructive and, without consent, is only
listed as a comment, like migra's ``--unsafe``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import model as m
from .compare import Change, changes
from .render import plain_column_ddl
from .sqltext import qualified, quote_ident, quote_literal, sql_comment


class DriftProblem(Exception):
    """The database cannot be compared (unknown schema, missing permission); one line, exit 2."""


def schemas_to_read(project: m.Project, requested: list[str] | None) -> list[str]:
    return sorted(set(requested) if requested else {t.schema for t in project.tables})


def drift(session, project: m.Project, schemas: list[str]) -> list[Change]:
    """Differences between the database and the specs, read inside ``session`` (whose scratch
    work is rolled back)."""
    from .catalog import introspect
    from .db import database_message
    from .expected import expected_catalog

    known = {name for (name,) in session.query("select nspname from pg_namespace where nspname = any(:s)",
                                               s=schemas)}
    unknown = [s for s in schemas if s not in known]
    if unknown:
        raise DriftProblem(f"schema {', '.join(unknown)} does not exist in this database; "
                           "pass --schema with one that does")
    scoped = m.Project(tuple(
        m.Stage(s.number, s.title, s.slug, s.status, s.depends_on,
                tuple(t for t in s.tables if t.schema in schemas), s.external_tables, s.external_roles,
                s.platform, path=s.path, pos=s.pos)
        for s in project.stages))
    try:
        expected = expected_catalog(session, scoped)
    except Exception as exc:
        message = database_message(exc)
        if "permission denied" in message:
            raise DriftProblem(
                f"{message}: drift lets PostgreSQL normalise the spec's expressions in a scratch schema "
                "inside a transaction it always rolls back; grant this user create on the database") from None
        raise
    if expected.problems:
        raise DriftProblem(f"{expected.problems[0].pos}: {expected.problems[0].message}")
    actual = introspect(session, schemas)
    fallback = project.stages[0].pos
    return sorted(changes(expected, actual, fallback, project.external_keys), key=lambda c: (c.pos.order, c.kind, repr(c.key)))


# --- repair SQL --------------------------------------------------------------------------

PHASES = ("drop", "table", "column", "constraint", "foreign key", "comment", "policy", "index")

#: Type changes PostgreSQL can make without losing data: (from, to) pairs of format_type names.
WIDENING = {
    ("smallint", "integer"), ("smallint", "bigint"), ("integer", "bigint"), ("real", "double precision"),
    ("character varying", "text"), ("character", "text"),
}


@dataclass(frozen=True)
class Statement:
    phase: str
    sql: str
    destructive: bool = False


def _widening(old: str, new: str) -> bool:
    base_old, base_new = old.split("(")[0], new.split("(")[0]
    if (base_old, base_new) in WIDENING:
        return True
    if base_old == base_new == "character varying" and "(" in old and "(" in new:
        return int(new.split("(")[1].rstrip(")")) >= int(old.split("(")[1].rstrip(")"))
    return False


class _Writer:
    def __init__(self, project: m.Project, env):
        self.project = project
        self.macros = env.get_template("macros.sql.j2").module
        self.table_template = env.get_template("table.sql.j2")
        self.out: list[Statement] = []

    def table(self, key) -> m.Table:
        table = self.project.table(*key[:2])
        assert table is not None, key
        return table

    def emit(self, phase: str, sql: str, destructive: bool = False) -> None:
        self.out.append(Statement(phase, sql, destructive))

    def constraint_add(self, table: m.Table, change: Change, *, paired_with_drop: bool = False) -> None:
        """Add a constraint; one that replaces a constraint being dropped shares the drop's consent."""
        _, kind, detail = change.key
        q = qualified(*table.key)
        columns = ", ".join(quote_ident(c) for c in detail) if kind != "check" else ""
        if kind == "primary key":
            name = table.primary_key.name if table.primary_key else None
            phase, sql = "constraint", f"alter table {q} add {self.macros.constraint_name(name)}primary key ({columns});"
        elif kind == "unique":
            unique = next((u for u in table.uniques if u.columns == detail), None)
            nnd = "nulls not distinct " if unique and unique.nulls_not_distinct else ""
            name = unique.name if unique else None
            phase, sql = "constraint", f"alter table {q} add {self.macros.constraint_name(name)}unique {nnd}({columns});"
        elif kind == "foreign key":
            fk = next(f for f in table.all_foreign_keys if f.columns == detail)
            phase, sql = "foreign key", (f"alter table {q} add {self.macros.constraint_name(fk.name)}foreign key "
                                         f"({columns}) {self.macros.references(fk)};")
        else:
            check = next((c for c in table.all_checks if c.pos == change.pos), None)
            if check is None:
                return
            phase, sql = "constraint", (f"alter table {q} add {self.macros.constraint_name(check.name)}check "
                                        f"({check.expression});")
        self.emit(phase, sql, destructive=paired_with_drop)

    def write(self, change: Change) -> None:
        kind = change.kind
        handler: Callable[[Change], None] | None = getattr(self, "on_" + kind.replace(".", "_"), None)
        if handler is None:
            raise AssertionError(f"no repair for {kind}")
        handler(change)

    # tables
    def on_table_missing(self, change: Change) -> None:
        self.emit("table", self.table_template.render(table=self.table(change.key)).strip())

    def on_table_extra(self, change: Change) -> None:
        self.emit("drop", f"drop table {qualified(*change.key)};", destructive=True)

    def on_table_comment(self, change: Change) -> None:
        table = self.table(change.key)
        value = quote_literal(table.comment) if table.comment is not None else "null"
        self.emit("comment", f"comment on table {qualified(*table.key)} is {value};")

    def on_table_rls(self, change: Change) -> None:
        table = self.table(change.key)
        self.emit("comment", f"alter table {qualified(*table.key)} "
                             f"{'enable' if table.rls else 'disable'} row level security;")

    def on_table_force_rls(self, change: Change) -> None:
        table = self.table(change.key)
        self.emit("comment", f"alter table {qualified(*table.key)} "
                             f"{'force' if table.force_rls else 'no force'} row level security;")

    # columns
    def _column(self, change: Change) -> tuple[m.Table, m.Column, str]:
        table = self.table(change.key)
        column = table.column(change.key[2])
        assert column is not None
        return table, column, f"alter table {qualified(*table.key)} alter column {quote_ident(column.name)}"

    def on_column_missing(self, change: Change) -> None:
        table = self.table(change.key)
        column = plain_column_ddl(table, table.column(change.key[2]))
        self.emit("column", f"alter table {qualified(*table.key)} add column {column};")

    def on_column_extra(self, change: Change) -> None:
        self.emit("drop", f"alter table {qualified(*change.key[:2])} drop column {quote_ident(change.key[2])};",
                  destructive=True)

    def on_column_type(self, change: Change) -> None:
        table, column, alter = self._column(change)
        old = change.message.split(" is '", 1)[1].split("' in the database", 1)[0]
        new = change.message.rsplit(", '", 1)[1].split("' in the spec", 1)[0]
        self.emit("column", f"{alter} type {column.type} using {quote_ident(column.name)}::{column.type};",
                  destructive=not _widening(old, new))

    def on_column_default(self, change: Change) -> None:
        _, column, alter = self._column(change)
        self.emit("column", f"{alter} set default {column.default.sql};" if column.default
                  else f"{alter} drop default;")

    def on_column_not_null(self, change: Change) -> None:
        table, column, alter = self._column(change)
        wanted = column.not_null or column.name in table.primary_key_columns or column.identity
        self.emit("column", f"{alter} {'set' if wanted else 'drop'} not null;")

    def on_column_identity(self, change: Change) -> None:
        _, column, alter = self._column(change)
        if column.identity is None:
            self.emit("column", f"{alter} drop identity;")
        elif "is nothing in the database" in change.message:
            self.emit("column", f"{alter} add generated {column.identity} as identity;")
        else:
            self.emit("column", f"{alter} set generated {column.identity};")

    def on_column_comment(self, change: Change) -> None:
        table, column, _ = self._column(change)
        value = quote_literal(column.comment) if column.comment is not None else "null"
        self.emit("comment", f"comment on column {qualified(*table.key)}.{quote_ident(column.name)} is {value};")

    def on_column_order(self, change: Change) -> None:
        self.emit("comment", sql_comment(f"{change.message}: PostgreSQL cannot reorder columns without "
                                         "recreating the table, so this is left to you"))

    # constraints
    def on_constraint_missing(self, change: Change) -> None:
        self.constraint_add(self.table(change.key[0]), change)

    def on_constraint_extra(self, change: Change) -> None:
        self.emit("drop", f"alter table {qualified(*change.key[0])} drop constraint {quote_ident(change.db_name)};",
                  destructive=True)

    def on_constraint_changed(self, change: Change) -> None:
        self.emit("drop", f"alter table {qualified(*change.key[0])} drop constraint {quote_ident(change.db_name)};",
                  destructive=True)
        self.constraint_add(self.table(change.key[0]), change, paired_with_drop=True)

    # policies
    def _policy(self, change: Change) -> tuple[m.Table, m.Policy]:
        table = self.table(change.key[:2])
        policy = next(p for p in table.policies if p.name == change.key[2])
        return table, policy

    def on_policy_missing(self, change: Change) -> None:
        table, policy = self._policy(change)
        self.emit("policy", self.macros.policy_def(policy, table).strip() + ";")

    def on_policy_extra(self, change: Change) -> None:
        self.emit("drop", f"drop policy {quote_ident(change.key[2])} on {qualified(*change.key[:2])};",
                  destructive=True)

    def _policy_alter(self, change: Change) -> None:
        table, policy = self._policy(change)
        sql = f"alter policy {quote_ident(policy.name)} on {qualified(*table.key)}"
        sql += " to " + (", ".join(quote_ident(r) for r in policy.roles) if policy.roles else "public")
        if policy.using is not None:
            sql += f" using ( {policy.using} )"
        if policy.with_check is not None:
            sql += f" with check ( {policy.with_check} )"
        self.emit("policy", sql + ";")

    on_policy_roles = on_policy_using = on_policy_with_check = _policy_alter

    def _policy_recreate(self, change: Change) -> None:
        table, policy = self._policy(change)
        self.emit("drop", f"drop policy {quote_ident(policy.name)} on {qualified(*table.key)};", destructive=True)
        self.emit("policy", self.macros.policy_def(policy, table).strip() + ";", destructive=True)

    on_policy_command = on_policy_type = _policy_recreate

    # indexes
    def _index(self, change: Change) -> tuple[m.Table, m.Index]:
        table = self.table(change.key[:2])
        return table, next(i for i in table.indexes if i.name == change.key[2])

    def on_index_missing(self, change: Change) -> None:
        table, index = self._index(change)
        self.emit("index", self.macros.index_def(index, table).strip())

    def on_index_extra(self, change: Change) -> None:
        self.emit("drop", f"drop index {qualified(change.key[0], change.key[2])};", destructive=True)

    def on_index_changed(self, change: Change) -> None:
        table, index = self._index(change)
        self.emit("drop", f"drop index {qualified(table.schema, index.name)};", destructive=True)
        self.emit("index", self.macros.index_def(index, table).strip(), destructive=True)


def repair_sql(found: list[Change], project: m.Project, env, *, allow_destructive: bool) -> str:
    writer = _Writer(project, env)
    seen_alters: set[tuple] = set()
    recreated: set[tuple] = set()
    for change in found:
        if change.kind in ("policy.roles", "policy.using", "policy.with_check"):
            if change.key in seen_alters or change.key in recreated:
                continue
            seen_alters.add(change.key)
        if change.kind in ("policy.command", "policy.type", "index.changed", "constraint.changed"):
            if change.key in recreated:
                continue
            recreated.add(change.key)
        writer.write(change)
    lines = ["-- generated by schemagen drift --sql: statements that bring the database to the specs"]
    if any(s.destructive for s in writer.out) and not allow_destructive:
        lines.append("-- destructive statements are commented out; review them, then rerun with "
                     "--allow-destructive to include them")
    for phase in PHASES:
        for statement in (s for s in writer.out if s.phase == phase):
            if statement.destructive and not allow_destructive:
                lines.append(sql_comment("destructive: " + statement.sql))
            else:
                lines.append(statement.sql)
    return "\n".join(lines) + "\n"
