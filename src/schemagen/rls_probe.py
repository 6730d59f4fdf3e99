"""Proving what RLS policies allow, by acting as two users against a live database.

For each table with RLS, a row is seeded for user A and one for user B (as the
superuser), then, inside a transaction that is always rolled back, the probe
becomes A the way Supabase's API does (``set local role authenticated`` with A's
JWT claims) and sends each command the way clients send it: a select, an insert
without ``returning`` (supabase-js's ``.insert()`` sends none), updates and deletes
both without a where clause and with one. A where clause on row columns makes
PostgreSQL apply the select policy as well, which can hide a hole that the where-less
statement shows, so both are run. Finally anon selects. Whatever lets A read, create
or change a row that is not A's is reported, with the statement that did it and the
policies that allowed it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from . import model as m
from .catalog import Catalog, TableFacts
from .diagnostics import Diagnostic
from .db import ContainmentBroken, database_message
from .lint.expressions import owner_columns
from .sqltext import qualified, quote_ident, quote_literal

USER_A = "00000000-0000-4000-8000-00000000000a"
USER_B = "00000000-0000-4000-8000-00000000000b"

CODE = "V301"


@dataclass(frozen=True)
class Outcome:
    action: str
    statement: str
    result: str
    hole: bool = False
    policies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """What one statement, run as one user, did."""

    statement: str
    error: str | None
    rows: int
    saw_a: bool
    saw_b: bool
    b_changed: bool
    b_deleted: bool


@dataclass
class TableReport:
    table: m.Table
    owner: str | None
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: str | None = None


def _owner_column(table: m.Table) -> str | None:
    for policy in table.policies:
        for column in owner_columns(policy.using) + owner_columns(policy.with_check):
            if table.column(column):
                return column
    for fk in table.all_foreign_keys:
        if fk.ref_key in (("public", "profiles"), ("auth", "users")) and len(fk.columns) == 1:
            return fk.columns[0]
    return None


def applicable(table: m.Table, role: str, command: str) -> tuple[str, ...]:
    return tuple(p.name for p in table.policies
                 if p.permissive and (p.command in (command, "all"))
                 and (not p.roles or role in p.roles or "public" in p.roles))


class _Seeder:
    """Builds rows that satisfy not-null columns and foreign keys, parents first."""

    def __init__(self, session, catalog: Catalog):
        self.session = session
        self.catalog = catalog
        self.counter = 0

    def filler(self, table: TableFacts, column) -> str | None:
        """A value of the column's type, distinct per call so unique columns never collide."""
        self.counter += 1
        n = self.counter
        for key, con in self.catalog.constraints.items():
            if key[0] == (table.schema, table.name) and con.kind == "check" and con.columns == (column.name,):
                start = con.definition.find("'")
                if start != -1 and "ANY (ARRAY[" in con.definition:
                    end = con.definition.index("'", start + 1)
                    return con.definition[start:end + 1]
        typ = column.type
        if typ.endswith("[]"):
            return "'{}'"
        if typ.startswith(("character(", "character varying(")):
            return f"left('{n}', {typ.split('(')[1].rstrip(')')})"
        if typ.startswith(("text", "character", "varchar", "citext", "name")):
            return f"'probe-{n}'"
        if typ.startswith(("integer", "bigint", "smallint", "numeric", "real", "double", "decimal")):
            return str(n)
        if typ == "boolean":
            return "false"
        if typ in ("jsonb", "json"):
            return "'{}'"
        if typ == "uuid":
            return f"'00000000-0000-4000-9000-{n:012d}'"
        if typ.startswith(("timestamp", "date", "time")):
            return "now()"
        if typ in ("inet", "cidr"):
            return "'127.0.0.1'"
        label = self.session.query("select enumlabel from pg_enum where enumtypid = to_regtype(:t) "
                                   "order by enumsortorder limit 1", t=typ)
        return quote_literal(label[0][0]) if label else None

    def ensure(self, key: tuple[str, str], values: dict[str, str], depth: int = 0) -> dict[str, object]:
        """Insert a row with these SQL values (filling the rest); returns its primary key."""
        table = self.catalog.tables[key]
        row = dict(values)
        for (tkey, kind, cols), con in self.catalog.constraints.items():
            if tkey != key or kind != "foreign key" or len(cols) != 1 or con.ref_table == key:
                continue
            column = table.column(cols[0])
            if cols[0] in row or (column is not None and column.not_null):
                parent_values = {con.ref_columns[0]: row[cols[0]]} if cols[0] in row else {}
                if depth > 5:
                    raise RuntimeError(f"foreign keys from {key[0]}.{key[1]} nest too deeply to seed")
                parent = self.ensure(con.ref_table, parent_values, depth + 1) if con.ref_table in \
                    self.catalog.tables else None
                if cols[0] not in row and parent is not None:
                    row[cols[0]] = quote_literal(str(parent[con.ref_columns[0]]))
        for column in table.columns:
            if column.name in row or not column.not_null or column.default or column.identity:
                continue
            value = self.filler(table, column)
            if value is None:
                raise RuntimeError(f"cannot make up a value for {key[0]}.{key[1]}.{column.name} "
                                   f"({column.type})")
            row[column.name] = value
        pk = self._primary_key(key)
        for column in table.columns:  # fixed keys, so reports name the same rows on every run
            if column.name in pk and column.name not in row and column.type == "uuid":
                row[column.name] = self.filler(table, column)
        returning = ", ".join(quote_ident(c) for c in pk) or "1"
        if pk and values and all(c in values for c in pk):
            where = " and ".join(f"{quote_ident(c)} = {values[c]}" for c in pk)
            existing = self.session.execute(f"select {returning} from {qualified(*key)} where {where}")
            if existing:
                return dict(zip(pk, existing[0], strict=True))
        names = ", ".join(quote_ident(n) for n in row)
        insert = (f"insert into {qualified(*key)} ({names}) values ({', '.join(row.values())})" if row
                  else f"insert into {qualified(*key)} default values")
        result = self.session.execute(f"{insert} returning {returning}")
        return dict(zip(pk, result[0], strict=True)) if pk else {}

    def _primary_key(self, key: tuple[str, str]) -> tuple[str, ...]:
        for (tkey, kind, cols) in self.catalog.constraints:
            if tkey == key and kind == "primary key":
                return cols
        return ()


