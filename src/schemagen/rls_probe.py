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

On a throwaway server, a large schema is probed on several connections at once: tables that
write to the same tables (parents and children, triggers) stay on one connection, and a table
whose checks met another connection's locks is probed again alone, so the findings are the
ones a single connection makes.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Iterator, Literal

from . import model as m
from .catalog import Catalog
from .kinds.table.catalog import TableFacts
from .db import ConnectionProblem, ContainmentBroken, backend_request
from .diagnostics import Diagnostic, counted
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

    @property
    def writes(self) -> bool:
        """Whether the statement would change rows: one the probe could not test may hide a hole,
        unless the role has no privilege to try it at all (then no policy is asked, and nothing
        gets through either)."""
        return self.statement.lstrip().split(None, 1)[0].lower() in ("insert", "update", "delete") \
            and not self.result.startswith("permission denied for ")


def finding(table: m.Table, outcome: Outcome) -> Diagnostic | None:
    """What an outcome says, at the policy that allowed it (the table when none did)."""
    pos = next((p.pos for p in table.policies if p.name in outcome.policies), table.pos)
    names = ", ".join(f'"{n}"' for n in outcome.policies) or "no policy"
    where = f"{table.schema}.{table.name}"
    if outcome.status == "hole":
        code, severity = (READ_HOLE, "warning") if outcome.read else (WRITE_HOLE, "error")
        return Diagnostic(pos, code, severity, f"{outcome.result} on {where} with `{outcome.statement}` "
                                               f"(allowed by {names})")
    if outcome.status == "untested":
        return untested_finding(pos, f"{outcome.action} on {where}", outcome.writes,
                                f"{outcome.result}; `{outcome.statement}`")
    return None


def untested_finding(pos: m.SourcePos, what: str, writes: bool, why: str) -> Diagnostic:
    """What the probe could not test. A write it could not try may hide a hole (a delete behind a
    failing trigger): an error, until what stopped it is fixed or a waiver says why that is fine.
    A read it could not try is a warning."""
    if writes:
        return Diagnostic(pos, UNTESTED, "error", f"the RLS probe could not test {what}, so a hole there would go "
                                                  f"unseen: {why}; fix what stopped it, or waive V302 with the reason")
    return Diagnostic(pos, UNTESTED, "warning", f"the RLS probe could not test {what}, so it proves nothing about "
                                                f"the policies: {why}")


