"""A Supabase Storage bucket: a row of ``storage.buckets``, which the stage's migration upserts the
way Supabase projects write it, so applying it again (or after a dashboard edit) converges."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...model import NOWHERE, SourcePos, Waiver, _Brief


@dataclass(frozen=True, repr=False)
class Bucket(_Brief):
    id: str
    name: str
    #: Public buckets serve their files to anyone with the URL; listing and writing still pass RLS.
    public: bool = False
    #: Bytes; None for the project's limit.
    file_size_limit: int | None = None
    allowed_mime_types: tuple[str, ...] | None = None
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def key(self) -> tuple[str]:
        return (self.id,)


def build(builder, data: dict[str, Any], path: tuple) -> Bucket:
    bucket_id = data["id"]
    if "/" in bucket_id or bucket_id != bucket_id.strip():
        builder.error(path + ("id",), "E105", f"bucket id {bucket_id!r} cannot hold '/' or surrounding spaces: "
                      "object paths start with it")
    limit = data.get("file_size_limit")
    if limit is not None and limit <= 0:
        builder.error(path + ("file_size_limit",), "E106", "file_size_limit is a number of bytes above zero; "
                      "leave it out for the project's limit")
    types = data.get("allowed_mime_types")
    return Bucket(
        id=builder.ident(bucket_id, path + ("id",), "bucket id"),
        name=builder.ident(data.get("name", bucket_id), path + ("name",), "bucket name"),
        public=data.get("public", False),
        file_size_limit=limit,
        allowed_mime_types=tuple(types) if types is not None else None,
        waivers=builder.waivers(data, path),
        pos=builder.pos(path),
    )
