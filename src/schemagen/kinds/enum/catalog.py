"""Enum types in a catalog: values in order (those an extension owns are left out)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ... import model as m
from ..base import Positions, Unverified
from .model import Enum


@dataclass(frozen=True)
class EnumFacts:
    values: tuple[str, ...]
    comment: str | None = None


ENUMS_SQL = """
select n.nspname, t.typname, array(select e.enumlabel from pg_enum e where e.enumtypid = t.oid
                                   order by e.enumsortorder)::text[], obj_description(t.oid, 'pg_type')
from pg_type t join pg_namespace n on n.oid = t.typnamespace
where t.typtype = 'e' and n.nspname = any(:schemas)
  and not exists (select from pg_depend d where d.objid = t.oid and d.deptype = 'e')
"""


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    return {"enum": {(schema, name): EnumFacts(tuple(values), comment)
                     for schema, name, values, comment in session.query(ENUMS_SQL, schemas=schemas)}}


def expect(project: m.Project, normalizer, positions: Positions, unverified: Unverified) -> Callable[[], dict]:
    out = {}
    for enum in project.objects(Enum):
        out[enum.key] = EnumFacts(enum.values, enum.comment)
        positions[("enum", enum.key)] = enum.pos
    return lambda: {"enum": out}
