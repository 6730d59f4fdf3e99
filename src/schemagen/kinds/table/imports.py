"""Tables from a catalog into spec entries, as a person writes them: a single-column key,
reference, unique or check on its column, an ``= any (array[…])`` check as an ``in:`` list,
a text default as ``{literal: …}``, the names PostgreSQL would give left out."""

from __future__ import annotations

import re

from ...importing.draft import Draft, lower_keywords, pretty, short_type, strip_parens
from ...sqltext import qualified, quote_ident, quote_literal
from .catalog import ConstraintFacts, TableFacts

_IN_LIST = re.compile(r"^\(?(?P<column>[a-z_][a-z0-9_]*) = ANY \(ARRAY\[(?P<items>.*)\]\)\)?$", re.S)
_TEXT_ITEM = re.compile(r"'((?:[^']|'')*)'::(?:text|character varying)")
_TEXT_DEFAULT = re.compile(r"^'((?:[^']|'')*)'::(text|character varying|character)$")
TEXT_TYPES = ("text", "varchar", "character varying", "char", "character")


def in_list(definition: str) -> tuple[str, list[str]] | None:
    """``CHECK ((status = ANY (ARRAY['a'::text, 'b'::text])))`` → ("status", ["a", "b"])."""
    match = _IN_LIST.match(strip_parens(definition.removeprefix("CHECK ")))
    if match is None:
        return None
    items = [part.strip() for part in _split_items(match["items"])]
    values = []
    for item in items:
        text = _TEXT_ITEM.fullmatch(item)
        if text is None:
            return None
        values.append(text.group(1).replace("''", "'"))
    return match["column"], values


def _split_items(text: str) -> list[str]:
    parts, current, quoted = [], "", False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append(current)
            current = ""
            continue
        current += ch
    parts.append(current)
    return parts


def check_text(definition: str) -> str:
    return pretty(definition.removeprefix("CHECK ").removesuffix(" NO INHERIT"))


def build(draft: Draft) -> None:
    constraints: dict[tuple[str, str], list[ConstraintFacts]] = {}
    for key, facts in draft.source.facts["constraint"].items():
        constraints.setdefault(key[0], []).append(facts)
    for key, table in draft.source.facts["table"].items():
        if not draft.own("table", key):
            continue
        kept = _kept_as_sql(constraints.get(key, []))
        said = [c for c in constraints.get(key, []) if not any(c is k for k in kept)]
        entry = _table(draft, table, said)
        draft.tables[key] = entry
        stage = draft.stage_of("table", key)
        draft.add(stage, "tables", entry, "table")
        _added_later(draft, key, entry, stage)
        for con in kept:
            draft.raw(stage, "constraint", f"constraint {con.name} on {key[0]}.{key[1]}",
                      f"alter table {qualified(*key)} add constraint {quote_ident(con.name)} "
                      f"{lower_keywords(con.definition)}{'' if con.validated else ' not valid'};")


#: What a column entry may hold to be added by a later stage as ``add column``.
_ADDABLE = {"name", "type", "default", "not_null"}


def _added_later(draft: Draft, key: tuple[str, str], entry: dict, stage: int) -> None:
    """A column a later file added (``--stage-per-file``) belongs to that file's stage, where what it
    needs (an enum that file creates) exists: it goes there as ``alter table … add column``. A
    spec cannot add a column to another stage's table, so it is raw SQL, counted as such."""
    for column in list(entry["columns"]):
        later = draft.origin.get(("column", (*key, column["name"])), stage)
        if later <= stage or set(column) - _ADDABLE or not _type_made_in(draft, column["type"], later):
            continue  # a column the earlier stage's table can hold is written there, as a spec says it
        default = column.get("default")
        if isinstance(default, dict):  # {literal: …}
            default = quote_literal(default["literal"])
        ddl = (f"alter table {qualified(*key)} add column {quote_ident(column['name'])} {column['type']}"
               + (f" default {default}" if default is not None else "") + (" not null" if column.get("not_null") else ""))
        entry["columns"].remove(column)
        draft.raw(later, "column", f"column {key[0]}.{key[1]}.{column['name']}", ddl + ";")


def _type_made_in(draft: Draft, type_text: str, stage: int) -> bool:
    """Whether ``type_text`` (``level``, ``public.level[]``) is an enum or domain that ``stage`` makes."""
    name = type_text.removesuffix("[]").strip('"')
    schema, _, bare = name.rpartition(".")
    wanted = (schema or "public", bare)
    return any(draft.origin.get((family, wanted)) == stage for family in ("enum", "domain"))


def _kept_as_sql(constraints: list[ConstraintFacts]) -> list[ConstraintFacts]:
    """What a spec cannot say of a table's constraints: a second copy of one under another name,
    a reference that sets only some of its columns on delete (``set null (…)``), a check that
    inherited tables do not get (``no inherit``)."""
    kept = [c for c in constraints if c.delete_set_columns or c.definition.endswith(" NO INHERIT")]
    kept += [d for c in constraints for d in c.duplicates]
    return kept


