"""pg_cron jobs from ``cron.job``: a job a migration scheduled, with its name."""

from __future__ import annotations

from ...importing.draft import Draft


def build(draft: Draft) -> None:
    for key, facts in draft.source.facts["cron"].items():
        if not draft.own("cron", key) or facts.jobid is not None:  # unnamed: kept as raw SQL
            continue
        entry: dict = {"name": key[0], "schedule": facts.schedule, "command": facts.command}
        if not facts.active:
            entry["active"] = False
        draft.add(draft.stage_of("cron", key), "cron_jobs", entry, "cron job")
