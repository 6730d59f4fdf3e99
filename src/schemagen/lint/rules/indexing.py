"""What indexes a table has, seen as the planner sees them: leading plain columns."""

from __future__ import annotations

from ...model import Index, Table


def plain_columns(index: Index) -> tuple[str, ...]:
    """The index's leading run of plain column keys (an expression ends the run)."""
    out = []
    for element in index.elements:
        if element.column is None:
            break
        out.append(element.column)
    return tuple(out)


def leading_column_sets(table: Table) -> list[tuple[str, ...]]:
    """Column lists usable as a btree prefix: non-partial indexes plus key and unique constraints."""
    sets = [plain_columns(ix) for ix in table.indexes if ix.where is None and ix.method == "btree"]
    if table.primary_key_columns:
        sets.append(table.primary_key_columns)
    sets.extend(table.all_unique_column_sets)
    return [s for s in sets if s]
