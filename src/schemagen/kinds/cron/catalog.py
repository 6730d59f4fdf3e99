"""pg_cron's jobs in a catalog: the rows of ``cron.job`` this database and role scheduled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ... import model as m
from ..base import Positions, Unverified


@dataclass(frozen=True)
class CronJobFacts:
    schedule: str
    #: Compared without the whitespace around it, which the spec's YAML does not keep.
    command: str
    active: bool
    #: pg_cron's id, for a job without a name (which only its id can unschedule).
    jobid: int | None = None


#: Jobs with a name are keyed by it; one without, by what it does, ("", schedule, command): its id
#: differs from database to database (the repair, which can only unschedule it, keeps the id).
JOBS_SQL = """
select jobid, jobname, schedule, command, active from cron.job
where database = current_database() and username = current_user
"""


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    if not session.query("select to_regclass('cron.job') is not null")[0][0]:
        return {"cron": {}}
    out = {}
    for jobid, name, schedule, command, active in session.query(JOBS_SQL):
        key = (name,) if name is not None else ("", schedule, command.strip())
        out[key] = CronJobFacts(schedule, command.strip(), active, None if name is not None else jobid)
    return {"cron": out}


def expect(project: m.Project, normalizer, positions: Positions, unverified: Unverified) -> Callable[[], dict]:
    out = {}
    for job in project.objects("CronJob"):
        out[job.key] = CronJobFacts(job.schedule, job.command.strip(), job.active)
        positions[("cron", job.key)] = job.pos
    return lambda: {"cron": out}
