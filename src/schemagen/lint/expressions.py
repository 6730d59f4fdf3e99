"""Questions lint rules (and the RLS probe) ask of policy expressions, answered with the spec lexer.

Every fragment has passed PostgreSQL's own parser while loading, so the lexer
only ever sees complete, comment-free expressions. The answers are deliberately
conservative where a wrong "yes" would be a false alarm: a call to a function
lint cannot see into (a helper such as ``private.is_member(org_id)``) may well
tie a row to its user, so such a condition is never called "not tied".
"""

from __future__ import annotations

import re

from ..keywords import ALL_KEYWORDS
from ..sqltokens import Token, referenced_names, tokenize

AUTH_FUNCTIONS = ("uid", "jwt", "role", "email")

#: Functions and keywords that read who is asking.
IDENTITY_WORDS = {"current_user", "session_user", "current_role", "user", "current_setting"}
IDENTITY_AUTH = {"uid", "jwt", "email"}

#: Built-in functions that cannot tell one user from another; any other call might.
PURE_FUNCTIONS = {
    "coalesce", "nullif", "greatest", "least", "lower", "upper", "length", "char_length", "trim", "btrim",
    "ltrim", "rtrim", "abs", "now", "array_length", "cardinality", "jsonb_array_length", "to_tsvector",
    "date_trunc", "extract", "position", "substring", "left", "right", "concat", "replace", "round",
    "floor", "ceil", "any", "all", "in", "array",
}

#: Keywords that are written like function calls; every other keyword before "(" opens a group.
KEYWORD_FUNCTIONS = {"coalesce", "greatest", "least", "nullif", "extract", "position", "substring", "trim",
                     "overlay", "normalize", "treat"}


def _is_call(word: str) -> bool:
    """Whether ``word (`` calls a function, rather than opening a group after a keyword (``exists (``)."""
    return word in KEYWORD_FUNCTIONS or word not in ALL_KEYWORDS


#: Operators after or before which a btree index can serve the column.
SARGABLE = {"=", "<", ">", "<=", ">=", "in", "between", "like", "is", "@>", "<@", "&&", "?", "?|", "?&"}


def _tokens(sql: str | None) -> list[Token]:
    return tokenize(sql) if sql is not None else []


def is_always_true(sql: str | None) -> bool:
    """``true``, ``(true)``, ``1 = 1`` and friends: a condition that admits every row."""
    if sql is None:
        return False
    text = "".join(t.text.lower() for t in tokenize(sql))
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return text in ("true", "1=1", "'t'", "'true'", "true=true", "notfalse", "'t'::boolean",
                    "true::boolean")


def tied_to_user(sql: str | None) -> bool:
    """Whether a condition can depend on who is asking.

    False only when it plainly cannot: no ``auth.uid()``/``auth.jwt()``/``auth.email()``,
    no ``current_user`` or ``current_setting()``, and no call to a function lint cannot
    see into. ``auth.role() = 'authenticated'`` is true for every signed-in user alike.
    """
    tokens = _tokens(sql)
    for i, token in enumerate(tokens):
        word = token.text.lower() if token.kind == "word" else None
        if word is None:
            continue
        if word == "auth" and i + 2 < len(tokens) and tokens[i + 1].text == "." \
                and tokens[i + 2].text.lower() in IDENTITY_AUTH:
            return True
        if word in IDENTITY_WORDS:
            return True
        following = tokens[i + 1].text if i + 1 < len(tokens) else ""
        preceding = tokens[i - 1].text if i else ""
        if following == "(" and preceding != "." and _is_call(word) and word not in PURE_FUNCTIONS:
            return True  # a function lint cannot see into
        if following == "." and word != "auth" and i + 3 < len(tokens) and tokens[i + 3].text == "(":
            return True  # a schema-qualified helper: private.is_member(...)
    return False


def per_row_auth_calls(sql: str | None) -> list[str]:
    """``auth.uid()`` (and friends) and ``current_setting(…)`` not wrapped as ``(select …)``.

    PostgreSQL calls a bare function once per row; wrapped in a scalar subquery it
    becomes an initPlan evaluated once per statement.
    """
    tokens = _tokens(sql)
    calls = []

    def wrapped(i: int) -> bool:
        return i >= 2 and tokens[i - 1].text.lower() == "select" and tokens[i - 2].text == "("

    for i in range(len(tokens)):
        window = [t.text.lower() for t in tokens[i:i + 5]]
        if (len(window) == 5 and window[0] == "auth" and window[1] == "." and window[2] in AUTH_FUNCTIONS
                and window[3] == "(" and window[4] == ")"):
            if not wrapped(i):
                calls.append(f"auth.{window[2]}()")
        elif window[:2] == ["current_setting", "("] and (not i or tokens[i - 1].text != "."):
            if not wrapped(i):
                calls.append("current_setting(…)")
    return calls


