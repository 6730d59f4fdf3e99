"""Privileges in a catalog, as facts keyed (kind, schema, object, column or signature, role, privilege):
``("table", "public", "trips", "", "anon", "select")``, ``("function", "public", "f", "uuid", …)``,
``("schema", "", "extensions", "", …)``, ``("default", "public", "tables", for_role, …)``.

Only what a spec says is compared: a grant says the role holds the privilege, a
revoke that it does not. Every other privilege (those the platform's default
privileges give anon and authenticated on each new table, say) is no spec's
business, so it is never read as a difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ... import model as m
from ..base import Positions, Unverified

#: Each row: the object, the grantee and the privilege, then whether this user may revoke that
#: grant (it made it, or owns the object, which a grant by the owner needs) and may grant the
#: privilege anew (it owns the object, or holds the privilege with grant option). A repair that
#: would be a silent no-op (PostgreSQL only warns) becomes a note instead.
AUTHORITY = """
  a.grantor = (select oid from pg_roles where rolname = current_user)
    or (a.grantor = {owner} and pg_has_role({owner}, 'USAGE')),
  pg_has_role({owner}, 'USAGE'),
  a.is_grantable and a.grantee <> 0
    and case when a.grantee = 0 then false else pg_has_role(a.grantee, 'USAGE') end
"""

PRIVILEGE_SQL = {
    "table": f"""
select n.nspname, c.relname, '', coalesce(r.rolname, 'public'), lower(a.privilege_type),
{AUTHORITY.format(owner="c.relowner")}
from pg_class c join pg_namespace n on n.oid = c.relnamespace
cross join lateral aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
left join pg_roles r on r.oid = a.grantee
where c.relkind in ('r', 'p', 'v', 'm') and n.nspname = any(:schemas)
""",
    "column": f"""
select n.nspname, c.relname, att.attname, coalesce(r.rolname, 'public'), lower(a.privilege_type),
{AUTHORITY.format(owner="c.relowner")}
from pg_attribute att join pg_class c on c.oid = att.attrelid join pg_namespace n on n.oid = c.relnamespace
cross join lateral aclexplode(att.attacl) a
left join pg_roles r on r.oid = a.grantee
where att.attacl is not null and n.nspname = any(:schemas)
""",
    "function": f"""
select n.nspname, p.proname, array_to_string(array(select format_type(t, null)
                                                   from unnest(p.proargtypes::oid[]) t), ', '),
       coalesce(r.rolname, 'public'), lower(a.privilege_type),
{AUTHORITY.format(owner="p.proowner")}
from pg_proc p join pg_namespace n on n.oid = p.pronamespace
cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
left join pg_roles r on r.oid = a.grantee
where n.nspname = any(:schemas)
""",
    "sequence": f"""
select n.nspname, c.relname, '', coalesce(r.rolname, 'public'), lower(a.privilege_type),
{AUTHORITY.format(owner="c.relowner")}
from pg_class c join pg_namespace n on n.oid = c.relnamespace
cross join lateral aclexplode(coalesce(c.relacl, acldefault('s', c.relowner))) a
left join pg_roles r on r.oid = a.grantee
where c.relkind = 'S' and n.nspname = any(:schemas)
""",
    "schema": f"""
select '', n.nspname, '', coalesce(r.rolname, 'public'), lower(a.privilege_type),
{AUTHORITY.format(owner="n.nspowner")}
from pg_namespace n
cross join lateral aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
left join pg_roles r on r.oid = a.grantee
""",
    "default": """
select coalesce(n.nspname, ''), d.defaclobjtype::text,
       case when owner.rolname = current_user then '' else owner.rolname end,
       coalesce(r.rolname, 'public'), lower(a.privilege_type),
       pg_has_role(d.defaclrole, 'USAGE'), pg_has_role(d.defaclrole, 'USAGE'), false
