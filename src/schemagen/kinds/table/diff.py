"""Tables, columns and constraints: what differs between two catalogs, and the SQL that repairs it."""

from __future__ import annotations

from ...sqltext import qualified, quote_ident, quote_literal
from ..base import Change, RepairStatement, shown

PREFIXES = ("table", "column", "constraint")

#: Type changes PostgreSQL can make without losing data: (from, to) pairs of format_type names.
WIDENING = {
    ("smallint", "integer"), ("smallint", "bigint"), ("integer", "bigint"), ("real", "double precision"),
    ("character varying", "text"), ("character", "text"),
}


def _label(key: tuple[str, str]) -> str:
    return f"{key[0]}.{key[1]}"


def _onoff(flag: bool) -> str:
    return "on" if flag else "off"


def compare(want, have, report, unverified) -> None:
    """Tables missing or extra, then each common table's facets, then constraints."""
    for key in sorted(want.tables.keys() - have.tables.keys()):
        if ("table", key) in unverified:
            continue  # validation could not create it, and said why
        report.add("table.missing", key, f"table {_label(key)} is missing from the database", at=("table", key),
                   want=want.tables[key])
    for key in sorted(have.tables.keys() - want.tables.keys() - report.ignored):
        if ("table", key) in unverified or not report.extra("table", key):
            continue
        report.add("table.extra", key, f"the database has table {_label(key)}, which no spec defines",
                   at=("table", key), have=have.tables[key])
    for key in sorted(want.tables.keys() & have.tables.keys()):
        _table(report, key, want.tables[key], have.tables[key], unverified)
    _constraints(report, want, have, want.tables.keys() & have.tables.keys(), unverified)


#: A table's own facets: how the message names each, and how it shows a table's value.
_TABLE_FACETS = {
    "comment": ("comment on table {name}", lambda t: shown(t.comment)),
    "rls": ("row level security on {name}", lambda t: _onoff(t.rls)),
    "force_rls": ("force row level security on {name}", lambda t: _onoff(t.force_rls)),
    "unlogged": ("{name}", lambda t: "unlogged" if t.unlogged else "logged"),
    "replica_identity": ("replica identity of {name}", lambda t: t.replica_identity),
}


def _table(report, key, want, have, unverified) -> None:
    at = ("table", key)
    name = _label(key)
    for facet, (label, show) in _TABLE_FACETS.items():
        if getattr(want, facet) != getattr(have, facet):
            report.add(f"table.{facet}", key, f"{label.format(name=name)} is {show(have)} in the database, "
                                              f"{show(want)} in the spec", at=at)
    have_names = [c.name for c in have.columns]
    want_names = [c.name for c in want.columns]
    for column in want.columns:
        col_key = key + (column.name,)
        col_at = ("column", key, column.name)
        other = have.column(column.name)
        if other is None:
            report.add("column.missing", col_key, f"column {name}.{column.name} is missing from the database",
                       at=col_at, want=column)
            continue
        facets = [("type", other.type, column.type), ("identity", other.identity, column.identity),
                  ("comment", other.comment, column.comment), ("collation", other.collation, column.collation)]
        if ("default", key, column.name) not in unverified:
            facets.insert(1, ("default", other.default, column.default))
        if ("generated", key, column.name) not in unverified:
            facets.append(("generated", other.generated, column.generated))
        for facet, a, b in facets:
            if a != b:
                report.add(f"column.{facet}", col_key, f"{facet} of {name}.{column.name} is {shown(a)} in the "
                                                       f"database, {shown(b)} in the spec", at=col_at,
                           have=a, want=b)
        if other.not_null != column.not_null:
            report.add("column.not_null", col_key,
                       f"{name}.{column.name} is {'not null' if other.not_null else 'nullable'} in the database, "
                       f"{'not null' if column.not_null else 'nullable'} in the spec", at=col_at)
    for extra in [n for n in have_names if n not in want_names]:
        report.add("column.extra", key + (extra,), f"the database has column {name}.{extra}, which the spec "
                                                   "does not define", at=at, have=have.column(extra))


def _constraint_text(key: tuple, facts) -> str:
    table, kind, detail = key
    if kind == "check":
        return f"check {detail} on {_label(table)}"
    text = f"{kind} {_label(table)}({', '.join(detail)})"
    if kind == "foreign key" and facts.ref_table:
        text += f" → {_label(facts.ref_table)}({', '.join(facts.ref_columns)})"
    return text


