"""What a PostgreSQL database holds, as comparable facts read from its catalog, kind by kind.

Facts are keyed so that two catalogs can be compared without caring what PostgreSQL named
things it named itself; each kind's folder says how (``kinds/<kind>/catalog.py``). Every
expression is as PostgreSQL prints it back, so comparing text compares meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from .kinds.registry import FAMILIES, KINDS


@dataclass
class Catalog:
    facts: dict[str, dict] = field(default_factory=lambda: {family: {} for family in FAMILIES})
    #: The schemas read: an object elsewhere was not looked for, so it cannot be called missing.
    schemas: frozenset[str] = frozenset()
    #: Tables the specs attach policies, indexes or triggers to without creating them (expected side).
    attached: frozenset[tuple[str, str]] = frozenset()

    def __getitem__(self, family: str) -> dict:
        return self.facts[family]

    # The table family by name, as the RLS probe and the tests read it.
    @property
    def tables(self) -> dict:
        return self.facts["table"]

    @property
    def constraints(self) -> dict:
        return self.facts["constraint"]

    @property
    def policies(self) -> dict:
        return self.facts["policy"]

    @property
    def indexes(self) -> dict:
        return self.facts["index"]

    @cached_property
    def nulls_not_distinct(self) -> dict[tuple[str, str], frozenset[str]]:
        """Per table, the columns its unique indexes key that count nulls as equal: the RLS probe
        gives its rows values there. Worked out once, as the probe asks per row it makes."""
        return self._index_columns(lambda index: index.unique and index.nulls_not_distinct)

    @cached_property
    def unique_keyed(self) -> dict[tuple[str, str], frozenset[str]]:
        """Per table, the columns some unique key or primary key includes: where the RLS probe
        gives A's and B's rows values of their own even from a short list (an enum)."""
        out = {table: set(columns) for table, columns in self._index_columns(lambda index: index.unique).items()}
        for (table, kind, columns), _ in self.constraints.items():
            if kind in ("unique", "primary key"):
                out.setdefault(table, set()).update(columns)
        return {table: frozenset(columns) for table, columns in out.items()}

    def _index_columns(self, chosen) -> dict[tuple[str, str], frozenset[str]]:
        from .sqltokens import tokenize

        out: dict[tuple[str, str], set[str]] = {}
        for (schema, table, _), index in self.indexes.items():
            if index is not None and chosen(index):
                firsts = (tokenize(key, limit=1) for key in index.keys)  # a key's column comes first
                out.setdefault((schema, table), set()).update(
                    first[0].ident for first in firsts if first and first[0].kind in ("word", "quoted_ident"))
        return {table: frozenset(columns) for table, columns in out.items()}


#: Families compared only where the specs say something (a grant): with nothing expected, not read.
ONLY_WHAT_IS_SAID = {"privilege"}


def introspect(session, schemas: list[str], expected: Catalog | None = None,
               skip: frozenset[str] = frozenset()) -> Catalog:
    """Read the catalog of the given schemas, every kind. Given what the specs expect, a family
    compared only where the specs speak (privileges) is not read when they say nothing of it:
    at a thousand tables its rows are a third of the reading."""
    catalog = Catalog(schemas=frozenset(schemas))
    table_kind = next(kind for kind in KINDS if kind.name == "table")
    catalog.facts.update(table_kind.part("catalog").read(session, schemas, set()))
    for kind in KINDS:  # tables first: the kinds on tables keep to the tables read
        if kind is table_kind or kind.name in skip:
            continue
        if expected is not None and set(kind.families) <= ONLY_WHAT_IS_SAID and \
                not any(expected.facts.get(family) for family in kind.families):
            continue
        catalog.facts.update(kind.part("catalog").read(session, schemas, set(catalog.tables)))
    return catalog


def read_more(session, catalog: Catalog, schemas: list[str], kinds: frozenset[str],
              skip: frozenset[str] = frozenset()) -> Catalog:
    """``catalog`` with more read into it: every kind of other schemas (``schemas``), or some kinds
    (``kinds``, e.g. privileges) of the schemas it has. Facts of different schemas never share a key,
    and what belongs to the whole database reads the same every time, so the families merge as sets."""
    more = (introspect(session, schemas, skip=skip) if schemas else
            Catalog(schemas=catalog.schemas, facts={family: {} for family in catalog.facts}))
    if kinds:
        for kind in KINDS:
            if kind.name in kinds:  # merged into what the other schemas' read holds of the same family
                for family, facts in kind.part("catalog").read(session, sorted(catalog.schemas),
                                                               set(catalog.tables)).items():
                    more.facts.setdefault(family, {}).update(facts)
    merged = Catalog(schemas=catalog.schemas | more.schemas, attached=catalog.attached)
    for family in set(catalog.facts) | set(more.facts):
        merged.facts[family] = {**catalog.facts.get(family, {}), **more.facts.get(family, {})}
    return merged
