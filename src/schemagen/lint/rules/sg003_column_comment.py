from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..registry import Finding, Rule, register


@register
class ColumnComment(Rule):
    """Every column has a comment (informational).

    Column comments reach the same places as table comments. They matter most where
    a name does not tell the unit, the format or who sets the value
    (``priority``: higher first? ``key_prefix``: how many characters?).

    Anti-pattern: ``{name: priority, type: integer}``
    Best practice: ``{name: priority, type: integer, comment: Higher runs first.}``
    """

    code = "SG003"
    name = "docs.column-comment"
    severity = "info"
    checklist = "All tables have comments"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        for column in table.columns:
            if not (column.comment or "").strip():
                yield Finding(column.pos, f"column {table.name}.{column.name} has no comment",
                              column.waivers + table.waivers)