def _constraints(report, want, have, present, unverified) -> None:
    missing = sorted((k for k in want.constraints.keys() - have.constraints.keys() if k[0] in present), key=repr)
    extra = sorted((k for k in have.constraints.keys() - want.constraints.keys() if k[0] in present), key=repr)
    # A check whose text changed is one change, repaired by a consented replace, not an addition
    # beside the old one: pair it by name, else by the columns it tests when that is unambiguous.
    for new in [k for k in missing if k[1] == "check"]:
        old = _changed_check(new, want.constraints[new], extra, have)
        if old is None:
            continue
        missing.remove(new)
        extra.remove(old)
        facts = have.constraints[old]
        report.add("constraint.check", new, f"{_constraint_text(old, facts)} is {new[2]} in the spec",
                   near=("table", new[0]), db_name=facts.name, want=want.constraints[new])
    # A primary key over other columns is one change: the new key cannot be added beside the old one.
    for new in [k for k in missing if k[1] == "primary key"]:
        old = next((k for k in extra if k[0] == new[0] and k[1] == "primary key"), None)
        if old is None:
            continue
        missing.remove(new)
        extra.remove(old)
        report.add("constraint.changed", new, f"primary key of {_label(new[0])} is ({', '.join(old[2])}) in the "
                                              f"database, ({', '.join(new[2])}) in the spec",
                   near=("table", new[0]), db_name=have.constraints[old].name, want=want.constraints[new])
    for key in missing:
        report.add("constraint.missing", key,
                   f"{_constraint_text(key, want.constraints[key])} is missing from the database",
                   near=("table", key[0]), want=want.constraints[key])
    for key in extra:
        if key[1] == "check" and ("checks", key[0]) in unverified:
            continue
        facts = have.constraints[key]
        if not report.extra("constraint", key[0] + (facts.name,)):
            continue
        report.add("constraint.extra", key, f"the database has {_constraint_text(key, facts)}, which the "
                                            "spec does not define", at=("table", key[0]), db_name=facts.name,
                   have=facts)
    for key in sorted(want.constraints.keys() & have.constraints.keys(), key=repr):
        a, b = have.constraints[key], want.constraints[key]
        what = _constraint_text(key, b)
        if b.validated and not a.validated:
            report.add("constraint.not_validated", key, f"{what} was added not valid and never validated in the "
                                                        "database", db_name=a.name)
        if (a.deferrable, a.initially_deferred) != (b.deferrable, b.initially_deferred):
            def timing(f) -> str:
                return "initially deferred" if f.initially_deferred else ("deferrable" if f.deferrable
                                                                         else "not deferrable")
            report.add("constraint.changed", key, f"{what} is {timing(a)} in the database, {timing(b)} in the spec",
                       db_name=a.name)
        if key[1] == "unique" and a.nulls_not_distinct != b.nulls_not_distinct:
            def nulls(f) -> str:
                return "nulls not distinct" if f.nulls_not_distinct else "nulls distinct"
            report.add("constraint.changed", key, f"{what} is {nulls(a)} in the database, {nulls(b)} in the spec",
                       db_name=a.name)
        if key[1] != "foreign key":
            continue
        if a.match_full != b.match_full:
            def match(f) -> str:
                return "match full" if f.match_full else "match simple"
            report.add("constraint.changed", key, f"{what} is {match(a)} in the database, {match(b)} in the spec",
                       db_name=a.name)
        if (a.ref_table, a.ref_columns) != (b.ref_table, b.ref_columns):
            report.add("constraint.changed", key, f"{what} references {_label(a.ref_table)}"
                                                  f"({', '.join(a.ref_columns)}) in the database", db_name=a.name)
        for label, x, y in (("on delete", _on_delete(a), _on_delete(b)), ("on update", a.on_update, b.on_update)):
            if x != y:
                report.add("constraint.changed", key, f"{what}: {label} is {x} in the database, {y} in the spec",
                           db_name=a.name)
    _duplicates(report, want, have, present)


def _on_delete(facts) -> str | None:
    if facts.delete_set_columns:
        return f"{facts.on_delete} ({', '.join(facts.delete_set_columns)})"
    return facts.on_delete


