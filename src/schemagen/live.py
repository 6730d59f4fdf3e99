"""Applying specs to a real PostgreSQL: the platform shim, stand-ins for external
tables, then every stage's generated SQL in order.

Used by the live tests now and by ``validate --live``; it executes only SQL that
schemagen rendered from the specs, in a database created for the purpose.
"""

from __future__ import annotations

from importlib import resources
from typing import Iterable

from . import model as m
from .diagnostics import Diagnostic
from .sqltext import qualified, quote_ident, quote_literal


def supabase_shim() -> str:
    return resources.files("schemagen").joinpath("supabase_shim.sql").read_text("utf-8")


def external_stubs(project: m.Project) -> list[str]:
    """``create table`` for tables the specs reference but no loaded stage creates.

    They stand in for Stages 1-4 (or any earlier stage kept elsewhere) with just the
    declared columns, so the stage under test applies on its own.
    """
    defined = {t.key for t in project.tables}
    statements: dict[tuple[str, str], str] = {}
    for stage in project.stages:
        for ext in stage.external_tables:
            if ext.key in defined or ext.key in statements:
                continue
            columns = [f"{quote_ident(c.name)} {c.type}" + (" not null" if c.not_null else "")
                       for c in ext.columns]
            if ext.primary_key_columns:
                columns.append(f"primary key ({', '.join(quote_ident(c) for c in ext.primary_key_columns)})")
            schema = "" if ext.schema == "public" else f"create schema if not exists {quote_ident(ext.schema)};\n"
            statements[ext.key] = (f"{schema}create table if not exists {qualified(ext.schema, ext.name)} "
                                   f"({', '.join(columns)});")
    return list(statements.values())


def external_roles(project: m.Project) -> list[str]:
    roles = sorted({role for stage in project.stages for role in stage.external_roles})
    return [f"do $$ begin if not exists (select from pg_roles where rolname = {quote_literal(role)}) "
            f"then create role {quote_ident(role)} nologin; end if; end $$;" for role in roles]


def setup_sql(project: m.Project) -> Iterable[str]:
    if any(stage.platform == "supabase" for stage in project.stages):
        yield supabase_shim()
    yield from external_roles(project)
    yield from external_stubs(project)


def connect(server, database: str = "postgres"):
    """A connection to a throwaway server started by ``pgserver``."""
    from .db import connect as connect_params

    params = server.dsn()
    return connect_params({"user": params["user"], "host": params["host"], "port": params["port"],
                           "database": database})


def apply_stages(conn, project: m.Project, rendered: dict[str, str]) -> list[Diagnostic]:
    """Set-up, then every stage: each in one round trip, and only when PostgreSQL refuses a
    stage, again one statement at a time, so each error is reported at its spec object."""
    from .db import database_message
    from .provenance import statements

    conn.run(";\n".join(setup_sql(project)))
    found = []
    for stage in project.stages:
        rel = f"sql/{stage.file_stem}.sql"
        try:  # one implicit transaction: all of the stage or nothing
            conn.run(rendered[rel])
            continue
        except Exception:
            pass
        for statement in statements(stage, rendered[rel]):
            try:
                conn.run(statement.sql)
            except Exception as exc:
                found.append(Diagnostic(statement.pos, "V201", "error",
                                        f"PostgreSQL rejects the {statement.kind} statement at {rel}:"
                                        f"{statement.line}: {database_message(exc)}"))
    return found


def apply_project(conn, project: m.Project, rendered: dict[str, str]) -> None:
    """Apply every stage, which must all succeed (tests and benchmarks build databases this way)."""
    problems = apply_stages(conn, project, rendered)
    if problems:
        raise RuntimeError("\n".join(d.to_text() for d in problems))
