"""Enum types in a catalog: values in order (those an extension owns are left out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ... import model as m
from ..base import Positions, Unverified
from .model import Enum


@dataclass(frozen=True)
class ColumnUse:
    """A table column of the enum (or of an array of it), with its default as the database spells it."""

    schema: str
    table: str
    column: str
    is_array: bool
    default: str | None


@dataclass(frozen=True)
class Dependent:
    """What must be dropped and made again for the type to be replaced: ``kind`` is view, policy
    or trigger (made again from the specs) or other (which stops the repair)."""

    kind: str
    key: tuple
    description: str


@dataclass(frozen=True)
class EnumFacts:
    values: tuple[str, ...]
    comment: str | None = None
    #: What replacing the type touches: read from the database, used by the repair only.
    uses: tuple[ColumnUse, ...] = field(default=(), compare=False)
    dependents: tuple[Dependent, ...] = field(default=(), compare=False)


ENUMS_SQL = """
select n.nspname, t.typname, array(select e.enumlabel from pg_enum e where e.enumtypid = t.oid
                                   order by e.enumsortorder)::text[], obj_description(t.oid, 'pg_type')
from pg_type t join pg_namespace n on n.oid = t.typnamespace
where t.typtype = 'e' and n.nspname = any(:schemas)
  and not exists (select from pg_depend d where d.objid = t.oid and d.deptype = 'e')
"""


#: Table columns of each enum type, and what depends on the type or on those columns. Indexes,
#: check constraints and the columns' defaults are rebuilt by ``alter column … type``; views,
#: policies and triggers make PostgreSQL refuse it; anything else would keep the old type alive.
USES_SQL = """
with enums as (
  select t.oid, t.typarray, n.nspname, t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace
  where t.typtype = 'e' and n.nspname = any(:schemas)
    and not exists (select from pg_depend d where d.objid = t.oid and d.deptype = 'e')
), uses as (
  select e.oid as enum, a.attrelid, a.attnum, cn.nspname, c.relname, a.attname, a.atttypid = e.typarray as is_array,
         pg_get_expr(ad.adbin, ad.adrelid) as default_sql, ad.oid as attrdef
  from enums e join pg_attribute a on a.atttypid in (e.oid, e.typarray) and a.attnum > 0 and not a.attisdropped
  join pg_class c on c.oid = a.attrelid and c.relkind in ('r', 'p')
  join pg_namespace cn on cn.oid = c.relnamespace
  left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
  where a.attgenerated = ''
), deps as (
  select e.oid as enum, d.classid, d.objid, d.objsubid from enums e
  join pg_depend d on d.refclassid = 'pg_type'::regclass and d.refobjid = e.oid and d.deptype <> 'i'
  union
  select u.enum, d.classid, d.objid, d.objsubid from uses u
  join pg_depend d on d.refclassid = 'pg_class'::regclass and d.refobjid = u.attrelid and d.refobjsubid = u.attnum
)
select 'use', e.nspname, e.typname, u.nspname, u.relname, u.attname, u.is_array, u.default_sql, null
from enums e join uses u on u.enum = e.oid
union all
select case when d.classid = 'pg_rewrite'::regclass or dc.relkind in ('v', 'm') then 'view'
            when d.classid = 'pg_policy'::regclass then 'policy'
            when d.classid = 'pg_trigger'::regclass then 'trigger' else 'other' end,
       e.nspname, e.typname,
       coalesce(vn.nspname, dn.nspname, pn.nspname, tn.nspname), coalesce(v.relname, dc.relname, pc.relname, tc.relname),
       coalesce(pol.polname, trg.tgname), null, null, pg_describe_object(d.classid, d.objid, d.objsubid)
from enums e join deps d on d.enum = e.oid
left join pg_rewrite r on d.classid = 'pg_rewrite'::regclass and r.oid = d.objid
left join pg_class v on v.oid = r.ev_class left join pg_namespace vn on vn.oid = v.relnamespace
left join pg_class dc on d.classid = 'pg_class'::regclass and dc.oid = d.objid and dc.relkind in ('v', 'm')
left join pg_namespace dn on dn.oid = dc.relnamespace
left join pg_policy pol on d.classid = 'pg_policy'::regclass and pol.oid = d.objid
left join pg_class pc on pc.oid = pol.polrelid left join pg_namespace pn on pn.oid = pc.relnamespace
left join pg_trigger trg on d.classid = 'pg_trigger'::regclass and trg.oid = d.objid
left join pg_class tc on tc.oid = trg.tgrelid left join pg_namespace tn on tn.oid = tc.relnamespace
where not (d.classid = 'pg_class'::regclass and exists (
             select from pg_class c where c.oid = d.objid and (c.relkind = 'i'
               or exists (select from uses u where u.attrelid = d.objid and u.attnum = d.objsubid))))
  and not (d.classid = 'pg_attrdef'::regclass and exists (select from uses u where u.attrdef = d.objid))
  and not (d.classid = 'pg_constraint'::regclass and exists (
             select from pg_constraint k join uses u on u.attrelid = k.conrelid
             where k.oid = d.objid and k.contype = 'c'))
"""


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    uses: dict[tuple, list[ColumnUse]] = {}
    dependents: dict[tuple, set[Dependent]] = {}
    for kind, schema, name, rel_schema, rel, column, is_array, default, description in \
            session.query(USES_SQL, schemas=schemas):
        if kind == "use":
            uses.setdefault((schema, name), []).append(ColumnUse(rel_schema, rel, column, is_array, default))
        else:
            key = (rel_schema, rel) if kind == "view" else (rel_schema, rel, column)
            dependents.setdefault((schema, name), set()).add(Dependent(kind, key, description))
    return {"enum": {(schema, name): EnumFacts(tuple(values), comment, tuple(uses.get((schema, name), ())),
                                               tuple(sorted(dependents.get((schema, name), ()),
                                                            key=lambda d: (d.kind, d.key))))
                     for schema, name, values, comment in session.query(ENUMS_SQL, schemas=schemas)}}


def expect(project: m.Project, normalizer, positions: Positions, unverified: Unverified) -> Callable[[], dict]:
    out = {}
    for enum in project.objects(Enum):
        out[enum.key] = EnumFacts(enum.values, enum.comment)
        positions[("enum", enum.key)] = enum.pos
    return lambda: {"enum": out}
