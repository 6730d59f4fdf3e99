"""What a server cannot test: the objects that need an extension it does not have.

Supabase offers extensions a local PostgreSQL may lack (``http``, ``wrappers``, ``postgis``).
Applying a stage that uses one would fail at the extension, then at every table, index,
policy and view that needs it, burying the stage's real findings under errors that say
nothing about the specs. Instead each missing extension is one finding, and what depends on
it (found through the same graph that orders a stage, so a policy on a table with a ``vector``
column goes with the table) is neither applied nor compared, and is counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import model as m


@dataclass
class Untestable:
    #: extension name → the spec objects that need it (their labels, in stage order).
    needs: dict[str, list[str]] = field(default_factory=dict)
    #: Where those objects are in the specs: their statements are skipped, their differences dropped.
    positions: set[m.SourcePos] = field(default_factory=set)
    #: Tables among them, which the RLS probe leaves out.
    tables: set[tuple[str, str]] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.needs)


def untestable(project: m.Project, available: set[str]) -> Untestable:
    """The extensions the specs create or rely on that this server lacks, and what needs them."""
    from .kinds.extension.model import EXTENSION_METHODS, EXTENSION_TYPES, Extension
    from .order import nodes

    missing = {e.name: e for e in project.objects(Extension) if e.name not in available}
    out = Untestable()
    if not missing:
        return out
    graph = [node for stage in project.stages for node in nodes(stage)]
    for name, extension in missing.items():
        gives = {("extension", "", name)} | {("type", t) for t in EXTENSION_TYPES.get(name, ())}
        gives |= {("extension", "", name) for method, owner in EXTENSION_METHODS.items() if owner == name}
        found = [node for node in graph if node.kind == "extension" and node.obj is extension]
        changed = True
        while changed:  # whatever needs what is already out is out too
            changed = False
            for node in graph:
                if node in found:
                    continue
                needs = {r if r[0] != "type" else ("type", r[2]) for r in node.requires}
                if needs & gives:
                    found.append(node)
                    gives |= {r if r[0] != "type" else ("type", r[2]) for r in node.provides}
                    changed = True
        out.needs[name] = [node.label for node in found if node.kind != "extension"]
        out.positions.add(extension.pos)
        out.positions.update(node.pos for node in found)
        for node in found:
            if node.kind == "table":  # its columns' and constraints' statements go with it
                table = node.obj
                out.tables.add(table.key)
                out.positions.update(part.pos for part in (*table.columns, *table.all_checks,
                                                           *table.all_foreign_keys, *table.uniques))
                if table.primary_key is not None:
                    out.positions.add(table.primary_key.pos)
    return out
