from __future__ import annotations

from typing import Iterator

from ...model import Policy, Table
from ..registry import PolicyRule, register


@register
class PolicyForAll(PolicyRule):
    """Policies name one command (select, insert, update, delete), not ``all``.

    A ``for all`` policy grants reading and every kind of write with one expression,
    which is rarely what was meant and hides the write rules in the read rule.
    Separate policies can each be reviewed, and tested, on their own.

    Anti-pattern: ``command: all`` with ``using: "true"``.
    Best practice: a select policy and the write policies that are really needed, or a
    waiver whose reason says why all four commands share one rule.
    """

    code = "SG006"
    name = "security.policy-for-all"
    severity = "warning"
    checklist = "Granular policies"

    def check_policy(self, table: Table, policy: Policy) -> Iterator[str]:
        if policy.command == "all":
            yield f'policy "{policy.name}" on {table.name} is "for all"; split it into per-command policies'
