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

from dataclasses import dataclass, field
from functools import partial

from . import model as m
from .catalog import Catalog
from .db import ConnectionProblem, ContainmentBroken, backend_request
from .diagnostics import Diagnostic, counted
from .lint.expressions import owner_columns
from .rls_outcomes import (USER_A, USER_B, USER_TABLES, Failure, Outcome, Scenario, Status, claims, finding,
                           untested_finding)
from .rls_seeding import (SEED_ATTEMPTS, UNIQUE_VIOLATION, NeedsDatabase, SeedError, Seeder,
                          constraints_by_table)
from .sqltext import qualified, quote_ident, quote_literal

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
        self.seeder = Seeder(session, catalog, self.by_table)
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
        seeder = Seeder(self.session, self.catalog, self.by_table, enum_labels=self.enum_labels)
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
        results = self.session.try_many([(role, claims(user, role), statement,
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
        seeder = self.seeder = Seeder(self.session, self.catalog, self.by_table, self.users, self.enum_labels)
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
                role: str = "authenticated", read: bool = False, broken: bool = False) -> None:
            report.outcomes.append(Outcome(action, statement, result, status, applicable(table, role, command),
                                           read, broken))

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
            add("select", seen.statement, untested(seen.failure), "untested", "select", broken=seen.failure.broken)
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
                    add(f"insert ({whose} row)", statement, untested(failure), "untested", "insert",
                        broken=failure.broken)
        else:
            [(statement, failure)] = inserts
            if failure is None or failure.is_rls or failure.after_rls:
                add("insert", statement, "allowed" if failure is None else f"refused: {failure.message}"
                    if failure.is_rls else f"allowed (RLS let it through; then {failure.message})", "ok", "insert")
            else:
                add("insert", statement, untested(failure), "untested", "insert", broken=failure.broken)

        outcomes = iter(written)
        for command, verb, _ in writes:
            for variant, _ in variants:
                outcome = next(outcomes)
                touched = outcome.b_deleted if command == "delete" else outcome.b_changed
                action = f"{command} ({variant})"
                if touched:
                    add(action, outcome.statement, f"A {verb} {others}", "hole", command)
                elif outcome.failure and not outcome.failure.is_rls:
                    add(action, outcome.statement, untested(outcome.failure), "untested", command,
                        broken=outcome.failure.broken)
                elif outcome.failure:
                    add(action, outcome.statement, f"refused: {outcome.failure.message}", "ok", command)
                else:
                    add(action, outcome.statement, f"{others} untouched", "ok", command)

        granted = applicable(table, "anon", "select")
        if anon.failure:
            add("anon select", anon.statement, untested(anon.failure), "untested", "select", "anon",
                broken=anon.failure.broken)
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
            tokens = claims(USER_A, "authenticated")
            results = iter(self.session.try_many([("authenticated", tokens, statement, [])
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
