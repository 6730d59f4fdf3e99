"""A small PostgreSQL lexer for the SQL fragments specs carry.

Fragments (policy expressions, checks, defaults, index predicates) need a handful
of cheap questions answered on every run, including ``generate`` and ``check``:
which columns does it name, does it hide a ``;``, are its parentheses balanced,
is any keyword uppercase. A lexer that knows PostgreSQL's quoting (``''`` escapes,
``E''`` strings, dollar quotes, quoted identifiers, both comment styles) answers
them exactly without importing a full parser; full parsing belongs to ``validate``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Literal

TokenKind = Literal["word", "quoted_ident", "string", "number", "comment", "punct", "space", "param"]


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    start: int

    @property
    def ident(self) -> str:
        """The identifier this token names, with PostgreSQL's case folding applied."""
        if self.kind == "quoted_ident":
            return self.text[1:-1].replace('""', '"')
        return self.text.lower()


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>--[^\n]*|/\*(?:.|\n)*?\*/)
  | (?P<string>[eE]'(?:[^'\\]|\\.|'')*'|[xXbBnN]?'(?:[^']|'')*'|\$(?P<tag>[A-Za-z_][A-Za-z0-9_]*|)\$(?:.|\n)*?\$(?P=tag)\$)
  | (?P<quoted_ident>"(?:[^"]|"")+")
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<param>\$\d+)
  | (?P<word>[^\W\d][\w$]*)
  | (?P<punct>::|<>|!=|<=|>=|\|\||->>|->|\#>>|\#>|@>|<@|&&|[^\s])
    """,
    re.VERBOSE,
)


class LexError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def tokenize(sql: str, *, keep_space: bool = False, limit: int | None = None) -> list[Token]:
    """Tokens of ``sql``; with ``limit``, only the first that many (cheap for long statements)."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(sql) and (limit is None or len(tokens) < limit):
        m = _TOKEN.match(sql, pos)
        if m is None or m.end() == pos:
            quote = sql[pos]
            what = {"'": "string literal", '"': "quoted identifier", "$": "dollar-quoted string"}
            raise LexError(f"unterminated {what.get(quote, 'token')}", pos)
        kind = m.lastgroup if m.lastgroup != "tag" else "string"
        if m.group("string") is not None:
            kind = "string"
        if keep_space or kind not in ("space", "comment"):
            tokens.append(Token(kind, m.group(), pos))  # type: ignore[arg-type]
        pos = m.end()
    return tokens


def fragment_problem(sql: str) -> str | None:
    """Why ``sql`` cannot be one expression placed inside a statement, or None.

    A ``;`` outside quotes would end the statement the fragment sits in, letting a
    spec append statements of its own; unbalanced parentheses break the statement
    around it.
    """
    try:
        tokens = tokenize(sql)
    except LexError as exc:
        return f"{exc} at character {exc.offset + 1}"
    if any(token.text == ";" for token in tokens):
        return "contains ';': an expression cannot end the statement it sits in (use sql_before/sql_after for statements)"
    depth = 0
    for token in tokens:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
            if depth < 0:
                return f"has a ')' without its '(' at character {token.start + 1}"
    if depth:
        return "has a '(' that is never closed"
    return None


def referenced_names(sql: str) -> Iterator[Token]:
    """Identifier tokens that can name a column: not functions, not qualified members.

    ``to_tsvector('english', query)`` yields ``query``; ``auth.uid()`` yields
    nothing; ``t.col`` yields neither part (a qualifier points outside the row).
    """
    tokens = tokenize(sql)
    for i, token in enumerate(tokens):
        if token.kind not in ("word", "quoted_ident"):
            continue
        following = tokens[i + 1].text if i + 1 < len(tokens) else ""
        preceding = tokens[i - 1].text if i else ""
        if following in ("(", ".") or preceding in (".", "::"):
            continue
        yield token


_STATEMENT_END_PATTERN = (
    r"""[eE]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/"""
    r"""|\$(?P<tag>[A-Za-z_][A-Za-z0-9_]*|)\$.*?\$(?P=tag)\$|(?P<end>;)"""
)


def statement_ends(sql: str) -> list[int]:
    """Offsets of the ``;`` that end statements: not those in strings, comments or $$ bodies.

    A single regular-expression scan, far cheaper than tokenizing every word, for
    splitting whole migration files.
    """
    pattern = re.compile(_STATEMENT_END_PATTERN, re.S)  # cached by re; compiled only when splitting
    return [m.start() for m in pattern.finditer(sql) if m.group("end")]
