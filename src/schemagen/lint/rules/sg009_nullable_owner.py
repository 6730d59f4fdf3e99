from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..expressions import owner_columns
from ..registry import Finding, Rule, register


@register
class NullableOwnerColumn(Rule):
    """An owner policy (``col = auth.uid()``) compares against a not-null column.

    When the owner column may be null, ownerless rows exist that no user's policy
    matches: they are invisible to everyone but service_role and pile up unnoticed,
    and nothing in the schema says whether a row without an owner is valid. If
    every row has an owner, say so with ``not_null: true``; if some do not, give
    them an explicit policy.

    Anti-pattern: ``{name: user_id, type: uuid, references: profiles.id}`` with
    ``using: user_id = auth.uid()``.
    Best practice: ``not_null: true`` on ``user_id``.
    """

    code = "SG009"
    name = "security.nullable-owner"
    severity = "warning"
    checklist = "No policy lets a user read or write other users' rows"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        for policy in table.policies:
            owners = owner_columns(policy.using) + owner_columns(policy.with_check)
            for name in dict.fromkeys(owners):
                column = table.column(name)
                if column is not None and column.nullable:
                    yield Finding(policy.pos, f'policy "{policy.name}" matches rows by owner '
                                  f"{table.name}.{name}, which is nullable: rows without an owner "
                                  f"belong to no one; make {name} not_null: true",
                                  policy.waivers + column.waivers + table.waivers)
