"""Tables in a catalog: columns, keys, checks, references, comments and RLS switches.

Facts are keyed so that two catalogs compare without caring what PostgreSQL named
things itself: a table by schema and name, a constraint by table, kind and columns
(a check by its normalised text). ``read`` takes them from a database; ``expect``
says what the specs should give, in PostgreSQL's spelling (``normalize``). A database may hold
the same constraint twice under two names (a reference declared on the column and added again by
a later migration): the oldest is the one keyed, the others ride along as its ``duplicates``, so
that neither drift nor import can lose them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from ... import model as m
from ...sqltext import quote_ident, quote_literal
from ..base import NOT_AN_EXTENSIONS, Positions, Unverified, pg_name

FK_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}

TableKey = tuple[str, str]


@dataclass(frozen=True)
class ColumnFacts:
    name: str
    type: str
    default: str | None
    not_null: bool
    identity: str | None
    comment: str | None
    #: ``generated always as (…) stored``: the expression (a generated column has no default).
    generated: str | None = None
    #: A collation other than the type's own.
    collation: str | None = None


@dataclass(frozen=True)
class TableFacts:
    schema: str
    name: str
    columns: tuple[ColumnFacts, ...]
    comment: str | None
    rls: bool
    force_rls: bool
    unlogged: bool = False
    #: ``default``, ``full``, ``nothing``, or ``using index <name>``.
    replica_identity: str = "default"

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
    deferrable: bool = False
    initially_deferred: bool = False
    #: A foreign key's ``match full``.
    match_full: bool = False
    #: A unique constraint's ``nulls not distinct`` (PostgreSQL 15+).
    nulls_not_distinct: bool = False
    #: ``on delete set null (…)`` / ``set default (…)``: only these columns (PostgreSQL 15+).
    delete_set_columns: tuple[str, ...] = ()
    #: Other constraints of the same kind over the same columns (the same check), oldest first.
    duplicates: tuple[ConstraintFacts, ...] = field(default=(), compare=False)
    #: False for a constraint added ``not valid`` and not validated since.
    validated: bool = field(default=True, compare=False)


TABLES_SQL = f"""
select c.oid::int, n.nspname, c.relname, obj_description(c.oid, 'pg_class'),
       c.relrowsecurity, c.relforcerowsecurity, c.relpersistence = 'u', c.relreplident::text,
       case when c.relreplident = 'i' then (select i.relname from pg_index x join pg_class i on i.oid = x.indexrelid
                                            where x.indrelid = c.oid and x.indisreplident) end
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p') and n.nspname = any(:schemas)
  and {NOT_AN_EXTENSIONS}
order by 2, 3
"""

#: Comments joined rather than looked up per column (``col_description``): half the time.
COLUMNS_SQL = """
select a.attrelid::int, a.attname, format_type(a.atttypid, a.atttypmod),
       pg_get_expr(d.adbin, d.adrelid), a.attnotnull, a.attidentity::text,
       ds.description, a.attgenerated::text,
       case when a.attcollation <> t.typcollation then co.collname end
from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
join pg_type t on t.oid = a.atttypid left join pg_collation co on co.oid = a.attcollation
left join pg_description ds on ds.objoid = a.attrelid and ds.classoid = 'pg_class'::regclass
     and ds.objsubid = a.attnum
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
       con.confdeltype::text, con.confupdtype::text, con.condeferrable, con.condeferred, con.convalidated,
       con.confmatchtype = 'f',
       case when con.contype = 'u' then (select coalesce((to_jsonb(x) ->> 'indnullsnotdistinct')::boolean, false)
                                         from pg_index x where x.indexrelid = con.conindid) else false end,
       case when con.confdeltype in ('n', 'd') then  -- to_jsonb: a PostgreSQL 15 column, read only where it can be
         array(select a.attname from jsonb_array_elements_text(
                   coalesce(nullif(to_jsonb(con) -> 'confdelsetcols', 'null'), '[]')) with ordinality k(n, i)
               join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n::int2 order by k.i)::text[] end,
       con.oid::bigint
