"""A stage's objects in dependency order: whatever an object uses is made before it.

Each object becomes a node that says what it provides (a relation, a function, a
type) and what it requires; names nothing in the stage provides (earlier stages', the
platform's) are not dependencies. A stable topological sort puts every node as
early as its requirements allow, breaking ties by the house order: schemas,
extensions, types, tables (each followed by its policies and indexes), functions,
views, triggers, schema grants, in spec order within each. The house style wins
wherever dependencies leave a choice, which is why Stage 5, whose order is already
a valid one, comes out exactly as written; a policy that calls a helper function
moves after the helper, and a table referencing one written after it moves after
that one. Tables that reference each other (a team's owner is a member, a member's team a
team) cannot all be made with their references: a reference to a table of the same loop written
later in the spec is added by ``alter table`` once both exist, as pg_dump adds every one. Any
other cycle is a spec error naming its objects.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from . import model as m
from . import pgtypes
from .diagnostics import Diagnostic, SpecError
from .references import Ref, references

#: House order of the kinds.
RANKS = {"schema": 0, "raw before": 1, "extension": 2, "enum": 3, "domain": 3, "sequence": 3, "table": 4,
         "foreign key": 4, "function": 5, "view": 6, "bucket": 6, "trigger": 7,
         "sequence owner": 8, "publication": 8, "grant": 8, "cron": 8, "raw after": 9}

#: Index methods and operator classes that extensions bring.
_EXTENSION_PREFIXES = (("vector_", "vector"), ("halfvec_", "vector"), ("sparsevec_", "vector"),
                       ("gin_trgm", "pg_trgm"), ("gist_trgm", "pg_trgm"))
_EXTENSION_METHODS = {"hnsw": "vector", "ivfflat": "vector"}
#: Schemas an extension makes and fills: raw SQL that names ``cron.schedule`` needs pg_cron.
_EXTENSION_OWNED_SCHEMAS = {"cron": "pg_cron", "net": "pg_net", "pgmq": "pgmq", "vault": "supabase_vault",
                      "pgsodium": "pgsodium", "graphql": "pg_graphql"}


@dataclass(eq=False)
class Node:
    """An object to create, with what it provides and requires: the graph the dependency order is
    sorted from (identity equality, as two equal objects are still two statements)."""

    kind: str
    obj: object
    rank: tuple
    pos: m.SourcePos
    #: For a table's policies and indexes: the table they belong to.
    table: m.Table | None = None
    #: A table's references that close a loop of tables: made later, on their own (``foreign key``).
    deferred: tuple[m.ForeignKey, ...] = ()
    provides: set[Ref] = field(default_factory=set)
    requires: set[Ref] = field(default_factory=set)
    label: str = ""


def _type_ref(type_text: str) -> Ref | None:
    schema, name, _ = pgtypes.parts(type_text.removeprefix("setof ").strip())
    if schema in (None, "pg_catalog") and pgtypes.builtin_name(name):
        return None
    return ("type", schema or "public", name)


def _schema_ref(schema: str) -> set[Ref]:
    return set() if schema == "public" else {("schema", "", schema)}


def nodes(stage: m.Stage) -> list[Node]:
    out: list[Node] = []
    for i, raw in enumerate(stage.sql_before):
        out.append(Node("raw before", raw, (RANKS["raw before"], i), raw.pos, requires=_raw_requires(raw.sql),
                        label=f"raw SQL {raw.name!r}"))
    schemas = dict.fromkeys(t.schema for t in stage.tables)
    if stage.objects:  # the kinds' models are imported only for a stage that has such objects
        schemas.update(_object_schemas(stage))
    for i, schema in enumerate(s for s in schemas if s and s != "public"):
        out.append(Node("schema", schema, (RANKS["schema"], i), stage.pos, provides={("schema", "", schema)},
                        label=f"schema {schema}"))
    if stage.objects:
        out.extend(_object_nodes(stage))
    looping = looping_references(stage.tables)
    for t, table in enumerate(stage.tables):
        out.extend(_table_nodes(table, t, looping))
    for a, attachment in enumerate(stage.attachments):
        out.extend(_attachment_nodes(attachment, a))
    for i, raw in enumerate(stage.sql_after):
        out.append(Node("raw after", raw, (RANKS["raw after"], i), raw.pos, requires=_raw_requires(raw.sql),
                        label=f"raw SQL {raw.name!r}"))
    return out


def _raw_requires(sql: str) -> set[Ref]:
    """The extensions raw SQL calls into (``select cron.schedule(…)``): only those, so that raw
    blocks keep their place, but a server without the extension leaves them out with it."""
    owned = _EXTENSION_OWNED_SCHEMAS
    return {("extension", "", owned[ref[1]]) for ref in references(sql) if ref[1] in owned}


def _object_schemas(stage: m.Stage) -> dict:
    """The schemas a stage's objects live in, each made before them. An extension's schema is
    made for it too, except Supabase's own ``extensions`` and ``pg_catalog``, which every project has."""
    from .kinds.extension.model import Extension
    from .kinds.grant.model import SchemaGrant
    from .kinds.publication.model import Publication

    schemas = dict.fromkeys(getattr(o, "schema", None) for o in stage.objects
                            if not isinstance(o, (Extension, SchemaGrant, Publication)))
    schemas.update(dict.fromkeys(o.schema for o in stage.objects if isinstance(o, Extension) and o.created_here
                                 and not (stage.platform == "supabase" and o.schema == "extensions")
                                 and o.schema != "pg_catalog"))  # every database's own (pg_cron's, on Supabase)
    return schemas


