from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..registry import Finding, Rule, register


@register
class TableComment(Rule):
    """Every table has a comment.

    The comment is the table's documentation where people look for it: in Supabase
    Studio, in psql's ``\\dt+``, in generated API docs. A table without one forces
    the next reader to guess its purpose from its columns.

    Anti-pattern: a table with no ``comment:``.
    Best practice: ``comment: User-generated API keys for programmatic access.``
    """

    code = "SG002"
    name = "docs.table-comment"
    severity = "warning"
    checklist = "All tables have comments"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        if not (table.comment or "").strip():
            yield Finding(table.pos, f"table {table.schema}.{table.name} has no comment; add "
                          "'comment:' saying what one row is and who writes it", table.waivers)
