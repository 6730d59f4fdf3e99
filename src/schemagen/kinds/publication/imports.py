"""Publications from a catalog: the platform's ``supabase_realtime`` with the tables the source
added to it, and the source's own."""

from __future__ import annotations

from ...importing.draft import Draft


def build(draft: Draft) -> None:
    for key, facts in draft.source.facts["publication"].items():
        if not draft.own("publication", key):
            continue
        platform = key in draft.baseline.facts.get("publication", {})
        entry: dict = {"name": key[0]}
        if platform:
            entry["provided_by"] = "the Supabase platform"
        entry["tables"] = [name if schema == "public" else f"{schema}.{name}" for schema, name in sorted(facts.tables)]
        if facts.publish is not None and not platform:
            entry["publish"] = list(facts.publish)
        if facts.comment is not None:
            entry["comment"] = facts.comment
        draft.add(draft.stage_of("publication", key), "publications", entry, "publication")
