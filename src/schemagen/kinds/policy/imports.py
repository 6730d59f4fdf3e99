"""Policies from a catalog, their conditions as the source wrote them where it did."""

from __future__ import annotations

from ...importing.draft import Draft, pretty


def build(draft: Draft) -> None:
    for key, facts in draft.source.facts["policy"].items():
        if not draft.own("policy", key):
            continue
        table = key[:2]
        written = draft.spelling.policies.get(key, {}) if draft.spelled("policy", key) else {}
        entry: dict = {"name": key[2], "command": facts.command}
        if not facts.permissive:
            entry["as"] = "restrictive"
        if facts.roles != ("public",):
            entry["roles"] = list(facts.roles)
        for clause in ("using", "with_check"):
            value = getattr(facts, clause)
            if value is not None:
                entry[clause] = written.get(clause) or pretty(value)
        if facts.comment is not None:
            entry["comment"] = facts.comment
        stage = draft.stage_of("policy", key)
        draft.host(stage, table).setdefault("policies", []).append(entry)
        draft.counts[("policy", "native")] += 1