from pg_constraint con
left join pg_class f on f.oid = con.confrelid
left join pg_namespace fn on fn.oid = f.relnamespace
where con.conrelid = any(:oids) and con.contype in ('p', 'u', 'f', 'c')
"""

KINDS = {"p": "primary key", "u": "unique", "f": "foreign key", "c": "check"}


def replica_identity(code: str, index: str | None) -> str:
    """pg_class.relreplident, or the spec's word (whose first letter is that code), as ``alter table …
    replica identity`` says it."""
    return {"d": "default", "f": "full", "n": "nothing"}.get(code[:1]) or f"using index {quote_ident(index or '')}"


def read(session, schemas: list[str], tables: set[TableKey] | None = None) -> dict[str, dict]:
    """The tables of the schemas, and their constraints."""
    rows = session.query(TABLES_SQL, schemas=schemas)
    keys = {row[0]: (row[1], row[2]) for row in rows}
    oids = list(keys)
    columns: dict[int, list[ColumnFacts]] = {}
    for relid, name, typ, default, not_null, identity, comment, generated, collation in \
            session.query(COLUMNS_SQL, oids=oids):
        expression = default if generated == "s" else None
        columns.setdefault(relid, []).append(ColumnFacts(
            name, typ, None if generated == "s" else default, not_null,
            {"a": "always", "d": "by default"}.get(identity), comment, expression, collation))
    found = {}
    for oid, _, _, comment, rls, force, unlogged, identity, identity_index in rows:
        key = keys[oid]
        found[key] = TableFacts(key[0], key[1], tuple(columns.get(oid, ())), comment, rls, force, unlogged,
                                replica_identity(identity, identity_index))
    constraints: dict[tuple, ConstraintFacts] = {}
    rows = sorted(session.query(CONSTRAINTS_SQL, oids=oids), key=lambda row: row[-1])  # oldest first
    for relid, contype, definition, conname, cols, ref_schema, ref_name, ref_cols, on_delete, on_update, \
            deferrable, deferred, validated, match_full, nulls_not_distinct, delete_set_columns, _ in rows:
        table = keys[relid]
        kind = KINDS[contype]
        definition = definition.removesuffix(" NOT VALID")
        if kind == "check":
            key = (table, kind, definition)
            facts = ConstraintFacts(kind, tuple(cols), definition, conname, validated=validated)
        else:
            key = (table, kind, tuple(cols))
            facts = ConstraintFacts(
                kind, tuple(cols), definition, conname,
                ref_table=(ref_schema, ref_name) if ref_name else None,
                ref_columns=tuple(ref_cols or ()),
                on_delete=FK_ACTIONS.get(on_delete) if kind == "foreign key" else None,
                on_update=FK_ACTIONS.get(on_update) if kind == "foreign key" else None,
                deferrable=deferrable, initially_deferred=deferred, validated=validated,
                match_full=match_full, nulls_not_distinct=nulls_not_distinct,
                delete_set_columns=tuple(delete_set_columns or ()),
            )
        first = constraints.get(key)
        constraints[key] = facts if first is None else replace(first, duplicates=first.duplicates + (facts,))
    return {"table": found, "constraint": constraints}


def expect(project: m.Project, normalizer, positions: Positions,
           unverified: Unverified) -> Callable[[], dict[str, dict]]:
    """Ask the normaliser for every type, default and check; the facts, once it has answered."""
    from ...normalize import Owner

    asked = []
    for table in project.tables:
        types = [normalizer.type(c.type, Owner(c.pos, f"the type of {table.name}.{c.name}", table.schema,
                                                table.name, c.name)) for c in table.columns]
        defaults = [normalizer.default(c.type, c.default.sql, Owner(c.pos, f"the default of {table.name}.{c.name}",
                                                                      table.schema, table.name, c.name))
                    if c.default is not None else None for c in table.columns]
        checks = [(check, normalizer.check(table, check.expression,
                                           Owner(check.pos, f"a check on {table.name}", table.schema, table.name)))
                  for check in table.all_checks]
        generated = [normalizer.generated(table, c, Owner(c.pos, f"the generated column {table.name}.{c.name}",
                                                          table.schema, table.name))
                     if c.generated is not None else None for c in table.columns]
        asked.append((table, types, defaults, checks, generated))

    def facts() -> dict[str, dict]:
        tables_out: dict[TableKey, TableFacts] = {}
        constraints: dict[tuple, ConstraintFacts] = {}
        for table, types, defaults, checks, generated in asked:
            key = (table.schema, pg_name(table.name))
            if any(request.failed for request in types):
                unverified.add("table", key)  # reported by the normaliser; comparing would only repeat it
                continue
            columns = []
            for column, type_request, default, made in zip(table.columns, types, defaults, generated, strict=True):
                type_name = type_request.result[0]
                default_sql = None
                if default is not None and default.failed:
                    unverified.add("default", key, pg_name(column.name))
                elif default is not None:
                    default_sql = default.result[1]
                serial = _serial_default(table, column)
                default_sql = serial or default_sql
                not_null = column.not_null or column.name in table.primary_key_columns or bool(column.identity) \
                    or serial is not None
                expression = None
                if made is not None and made.failed:
                    unverified.add("generated", key, pg_name(column.name))
                elif made is not None:
                    expression = made.result
                columns.append(ColumnFacts(pg_name(column.name), type_name, default_sql, not_null, column.identity,
                                           column.comment, expression, column.collation))
                positions[("column", key, pg_name(column.name))] = column.pos
            tables_out[key] = TableFacts(key[0], key[1], tuple(columns), table.comment, table.rls, table.force_rls,
                                         table.unlogged, replica_identity(table.replica_identity, table.replica_index))
            positions[("table", key)] = table.pos
            _structural(table, key, constraints, positions)
            for check, request in checks:
                if request.failed:
                    unverified.add("checks", key)
                elif request.result is not None:
                    definition, columns = request.result
                    constraints[(key, "check", definition)] = ConstraintFacts(
                        "check", columns, definition, pg_name(check.name) if check.name else "",
                        validated=not check.not_valid)
                    positions[(key, "check", definition)] = check.pos
        return {"table": tables_out, "constraint": constraints}

    return facts


#: Types that exist only in ``create table``: an integer column with a sequence of its own.
SERIAL_TYPES = frozenset({"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"})


def _serial_default(table: m.Table, column) -> str | None:
    """What PostgreSQL makes a ``serial`` column's default: the next value of the sequence it names
    ``<table>_<column>_seq``, schema-qualified where the schema is not on the search path."""
    if column.type.strip().lower() not in SERIAL_TYPES or column.default is not None:
        return None
    sequence = quote_ident(f"{pg_name(table.name)}_{pg_name(column.name)}_seq")
    if table.schema != "public":
        sequence = f"{quote_ident(table.schema)}.{sequence}"
    return f"nextval({quote_literal(sequence)}::regclass)"


def _structural(table: m.Table, key: TableKey, constraints: dict, positions: Positions) -> None:
    """Keys, uniques and references need no normalising: names, columns and actions say it all.

    Within one ``create table`` PostgreSQL keeps a single index for identical key and unique
    definitions, so a unique that repeats the primary key (or an earlier unique) is not expected.
    """
    seen: set[tuple] = set()  # identical definitions: same columns in the same order, same deferral
    if table.primary_key_columns:
        cols = tuple(pg_name(c) for c in table.primary_key_columns)
        pk = table.primary_key
        facts = ConstraintFacts("primary key", cols, "",
                                deferrable=bool(pk and (pk.deferrable or pk.initially_deferred)),
                                initially_deferred=bool(pk and pk.initially_deferred))
        constraints[(key, "primary key", cols)] = facts
        pos = table.primary_key.pos if table.primary_key else table.column(table.primary_key_columns[0]).pos
        positions[(key, "primary key", cols)] = pos
        seen.add((cols, facts.deferrable, facts.initially_deferred, False))
    uniques = [((c.name,), c.pos, None) for c in table.columns if c.unique]
    uniques += [(u.columns, u.pos, u) for u in table.uniques]
    for columns, pos, unique in uniques:
        cols = tuple(pg_name(c) for c in columns)
        facts = ConstraintFacts("unique", cols, "",
                                deferrable=bool(unique and (unique.deferrable or unique.initially_deferred)),
                                initially_deferred=bool(unique and unique.initially_deferred),
                                nulls_not_distinct=bool(unique and unique.nulls_not_distinct))
        identity = (cols, facts.deferrable, facts.initially_deferred, bool(unique and unique.nulls_not_distinct))
        if identity in seen or (cols, facts.deferrable, facts.initially_deferred, False) in seen:
            continue
        seen.add(identity)
        constraints[(key, "unique", cols)] = facts
        positions[(key, "unique", cols)] = pos
    for fk in table.all_foreign_keys:
        cols = tuple(pg_name(c) for c in fk.columns)
        constraints[(key, "foreign key", cols)] = ConstraintFacts(
            "foreign key", cols, "", ref_table=(fk.ref_schema, pg_name(fk.ref_table)),
            ref_columns=tuple(pg_name(c) for c in fk.ref_columns),
            on_delete=fk.on_delete or "no action", on_update=fk.on_update or "no action",
            deferrable=fk.deferrable, initially_deferred=fk.initially_deferred, validated=not fk.not_valid,
            match_full=fk.match_full)
        positions[(key, "foreign key", cols)] = fk.pos
