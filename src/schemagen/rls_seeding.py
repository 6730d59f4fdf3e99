"""Rows for the RLS probe to act on: A's and B's, made through the schema's own constraints and
triggers (parents first, a row a trigger made found by its key, a check that couples columns met,
a file a row needs uploaded into the user's folder), as the migration role that bypasses RLS."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Iterator

from .catalog import Catalog
from .db import ContainmentBroken
from .kinds.table.catalog import TableFacts
from .rls_outcomes import USER_A, Failure
from .sqltext import qualified, quote_ident, quote_literal

if TYPE_CHECKING:
    from .rls_probe import Ownership

class Seeder:
    """Builds rows that satisfy not-null columns, value-list checks and foreign keys, parents first."""

    def __init__(self, session, catalog: Catalog, by_table: dict | None = None, known: dict | None = None,
                 enum_labels: dict | None = None):
        self.session = session
        #: Set while working out statements that must need no round trip: what would need one raises
        #: ``NeedsDatabase`` instead.
        self.dry = False
        #: Each enum type's labels, as the catalog orders them.
        self.enum_labels: dict[str, tuple[str, ...]] = enum_labels if enum_labels is not None else {}
        #: Each domain's base type (None for a type that is no domain).
        self.domain_bases: dict[str, str | None] = {}
        #: Whether columns of a unique key that draw from a short list (enum labels, a check's value
        #: list, booleans) take its values in turn rather than the first each time: set when rows
        #: made the plain way collided (``unique (role, permission)`` over two enums). Not the
        #: default: a trigger's own row (``(new.id, 'member')``) may hold the next value.
        self.vary = False
        #: Values given so far per (table, column) when ``vary`` is set.
        self.turns: dict[tuple, int] = {}
        self.catalog = catalog
        self.counter = 0
        #: Each table's constraints, (key, facts) as the catalog keys them: looked up per row made,
        #: so a scan of every table's would make the probe quadratic in the schema's size.
        self.by_table = by_table if by_table is not None else constraints_by_table(catalog)
        #: Rows known to be there, by (table, key values as SQL): a lookup that needs no round trip.
        #: Whoever rolls back a savepoint the seeder worked under puts back what was known before.
        self.known: dict[tuple, dict[str, object]] = dict(known or {})
        #: Whose rows are being made (A or B): a file a row needs in storage.objects is theirs.
        self.acting: str | None = None

    def constraints(self, table: tuple[str, str]) -> list:
        return self.by_table.get(table, [])

    @contextmanager
    def savepoint(self, *, keep: bool = False) -> Iterator[None]:
        """The session's savepoint, undone (``keep``: only if the block fails); what the seeder
        learnt inside is forgotten with the rows it learnt about."""
        before = dict(self.known)
        kept = False
        try:
            with self.session.attempt() if keep else self.session.scratch():
                yield
            kept = keep
        finally:
            if not kept:
                self.known = before

    def filler(self, table: TableFacts, column) -> str | None:
        """A value of the column's type, distinct per call so unique columns never collide, except
        where the type allows a few values only (an enum, a check's value list, a boolean): the
        first, or with ``vary`` the next in a unique key."""
        self.counter += 1
        n = self.counter
        for _, con in self.constraints((table.schema, table.name)):
            if con.kind == "check" and con.columns == (column.name,) and "ANY (ARRAY[" in con.definition:
                listed = _quoted_values(con.definition)
                if listed:
                    return self._choose(table, column, listed)
        typ = column.type
        if typ.endswith("[]"):
            return "'{}'"
        if typ.startswith(("character(", "character varying(")):
            return f"left('{n}', {typ.split('(')[1].rstrip(')')})"
        if typ.startswith(("text", "character", "varchar", "citext", "name")):
            return f"'probe-{n}'"
        if typ.startswith(("integer", "bigint", "smallint", "numeric", "real", "double", "decimal")):
            return str(n)
        if typ == "boolean":
            return self._choose(table, column, ("false", "true"))
        if typ in ("jsonb", "json"):
            return "'{}'"
        if typ == "uuid":
            return f"'00000000-0000-4000-9000-{n:012d}'"
        if typ.startswith(("timestamp", "date")):
            # later columns get later times: checks such as ends_at > starts_at hold
            return f"now() + interval '{n} minutes'" if typ.startswith("timestamp") else f"current_date + {n}"
        if typ.startswith("time"):
            return "now()"
        if typ in ("inet", "cidr"):
            return "'127.0.0.1'"
        if typ not in self.enum_labels:
            if self.dry:
                raise NeedsDatabase
            labels = self.session.query("select enumlabel from pg_enum where enumtypid = to_regtype(:t) "
                                        "order by enumsortorder", t=typ)
            self.enum_labels[typ] = tuple(label for label, in labels)
        labels = self.enum_labels[typ]
        if labels:
            return self._choose(table, column, tuple(quote_literal(label) for label in labels))
        base = self._domain_base(typ)  # a domain: a value of its base type (its check may still say no)
        return self.filler(table, replace(column, type=base)) if base else None

    def _domain_base(self, typ: str) -> str | None:
        if typ not in self.domain_bases:
            if self.dry:
                raise NeedsDatabase
            found = self.session.query("select format_type(t.typbasetype, t.typtypmod) from pg_type t "
                                       "where t.oid = to_regtype(:t) and t.typtype = 'd'", t=typ)
            self.domain_bases[typ] = found[0][0] if found else None
        return self.domain_bases[typ]

    def _choose(self, table: TableFacts, column, values: tuple[str, ...]) -> str:
        if not self.vary or column.name not in self.catalog.unique_keyed.get((table.schema, table.name), ()):
            return values[0]
        turn = self.turns.get((table.schema, table.name, column.name), 0)
        self.turns[(table.schema, table.name, column.name)] = turn + 1
        return values[turn % len(values)]

    def nulls_not_distinct(self, key: tuple[str, str]) -> set[str]:
        """Columns of the table's ``nulls not distinct`` unique keys: two rows that leave one null
        collide there, so A's and B's rows each get a value of their own."""
        return set(self.catalog.nulls_not_distinct.get(key, ())) | {
            column for (_, kind, cols), con in self.constraints(key)
            if kind == "unique" and "NULLS NOT DISTINCT" in con.definition for column in cols}

    def primary_key(self, key: tuple[str, str]) -> tuple[str, ...]:
        for (_, kind, cols), _ in self.constraints(key):
            if kind == "primary key":
                return cols
        return ()

    def existing(self, key: tuple[str, str], values: dict[str, str]) -> dict[str, object] | None:
        """The row with these key values, if one is there already (a trigger may have made it: the
        profile a trigger on auth.users files under the user's id, unique but not the primary key)."""
        pk = self.primary_key(key)
        if not pk:
            return None
        if all(c in values for c in pk):
            memo = (key, tuple(values[c] for c in pk))
            if memo in self.known:
                return self.known[memo]
            match = pk
        else:
            match = next((cols for (_, kind, cols), _ in self.constraints(key)
                          if kind == "unique" and cols and all(c in values for c in cols)), None)
            if match is None:
                return None
        if self.dry:
            raise NeedsDatabase
        where = " and ".join(f"{quote_ident(c)} = {values[c]}" for c in match)
        found = self.session.execute(f"select {', '.join(quote_ident(c) for c in pk)} from {qualified(*key)} "
                                     f"where {where}")
        return self._remember(key, dict(zip(pk, found[0], strict=True))) if found else None

    def _remember(self, key: tuple[str, str], row: dict[str, object]) -> dict[str, object]:
        pk = self.primary_key(key)
        self.known[(key, tuple(quote_literal(str(row[c])) for c in pk))] = row
        return row

    def ensure(self, key: tuple[str, str], values: dict[str, str], depth: int = 0) -> dict[str, object]:
        """A row with these SQL values (filling the rest), inserted unless it exists; its primary key."""
        table = self.catalog.tables[key]
        row = dict(values)
        for (_, kind, cols), con in self.constraints(key):
            if kind != "foreign key" or len(cols) != 1 or con.ref_table == key:
                continue
            column = table.column(cols[0])
            if cols[0] in row or (column is not None and column.not_null):
                parent_values = {con.ref_columns[0]: row[cols[0]]} if cols[0] in row else {}
                if depth > 5:
                    raise RuntimeError(f"foreign keys from {key[0]}.{key[1]} nest too deeply to seed")
                parent = self.ensure(con.ref_table, parent_values, depth + 1) if con.ref_table in \
                    self.catalog.tables else None
                if cols[0] not in row and parent is not None:
                    row[cols[0]] = quote_literal(str(parent[con.ref_columns[0]]))
        if key == ("storage", "objects"):
            self._as_uploaded(row)
        found = self.existing(key, row)
        if found is not None:
            return found
        distinct_nulls = self.nulls_not_distinct(key)
        for column in table.columns:
            if column.name in row or (column.default and not _REQUEST_BOUND.search(column.default)) or \
                    column.identity or not (column.not_null or column.name in distinct_nulls):
                continue
            value = self.filler(table, column)
            if value is None:
                raise RuntimeError(f"cannot make up a value for {key[0]}.{key[1]}.{column.name} "
                                   f"({column.type})")
            row[column.name] = value
        pk = self.primary_key(key)
        for column in table.columns:  # fixed keys, so reports name the same rows on every run
            if column.name in pk and column.name not in row and column.type == "uuid":
                row[column.name] = self.filler(table, column)
        if self.dry:
            raise NeedsDatabase
        returning = ", ".join(quote_ident(c) for c in pk) or "1"
        try:
            with self.session.attempt():
                result = self.session.execute(f"{_insert(key, row)} returning {returning}")
        except ContainmentBroken:
            raise
        except Exception as exc:
            if Failure.of(exc).code != CHECK_VIOLATION:
                raise
            # a check that couples columns (a slug unless it is a personal account): the columns
            # left null are given values too, and the row tried once more
            for column in table.columns:
                if column.name not in row and not column.identity and not column.generated and not column.default:
                    value = self.filler(table, column)
                    if value is not None:
                        row[column.name] = value
            result = self.session.execute(f"{_insert(key, row)} returning {returning}")
        return self._remember(key, dict(zip(pk, result[0], strict=True))) if pk else {}

    def act_as(self, user: str | None) -> None:
        """Rows made from now on are ``user``'s: a file they need in storage.objects is in their
        folder. (Made without their claims: a trigger that stamps ``auth.uid()`` would then also
        file the rows the seeder makes itself, and they would collide.)"""
        self.acting = user

    def _as_uploaded(self, row: dict[str, str]) -> None:
        """A file as the Storage API stores one a user uploads: in the user's folder (``<uid>/…``),
        owned by them. A trigger on storage.objects (one that files a document per upload) reads
        both, where the bare row the columns alone call for has neither."""
        user = quote_literal(self.acting or USER_A)
        self.counter += 1
        row.setdefault("name", quote_literal(f"{self.acting or USER_A}/probe-{self.counter}.txt"))
        row.setdefault("owner", user)
        row.setdefault("owner_id", user)

    def owned_values(self, owner: Ownership, user: str) -> dict[str, str]:
        """The column values that make a row belong to ``user``."""
        if owner.column:
            return {owner.column: quote_literal(user)}
        if owner.via:
            fk, parent, parent_key, parent_owner = owner.via
            row = self.ensure(parent, {parent_owner: quote_literal(user)})
            return {fk: quote_literal(str(row[parent_key]))}
        return {}


CHECK_VIOLATION = "23514"


def _insert(key: tuple[str, str], row: dict[str, str]) -> str:
    names = ", ".join(quote_ident(n) for n in row)
    return (f"insert into {qualified(*key)} ({names}) values ({', '.join(row.values())})" if row
            else f"insert into {qualified(*key)} default values")


#: Defaults that read the request (``default auth.uid()``): null for rows the probe makes outside
#: one, so a not null column with such a default is given a value like one without.
_REQUEST_BOUND = re.compile(r"\bauth\s*\.\s*(?:uid|jwt|role|email)\s*\(|\bcurrent_setting\s*\(", re.IGNORECASE)


def _quoted_values(check: str) -> tuple[str, ...]:
    """The literals of a value list check (``status = ANY (ARRAY['a'::text, 'b'::text])``, as
    PostgreSQL writes ``status in ('a', 'b')``), as SQL."""
    from .sqltokens import tokenize

    tokens = tokenize(check)
    start = next((i for i, t in enumerate(tokens) if t.kind == "word" and t.ident == "array"), None)
    if start is None:
        return ()
    values = []
    for token in tokens[start + 1:]:
        if token.text == "]":
            break
        if token.kind == "string":
            values.append(token.text)
    return tuple(values)


def constraints_by_table(catalog: Catalog) -> dict[tuple[str, str], list]:
    out: dict[tuple[str, str], list] = {}
    for key, con in catalog.constraints.items():
        out.setdefault(key[0], []).append((key, con))
    return out


class NeedsDatabase(Exception):
    """Working out a statement without a round trip was not possible: it needs rows or facts not known yet."""


class SeedError(RuntimeError):
    """The probe could not build test rows for a table (reported as skipped, with the reason)."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        #: PostgreSQL's SQLSTATE, where a statement failed.
        self.code = code


UNIQUE_VIOLATION = "23505"
#: How rows are made, one attempt after another while they collide on a unique key: the plain way
#: (first values), then with short lists taken in turn, the turns going on from attempt to attempt
#: past the combinations rows already there hold (reference data a migration inserted).
SEED_ATTEMPTS = (False, True, True, True)
