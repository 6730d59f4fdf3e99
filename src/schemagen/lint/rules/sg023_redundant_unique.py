from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..registry import Finding, Rule, register


@register
class RedundantUnique(Rule):
    """A unique constraint does not repeat the primary key or another unique constraint.

    ``id uuid primary key unique`` asks for two identical indexes; PostgreSQL keeps
    one (the key's) and silently drops the other, so the spec says something the
    database does not hold. Every write would maintain the duplicate if it were
    kept; it is not, so the unique is noise that misleads a reader.

    Anti-pattern: ``{name: id, type: uuid, primary_key: true, unique: true}``
    Best practice: ``{name: id, type: uuid, primary_key: true}``
    """

    code = "SG023"
    name = "performance.redundant-unique"
    severity = "warning"
    checklist = "Proper indexes"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        pk = table.primary_key
        seen = {}
        if table.primary_key_columns:
            seen[(table.primary_key_columns, bool(pk and (pk.deferrable or pk.initially_deferred)))] = \
                "the primary key"
        uniques = [((c.name,), c.pos, c.waivers, False) for c in table.columns if c.unique]
        uniques += [(u.columns, u.pos, (), u.deferrable or u.initially_deferred) for u in table.uniques]
        for columns, pos, waivers, deferrable in uniques:
            key = (columns, deferrable)  # the same columns in the same order: PostgreSQL keeps one index
            if key in seen:
                yield Finding(pos, f"unique ({', '.join(columns)}) on {table.schema}.{table.name} repeats "
                                   f"{seen[key]}; PostgreSQL keeps one index for both, so remove it",
                              waivers + table.waivers)
            else:
                seen[key] = f"unique ({', '.join(columns)})"