def _is_uid_call(tokens: list[Token], i: int) -> int:
    """Length of an ``auth.uid()`` or ``(select auth.uid())`` starting at i, else 0."""
    texts = [t.text.lower() for t in tokens[i:i + 8]]
    if texts[:5] == ["auth", ".", "uid", "(", ")"]:
        return 5
    if texts[:7] == ["(", "select", "auth", ".", "uid", "(", ")"] and texts[7:8] == [")"]:
        return 8
    return 0


def owner_columns(sql: str | None) -> list[str]:
    """Columns compared for equality with the current user: ``col = auth.uid()`` either way round."""
    tokens = _tokens(sql)
    names = ("word", "quoted_ident")
    owners = []
    for i in range(len(tokens)):
        length = _is_uid_call(tokens, i)
        if not length:
            continue
        if i >= 2 and tokens[i - 1].text == "=" and tokens[i - 2].kind in names \
                and (i < 3 or tokens[i - 3].text != "."):
            owners.append(tokens[i - 2].ident)
        after = tokens[i + length:i + length + 3]
        if (len(after) >= 2 and after[0].text == "=" and after[1].kind in names
                and (len(after) == 2 or after[2].text not in ("(", "."))):
            owners.append(after[1].ident)
    return list(dict.fromkeys(owners))


def column_names(sql: str | None, columns: set[str]) -> list[str]:
    if sql is None:
        return []
    return list(dict.fromkeys(t.ident for t in referenced_names(sql) if t.ident in columns))


def indexable_columns(sql: str | None, columns: set[str]) -> list[str]:
    """Columns of the row compared where an index on them could serve the comparison.

    Left out: a column inside a subquery (a correlated reference: the subquery runs per
    row), a function's argument (``is_member(org_id)``: an index on the column cannot
    serve the call), and one compared with ``<>`` (no index serves inequality).
    """
    tokens = _tokens(sql)
    contexts: list[str] = []
    found = []
    for i, token in enumerate(tokens):
        if token.text == "(":
            previous = tokens[i - 1] if i else None
            following = tokens[i + 1].text.lower() if i + 1 < len(tokens) else ""
            if following == "select":
                contexts.append("subquery")
            elif previous is not None and previous.kind in ("word", "quoted_ident") \
                    and (previous.kind == "quoted_ident" or _is_call(previous.text.lower())):
                contexts.append("call")
            else:
                contexts.append("group")
            continue
        if token.text == ")":
            if contexts:
                contexts.pop()
            continue
        if token.kind not in ("word", "quoted_ident") or token.ident not in columns:
            continue
        if {"subquery", "call"} & set(contexts):
            continue
        following = tokens[i + 1].text.lower() if i + 1 < len(tokens) else ""
        preceding = tokens[i - 1].text.lower() if i else ""
        if following in (".", "(") or preceding in (".", "::"):
            continue
        if following in SARGABLE or preceding in SARGABLE:
            found.append(token.ident)
    return list(dict.fromkeys(found))


def trusts_user_metadata(sql: str | None) -> bool:
    """Whether a condition reads ``user_metadata`` (from the JWT or ``raw_user_meta_data``)."""
    for token in _tokens(sql):
        if token.kind == "string" and token.text.strip("'").lower() == "user_metadata":
            return True
        if token.kind in ("word", "quoted_ident") and token.ident == "raw_user_meta_data":
            return True
    return False


#: A default that is one quoted string, cast or not: ``'pending'``, ``'{}'::jsonb``.
_QUOTED_DEFAULT = re.compile(r"\s*'((?:[^']|'')*)'\s*(?:::\s*[\w.\" \[\]()]+\s*)?", re.S)


def literal_default(default) -> str | None:
    """The text a column's default gives when it is one string (``{literal: …}``, or a quoted
    string, cast or not); None for an expression, which only PostgreSQL can judge."""
    if default is None:
        return None
    if default.literal is not None:
        return default.literal
    match = _QUOTED_DEFAULT.fullmatch(default.sql)
    return match.group(1).replace("''", "'") if match else None