def _table(draft: Draft, table: TableFacts, constraints: list[ConstraintFacts]) -> dict:
    key = (table.schema, table.name)
    names = draft.constraint_names.get(key, {})
    by_kind: dict[str, list[ConstraintFacts]] = {}
    for con in sorted(constraints, key=lambda c: (c.kind, c.columns, c.definition)):
        by_kind.setdefault(con.kind, []).append(con)
    column_level: dict[str, dict] = {c.name: {} for c in table.columns}
    table_level: list[dict] = []

    pk = (by_kind.get("primary key") or [None])[0]
    if pk is not None:
        named = names.get(("primary key", pk.columns))
        if len(pk.columns) == 1 and not named and not pk.deferrable:
            column_level[pk.columns[0]]["primary_key"] = True
        else:
            table_level.append(_named(named) | {"primary_key": list(pk.columns)} | _deferral(pk))
    for con in by_kind.get("foreign key", []):
        named = names.get(("foreign key", con.columns))
        target = {} if con.ref_table[0] == "public" else {"schema": con.ref_table[0]}
        actions = {k: v for k, v in (("on_delete", con.on_delete), ("on_update", con.on_update)) if v != "no action"}
        actions |= ({"match": "full"} if con.match_full else {}) | ({} if con.validated else {"not_valid": True})
        if len(con.columns) == 1 and "references" not in column_level[con.columns[0]]:
            mapping = target | {"table": con.ref_table[1], "column": con.ref_columns[0]} | actions
            column_level[con.columns[0]]["references"] = mapping | _named(named) | _deferral(con)
        else:
            table_level.append(_named(named) | {"foreign_key": list(con.columns)}
                               | {"references": target | {"table": con.ref_table[1],
                                                          "columns": list(con.ref_columns)}}
                               | actions | _deferral(con))
    for con in by_kind.get("unique", []):
        named = names.get(("unique", con.columns))
        distinct = con.nulls_not_distinct
        if len(con.columns) == 1 and not named and not distinct and not con.deferrable:
            column_level[con.columns[0]]["unique"] = True
        else:
            table_level.append(_named(named) | {"unique": list(con.columns)}
                               | ({"nulls_not_distinct": True} if distinct else {}) | _deferral(con))
    for con in by_kind.get("check", []):
        named = names.get(("check", con.definition))
        listed = in_list(con.definition)
        spelled = draft.check_spellings.get((key, con.definition)) if draft.spelled("table", key) else None
        expression = spelled or check_text(con.definition)
        extra = {} if con.validated else {"not_valid": True}
        if len(con.columns) == 1 and "check" not in column_level[con.columns[0]] and not extra:
            if listed and listed[0] == con.columns[0]:
                value = {"in": listed[1]}
            else:
                value = expression
            if named:
                value = {"name": named} | (value if isinstance(value, dict) else {"expression": value})
            column_level[con.columns[0]]["check"] = value
        else:
            table_level.append(_named(named) | {"check": expression} | extra)

    entry: dict = {}
    if table.schema != "public":
        entry["schema"] = table.schema
    entry["name"] = table.name
    if table.comment is not None:
        entry["comment"] = table.comment
    entry["columns"] = [_column(draft, key, column, column_level[column.name]) for column in table.columns]
    if table_level:
        entry["constraints"] = table_level
    if table.force_rls:
        entry["rls"] = {"enabled": table.rls, "force": True}
    elif table.rls:
        entry["rls"] = True
    if table.unlogged:
        entry["unlogged"] = True
    if table.replica_identity.startswith("using index "):
        entry["replica_identity"] = {"index": _index_name(table.replica_identity.removeprefix("using index "))}
    elif table.replica_identity != "default":
        entry["replica_identity"] = table.replica_identity
    return entry


def _index_name(quoted: str) -> str:
    from ...sqltokens import tokenize

    return tokenize(quoted)[0].ident


def _named(name: str | None) -> dict:
    return {"name": name} if name else {}


def _deferral(con: ConstraintFacts) -> dict:
    if con.initially_deferred:
        return {"deferrable": True, "initially_deferred": True}
    return {"deferrable": True} if con.deferrable else {}


def _column(draft: Draft, table: tuple[str, str], column, constraints: dict) -> dict:
    entry: dict = {"name": column.name}
    spelled = draft.spelled("table", table)
    written_type = draft.spelling.types.get(table + (column.name,)) if spelled else None
    entry["type"] = written_type.lower() if written_type and _plain_type(written_type) else short_type(column.type)
    if column.identity:
        entry["identity"] = column.identity
    if constraints.get("primary_key"):
        entry["primary_key"] = True
    if "references" in constraints:
        entry["references"] = constraints["references"]
    if column.default is not None:
        entry["default"] = _default(draft, table, column, entry["type"], spelled)
    if column.generated is not None:
        entry["generated"] = strip_parens(column.generated)
    if column.not_null and not constraints.get("primary_key") and not column.identity:
        entry["not_null"] = True
    if constraints.get("unique"):
        entry["unique"] = True
    if "check" in constraints:
        entry["check"] = constraints["check"]
    if column.collation:
        entry["collate"] = column.collation
    if column.comment is not None:
        entry["comment"] = column.comment
    return entry


def _plain_type(text: str) -> bool:
    """A type written in one piece the spec takes as is (no quoting, no comments)."""
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ .,()\[\]]*", text) is not None and "--" not in text


def _default(draft: Draft, table: tuple[str, str], column, type_name: str, spelled: bool):
    written = draft.spelling.defaults.get(table + (column.name,)) if spelled else None
    if written is not None:
        literal = re.fullmatch(r"'((?:[^']|'')*)'", written)
        if literal and type_name.split("(")[0] in TEXT_TYPES:
            return {"literal": literal.group(1).replace("''", "'")}
        return _scalar(written)
    text = column.default
    literal = _TEXT_DEFAULT.match(text)
    if literal and type_name.split("(")[0] in TEXT_TYPES:
        return {"literal": literal.group(1).replace("''", "'")}
    return _scalar(text)


def _scalar(text: str):
    """``0`` and ``true`` as YAML numbers and booleans, as the seed writes them."""
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    return text
