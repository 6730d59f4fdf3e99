from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..registry import Finding, Rule, register

WRITE_PRIVILEGES = ("insert", "update", "delete", "truncate")


@register
class AnonWritesWithoutRls(Rule):
    """No table without row level security grants writes to ``anon``.

    ``anon`` is every visitor holding the project's public key. A grant of insert,
    update, delete or truncate to it on a table whose RLS is off lets anyone change
    every row through the Data API: no policy stands in the way. (SG004 reports any
    table in ``public`` without RLS; this rule reports the grant that makes it
    writable, in any schema.)

    Anti-pattern: ``grants: [{privileges: [all], to: [anon]}]`` on a table without ``rls: true``.
    Best practice: ``rls: true`` with policies for what visitors may do, or no write grant to anon.
    """

    code = "SG029"
    name = "security.anon-writes-without-rls"
    severity = "error"
    checklist = "Functions, views, grants and extensions are safe to expose"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        if table.rls:
            return
        for grant in table.grants:
            writes = [p for p in grant.expanded("table") if p in WRITE_PRIVILEGES]
            grantees = [r for r in grant.roles if r in ("anon", "public")]
            if not grant.revoke and writes and grantees:
                yield Finding(grant.pos, f"{table.schema}.{table.name} has no row level security, yet the spec "
                              f"grants {', '.join(writes)} to {' and '.join(grantees)}: every visitor can change "
                              "every row; add 'rls: true' with policies, or drop the grant",
                              grant.waivers + table.waivers)

    def check_attachment(self, attachment, stage: Stage, project: Project) -> Iterator[Finding]:
        if attachment.rls is False:  # an earlier stage's table without RLS; a platform table's is unknown
            yield from self.check_table(attachment, stage, project)
