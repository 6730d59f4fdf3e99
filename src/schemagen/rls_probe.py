"""Proving what RLS policies allow, by acting as two users against a live database.

For each table with RLS, a row is seeded for user A and one for user B (as the
migration role, which bypasses RLS as Supabase's ``postgres`` does), then, under a
savepoint that is always rolled back, the probe becomes A the way Supabase's API
does (``set local role authenticated`` with A's JWT claims) and sends each command
the way clients send it: a select, an insert without ``returning`` (supabase-js's
``.insert()`` sends none), updates and deletes both without a where clause and
with one. A where clause on row columns makes PostgreSQL apply the select policy
as well, which can hide a hole that the where-less statement shows, so both are
run. Finally anon selects.

Every outcome is one of three, and only an RLS decision is "ok": the row filtered
out, or the statement refused with PostgreSQL's row-level-security error. A
statement that fails for any other reason (no privilege, a trigger calling a
missing function, a check constraint) tested nothing: it is "could not test", with
the reason, and counts against the coverage the report ends with. Whatever lets A
create, change or delete a row that is not A's is an error (V301); reading other
users' rows is a warning (V303), because public profiles and catalogues are
deliberate designs in Supabase apps (lint's SG021 says the same).

Who owns a row is read from the policies (``user_id = auth.uid()``), from a foreign
key to the users, or through a parent table that has an owner (``trip_stops`` via
``trips.owner_id``): A's row is then a child of A's parent row.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Literal

from . import model as m
from .catalog import Catalog
from .kinds.table.catalog import TableFacts
from .db import ContainmentBroken
from .diagnostics import Diagnostic
from .lint.expressions import owner_columns
from .sqltext import qualified, quote_ident, quote_literal

USER_A = "00000000-0000-4000-8000-00000000000a"
USER_B = "00000000-0000-4000-8000-00000000000b"

WRITE_HOLE = "V301"
UNTESTED = "V302"
READ_HOLE = "V303"

#: PostgreSQL's own words when a policy refuses a row (SQLSTATE 42501 is shared with "permission denied").
RLS_REFUSAL = "new row violates row-level security policy"

USER_TABLES = (("public", "profiles"), ("auth", "users"))

Status = Literal["ok", "hole", "untested"]


@dataclass(frozen=True)
class Outcome:
    action: str
    statement: str
    result: str
    status: Status = "ok"
    policies: tuple[str, ...] = ()
    #: A hole that lets A read, rather than write, another user's rows.
    read: bool = False

    @property
    def hole(self) -> bool:
        return self.status == "hole"


@dataclass(frozen=True)
class Failure:
    """Why a statement did not run: PostgreSQL's SQLSTATE and message."""

    code: str
    message: str

    @property
    def is_rls(self) -> bool:
        return self.code == "42501" and self.message.startswith(RLS_REFUSAL)

    @classmethod
    def of(cls, exc: BaseException) -> "Failure":
        fields = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
        message = fields.get("M", str(exc))
        if fields.get("H"):
            message += f" (hint: {fields['H']})"
        return cls(fields.get("C", ""), message)


@dataclass(frozen=True)
class Scenario:
    """What one statement, run as one user, did."""

    statement: str
    failure: Failure | None
    rows: int
    saw_a: bool
    saw_b: bool
    b_changed: bool
    b_deleted: bool


@dataclass(frozen=True)
class Ownership:
    """How a row belongs to a user: a column of its own, or a parent row that has one."""

    column: str | None = None
    #: (foreign-key column, parent table, parent's key column, parent's owner column)
    via: tuple[str, tuple[str, str], str, str] | None = None

    def describe(self) -> str:
        if self.column:
            return f"owner column {self.column}"
        if self.via:
            fk, parent, _, owner = self.via
            return f"owned through {fk} → {parent[0]}.{parent[1]}.{owner}"
        return "no owner column: every row counts as another's"


@dataclass
class TableReport:
    table: m.Table
    ownership: Ownership
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: str | None = None

    @property
    def heading(self) -> str:
        return f"{self.table.schema}.{self.table.name} ({self.ownership.describe()})"


def _direct_owner(table: m.Table) -> str | None:
    for policy in table.policies:
        for column in owner_columns(policy.using) + owner_columns(policy.with_check):
            if table.column(column):
                return column
    for fk in table.all_foreign_keys:
        if fk.ref_key in USER_TABLES and len(fk.columns) == 1:
            return fk.columns[0]
    return None


