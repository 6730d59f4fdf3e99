"""Sequences from a catalog (an identity column's own is the column's), defaults left out."""

from __future__ import annotations

from ...importing.draft import Draft

_MAX = {"smallint": 32767, "integer": 2147483647, "bigint": 9223372036854775807}


def build(draft: Draft) -> None:
    for key, facts in draft.source.facts["sequence"].items():
        if not draft.own("sequence", key):
            continue
        entry: dict = {} if key[0] == "public" else {"schema": key[0]}
        entry["name"] = key[1]
        if facts.type != "bigint":
            entry["type"] = facts.type
        ascending = facts.increment > 0
        low = 1 if ascending else -_MAX[facts.type] - 1
        high = _MAX[facts.type] if ascending else -1
        if facts.start != (facts.min if ascending else facts.max):
            entry["start"] = facts.start
        if facts.increment != 1:
            entry["increment"] = facts.increment
        if facts.min != low:
            entry["min"] = facts.min
        if facts.max != high:
            entry["max"] = facts.max
        if facts.cycle:
            entry["cycle"] = True
        if facts.cache != 1:
            entry["cache"] = facts.cache
        if facts.owned_by:
            entry["owned_by"] = ".".join(facts.owned_by)
        if facts.comment is not None:
            entry["comment"] = facts.comment
        draft.sequences[key] = entry
        draft.add(draft.stage_of("sequence", key), "sequences", entry, "sequence")
