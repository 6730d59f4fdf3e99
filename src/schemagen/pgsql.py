"""PostgreSQL's own lexer and parser (libpg_query, through pglast): the judge of SQL text.

Specs carry SQL fragments (defaults, checks, policy conditions, index keys and
predicates) and raw statements, and schemagen writes them into migrations that
``psql`` and the Supabase CLI apply with real credentials. A lexer of our own would
disagree with PostgreSQL somewhere (a carriage return ends a ``--`` comment there, a
non-breaking space is part of an identifier), and every disagreement is a way for
a spec line to become a second statement. So the server's own grammar decides:
a fragment must lex completely, hold no comment and no ``;``, and parse, in the
context it is written into, as exactly one thing of its kind.

pglast costs about 25 ms to import, a third of what ``schemagen check`` may take,
so each verdict is remembered (see ``cache``) and a run whose fragments were all
judged before imports nothing.
"""

from __future__ import annotations

import json
import re
from typing import Literal, NamedTuple

FragmentKind = Literal["expression", "default", "type", "statements", "returns", "query", "plpgsql"]

#: Each kind is parsed inside the construct the templates write it into; the text
#: after the fragment starts on a new line, so nothing in it can swallow the rest.
_WRAPPERS: dict[str, tuple[str, str]] = {
    # no parentheses around it: ``select 1`` becomes an expression only inside some, and a
    # template may write the fragment without them (an index's ``where``)
    "expression": ("select ", "\n"),
    "default": ("create table t (c int default ", "\n)"),
    "type": ("create table t (c ", "\n)"),
    "statements": ("", "\n"),
    "returns": ("create function f() returns ", "\nlanguage sql as 'select 1'"),
    "query": ("create view v as ", "\n"),
}

#: Statements that would end the transaction schemagen applies a stage in.
TRANSACTION_CONTROL = "TransactionStmt"

_TOKEN_WORDS = {"ASCII_59": ";", "SQL_COMMENT": "--", "C_COMMENT": "/*"}


#: What libpg_query's PL/pgSQL parser says of text no catalog could make valid. Anything else it says
#: comes from the catalog it lacks: a type outside public ("LookupExplicitNamespace only supports
#: pg_catalog and public"), a variable of a user type taken for a composite ("is not a scalar variable").
_PLPGSQL_SYNTAX = re.compile(r"syntax error|unterminated|zero-length delimited identifier")


class Problem(NamedTuple):
    message: str
    #: 0-based character offset into the fragment, when the parser names one.
    offset: int | None = None


def _parser():
    from pglast import parser

    return parser