def ownership(table: m.Table, project: m.Project) -> Ownership:
    direct = _direct_owner(table)
    if direct:
        return Ownership(column=direct)
    for fk in table.all_foreign_keys:
        parent = project.table(*fk.ref_key)
        if parent is None or len(fk.columns) != 1 or parent.key == table.key:
            continue
        owner = _direct_owner(parent)
        if owner:
            return Ownership(via=(fk.columns[0], parent.key, fk.ref_columns[0], owner))
    return Ownership()


def applicable(table: m.Table, role: str, command: str) -> tuple[str, ...]:
    return tuple(p.name for p in table.policies
                 if p.permissive and (p.command in (command, "all"))
                 and (not p.roles or role in p.roles or "public" in p.roles))


class _Seeder:
    """Builds rows that satisfy not-null columns, value-list checks and foreign keys, parents first."""

    def __init__(self, session, catalog: Catalog, by_table: dict | None = None, known: dict | None = None):
        self.session = session
        self.catalog = catalog
        self.counter = 0
        #: Each table's constraints, (key, facts) as the catalog keys them: looked up per row made,
        #: so a scan of every table's would make the probe quadratic in the schema's size.
        self.by_table = by_table if by_table is not None else constraints_by_table(catalog)
        #: Rows known to be there, by (table, key values as SQL): a lookup that needs no round trip.
        #: Whoever rolls back a savepoint the seeder worked under puts back what was known before.
        self.known: dict[tuple, dict[str, object]] = dict(known or {})

    def constraints(self, table: tuple[str, str]) -> list:
        return self.by_table.get(table, [])

    @contextmanager
    def savepoint(self, *, keep: bool = False) -> Iterator[None]:
        """The session's savepoint, undone (``keep``: only if the block fails); what the seeder
        learnt inside is forgotten with the rows it learnt about."""
        before = dict(self.known)
        kept = False
        try:
            with self.session.attempt() if keep else self.session.scratch():
                yield
            kept = keep
        finally:
            if not kept:
                self.known = before

    def filler(self, table: TableFacts, column) -> str | None:
        """A value of the column's type, distinct per call so unique columns never collide."""
        self.counter += 1
        n = self.counter
        for _, con in self.constraints((table.schema, table.name)):
            if con.kind == "check" and con.columns == (column.name,):
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
        if typ.startswith(("timestamp", "date")):
            # later columns get later times: checks such as ends_at > starts_at hold
            return f"now() + interval '{n} minutes'" if typ.startswith("timestamp") else f"current_date + {n}"
        if typ.startswith("time"):
            return "now()"
        if typ in ("inet", "cidr"):
            return "'127.0.0.1'"
        label = self.session.query("select enumlabel from pg_enum where enumtypid = to_regtype(:t) "
                                   "order by enumsortorder limit 1", t=typ)
        return quote_literal(label[0][0]) if label else None

    def primary_key(self, key: tuple[str, str]) -> tuple[str, ...]:
        for (_, kind, cols), _ in self.constraints(key):
            if kind == "primary key":
                return cols
        return ()

    def existing(self, key: tuple[str, str], values: dict[str, str]) -> dict[str, object] | None:
        """The row with these key values, if one is there already (a trigger may have made it)."""
        pk = self.primary_key(key)
        if not pk or not all(c in values for c in pk):
            return None
        memo = (key, tuple(values[c] for c in pk))
        if memo in self.known:
            return self.known[memo]
        where = " and ".join(f"{quote_ident(c)} = {values[c]}" for c in pk)
        found = self.session.execute(f"select {', '.join(quote_ident(c) for c in pk)} from {qualified(*key)} "
                                     f"where {where}")
        return self._remember(key, dict(zip(pk, found[0], strict=True))) if found else None

    def _remember(self, key: tuple[str, str], row: dict[str, object]) -> dict[str, object]:
        pk = self.primary_key(key)
        self.known[(key, tuple(quote_literal(str(row[c])) for c in pk))] = row
        return row

    def ensure(self, key: tuple[str, str], values: dict[str, str], depth: int = 0) -> dict[str, object]:
        """A row with these SQL values (filling the rest), inserted unless it exists; its primary key."""
        table = self.catalog.tables[key]
        row = dict(values)
        for (_, kind, cols), con in self.constraints(key):
            if kind != "foreign key" or len(cols) != 1 or con.ref_table == key:
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
        found = self.existing(key, row)
        if found is not None:
            return found
        for column in table.columns:
            if column.name in row or not column.not_null or column.default or column.identity:
                continue
            value = self.filler(table, column)
            if value is None:
                raise RuntimeError(f"cannot make up a value for {key[0]}.{key[1]}.{column.name} "
                                   f"({column.type})")
            row[column.name] = value
        pk = self.primary_key(key)
        for column in table.columns:  # fixed keys, so reports name the same rows on every run
            if column.name in pk and column.name not in row and column.type == "uuid":
                row[column.name] = self.filler(table, column)
        returning = ", ".join(quote_ident(c) for c in pk) or "1"
        names = ", ".join(quote_ident(n) for n in row)
        insert = (f"insert into {qualified(*key)} ({names}) values ({', '.join(row.values())})" if row
                  else f"insert into {qualified(*key)} default values")
        result = self.session.execute(f"{insert} returning {returning}")
        return self._remember(key, dict(zip(pk, result[0], strict=True))) if pk else {}

    def owned_values(self, owner: Ownership, user: str) -> dict[str, str]:
        """The column values that make a row belong to ``user``."""
        if owner.column:
            return {owner.column: quote_literal(user)}
        if owner.via:
            fk, parent, parent_key, parent_owner = owner.via
            row = self.ensure(parent, {parent_owner: quote_literal(user)})
            return {fk: quote_literal(str(row[parent_key]))}
        return {}


