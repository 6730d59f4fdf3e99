"""Enum types: missing, extra, values added (``alter type … add value``, in place) or removed and
reordered, and the comment.

PostgreSQL cannot remove or reorder enum values in place. As migra does, the repair renames the
old type, creates the spec's, moves every column across through text, and drops the old one;
views, policies and triggers that use those columns are dropped first and made again from the
specs. It is destructive (a row holding a removed value makes it fail), so it needs consent, and
anything else that depends on the type (a function's argument, a domain) stops it with a note."""

from __future__ import annotations

from dataclasses import replace

from ...sqltext import qualified, quote_ident, quote_literal, sql_comment
from ..base import NAME_BYTES, Change, RepairStatement, pg_name

PREFIXES = ("enum",)


def _is_extension_of(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """Whether ``new`` keeps every old value, in the old order, adding others between or after."""
    it = iter(new)
    return all(value in it for value in old)


def compare(want, have, report, unverified) -> None:
    mine, theirs = want["enum"], have["enum"]
    for key in sorted(mine.keys() - theirs.keys()):
        report.add("enum.missing", key, f"type {key[0]}.{key[1]} is missing from the database", at=("enum", key),
                   want=mine[key])
    for key in sorted(theirs.keys() - mine.keys()):
        if report.extra("enum", key):
            report.add("enum.extra", key, f"the database has enum type {key[0]}.{key[1]}, which no spec defines",
                       have=theirs[key])
    for key in sorted(mine.keys() & theirs.keys()):
        a, b = theirs[key], mine[key]
        if a.values != b.values:
            kind = "enum.values_added" if _is_extension_of(a.values, b.values) else "enum.values"
            report.add(kind, key, f"values of type {key[0]}.{key[1]} are {', '.join(a.values)} in the database, "
                                  f"{', '.join(b.values)} in the spec", at=("enum", key), have=a, want=b)
        if a.comment != b.comment:
            report.add("enum.comment", key, f"comment on type {key[0]}.{key[1]} differs", at=("enum", key), want=b)


def repair(change: Change, ctx) -> list[RepairStatement]:
    name = qualified(*change.key)
    if change.kind == "enum.missing":
        values = ", ".join(quote_literal(v) for v in change.want.values)
        made = [RepairStatement("type", f"create type {name} as enum ({values});")]
        if change.want.comment is not None:
            made.append(RepairStatement("comment", f"comment on type {name} is {quote_literal(change.want.comment)};"))
        return made
    if change.kind == "enum.extra":
        return [RepairStatement("drop type", f"drop type {name};", destructive=True)]
    if change.kind == "enum.values_added":
        old, new = change.have.values, change.want.values
        out = []
        for i, value in enumerate(new):
            if value in old:
                continue
            after = next((new[j] for j in range(i - 1, -1, -1) if new[j] in old or new[j] in new[:i]), None)
            place = f" after {quote_literal(after)}" if after is not None else f" before {quote_literal(new[i + 1])}" \
                if i + 1 < len(new) else ""
            out.append(RepairStatement("type", f"alter type {name} add value {quote_literal(value)}{place};"))
        return out
    if change.kind == "enum.values":
        return _replace_type(change, ctx)
    value = quote_literal(change.want.comment) if change.want.comment is not None else "null"
    return [RepairStatement("comment", f"comment on type {name} is {value};")]


def _replace_type(change: Change, ctx) -> list[RepairStatement]:
    schema, type_name = change.key
    old, new = change.have.values, change.want.values
    renamed = [(a, b) for a, b in zip(old, new, strict=False) if a != b]
    if len(old) == len(new) and len(renamed) == 1:  # one value differs in place: a rename, which keeps the rows
        a, b = renamed[0]
        return [RepairStatement("note", sql_comment(
                    f"{change.message}: taken for a rename of {a!r}, which keeps the rows that hold it (a client "
                    f"that still writes {a!r} fails after it)")),
                RepairStatement("type", f"alter type {qualified(*change.key)} rename value {quote_literal(a)} to "
                                        f"{quote_literal(b)};")]
    remade = [ctx.recreate(d.kind, d.key) for d in change.have.dependents]
    blockers = [d.description for d, statements in zip(change.have.dependents, remade, strict=True)
                if statements is None]
    if blockers:
        return [RepairStatement("note", sql_comment(
            f"{change.message}: PostgreSQL cannot remove or reorder enum values, and the type cannot be "
            f"replaced while {', '.join(blockers)} depends on it; drop that, rerun drift, then make it again"))]
    name = qualified(schema, type_name)
    retired = pg_name(type_name[:NAME_BYTES - 8] + "__retired")
    sql = [f"alter type {name} rename to {quote_ident(retired)};",
           ctx.render("enum.sql.j2", enum=ctx.object("enum", change.key)).strip()]
    for use in change.have.uses:
        column = quote_ident(use.column)
        target = name + ("[]" if use.is_array else "")
        default = ctx.column_default(use.schema, use.table, use.column, use.default)
        steps = [f"alter column {column} drop default"] if use.default is not None else []
        steps.append(f"alter column {column} type {target} using {column}::text{'[]' if use.is_array else ''}"
                     f"::{target}")
        if default is not None:
            steps.append(f"alter column {column} set default {default}")
        sql.append(f"alter table {qualified(use.schema, use.table)} {', '.join(steps)};")
    sql.append(f"drop type {qualified(schema, retired)};")
    statements = [replace(s, destructive=True) for made in remade for s in made]
    return statements + [RepairStatement("type", "\n".join(sql), destructive=True)]


def group(change: Change) -> tuple:
    return (change.kind, change.key)
