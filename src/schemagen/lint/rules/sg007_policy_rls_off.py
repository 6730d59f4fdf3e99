from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..registry import Finding, Rule, register


@register
class PolicyWithRlsDisabled(Rule):
    """A table with policies has RLS enabled.

    PostgreSQL ignores policies while row level security is off: the table looks
    protected in review and is open in production. This is the advisors'
    ``policy_exists_rls_disabled``.
    """

    code = "SG007"
    name = "security.policy-rls-disabled"
    severity = "error"
    checklist = "RLS enabled, with policies, on every table"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        if table.policies and not table.rls:
            yield Finding(table.pos, f"{table.schema}.{table.name} has {len(table.policies)} "
                          "polic(ies) but RLS is off, so PostgreSQL ignores them; add 'rls: true'",
                          table.waivers)