def parser_version() -> str:
    """Part of every cache key: a new parser judges afresh."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pglast")
    except PackageNotFoundError:
        return "unknown"


def _parse(sql: str) -> list[dict]:
    """The parse tree. A deep expression is a deep JSON document, deeper than Python's default
    recursion limit allows its decoder; fragments are held to ``MAX_NESTING`` and ``MAX_OPERATORS``
    before this, and the decoder (C, no Python frames) gets the room those need."""
    import sys

    text = _parser().parse_sql_json(sql)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        return json.loads(text).get("stmts", [])
    finally:
        sys.setrecursionlimit(limit)


def _node(wrapper: dict) -> tuple[str, dict]:
    ((kind, body),) = wrapper.items()
    return kind, body


def without_comments(text: str) -> str:
    """``text`` with each comment, as PostgreSQL's lexer finds them, turned into a space; a line left
    blank goes too. Text that does not lex is returned as it is (the loader then says what is wrong with it)."""
    parser = _parser()
    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return text
    spans = [(t.start, t.end + 1) for t in tokens if t.name in ("SQL_COMMENT", "C_COMMENT")]
    if not spans:
        return text
    pieces, at = [], 0
    for start, end in spans:
        pieces.append(text[at:start] + " ")  # a comment separates tokens: a/**/b is two words
        at = end
    pieces.append(text[at:])
    joined = "".join(pieces)
    return "\n".join(line.rstrip() for line in joined.split("\n") if line.strip() or "\n" not in joined)


class CreatedExtension(NamedTuple):
    name: str
    schema: str | None
    if_not_exists: bool
    version: str | None
    cascade: bool


def created_extension(sql: str) -> CreatedExtension | None:
    """What ``sql`` asks for when it is one ``create extension``, else None."""
    statements = _parse(sql)
    if len(statements) != 1:
        return None
    node, body = _node(statements[0]["stmt"])
    if node != "CreateExtensionStmt":
        return None
    options = {o["DefElem"]["defname"]: o["DefElem"].get("arg") for o in body.get("options", [])}
    schema = options["schema"]["String"]["sval"] if options.get("schema") else None
    version = options["new_version"]["String"]["sval"] if options.get("new_version") else None
    return CreatedExtension(body["extname"], schema, bool(body.get("if_not_exists")), version, "cascade" in options)


#: Parentheses and brackets one fragment may nest, and operators it may hold: every reader of an
#: expression (sqlglot, the linter, PostgreSQL's own planner) walks its tree, and a tree as deep as
#: the text is long costs each of them recursion and time (docs/security.md names the limits).
MAX_NESTING = 32
MAX_OPERATORS = 256
#: A query (a view's) holds more operators side by side without nesting them.
MAX_QUERY_OPERATORS = 4096

_OPERATORS = frozenset({"Op", "AND", "OR", "NOT", "TYPECAST", "LESS_EQUALS", "GREATER_EQUALS", "NOT_EQUALS",
                        "IS", "LIKE", "ILIKE", "SIMILAR", "BETWEEN", "COLLATE", "ASCII_37", "ASCII_42",
                        "ASCII_43", "ASCII_45", "ASCII_47", "ASCII_60", "ASCII_61", "ASCII_62", "ASCII_94"})
#: After a colon, what psql reads as a variable (``:name``, ``:'name'``, ``:"name"``, ``:{?name}``).
_PSQL_VARIABLE = re.compile(r"[A-Za-z0-9_\x80-\U0010ffff'\"{]")


def _psql_problem(text: str, tokens) -> Problem | None:
    """What psql would read differently from PostgreSQL: a variable outside quotes (psql substitutes
    ``:LAST_ERROR_MESSAGE`` in ``a[1:LAST_ERROR_MESSAGE]``), and a backslash in a plain string
    literal (with ``standard_conforming_strings = off`` it escapes the quote, and the string, and
    every statement after it, ends somewhere else)."""
    for token in tokens:
        if token.name == "ASCII_58" and _PSQL_VARIABLE.match(text, token.end + 1):
            return Problem("has a colon directly before a name or quote, which psql replaces with the value of "
                           "a variable of that name when it applies the migration; write a space after the "
                           "colon (a[1: n])", token.start)
        if token.name in ("SCONST", "USCONST") and "\\" in text[token.start:token.end + 1] \
                and text[token.start] not in "eE$":
            return Problem("has a backslash in a plain string literal, which reads differently when "
                           "standard_conforming_strings is off; write it as E'…' with the backslash doubled",
                           token.start)
    return None


def _size_problem(tokens, kind: FragmentKind) -> Problem | None:
    depth = operators = 0
    for token in tokens:
        if token.name in ("ASCII_40", "ASCII_91"):
            depth += 1
            if depth > MAX_NESTING:
                return Problem(f"nests parentheses more than {MAX_NESTING} deep; split it, or move the logic "
                               "into a function", token.start)
        elif token.name in ("ASCII_41", "ASCII_93"):
            depth -= 1
        elif token.name in _OPERATORS:
            operators += 1
    limit = MAX_QUERY_OPERATORS if kind == "query" else MAX_OPERATORS
    if operators > limit:
        return Problem(f"holds {operators} operators, more than the {limit} schemagen reads in one "
                       f"{'query' if kind == 'query' else 'expression'}; move the logic into a function "
                       "(or a lookup table)")
    return None


def _lex_problem(text: str, kind: FragmentKind) -> Problem | None:
    parser = _parser()
    try:
        tokens = parser.scan(text)
    except parser.ParseError as exc:
        message, offset = exc.args[0], exc.args[1] if len(exc.args) > 1 else None
        return Problem(message.split(", at index")[0], offset)
    problem = _psql_problem(text, tokens)
    if problem is None and kind != "statements":
        problem = _size_problem(tokens, kind)
    if problem is not None:
        return problem
    for token in tokens:
        if token.name in ("SQL_COMMENT", "C_COMMENT") and kind != "statements":
            return Problem("contains an SQL comment; a comment inside a fragment can hide the text after "
                           "it, so write the explanation as a YAML '#' comment instead", token.start)
        if token.name == "ASCII_59" and kind != "statements":
            return Problem("contains ';', which would end the statement it is written into; "
                           "statements belong in sql_before/sql_after", token.start)
    if kind == "statements":
        significant = [t for t in tokens if t.name not in ("SQL_COMMENT", "C_COMMENT")]
        if tokens and tokens[-1].name in ("SQL_COMMENT",) and (not significant or significant[-1].name != "ASCII_59"):
            return Problem("ends inside a '--' comment, so the ';' schemagen adds would be part of it; "
                           "end the SQL with ';'", tokens[-1].start)
    return None


def fragment_problem(kind: FragmentKind, text: str) -> Problem | None:
    """Why ``text`` is not exactly one ``kind`` in PostgreSQL's grammar, or None.

    ``plpgsql`` is a whole ``create function`` statement whose body PostgreSQL's PL/pgSQL
    parser reads; the body sits in a dollar quote its text does not contain, so it is only
    judged for its syntax.
    """
    if kind == "plpgsql":
        parser = _parser()
        try:
            parser.parse_plpgsql_json(text)
        except parser.ParseError as exc:
            message = exc.args[0].split(", at index")[0]
            if not _PLPGSQL_SYNTAX.search(message):
                return None  # libpg_query has no catalog to decide by; the server does (validate --live)
            return Problem(f"is not valid PL/pgSQL: {message}")
        return None
    problem = _lex_problem(text, kind)
    if problem:
        return problem
    before, after = _WRAPPERS[kind]
    parser = _parser()
    try:
        statements = _parse(before + text + after)
    except parser.ParseError as exc:
        offset = exc.args[1] if len(exc.args) > 1 else None
        if offset is not None:
            offset = min(max(offset - len(before), 0), len(text))
        reason = exc.args[0]
        return Problem(f"is not valid PostgreSQL: {reason}", offset)
    if kind != "statements" and '"ParamRef"' in json.dumps(statements):
        return Problem("holds a parameter ($1), which only a prepared statement has; write the value")
    return _shape_problem(kind, statements)


def _shape_problem(kind: FragmentKind, statements: list[dict]) -> Problem | None:
    if kind == "statements":
        for statement in statements:
            name, body = _node(statement["stmt"])
            if name == TRANSACTION_CONTROL:
                verb = body.get("kind", "").removeprefix("TRANS_STMT_").lower().replace("_", " ")
                return Problem(f"controls the transaction ({verb}); schemagen applies each stage in one "
                               "transaction, which raw SQL may not end or start",
                               statement.get("stmt_location", 0))
        return None
    if len(statements) != 1:
        return Problem("is more than one statement")
    name, body = _node(statements[0]["stmt"])
    if kind == "returns":
        if name != "CreateFunctionStmt" or len(body.get("options", [])) != 2 or any(
                p["FunctionParameter"].get("mode") != "FUNC_PARAM_TABLE" for p in body.get("parameters", [])):
            return Problem("is not one return type (a type, setof <type>, table (…), trigger or void)")
        return None
    if kind == "query":
        if name != "ViewStmt" or set(body) - {"view", "query", "withCheckOption"} or \
                body.get("withCheckOption", "NO_CHECK_OPTION") != "NO_CHECK_OPTION":
            return Problem("is not one query")
        return None
    if kind == "expression":
        targets = body.get("targetList", [])
        extra = set(body) - {"targetList", "limitOption", "op"}
        if name != "SelectStmt" or extra or len(targets) != 1 or "name" in targets[0]["ResTarget"]:
            return Problem("is not one expression (it reads as a list, an alias or a clause of a query)")
        return None
    elements = body.get("tableElts", [])
    column = elements[0].get("ColumnDef") if len(elements) == 1 else None
    if name != "CreateStmt" or column is None or "collClause" in column:
        return Problem(f"is not one {'default expression' if kind == 'default' else 'type name'}")
    constraints = [c["Constraint"]["contype"] for c in column.get("constraints", [])]
    if kind == "type" and constraints:
        return Problem("is not one type name (it carries a constraint)")
    if kind == "default":
        if constraints != ["CONSTR_DEFAULT"]:
            return Problem("is not one default expression (it carries further column constraints)")
        raw = column["constraints"][0]["Constraint"].get("raw_expr", {})
        if "ColumnRef" in raw:
            word = ".".join(part["String"]["sval"] for part in raw["ColumnRef"]["fields"] if "String" in part)
            return Problem(f"reads as the column name {word!r}, and a default cannot name a column; for the "
                           f"text write default: {{literal: {word}}}")
    return None


class StatementText(NamedTuple):
    sql: str
    #: 0-based character offset of the statement in the text it was split from.
    start: int


def split(sql: str) -> list[StatementText]:
    """Statements as PostgreSQL's lexer separates them, leading comments dropped."""
    parser = _parser()
    return [StatementText(sql[piece], piece.start)
            for piece in parser.split(sql, with_parser=False, only_slices=True)]


