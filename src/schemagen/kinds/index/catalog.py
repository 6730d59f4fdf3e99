"""Indexes in a catalog (those behind keys and uniques belong to their constraints), keyed by
schema, table and name, with keys and predicates as PostgreSQL prints them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from ... import model as m
from ...sqltokens import tokenize
from ..base import NOT_AN_EXTENSIONS, Positions, Unverified, pg_name


@dataclass(frozen=True)
class IndexFacts:
    method: str
    unique: bool
    keys: tuple[str, ...]
    include: tuple[str, ...]
    predicate: str | None
    #: Storage parameters as PostgreSQL lists them: ``('m=16', 'ef_construction=64')``.
    parameters: tuple[str, ...] = ()
    comment: str | None = field(default=None, compare=False)
    nulls_not_distinct: bool = False
    #: False for what a failed ``create index concurrently`` leaves: never used, and a unique one
    #: enforces nothing.
    valid: bool = True


INDEXES_SQL = f"""
select n.nspname, c.relname, ic.relname, am.amname, i.indisunique, i.indnkeyatts, i.indnatts,
       array(select pg_get_indexdef(i.indexrelid, k, true) from generate_series(1, i.indnatts) k)::text[],
       array(select (i.indoption[k - 1] & 1) = 1 from generate_series(1, i.indnkeyatts) k)::bool[],
       array(select (i.indoption[k - 1] & 2) = 2 from generate_series(1, i.indnkeyatts) k)::bool[],
       pg_get_expr(i.indpred, i.indrelid), coalesce(ic.reloptions, '{{}}')::text[], obj_description(ic.oid, 'pg_class'),
       case when i.indisunique
              or exists (select from unnest(i.indclass::oid[]) o join pg_opclass opc on opc.oid = o
                         where not opc.opcdefault)
              or exists (select from unnest(i.indcollation::oid[], i.indkey::int2[]) k(coll, attnum)
                         where k.coll not in (0, 100)
                           and (k.attnum = 0 or k.coll <> (select a.attcollation from pg_attribute a
                                                           where a.attrelid = i.indrelid and a.attnum = k.attnum)))
            then pg_get_indexdef(i.indexrelid, 0, true) end,
       i.indisvalid
from pg_index i
join pg_class ic on ic.oid = i.indexrelid
join pg_class c on c.oid = i.indrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_am am on am.oid = ic.relam
where n.nspname = any(:schemas) and {NOT_AN_EXTENSIONS}
  and not exists (select from pg_constraint k where k.conindid = i.indexrelid and k.contype in ('p', 'u', 'x'))
"""


def _key_text(expr: str, desc: bool, nulls_first: bool) -> str:
    """One index key as written in DDL: PostgreSQL's defaults (asc, nulls last for asc) omitted."""
    text = expr
    if desc:
        text += " desc"
        if not nulls_first:
            text += " nulls last"
    elif nulls_first:
        text += " nulls first"
    return text


def _from_definition(definition: str | None, exprs: list[str], count: int) -> tuple[list[str], bool]:
    """Each key's collation and operator class, where it has them (``collate "C" text_pattern_ops``),
    and whether a unique index counts nulls as equal. The one-column form of ``pg_get_indexdef``
    leaves the first out, and ``indnullsnotdistinct`` exists from PostgreSQL 15 only, so both are
    read from the whole definition: the keys after the expression and before their ordering, then
    ``NULLS NOT DISTINCT`` after the key list. The query asks for the definition only where one of
    them can be there (a unique index, a key with either), which most indexes are not."""
    if definition is None:
        return [""] * count, False
    tokens = tokenize(definition)
    opening = next((i + 2 for i in range(len(tokens) - 2) if tokens[i].text == "USING" and tokens[i + 2].text == "("),
                   None)
    if opening is None:
        return [""] * count, False
    spans, depth, first, closing = [], 0, opening + 1, len(tokens)
    for i in range(opening + 1, len(tokens)):
        text = tokens[i].text
        if text == "(":
            depth += 1
        elif text == ")" and depth:
            depth -= 1
        elif text in (")", ",") and not depth:
            spans.append((tokens[first].start, tokens[i].start))
            if text == ")":
                closing = i
                break
            first = i + 1
    details = []
    for n in range(count):
        key = definition[slice(*spans[n])].strip() if n < len(spans) else ""
        for order in (" NULLS FIRST", " NULLS LAST", " DESC", " ASC"):
            key = key.removesuffix(order)
        rest = key[len(exprs[n]):].strip() if key.startswith(exprs[n]) else ""
        details.append(rest.replace("COLLATE ", "collate ", 1) if rest.startswith("COLLATE ") else rest)
    words = [t.text for t in tokens[closing + 1:] if t.kind == "word"]
    nulls_not_distinct = any(words[k:k + 3] == ["NULLS", "NOT", "DISTINCT"] for k in range(len(words)))
    return details, nulls_not_distinct


def read_index_rows(session, schemas: list[str]) -> dict[tuple[str, str, str], IndexFacts]:
    out = {}
    for schema, table, name, method, unique, nkey, natts, exprs, desc, nulls_first, predicate, options, comment, \
            definition, valid in session.query(INDEXES_SQL, schemas=schemas):
        details, nulls_not_distinct = _from_definition(definition, exprs, nkey)
        keys = tuple(_key_text(f"{exprs[i]} {details[i]}".strip(), desc[i], nulls_first[i]) for i in range(nkey))
        out[(schema, table, name)] = IndexFacts(method, unique, keys, tuple(exprs[nkey:natts]), predicate,
                                                tuple(sorted(options)), comment, nulls_not_distinct, valid)
    return out


_MATERIALIZED_VIEWS = """
select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'm' and n.nspname = any(:schemas)
"""


def read(session, schemas: list[str], tables: set[tuple[str, str]]) -> dict[str, dict]:
    """The indexes of the tables read (a scratch schema's are the normaliser's business), and of
    materialized views (a spec makes those in raw SQL, which drift must find)."""
    hosts = tables | {tuple(row) for row in session.query(_MATERIALIZED_VIEWS, schemas=schemas)}
    return {"index": {key: facts for key, facts in read_index_rows(session, schemas).items() if key[:2] in hosts}}


def expect(project: m.Project, normalizer, positions: Positions,
           unverified: Unverified) -> Callable[[], dict[str, dict]]:
    from ...normalize import Owner

    asked = [(table, index, normalizer.index(table, index, Owner(index.pos, f"index {index.name}",
                                                                  table.schema, table.name)))
             for table in project.hosts for index in table.indexes]

    def facts() -> dict[str, dict]:
        out = {}
        for table, index, request in asked:
            key = (table.schema, pg_name(table.name), pg_name(index.name))
            positions[key] = index.pos
            if request.failed or request.result is None:
                unverified.add("index", key)
                out[key] = None
                continue
            out[key] = replace(request.result, comment=index.comment)
        return {"index": out}

    return facts
