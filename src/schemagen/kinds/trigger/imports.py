"""Triggers from a catalog."""

from __future__ import annotations

from ...importing.draft import Draft, lower_keywords, pretty


def build(draft: Draft) -> None:
    for key, facts in draft.source.facts["trigger"].items():
        if not draft.own("trigger", key):
            continue
        # A spec's triggers are on tables and name no other table: these are kept as SQL.
        if key[:2] in draft.source.facts["view"] or facts.constraint_from is not None:
            draft.raw(draft.stage_of("trigger", key), "trigger", f"trigger {key[2]} on {key[0]}.{key[1]}",
                      lower_keywords(facts.definition) + ";")
            continue
        events: list = []
        for event in facts.events:
            if event.startswith("update of "):
                events.append({"update": [c.strip() for c in event.removeprefix("update of ").split(",")]})
            else:
                events.append(event)
        entry: dict = {"name": key[2]}
        if facts.constraint is not None:
            entry["constraint"] = True
            if facts.constraint != "not deferrable":
                entry[facts.constraint.replace(" ", "_")] = True
        entry |= {"timing": facts.timing, "events": events}
        if facts.for_each != "row":
            entry["for_each"] = facts.for_each
        if facts.when is not None:
            entry["when"] = pretty(facts.when)
        entry["function"] = ".".join(facts.function)
        if facts.args:
            entry["args"] = list(facts.args)
        old_table, new_table = facts.transition
        if old_table is not None or new_table is not None:
            entry["referencing"] = ({"old_table": old_table} if old_table is not None else {}) | (
                {"new_table": new_table} if new_table is not None else {})
        if facts.firing != "origin":
            entry["enabled"] = {"disabled": False}.get(facts.firing, facts.firing)
        if facts.comment is not None:
            entry["comment"] = facts.comment
        draft.host(draft.stage_of("trigger", key), key[:2]).setdefault("triggers", []).append(entry)
        draft.counts[("trigger", "native")] += 1
