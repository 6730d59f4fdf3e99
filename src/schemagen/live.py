"""Applying specs to a real PostgreSQL: the platform slice, stand-ins for external
tables, then every stage's generated SQL in order.

Used by ``validate --live``/``--db``, the live tests and the benchmarks. The
platform slice is schemagen's own SQL; everything derived from specs runs in a
``db.Session`` (one transaction, always rolled back, one statement per protocol
message), and on the throwaway server as ``postgres``, which is not a superuser.
"""

from __future__ import annotations

from importlib import resources
from typing import Iterable

from . import model as m
from . import platform, stand_ins, supautils
from .db import Session, database_message, split_script
from .diagnostics import Diagnostic
from .sqltext import do_block, qualified, quote_ident, quote_literal


def supabase_shim() -> str:
    return resources.files("schemagen").joinpath("supabase_shim.sql").read_text("utf-8")


def supabase_webhooks() -> str:
    """Database webhooks (``supabase_functions.http_request``), which a project turns on: made
    for the specs or migrations that call them, not for every project."""
    return resources.files("schemagen").joinpath("supabase_webhooks.sql").read_text("utf-8")


#: What a trigger names to call a database webhook.
WEBHOOK_FUNCTION = ("supabase_functions", "http_request")


def uses_webhooks(project: m.Project) -> bool:
    return any(trigger.function == WEBHOOK_FUNCTION for host in project.hosts for trigger in host.triggers)


def webhooks_for(superuser, texts: Iterable[str]) -> None:
    """Turn database webhooks on, as the platform does for a project, where SQL about to be applied
    (migrations, a dump) calls them."""
    from .db import execute_one

    if any(WEBHOOK_FUNCTION[0] in text for text in texts):
        for sql in split_script(supabase_webhooks()):
            execute_one(superuser, sql)


def external_stubs(project: m.Project) -> list[str]:
    """``create table`` for tables the specs reference but no loaded stage creates.

    They stand in for Stages 1-4 (or any earlier stage kept elsewhere) with just the
    declared columns, so the stage under test applies on its own.
    """
    defined = {t.key for t in project.tables}
    statements: dict[tuple[str, str], list[str]] = {}
    for stage in project.stages:
        for ext in stage.external_tables:
            if ext.key in defined or ext.key in statements:
                continue
            columns = [f"{quote_ident(c.name)} {c.type}" + (" not null" if c.not_null else "")
                       for c in ext.columns]
            if ext.primary_key_columns:
                columns.append(f"primary key ({', '.join(quote_ident(c) for c in ext.primary_key_columns)})")
            create = [] if ext.schema == "public" else [f"create schema if not exists {quote_ident(ext.schema)}"]
            statements[ext.key] = create + [f"create table if not exists {qualified(ext.schema, ext.name)} "
                                            f"({', '.join(columns)})"]
    return [sql for group in statements.values() for sql in group]


def external_roles(project: m.Project) -> list[str]:
    roles = sorted({role for stage in project.stages for role in stage.external_roles})
    return [do_block(f"begin if not exists (select from pg_roles where rolname = {quote_literal(role)}) "
                     f"then create role {quote_ident(role)} nologin; end if; end") for role in roles]


def platform_statements(project: m.Project, extensions: bool = True) -> Iterable[str]:
    """The platform a project's stages expect, one statement at a time; without ``extensions``,
    the privileged extensions the specs use are left for later (migrations create them first)."""
    if any(stage.platform == "supabase" for stage in project.stages):
        yield from split_script(supabase_shim())
        if uses_webhooks(project):
            yield from split_script(supabase_webhooks())
        if extensions:
            yield from privileged_extensions(project)
    yield from external_roles(project)


def privileged_extensions(project: m.Project) -> list[str]:
    """What supautils does on Supabase when ``postgres`` creates a privileged extension, done
    beforehand: the superuser creates it in the schema the spec names, so the stage's own
    ``create extension if not exists`` finds it there. Only those ``postgres`` could not create
    itself here (a trusted one it makes and owns, as it would without supautils), only in a schema
    the platform has (a stage's own schema must be the stage's), and only if this server has it."""
    from .kinds.extension.model import Extension

    return privileged_extensions_for({(e.name, e.schema) for e in project.objects(Extension) if e.created_here})


def privileged_extensions_for(wanted: set[tuple[str, str | None]]) -> list[str]:
    """``privileged_extensions`` for (name, schema) pairs, however they were found."""
    out = []
    for name, schema in sorted(wanted, key=lambda pair: (pair[0], pair[1] or "")):
        schema = platform.EXTENSION_SCHEMAS.get(name, schema)
        if name not in platform.PRIVILEGED_EXTENSIONS or schema not in (None, "public", "extensions", "pg_catalog"):
            continue
        into = f" with schema {quote_ident(schema)}" if schema else ""
        made = [f"create extension if not exists {quote_ident(name)}{into}", *platform.AFTER_CREATE.get(name, ())]
        out.append(do_block(f"begin if {_made_by_the_platform(quote_literal(name))} and not exists (select from "
                            f"pg_extension where extname = {quote_literal(name)}) then {'; '.join(made)}; end if; end"))
    return out


