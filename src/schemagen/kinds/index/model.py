"""An index as the spec describes it: keys that are columns or expressions, with options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ...model import NOWHERE, SourcePos, Waiver, _Brief

@dataclass(frozen=True, repr=False)
class IndexElement(_Brief):
    """One key of an index: a column or an expression, with its ordering options."""

    column: str | None = None
    expression: str | None = None
    order: Literal["asc", "desc"] | None = None
    nulls: Literal["first", "last"] | None = None
    opclass: str | None = None
    #: ``collate "C"``: the key's collation, when it is not the column's (or the expression's type's).
    collation: str | None = None


@dataclass(frozen=True, repr=False)
class Index(_Brief):
    """An index as the spec declares it; its SQL keeps the spec's spelling, which drift compares
    after PostgreSQL has normalised both sides."""

    name: str
    elements: tuple[IndexElement, ...]
    method: str = "btree"
    unique: bool = False
    #: A unique index that counts nulls as equal (PostgreSQL 15+): at most one row may have none.
    nulls_not_distinct: bool = False
    where: str | None = None
    include: tuple[str, ...] = ()
    #: True when the name came from the naming convention rather than the spec.
    derived_name: bool = False
    #: Storage parameters, ``with (m = 16, ef_construction = 64)``, as (name, SQL value) pairs.
    parameters: tuple[tuple[str, str], ...] = ()
    comment: str | None = None
    #: The name it had before (``renamed_from``): migrations rename it rather than drop and create it.
    renamed_from: str | None = None
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)
