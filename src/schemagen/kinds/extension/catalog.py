"""Extensions in a catalog. Only those the specs declare are compared: a platform installs many
(pg_graphql, pgsodium …) that no stage mentions, and they are not the specs' business."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ... import model as m
from ..base import Positions, Unverified
from .model import Extension


@dataclass(frozen=True)
class ExtensionFacts:
    schema: str | None
    comment: str | None = None
    #: Created by the stage, or relied on (the platform's): what a repair may do.
    created_here: bool = True


EXTENSIONS_SQL = """
select e.extname, n.nspname, obj_description(e.oid, 'pg_extension')
from pg_extension e join pg_namespace n on n.oid = e.extnamespace
"""


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    return {"extension": {(name,): ExtensionFacts(schema, comment)
                          for name, schema, comment in session.query(EXTENSIONS_SQL)}}


def expect(project: m.Project, normalizer, positions: Positions, unverified: Unverified) -> Callable[[], dict]:
    declared = {}
    for extension in project.objects(Extension):
        declared[extension.key] = ExtensionFacts(extension.schema, extension.comment, extension.created_here)
        positions[("extension", extension.key)] = extension.pos
    return lambda: {"extension": declared}
