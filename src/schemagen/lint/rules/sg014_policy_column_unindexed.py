from __future__ import annotations

from typing import Iterator

from ...model import Policy, Table
from ..expressions import column_names, indexable_columns
from ..registry import PolicyRule, register
from .indexing import leading_column_sets


@register
class PolicyColumnUnindexed(PolicyRule):
    """Columns a policy's ``using`` filters on lead some index.

    A ``using`` clause is added to every query on the table; with no index on the
    column it compares, each select, update or delete scans the whole table even
    when the client asks for one row. Supabase's RLS performance guide puts this
    first.

    Only comparisons an index can serve count: a column inside a subquery, a
    function's argument or an ``<>`` is not reported, nor one a partial index's
    predicate tests.

    Anti-pattern: ``using: team_id = (select auth.jwt() ->> 'team')`` and no index on
    ``team_id``.
    Best practice: ``indexes: [{columns: [team_id]}]``
    """

    code = "SG014"
    name = "performance.policy-column-unindexed"
    severity = "warning"
    checklist = "Performance indexes"
    #: A platform's or earlier stage's table has indexes this stage does not see.
    on_attachments = False

    def check_policy(self, table: Table, policy: Policy) -> Iterator[str]:
        served = {cols[0] for cols in leading_column_sets(table)}
        for index in table.indexes:  # a partial index serves the columns its predicate tests
            if index.where is not None:
                served.update(column_names(index.where, {c.name for c in table.columns}))
        for column in indexable_columns(policy.using, {c.name for c in table.columns}):
            if column not in served:
                yield (f'policy "{policy.name}" filters on {table.name}.{column}, which no index starts '
                       f"with; add 'indexes: [{{columns: [{column}]}}]'")
