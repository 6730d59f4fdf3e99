"""Publications in a catalog: which tables they carry and what they publish. Only declared ones are
compared; a platform's publication may carry other stages' tables as well."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ... import model as m
from ..base import Positions, Unverified
from .model import Publication


@dataclass(frozen=True)
class PublicationFacts:
    tables: frozenset[tuple[str, str]]
    publish: tuple[str, ...] | None
    created_here: bool = True
    comment: str | None = None


PUBLICATIONS_SQL = """
select p.pubname, array(select t.schemaname || '.' || t.tablename from pg_publication_tables t
                        where t.pubname = p.pubname)::text[],
       p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, obj_description(p.oid, 'pg_publication')
from pg_publication p
"""


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    out = {}
    for name, members, insert, update, delete, truncate, comment in session.query(PUBLICATIONS_SQL):
        publish = tuple(op for op, flag in (("insert", insert), ("update", update), ("delete", delete),
                                            ("truncate", truncate)) if flag)
        out[(name,)] = PublicationFacts(frozenset(tuple(t.split(".", 1)) for t in members), publish, True, comment)
    return {"publication": out}


def expect(project: m.Project, normalizer, positions: Positions, unverified: Unverified) -> Callable[[], dict]:
    out: dict[tuple, PublicationFacts] = {}
    for publication in project.objects(Publication):  # several stages may add to one publication
        earlier = out.get(publication.key)
        tables = frozenset(publication.tables) | (earlier.tables if earlier else frozenset())
        publish = publication.publish or (("insert", "update", "delete", "truncate")
                                          if publication.created_here else None)
        out[publication.key] = PublicationFacts(tables, publish, publication.created_here, publication.comment)
        positions.setdefault(("publication", publication.key), publication.pos)
    return lambda: {"publication": out}
