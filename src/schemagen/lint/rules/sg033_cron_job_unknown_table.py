from __future__ import annotations

from typing import Iterable

from ...model import Project
from ...platform import SCHEMAS
from ...references import references
from ..registry import Finding, Rule, register



@register
class CronJobUnknownTable(Rule):
    """A scheduled job's command names only tables that exist.

    pg_cron runs a job's command later, in the background: nothing checks it when the migration
    schedules it, and validate does not run it. A command that deletes from a misspelt or dropped
    table fails every night, in ``cron.job_run_details`` where nobody looks, and the clean-up it
    was for never happens.

    Anti-pattern: ``command: delete from public.sesions where created_at < now() - interval '30 days'``
    Best practice: the table's real name (``public.sessions``), defined by a stage or declared under
    ``external.tables``
    """

    code = "SG033"
    name = "correctness.cron-job-unknown-table"
    severity = "error"
    checklist = "Defaults and scheduled jobs name what exists"

    def check(self, project: Project) -> Iterable[Finding]:
        known = {t.key for t in project.tables} | project.external_keys
        known |= {(v.schema, v.name) for kind in ("View", "Sequence") for v in project.objects(kind)}
        elsewhere = SCHEMAS | {"pg_catalog"}  # the platform's tables need no declaration
        for job in project.objects("CronJob"):
            missing = sorted(f"{schema}.{name}" for kind, schema, name in references(job.command)
                             if kind == "relation" and schema not in elsewhere and (schema, name) not in known)
            if missing:
                yield Finding(job.pos, f"cron job '{job.name}' names {', '.join(missing)}, which no stage defines or "
                              "declares: the job will fail each time it runs, where nobody sees it; correct the name "
                              "or declare the table under external.tables", job.waivers)
