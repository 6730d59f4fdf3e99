"""The proof of a migration, in the throwaway database and always rolled back: sample rows are
put in every table of the baseline, the migration's statements (as its files will hold them,
``migrate.as_written``) are applied one by one while the locks each takes (``pg_locks``) and the
tables it rewrites (a new ``relfilenode``) are recorded, and then the catalog must equal the
specs, the sample rows must still be there in every column kept, and the RLS probe must find no
hole in a policy the migration writes.
"""

from __future__ import annotations

import re

from . import model as m
from .db import ContainmentBroken, database_message
from .diagnostics import counted
from .migrate import CONCURRENTLY, Plan, Proof, testable

#: What each lock PostgreSQL takes stops other sessions from doing, for the hazard report.
LOCK_EFFECTS = {
    "AccessExclusiveLock": "blocks reads and writes",
    "ExclusiveLock": "blocks writes",
    "ShareRowExclusiveLock": "blocks writes",
    "ShareLock": "blocks writes",
    "ShareUpdateExclusiveLock": "blocks other schema changes, not reads or writes",
}


LOCKS_SQL = """
select format('%I.%I', n.nspname, c.relname), l.mode
from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace
where l.pid = pg_backend_pid() and l.locktype = 'relation' and l.granted and c.oid = any(:oids)
"""


def prove(session, project: m.Project, plan: Plan, schemas: list[str], env, *, to_specs: bool = True,
          skip=None) -> Proof:
    """Apply the plan to the baseline with sample rows in place; rolled back whatever happens.
    ``to_specs`` False proves an older migration: it applies and keeps the rows, but the specs
    describe where the newest migration leads, not this one."""
    from .catalog import introspect
    from .drift import drift, repair_statements
    from .live import as_the_platform

    proof = Proof()
    with session.scratch():
        from .compare import spec_schemas

        before = introspect(session, schemas)
        samples = _seed_samples(session, before, proof, spec_schemas(project))
        relations = {oid: name for oid, name in session.query(
            "select c.oid, format('%I.%I', n.nspname, c.relname) from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = any(:s) and c.relkind in ('r', 'p', 'i', 'm')", s=schemas)}
        oids = list(relations)
        number = 0
        for step in plan.steps:
            number += not step.setting
            if not step.included:
                continue
            held = {tuple(row) for row in session.query(LOCKS_SQL, oids=oids)}
            files = dict(session.query("select oid, relfilenode from pg_class where oid = any(:oids)", oids=oids))
            try:
                with session.attempt():
                    sql = CONCURRENTLY.sub(lambda found: found.group(1), step.sql)
                    if not as_the_platform(session, sql):
                        session.execute(sql)
            except ContainmentBroken:
                raise
            except Exception as exc:
                proof.ok = False
                message = database_message(exc)
                if "contains null values" in message:  # the production table has rows too
                    message += ("; a table with rows needs the new column to have a default, or to be added "
                                "nullable, filled, and made not null in a later migration")
                proof.problems.append(f"statement {number} fails on the baseline with sample rows in place: "
                                      f"{message}: {step.sql}")
                return proof
            taken = {tuple(row) for row in session.query(LOCKS_SQL, oids=oids)} - held
            if step.concurrent:  # the proof ran it without the keyword, which takes another lock
                step.measured = ["ShareUpdateExclusiveLock while it builds (blocks other schema changes, not reads "
                                 "or writes), as PostgreSQL documents for concurrently"]
            else:
                step.measured = [f"{mode} on {name} ({LOCK_EFFECTS[mode]})" for name, mode in sorted(taken)
                                 if mode in LOCK_EFFECTS]
            rewritten = [relations[oid] for oid, node in session.query(
                "select oid, relfilenode from pg_class where oid = any(:oids)", oids=oids) if files.get(oid) != node]
            step.measured += [f"rewrote {name}" for name in rewritten]
        if not to_specs:
            _check_samples(session, samples, plan, proof)
            return proof
        left = testable(drift(session, project, schemas), skip)
        waiting = [c for c in left if not c.kind.startswith("note.")]
        destructive_only = all(s.destructive for s in repair_statements(waiting, project, env))
        if waiting and not (destructive_only and any(not s.included for s in plan.steps)):
            proof.ok = False
            proof.left = waiting
            proof.problems.append(f"after the migration the database still differs from the specs in "
                                  f"{counted(len(waiting), 'place')}")
        elif waiting:
            proof.facts.append(f"{counted(len(waiting), 'difference')} left for "
                               "--allow-destructive (the commented statements)")
        else:
            proof.facts.append("the catalog equals the specs")
        _check_samples(session, samples, plan, proof)
        _probe_changed(session, project, plan, schemas, proof)
    return proof


