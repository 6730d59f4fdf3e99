from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..registry import Finding, Rule, register


@register
class PolicyWithoutRoles(Rule):
    """Every policy names its roles.

    A policy without ``to`` applies to ``public``, which is every role, ``anon``
    included: a rule written with signed-in users in mind also admits visitors
    without an account.

    Anti-pattern: a policy with no ``roles:``.
    Best practice: ``roles: [authenticated]`` (or ``anon`` where visitors are meant).
    """

    code = "SG016"
    name = "security.policy-without-roles"
    severity = "warning"
    checklist = "Granular policies"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        for policy in table.policies:
            if not policy.roles:
                yield Finding(policy.pos, f'policy "{policy.name}" names no roles, so it applies to '
                              "public (anon included); add 'roles: [authenticated]' or the roles meant",
                              policy.waivers + table.waivers)
