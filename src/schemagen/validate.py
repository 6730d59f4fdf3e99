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
from urllib.parse import parse_qs, unquote, urlparse

from . import model as m
from .diagnostics import Diagnostic, sort_diagnostics


class ConnectionProblem(Exception):
    """Could not reach or use the server; reported in one line with exit code 2."""


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


def connection_params(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql") or not parsed.hostname:
        raise ConnectionProblem(f"--db {url!r} is not a URL like postgresql://user:password@host:5432/db")
    params: dict[str, object] = {
        "user": unquote(parsed.username or os.environ.get("PGUSER", "postgres")),
        "password": unquote(parsed.password) if parsed.password else os.environ.get("PGPASSWORD"),
        "host": parsed.hostname,
        "port": parsed.port or 5432,
        "database": (parsed.path or "/postgres").lstrip("/") or "postgres",
    }
    sslmode = parse_qs(parsed.query).get("sslmode", [os.environ.get("PGSSLMODE", "disable")])[-1]
    context = ssl_context(sslmode)
    if context is not None:
        params["ssl_context"] = context
    return params


def ssl_context(sslmode: str):
    """libpq's sslmode as an ssl context (hosted databases such as Supabase ask for require)."""
    if sslmode in ("disable", "allow", "prefer"):
        return None
    import ssl

    if sslmode == "verify-full":
        return ssl.create_default_context()
    if sslmode in ("require", "verify-ca"):
        context = ssl.create_default_context()
        context.check_hostname = False
        if sslmode == "require":
            context.verify_mode = ssl.CERT_NONE
        return context
    raise ConnectionProblem(f"sslmode={sslmode} is not one of disable, allow, prefer, require, verify-ca, "
                            "verify-full")


def connect(params: dict[str, object]):
    import pg8000.native

    from .expected import database_message

    try:
        return pg8000.native.Connection(**params, timeout=15)
    except pg8000.native.DatabaseError as exc:
        raise ConnectionProblem(f"cannot use {params['host']}:{params['port']}/{params['database']}: "
                                f"{database_message(exc)}") from None
    except (OSError, pg8000.native.InterfaceError) as exc:
        raise ConnectionProblem(f"cannot connect to {params['host']}:{params['port']}: {exc}") from None


@contextmanager
def scratch_database(params: dict[str, object]) -> Iterator[object]:
    """A database created for this run on the given server, dropped afterwards."""
    from .expected import database_message

    admin = connect(params)
    name = f"schemagen_validate_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin.run(f"create database {name}")
    except Exception as exc:
        admin.close()
        raise ConnectionProblem(f"cannot create a scratch database on {params['host']}: "
                                f"{database_message(exc)} (the user needs createdb)") from None
    conn = connect({**params, "database": name})
    try:
        yield conn
    finally:
        conn.close()
        admin.run(f"drop database if exists {name} with (force)")
        admin.close()


class BackgroundServer:
    """A throwaway server booting in a thread while the caller loads and checks the specs.

    initdb and start-up are most of a cold ``validate --live``; started first, they
    overlap with everything that needs no database.
    """

    def __init__(self):
        from concurrent.futures import ThreadPoolExecutor

        from . import pgserver

        self._pool = ThreadPoolExecutor(1)
        self._future = self._pool.submit(pgserver.start)

    @contextmanager
    def database(self) -> Iterator[object]:
        from . import pgserver
        from .live import connect as connect_server

        try:
            server = self._future.result()
        except pgserver.PostgresNotFound as exc:
            raise ConnectionProblem(str(exc)) from None
        finally:
            self._pool.shutdown()
        try:
            conn = connect_server(server)
            try:
                yield conn
            finally:
                conn.close()
        finally:
            server.stop()

    def cancel(self) -> None:
        """Stop a server that was started but is not needed (the specs did not load)."""
        self._pool.shutdown()
        try:
            self._future.result().stop()
        except Exception:  # it failed to start: nothing to stop
            pass


def apply_statements(conn, project: m.Project, rendered: dict[str, str]) -> list[Diagnostic]:
    from .expected import database_message
    from .live import setup_sql
    from .provenance import statements

    conn.run(";\n".join(setup_sql(project)))
    found = []
    for stage in project.stages:
        rel = f"sql/{stage.file_stem}.sql"
        try:  # one round trip, one implicit transaction: all of the stage or nothing
            conn.run(rendered[rel])
            continue
        except Exception:
            pass
        for statement in statements(stage, rendered[rel]):  # again, one by one, to say where
            try:
                conn.run(statement.sql)
            except Exception as exc:
                found.append(Diagnostic(statement.pos, "V201", "error",
                                        f"PostgreSQL rejects the {statement.kind} statement at {rel}:"
                                        f"{statement.line}: {database_message(exc)}"))
    return found


def validate_live(conn, project: m.Project, rendered: dict[str, str], *, probe: bool = True) -> Result:
    from .catalog import introspect
    from .compare import differences
    from .expected import expected_catalog
    from .rls_probe import Probe, format_report

    result = Result(apply_statements(conn, project, rendered))
    expected = expected_catalog(conn, project)
    result.diagnostics += expected.problems
    schemas = sorted({t.schema for t in project.tables} | {"public"})
    actual = introspect(conn, schemas)
    externals = {ext.key for stage in project.stages for ext in stage.external_tables}
    result.diagnostics += differences(expected, actual, project.stages[0].pos, externals)
    if probe:
        probe_catalog = introspect(conn, sorted(set(schemas) | {"auth"}))
        reports, holes = Probe(conn, probe_catalog).run(project)
        result.rls_report = format_report(reports) if reports else ""
        result.diagnostics += holes
    result.diagnostics = sort_diagnostics(result.diagnostics)
    return result
