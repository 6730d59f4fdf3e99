"""A pg_cron job: a schedule and the SQL it runs, which the extension keeps as a row of
``cron.job``. The stage schedules it by name, so applying the stage again updates the job
instead of adding a second one, as ``cron.schedule`` does for a name it already has."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...model import NOWHERE, SourcePos, Waiver, _Brief


@dataclass(frozen=True, repr=False)
class CronJob(_Brief):
    name: str
    #: Five cron fields (``0 3 * * *``), or an interval pg_cron reads (``30 seconds`` from 1.5).
    schedule: str
    #: The SQL the job runs, as the job's role in this database.
    command: str
    #: False keeps the job without running it (``cron.alter_job(…, active := false)``).
    active: bool = True
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def key(self) -> tuple[str]:
        return (self.name,)


def build(builder, data: dict[str, Any], path: tuple) -> CronJob:
    name, schedule = data["name"], data["schedule"]
    if name != name.strip():
        builder.error(path + ("name",), "E105", f"cron job name {name!r} has surrounding spaces, which pg_cron "
                                                "keeps: the job could only be found by the spaced name")
    if len(schedule.split()) not in (1, 2, 5):
        builder.error(path + ("schedule",), "E106", f"schedule {schedule!r} is not one pg_cron reads: five cron "
                                                    "fields ('0 3 * * *'), or an interval ('30 seconds')")
    return CronJob(
        name=name,
        schedule=" ".join(schedule.split()),
        command=builder.fragment(data["command"], path + ("command",), "command", "statements"),
        active=data.get("active", True),
        waivers=builder.waivers(data, path),
        pos=builder.pos(path),
    )