def _made_by_the_platform(name: str) -> str:
    """SQL that holds for an extension (``name``, an SQL expression) that ``postgres`` may not
    create itself (not trusted) and this server can create in this database: the platform's to make."""
    return ("exists (select from pg_available_extension_versions v join pg_available_extensions a "
            f"on a.name = v.name and a.default_version = v.version where v.name = {name} and not v.trusted "
            f"and {platform.creatable_here('v.name')})")


def as_the_platform(conn, sql: str) -> bool:
    """Run ``sql`` as supautils would on Supabase, if it creates an extension the platform makes
    (privileged, or stood in for) and this server can: in ``conn``'s transaction, as the platform's
    superuser, followed by the platform's grants (``supautils``). False: ``postgres`` runs it."""
    call = supautils.call(sql)
    return call is not None and bool(_rows(conn, call)[0][0])


def _rows(conn, sql: str) -> list:
    """Rows of one query, on a connection or a session."""
    return conn.query(sql) if hasattr(conn, "query") else conn.run(sql)


def install_platform(conn, project: m.Project, extensions: bool = True) -> None:
    """On a throwaway server, as its superuser: the platform is committed, like a real one."""
    for sql in supautils.statements():
        conn.run(sql)
    for sql in platform_statements(project, extensions):
        conn.run(sql)
    if any(stage.platform == "supabase" for stage in project.stages):
        for name, schema in stand_ins.PLATFORM:  # Vault is in every Supabase project
            as_the_platform(conn, f"create extension if not exists {quote_ident(name)} with schema {quote_ident(schema)}")
    if extensions:
        stand_in_extensions(conn, project)


def stand_in_extensions(conn, project: m.Project) -> None:
    """The stand-ins (``stand_ins``) for the extensions the specs create that this server lacks."""
    from .kinds.extension.model import Extension

    for extension in project.objects(Extension):
        if extension.created_here and extension.name in stand_ins.STAND_INS:
            schema = f" with schema {quote_ident(extension.schema)}" if extension.schema else ""
            as_the_platform(conn, f"create extension if not exists {quote_ident(extension.name)}{schema}")


def connect(server, database: str = "postgres", *, admin: bool = False):
    """A connection to a throwaway server started by ``pgserver``: as ``postgres`` (the role
    migrations run as on Supabase), or with ``admin`` as the cluster's superuser."""
    from . import pgserver
    from .db import connect as connect_params

    return connect_params(server.dsn(user=pgserver.ADMIN if admin else pgserver.OWNER, database=database),
                          trusted=True)


class Applied(list):
    """The statements PostgreSQL refused, as diagnostics; and the tables it refused to create,
    whose every other finding would only repeat that one (``created_by`` names the finding)."""

    def __init__(self) -> None:
        super().__init__()
        self.refused_tables: set[tuple[str, str]] = set()
        self.created_by: dict[tuple[str, str], Diagnostic] = {}


def apply_stages(session: Session, project: m.Project, rendered: dict[str, str], skip=None) -> Applied:
    """Stand-ins for external tables, then every stage, statement by statement; each statement
    PostgreSQL refuses is reported at its spec object, and the rest of the stage still applies.
    ``skip`` (an ``untestable.Untestable``) names what needs an extension this server lacks."""
    from .provenance import statements

    session.apply(external_stubs(project))
    found = Applied()
    refused_tables = found.refused_tables
    for stage in project.stages:
        rel = f"sql/{stage.file_stem}.sql"
        pieces = [p for p in statements(stage, rendered[rel]) if skip is None or not (
            p.pos in skip.positions or (p.table is not None and p.table.key in skip.tables))]
        for index, exc in session.apply([p.sql for p in pieces]):
            statement = pieces[index]
            if statement.table is not None and statement.table.key in refused_tables:
                continue  # its table was refused: that one finding says why
            diagnostic = Diagnostic(statement.pos, "V201", "error", f"PostgreSQL rejects the {statement.kind} "
                                                                    f"statement at {rel}:{statement.line}: "
                                                                    f"{database_message(exc)}")
            if statement.kind == "table" and statement.table is not None:
                refused_tables.add(statement.table.key)
                found.created_by[statement.table.key] = diagnostic
            found.append(diagnostic)
    return found


def build_database(admin, owner, project: m.Project, rendered: dict[str, str],
                   refused: list[str] | None = None) -> None:
    """Platform, stand-ins and every stage, committed, each statement on its own: for the tests,
    benchmarks and import proofs that need a real database built from specs. Every statement must
    succeed, or, given ``refused``, each refusal is listed there at its spec position."""
    from .db import execute_one
    from .provenance import statements

    install_platform(admin, project)
    for sql in external_stubs(project):
        execute_one(owner, sql)
    for stage in project.stages:
        for statement in statements(stage, rendered[f"sql/{stage.file_stem}.sql"]):
            try:
                execute_one(owner, statement.sql)
            except Exception as exc:
                if refused is None:
                    raise RuntimeError(f"{statement.pos}: {database_message(exc)}\n{statement.sql}") from None
                refused.append(f"{statement.pos}: the generated SQL does not apply: {database_message(exc)}")
