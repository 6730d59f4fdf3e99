from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..registry import Finding, Rule, register


@register
class DiagramTypeMismatch(Rule):
    """The ER diagram shows each column with its real type.

    A diagram column can override the type it shows; when that override differs
    from the column's type, the reviewed overview says one thing and the migration
    does another.

    Anti-pattern: ``diagram: {columns: [{name: device_info, type: text}]}`` for a
    jsonb column.
    Best practice: list the column by name and let the diagram show its type.
    """

    code = "SG018"
    name = "docs.diagram-type-mismatch"
    severity = "warning"
    checklist = "Diagrams agree with the tables"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        for entry in table.diagram_columns or ():
            column = table.column(entry.name)
            if column is not None and entry.type is not None and entry.type != column.type:
                yield Finding(column.pos, f"the ER diagram shows {table.name}.{entry.name} as "
                              f"{entry.type} but the column is {column.type}; remove the diagram's "
                              "type override", column.waivers + table.waivers)