class SeedError(RuntimeError):
    """The probe could not build test rows for a table (reported as skipped, with the reason)."""


def _claims(user: str, role: str) -> str:
    return json.dumps({"sub": user, "role": role})


class Probe:
    def __init__(self, session, catalog: Catalog):
        self.session = session
        self.catalog = catalog

    def run(self, project: m.Project) -> tuple[list[TableReport], list[Diagnostic]]:
        reports, found = [], []
        for table in project.tables:
            if not table.rls or table.key not in self.catalog.tables:
                continue
            report = self.probe_table(table)
            reports.append(report)
            for outcome in report.outcomes:
                if outcome.hole:
                    pos = next((p.pos for p in table.policies if p.name in outcome.policies), table.pos)
                    names = ", ".join(f'"{n}"' for n in outcome.policies) or "no policy"
                    found.append(Diagnostic(pos, CODE, "error",
                                            f"{outcome.result} on {table.schema}.{table.name} with "
                                            f"`{outcome.statement}` (allowed by {names})"))
        return reports, found

    def _scenario(self, table: m.Table, owner: str | None, role: str, user: str | None, sql: str) -> Scenario:
        """Seed A's and B's rows, act as ``role``, run ``sql``, then look at B's row; always rolled back.

        B's row is checked directly rather than inferred from a row count: gone means deleted,
        and a new ``xmin`` means updated, because the statement runs under a savepoint whose
        subtransaction stamps every row version it writes.
        """
        session = self.session
        with session.scratch():
            seeder = _Seeder(session, self.catalog)
            pk = seeder._primary_key(table.key)
            if not pk:
                raise SeedError("the table has no primary key, so the probe cannot tell A's rows from B's")
            rows = {}
            try:
                with session.attempt():
                    for who in (USER_A, USER_B):
                        rows[who] = seeder.ensure(table.key, {owner: quote_literal(who)} if owner else {})
            except ContainmentBroken:
                raise
            except Exception as exc:  # a row the probe cannot make up: say why, probe the rest
                raise SeedError(f"could not seed rows for A and B: {database_message(exc)}") from None
            b_where = " and ".join(f"{quote_ident(c)} = {quote_literal(str(rows[USER_B][c]))}" for c in pk)
            b_version = f"select xmin::text from {qualified(*table.key)} where {b_where}"
            before = session.execute(b_version)[0][0]
            statement = sql.format(b_where=b_where, pk=", ".join(quote_ident(c) for c in pk))
            result, error = None, None
            try:
                with session.attempt():
                    self._become(role, user)
                    result = session.execute(statement)
                    session.execute("reset role")
            except ContainmentBroken:
                raise
            except Exception as exc:
                error = database_message(exc)
            after = session.execute(b_version)
            seen = {tuple(str(v) for v in row) for row in result or []}
            return Scenario(
                statement=statement,
                error=error,
                rows=len(result or []),
                saw_a=tuple(str(rows[USER_A][c]) for c in pk) in seen,
                saw_b=tuple(str(rows[USER_B][c]) for c in pk) in seen,
                b_changed=bool(after) and after[0][0] != before,
                b_deleted=not after,
            )

    def probe_table(self, table: m.Table) -> TableReport:
        owner = _owner_column(table)
        report = TableReport(table, owner)
        name = qualified(table.schema, table.name)
        facts = self.catalog.tables[table.key]
        primary = set(_Seeder(self.session, self.catalog)._primary_key(table.key))
        # A column set to its default reads nothing, as a client's `set col = $1` reads nothing:
        # reading a column would make PostgreSQL apply the select policy too.
        settable = next((c.name for c in facts.columns
                         if c.name != owner and c.name not in primary and (c.default or not c.not_null)), None)
        others = "B's row" if owner else "a row A did not create"

        def add(action: str, statement: str, result: str, hole: bool, command: str, role: str = "authenticated"):
            report.outcomes.append(Outcome(action, statement, result, hole, applicable(table, role, command)))

        try:
            seen = self._scenario(table, owner, "authenticated", USER_A, f"select {{pk}} from {name}")
        except SeedError as exc:
            report.skipped = str(exc)
            return report
        if seen.error:
            add("select", seen.statement, f"refused: {seen.error}", False, "select")
        elif seen.saw_b:
            add("select", seen.statement, f"A reads {others}", True, "select")
        else:
            add("select", seen.statement, f"A sees {'its own row' if seen.saw_a else 'not even its own row'}, "
                                          f"not {others}", False, "select")

        if owner:
            for whose, user in (("own", USER_A), ("B's", USER_B)):
                statement, refused = self._insert(table, owner, user)
                hole = whose == "B's" and refused is None
                add(f"insert ({whose} row)", statement,
                    "A creates a row owned by B" if hole else ("allowed" if refused is None else f"refused: {refused}"),
                    hole, "insert")
        else:
            statement, refused = self._insert(table, None, None)
            add("insert", statement, "allowed" if refused is None else f"refused: {refused}", False, "insert")

        writes = [("delete", "deletes", f"delete from {name}")]
        if settable:
            writes.insert(0, ("update", "changes", f"update {name} set {quote_ident(settable)} = default"))
        for command, verb, sql in writes:
            for variant, where in (("no where", ""), ("where on B's row", " where {b_where}")):
                outcome = self._scenario(table, owner, "authenticated", USER_A, sql + where)
                touched = outcome.b_deleted if command == "delete" else outcome.b_changed
                result = (f"refused: {outcome.error}" if outcome.error else
                          f"A {verb} {others}" if touched else f"{others} untouched")
                add(f"{command} ({variant})", outcome.statement, result, touched, command)

        anon = self._scenario(table, owner, "anon", None, f"select {{pk}} from {name}")
        granted = applicable(table, "anon", "select")
        add("anon select", anon.statement, f"refused: {anon.error}" if anon.error else f"anon sees {anon.rows} rows",
            bool(anon.rows) and not granted, "select", "anon")
        return report

    def _become(self, role: str, user: str | None) -> None:
        """As Supabase's API does it: the role, and the JWT claims auth.uid() reads."""
        self.session.execute(f"set local role {quote_ident(role)}")
        if user:
            self.session.execute(f"select set_config('request.jwt.claims', {quote_literal(_claims(user, role))}, "
                                 "true)")

    def _insert(self, table: m.Table, owner: str | None, owner_value: str | None) -> tuple[str, str | None]:
        """Insert one row as A, without ``returning``; the statement, and the error if refused."""
        session = self.session
        with session.scratch():
            seeder = _Seeder(session, self.catalog)
            facts = self.catalog.tables[table.key]
            values: dict[str, str] = {}
            if owner and owner_value:
                values[owner] = quote_literal(owner_value)
            for column in facts.columns:
                if column.not_null and not column.default and not column.identity and column.name not in values:
                    values[column.name] = seeder.filler(facts, column)
            for (key, kind, cols), con in self.catalog.constraints.items():
                if key != table.key or kind != "foreign key" or len(cols) != 1 or cols[0] not in values \
                        or con.ref_table not in self.catalog.tables:
                    continue
                parent_values = {con.ref_columns[0]: values[cols[0]]} if cols[0] == owner else {}
                parent = seeder.ensure(con.ref_table, parent_values)
                if cols[0] != owner:
                    values[cols[0]] = quote_literal(str(parent[con.ref_columns[0]]))
            name = qualified(*table.key)
            statement = (f"insert into {name} ({', '.join(quote_ident(c) for c in values)}) "
                         f"values ({', '.join(values.values())})" if values else f"insert into {name} default values")
            try:
                with session.attempt():
                    self._become("authenticated", USER_A)
                    session.execute(statement)
                    session.execute("reset role")
                return statement, None
            except ContainmentBroken:
                raise
            except Exception as exc:
                return statement, database_message(exc)


def format_report(reports: list[TableReport]) -> str:
    lines = []
    for report in reports:
        table = report.table
        owner = f"owner column {report.owner}" if report.owner else "no owner column: every row counts as another's"
        lines.append(f"{table.schema}.{table.name} ({owner})")
        if report.skipped:
            lines.append(f"  skipped: {report.skipped}")
            continue
        for outcome in report.outcomes:
            mark = "HOLE" if outcome.hole else "ok  "
            policies = ", ".join(f'"{p}"' for p in outcome.policies) or "no policy applies"
            lines.append(f"  {mark} {outcome.action:<26} {outcome.result}")
            lines.append(f"       {'':<26} policies: {policies}")
            lines.append(f"       {'':<26} sql: {outcome.statement}")
    return "\n".join(lines) + "\n"
