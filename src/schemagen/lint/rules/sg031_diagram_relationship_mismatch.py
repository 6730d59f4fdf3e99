from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..registry import Finding, Rule, register


@register
class DiagramRelationshipMismatch(Rule):
    """The ER diagram draws each relationship as its constraints allow, and shows its column.

    A hand-drawn notation (``cardinality``, or a stage kept ``diagram: as_written``) can say
    "exactly one parent" for a nullable reference, or "many" for a unique one, and a box that
    lists its columns by hand can leave out the very column a drawn relationship uses. A reader of
    the overview then designs the next stage on a relationship the database does not have.

    Anti-pattern: ``agent_id uuid references ai_agents`` (nullable) drawn ``ai_agents ||--o{ ai_tasks``;
    a box for ai_tasks without ``conversation_id`` while ``conversations ||--o{ ai_tasks`` is drawn.
    Best practice: let the diagram derive the notation (remove ``cardinality``, or the stage's
    ``diagram: as_written``), and list the referencing column in the box.
    """

    code = "SG031"
    name = "docs.diagram-relationship-mismatch"
    severity = "warning"
    checklist = "Diagrams agree with the tables"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        if not table.in_diagram:
            return
        shown = None if table.diagram_columns is None else {c.name for c in table.diagram_columns}
        for fk in table.all_foreign_keys:
            if not fk.in_diagram:
                continue
            drawn, allowed = table.cardinality(fk), table.cardinality_from_constraints(fk)
            columns = ", ".join(fk.columns)
            waivers = fk_waivers(table, fk)
            if drawn != allowed:
                fix = ("remove its cardinality" if fk.cardinality is not None else
                       f"give the reference cardinality: \"{allowed}\", or let the stage's diagram follow the "
                       "constraints (remove diagram: as_written)")
                yield Finding(fk.pos, f"the ER diagram draws {table.name}.{columns} → {fk.ref_table} as {drawn}, "
                              f"but the constraints allow {allowed} ({_why(drawn, allowed, columns)}); {fix}",
                              waivers)
            hidden = [c for c in fk.columns if shown is not None and c not in shown]
            if hidden:
                yield Finding(fk.pos, f"the ER diagram draws {table.name} → {fk.ref_table} but its box leaves out "
                              f"{', '.join(hidden)}, the column the relationship uses; add it to diagram.columns",
                              waivers)


def fk_waivers(table: Table, fk) -> tuple:
    columns = [table.column(c) for c in fk.columns]
    return tuple(w for c in columns if c is not None for w in c.waivers) + table.waivers


def _why(drawn: str, allowed: str, columns: str) -> str:
    reasons = []
    if drawn[:2] != allowed[:2]:
        reasons.append(f"{columns} is nullable: a row may have no parent" if allowed[:2] == "|o"
                       else f"{columns} is required: every row has a parent")
    if drawn[-2:] != allowed[-2:]:
        reasons.append(f"{columns} is unique: a parent has at most one" if allowed[-2:] == "o|"
                       else f"{columns} is not unique: a parent may have many")
    return "; ".join(reasons)