def statements_with_offsets(sql: str) -> list[StatementText]:
    """``split``, each statement starting at its first token rather than at a comment before it.

    Text that does not even lex (a user's template left a quote open) is one statement,
    which the server then refuses as a whole.
    """
    parser = _parser()
    out = []
    try:
        pieces = split(sql)
    except parser.ParseError:
        return [StatementText(sql.strip(), len(sql) - len(sql.lstrip()))] if sql.strip() else []
    for text, start in pieces:
        first = next((t.start for t in parser.scan(text) if t.name not in ("SQL_COMMENT", "C_COMMENT")), None)
        if first is not None:
            out.append(StatementText(text[first:].rstrip(), start + first))
    return out


def statement_kinds(sql: str) -> list[str]:
    """The parse node of each statement in ``sql`` (``CreateStmt``, ``TransactionStmt``…)."""
    return [_node(s["stmt"])[0] for s in _parse(sql)]


def refusal(sql: str) -> str | None:
    """Why schemagen must not send ``sql`` inside its transaction, or None.

    It must be exactly one statement that PostgreSQL's parser reads, and not one
    that ends or starts a transaction (a ``commit`` in a user's template).
    """
    parser = _parser()
    try:
        statements = _parse(sql)
    except parser.ParseError as exc:
        return f"PostgreSQL's parser cannot read it: {exc.args[0].split(', at index')[0]}"
    if len(statements) != 1:
        return f"it holds {len(statements)} statements where one was expected"
    name, body = _node(statements[0]["stmt"])
    if name == TRANSACTION_CONTROL:
        verb = body.get("kind", "").removeprefix("TRANS_STMT_").lower().replace("_", " ")
        return f"it controls the transaction ({verb}), which would let it outlive the command"
    if name == "CopyStmt":
        return "it copies data to or from a file or the client; migrations load data with insert"
    return None


