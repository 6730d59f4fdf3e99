from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..registry import Finding, Rule, register


@register
class NoPrimaryKey(Rule):
    """Every table has a primary key.

    Without one, rows cannot be addressed reliably: clients cannot update or delete
    a single row, logical replication (and so Supabase Realtime) cannot publish
    updates and deletes, and duplicates creep in. This is the advisors'
    ``no_primary_key``.

    Best practice: ``{name: id, type: uuid, primary_key: true, default: gen_random_uuid()}``
    """

    code = "SG015"
    name = "schema.no-primary-key"
    severity = "warning"
    checklist = "Every table has a primary key"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        if not table.primary_key_columns:
            yield Finding(table.pos, f"{table.schema}.{table.name} has no primary key; add one",
                          table.waivers)
