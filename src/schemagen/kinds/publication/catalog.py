"""Publications in a catalog: which tables they carry and what they publish. Only declared ones are
compared; a platform's publication may carry other stages' tables as well. A table carried with
only some columns or only rows matching a condition (PostgreSQL 15) is a narrower table than the
spec's, which publishes all of it: those are read too."""

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
    #: (schema, table) → (its column list or None, its row filter or None), where it has one.
    narrowed: tuple[tuple[tuple[str, str], tuple[tuple[str, ...] | None, str | None]], ...] = ()


PUBLICATIONS_SQL = """
select p.pubname, array(select t.schemaname || '.' || t.tablename from pg_publication_tables t
                        where t.pubname = p.pubname)::text[],
       p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, obj_description(p.oid, 'pg_publication')
from pg_publication p
"""

#: Column lists and row filters, read where the server has them (``to_jsonb``: PostgreSQL 15's columns).
NARROWED_SQL = """
select p.pubname, n.nspname, c.relname,
       case when jsonb_typeof(to_jsonb(r) -> 'prattrs') = 'array' then
         array(select a.attname from jsonb_array_elements_text(to_jsonb(r) -> 'prattrs') with ordinality k(n, i)
               join pg_attribute a on a.attrelid = r.prrelid and a.attnum = k.n::int2 order by k.i)::text[] end,
       (select to_jsonb(t) ->> 'rowfilter' from pg_publication_tables t
        where t.pubname = p.pubname and t.schemaname = n.nspname and t.tablename = c.relname)
from pg_publication_rel r join pg_publication p on p.oid = r.prpubid
join pg_class c on c.oid = r.prrelid join pg_namespace n on n.oid = c.relnamespace
"""


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    narrowed: dict[str, list] = {}
    for name, schema, table, columns, condition in session.query(NARROWED_SQL):
        if columns is not None or condition is not None:
            narrowed.setdefault(name, []).append(((schema, table), (tuple(columns) if columns else None, condition)))
    out = {}
    for name, members, insert, update, delete, truncate, comment in session.query(PUBLICATIONS_SQL):
        publish = tuple(op for op, flag in (("insert", insert), ("update", update), ("delete", delete),
                                            ("truncate", truncate)) if flag)
        out[(name,)] = PublicationFacts(frozenset(tuple(t.split(".", 1)) for t in members), publish, True, comment,
                                        tuple(sorted(narrowed.get(name, ()))))
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
