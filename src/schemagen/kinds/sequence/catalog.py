"""Sequences in a catalog (not those behind identity or serial columns: they are their columns'),
with PostgreSQL's defaults filled in for what a spec leaves out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ... import model as m
from ..base import Positions, Unverified
from .model import Sequence

LIMITS = {"smallint": (-32768, 32767), "integer": (-2147483648, 2147483647),
          "bigint": (-9223372036854775808, 9223372036854775807)}


@dataclass(frozen=True)
class SequenceFacts:
    type: str
    start: int
    increment: int
    min: int
    max: int
    cycle: bool
    owned_by: tuple[str, str] | None
    comment: str | None = None
    cache: int = 1


SEQUENCES_SQL = """
select s.schemaname, s.sequencename, s.data_type::text, s.start_value, s.increment_by, s.min_value, s.max_value,
       s.cycle, s.cache_size, owner.relname, owner_column.attname, obj_description(c.oid, 'pg_class'),
       exists (select from pg_depend d where d.objid = c.oid and d.deptype = 'i')
from pg_sequences s
join pg_namespace n on n.nspname = s.schemaname
join pg_class c on c.relname = s.sequencename and c.relnamespace = n.oid
left join pg_depend d on d.objid = c.oid and d.deptype = 'a' and d.refobjsubid > 0
left join pg_class owner on owner.oid = d.refobjid
left join pg_attribute owner_column on owner_column.attrelid = d.refobjid and owner_column.attnum = d.refobjsubid
where s.schemaname = any(:schemas)
"""


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    out = {}
    for schema, name, typ, start, increment, low, high, cycle, cache, table, column, comment, identity in \
            session.query(SEQUENCES_SQL, schemas=schemas):
        if identity:
            continue
        out[(schema, name)] = SequenceFacts(typ, start, increment, low, high, cycle,
                                            (table, column) if table else None, comment, cache)
    return {"sequence": out}


def facts_of(sequence: Sequence) -> SequenceFacts:
    low_type, high_type = LIMITS[sequence.type]
    ascending = sequence.increment > 0
    low = sequence.min if sequence.min is not None else (1 if ascending else low_type)
    high = sequence.max if sequence.max is not None else (high_type if ascending else -1)
    start = sequence.start if sequence.start is not None else (low if ascending else high)
    return SequenceFacts(sequence.type, start, sequence.increment, low, high, sequence.cycle, sequence.owned_by,
                         sequence.comment, sequence.cache)


def expect(project: m.Project, normalizer, positions: Positions, unverified: Unverified) -> Callable[[], dict]:
    out = {}
    for sequence in project.objects(Sequence):
        out[sequence.key] = facts_of(sequence)
        positions[("sequence", sequence.key)] = sequence.pos
    return lambda: {"sequence": out}
