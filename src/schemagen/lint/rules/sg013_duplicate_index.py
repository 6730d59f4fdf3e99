from __future__ import annotations

from typing import Iterator

from ...model import Index, Project, Stage, Table
from ..registry import Finding, Rule, register


def _signature(index: Index) -> tuple:
    return (index.method, index.elements, index.where, index.include)


def _is_plain_btree_on(index: Index, columns: tuple[str, ...]) -> bool:
    return (index.method == "btree" and index.where is None and not index.include
            and tuple(e.column for e in index.elements) == columns
            and all(e.expression is None and e.order in (None, "asc") and e.nulls is None
                    and e.opclass is None for e in index.elements))


@register
class DuplicateIndex(Rule):
    """No index repeats another index, or the index of a primary key or unique constraint.

    ``primary key`` and ``unique`` create their own btree index. A second index on
    the same columns is never chosen over the first, yet every insert and update
    maintains it and it takes disk and memory. This is the advisors'
    ``duplicate_index``.

    Anti-pattern: ``key_hash text not null unique`` plus ``create index … (key_hash)``.
    Best practice: drop the extra index; the unique constraint already indexes it.
    """

    code = "SG013"
    name = "performance.duplicate-index"
    severity = "warning"
    checklist = "Proper indexes"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        seen: dict[tuple, Index] = {}
        constraint_sets = [("primary key", table.primary_key_columns)] + [
            ("unique constraint", cols) for cols in table.all_unique_column_sets]
        for index in table.indexes:
            waivers = index.waivers + table.waivers
            signature = _signature(index)
            if signature in seen and index.unique == seen[signature].unique:
                yield Finding(index.pos, f"index {index.name} duplicates {seen[signature].name}; "
                              "drop one", waivers)
                continue
            seen.setdefault(signature, index)
            for kind, cols in constraint_sets:
                if cols and _is_plain_btree_on(index, cols):
                    yield Finding(index.pos, f"index {index.name} duplicates the index of the {kind} "
                                  f"on {table.name}({', '.join(cols)}); drop it", waivers)
                    break