def _duplicates(report, want, have, present) -> None:
    """A constraint the database holds twice, under another name: the second copy is extra unless
    the specs' raw SQL adds it by that name (or, comparing two databases, the other has it too)."""
    held_twice = {k for side in (have, want) for k, facts in side.constraints.items() if facts.duplicates}
    for key in sorted(held_twice, key=repr):
        if key[0] not in present:
            continue
        theirs = {d.name: d for d in (have.constraints[key].duplicates if key in have.constraints else ())}
        mine = {d.name: d for d in (want.constraints[key].duplicates if key in want.constraints else ())}
        what = _constraint_text(key, (have.constraints.get(key) or want.constraints[key]))
        for name in sorted(theirs.keys() - mine.keys()):
            if report.extra("constraint", key[0] + (name,)):
                report.add("constraint.extra", key + (name,), f"the database has {what} a second time, as {name}, "
                           "which the spec does not define", at=("table", key[0]), db_name=name, have=theirs[name])
        for name in sorted(mine.keys() - theirs.keys()):
            report.add("constraint.missing", key + (name,), f"{what}, a second time as {name}, is missing from "
                       "the database", near=("table", key[0]), want=mine[name])
        for name in sorted(mine.keys() & theirs.keys()):
            if mine[name] != theirs[name]:
                report.add("constraint.changed", key + (name,), f"{what}, a second time as {name}, is "
                           f"{theirs[name].definition} in the database, {mine[name].definition} in the spec",
                           db_name=name)


def _changed_check(new: tuple, facts, extra: list[tuple], have) -> tuple | None:
    candidates = [k for k in extra if k[1] == "check" and k[0] == new[0]]
    if facts.name:
        named = [k for k in candidates if have.constraints[k].name == facts.name]
        if named:
            return named[0]
    same_columns = [k for k in candidates if have.constraints[k].columns == facts.columns and facts.columns]
    return same_columns[0] if len(same_columns) == 1 else None


# --- repair ------------------------------------------------------------------------------


def _widening(old: str, new: str) -> bool:
    base_old, base_new = old.split("(")[0], new.split("(")[0]
    if (base_old, base_new) in WIDENING:
        return True
    if base_old == base_new == "character varying" and "(" in old and "(" in new:
        return int(new.split("(")[1].rstrip(")")) >= int(old.split("(")[1].rstrip(")"))
    return False


def repair(change: Change, ctx) -> list[RepairStatement]:
    kind = change.kind
    key = change.key
    if kind == "table.missing":
        from ...render import without_references

        table, later = ctx.table(key), ctx.looping_references.get(key, ())
        return [RepairStatement("table", ctx.table_template.render(table=without_references(table, later)).strip())] + [
            RepairStatement("foreign key", ctx.render("foreign_key.sql.j2", fk=fk, table=table).strip()) for fk in later]
    if kind == "table.extra":
        return [RepairStatement("drop table", f"drop table {qualified(*key)};", destructive=True)]
    if kind == "column.extra":
        return [RepairStatement("drop column", f"alter table {qualified(*key[:2])} drop column "
                                               f"{quote_ident(key[2])};", destructive=True)]
    if kind == "constraint.extra":
        phase = "drop foreign key" if key[1] == "foreign key" else "drop constraint"
        return [RepairStatement(phase, f"alter table {qualified(*key[0])} drop constraint "
                                       f"{quote_ident(change.db_name)};", destructive=True)]
    table = ctx.table(key[0] if kind.startswith("constraint") else key[:2])
    q = qualified(*table.key)
    if kind == "table.comment":
        value = quote_literal(table.comment) if table.comment is not None else "null"
        return [RepairStatement("comment", f"comment on table {q} is {value};")]
    if kind == "table.rls":
        return [RepairStatement("comment", f"alter table {q} {'enable' if table.rls else 'disable'} "
                                           "row level security;")]
    if kind == "table.unlogged":  # rewrites the table (and its indexes) under an exclusive lock
        return [RepairStatement("table setting", f"alter table {q} set {'unlogged' if table.unlogged else 'logged'};")]
    if kind == "table.replica_identity":
        from .catalog import replica_identity

        return [RepairStatement("table setting", f"alter table {q} replica identity "
                                           f"{replica_identity(table.replica_identity, table.replica_index)};")]
    if kind == "table.force_rls":
        return [RepairStatement("comment", f"alter table {q} {'force' if table.force_rls else 'no force'} "
                                           "row level security;")]
    if kind.startswith("column."):
        return _column(change, ctx, table, q)
    return _constraint(change, ctx, table, q)


