from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from ...model import Policy, Project, Stage, Table
from ..registry import Finding, Rule, register

COMMANDS = ("select", "insert", "update", "delete")


@register
class MultiplePermissivePolicies(Rule):
    """One permissive policy per role and command.

    PostgreSQL evaluates every permissive policy that applies and ORs the results,
    so two policies for the same role and command cost twice per row, and a
    reviewer has to read both to know who may do what. Merge them into one policy
    with ``or``. This is the advisors' ``multiple_permissive_policies``.
    """

    code = "SG011"
    name = "performance.multiple-permissive-policies"
    severity = "warning"
    checklist = "Policies evaluate auth functions once per statement"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        groups: dict[tuple[str, str], list[Policy]] = defaultdict(list)
        for policy in table.policies:
            if not policy.permissive:
                continue
            commands = COMMANDS if policy.command == "all" else (policy.command,)
            for role in policy.roles or ("public",):
                for command in commands:
                    groups[(role, command)].append(policy)
        for (role, command), policies in sorted(groups.items()):
            if len(policies) > 1:
                names = ", ".join(f'"{p.name}"' for p in policies)
                later = policies[-1]
                yield Finding(later.pos, f"{table.name} has {len(policies)} permissive {command} "
                              f"policies for {role} ({names}); merge them into one with 'or'",
                              later.waivers + table.waivers)
