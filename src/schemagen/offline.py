"""Offline validation: every generated statement and every fragment inside, before a database.

Two judges, each for what it does well. PostgreSQL's own parser (``pgsql``, pglast)
decides whether a statement is valid syntax: the generated SQL of a user's
templates, raw SQL blocks included, is PostgreSQL's to accept, and a second
grammar would call valid PostgreSQL invalid (sqlglot does for ``create function
… security definer as $$…$$``). sqlglot walks the fragments a spec supplies
(checks, defaults, policy conditions, index keys) and resolves every bare column
they name against the table; a fragment it cannot read (PostgreSQL's parser
accepted it while loading) is simply not resolved, never reported. Keyword case
is style, and lint's SG001 alone measures it.
"""

from __future__ import annotations

import logging
from typing import Iterator

from . import model as m
from .diagnostics import Diagnostic, did_you_mean, sort_diagnostics
from .parallel import map_in_processes, worker_count
from .provenance import Statement, statements

logging.getLogger("sqlglot").setLevel(logging.ERROR)


def check_statement(statement: Statement, path_line: str) -> Iterator[Diagnostic]:
    from .pgsql import parse_failure

    failure = parse_failure(statement.sql)
    if failure is not None:
        where = statement.line + (statement.sql.count("\n", 0, failure.offset) if failure.offset else 0)
        yield Diagnostic(statement.pos, "V101", "error",
                         f"PostgreSQL's parser cannot read the generated {statement.kind} statement at "
                         f"{path_line}:{where}: {failure.message}")


def _fragments(table: m.Table) -> Iterator[tuple[str, str, m.SourcePos]]:
    for column in table.columns:
        if column.default is not None:
            yield f"the default of {column.name}", column.default.sql, column.pos
    for check in table.all_checks:
        yield "a check", check.expression, check.pos
    for policy in table.policies:
        if policy.using is not None:
            yield f'policy "{policy.name}" using', policy.using, policy.pos
        if policy.with_check is not None:
            yield f'policy "{policy.name}" with check', policy.with_check, policy.pos
    for index in table.indexes:
        for element in index.elements:
            if element.expression is not None:
                yield f"index {index.name}", element.expression, index.pos
        if index.where is not None:
            yield f"the predicate of index {index.name}", index.where, index.pos


def _outer_columns(tree) -> Iterator:
    """Bare columns that refer to the table's own row (not to a subquery's FROM)."""
    from sqlglot import exp

    for column in tree.find_all(exp.Column):
        if column.table:
            continue
        select = column.find_ancestor(exp.Select)
        if select is not None and (select.args.get("from_") or select.args.get("from")):
            continue
        yield column


def check_fragments(table: m.Table) -> Iterator[Diagnostic]:
    import sqlglot
    from sqlglot.errors import ParseError, TokenError

    names = [c.name for c in table.columns]
    for what, sql, pos in _fragments(table):
        try:
            tree = sqlglot.parse_one(sql, read="postgres")
        except (ParseError, TokenError):  # valid PostgreSQL that sqlglot's grammar lacks: nothing to resolve
            continue
        for column in _outer_columns(tree):
            identifier = column.this
            name = identifier.name if identifier.args.get("quoted") else identifier.name.lower()
            if name not in names:
                yield Diagnostic(pos, "V102", "error",
                                 f"{what} names column '{name}', which {table.schema}.{table.name} does not "
                                 f"have{did_you_mean(name, names)}")


def _check_stage(stage: m.Stage, sql: str) -> list[Diagnostic]:
    rel = f"sql/{stage.file_stem}.sql"
    found: list[Diagnostic] = []
    for statement in statements(stage, sql):
        found.extend(check_statement(statement, rel))
    for table in stage.tables:
        found.extend(check_fragments(table))
    return found


#: Set just before forking workers, so they inherit the job instead of unpickling it.
_JOB: tuple[m.Project, object] | None = None

#: Below this many tables a worker pool costs more than it saves.
PARALLEL_FROM_TABLES = 200


def _render_and_check(indexes: list[int]) -> tuple[dict[str, str], list[Diagnostic]]:
    from .render import build_environment, stage_sql

    assert _JOB is not None
    project, templates = _JOB
    env = build_environment(templates)
    rendered, found = {}, []
    for i in indexes:
        stage = project.stages[i]
        sql = stage_sql(env, stage)
        rendered[f"sql/{stage.file_stem}.sql"] = sql
        found.extend(_check_stage(stage, sql))
    return rendered, found


def render_stages(project: m.Project, templates=None) -> dict[str, str]:
    """Each stage's migration, unchecked: what a live run applies while ``check_stages`` reads it."""
    from .render import build_environment, stage_sql

    env = build_environment(templates)
    return {f"sql/{stage.file_stem}.sql": stage_sql(env, stage) for stage in project.stages}


def check_stages(project: m.Project, rendered: dict[str, str]) -> list[Diagnostic]:
    """The offline checks of rendered stages, here (a live run does them in a thread while its own
    thread waits on the server: forking beside running threads is not safe)."""
    return sort_diagnostics(d for stage in project.stages
                            for d in _check_stage(stage, rendered[f"sql/{stage.file_stem}.sql"]))


def render_and_validate(project: m.Project, templates=None) -> tuple[dict[str, str], list[Diagnostic]]:
    """Render each stage's migration and check it; stages are independent, so a large
    project is split over every core (``map_in_processes``, which never forks beside a thread)."""
    global _JOB
    large = len(project.tables) >= PARALLEL_FROM_TABLES
    workers = worker_count(len(project.stages)) if large else 1
    indexes = list(range(len(project.stages)))
    _JOB = (project, templates)
    try:
        parts = map_in_processes(_render_and_check, [indexes[i::workers] for i in range(workers)], workers)
    finally:
        _JOB = None
    rendered = {k: v for part, _ in parts for k, v in part.items()}
    return dict(sorted(rendered.items())), sort_diagnostics(d for _, found in parts for d in found)
