"""Extensions in a catalog. Those the specs declare are compared; one they do not is extra, unless
the platform installs it in every project (pg_graphql, pgsodium …, ``platform.DEFAULT_EXTENSIONS``)
or raw SQL of the specs makes it."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    #: Whether this user may move it: it must own the extension and every object in it.
    movable: bool = field(default=True, compare=False)
    #: The platform's, in every project: neither missing nor extra whatever the database has.
    assumed: bool = field(default=False, compare=False)


#: ``alter extension … set schema`` checks ownership of each member object; on Supabase the
#: platform's admin owns them, so ``postgres`` cannot move an extension it enabled.
EXTENSIONS_SQL = """
select e.extname, n.nspname, obj_description(e.oid, 'pg_extension'),
       pg_has_role(e.extowner, 'USAGE') and not exists (
         select from pg_depend d
         left join pg_proc p on d.classid = 'pg_proc'::regclass and p.oid = d.objid
         left join pg_type t on d.classid = 'pg_type'::regclass and t.oid = d.objid
         left join pg_class c on d.classid = 'pg_class'::regclass and c.oid = d.objid
         left join pg_operator o on d.classid = 'pg_operator'::regclass and o.oid = d.objid
         left join pg_opclass oc on d.classid = 'pg_opclass'::regclass and oc.oid = d.objid
         left join pg_opfamily f on d.classid = 'pg_opfamily'::regclass and f.oid = d.objid
         where d.refclassid = 'pg_extension'::regclass and d.refobjid = e.oid and d.deptype = 'e'
           and not pg_has_role(coalesce(p.proowner, t.typowner, c.relowner, o.oprowner, oc.opcowner, f.opfowner,
                                        e.extowner), 'USAGE'))
from pg_extension e join pg_namespace n on n.oid = e.extnamespace
"""


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    return {"extension": {(name,): ExtensionFacts(schema, comment, movable=movable)
                          for name, schema, comment, movable in session.query(EXTENSIONS_SQL)}}


def expect(project: m.Project, normalizer, positions: Positions, unverified: Unverified) -> Callable[[], dict]:
    from ... import platform

    defaults = platform.DEFAULT_EXTENSIONS if any(s.platform == "supabase" for s in project.stages) else {"plpgsql"}
    declared = {(name,): ExtensionFacts(None, created_here=False, assumed=True) for name in defaults}
    for extension in project.objects(Extension):
        declared[extension.key] = ExtensionFacts(extension.schema, extension.comment, extension.created_here)
        positions[("extension", extension.key)] = extension.pos
    return lambda: {"extension": declared}
