"""How the source SQL wrote each expression, so that an import keeps ``auth.uid()`` as the author
wrote it instead of PostgreSQL's ``( SELECT auth.uid() AS uid)``.

The catalog says what the schema is; these are only candidates for how to spell it. Each is
checked afterwards (``importing.verify``): a spelling whose meaning PostgreSQL reads differently
from the catalog's is dropped for the catalog's own, so a wrong guess costs prettiness, never
truth. Statements are read with PostgreSQL's parser (which object a statement touches); the
text of a clause is cut from the statement with the lexer, by balanced parentheses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sqltokens import Token, tokenize, top_level_parts

#: Words that end a column's type or default inside ``create table`` or ``add column``.
_COLUMN_CLAUSES = {"constraint", "not", "null", "default", "check", "references", "primary", "unique",
                   "generated", "collate", "deferrable", "initially", "compression", "storage"}
#: Not types but shorthands: PostgreSQL makes an integer column, a sequence it owns and a default
#: of its next value, and the import writes those three, as the catalog has them.
_SERIALS = ("serial", "bigserial", "smallserial", "serial2", "serial4", "serial8")


@dataclass
class Spellings:
    #: (schema, table, policy) → {"using": text, "with_check": text}, as last written.
    policies: dict[tuple[str, str, str], dict[str, str | None]] = field(default_factory=dict)
    #: (schema, index) → {"elements": [text, …], "where": text | None}.
    indexes: dict[tuple[str, str], dict] = field(default_factory=dict)
    #: (schema, table) → every check condition written on it (matched to the catalog's later).
    checks: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    #: (schema, table, column) → the default and the type as last written.
    defaults: dict[tuple[str, str, str], str] = field(default_factory=dict)
    types: dict[tuple[str, str, str], str] = field(default_factory=dict)
    #: (schema, view) → the query.
    views: dict[tuple[str, str], str] = field(default_factory=dict)


def _relation(range_var: dict) -> tuple[str, str]:
    return (range_var.get("schemaname", "public"), range_var["relname"])


def _matching(tokens: list[Token], i: int) -> int:
    """The index of the parenthesis closing the one at ``i``."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].text == "(":
            depth += 1
        elif tokens[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    return len(tokens) - 1


def _text(sql: str, tokens: list[Token], first: int, last: int) -> str:
    """The clause as written, its comments left out: a spec's fragment may hold none (the loader
    refuses them, as a comment can hide the text after it), so an author's note stays in the source."""
    from ..pgsql import without_comments

    if first > last:
        return ""
    return without_comments(sql[tokens[first].start:tokens[last].start + len(tokens[last].text)]).strip()


def _top_level(tokens: list[Token], start: int = 0, end: int | None = None):
    """Indexes of the tokens outside every parenthesis, between ``start`` and ``end``."""
    depth = 0
    for i in range(start, len(tokens) if end is None else end):
        text = tokens[i].text
        if text == "(":
            depth += 1
            if depth == 1:
                yield i  # the opening parenthesis itself is at the top level
            continue
        if text == ")":
            depth -= 1
            continue
        if depth == 0:
            yield i


def _word(token: Token, *words: str) -> bool:
    return token.kind == "word" and token.text.lower() in words


def _group_after(tokens: list[Token], sql: str, *words: str, start: int = 0) -> str | None:
    """The text inside the parentheses that follow the top-level keywords ``words``."""
    top = list(_top_level(tokens, start))
    for n, i in enumerate(top):
        if all(n + k < len(top) and top[n + k] == i + k and _word(tokens[i + k], w) for k, w in enumerate(words)):
            after = i + len(words)
            if after < len(tokens) and tokens[after].text == "(":
                return _text(sql, tokens, after + 1, _matching(tokens, after) - 1)
    return None


def collect(statements: list[str]) -> Spellings:
    """The spellings of every statement, later ones overriding earlier ones."""
    from ..pgsql import _node, _parse, _parser

    out = Spellings()
    parser = _parser()
    for sql in statements:
        try:
            parsed = _parse(sql)
            tokens = tokenize(sql)
        except (parser.ParseError, ValueError):
            continue  # PostgreSQL applied it, so it parses; a lexer disagreement only costs a spelling
        if len(parsed) != 1:
            continue
        node, body = _node(parsed[0]["stmt"])
        reader = _READERS.get(node)
        if reader is not None:
            reader(out, sql, tokens, body)
    return _unquoted(out)


def _unquoted(spellings: Spellings) -> Spellings:
    """A dump quotes every name (``"auth"."uid"()``); PostgreSQL's own spelling reads better
    there, so a spelling with quoted names is left to the catalog."""
    def plain(text) -> bool:
        return text is None or '"' not in text

    spellings.policies = {k: {c: (t if plain(t) else None) for c, t in v.items()}
                          for k, v in spellings.policies.items()}
    spellings.indexes = {k: v for k, v in spellings.indexes.items()
                         if all(plain(e) for e in v["elements"]) and plain(v["where"])}
    spellings.checks = {k: [t for t in v if plain(t)] for k, v in spellings.checks.items()}
    for mapping in (spellings.defaults, spellings.types, spellings.views):
        for key in [k for k, v in mapping.items() if not plain(v)]:
            del mapping[key]
    return spellings


def _policy(out: Spellings, sql: str, tokens: list[Token], body: dict) -> None:
    key = _relation(body["table"]) + (body["policy_name"],)
    written = out.policies.setdefault(key, {"using": None, "with_check": None})
    for clause, words in (("using", ("using",)), ("with_check", ("with", "check"))):
        text = _group_after(tokens, sql, *words)
        if text is not None:
            written[clause] = text


def _create_policy(out: Spellings, sql: str, tokens: list[Token], body: dict) -> None:
    out.policies.pop(_relation(body["table"]) + (body["policy_name"],), None)
    _policy(out, sql, tokens, body)


def _index(out: Spellings, sql: str, tokens: list[Token], body: dict) -> None:
    if not body.get("idxname"):
        return  # PostgreSQL names it; the catalog's spelling serves
    on = next((i for i in _top_level(tokens) if _word(tokens[i], "on")), None)
    opening = next((i for i in _top_level(tokens, on or 0) if tokens[i].text == "("), None)
    if opening is None:
        return
    closing = _matching(tokens, opening)
    elements = [_text(sql, tokens, a, b) for a, b in top_level_parts(tokens, opening + 1, closing - 1)]
    where = next((i for i in _top_level(tokens, closing + 1) if _word(tokens[i], "where")), None)
    schema = body["relation"].get("schemaname", "public")
    out.indexes[(schema, body["idxname"])] = {
        "elements": elements,
        "where": _text(sql, tokens, where + 1, len(tokens) - 1).rstrip(";").strip() if where else None,
    }


def _column(out: Spellings, table: tuple[str, str], sql: str, tokens: list[Token], first: int, last: int) -> None:
    """``name type [default …] [check (…)] …``, inside ``create table`` or ``add column``."""
    name = tokens[first].ident
    clauses = [i for i in _top_level(tokens, first + 1, last + 1) if _word(tokens[i], *_COLUMN_CLAUSES)]
    type_end = (clauses[0] - 1) if clauses else last
    if type_end > first and not (type_end == first + 1 and _word(tokens[type_end], *_SERIALS)):
        out.types[table + (name,)] = _text(sql, tokens, first + 1, type_end)
    for n, i in enumerate(clauses):
        if _word(tokens[i], "default"):
            end = clauses[n + 1] - 1 if n + 1 < len(clauses) else last
            out.defaults[table + (name,)] = _text(sql, tokens, i + 1, end)
        elif _word(tokens[i], "check") and i + 1 <= last and tokens[i + 1].text == "(":
            out.checks.setdefault(table, []).append(_text(sql, tokens, i + 2, _matching(tokens, i + 1) - 1))


def _table_constraint(out: Spellings, table: tuple[str, str], sql: str, tokens: list[Token], first: int,
                      last: int) -> None:
    for i in _top_level(tokens, first, last + 1):
        if _word(tokens[i], "check") and i + 1 <= last and tokens[i + 1].text == "(":
            out.checks.setdefault(table, []).append(_text(sql, tokens, i + 2, _matching(tokens, i + 1) - 1))


def _create_table(out: Spellings, sql: str, tokens: list[Token], body: dict) -> None:
    table = _relation(body["relation"])
    opening = next((i for i in _top_level(tokens) if tokens[i].text == "("), None)
    if opening is None:
        return
    for first, last in top_level_parts(tokens, opening + 1, _matching(tokens, opening) - 1):
        if _word(tokens[first], "constraint", "check", "primary", "unique", "foreign", "exclude", "like"):
            _table_constraint(out, table, sql, tokens, first, last)
        else:
            _column(out, table, sql, tokens, first, last)


def _alter_table(out: Spellings, sql: str, tokens: list[Token], body: dict) -> None:
    if body.get("objtype", "OBJECT_TABLE") != "OBJECT_TABLE":
        return
    table = _relation(body["relation"])
    start = next((i for i in _top_level(tokens) if tokens[i].kind in ("word", "quoted_ident")
                  and tokens[i].ident == table[1] and i > 1), None)
    if start is None:
        return
    for first, last in top_level_parts(tokens, start + 1, len(tokens) - 1):
        words = [t.text.lower() if t.kind == "word" else "" for t in tokens[first:last + 1]]
        if words[:1] == ["add"]:
            at = first + 1 + (words[1:2] == ["column"])
            at += 3 if [w for w in words[at - first:at - first + 3]] == ["if", "not", "exists"] else 0
            if _word(tokens[at], "constraint", "check", "primary", "unique", "foreign", "exclude"):
                _table_constraint(out, table, sql, tokens, at, last)
            else:
                _column(out, table, sql, tokens, at, last)
        elif words[:1] == ["alter"]:
            at = first + 1 + (words[1:2] == ["column"])
            column = tokens[at].ident
            rest = words[at - first + 1:]
            if rest[:2] == ["set", "default"]:
                out.defaults[table + (column,)] = _text(sql, tokens, at + 3, last)
            elif rest[:2] == ["drop", "default"]:
                out.defaults.pop(table + (column,), None)
            elif "type" in rest[:3]:
                begin = at + 1 + rest.index("type") + 1
                using = next((i for i in _top_level(tokens, begin, last + 1) if _word(tokens[i], "using",
                                                                                     "collate")), None)
                out.types[table + (column,)] = _text(sql, tokens, begin, (using - 1) if using else last)


def _view(out: Spellings, sql: str, tokens: list[Token], body: dict) -> None:
    as_at = next((i for i in _top_level(tokens) if _word(tokens[i], "as")), None)
    if as_at is not None:
        out.views[_relation(body["view"])] = _text(sql, tokens, as_at + 1, _query_end(tokens))


def _materialized(out: Spellings, sql: str, tokens: list[Token], body: dict) -> None:
    if body.get("objtype") == "OBJECT_MATVIEW":
        as_at = next((i for i in _top_level(tokens) if _word(tokens[i], "as")), None)
        if as_at is not None:
            out.views[_relation(body["into"]["rel"])] = _text(sql, tokens, as_at + 1, _query_end(tokens))


#: What may follow a view's query and belongs to the statement: ``with [local|cascaded] check
#: option`` (a view option the spec says with ``check_option``) and ``with [no] data``.
_AFTER_QUERY = (("with", "check", "option"), ("with", "local", "check", "option"),
                ("with", "cascaded", "check", "option"), ("with", "data"), ("with", "no", "data"))


def _query_end(tokens: list[Token]) -> int:
    """The index of a view statement's last token that is still its query."""
    last = len(tokens) - 1
    if last >= 0 and tokens[last].text == ";":
        last -= 1
    for words in _AFTER_QUERY:
        first = last - len(words) + 1
        if first > 0 and all(_word(tokens[first + k], w) for k, w in enumerate(words)):
            return first - 1
    return last


_READERS = {
    "CreatePolicyStmt": _create_policy,
    "AlterPolicyStmt": _policy,
    "IndexStmt": _index,
    "CreateStmt": _create_table,
    "AlterTableStmt": _alter_table,
    "ViewStmt": _view,
    "CreateTableAsStmt": _materialized,
}
