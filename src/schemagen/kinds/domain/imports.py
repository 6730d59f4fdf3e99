"""Domains from a catalog."""

from __future__ import annotations

from ...importing.draft import Draft, short_type, strip_parens


def build(draft: Draft) -> None:
    for key, facts in draft.source.facts["domain"].items():
        if not draft.own("domain", key):
            continue
        entry = ({} if key[0] == "public" else {"schema": key[0]}) | {"name": key[1], "type": short_type(facts.type)}
        if facts.not_null:
            entry["not_null"] = True
        if facts.default is not None:
            entry["default"] = facts.default
        checks = [strip_parens(c.removeprefix("CHECK ")) for c in facts.checks]
        if checks:
            entry["check"] = checks[0] if len(checks) == 1 else checks
        if facts.comment is not None:
            entry["comment"] = facts.comment
        draft.add(draft.stage_of("domain", key), "domains", entry, "domain")
