from __future__ import annotations

from typing import Iterator

from ...model import Policy, Table
from ..registry import PolicyRule, register


@register
class PolicyWithoutCondition(PolicyRule):
    """A policy has a condition (using or with_check); without one it admits no row.

    PostgreSQL accepts ``create policy p on t for all to some_role`` with neither
    ``using`` nor ``with check``, and treats the missing condition as false: the
    policy lets nothing through (selects see no rows, inserts are refused). It is
    often written for ``service_role``, which bypasses RLS and needs no policy at
    all; for any other role it does nothing at all.

    Anti-pattern: ``command: all, roles: [service_role]`` with no condition.
    Best practice: remove it (service_role bypasses RLS), or write the condition
    meant, e.g. ``using: owner = (select auth.uid())``.
    """

    code = "SG020"
    name = "security.policy-without-condition"
    severity = "warning"
    checklist = "Granular policies"

    def check_policy(self, table: Table, policy: Policy) -> Iterator[str]:
        if policy.using is not None or policy.with_check is not None:
            return
        roles = ", ".join(policy.roles) or "public"
        bypass = (" service_role bypasses RLS and needs no policy;" if "service_role" in policy.roles else "")
        yield (f'policy "{policy.name}" on {table.schema}.{table.name} has neither using nor with_check, so it '
               f"admits no row for {roles}:{bypass} remove it, or write the condition meant")
