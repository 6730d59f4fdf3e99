"""Buckets in a catalog: the rows of ``storage.buckets``, where the platform keeps them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ... import model as m
from ..base import Positions, Unverified


@dataclass(frozen=True)
class BucketFacts:
    name: str
    public: bool
    file_size_limit: int | None
    allowed_mime_types: tuple[str, ...] | None


BUCKETS_SQL = """
select id, name, coalesce(public, false), file_size_limit, allowed_mime_types::text[] from storage.buckets
"""


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    if not session.query("select to_regclass('storage.buckets') is not null")[0][0]:
        return {"bucket": {}}
    return {"bucket": {(bucket_id,): BucketFacts(name, public, limit, tuple(types) if types is not None else None)
                       for bucket_id, name, public, limit, types in session.query(BUCKETS_SQL)}}


def expect(project: m.Project, normalizer, positions: Positions, unverified: Unverified) -> Callable[[], dict]:
    out = {}
    for bucket in project.objects("Bucket"):
        out[bucket.key] = BucketFacts(bucket.name, bucket.public, bucket.file_size_limit, bucket.allowed_mime_types)
        positions[("bucket", bucket.key)] = bucket.pos
    return lambda: {"bucket": out}
