"""PostgreSQL's built-in column types and the rules for their modifiers, as data.

A misspelt type (``timestampz``) or an impossible modifier (``varchar(0)``,
``uuid(3)``) used to pass every offline check and fail only on a live server,
among a cascade of other errors. Knowing the built-in types and what each
``typmodin`` function accepts makes them offline errors with a did-you-mean.
Kept as data, not asked of a server, because loading must work offline;
``tests/test_live_postgres.py`` holds both the list and the rules against a live
PostgreSQL, so an upgrade that changes them fails loudly.
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: ``pg_type`` base, range and multirange types of ``pg_catalog`` (PostgreSQL 15), arrays aside.
BUILTIN = frozenset({
    "aclitem", "bit", "bool", "box", "bpchar", "bytea", "char", "cid", "cidr", "circle", "date",
    "datemultirange", "daterange", "float4", "float8", "gtsvector", "inet", "int2", "int2vector",
    "int4", "int4multirange", "int4range", "int8", "int8multirange", "int8range", "interval", "json",
    "jsonb", "jsonpath", "line", "lseg", "macaddr", "macaddr8", "money", "name", "numeric",
    "nummultirange", "numrange", "oid", "oidvector", "path", "pg_brin_bloom_summary",
    "pg_brin_minmax_multi_summary", "pg_dependencies", "pg_lsn", "pg_mcv_list", "pg_ndistinct",
    "pg_node_tree", "pg_snapshot", "point", "polygon", "refcursor", "regclass", "regcollation",
    "regconfig", "regdictionary", "regnamespace", "regoper", "regoperator", "regproc", "regprocedure",
    "regrole", "regtype", "text", "tid", "time", "timestamp", "timestamptz", "timetz", "tsmultirange",
    "tsquery", "tsrange", "tstzmultirange", "tstzrange", "tsvector", "txid_snapshot", "uuid", "varbit",
    "varchar", "xid", "xid8", "xml",
})

#: The SQL spellings the grammar maps to ``pg_type`` names (``serial`` exists only in DDL).
SPELLINGS = {
    "int": "int4", "integer": "int4", "smallint": "int2", "bigint": "int8", "real": "float4",
    "double precision": "float8", "float": "float8", "decimal": "numeric", "dec": "numeric",
    "boolean": "bool", "character varying": "varchar", "char varying": "varchar", "character": "bpchar",
    "char": "bpchar", "national character": "bpchar", "national char": "bpchar", "nchar": "bpchar",
    "national character varying": "varchar", "national char varying": "varchar", "nchar varying": "varchar",
    "timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
    "time with time zone": "timetz", "time without time zone": "time", "bit varying": "varbit",
    "serial": "int4", "serial4": "int4", "bigserial": "int8", "serial8": "int8", "smallserial": "int2",
    "serial2": "int2",
}

_INTERVAL_FIELDS = re.compile(r"interval (year|month|day|hour|minute|second)( to (month|hour|minute|second))?\Z")

_INT_MAX = 2**31 - 1


def _length(kind: str, low: int, high: int):
    def check(mods: tuple[int, ...]) -> str | None:
        if len(mods) != 1:
            return f"{kind} takes one length"
        if mods[0] < low:
            return f"length for type {kind} must be at least {low}"
        if mods[0] > high:
            return f"length for type {kind} cannot exceed {high}"
        return None
    return check


def _numeric(mods: tuple[int, ...]) -> str | None:
    if len(mods) > 2:
        return "numeric takes a precision and an optional scale"
    if not 1 <= mods[0] <= 1000:
        return f"NUMERIC precision {mods[0]} must be between 1 and 1000"
    if len(mods) == 2 and not -1000 <= mods[1] <= 1000:
        return f"NUMERIC scale {mods[1]} must be between -1000 and 1000"
    return None


def _precision(kind: str):
    """time, timestamp and interval precisions: above 6 PostgreSQL only warns and uses 6."""
    def check(mods: tuple[int, ...]) -> str | None:
        if len(mods) != 1:
            return f"{kind} takes one precision"
        if mods[0] < 0:
            return f"{kind}({mods[0]}) precision must not be negative"
        return None
    return check


def _float(mods: tuple[int, ...]) -> str | None:
    if len(mods) != 1:
        return "float takes one precision in bits"
    if mods[0] < 1:
        return "precision for type float must be at least 1 bit"
    if mods[0] > 53:
        return "precision for type float must be less than 54 bits"
    return None


#: What each built-in ``typmodin`` accepts; types absent here take no modifier at all.
MODIFIERS = {
    "varchar": _length("varchar", 1, 10485760),
    "bpchar": _length("char", 1, 10485760),
    "bit": _length("bit", 1, 83886080),
    "varbit": _length("varbit", 1, 83886080),
    "numeric": _numeric,
    "time": _precision("time"),
    "timetz": _precision("time with time zone"),
    "timestamp": _precision("timestamp"),
    "timestamptz": _precision("timestamp with time zone"),
    "interval": _precision("interval"),
    "float": _float,
}


class TypeParts(NamedTuple):
    schema: str | None
    #: The name as written (lowercase, words joined by one space), without modifiers or brackets.
    name: str
    modifiers: tuple[int, ...]


def parts(normalized: str) -> TypeParts:
    """Split a type as ``sqltext.normalize_type`` spells it: ``numeric(12, 2)[]``, ``public.mood``."""
    text = re.sub(r"(\[\d*\])+\Z", "", normalized)
    mods: tuple[int, ...] = ()
    match = re.search(r"\(([-\d, ]+)\)", text)
    if match:
        mods = tuple(int(n) for n in match.group(1).split(","))
        text = (text[:match.start()] + text[match.end():]).strip()
    schema = None
    pieces = re.findall(r'"(?:[^"]|"")*"|[^.]+', text)
    if len(pieces) == 2:
        schema, text = pieces
    return TypeParts(_unquote(schema) if schema else None, _unquote(text), mods)


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def builtin_name(name: str) -> str | None:
    """The ``pg_type`` name a built-in spelling stands for, or None if it is not one."""
    if _INTERVAL_FIELDS.match(name):
        return "interval"
    canonical = SPELLINGS.get(name, name)
    return canonical if canonical in BUILTIN else None


def modifier_problem(name: str, mods: tuple[int, ...]) -> str | None:
    """Why PostgreSQL would refuse these modifiers on a built-in type, or None."""
    if not mods:
        return None
    if any(abs(m) > _INT_MAX for m in mods):
        return "a type modifier must fit in an integer"
    key = "float" if name == "float" else builtin_name(name)
    check = MODIFIERS.get(key or "")
    if check is None:
        shown = SPELLINGS.get(name, name)
        return f'type modifier is not allowed for type "{shown}"'
    return check(mods)


def known_spellings() -> list[str]:
    """Every built-in name a spec may write, for did-you-mean."""
    return sorted(BUILTIN | set(SPELLINGS))
