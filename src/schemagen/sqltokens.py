"""A small PostgreSQL lexer for the SQL fragments specs carry.

Fragments (policy expressions, checks, defaults, index predicates) need a handful
of cheap questions answered on every run, including ``generate`` and ``check``:
which columns does it name, which user does it compare with, is any keyword
uppercase. A lexer that knows PostgreSQL's quoting (``''`` escapes,
``E''`` strings, dollar quotes, quoted identifiers, both comment styles) answers
them cheaply for lint and for telling which object a statement creates. It never
decides what is safe or where a statement ends: PostgreSQL's own parser does
(``pgsql``), and every fragment has passed it before this lexer sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Literal

TokenKind = Literal["word", "quoted_ident", "string", "number", "comment", "punct", "space", "param"]


@dataclass(frozen=True)
class Token:
    """A lexeme with its offset, so a finding can point at the spot in the fragment."""

    kind: TokenKind
    text: str
    start: int

    @property
    def ident(self) -> str:
        """The identifier this token names, with PostgreSQL's case folding applied."""
        if self.kind == "quoted_ident":
            return self.text[1:-1].replace('""', '"')
        return self.text.lower()


#: PostgreSQL's classes, not Python's: only ASCII spaces separate tokens (a non-breaking space
#: is part of an identifier there), only ASCII digits make numbers, and a carriage return ends a
#: ``--`` comment. (Every non-ASCII character is a letter there; ``[^\x00-\x7f]`` says so in a
#: form ``re`` compiles in a fraction of a millisecond, where a range up to U+10FFFF takes seven.)
_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\n\r\f\v]+)
  | (?P<comment>--[^\n\r]*|/\*(?:.|\n)*?\*/)
  | (?P<string>[eE]'(?:[^'\\]|\\.|'')*'|[xXbBnN]?'(?:[^']|'')*'|\$(?P<tag>[A-Za-z_][A-Za-z0-9_]*|)\$(?:.|\n)*?\$(?P=tag)\$)
  | (?P<quoted_ident>"(?:[^"]|"")+")
  | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<param>\$[0-9]+)
  | (?P<word>(?:[A-Za-z_]|[^\x00-\x7f])(?:[A-Za-z0-9_$]|[^\x00-\x7f])*)
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


def referenced_names(sql: str) -> Iterator[Token]:
    """Identifier tokens that can name a column: not functions, not qualified members.

    ``to_tsvector('english', query)`` yields ``query``; ``auth.uid()`` yields
    nothing; ``t.col`` yields neither part (a qualifier points outside the row); nor does
    ``extract(epoch from t)`` yield ``epoch``.
    """
    tokens = tokenize(sql)
    for i, token in enumerate(tokens):
        if token.kind not in ("word", "quoted_ident"):
            continue
        following = tokens[i + 1].text if i + 1 < len(tokens) else ""
        preceding = tokens[i - 1].text if i else ""
        if following in ("(", ".") or preceding in (".", "::"):
            continue
        if preceding == "(" and i >= 2 and tokens[i - 2].text.lower() == "extract" and following.lower() == "from":
            continue  # extract(epoch from …): a field of the date, not a column
        yield token


def top_level_parts(tokens: list[Token], first: int, last: int) -> list[tuple[int, int]]:
    """Token ranges between the commas of ``tokens[first:last + 1]`` that no parenthesis or bracket
    holds (``array['a', 'b']`` is one part)."""
    parts, begin, depth = [], first, 0
    for i in range(first, last + 1):
        text = tokens[i].text
        depth += text in ("(", "[")
        depth -= text in (")", "]")
        if text == "," and depth == 0:
            parts.append((begin, i - 1))
            begin = i + 1
    parts.append((begin, last))
    return [p for p in parts if p[0] <= p[1]]