def _object_nodes(stage: m.Stage) -> list[Node]:
    from .kinds.domain.model import Domain
    from .kinds.enum.model import Enum
    from .kinds.extension.model import EXTENSION_TYPES, Extension
    from .kinds.function.model import Function
    from .kinds.grant.model import SchemaGrant
    from .kinds.publication.model import Publication
    from .kinds.sequence.model import Sequence
    from .kinds.view.model import View

    out: list[Node] = []
    for i, obj in enumerate(stage.objects):
        if isinstance(obj, Extension):
            if not obj.created_here:
                continue
            provides = {("extension", "", obj.name)}
            for type_name in EXTENSION_TYPES.get(obj.name, ()):
                provides |= {("type", obj.schema or "public", type_name), ("type", "public", type_name)}
            out.append(Node("extension", obj, (RANKS["extension"], i), obj.pos, provides=provides,
                            requires=_schema_ref(obj.schema or "public"), label=f"extension {obj.name}"))
        elif isinstance(obj, Enum):
            out.append(Node("enum", obj, (RANKS["enum"], i), obj.pos, provides={("type",) + obj.key},
                            requires=_schema_ref(obj.schema), label=f"type {obj.schema}.{obj.name}"))
        elif isinstance(obj, Function):
            requires = _schema_ref(obj.schema)
            for type_text in [a.type for a in obj.args] + [obj.returns]:
                ref = _type_ref(type_text)
                if ref and not type_text.lower().startswith("table"):
                    requires.add(ref)
            for arg in obj.args:
                requires |= references(arg.default)
            if obj.language == "sql":  # PostgreSQL checks a SQL body when it is created
                requires |= references(obj.body)
            out.append(Node("function", obj, (RANKS["function"], i), obj.pos, provides={("function",) + obj.key},
                            requires=requires - {("function",) + obj.key},
                            label=f"function {obj.schema}.{obj.name}"))
        elif isinstance(obj, View):
            out.append(Node("view", obj, (RANKS["view"], i), obj.pos,
                            provides={("relation",) + obj.key, ("type",) + obj.key},
                            requires=_schema_ref(obj.schema) | references(obj.query),
                            label=f"view {obj.schema}.{obj.name}"))
        elif isinstance(obj, Domain):
            requires = _schema_ref(obj.schema) | references(obj.default)
            for check in obj.checks:
                requires |= references(check.expression)
            ref = _type_ref(obj.type)
            if ref:
                requires.add(ref)
            out.append(Node("domain", obj, (RANKS["domain"], i), obj.pos, provides={("type",) + obj.key},
                            requires=requires, label=f"domain {obj.schema}.{obj.name}"))
        elif isinstance(obj, Sequence):
            out.append(Node("sequence", obj, (RANKS["sequence"], i), obj.pos, provides={("relation",) + obj.key},
                            requires=_schema_ref(obj.schema), label=f"sequence {obj.schema}.{obj.name}"))
            if obj.owned_by:  # after its table, which may well use the sequence in a default
                out.append(Node("sequence owner", obj, (RANKS["sequence owner"], i), obj.pos,
                                requires={("relation",) + obj.key, ("relation", obj.schema, obj.owned_by[0])},
                                label=f"owner of sequence {obj.schema}.{obj.name}"))
        elif isinstance(obj, Publication):
            out.append(Node("publication", obj, (RANKS["publication"], i), obj.pos,
                            requires={("relation",) + t for t in obj.tables}, label=f"publication {obj.name}"))
        elif type(obj).__name__ == "Bucket":
            out.append(Node("bucket", obj, (RANKS["bucket"], i), obj.pos, label=f"bucket {obj.id}"))
        elif type(obj).__name__ == "CronJob":
            out.append(Node("cron", obj, (RANKS["cron"], i), obj.pos, requires={("extension", "", "pg_cron")},
                            label=f"cron job {obj.name}"))
        elif isinstance(obj, SchemaGrant):
            out.append(Node("grant", obj, (RANKS["grant"], i), obj.pos, requires=_schema_ref(obj.schema),
                            label=f"grant on {obj.schema}"))
    return out


