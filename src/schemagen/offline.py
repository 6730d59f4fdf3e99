"""Offline validation with sqlglot: every generated statement, and every fragment inside.

sqlglot parses most DDL into syntax trees but turns ``create policy`` and ``alter
table … row level security`` into an opaque ``Command``. So the pieces that live
inside them (policy ``using`` / ``with check``), and the fragments a spec supplies
elsewhere (checks, defaults, index keys and predicates), are parsed one by one as
expressions, and every bare column they name is resolved against its table. Only
the statement kinds on ``OPAQUE_ALLOWED`` may stay opaque. Keywords are measured
lowercase with sqlglot's own tokenizer.
"""

from __future__ import annotations

import logging
from typing import Iterator

import sqlglot
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from . import model as m
from .diagnostics import Diagnostic, did_you_mean, sort_diagnostics
from .parallel import map_in_processes, worker_count
from .provenance import Statement, statements

#: Statement heads sqlglot cannot parse that are accepted as opaque, because their
#: inner expressions are checked separately (policies) or they carry none (RLS
#: switches), or they come from a raw SQL block that the live run applies.
OPAQUE_ALLOWED = {"policy", "rls", "raw"}

_TOKENIZER = Postgres().tokenizer_class()
_NOT_KEYWORDS = {TokenType.VAR, TokenType.STRING, TokenType.IDENTIFIER, TokenType.NUMBER,
                 TokenType.NATIONAL_STRING, TokenType.BIT_STRING, TokenType.HEX_STRING,
                 TokenType.BYTE_STRING, TokenType.HEREDOC_STRING, TokenType.PARAMETER}

logging.getLogger("sqlglot").setLevel(logging.ERROR)


def _parse_error(exc: Exception) -> tuple[str, int, int]:
    if isinstance(exc, ParseError) and exc.errors:
        first = exc.errors[0]
        near = first.get("highlight") or ""
        return f"{first['description']}" + (f" near '{near}'" if near else ""), first["line"], first["col"]
    return str(exc).splitlines()[0], 1, 1


def _uppercase_keywords(sql: str) -> list[str]:
    try:
        tokens = _TOKENIZER.tokenize(sql)
    except TokenError:
        return []
    return list(dict.fromkeys(
        t.text for t in tokens
        if t.token_type not in _NOT_KEYWORDS and t.text.isalpha() and t.text != t.text.lower()
        and t.text.upper() in _TOKENIZER.KEYWORDS))


def check_statement(statement: Statement, path_line: str) -> Iterator[Diagnostic]:
    try:
        parsed = sqlglot.parse(statement.sql, read="postgres")
    except (ParseError, TokenError) as exc:
        message, line, col = _parse_error(exc)
        yield Diagnostic(statement.pos, "V101", "error",
                         f"sqlglot cannot parse the generated {statement.kind} statement at {path_line}:"
                         f"{statement.line + line - 1}: {message}")
        return
    for tree in parsed:
        if isinstance(tree, exp.Command) and statement.kind not in OPAQUE_ALLOWED:
            yield Diagnostic(statement.pos, "V104", "error",
                             f"sqlglot could only read the generated {statement.kind} statement at "
                             f"{path_line}:{statement.line} as an opaque command; check its syntax")
    upper = _uppercase_keywords(statement.sql)
    if upper:
        yield Diagnostic(statement.pos, "V103", "error",
                         f"uppercase keywords in the generated {statement.kind} statement at {path_line}:"
                         f"{statement.line}: {', '.join(upper)}; the house style is lowercase")


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


def _outer_columns(tree: exp.Expression) -> Iterator[exp.Column]:
    """Bare columns that refer to the table's own row (not to a subquery's FROM)."""
    for column in tree.find_all(exp.Column):
        if column.table:
            continue
        select = column.find_ancestor(exp.Select)
        if select is not None and (select.args.get("from_") or select.args.get("from")):
            continue
        yield column


def check_fragments(table: m.Table) -> Iterator[Diagnostic]:
    names = [c.name for c in table.columns]
    for what, sql, pos in _fragments(table):
        try:
            tree = sqlglot.parse_one(sql, read="postgres")
        except (ParseError, TokenError) as exc:
            message, _, col = _parse_error(exc)
            yield Diagnostic(pos, "V101", "error", f"{what} is not a valid expression: {message} "
                                                   f"(character {col})")
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


def render_and_validate(project: m.Project, templates=None, *,
                        parallel: bool = True) -> tuple[dict[str, str], list[Diagnostic]]:
    """Render each stage's migration and check it; stages are independent, so a large
    project is split over every core (unless ``parallel`` is off: forking beside a
    running thread is not safe)."""
    global _JOB
    large = parallel and len(project.tables) >= PARALLEL_FROM_TABLES
    workers = worker_count(len(project.stages)) if large else 1
    indexes = list(range(len(project.stages)))
    _JOB = (project, templates)
    try:
        parts = map_in_processes(_render_and_check, [indexes[i::workers] for i in range(workers)], workers)
    finally:
        _JOB = None
    rendered = {k: v for part, _ in parts for k, v in part.items()}
    return dict(sorted(rendered.items())), sort_diagnostics(d for _, found in parts for d in found)
