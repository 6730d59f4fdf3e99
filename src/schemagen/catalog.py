"""What a PostgreSQL database holds, as comparable facts read from its catalog.

Facts are keyed so that two catalogs can be compared without caring what
PostgreSQL named things it named itself: constraints by table, kind and columns
(checks by their normalised text), indexes and policies by name. Every
expression is as PostgreSQL prints it back (``pg_get_expr``, ``pg_policies``,
``pg_get_indexdef``), so comparing text compares meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FK_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
COMMANDS = {"r": "select", "a": "insert", "w": "update", "d": "delete", "*": "all"}


@dataclass(frozen=True)
class ColumnFacts:
    name: str
    type: str
    default: str | None
    not_null: bool
    identity: str | None
    comment: str | None


@dataclass(frozen=True)
class TableFacts:
    schema: str
    name: str
    columns: tuple[ColumnFacts, ...]
    comment: str | None
    rls: bool
    force_rls: bool

    def column(self, name: str) -> ColumnFacts | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class ConstraintFacts:
    kind: str  # primary key, unique, foreign key, check
    columns: tuple[str, ...]
    definition: str
    #: The database's own name for it (specs rarely name constraints; drops need it).
    name: str = field(default="", compare=False)
    ref_table: tuple[str, str] | None = None
    ref_columns: tuple[str, ...] = ()
    on_delete: str | None = None
    on_update: str | None = None


@dataclass(frozen=True)
class PolicyFacts:
    command: str
    roles: tuple[str, ...]
    permissive: bool
    using: str | None
    with_check: str | None


@dataclass(frozen=True)
class IndexFacts:
    method: str
    unique: bool
    keys: tuple[str, ...]
    include: tuple[str, ...]
    predicate: str | None


TableKey = tuple[str, str]


@dataclass
class Catalog:
    tables: dict[TableKey, TableFacts] = field(default_factory=dict)
    #: (table key, kind, columns or check text) → facts
    constraints: dict[tuple, ConstraintFacts] = field(default_factory=dict)
    policies: dict[tuple[str, str, str], PolicyFacts] = field(default_factory=dict)
    indexes: dict[tuple[str, str, str], IndexFacts] = field(default_factory=dict)


TABLES_SQL = """
select c.oid::int, n.nspname, c.relname, obj_description(c.oid, 'pg_class'),
       c.relrowsecurity, c.relforcerowsecurity
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p') and {where}
order by 2, 3
"""

COLUMNS_SQL = """
select a.attrelid::int, a.attname, format_type(a.atttypid, a.atttypmod),
       pg_get_expr(d.adbin, d.adrelid), a.attnotnull, a.attidentity::text,
       col_description(a.attrelid, a.attnum)
from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
where a.attrelid = any(:oids) and a.attnum > 0 and not a.attisdropped
order by a.attrelid, a.attnum
"""

CONSTRAINTS_SQL = """
select con.conrelid::int, con.contype::text, pg_get_constraintdef(con.oid, true), con.conname,
       array(select a.attname from unnest(con.conkey) with ordinality k(n, i)
             join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.i)::text[],
       fn.nspname, f.relname,
       array(select a.attname from unnest(con.confkey) with ordinality k(n, i)
             join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.i)::text[],
       con.confdeltype::text, con.confupdtype::text
from pg_constraint con
left join pg_class f on f.oid = con.confrelid
left join pg_namespace fn on fn.oid = f.relnamespace
where con.conrelid = any(:oids) and con.contype in ('p', 'u', 'f', 'c')
"""

POLICIES_SQL = """
select p.polrelid::int, p.polname, p.polpermissive,
       case when p.polroles = '{0}' then array['public']
            else array(select rolname from pg_roles where oid = any(p.polroles)) end::text[],
       p.polcmd::text, pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
from pg_policy p where p.polrelid = any(:oids)
"""

INDEXES_SQL = """
select i.indrelid::int, ic.relname, am.amname, i.indisunique, i.indnkeyatts, i.indnatts,
       array(select pg_get_indexdef(i.indexrelid, k, true) from generate_series(1, i.indnatts) k)::text[],
       array(select (i.indoption[k - 1] & 1) = 1 from generate_series(1, i.indnkeyatts) k)::bool[],
       array(select (i.indoption[k - 1] & 2) = 2 from generate_series(1, i.indnkeyatts) k)::bool[],
       pg_get_expr(i.indpred, i.indrelid),
       exists (select from pg_constraint c where c.conindid = i.indexrelid and c.contype in ('p', 'u', 'x'))
from pg_index i
join pg_class ic on ic.oid = i.indexrelid
join pg_am am on am.oid = ic.relam
where i.indrelid = any(:oids)
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


def introspect(session, schemas: list[str], *, scratch: dict[int, TableKey] | None = None) -> Catalog:
    """Read the catalog of the given schemas.

    ``scratch`` instead names table oids and the keys to report them under: the
    expected catalog is read from scratch copies of the spec's tables, whose own
    names are not the real ones.
    """
    if scratch is None:
        rows = session.query(TABLES_SQL.format(where="n.nspname = any(:schemas)"), schemas=schemas)
        keys = {row[0]: (row[1], row[2]) for row in rows}
    else:
        rows = session.query(TABLES_SQL.format(where="c.oid = any(:oids)"), oids=list(scratch))
        keys = dict(scratch)
    oids = list(keys)
    catalog = Catalog()
    columns: dict[int, list[ColumnFacts]] = {}
    for relid, name, typ, default, not_null, identity, comment in session.query(COLUMNS_SQL, oids=oids):
        columns.setdefault(relid, []).append(ColumnFacts(
            name, typ, default, not_null, {"a": "always", "d": "by default"}.get(identity), comment))
    for oid, _, _, comment, rls, force in rows:
        key = keys[oid]
        catalog.tables[key] = TableFacts(key[0], key[1], tuple(columns.get(oid, ())), comment, rls, force)
    kinds = {"p": "primary key", "u": "unique", "f": "foreign key", "c": "check"}
    for relid, contype, definition, conname, cols, ref_schema, ref_name, ref_cols, on_delete, on_update in \
            session.query(CONSTRAINTS_SQL, oids=oids):
        table = keys[relid]
        kind = kinds[contype]
        if kind == "check":
            catalog.constraints[(table, kind, definition)] = ConstraintFacts(kind, tuple(cols), definition,
                                                                             conname)
            continue
        catalog.constraints[(table, kind, tuple(cols))] = ConstraintFacts(
            kind, tuple(cols), definition, conname,
            ref_table=(ref_schema, ref_name) if ref_name else None,
            ref_columns=tuple(ref_cols or ()),
            on_delete=FK_ACTIONS.get(on_delete) if kind == "foreign key" else None,
            on_update=FK_ACTIONS.get(on_update) if kind == "foreign key" else None,
        )
    for relid, name, permissive, roles, cmd, using, with_check in session.query(POLICIES_SQL, oids=oids):
        table = keys[relid]
        catalog.policies[(table[0], table[1], name)] = PolicyFacts(
            COMMANDS[cmd], tuple(sorted(roles)), permissive, using, with_check)
    for relid, name, method, unique, nkey, natts, exprs, desc, nulls_first, predicate, backs_constraint in \
            session.query(INDEXES_SQL, oids=oids):
        if backs_constraint:
            continue
        table = keys[relid]
        catalog.indexes[(table[0], table[1], name)] = IndexFacts(
            method, unique,
            tuple(_key_text(exprs[i], desc[i], nulls_first[i]) for i in range(nkey)),
            tuple(exprs[nkey:natts]), predicate)
    return catalog
