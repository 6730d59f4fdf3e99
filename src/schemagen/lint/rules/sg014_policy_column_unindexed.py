from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..expressions import column_names
from ..registry import Finding, Rule, register
from .indexing import leading_column_sets


@register
class PolicyColumnUnindexed(Rule):
    """Columns a policy's ``using`` filters on lead some index.

    A ``using`` clause is added to every query on the table; with no index on the
    column it compares, each select, update or delete scans the whole table even
    when the client asks for one row. Supabase's RLS performance guide puts this
    first.

    Anti-pattern: ``using: team_id = (select auth.jwt() ->> 'team')`` and no index on
    ``team_id``.
    Best practice: ``indexes: [{columns: [team_id]}]``
    """

    code = "SG014"
    name = "performance.policy-column-unindexed"
    severity = "warning"
    checklist = "Performance indexes"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        leading = {cols[0] for cols in leading_column_sets(table)}
        names = {c.name for c in table.columns}
        for policy in table.policies:
            for column in column_names(policy.using, names):
                if column not in leading:
                    yield Finding(policy.pos, f'policy "{policy.name}" filters on {table.name}.{column}, '
                                  f"which no index starts with; add 'indexes: [{{columns: [{column}]}}]'",
                                  policy.waivers + table.waivers)
