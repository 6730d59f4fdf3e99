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
from .platform import HOST_ROLES, creatable_here


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
        waiver = next((w for w in waivers.get(d.pos, ()) if w.code == d.code), None) if d.waivable else None
        out.append(replace(d, waived=waiver.reason) if waiver else d)
    return out


@contextmanager
def _stop_on_terminate() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP (a CI job cancelled, a timeout, a closed terminal) into an exception,
    so cleanup still runs. SIGKILL cannot be caught: what it leaves, the next run removes
    (``_remove_abandoned``)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


#: The comment every scratch database carries from the moment it exists; a database without it
#: is never dropped by schemagen, whatever its name.
SCRATCH_TAG = "schemagen scratch database: validate --db made it for one run and drops it"
SCRATCH_PREFIX = "schemagen_validate_"

#: Extensions through which SQL reaches other servers: a database elsewhere (dblink, postgres_fdw,
#: wrappers) or any address on the network (http, pg_net), carrying whatever it read.
NETWORK_EXTENSIONS = ("dblink", "postgres_fdw", "wrappers", "http", "pg_net")

_NETWORK_REACH = f"""
select coalesce(array_agg(distinct v.name::text order by v.name::text), '{{}}')
from pg_available_extension_versions v
where v.name = any(array[{", ".join(f"'{e}'" for e in NETWORK_EXTENSIONS)}])
  and (v.trusted or v.name = any(string_to_array(replace(coalesce(
        current_setting('supautils.privileged_extensions', true), ''), ' ', ''), ',')))
"""

_ROLE_POWERS = f"""
select coalesce(bool_or(r.rolsuper), false), coalesce(bool_or(r.rolcreaterole), false),
       array(select g.rolname::text from pg_roles g
             where g.rolname = any(array[{", ".join(f"'{r}'" for r in HOST_ROLES)}])
               and pg_has_role(current_user, g.oid, 'member') order by 1),
       current_setting('supautils.reserved_memberships', true)
from pg_roles r where pg_has_role(current_user, r.oid, 'member')
"""


def role_problem(admin) -> str | None:
    """Why this login may not run spec SQL on the user's server, or None.

    Spec SQL is untrusted (it comes from pull requests) and one transaction rolled back holds
    only what stays inside the database. A superuser can leave it (``copy … to program``,
    ``dblink`` to another database, files); on PostgreSQL 15 a role with ``createrole`` can grant
    itself the roles that do, unless supautils reserves them (Supabase, hosted and local); a
    member of those roles has them already. Roles the login may become count as its own. And where
    the role may create an extension that connects out (on Supabase, supautils lets postgres create
    dblink, http and pg_net), SQL can send what it reads anywhere."""
    superuser, createrole, host_roles, reserved = admin.run(_ROLE_POWERS)[0]
    reserved_by_supautils = {name.strip() for name in (reserved or "").split(",")} >= set(HOST_ROLES)
    if superuser:
        return "is a superuser, or may become one"
    if host_roles:
        return f"is a member of {', '.join(host_roles)}"
    if createrole and not reserved_by_supautils:
        return ("has createrole (itself or through a role it may become), with which it can grant itself "
                "pg_execute_server_program on a server without supautils")
    reach = admin.run(_NETWORK_REACH)[0][0]
    if reach:
        return (f"may create {', '.join(reach)} on this server, through which SQL connects to other servers "
                "with what it read")
    return None


def _remove_abandoned(admin) -> list[str]:
    """Scratch databases an earlier run could not drop (killed with SIGKILL, a lost connection):
    only those carrying schemagen's tag, owned by this login, with nobody connected (a run in
    progress holds its own). Returns their names."""
    from .sqltext import quote_ident

    rows = admin.run(
        "select d.datname from pg_database d where d.datname like :prefix "
        "and shobj_description(d.oid, 'pg_database') = :tag and pg_has_role(d.datdba, 'member') "
        "and not exists (select from pg_stat_activity a where a.datname = d.datname)",
        prefix=SCRATCH_PREFIX.replace("_", "\\_") + "%", tag=SCRATCH_TAG)
    removed = []
    for (name,) in rows:
        try:
            admin.run(f"drop database if exists {quote_ident(name)}")
            removed.append(name)
        except Exception:  # someone connected meanwhile: it is in use, so not abandoned
            continue
    return removed


@contextmanager
def scratch_database(params: dict[str, object], project: m.Project, *,
                     trust_specs: bool = False) -> Iterator[Session]:
    """A database created for this run on the given server, dropped afterwards, even when the run
    fails or is terminated. Everything inside runs in one ``Session``, platform slice included, so
    roles and grants it adds on this (shared) server are rolled back with the rest.

    The login must not be able to leave the database (``role_problem``) unless the user says
    otherwise. The database is made from ``template0``, so nothing a user installed in
    ``template1`` (dblink, say) is there, and tagged, so that a later run removes it if this one is
    killed before it can."""
    from .db import where
    from .live import platform_statements

    admin = connect(params)
    try:
        problem = role_problem(admin)
        if problem and not trust_specs:
            raise ConnectionProblem(
                f"validate --db will not run spec SQL as {params['user']}: the role {problem}, so SQL from a "
                "pull request could leave the scratch database (run a program, read files, reach other "
                "servers). Run validate --live instead, connect as a role that cannot, or pass "
                "--trust-specs if the specs are your own (docs/security.md)")
        _remove_abandoned(admin)
        name = f"{SCRATCH_PREFIX}{os.getpid()}_{secrets.token_hex(4)}"
        with _stop_on_terminate():
            try:
                admin.run(f"create database {name} template template0")
            except Exception as exc:
                raise ConnectionProblem(f"cannot create a scratch database on {where(params)}: "
                                        f"{database_message(exc)} (the user needs createdb)") from None
            try:
                admin.run(f"comment on database {name} is '{SCRATCH_TAG}'")
                # As on Supabase, postgres owns the database (its publication's owner needs create there)
                if admin.run("select coalesce(pg_has_role(to_regrole('postgres'), 'member'), false)")[0][0]:
                    admin.run(f"alter database {name} owner to postgres")
                session = Session(connect({**params, "database": name}))
                session.conn.withhold = False  # schemagen's own statements, in a database made from template0
                try:
                    for sql in platform_statements(project):
                        try:
                            session.execute(sql)
                        except ContainmentBroken:
                            raise
                        except Exception as exc:
                            raise ConnectionProblem(
                                f"cannot install the platform slice in the scratch database on {where(params)}: "
                                f"{database_message(exc)}; the server needs the platform's roles (anon, "
                                "authenticated, service_role): create them once, or run validate --live") from None
                    session.conn.withhold = True
                    yield session
                finally:
                    session.close()
            finally:
                admin.run(f"drop database if exists {name} with (force)")
    finally:
        admin.close()


def untestable_finding(project: m.Project, name: str, needs: list[str]) -> Diagnostic:
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
AVAILABLE_EXTENSIONS = (f"select name from pg_available_extensions where {creatable_here('name')} "
                        "union select extname from pg_extension")  # a stand-in (stand_ins) is made, not available


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
        result.diagnostics += [untestable_finding(project, name, needs) for name, needs in skip.needs.items()]
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
