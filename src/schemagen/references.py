"""Which objects a piece of spec SQL names: functions it calls, relations it reads, types it casts to.

Used to order a stage's statements (a policy calling a helper comes after the helper)
and by lint. It reads tokens, not meaning, and errs towards finding too much: a
name that no object of the stage provides is simply not a dependency. Unqualified
names resolve to ``public``, as Supabase's search path does for migrations.
"""

from __future__ import annotations

from .keywords import ALL_KEYWORDS
from .sqltokens import LexError, Token, tokenize

Ref = tuple[str, str, str]  # (kind, schema, name): ("function", "public", "is_member")

_RELATION_KEYWORDS = {"from", "join", "into", "update", "table", "references"}
_NOT_FUNCTIONS = ALL_KEYWORDS - {"coalesce", "greatest", "least", "nullif", "left", "right", "replace", "position"}


def _name(tokens: list[Token], i: int) -> tuple[tuple[str, str] | None, int]:
    """A possibly qualified name at token i, and the index after it."""
    if i >= len(tokens) or tokens[i].kind not in ("word", "quoted_ident"):
        return None, i
    if i + 2 < len(tokens) and tokens[i + 1].text == "." and tokens[i + 2].kind in ("word", "quoted_ident"):
        return (tokens[i].ident, tokens[i + 2].ident), i + 3
    return ("public", tokens[i].ident), i + 1


def references(sql: str | None) -> set[Ref]:
    if not sql:
        return set()
    try:
        tokens = tokenize(sql)
    except LexError:
        return set()
    found: set[Ref] = set()
    for i, token in enumerate(tokens):
        text = token.text.lower()
        if token.kind == "word" and text in _RELATION_KEYWORDS:
            name, _ = _name(tokens, i + 1)
            if name and name[1] not in ALL_KEYWORDS:
                found.add(("relation",) + name)
        elif token.text == "::":
            name, _ = _name(tokens, i + 1)
            if name:
                found.add(("type",) + name)
        elif token.kind in ("word", "quoted_ident") and (i == 0 or tokens[i - 1].text != "."):
            name, after = _name(tokens, i)
            if name and after < len(tokens) and tokens[after].text == "(":
                if token.kind == "word" and after == i + 1 and text in _NOT_FUNCTIONS:
                    continue
                found.add(("function",) + name)
                if name[1] == "nextval" and after + 1 < len(tokens) and tokens[after + 1].kind == "string":
                    sequence = tokens[after + 1].text.strip("'").split(".")
                    found.add(("relation",) + ((sequence[0], sequence[1]) if len(sequence) == 2
                                               else ("public", sequence[0])))
    return found
