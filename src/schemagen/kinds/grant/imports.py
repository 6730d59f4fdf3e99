"""Grants and revokes: what the source's privileges add to, or take from, those the platform's
default privileges give every new object. Found by the round trip (``importing.prove``): the
specs without them are applied, and each privilege that then differs from the source's becomes
a grant or a revoke."""

from __future__ import annotations

from ...importing.draft import PLATFORM_SCHEMAS, Draft
from ...sqltext import qualified, quote_ident


def build(draft: Draft) -> None:
    grouped: dict[tuple, dict[str, set[str]]] = {}
    for (kind, a, b, column, role, privilege), holds in sorted(draft.privileges.items()):
        grouped.setdefault((kind, a, b, column, holds), {}).setdefault(role, set()).add(privilege)
    for (kind, a, b, column, holds), roles in grouped.items():
        by_privileges: dict[tuple[str, ...], list[str]] = {}
        for role, privileges in sorted(roles.items()):
            by_privileges.setdefault(tuple(sorted(privileges)), []).append(role)
        for privileges, to in by_privileges.items():
            entry: dict = {"privileges": list(privileges)}
            if column and kind == "table":
                entry["columns"] = [column]
            entry["to"] = to
            if not holds:
                entry["revoke"] = True
            _place(draft, kind, a, b, entry, column)


def _place(draft: Draft, kind: str, a: str, b: str, entry: dict, signature: str = "") -> None:
    if kind == "schema":
        draft.add(1, "grants", {"schema": b} | entry, "grant")
        return
    if kind == "default":
        draft.add(1, "grants", {"schema": a, "on": b} | entry, "grant")
        return
    if kind == "function":
        host = draft.functions.get((a, b, signature))
    elif kind == "sequence":
        host = draft.sequences.get((a, b))
        if host is None:  # a column's own (identity, serial): the spec names no such sequence
            _kept_as_sql(draft, entry, f"sequence {a}.{b}", f"sequence {qualified(a, b)}")
            return
    elif (a, b) in draft.views:
        host = draft.views[(a, b)]
    else:
        host = draft.host(draft.stage_of("table", (a, b)), (a, b))
    if host is None and a not in PLATFORM_SCHEMAS:
        return  # on an object the import leaves out (an aggregate), which it names
    if host is None:  # on a platform function: the grant is kept as SQL
        _kept_as_sql(draft, entry, f"{a}.{b}({signature})", f"function {qualified(a, b)}({signature})")
        return
    host.setdefault("grants", []).append(entry)
    draft.counts[("grant", "native")] += 1


def _kept_as_sql(draft: Draft, entry: dict, label: str, on: str) -> None:
    roles = ", ".join("public" if r == "public" else quote_ident(r) for r in entry["to"])
    verb, direction = ("revoke", "from") if entry.get("revoke") else ("grant", "to")
    draft.raw(max(draft.stages or [1]), "grant", f"{verb} on {label}",
              f"{verb} {', '.join(entry['privileges'])} on {on} {direction} {roles};")