from pg_default_acl d join pg_roles owner on owner.oid = d.defaclrole
left join pg_namespace n on n.oid = d.defaclnamespace
cross join lateral aclexplode(d.defaclacl) a
left join pg_roles r on r.oid = a.grantee
where d.defaclnamespace <> 0
""",
}

#: pg_default_acl's object types, as the spec names them.
DEFAULT_ON = {"r": "tables", "f": "functions", "S": "sequences", "T": "types", "n": "schemas"}


@dataclass(frozen=True)
class Held:
    """A privilege a role holds; whether this user can take it away (every grant of it is its own
    or the object's owner's, and it owns the object)."""

    revocable: bool


@dataclass
class Authority:
    """What this user may grant on one object: everything (it owns it) or what it holds with grant option."""

    owner: bool = False
    grant_options: set[str] = field(default_factory=set)

    def may_grant(self, privilege: str) -> bool:
        return self.owner or privilege in self.grant_options


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    held: dict[tuple, Held] = {}
    authority: dict[tuple, Authority] = {}
    for kind, sql in PRIVILEGE_SQL.items():
        params = {} if kind in ("schema", "default") else {"schemas": schemas}
        for a, b, c, role, privilege, revocable, owner, grant_option in session.query(sql, **params):
            if kind == "default":
                b = DEFAULT_ON.get(b, b)
            kind_key = "table" if kind == "column" else kind
            key = (kind_key, a, b, c, role, privilege)
            earlier = held.get(key)
            held[key] = Held(revocable and (earlier is None or earlier.revocable))
            on = authority.setdefault((kind_key, a, b, c), Authority())
            on.owner = on.owner or owner
            if grant_option:
                on.grant_options.add(privilege)
    return {"privilege": held, "privilege.authority": authority}


def expect(project: m.Project, normalizer, positions: Positions, unverified: Unverified) -> Callable[[], dict]:
    from ...normalize import Owner
    from ..function.model import Function
    from ..grant.model import SchemaGrant
    from ..sequence.model import Sequence
    from ..view.model import View

    said: list[tuple[tuple, bool, m.SourcePos]] = []

    def relation(schema: str, name: str, grants, on: str) -> None:
        for grant in grants:
            for role in grant.roles:
                for privilege in grant.expanded(on):
                    for column in grant.columns or ("",):
                        said.append((("table", schema, name, column, role, privilege), not grant.revoke,
                                     grant.pos))

    for table in project.hosts:
        relation(table.schema, table.name, table.grants, "table")
    for view in project.objects(View):
        relation(view.schema, view.name, view.grants, "view")
    for sequence in project.objects(Sequence):
        for grant in sequence.grants:
            for role in grant.roles:
                for privilege in grant.expanded("sequence"):
                    said.append((("sequence", sequence.schema, sequence.name, "", role, privilege), not grant.revoke,
                                 grant.pos))
    functions = []
    for function in project.objects(Function):
        if function.grants:
            types = [normalizer.type(t, Owner(function.pos, f"an argument type of {function.name}", function.schema))
                     for t in function.identity_types]
            functions.append((function, types))
    for grant in project.objects(SchemaGrant):
        for role in grant.roles:
            for privilege in grant.privileges:
                if grant.on == "schema":
                    expanded = ("usage", "create") if privilege == "all" else (privilege,)
                    for one in expanded:
                        said.append((("schema", "", grant.schema, "", role, one), not grant.revoke, grant.pos))
                else:
                    said.append((("default", grant.schema, grant.on, grant.for_role or "", role, privilege),
                                 not grant.revoke, grant.pos))

    def facts() -> dict:
        for function, types in functions:
            if any(t.failed for t in types):
                continue
            signature = ", ".join(t.result[2] for t in types)
            for grant in function.grants:
                for role in grant.roles:
                    said.append((("function", function.schema, function.name, signature, role, "execute"),
                                 not grant.revoke, grant.pos))
        out: dict[tuple, bool] = {}
        for key, holds, pos in said:  # later statements win, as they do when applied
            out[key] = holds
            positions[("privilege", key)] = pos
        return {"privilege": out}

    return facts
