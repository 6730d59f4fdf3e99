"""Extensions from a catalog: those the source created (the platform's are the platform's)."""

from __future__ import annotations

from ...importing.draft import Draft


def build(draft: Draft) -> None:
    for key, facts in draft.source.facts["extension"].items():
        if not draft.own("extension", key):
            continue
        entry = {"name": key[0]} | ({"schema": facts.schema} if facts.schema else {})
        if facts.comment is not None and facts.comment != draft.extension_comments.get(key[0]):
            entry["comment"] = facts.comment
        draft.add(draft.stage_of("extension", key), "extensions", entry, "extension")
