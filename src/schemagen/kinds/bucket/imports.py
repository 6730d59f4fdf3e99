"""Storage buckets from ``storage.buckets``."""

from __future__ import annotations

from ...importing.draft import Draft


def build(draft: Draft) -> None:
    for key, facts in draft.source.facts["bucket"].items():
        if not draft.own("bucket", key):
            continue
        entry: dict = {"id": key[0]}
        if facts.name != key[0]:
            entry["name"] = facts.name
        if facts.public:
            entry["public"] = True
        if facts.file_size_limit is not None:
            entry["file_size_limit"] = facts.file_size_limit
        if facts.allowed_mime_types is not None:
            entry["allowed_mime_types"] = list(facts.allowed_mime_types)
        draft.add(draft.stage_of("bucket", key), "buckets", entry, "bucket")
