"""``schemagen validate``: prove the generated SQL does what the specs say.

Offline, sqlglot reads every statement and fragment. Live, the stages are applied
one statement at a time to a scratch database (each PostgreSQL error reported at
the spec line of the statement's object), the catalog is compared with what the
specs describe, and the RLS policies are exercised as two users and anon.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from . import model as m
from .db import ConnectionProblem, ContainmentBroken, Session, connect, database_message
from .diagnostics import Diagnostic, counted, sort_diagnostics
from .platform import creatable_here


@dataclass
class Result:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    rls_report: str = ""


def waivers_by_position(project: m.Project) -> dict[m.SourcePos, tuple[m.Waiver, ...]]:
    found: dict[m.SourcePos, tuple[m.Waiver, ...]] = {}
    for table in project.tables:
        found[table.pos] = table.waivers
        for group in (table.columns, table.policies, table.indexes):
            for obj in group:
                found[obj.pos] = obj.waivers + table.waivers
    return found


def apply_waivers(project: m.Project, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Validation findings honour the same reviewed waivers as lint findings."""
    from dataclasses import replace

    waivers = waivers_by_position(project)
    out = []
    for d in diagnostics:
        waiver = next((w for w in waivers.get(d.pos, ()) if w.code == d.code), None)
        out.append(replace(d, waived=waiver.reason) if waiver else d)
    return out


@contextmanager
def _stop_on_terminate() -> Iterator[None]:
    """Turn SIGTERM (a CI job cancelled, a timeout) into an exception, so cleanup still runs."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def scratch_database(params: dict[str, object], project: m.Project) -> Iterator[Session]:
    """A database created for this run on the given server, dropped afterwards, even when the run
    fails or is terminated. Everything inside runs in one ``Session``, platform slice included, so
    roles and grants it adds on this (shared) server are rolled back with the rest."""
    from .live import platform_statements

    admin = connect(params)
    name = f"schemagen_validate_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin.run(f"create database {name}")
    except Exception as exc:
        admin.close()
        raise ConnectionProblem(f"cannot create a scratch database on {params['host']}: "
                                f"{database_message(exc)} (the user needs createdb)") from None
    try:
        with _stop_on_terminate():
            session = Session(connect({**params, "database": name}))
            try:
                for sql in platform_statements(project):
                    try:
                        session.execute(sql)
                    except ContainmentBroken:
                        raise
                    except Exception as exc:
                        raise ConnectionProblem(
                            f"cannot install the platform slice in the scratch database on {params['host']}: "
                            f"{database_message(exc)}; the server needs the platform's roles (anon, authenticated, "
                            "service_role), or a user allowed to create them") from None
                yield session
            finally:
                session.close()
    finally:
        admin.run(f"drop database if exists {name} with (force)")
        admin.close()


def _untestable_finding(project: m.Project, name: str, needs: list[str]) -> Diagnostic:
    extension = next(e for e in project.objects("Extension") if e.name == name)
    verbs = "needs it was" if len(needs) == 1 else "need it were"
    what = f"; {counted(len(needs), 'object')} that {verbs} not applied, compared or probed: " \
           f"{', '.join(needs)}" if needs else ""
    why = _UNAVAILABLE_BECAUSE.get(name, "is not installed on this PostgreSQL")
    return Diagnostic(extension.pos, "V204", "warning", f"not testable here: extension {name} {why}{what}")


_UNAVAILABLE_BECAUSE = {
    "pg_cron": "is not installed on this PostgreSQL, or not loaded for this database: it works only in a server "
               "that loads it at start (shared_preload_libraries), in the one database cron.database_name names",
}


#: The extensions this server can create in this database.
AVAILABLE_EXTENSIONS = f"select name from pg_available_extensions where {creatable_here('name')}"


def validate_live(session: Session, project: m.Project, rendered: dict[str, str], *,
                  probe: bool = True, more_sessions=None) -> Result:
    """Apply the stages in ``session`` (the platform already there), compare the catalog with the
    specs and exercise the policies. ``more_sessions`` (a throwaway server's, never a user's:
    the probe then commits) lets the probe of a large schema use several connections."""
    from .catalog import introspect
    from .compare import differences, spec_schemas
    from .expected import expected_catalog
    from .live import apply_stages
    from .rls_probe import Probe, format_report
    from .rls_storage import StorageProbe

    from .untestable import untestable

    skip = untestable(project, {name for (name,) in session.query(AVAILABLE_EXTENSIONS)})
    result = Result(apply_stages(session, project, rendered, skip))
    expected = expected_catalog(session, project)
    # One cause, one finding, the most precise: when PostgreSQL refused to create a table and the
    # normaliser found why (a default, a type), that finding stands for the table's.
    applied = result.diagnostics
    pinpointed = set(expected.problem_tables) & applied.refused_tables
    stand_ins = {id(applied.created_by[table]) for table in pinpointed}
    said = {d.pos for d in applied if id(d) not in stand_ins}
    result.diagnostics = [d for d in applied if id(d) not in stand_ins] + [
        d for d in expected.problems if d.pos not in said]  # an object refused already is not refused again
    result.diagnostics += [Diagnostic(raw.pos, "V203", "info", f"raw SQL '{raw.name}' holds {what}, which schemagen "
                                                               "does not model: PostgreSQL applied it, but validate "
                                                               "and drift do not compare it")
                           for raw, what in expected.raw.uncompared]
    for table in applied.refused_tables:
        expected.unverified.add("table", table)
    schemas = spec_schemas(project)
    # One read serves both: the comparison keeps to the specs' schemas, the probe needs auth's tables too.
    actual = introspect(session, sorted(schemas | {"auth"} | {a.schema for a in project.attachments}))
    ignored = project.external_keys | {key for key in actual.tables if key[0] not in schemas}
    result.diagnostics += differences(expected, actual, project.stages[0].pos, ignored, schemas)
    if skip:  # one finding per missing extension; what needs it was not applied, so nothing of it is compared
        result.diagnostics = [d for d in result.diagnostics if d.pos not in skip.positions]
        result.diagnostics += [_untestable_finding(project, name, needs) for name, needs in skip.needs.items()]
    if probe:
        # Buckets first: the table probe may commit the users' rows on a throwaway server, and a
        # storage policy must meet the same database however the tables were probed.
        bucket_reports, bucket_holes = StorageProbe(session).run(project)
        reports, holes = Probe(session, actual).run(project, skip_tables=skip.tables, more_sessions=more_sessions)
        reports += bucket_reports
        holes += bucket_holes
        with_rls = sum(1 for t in project.tables if t.rls)
        result.rls_report = format_report(reports, with_rls) if reports else ""
        result.diagnostics += holes
    result.diagnostics = sort_diagnostics(result.diagnostics)
    return result
