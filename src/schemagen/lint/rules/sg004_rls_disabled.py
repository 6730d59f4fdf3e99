from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..registry import Finding, Rule, register


@register
class RlsDisabledInPublic(Rule):
    """Every table in the public schema has row level security enabled.

    Supabase exposes the public schema through its Data API: without RLS, anyone
    holding the anon key can read and change every row. This is the advisors'
    ``rls_disabled_in_public``.

    Anti-pattern: a public table without ``rls: true``.
    Best practice: ``rls: true`` plus policies granting exactly what clients need.
    """

    code = "SG004"
    name = "security.rls-disabled"
    severity = "error"
    checklist = "RLS enabled, with policies, on every table"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        if table.schema == "public" and not table.rls:
            yield Finding(table.pos, f"public.{table.name} does not enable row level security: the Data "
                          "API lets anyone with the anon key read and write it; add 'rls: true'",
                          table.waivers)