def _seed_samples(session, catalog, proof: Proof, owned: set[str]) -> dict[tuple[str, str], tuple[tuple[str, ...],
                                                                                               list[dict]]]:
    """Two rows in every baseline table of the specs' schemas (the platform's are not theirs) that
    takes them: by table, its key columns and what each row held."""
    import json

    from .rls_outcomes import Failure
    from .rls_seeding import SEED_ATTEMPTS, UNIQUE_VIOLATION, Seeder
    from .sqltext import qualified

    from .catalog import read_more

    referenced = sorted({con.ref_table[0] for con in catalog.constraints.values()
                         if con.ref_table is not None and con.ref_table not in catalog.tables} - catalog.schemas)
    if referenced:  # auth.users, whose rows a user_id needs: read so the seeder can make them
        catalog = read_more(session, catalog, referenced, frozenset())
    seeder = Seeder(session, catalog)
    seeded = []
    for key in sorted(k for k in catalog.tables if k[0] in owned):
        for attempt, vary in enumerate(SEED_ATTEMPTS, start=1):
            seeder.vary = vary
            try:
                with seeder.savepoint(keep=True):
                    for _ in range(2):
                        seeder.ensure(key, {})
                seeded.append(key)
                break
            except ContainmentBroken:
                raise
            except Exception as exc:
                failure = Failure.of(exc)
                if failure.code != UNIQUE_VIOLATION or attempt == len(SEED_ATTEMPTS):
                    proof.facts.append(f"no sample rows in {key[0]}.{key[1]} ({failure.message})")
                    break
    samples = {}
    for key in seeded:  # read once all are made: a row in one table may add rows to another (a trigger)
        rows = session.query(f"select to_jsonb(t)::text from {qualified(*key)} t")
        samples[key] = (seeder.primary_key(key), [json.loads(row[0]) for row in rows])
    return samples


def _check_samples(session, samples, plan: Plan, proof: Proof) -> None:
    """Every sample row is still there, with the same value in every column the migration keeps."""
    import json

    from .sqltext import qualified

    table_names = {}
    column_names: dict[tuple[str, str], dict[str, str]] = {}
    for change in plan.changes:
        if change.kind == "rename.table":
            old = re.search(r"^alter table (\S+) rename", change.want).group(1)
            table_names[old] = change.key
        elif change.kind == "rename.column":
            old = re.search(r"rename column (\S+) to", change.want).group(1).strip('"')
            column_names.setdefault(change.key[:2], {})[old] = change.key[2]
    retyped = {c.key for c in plan.changes if c.kind == "column.type"}
    kept = 0
    for key, (pk, rows) in samples.items():
        now = table_names.get(qualified(*key), key)
        if not session.query("select to_regclass(:t) is not null", t=qualified(*now))[0][0]:
            continue  # dropped by the migration, which said so
        after = [json.loads(row[0]) for row in session.query(f"select to_jsonb(t)::text from {qualified(*now)} t")]
        where = f"{now[0]}.{now[1]}"
        if len(after) != len(rows):
            proof.ok = False
            proof.problems.append(f"{where} had {len(rows)} sample rows and has {len(after)} after the migration")
            continue
        names = {column: column for column in (rows[0] if rows else {})}
        names.update(column_names.get(now, {}))
        by_key = {tuple(json.dumps(row.get(names.get(c, c))) for c in pk): row for row in after}
        for row in rows:
            current = by_key.get(tuple(json.dumps(row.get(c)) for c in pk)) if pk else None
            if current is None and pk:
                proof.ok = False
                proof.problems.append(f"a sample row of {where} is gone after the migration")
                break
            for old, new in names.items():
                if current is not None and new in current and now + (new,) not in retyped \
                        and row.get(old) != current.get(new):
                    proof.ok = False
                    proof.problems.append(f"{where}.{new} lost a sample value: {row.get(old)!r} became "
                                          f"{current.get(new)!r}")
                    return
        kept += len(rows)
    tables = len(samples)
    proof.facts.append(f"{counted(kept, 'sample row')} in {counted(tables, 'table')} "
                       "kept, every kept column unchanged")


def _probe_changed(session, project: m.Project, plan: Plan, schemas: list[str], proof: Proof) -> None:
    """The RLS probe on the tables whose policies the migration writes: a hole one of those
    policies allows (or any, on a table whose RLS the migration switches or creates) fails the
    proof. A hole only policies the migration leaves alone allow was there before it: counted,
    not blamed on it (lint and ``validate --live`` report it where it is written)."""
    from dataclasses import replace

    from .catalog import introspect
    from .rls_probe import Probe, finding
    from .validate import apply_waivers

    written = {c.key[:3] for c in plan.changes if c.kind.startswith(("policy.", "rename.policy"))}
    whole = {c.key[:2] for c in plan.changes if c.kind.startswith(("table.rls", "table.missing"))}
    touched = {key[:2] for key in written} | whole
    tables = [t for t in project.tables if t.key in touched and t.rls]
    if plan.initial:
        tables = [t for t in project.tables if t.rls]
    if not tables:
        return
    scoped = m.Project(tuple(replace(s, tables=tuple(t for t in s.tables if t in tables)) for s in project.stages))

    reports, _ = Probe(session, introspect(session, schemas)).run(scoped)
    holes = [(report.table, outcome) for report in reports for outcome in report.outcomes
             if outcome.hole and not outcome.read]
    ours = [finding(table, outcome) for table, outcome in holes
            if plan.initial or table.key in whole or any(table.key + (p,) in written for p in outcome.policies)]
    found = apply_waivers(project, ours)
    open_holes = [d for d in found if d.waived is None]
    checks = sum(len(r.outcomes) for r in reports)
    if open_holes:
        proof.ok = False
        proof.problems += [f"{d.pos}: V301 {d.message}" for d in open_holes]
        proof.problems.append("the RLS probe finds write holes in policies this migration writes; fix them, or "
                              "waive V301 on a policy with the reason")
    notes = [f"{len(found) - len(open_holes)} waived"] if len(found) > len(open_holes) else []
    if len(holes) > len(ours):
        notes.append(f"{len(holes) - len(ours)} more allowed only by policies it leaves as they were")
    proof.facts.append(f"RLS probe on {counted(len(tables), 'changed table')}: {counted(checks, 'check')}, "
                       f"{counted(len(open_holes), 'write hole')}" + (f" ({'; '.join(notes)})" if notes else ""))
