"""Domains from a catalog."""

from __future__ import annotations

from ...importing.draft import Draft, pretty, short_type


def build(draft: Draft) -> None:
    for key, facts in draft.source.facts["domain"].items():
        if not draft.own("domain", key):
            continue
        entry = ({} if key[0] == "public" else {"schema": key[0]}) | {"name": key[1], "type": short_type(facts.type)}
        if facts.not_null:
            entry["not_null"] = True
        if facts.default is not None:
            entry["default"] = facts.default
        checks = _checks(key[1], facts.checks)
        if checks:
            entry["check"] = checks[0] if len(checks) == 1 else checks
        if facts.comment is not None:
            entry["comment"] = facts.comment
        draft.add(draft.stage_of("domain", key), "domains", entry, "domain")


def _checks(domain: str, checks: tuple) -> list:
    """Each check as the spec writes it: a bare expression where PostgreSQL would give it the
    name it has (``<domain>_check``, then ``<domain>_check1`` …, the first one free), else with its
    name; ``not_valid`` where it was never validated."""
    taken: set[str] = set()
    out: list = []
    for name, definition, validated in checks:
        default = next(candidate for i in range(len(checks) + 1)
                       if (candidate := f"{domain}_check{i or ''}") not in taken)
        taken.add(name)
        expression = pretty(definition.removeprefix("CHECK "))
        if name == default and validated:
            out.append(expression)
        else:
            out.append(({} if name == default else {"name": name}) | {"expression": expression}
                       | ({} if validated else {"not_valid": True}))
    return out