@dataclass(frozen=True)
class Failure:
    """Why a statement did not run: PostgreSQL's SQLSTATE and message."""

    code: str
    message: str

    @property
    def is_rls(self) -> bool:
        return self.code == "42501" and self.message.startswith(RLS_REFUSAL)

    @property
    def after_rls(self) -> bool:
        """An insert that broke a constraint (a key, not null, a check, a reference) had passed its
        policies: PostgreSQL checks WITH CHECK before a row's constraints and its index entries. So
        RLS let it through; only the row's data stopped it (A's profile a trigger on auth.users made)."""
        return self.code.startswith("23")

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
    #: A concurrent probe got in the way: these findings are not the policies' (``Probe.CONTENTION``).
    contended: bool = False

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

    def __init__(self, session, catalog: Catalog, by_table: dict | None = None, known: dict | None = None,
                 enum_labels: dict | None = None):
        self.session = session
        #: Set while working out statements that must need no round trip: what would need one raises
        #: ``NeedsDatabase`` instead.
        self.dry = False
        #: Each enum type's labels, as the catalog orders them.
        self.enum_labels: dict[str, tuple[str, ...]] = enum_labels if enum_labels is not None else {}
        #: Whether columns of a unique key that draw from a short list (enum labels, a check's value
        #: list, booleans) take its values in turn rather than the first each time: set when rows
        #: made the plain way collided (``unique (role, permission)`` over two enums). Not the
        #: default: a trigger's own row (``(new.id, 'member')``) may hold the next value.
        self.vary = False
        #: Values given so far per (table, column) when ``vary`` is set.
        self.turns: dict[tuple, int] = {}
        self.catalog = catalog
        self.counter = 0
        #: Each table's constraints, (key, facts) as the catalog keys them: looked up per row made,
        #: so a scan of every table's would make the probe quadratic in the schema's size.
        self.by_table = by_table if by_table is not None else constraints_by_table(catalog)
        #: Rows known to be there, by (table, key values as SQL): a lookup that needs no round trip.
        #: Whoever rolls back a savepoint the seeder worked under puts back what was known before.
        self.known: dict[tuple, dict[str, object]] = dict(known or {})
        #: Whose rows are being made (A or B): a file a row needs in storage.objects is theirs.
        self.acting: str | None = None

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
        """A value of the column's type, distinct per call so unique columns never collide, except
        where the type allows a few values only (an enum, a check's value list, a boolean): the
        first, or with ``vary`` the next in a unique key."""
        self.counter += 1
        n = self.counter
        for _, con in self.constraints((table.schema, table.name)):
            if con.kind == "check" and con.columns == (column.name,) and "ANY (ARRAY[" in con.definition:
                listed = _quoted_values(con.definition)
                if listed:
                    return self._choose(table, column, listed)
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
            return self._choose(table, column, ("false", "true"))
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
        if typ not in self.enum_labels:
            if self.dry:
                raise NeedsDatabase
            labels = self.session.query("select enumlabel from pg_enum where enumtypid = to_regtype(:t) "
                                        "order by enumsortorder", t=typ)
            self.enum_labels[typ] = tuple(label for label, in labels)
        labels = self.enum_labels[typ]
        return self._choose(table, column, tuple(quote_literal(label) for label in labels)) if labels else None

    def _choose(self, table: TableFacts, column, values: tuple[str, ...]) -> str:
        if not self.vary or column.name not in self.catalog.unique_keyed.get((table.schema, table.name), ()):
            return values[0]
        turn = self.turns.get((table.schema, table.name, column.name), 0)
        self.turns[(table.schema, table.name, column.name)] = turn + 1
        return values[turn % len(values)]

    def nulls_not_distinct(self, key: tuple[str, str]) -> set[str]:
        """Columns of the table's ``nulls not distinct`` unique keys: two rows that leave one null
        collide there, so A's and B's rows each get a value of their own."""
        return set(self.catalog.nulls_not_distinct.get(key, ())) | {
            column for (_, kind, cols), con in self.constraints(key)
            if kind == "unique" and "NULLS NOT DISTINCT" in con.definition for column in cols}

    def primary_key(self, key: tuple[str, str]) -> tuple[str, ...]:
        for (_, kind, cols), _ in self.constraints(key):
            if kind == "primary key":
                return cols
        return ()

    def existing(self, key: tuple[str, str], values: dict[str, str]) -> dict[str, object] | None:
        """The row with these key values, if one is there already (a trigger may have made it: the
        profile a trigger on auth.users files under the user's id, unique but not the primary key)."""
        pk = self.primary_key(key)
        if not pk:
            return None
        if all(c in values for c in pk):
            memo = (key, tuple(values[c] for c in pk))
            if memo in self.known:
                return self.known[memo]
            match = pk
        else:
            match = next((cols for (_, kind, cols), _ in self.constraints(key)
                          if kind == "unique" and cols and all(c in values for c in cols)), None)
            if match is None:
                return None
        if self.dry:
            raise NeedsDatabase
        where = " and ".join(f"{quote_ident(c)} = {values[c]}" for c in match)
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
        if key == ("storage", "objects"):
            self._as_uploaded(row)
        found = self.existing(key, row)
        if found is not None:
            return found
        distinct_nulls = self.nulls_not_distinct(key)
        for column in table.columns:
            if column.name in row or (column.default and not _REQUEST_BOUND.search(column.default)) or \
                    column.identity or not (column.not_null or column.name in distinct_nulls):
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
        if self.dry:
            raise NeedsDatabase
        returning = ", ".join(quote_ident(c) for c in pk) or "1"
        try:
            with self.session.attempt():
                result = self.session.execute(f"{_insert(key, row)} returning {returning}")
        except ContainmentBroken:
            raise
        except Exception as exc:
            if Failure.of(exc).code != CHECK_VIOLATION:
                raise
            # a check that couples columns (a slug unless it is a personal account): the columns
            # left null are given values too, and the row tried once more
            for column in table.columns:
                if column.name not in row and not column.identity and not column.generated and not column.default:
                    value = self.filler(table, column)
                    if value is not None:
                        row[column.name] = value
            result = self.session.execute(f"{_insert(key, row)} returning {returning}")
        return self._remember(key, dict(zip(pk, result[0], strict=True))) if pk else {}

    def act_as(self, user: str | None) -> None:
        """Rows made from now on are ``user``'s: a file they need in storage.objects is in their
        folder. (Made without their claims: a trigger that stamps ``auth.uid()`` would then also
        file the rows the seeder makes itself, and they would collide.)"""
        self.acting = user

    def _as_uploaded(self, row: dict[str, str]) -> None:
        """A file as the Storage API stores one a user uploads: in the user's folder (``<uid>/…``),
        owned by them. A trigger on storage.objects (one that files a document per upload) reads
        both, where the bare row the columns alone call for has neither."""
        user = quote_literal(self.acting or USER_A)
        self.counter += 1
        row.setdefault("name", quote_literal(f"{self.acting or USER_A}/probe-{self.counter}.txt"))
        row.setdefault("owner", user)
        row.setdefault("owner_id", user)

    def owned_values(self, owner: Ownership, user: str) -> dict[str, str]:
        """The column values that make a row belong to ``user``."""
        if owner.column:
            return {owner.column: quote_literal(user)}
        if owner.via:
            fk, parent, parent_key, parent_owner = owner.via
            row = self.ensure(parent, {parent_owner: quote_literal(user)})
            return {fk: quote_literal(str(row[parent_key]))}
        return {}


