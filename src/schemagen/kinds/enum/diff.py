"""Enum types: missing, extra, values added (``alter type … add value``, in place) or removed and
reordered (which PostgreSQL cannot do in place: a note with the way), and the comment."""

from __future__ import annotations

from ...sqltext import qualified, quote_literal, sql_comment
from ..base import Change, RepairStatement

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
        return [RepairStatement("type", f"create type {name} as enum ({values});")]
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
        old, new = change.have.values, change.want.values
        renamed = [(a, b) for a, b in zip(old, new, strict=False) if a != b]
        if len(old) == len(new) and len(renamed) == 1:  # one value differs in place: likely a rename
            a, b = renamed[0]
            hint = (f"if {a!r} was renamed, keep its rows with: alter type {name} rename value "
                    f"{quote_literal(a)} to {quote_literal(b)};")
        else:
            hint = ("PostgreSQL cannot remove or reorder enum values; create the new type, move each column to "
                    "it (alter column … type new using col::text::new), then drop the old type")
        return [RepairStatement("note", sql_comment(f"{change.message}: {hint}"))]
    value = quote_literal(change.want.comment) if change.want.comment is not None else "null"
    return [RepairStatement("comment", f"comment on type {name} is {value};")]


def group(change: Change) -> tuple:
    return (change.kind, change.key)