def constraints_by_table(catalog: Catalog) -> dict[tuple[str, str], list]:
    out: dict[tuple[str, str], list] = {}
    for key, con in catalog.constraints.items():
        out.setdefault(key[0], []).append((key, con))
    return out


class SeedError(RuntimeError):
    """The probe could not build test rows for a table (reported as skipped, with the reason)."""


def _claims(user: str, role: str) -> str:
    return json.dumps({"sub": user, "role": role})


class Probe:
    def __init__(self, session, catalog: Catalog):
        self.session = session
        self.catalog = catalog
        self.by_table = constraints_by_table(catalog)
        #: The table being probed's row maker: one per table, so made-up keys never repeat.
        self.seeder = _Seeder(session, catalog, self.by_table)
        #: The users' own rows (``profiles`` for A and B), made once for every table's probe.
        self.users: dict[tuple, dict[str, object]] = {}

    def run(self, project: m.Project, skip_tables: set = frozenset()) -> tuple[list[TableReport], list[Diagnostic]]:
        with self.session.scratch():  # the users' rows, shared by every table's probe, undone after them all
            self.users = self._seed_users(project, skip_tables)
            return self._run(project, skip_tables)

    def _seed_users(self, project: m.Project, skip_tables) -> dict[tuple, dict[str, object]]:
        """A's and B's rows in the tables owner columns point at, made once: every table's probe
        would otherwise make (and undo) the same two users. Where one cannot be made here, each
        table's probe tries again inside its own savepoint and reports why."""
        seeder = _Seeder(self.session, self.catalog, self.by_table)
        targets = []
        for table in project.tables:
            if not table.rls or table.key in skip_tables or table.key not in self.catalog.tables:
                continue
            column = ownership(table, project).column
            for (_, kind, cols), con in seeder.constraints(table.key):
                if kind == "foreign key" and cols == (column,) and con.ref_table in self.catalog.tables \
                        and len(con.ref_columns) == 1 and (con.ref_table, con.ref_columns[0]) not in targets:
                    targets.append((con.ref_table, con.ref_columns[0]))
        for target, column in targets:
            for user in (USER_A, USER_B):
                try:
                    with seeder.savepoint(keep=True):
                        seeder.ensure(target, {column: quote_literal(user)})
                except ContainmentBroken:
                    raise
                except Exception:  # each table's probe meets this again, and says why
                    pass
        return seeder.known

    def _run(self, project: m.Project, skip_tables) -> tuple[list[TableReport], list[Diagnostic]]:
        reports, found = [], []
        for table in project.tables:
            if table.rls and table.key in skip_tables:  # V204 says why, once
                reports.append(TableReport(table, Ownership(), skipped="it needs an extension this server lacks"))
                continue
            if not table.rls or table.key not in self.catalog.tables:
                continue
            report = self.probe_table(table, ownership(table, project))
            reports.append(report)
            if report.skipped:
                found.append(Diagnostic(table.pos, UNTESTED, "warning",
                                        f"the RLS probe could not test {table.schema}.{table.name}: {report.skipped}"))
            for outcome in report.outcomes:
                pos = next((p.pos for p in table.policies if p.name in outcome.policies), table.pos)
                names = ", ".join(f'"{n}"' for n in outcome.policies) or "no policy"
                where = f"{table.schema}.{table.name}"
                if outcome.status == "hole":
                    code, severity = (READ_HOLE, "warning") if outcome.read else (WRITE_HOLE, "error")
                    found.append(Diagnostic(pos, code, severity, f"{outcome.result} on {where} with "
                                                                 f"`{outcome.statement}` (allowed by {names})"))
                elif outcome.status == "untested":
                    found.append(Diagnostic(pos, UNTESTED, "warning",
                                            f"the RLS probe could not test {outcome.action} on {where}, so it "
                                            f"proves nothing about the policies: {outcome.result}; "
                                            f"`{outcome.statement}`"))
        return reports, found

    def _seed_pair(self, table: m.Table, owner: Ownership) -> tuple[dict, dict, tuple[str, ...]]:
        seeder = self.seeder
        pk = seeder.primary_key(table.key)
        if not pk:
            raise SeedError("the table has no primary key, so the probe cannot tell A's rows from B's")
        rows = {}
        try:  # inside the table's scratch savepoint, which undoes a failed seeding too
            for who in (USER_A, USER_B):
                rows[who] = seeder.ensure(table.key, seeder.owned_values(owner, who))
        except ContainmentBroken:
            raise
        except Exception as exc:  # a row the probe cannot make up: say why, probe the rest
            raise SeedError(f"could not seed rows for A and B: {Failure.of(exc).message}") from None
        return rows[USER_A], rows[USER_B], pk

    def _seed(self, table: m.Table, owner: Ownership) -> tuple:
        """A's and B's rows, for every scenario of the table (each rolls back its own work)."""
        row_a, row_b, pk = self._seed_pair(table, owner)
        b_where = " and ".join(f"{quote_ident(c)} = {quote_literal(str(row_b[c]))}" for c in pk)
        before = self.session.execute(f"select xmin::text from {qualified(*table.key)} where {b_where}")[0][0]
        return row_a, row_b, pk, b_where, before

    def _scenarios(self, table: m.Table, seeded: tuple, wanted: list[tuple[str, str | None, str]]) -> list[Scenario]:
        """Act as each role, run each statement, then look at B's row; each undone, all of them in
        one round trip (``Session.try_many``).

        B's row is checked directly rather than inferred from a row count: gone means deleted,
        and a new ``xmin`` means updated, because the statement runs under a savepoint whose
        subtransaction stamps every row version it writes.
        """
        row_a, row_b, pk, b_where, before = seeded
        b_version = f"select xmin::text from {qualified(*table.key)} where {b_where}"
        statements = [sql.format(b_where=b_where, pk=", ".join(quote_ident(c) for c in pk)) for _, _, sql in wanted]
        # A read changes nothing: only writes are followed by a look at B's row.
        results = self.session.try_many([(role, _claims(user, role) if user else None, statement,
                                          [] if statement.startswith("select ") else [b_version])
                                         for (role, user, _), statement in zip(wanted, statements, strict=True)])
        out = []
        for statement, (rows, error, looked) in zip(statements, results, strict=True):
            failure = Failure.of(error) if error is not None else None
            after = looked[0] if looked and failure is None else [[before]]  # a failed statement changed nothing
            seen = {tuple(str(v) for v in row) for row in rows}
            out.append(Scenario(
                statement=statement,
                failure=failure,
                rows=len(rows),
                saw_a=tuple(str(row_a[c]) for c in pk) in seen,
                saw_b=tuple(str(row_b[c]) for c in pk) in seen,
                b_changed=bool(after) and after[0][0] != before,
                b_deleted=not after,
            ))
        return out

    def probe_table(self, table: m.Table, owner: Ownership) -> TableReport:
        report = TableReport(table, owner)
        facts = self.catalog.tables[table.key]
        seeder = self.seeder = _Seeder(self.session, self.catalog, self.by_table, self.users)
        primary = set(seeder.primary_key(table.key))
        fixed = {owner.column} if owner.column else ({owner.via[0]} if owner.via else set())
        # A column set to its default reads nothing, as a client's `set col = $1` reads nothing:
        # reading a column would make PostgreSQL apply the select policy too.
        settable = next((c.name for c in facts.columns
                         if c.name not in fixed and c.name not in primary and (c.default or not c.not_null)), None)
        others = "B's row" if (owner.column or owner.via) else "a row A did not create"

        with self.session.scratch():  # the rows for A and B, shared by the scenarios, each undone
            try:
                seeded = self._seed(table, owner)
            except SeedError as exc:
                report.skipped = str(exc)
                return report
            self._probe_seeded(report, seeded, settable, others)
        return report

    def _probe_seeded(self, report: TableReport, seeded: tuple, settable: str | None, others: str) -> None:
        table, owner = report.table, report.ownership
        name = qualified(table.schema, table.name)

        def add(action: str, statement: str, result: str, status: Status, command: str,
                role: str = "authenticated", read: bool = False) -> None:
            report.outcomes.append(Outcome(action, statement, result, status, applicable(table, role, command),
                                           read))

        def untested(failure: Failure) -> str:
            return failure.message

        writes = [("delete", "deletes", f"delete from {name}")]
        if settable:
            writes.insert(0, ("update", "changes", f"update {name} set {quote_ident(settable)} = default"))
        variants = (("no where", ""), ("where on B's row", " where {b_where}"))
        wanted = [("authenticated", USER_A, f"select {{pk}} from {name}")]
        wanted += [("authenticated", USER_A, sql + where) for _, _, sql in writes for _, where in variants]
        wanted.append(("anon", None, f"select {{pk}} from {name}"))
        seen, *written, anon = self._scenarios(table, seeded, wanted)
        if seen.failure:
            add("select", seen.statement, untested(seen.failure), "untested", "select")
        elif seen.saw_b:
            add("select", seen.statement, f"A reads {others}", "hole", "select", read=True)
        else:
            add("select", seen.statement, f"A sees {'its own row' if seen.saw_a else 'not even its own row'}, "
                                          f"not {others}", "ok", "select")

        if owner.column or owner.via:
            for whose, (statement, failure) in zip(("own", "B's"), self._inserts(table, owner, (USER_A, USER_B)),
                                                   strict=True):
                if failure is None:
                    hole = whose == "B's"
                    add(f"insert ({whose} row)", statement, "A creates a row owned by B" if hole else "allowed",
                        "hole" if hole else "ok", "insert")
                elif failure.is_rls:
                    add(f"insert ({whose} row)", statement, f"refused: {failure.message}", "ok", "insert")
                else:
                    add(f"insert ({whose} row)", statement, untested(failure), "untested", "insert")
        else:
            [(statement, failure)] = self._inserts(table, owner, (None,))
            if failure is None or failure.is_rls:
                add("insert", statement, "allowed" if failure is None else f"refused: {failure.message}", "ok",
                    "insert")
            else:
                add("insert", statement, untested(failure), "untested", "insert")

        outcomes = iter(written)
        for command, verb, _ in writes:
            for variant, _ in variants:
                outcome = next(outcomes)
                touched = outcome.b_deleted if command == "delete" else outcome.b_changed
                action = f"{command} ({variant})"
                if touched:
                    add(action, outcome.statement, f"A {verb} {others}", "hole", command)
                elif outcome.failure and not outcome.failure.is_rls:
                    add(action, outcome.statement, untested(outcome.failure), "untested", command)
                elif outcome.failure:
                    add(action, outcome.statement, f"refused: {outcome.failure.message}", "ok", command)
                else:
                    add(action, outcome.statement, f"{others} untouched", "ok", command)

        granted = applicable(table, "anon", "select")
        if anon.failure:
            add("anon select", anon.statement, untested(anon.failure), "untested", "select", "anon")
        else:
            add("anon select", anon.statement, f"anon sees {anon.rows} rows",
                "hole" if anon.rows and not granted else "ok", "select", "anon", read=True)

    def _inserts(self, table: m.Table, owner: Ownership, users: tuple[str | None, ...]) -> list[tuple[str, Failure | None]]:
        """Insert a row owned by each of ``users`` as A, without ``returning``, each undone before
        the next and all in one round trip; each statement, and why it failed if it did."""
        seeder = self.seeder
        prepared: list[tuple[str, Failure | None]] = []
        with seeder.savepoint():  # the rows the inserts need, undone after them
            for user in users:
                try:
                    with seeder.savepoint(keep=True):  # a failed preparation is undone alone
                        prepared.append((self._insert_statement(table, owner, user), None))
                except ContainmentBroken:
                    raise
                except Exception as exc:
                    prepared.append((f"insert into {qualified(*table.key)} …", Failure.of(exc)))
            claims = _claims(USER_A, "authenticated")
            results = iter(self.session.try_many([("authenticated", claims, statement, [])
                                                  for statement, failure in prepared if failure is None]))
        out = []
        for statement, failure in prepared:
            if failure is None:
                _, error, _ = next(results)
                failure = Failure.of(error) if error is not None else None
            out.append((statement, failure))
        return out

    def _insert_statement(self, table: m.Table, owner: Ownership, user: str | None) -> str:
        """The insert of a row for ``user`` (None: no owner), its parent rows made first."""
        seeder = self.seeder
        facts = self.catalog.tables[table.key]
        # both users' rows and parents exist, as in every other scenario, so the row
        # inserted for A and the one for B name different parents
        owned = {who: seeder.owned_values(owner, who) for who in (USER_A, USER_B)}
        values = dict(owned[user]) if user else {}
        for column in facts.columns:
            if column.not_null and not column.default and not column.identity and column.name not in values:
                values[column.name] = seeder.filler(facts, column)
        for (_, kind, cols), con in seeder.constraints(table.key):
            if kind != "foreign key" or len(cols) != 1 or cols[0] not in values \
                    or cols[0] in (owner.column, owner.via[0] if owner.via else None) \
                    or con.ref_table not in self.catalog.tables:
                continue
            parent = seeder.ensure(con.ref_table, {})
            values[cols[0]] = quote_literal(str(parent[con.ref_columns[0]]))
        if owner.column and user:  # the owner's own row where the key points at the users
            fk = next((con for (_, kind, cols), con in seeder.constraints(table.key)
                       if kind == "foreign key" and cols == (owner.column,)), None)
            if fk is not None and fk.ref_table in self.catalog.tables:
                seeder.ensure(fk.ref_table, {fk.ref_columns[0]: quote_literal(user)})
        name = qualified(*table.key)
        return (f"insert into {name} ({', '.join(quote_ident(c) for c in values)}) "
                f"values ({', '.join(values.values())})" if values else f"insert into {name} default values")


