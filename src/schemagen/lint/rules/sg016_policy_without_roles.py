from __future__ import annotations

from typing import Iterator

from ...model import Policy, Table
from ..registry import PolicyRule, register


@register
class PolicyWithoutRoles(PolicyRule):
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

    def check_policy(self, table: Table, policy: Policy) -> Iterator[str]:
        if not policy.roles:
            yield (f'policy "{policy.name}" names no roles, so it applies to public (anon included); '
                   "add 'roles: [authenticated]' or the roles meant")
