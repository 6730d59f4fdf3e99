"""Enum types from a catalog."""

from __future__ import annotations

from ...importing.draft import Draft


def build(draft: Draft) -> None:
    for key, facts in draft.source.facts["enum"].items():
        if draft.own("enum", key):
            entry = ({} if key[0] == "public" else {"schema": key[0]}) | {"name": key[1], "values": list(facts.values)}
            if facts.comment is not None:
                entry["comment"] = facts.comment
            draft.add(draft.stage_of("enum", key), "enums", entry, "enum")