def _column(change: Change, ctx, table, q: str) -> list[RepairStatement]:
    from ...render import plain_column_ddl

    column = next(c for c in table.columns if c.name == change.key[2] or
                  ctx.stored(c.name) == change.key[2])
    alter = f"alter table {q} alter column {quote_ident(column.name)}"
    kind = change.kind
    if kind == "column.missing":
        return [RepairStatement("column", f"alter table {q} add column {plain_column_ddl(table, column)};")]
    if kind == "column.type":
        return [RepairStatement("column", f"{alter} type {column.type} using {quote_ident(column.name)}::"
                                          f"{column.type};", destructive=not _widening(change.have, change.want))]
    if kind == "column.collation":
        collate = f" collate {quote_ident(column.collation)}" if column.collation else ""
        return [RepairStatement("column", f"{alter} type {column.type}{collate};")]
    if kind == "column.generated":  # PostgreSQL 15 cannot change a generation expression in place
        ddl = plain_column_ddl(table, column)
        return [RepairStatement("drop column", f"alter table {q} drop column {quote_ident(column.name)};",
                                destructive=True),
                RepairStatement("column", f"alter table {q} add column {ddl};", destructive=True)]
    if kind == "column.default":
        return [RepairStatement("column", f"{alter} set default {column.default.sql};" if column.default
                                else f"{alter} drop default;")]
    if kind == "column.not_null":
        wanted = column.not_null or column.name in table.primary_key_columns or column.identity
        return [RepairStatement("column", f"{alter} {'set' if wanted else 'drop'} not null;")]
    if kind == "column.identity":
        if column.identity is None:
            return [RepairStatement("column", f"{alter} drop identity;")]
        if change.have is None:
            return [RepairStatement("column", f"{alter} add generated {column.identity} as identity;")]
        return [RepairStatement("column", f"{alter} set generated {column.identity};")]
    value = quote_literal(column.comment) if column.comment is not None else "null"
    return [RepairStatement("comment", f"comment on column {q}.{quote_ident(column.name)} is {value};")]


def _constraint(change: Change, ctx, table, q: str) -> list[RepairStatement]:
    _, kind, detail = change.key
    macros = ctx.macros
    if change.kind == "constraint.not_validated":
        return [RepairStatement("constraint", f"alter table {q} validate constraint {quote_ident(change.db_name)};")]
    if change.kind == "constraint.check":
        check = ctx.check(table, change.pos)
        name = check.name or change.db_name
        return [
            RepairStatement("drop constraint", f"alter table {q} drop constraint {quote_ident(change.db_name)};",
                            destructive=True),
            RepairStatement("constraint", f"alter table {q} add constraint {quote_ident(name)} check "
                                          f"({check.expression}) not valid;", destructive=True),
            RepairStatement("constraint", f"alter table {q} validate constraint {quote_ident(name)};",
                            destructive=True),
        ]
    replacing = change.kind == "constraint.changed"
    out = []
    if replacing:
        out.append(RepairStatement("drop foreign key" if kind == "foreign key" else "drop constraint",
                                   f"alter table {q} drop constraint {quote_ident(change.db_name)};",
                                   destructive=True))
    columns = ", ".join(quote_ident(c) for c in detail) if kind != "check" else ""
    if kind == "primary key":
        pk = table.primary_key
        name = pk.name if pk else None
        deferral = macros.deferrable(pk) if pk else ""
        out.append(RepairStatement("constraint", f"alter table {q} add {macros.constraint_name(name)}primary key "
                                                 f"({columns}){deferral};", destructive=replacing))
    elif kind == "unique":
        unique = next((u for u in table.uniques if tuple(ctx.stored(c) for c in u.columns) == detail), None)
        nnd = "nulls not distinct " if unique and unique.nulls_not_distinct else ""
        name = unique.name if unique else None
        deferral = macros.deferrable(unique) if unique else ""
        out.append(RepairStatement("constraint", f"alter table {q} add {macros.constraint_name(name)}unique {nnd}"
                                                 f"({columns}){deferral};", destructive=replacing))
    elif kind == "foreign key":
        fk = next(f for f in table.all_foreign_keys if tuple(ctx.stored(c) for c in f.columns) == detail)
        out.append(RepairStatement("foreign key", f"alter table {q} add {macros.constraint_name(fk.name)}foreign "
                                                  f"key ({columns}) {macros.references(fk)}"
                                                  f"{' not valid' if fk.not_valid else ''};", destructive=replacing))
    else:
        check = ctx.check(table, change.pos)
        if check is not None:
            out.append(RepairStatement("constraint", f"alter table {q} add {macros.constraint_name(check.name)}"
                                                     f"check ({check.expression});", destructive=replacing))
    return out


def group(change: Change) -> tuple:
    """Several differences of one foreign key are one drop and create."""
    return (change.kind, change.key)
