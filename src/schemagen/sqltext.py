"""Quoting and escaping: the only place SQL text is assembled from spec values.

Every template filter that emits an identifier or a literal goes through here, so a
table called "order" or a comment saying "It's" is correct in every output at once.
"""

from __future__ import annotations

import re

from .keywords import QUOTE_REQUIRED

_BARE_IDENT = re.compile(r"[a-z_][a-z0-9_$]*\Z")


def quote_ident(name: str) -> str:
    """Quote like PostgreSQL's ``quote_ident``: only when the bare name would change meaning.

    Bare is kept for lowercase names that are not keywords, because that is how
    people write SQL and how the seed documents read; everything else (mixed case,
    spaces, reserved words such as ``order`` or ``user``) is double-quoted with
    embedded quotes doubled.
    """
    if _BARE_IDENT.match(name) and name not in QUOTE_REQUIRED:
        return name
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A string literal, as PostgreSQL's ``quote_literal`` writes it.

    Quotes are doubled; text with a backslash is written as ``E'...'`` with the
    backslashes doubled, so it reads the same whether or not the server (or psql)
    has ``standard_conforming_strings`` on: a trailing backslash can never escape
    the closing quote.
    """
    quoted = value.replace("'", "''")
    if "\\" in value:
        return "E'" + quoted.replace("\\", "\\\\") + "'"
    return "'" + quoted + "'"


def dollar_tag(value: str, name: str = "q") -> str:
    """The dollar-quote tag that can hold ``value``: ``$$``, or the first ``$q$``, ``$q1$`` … (with
    ``name`` for q) whose first occurrence in ``value`` followed by the tag is the closing one."""
    n = -1
    while True:
        tag = "$$" if n < 0 else f"${name}{n or ''}$"
        if (value + tag).find(tag) == len(value):
            return tag
        n += 1


def dollar_quoted(value: str) -> str:
    """A string as a dollar-quoted constant, as people write SQL held in a string (a job's command)."""
    tag = dollar_tag(value)
    return f"{tag}{value}{tag}"


def do_block(body: str) -> str:
    """A ``do`` block around PL/pgSQL ``body``, quoted with a tag the body does not hold (a role named
    ``app$$user`` inside a ``$$`` block would end it)."""
    tag = dollar_tag(body)
    return f"do {tag} {body} {tag}"


#: What ends a ``--`` comment for PostgreSQL's lexer and psql's: either line break.
_LINE_BREAK = re.compile(r"\r\n?|\n")


def sql_comment(text: str) -> str:
    """``text`` as ``--`` comment lines: every line break starts a new comment line,
    so no name or message, whatever it holds, can end the comment and become SQL."""
    return "\n".join("-- " + line if line else "--" for line in _LINE_BREAK.split(text))


def qualified(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def sql_value(value: str | int | float | bool) -> str:
    """A YAML scalar as a SQL constant: text is escaped, numbers and booleans are not."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return quote_literal(value)


_TYPE_TOKEN = re.compile(
    r"""\s*(?:
        (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
      | (?P<quoted>"(?:[^"\x00]|"")+")
      | (?P<dot>\.)
      | (?P<mods>\(\s*-?\d+(?:\s*,\s*-?\d+)*\s*\))
      | (?P<array>\[\s*\d*\s*\])
    )""",
    re.VERBOSE,
)


def normalize_type(text: str) -> str | None:
    """Canonical lowercase spelling of a column type, or None if it is not a type name.

    Accepts what PostgreSQL accepts as a type in a column definition (names, schema
    qualification, several words such as ``double precision``, integer modifiers,
    array brackets) and nothing else, so a type can never smuggle in SQL.
    """
    pos, out, expect_name = 0, "", True
    while pos < len(text):
        m = _TYPE_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            return None
        pos = m.end()
        kind = m.lastgroup
        if kind == "word":
            word = m.group("word").lower()
            out += word if expect_name or out.endswith(".") else " " + word
            expect_name = False
        elif kind == "quoted":
            if not (expect_name or out.endswith(".")):
                return None
            out += m.group("quoted")
            expect_name = False
        elif kind == "dot":
            if expect_name or out.endswith("."):
                return None
            out += "."
        elif kind == "mods":
            if expect_name or out.endswith("."):
                return None
            numbers = re.findall(r"-?\d+", m.group("mods"))
            out += "(" + ", ".join(numbers) + ")"
        else:
            if expect_name:
                return None
            out += "[" + re.sub(r"\s+", "", m.group("array"))[1:-1] + "]"
    if expect_name or out.endswith("."):
        return None
    return out
