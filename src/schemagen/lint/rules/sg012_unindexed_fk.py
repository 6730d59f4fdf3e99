from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..registry import Finding, Rule, register
from .indexing import leading_column_sets


@register
class UnindexedForeignKey(Rule):
    """Every foreign key is covered by an index whose leading columns are its columns.

    PostgreSQL indexes the referenced side of a foreign key, never the referencing
    side. Without an index, each delete or key update on the parent scans the whole
    child table (``on delete cascade`` included), and joins from parent to child
    cannot use an index. This is the advisors' ``unindexed_foreign_keys``.

    Anti-pattern: ``user_id`` references ``profiles`` and no index starts with it.
    Best practice: ``indexes: [{columns: [user_id]}]``
    """

    code = "SG012"
    name = "performance.unindexed-foreign-key"
    severity = "warning"
    checklist = "Proper indexes"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        covered = leading_column_sets(table)
        for fk in table.all_foreign_keys:
            width = len(fk.columns)
            if not any(set(lead[:width]) == set(fk.columns) and len(lead) >= width for lead in covered):
                cols = ", ".join(fk.columns)
                target = fk.ref_table if fk.ref_schema == "public" else f"{fk.ref_schema}.{fk.ref_table}"
                yield Finding(fk.pos, f"foreign key {table.name}({cols}) → {target} has no index "
                              f"starting with ({cols}); add 'indexes: [{{columns: [{cols}]}}]'",
                              table.waivers)