class ParseFailure(NamedTuple):
    message: str
    #: 0-based character offset, when the parser names one.
    offset: int | None


def parse_failure(sql: str) -> ParseFailure | None:
    """The syntax error PostgreSQL's parser reports for ``sql``, or None if it parses."""
    parser = _parser()
    try:
        parser.parse_sql_json(sql)
    except parser.ParseError as exc:
        return ParseFailure(exc.args[0].split(", at index")[0], exc.args[1] if len(exc.args) > 1 else None)
    return None


def _parser_stamp() -> str:
    """Which pglast build would judge, without importing it: its location and install time."""
    import os
    from importlib.util import find_spec

    spec = find_spec("pglast")
    if spec is None or spec.origin is None:
        return "missing"
    try:
        return f"{spec.origin}:{os.stat(spec.origin).st_mtime_ns}"
    except OSError:
        return spec.origin


def judge(fragments: list[tuple[FragmentKind, str]]) -> list[Problem | None]:
    """``fragment_problem`` for many fragments, remembered per set so an unchanged spec
    file is not judged (and pglast not imported) again. Only clean sets are remembered."""
    from . import __version__, cache

    if not fragments:
        return []
    key = cache.digest("verdicts-3", __version__, _parser_stamp(), *(f"{k}\x00{t}" for k, t in fragments))
    if cache.known("verdicts", key):
        return [None] * len(fragments)
    seen: dict[tuple[str, str], Problem | None] = {}
    results = []
    for fragment in fragments:
        if fragment not in seen:
            seen[fragment] = fragment_problem(*fragment)
        results.append(seen[fragment])
    if not any(results):
        cache.remember("verdicts", key)
    return results