def coverage(reports: list, tables_with_rls: int) -> str:
    outcomes = [o for r in reports for o in r.outcomes]
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in ("ok", "hole", "untested")}
    tables = [r for r in reports if isinstance(r, TableReport)]
    buckets = [r for r in reports if not isinstance(r, TableReport)]
    probed = sum(1 for r in tables if not r.skipped)
    line = f"coverage: {probed} of {tables_with_rls} tables with RLS probed"
    if buckets:
        line += f", {sum(1 for r in buckets if not r.skipped)} of {len(buckets)} buckets"
    line += (f"; {len(outcomes)} checks: {counts['ok']} ok, {counts['hole']} holes, "
             f"{counts['untested']} could not test")
    skipped = [f"{r.heading.split(' (')[0]} ({r.skipped})" for r in reports if r.skipped]
    return line + (f"; skipped: {', '.join(skipped)}" if skipped else "")


MARKS = {"ok": "ok  ", "hole": "HOLE", "untested": "n/a "}


def format_report(reports: list, tables_with_rls: int) -> str:
    lines = []
    for report in reports:
        lines.append(report.heading)
        if report.skipped:
            lines.append(f"  skipped: {report.skipped}")
            continue
        for outcome in report.outcomes:
            policies = ", ".join(f'"{p}"' for p in outcome.policies) or "no policy applies"
            result = f"could not test: {outcome.result}" if outcome.status == "untested" else outcome.result
            lines.append(f"  {MARKS[outcome.status]} {outcome.action:<26} {result}")
            lines.append(f"       {'':<26} policies: {policies}")
            lines.append(f"       {'':<26} sql: {outcome.statement}")
    lines.append(coverage(reports, tables_with_rls))
    return "\n".join(lines) + "\n"
