from __future__ import annotations

from typing import Iterator

from ...model import Policy, Table
from ..expressions import per_row_auth_calls
from ..registry import PolicyRule, register


@register
class AuthFunctionPerRow(PolicyRule):
    """Policies call ``auth.uid()`` and ``auth.jwt()`` as ``(select auth.uid())``.

    A bare function call in a policy is evaluated for every row the query scans; a
    scalar subquery is evaluated once per statement (an initPlan) and its result
    reused. On large tables the difference is orders of magnitude. This is the
    advisors' ``auth_rls_initplan``.

    Anti-pattern: ``using: user_id = auth.uid()``
    Best practice: ``using: user_id = (select auth.uid())``
    """

    code = "SG010"
    name = "performance.auth-initplan"
    severity = "warning"
    checklist = "Policies evaluate auth functions once per statement"

    def check_policy(self, table: Table, policy: Policy) -> Iterator[str]:
        calls = per_row_auth_calls(policy.using) + per_row_auth_calls(policy.with_check)
        if calls:
            yield (f'policy "{policy.name}" calls {", ".join(dict.fromkeys(calls))} once per row; write '
                   f"(select {calls[0]}) so PostgreSQL evaluates it once per statement")
