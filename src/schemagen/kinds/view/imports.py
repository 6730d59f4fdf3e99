"""Views from a catalog, their query as the source wrote it where it did."""

from __future__ import annotations

from ...importing.draft import Draft, pretty


def build(draft: Draft) -> None:
    for key, facts in draft.source.facts["view"].items():
        if not draft.own("view", key):
            continue
        written = draft.spelling.views.get(key) if draft.spelled("view", key) else None
        entry: dict = {} if key[0] == "public" else {"schema": key[0]}
        entry["name"] = key[1]
        if facts.materialized:
            entry["materialized"] = True
        for option in ("security_invoker", "security_barrier", "check_option"):
            if getattr(facts, option) is not None:
                entry[option] = getattr(facts, option)
        entry["query"] = written or pretty(facts.definition.rstrip(";").strip())
        if facts.comment is not None:
            entry["comment"] = facts.comment
        draft.views[key] = entry
        draft.add(draft.stage_of("view", key), "views", entry, "view")
