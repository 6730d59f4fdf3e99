"""Generated SQL split into statements, each tied to the spec object it came from.

Validation reports every parse error, PostgreSQL error and mismatch "at the spec's
line". Templates are the user's to change, so the link is recovered from the
rendered text itself: each statement is recognised by its head (``create policy
<name> on <table>``, ``create index <name>``…) and matched to the model object of
that name; anything else belongs to the raw SQL block that contains it, or to the
stage.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import model as m
from .sqltokens import Token, tokenize


@dataclass(frozen=True)
class Statement:
    sql: str
    #: 1-based line of the statement's first token in the rendered file.
    line: int
    pos: m.SourcePos
    #: What kind of object it creates: table, comment, rls, policy, index, schema, raw.
    kind: str
    table: m.Table | None = None


def split(sql: str) -> list[tuple[str, int]]:
    """Statements with the line each starts on, as PostgreSQL's own lexer separates them;
    a statement's leading comments belong to no statement."""
    from .pgsql import statements_with_offsets

    return [(text, sql.count("\n", 0, start) + 1) for text, start in statements_with_offsets(sql)]


def _words(tokens: list[Token], n: int) -> list[str]:
    return [t.text.lower() if t.kind == "word" else t.ident for t in tokens[:n]]


def _qualified_after(tokens: list[Token], i: int) -> tuple[str, str] | None:
    """(schema, name) of a possibly qualified name starting at token i."""
    if i >= len(tokens) or tokens[i].kind not in ("word", "quoted_ident"):
        return None
    if i + 2 < len(tokens) and tokens[i + 1].text == ".":
        return (tokens[i].ident, tokens[i + 2].ident)
    return ("public", tokens[i].ident)


def _raw_block(stage: m.Stage, sql: str) -> m.RawSql | None:
    """The raw SQL block a statement was copied from, if any: such statements are the block's,
    even when they look like ones schemagen writes (a raw ``create schema``)."""
    compact = " ".join(sql.split()).rstrip(";")
    if not compact:
        return None
    return next((raw for raw in stage.sql_before + stage.sql_after if compact in " ".join(raw.sql.split())), None)


def attribute(stage: m.Stage, sql: str) -> tuple[str, m.SourcePos, m.Table | None]:
    raw = _raw_block(stage, sql)
    if raw is not None:
        return "raw", raw.pos, None
    head = sql.split(" is ", 1)[0] if sql.lower().startswith("comment") else sql
    try:
        tokens = tokenize(head, limit=24)
    except ValueError:
        tokens = []
    if not tokens:
        return "raw", stage.pos, None
    words = _words(tokens, 4)
    tables = {t.key: t for t in stage.tables}

    def table_at(i: int) -> m.Table | None:
        key = _qualified_after(tokens, i)
        return tables.get(key) if key else None

    if words[:2] == ["create", "table"]:
        table = table_at(2)
        if table:
            return "table", table.pos, table
    if words[:3] in (["comment", "on", "table"], ["comment", "on", "column"]):
        table = table_at(3)
        if table and words[2] == "column":
            column = table.column(tokens[-1].ident) if len(tokens) > 4 else None
            if column:
                return "comment", column.pos, table
        if table:
            return "comment", table.pos, table
    if words[:2] == ["alter", "table"]:
        table = table_at(2)
        lowered = " ".join(sql.lower().split())
        kind = "rls" if lowered.endswith("row level security;") or lowered.endswith("row level security") \
            else "alter"
        if table:
            return kind, table.pos, table
    if words[:2] == ["create", "policy"] and len(tokens) > 2:
        name = tokens[2].ident
        on = next((i for i, t in enumerate(tokens) if t.kind == "word" and t.text.lower() == "on"), None)
        table = table_at(on + 1) if on is not None else None
        for candidate in [table] if table else stage.tables:
            policy = next((p for p in candidate.policies if p.name == name), None)
            if policy:
                return "policy", policy.pos, candidate
    if words[:2] == ["create", "index"] or words[:3] == ["create", "unique", "index"]:
        name_token = tokens[3] if words[1] == "unique" else tokens[2]
        for table in stage.tables:
            index = next((ix for ix in table.indexes if ix.name == name_token.ident), None)
            if index:
                return "index", index.pos, table
    if words[:2] == ["create", "schema"]:
        return "schema", stage.pos, None
    return "raw", stage.pos, None


def statements(stage: m.Stage, rendered_sql: str) -> list[Statement]:
    out = []
    for text, line in split(rendered_sql):
        kind, pos, table = attribute(stage, text)
        out.append(Statement(text, line, pos, kind, table))
    return out
