"""Questions lint rules ask of policy expressions, answered with the spec lexer."""

from __future__ import annotations

from ..sqltokens import Token, referenced_names, tokenize

AUTH_FUNCTIONS = ("uid", "jwt", "role", "email")


def is_always_true(sql: str | None) -> bool:
    """``true``, ``(true)``, ``1 = 1`` and friends: a condition that admits every row."""
    if sql is None:
        return False
    text = "".join(t.text.lower() for t in tokenize(sql))
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return text in ("true", "1=1", "'t'", "'true'", "true=true", "notfalse", "'t'::boolean",
                    "true::boolean")


def per_row_auth_calls(sql: str | None) -> list[str]:
    """``auth.uid()`` (and friends) not wrapped as ``(select auth.uid())``.

    PostgreSQL calls a bare function once per row; wrapped in a scalar subquery it
    becomes an initPlan evaluated once per statement.
    """
    if sql is None:
        return []
    tokens = tokenize(sql)
    calls = []
    for i in range(len(tokens) - 4):
        window = [t.text.lower() for t in tokens[i:i + 5]]
        if (window[0] == "auth" and window[1] == "." and window[2] in AUTH_FUNCTIONS
                and window[3] == "(" and window[4] == ")"):
            wrapped = (i >= 2 and tokens[i - 1].text.lower() == "select" and tokens[i - 2].text == "(")
            if not wrapped:
                calls.append(f"auth.{window[2]}()")
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
    if sql is None:
        return []
    tokens = tokenize(sql)
    names = ("word", "quoted_ident")
    owners = []
    for i in range(len(tokens)):
        length = _is_uid_call(tokens, i)
        if not length:
            continue
        if i >= 2 and tokens[i - 1].text == "=" and tokens[i - 2].kind in names:
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