def _attachment_nodes(attachment: m.Attachment, a: int) -> list[Node]:
    """What a stage adds to a table it does not create, after the stage's own tables' triggers.
    The table is no dependency: the platform or an earlier stage made it."""
    at = (RANKS["trigger"], 10**6 + a)
    out = _part_nodes(attachment, at + (1,), at + (2,), at + (3,), set())
    if attachment.grants:
        out.append(Node("table grants", attachment, at + (4,), attachment.grants[0].pos, table=attachment,
                        label=f"grants on {attachment.schema}.{attachment.name}"))
    return out


def looping_references(tables: tuple[m.Table, ...]) -> dict[int, list[tuple[m.ForeignKey, int]]]:
    """Per table (by spec position), its references that point to a later table of the same loop
    (strongly connected set) of tables referencing each other, with that table's position. Without
    them the remaining references all point back, so the tables have an order."""
    index = {(t.schema, t.name): i for i, t in enumerate(tables)}
    edges = {i: {index[fk.ref_key] for fk in t.all_foreign_keys if fk.ref_key in index} - {i}
             for i, t in enumerate(tables)}
    component = _components(edges)
    out: dict[int, list[tuple[m.ForeignKey, int]]] = {}
    for i, table in enumerate(tables):
        for fk in table.all_foreign_keys:
            j = index.get(fk.ref_key)
            if j is not None and j > i and component[i] == component[j]:
                out.setdefault(i, []).append((fk, j))
    return out


