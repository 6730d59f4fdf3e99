from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..registry import Finding, Rule, register


@register
class PolicyForAll(Rule):
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

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        for policy in table.policies:
            if policy.command == "all":
                yield Finding(policy.pos, f'policy "{policy.name}" on {table.name} is "for all"; '
                              "split it into per-command policies", policy.waivers + table.waivers)