CHECK_VIOLATION = "23514"


def _insert(key: tuple[str, str], row: dict[str, str]) -> str:
    names = ", ".join(quote_ident(n) for n in row)
    return (f"insert into {qualified(*key)} ({names}) values ({', '.join(row.values())})" if row
            else f"insert into {qualified(*key)} default values")


#: Defaults that read the request (``default auth.uid()``): null for rows the probe makes outside
#: one, so a not null column with such a default is given a value like one without.
_REQUEST_BOUND = re.compile(r"\bauth\s*\.\s*(?:uid|jwt|role|email)\s*\(|\bcurrent_setting\s*\(", re.IGNORECASE)


def _quoted_values(check: str) -> tuple[str, ...]:
    """The literals of a value list check (``status = ANY (ARRAY['a'::text, 'b'::text])``, as
    PostgreSQL writes ``status in ('a', 'b')``), as SQL."""
    from .sqltokens import tokenize

    tokens = tokenize(check)
    start = next((i for i, t in enumerate(tokens) if t.kind == "word" and t.ident == "array"), None)
    if start is None:
        return ()
    values = []
    for token in tokens[start + 1:]:
        if token.text == "]":
            break
        if token.kind == "string":
            values.append(token.text)
    return tuple(values)


def constraints_by_table(catalog: Catalog) -> dict[tuple[str, str], list]:
    out: dict[tuple[str, str], list] = {}
    for key, con in catalog.constraints.items():
        out.setdefault(key[0], []).append((key, con))
    return out


class NeedsDatabase(Exception):
    """Working out a statement without a round trip was not possible: it needs rows or facts not known yet."""


