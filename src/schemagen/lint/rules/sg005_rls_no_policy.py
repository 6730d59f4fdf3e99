from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..registry import Finding, Rule, register


@register
class RlsEnabledNoPolicy(Rule):
    """A table with RLS enabled has at least one policy (informational).

    With RLS on and no policy, every client query returns nothing and every write
    fails; only roles that bypass RLS (service_role, the owner) see the table. That
    may be intended for a backend-only table; say so with a waiver. This is the
    advisors' ``rls_enabled_no_policy``.
    """

    code = "SG005"
    name = "security.rls-no-policy"
    severity = "info"
    checklist = "RLS enabled, with policies, on every table"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        if table.rls and not table.policies:
            yield Finding(table.pos, f"{table.schema}.{table.name} enables RLS but has no policy, so "
                          "clients can neither read nor write it; add policies, or waive SG005 "
                          "if only service_role uses it", table.waivers)
