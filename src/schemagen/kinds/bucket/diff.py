"""Buckets: missing or changed (the stage's upsert repairs both) and, when the specs manage buckets,
extra ones. Supabase refuses direct deletes from its storage tables, so an extra bucket is a note:
delete it through the Storage API or the dashboard, which also removes its files."""

from __future__ import annotations

from ...sqltext import sql_comment
from ..base import Change, RepairStatement

PREFIXES = ("bucket",)

FACETS = ("name", "public", "file_size_limit", "allowed_mime_types")


def _show(value) -> str:
    if value is None:
        return "unset"
    if isinstance(value, tuple):
        return ", ".join(value) or "none"
    return str(value).lower() if isinstance(value, bool) else str(value)


def compare(want, have, report, unverified) -> None:
    mine, theirs = want["bucket"], have["bucket"]
    for key in sorted(mine.keys() - theirs.keys()):
        report.add("bucket.missing", key, f"bucket {key[0]} is missing from storage.buckets", at=("bucket", key))
    if mine:  # the specs manage buckets, so one they do not define is extra
        for key in sorted(theirs.keys() - mine.keys()):
            report.add("bucket.extra", key, f"storage.buckets has bucket {key[0]}, which no spec defines")
    for key in sorted(mine.keys() & theirs.keys()):
        a, b = theirs[key], mine[key]
        for facet in FACETS:
            if getattr(a, facet) != getattr(b, facet):
                report.add("bucket.changed", key, f"{facet.replace('_', ' ')} of bucket {key[0]} is "
                                                  f"{_show(getattr(a, facet))} in the database, "
                                                  f"{_show(getattr(b, facet))} in the spec", at=("bucket", key))


def repair(change: Change, ctx) -> list[RepairStatement]:
    if change.kind == "bucket.extra":
        return [RepairStatement("note", sql_comment(f"{change.message}: delete it through the Storage API or the "
                                                    "dashboard (Supabase refuses direct deletes from storage "
                                                    "tables, and its files go with it)"))]
    bucket = ctx.object("bucket", change.key)
    return [RepairStatement("bucket", ctx.render("bucket.sql.j2", bucket=bucket).strip())]


def group(change: Change) -> tuple:
    return ("bucket.upsert" if change.kind != "bucket.extra" else change.kind, change.key)