def _components(edges: dict[int, set[int]]) -> dict[int, int]:
    """Tarjan's strongly connected components, iteratively: node → its component's number."""
    number: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    component: dict[int, int] = {}
    for root in edges:
        if root in number:
            continue
        work = [(root, iter(sorted(edges[root])))]
        number[root] = low[root] = len(number)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in number:
                    number[child] = low[child] = len(number)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], number[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == number[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = node
                    if member == node:
                        break
    return component


def _table_nodes(table: m.Table, t: int, looping: dict[int, list[tuple[m.ForeignKey, int]]]) -> list[Node]:
    me = ("relation", table.schema, table.name)
    deferred = [fk for fk, _ in looping.get(t, ())]
    requires = _schema_ref(table.schema)
    for column in table.columns:
        ref = _type_ref(column.type)
        if ref:
            requires.add(ref)
        if column.default is not None and column.default.literal is None:
            requires |= references(column.default.sql)
        requires |= references(column.generated)  # slug text generated always as (public.slug(title))
    for check in table.all_checks:
        requires |= references(check.expression)
    for fk in table.all_foreign_keys:
        if not any(fk is d for d in deferred):
            requires.add(("relation", fk.ref_schema, fk.ref_table))
    label = f"table {table.schema}.{table.name}"
    out = [Node("table", table, (RANKS["table"], t, 0), table.pos, table=table,
                provides={me, ("type", table.schema, table.name)}, requires=requires - {me}, label=label,
                deferred=tuple(deferred))]
    for k, (fk, j) in enumerate(looping.get(t, ())):
        out.append(Node("foreign key", fk, (RANKS["foreign key"], j, 3, t, k), fk.pos, table=table,
                        requires={me, ("relation", fk.ref_schema, fk.ref_table)},
                        label=f"foreign key {table.schema}.{table.name}({', '.join(fk.columns)}) → "
                              f"{fk.ref_schema}.{fk.ref_table}"))
    return out + _part_nodes(table, (RANKS["table"], t, 1), (RANKS["table"], t, 2), (RANKS["trigger"], t), {me})


def _part_nodes(table, policy_rank: tuple, index_rank: tuple, trigger_rank: tuple, me: set[Ref]) -> list[Node]:
    """A table's policies, indexes and triggers, each needing the table (``me``, when the stage
    makes it) and whatever its expressions name."""
    where = f"{table.schema}.{table.name}"
    out = []
    for p, policy in enumerate(table.policies):
        out.append(Node("policy", policy, policy_rank + (p,), policy.pos, table=table,
                        requires=me | references(policy.using) | references(policy.with_check),
                        label=f'policy "{policy.name}" on {where}'))
    for x, index in enumerate(table.indexes):
        requires = me | references(index.where)
        for element in index.elements:
            requires |= references(element.expression)
            for prefix, extension in _EXTENSION_PREFIXES:
                if (element.opclass or "").startswith(prefix):
                    requires.add(("extension", "", extension))
        if index.method in _EXTENSION_METHODS:
            requires.add(("extension", "", _EXTENSION_METHODS[index.method]))
        out.append(Node("index", index, index_rank + (x,), index.pos, table=table, requires=requires,
                        label=f"index {index.name}"))
    for g, trigger in enumerate(table.triggers):
        out.append(Node("trigger", trigger, trigger_rank + (g,), trigger.pos, table=table,
                        requires=me | {("function",) + trigger.function} | references(trigger.when),
                        label=f"trigger {trigger.name} on {where}"))
    return out


def sort(items: list[Node]) -> list[Node]:
    """Kahn's algorithm, always taking the ready node first in the house order."""
    providers: dict[Ref, list[Node]] = {}
    for node in items:
        for ref in node.provides:
            providers.setdefault(ref, []).append(node)
    waiting: dict[int, set[int]] = {}
    dependents: dict[int, list[Node]] = {}
    for node in items:
        needs = {id(p) for ref in node.requires for p in providers.get(ref, ()) if p is not node}
        waiting[id(node)] = needs
        for provider_id in needs:
            dependents.setdefault(provider_id, []).append(node)
    ready = [(node.rank, n, node) for n, node in enumerate(items) if not waiting[id(node)]]
    heapq.heapify(ready)
    order_of = {id(node): n for n, node in enumerate(items)}
    out: list[Node] = []
    while ready:
        _, _, node = heapq.heappop(ready)
        out.append(node)
        for dependent in dependents.get(id(node), ()):
            needs = waiting[id(dependent)]
            needs.discard(id(node))
            if not needs:
                heapq.heappush(ready, (dependent.rank, order_of[id(dependent)], dependent))
    if len(out) < len(items):
        raise SpecError([_cycle(items, waiting)])
    return out


def _cycle(items: list[Node], waiting: dict[int, set[int]]) -> Diagnostic:
    by_id = {id(node): node for node in items}
    stuck = [node for node in items if waiting[id(node)]]
    node, seen = stuck[0], []
    while node not in seen:
        seen.append(node)
        node = by_id[next(iter(waiting[id(node)]))]
    loop = seen[seen.index(node):] + [node]
    return Diagnostic(loop[0].pos, "E108", "error", "these objects need each other to exist first, so no order "
                      "creates them: " + " → ".join(n.label for n in loop) + "; break the cycle (write one of "
                      "them in sql_after; tables that only reference each other need nothing: the reference "
                      "closing the loop is added once both exist)")