class SeedError(RuntimeError):
    """The probe could not build test rows for a table (reported as skipped, with the reason)."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        #: PostgreSQL's SQLSTATE, where a statement failed.
        self.code = code


UNIQUE_VIOLATION = "23505"
#: How rows are made, one attempt after another while they collide on a unique key: the plain way
#: (first values), then with short lists taken in turn, the turns going on from attempt to attempt
#: past the combinations rows already there hold (reference data a migration inserted).
SEED_ATTEMPTS = (False, True, True, True)


#: When the probe's tokens were issued and until when they hold (2026-01-01, 2100-01-01): fixed, so
#: every run sends the same claims, and a policy that checks ``exp`` against now() sees a live token.
ISSUED_AT, EXPIRES_AT = 1767225600, 4102444800


def _claims(user: str | None, role: str) -> str:
    """The JWT's claims as PostgREST hands them to the database (``request.jwt.claims``): for a
    signed-in user, what Supabase Auth puts in an access token after a password sign-in; for a
    visitor, what the project's anon key holds. Policies read ``aal``, ``session_id``,
    ``is_anonymous``, ``app_metadata`` and ``email`` as well as ``sub``."""
    if user is None:
        return json.dumps({"iss": "supabase", "role": role, "iat": ISSUED_AT, "exp": EXPIRES_AT})
    letter = user[-1]
    return json.dumps({
        "aud": "authenticated", "exp": EXPIRES_AT, "iat": ISSUED_AT, "iss": "https://probe.supabase.co/auth/v1",
        "sub": user, "email": f"user-{letter}@probe.schemagen.test", "phone": "",
        "app_metadata": {"provider": "email", "providers": ["email"]}, "user_metadata": {},
        "role": role, "aal": "aal1", "amr": [{"method": "password", "timestamp": ISSUED_AT}],
        "session_id": f"00000000-0000-4000-9000-00000000000{letter}", "is_anonymous": False})


#: Tables to probe from which a throwaway server's probe spreads over several connections.
PARALLEL_FROM_TABLES = 64
#: What PostgreSQL says when concurrent probes got in each other's way (a deadlock, a lock waited
#: on too long): the table's findings would be about the probe, not the policies, so it is probed
#: again alone.
CONTENTION = ("40P01", "55P03", "40001")


class Probe:
    def __init__(self, session, catalog: Catalog, by_table: dict | None = None):
        self.session = session
        self.catalog = catalog
        self.by_table = by_table if by_table is not None else constraints_by_table(catalog)
        #: Whether a statement of the table being probed failed for contention, not for a policy.
        self.contended = False
        #: The table being probed's row maker: one per table, so made-up keys never repeat.
        self.seeder = _Seeder(session, catalog, self.by_table)
        #: The users' own rows (``profiles`` for A and B), made once for every table's probe.
        self.users: dict[tuple, dict[str, object]] = {}
        self.enum_labels: dict[str, tuple[str, ...]] = {}

    def run(self, project: m.Project, skip_tables: set = frozenset(),
            more_sessions=None) -> tuple[list[TableReport], list[Diagnostic]]:
        """Probe every table with RLS. ``more_sessions``, given on a throwaway server only (it
        commits there), opens further sessions: a large schema is then probed on several
        connections at once, with the same findings as one connection would make."""
        targets = [t for t in project.tables
                   if t.rls and t.key not in skip_tables and t.key in self.catalog.tables]
        backend_request(self.session)
        if more_sessions is None or len(targets) < PARALLEL_FROM_TABLES:
            with self.session.scratch():  # the users' rows, shared by every table's probe, undone after them all
                self.users = self._seed_users(project, skip_tables)
                reports = {t.key: self.probe_table(t, ownership(t, project)) for t in targets}
        else:
            reports = self._run_parallel(project, skip_tables, targets, more_sessions)
        return self._assemble(project, skip_tables, reports)

    def _run_parallel(self, project: m.Project, skip_tables, targets: list[m.Table],
                      more_sessions) -> dict[tuple[str, str], TableReport]:
        """The users' rows and tables are made and probed here first, then committed with the
        stages, so that every connection sees them; the other tables are split into groups that
        share no table they write (a table goes with its parents and children), each probed on a
        connection of its own, every table still in its own savepoint, undone. A table a
        concurrent probe got in the way of is probed again here, alone."""
        import os
        from concurrent.futures import ThreadPoolExecutor

        self.users = self._seed_users(project, skip_tables)
        users_tables = {key for key, _ in self.users}
        reports = {t.key: self.probe_table(t, ownership(t, project)) for t in targets if t.key in users_tables}
        components = _components(project, self.catalog, self.by_table,
                                 [t for t in targets if t.key not in users_tables], users_tables)
        self.session.publish()
        sessions = [self.session]
        try:
            for _ in range(min(os.cpu_count() or 1, 4, len(components)) - 1):
                try:
                    sessions.append(more_sessions())
                    backend_request(sessions[-1])
                except ConnectionProblem:  # the server takes no more connections: fewer groups, same findings
                    break
            groups = _balanced(components, len(sessions), targets)
            probes = [self] + [Probe(session, self.catalog, self.by_table) for session in sessions[1:]]
            for probe in probes[1:]:
                probe.users, probe.enum_labels = self.users, dict(self.enum_labels)
            with ThreadPoolExecutor(len(groups)) as pool:
                done = [pool.submit(probe._probe_group, project, group)
                        for probe, group in zip(probes, groups, strict=True)]
                for future in done:
                    reports.update(future.result())
        finally:
            for session in sessions[1:]:
                session.close()
        for table in targets:
            if reports[table.key].contended:
                reports[table.key] = self.probe_table(table, ownership(table, project))
        return reports

    def _failure(self, exc: BaseException) -> Failure:
        failure = Failure.of(exc)
        self.contended = self.contended or failure.code in CONTENTION
        return failure

    def _probe_group(self, project: m.Project, tables: list[m.Table]) -> dict[tuple[str, str], TableReport]:
        self.session.execute("set local lock_timeout = '2s'")  # a wait that long is contention: probed again
        return {t.key: self.probe_table(t, ownership(t, project)) for t in tables}

    def _seed_users(self, project: m.Project, skip_tables) -> dict[tuple, dict[str, object]]:
        """A's and B's rows in the tables owner columns point at, made once: every table's probe
        would otherwise make (and undo) the same two users. Where one cannot be made here, each
        table's probe tries again inside its own savepoint and reports why."""
        seeder = _Seeder(self.session, self.catalog, self.by_table, enum_labels=self.enum_labels)
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
                seeder.act_as(user)
                try:
                    with seeder.savepoint(keep=True):
                        seeder.ensure(target, {column: quote_literal(user)})
                except ContainmentBroken:
                    raise
                except Exception:  # each table's probe meets this again, and says why
                    pass
        seeder.act_as(None)
        return seeder.known

    def _assemble(self, project: m.Project, skip_tables,
                  reports: dict[tuple[str, str], TableReport]) -> tuple[list[TableReport], list[Diagnostic]]:
        """The reports in the specs' order, and their findings."""
        out, found = [], []
        for table in project.tables:
            if table.rls and table.key in skip_tables:  # V204 says why, once
                out.append(TableReport(table, Ownership(), skipped="it needs an extension this server lacks"))
                continue
            if table.key not in reports:
                continue
            report = reports[table.key]
            out.append(report)
            if report.skipped:
                found.append(untested_finding(table.pos, f"{table.schema}.{table.name} (its reads and writes)", True,
                                              report.skipped))
            found += [d for d in map(partial(finding, table), report.outcomes) if d is not None]
        return out, found

    def _seed_pair(self, table: m.Table, owner: Ownership) -> tuple[dict, dict, tuple[str, ...]]:
        seeder = self.seeder
        pk = seeder.primary_key(table.key)
        if not pk:
            raise SeedError("the table has no primary key, so the probe cannot tell A's rows from B's")
        rows = {}
        try:  # inside the table's scratch savepoint, which undoes a failed seeding too
            for who in (USER_A, USER_B):
                seeder.act_as(who)
                rows[who] = seeder.ensure(table.key, seeder.owned_values(owner, who))
            seeder.act_as(None)
        except ContainmentBroken:
            raise
        except Exception as exc:  # a row the probe cannot make up: say why, probe the rest
            failure = self._failure(exc)
            raise SeedError(f"could not seed rows for A and B: {failure.message}", failure.code) from None
        return rows[USER_A], rows[USER_B], pk

    def _seed(self, table: m.Table, owner: Ownership) -> tuple:
        """A's and B's rows, for every scenario of the table (each rolls back its own work)."""
        row_a, row_b, pk = self._seed_pair(table, owner)
        b_where = " and ".join(f"{quote_ident(c)} = {quote_literal(str(row_b[c]))}" for c in pk)
        before = self.session.execute(f"select xmin::text from {qualified(*table.key)} where {b_where}")[0][0]
        return row_a, row_b, pk, b_where, before

    def _scenarios(self, table: m.Table, seeded: tuple, wanted: list[tuple[str, str | None, str, bool]]) -> list[Scenario]:
        """Act as each role and run each statement, then (where ``wanted`` says to look) look at B's
        row; each undone, all of them in one round trip (``Session.try_many``).

        B's row is checked directly rather than inferred from a row count: gone means deleted,
        and a new ``xmin`` means updated, because the statement runs under a savepoint whose
        subtransaction stamps every row version it writes.
        """
        row_a, row_b, pk, b_where, before = seeded
        b_version = f"select xmin::text from {qualified(*table.key)} where {b_where}"
        results = self.session.try_many([(role, _claims(user, role), statement,
                                          [b_version] if look else [])
                                         for role, user, statement, look in wanted])
        out = []
        for (_, _, statement, _), (rows, error, looked) in zip(wanted, results, strict=True):
            failure = self._failure(error) if error is not None else None
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
        self.contended = False
        report = self._probe_table(table, owner)
        report.contended = self.contended
        return report

    def _probe_table(self, table: m.Table, owner: Ownership) -> TableReport:
        report = TableReport(table, owner)
        facts = self.catalog.tables[table.key]
        seeder = self.seeder = _Seeder(self.session, self.catalog, self.by_table, self.users, self.enum_labels)
        primary = set(seeder.primary_key(table.key))
        fixed = {owner.column} if owner.column else ({owner.via[0]} if owner.via else set())
        # A column set to its default reads nothing, as a client's `set col = $1` reads nothing:
        # reading a column would make PostgreSQL apply the select policy too.
        settable = next((c.name for c in facts.columns
                         if c.name not in fixed and c.name not in primary and (c.default or not c.not_null)), None)
        others = "B's row" if (owner.column or owner.via) else "a row A did not create"

        for attempt, vary in enumerate(SEED_ATTEMPTS, start=1):
            with self.session.scratch():  # the rows for A and B, shared by the scenarios, each undone
                seeder.vary = vary
                try:
                    seeded = self._seed(table, owner)
                except SeedError as exc:
                    if exc.code == UNIQUE_VIOLATION and attempt < len(SEED_ATTEMPTS):
                        seeder.known = dict(self.users)
                        continue
                    report.skipped = str(exc)
                    break
                self._probe_seeded(report, seeded, settable, others)
                break
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
        _, _, pk, b_where, _ = seeded
        select = f"select {', '.join(quote_ident(c) for c in pk)} from {name}"
        variants = (("no where", ""), ("where on B's row", f" where {b_where}"))
        owners = (USER_A, USER_B) if owner.column or owner.via else (None,)
        prepared = self._prepared_inserts(table, owner, owners)
        wanted = [("authenticated", USER_A, select, False)]
        wanted += [("authenticated", USER_A, sql + where, True) for _, _, sql in writes for _, where in variants]
        wanted.append(("anon", None, select, False))
        wanted += [("authenticated", USER_A, statement, False) for statement, failure in prepared or () if failure is None]
        scenarios = self._scenarios(table, seeded, wanted)
        seen, *written, anon = scenarios[:len(writes) * len(variants) + 2]
        inserted = iter(scenarios[len(writes) * len(variants) + 2:])
        if prepared is None:  # their preparation needs rows made first: in a round trip of their own
            inserts = self._inserts(table, owner, owners)
        else:
            inserts = [(statement, failure if failure is not None else next(inserted).failure)
                       for statement, failure in prepared]
        if seen.failure:
            add("select", seen.statement, untested(seen.failure), "untested", "select")
        elif seen.saw_b:
            add("select", seen.statement, f"A reads {others}", "hole", "select", read=True)
        else:
            add("select", seen.statement, f"A sees {'its own row' if seen.saw_a else 'not even its own row'}, "
                                          f"not {others}", "ok", "select")

        if owner.column or owner.via:
            for whose, (statement, failure) in zip(("own", "B's"), inserts, strict=True):
                if failure is None or failure.after_rls:
                    hole = whose == "B's"
                    then = f" (RLS let it through; then {failure.message})" if failure else ""
                    add(f"insert ({whose} row)", statement, ("A creates a row owned by B" if hole else "allowed") + then,
                        "hole" if hole else "ok", "insert")
                elif failure.is_rls:
                    add(f"insert ({whose} row)", statement, f"refused: {failure.message}", "ok", "insert")
                else:
                    add(f"insert ({whose} row)", statement, untested(failure), "untested", "insert")
        else:
            [(statement, failure)] = inserts
            if failure is None or failure.is_rls or failure.after_rls:
                add("insert", statement, "allowed" if failure is None else f"refused: {failure.message}"
                    if failure.is_rls else f"allowed (RLS let it through; then {failure.message})", "ok", "insert")
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

    def _prepared_inserts(self, table: m.Table, owner: Ownership,
                          users: tuple[str | None, ...]) -> list[tuple[str, Failure | None]] | None:
        """The inserts, worked out from rows already known, so that they can join the table's other
        checks in one round trip; None when one needs a row made or looked up first."""
        seeder = self.seeder
        counter, known = seeder.counter, dict(seeder.known)
        seeder.dry = True
        try:
            return [self._prepare(table, owner, user) for user in users]
        except NeedsDatabase:
            seeder.counter, seeder.known = counter, known  # worked out again, the same way, with the database
            return None
        finally:
            seeder.dry = False

    def _prepare(self, table: m.Table, owner: Ownership, user: str | None) -> tuple[str, Failure | None]:
        """One insert worked out without the database (a failure here is the spec's, not a row's)."""
        try:
            return self._insert_statement(table, owner, user), None
        except (ContainmentBroken, NeedsDatabase):
            raise
        except Exception as exc:
            return f"insert into {qualified(*table.key)} …", self._failure(exc)

    def _inserts(self, table: m.Table, owner: Ownership, users: tuple[str | None, ...]) -> list[tuple[str, Failure | None]]:
        """Insert a row owned by each of ``users`` as A, without ``returning``, each undone before
        the next and all in one round trip; each statement, and why it failed if it did."""
        seeder = self.seeder
        prepared: list[tuple[str, Failure | None]] = []
        with seeder.savepoint():  # the rows the inserts need, undone after them
            for user in users:
                try:
                    with seeder.savepoint(keep=True):  # a failed preparation is undone alone
                        statement = self._insert_statement(table, owner, user)
                    prepared.append((statement, None))
                except ContainmentBroken:
                    raise
                except Exception as exc:
                    prepared.append((f"insert into {qualified(*table.key)} …", self._failure(exc)))
            claims = _claims(USER_A, "authenticated")
            results = iter(self.session.try_many([("authenticated", claims, statement, [])
                                                  for statement, failure in prepared if failure is None]))
        out = []
        for statement, failure in prepared:
            if failure is None:
                _, error, _ = next(results)
                failure = self._failure(error) if error is not None else None
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


