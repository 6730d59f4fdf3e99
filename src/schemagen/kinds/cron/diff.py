"""pg_cron jobs: missing or changed (the stage's ``cron.schedule`` by name repairs both, and an
active flag is set apart), and, when the specs schedule jobs, extra ones, whose unscheduling is
destructive: the job stops running."""

from __future__ import annotations

from ...sqltext import quote_literal
from ..base import Change, RepairStatement, shown

PREFIXES = ("cron",)

FACETS = ("schedule", "command", "active")


def _name(key: tuple) -> str:
    return key[0] or "a job without a name"


def compare(want, have, report, unverified) -> None:
    mine, theirs = want["cron"], have["cron"]
    for key in sorted(mine.keys() - theirs.keys()):
        report.add("cron.missing", key, f"cron job {key[0]} is missing from cron.job", at=("cron", key))
    if mine:  # the specs schedule jobs, so one they do not define is extra
        for key in sorted(theirs.keys() - mine.keys()):
            report.add("cron.extra", key, f"cron.job has {_name(key)} ({theirs[key].schedule}: "
                                          f"{theirs[key].command}), which no spec defines", have=theirs[key])
    for key in sorted(mine.keys() & theirs.keys()):
        a, b = theirs[key], mine[key]
        for facet in FACETS:
            if getattr(a, facet) != getattr(b, facet):
                report.add(f"cron.{facet}", key, f"{facet} of cron job {key[0]} is {shown(getattr(a, facet))} in the "
                                                 f"database, {shown(getattr(b, facet))} in the spec",
                           at=("cron", key), have=a)


def repair(change: Change, ctx) -> list[RepairStatement]:
    if change.kind == "cron.extra":
        job = change.have.jobid if change.have.jobid is not None else quote_literal(change.key[0])
        return [RepairStatement("cron", f"select cron.unschedule({job});")]
    job = next(o for o in ctx.project.objects("CronJob") if o.key == change.key)
    made = ctx.render("cron_job.sql.j2", job=job).strip()
    if change.kind == "cron.active" and job.active:  # the template sets a job inactive, never active again
        made = (f"select cron.alter_job(job_id := (select jobid from cron.job where jobname = "
                f"{quote_literal(job.name)} and username = current_user), active := true);")
    return [RepairStatement("cron", made)]


def group(change: Change) -> tuple:
    """A new schedule or command is one ``cron.schedule``; turning a job on again is one more."""
    return ("cron.schedule" if change.kind in ("cron.schedule", "cron.command", "cron.missing") else change.kind,
            change.key)