def _components(project: m.Project, catalog: Catalog, by_table: dict, tables: list[m.Table],
                users_tables: set) -> list[list[m.Table]]:
    """``tables`` in groups none of which writes a table another writes: a table goes with every
    table it references or is referenced by (the seeding makes parent rows), except a users' table
    its owner column points at (those rows exist already), and tables with triggers go together
    (a trigger may write anywhere)."""
    parent: dict = {}

    def find(key):
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(a, b) -> None:
        parent[find(a)] = find(b)

    triggered = {(key[0], key[1]) for key in catalog.facts.get("trigger", {})}
    for table in tables:
        find(table.key)
        owner = ownership(table, project)
        for (_, kind, cols), con in by_table.get(table.key, []):
            if kind != "foreign key" or con.ref_table == table.key:
                continue
            if con.ref_table in users_tables and cols == (owner.column,):
                continue
            join(table.key, con.ref_table)
        if owner.via:
            join(table.key, owner.via[1])
        if table.key in triggered:
            join(table.key, ("", "triggers"))
    components: dict = {}
    for table in tables:
        components.setdefault(find(table.key), []).append(table)
    return list(components.values())


def _balanced(components: list[list[m.Table]], count: int, order: list[m.Table]) -> list[list[m.Table]]:
    """``components`` dealt to ``count`` groups, largest first to the smallest group, whole (each
    writes tables no other writes); each group in the specs' ``order``."""
    groups: list[list[m.Table]] = [[] for _ in range(max(1, min(count, len(components))))]
    for component in sorted(components, key=len, reverse=True):
        min(groups, key=len).extend(component)
    index = {table.key: i for i, table in enumerate(order)}
    return [sorted(group, key=lambda t: index[t.key]) for group in groups if group]


def coverage(reports: list, tables_with_rls: int) -> str:
    outcomes = [o for r in reports for o in r.outcomes]
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in ("ok", "hole", "untested")}
    tables = [r for r in reports if isinstance(r, TableReport)]
    buckets = [r for r in reports if not isinstance(r, TableReport)]
    probed = sum(1 for r in tables if not r.skipped)
    line = f"coverage: {probed} of {tables_with_rls} tables with RLS probed"
    if buckets:
        line += f", {sum(1 for r in buckets if not r.skipped)} of {len(buckets)} buckets"
    line += (f"; {counted(len(outcomes), 'check')}: {counts['ok']} ok, {counted(counts['hole'], 'hole')}, "
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
