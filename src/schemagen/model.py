"""The validated schema model: what every renderer, linter and checker reads.

Frozen dataclasses with generated equality, so two models built from the same specs
compare equal and nothing downstream can mutate what the loader checked. Source
positions ride along with ``compare=False``: moving a table three lines down in its
YAML file must not make the schema "different". No I/O lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class SourcePos:
    """Where an object was written, 1-based like every editor and compiler shows it."""

    path: str
    line: int
    col: int

    @property
    def order(self) -> tuple[str, int, int]:
        """Sort key; kept explicit because generated ordering methods cost start-up time."""
        return (self.path, self.line, self.col)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


NOWHERE = SourcePos("<none>", 0, 0)


class _Brief:
    """A short repr, class and first field (``Table('ai_tasks')``), for the larger records.

    Generated reprs print whole trees of columns and policies, and each generated
    method costs start-up time, which every ``schemagen check`` pays.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        first = next(iter(self.__dataclass_fields__))  # type: ignore[attr-defined]
        return f"{type(self).__name__}({getattr(self, first)!r})"

FkAction = Literal["cascade", "set null", "restrict", "no action", "set default"]
PolicyCommand = Literal["select", "insert", "update", "delete", "all"]


@dataclass(frozen=True, repr=False)
class Waiver(_Brief):
    """A reviewed exception to one lint rule on one object; the reason is mandatory."""

    code: str
    reason: str
    pos: SourcePos = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, repr=False)
class Default(_Brief):
    """A column default: ``sql`` is exactly what follows ``default`` in the DDL.

    ``literal`` is kept when the spec gave plain text, so docs and checks can tell an
    escaped string from an expression the author wrote.
    """

    sql: str
    literal: str | None = None


@dataclass(frozen=True, repr=False)
class Check(_Brief):
    """A check constraint; ``values`` is set when the spec used the value-list form."""

    expression: str
    name: str | None = None
    column: str | None = None
    values: tuple[str | int | float | bool, ...] | None = None
    pos: SourcePos = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, repr=False)
class ForeignKey(_Brief):
    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: FkAction | None = None
    on_update: FkAction | None = None
    name: str | None = None
    #: The verb drawn on the ER relationship ("generates", "owns").
    label: str = "references"
    #: Whether the ER diagram draws this relationship at all.
    in_diagram: bool = True
    #: Mermaid cardinality, e.g. ``||--o{``.
    cardinality: str = "||--o{"
    #: Declared on the column line (``references`` inline) or as a table constraint.
    inline: bool = False
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def ref_key(self) -> tuple[str, str]:
        return (self.ref_schema, self.ref_table)


@dataclass(frozen=True, repr=False)
class UniqueConstraint(_Brief):
    columns: tuple[str, ...]
    name: str | None = None
    nulls_not_distinct: bool = False
    pos: SourcePos = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, repr=False)
class PrimaryKey(_Brief):
    columns: tuple[str, ...]
    name: str | None = None
    pos: SourcePos = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, repr=False)
class Column(_Brief):
    name: str
    type: str
    not_null: bool = False
    primary_key: bool = False
    unique: bool = False
    default: Default | None = None
    identity: Literal["always", "by default"] | None = None
    references: ForeignKey | None = None
    check: Check | None = None
    comment: str | None = None
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def nullable(self) -> bool:
        """Primary-key and identity columns are implicitly not null in PostgreSQL."""
        return not (self.not_null or self.primary_key or self.identity)


@dataclass(frozen=True, repr=False)
class Policy(_Brief):
    name: str
    command: PolicyCommand
    roles: tuple[str, ...]
    using: str | None = None
    with_check: str | None = None
    permissive: bool = True
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, repr=False)
class IndexElement(_Brief):
    """One key of an index: a column or an expression, with its ordering options."""

    column: str | None = None
    expression: str | None = None
    order: Literal["asc", "desc"] | None = None
    nulls: Literal["first", "last"] | None = None
    opclass: str | None = None


@dataclass(frozen=True, repr=False)
class Index(_Brief):
    name: str
    elements: tuple[IndexElement, ...]
    method: str = "btree"
    unique: bool = False
    where: str | None = None
    include: tuple[str, ...] = ()
    #: True when the name came from the naming convention rather than the spec.
    derived_name: bool = False
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, repr=False)
class DiagramColumn(_Brief):
    name: str
    #: The type the ER diagram shows, when the spec overrides the column's own.
    type: str | None = None


@dataclass(frozen=True, repr=False)
class Table(_Brief):
    schema: str
    name: str
    columns: tuple[Column, ...]
    comment: str | None = None
    primary_key: PrimaryKey | None = None
    uniques: tuple[UniqueConstraint, ...] = ()
    checks: tuple[Check, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    rls: bool = False
    force_rls: bool = False
    policies: tuple[Policy, ...] = ()
    indexes: tuple[Index, ...] = ()
    #: Columns the ER diagram shows; ``None`` shows them all.
    diagram_columns: tuple[DiagramColumn, ...] | None = None
    in_diagram: bool = True
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def primary_key_columns(self) -> tuple[str, ...]:
        """The key whichever way it was written: on a column or as a table constraint."""
        if self.primary_key is not None:
            return self.primary_key.columns
        return tuple(c.name for c in self.columns if c.primary_key)

    @property
    def all_foreign_keys(self) -> tuple[ForeignKey, ...]:
        inline = tuple(c.references for c in self.columns if c.references is not None)
        return inline + self.foreign_keys

    @property
    def all_unique_column_sets(self) -> tuple[tuple[str, ...], ...]:
        inline = tuple((c.name,) for c in self.columns if c.unique)
        return inline + tuple(u.columns for u in self.uniques)

    @property
    def all_checks(self) -> tuple[Check, ...]:
        inline = tuple(c.check for c in self.columns if c.check is not None)
        return inline + self.checks


@dataclass(frozen=True, repr=False)
class ExternalTable(_Brief):
    """A table another stage or the platform owns; declared so references resolve."""

    schema: str
    name: str
    columns: tuple[Column, ...]
    provided_by: str
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def primary_key_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.primary_key)


@dataclass(frozen=True, repr=False)
class RawSql(_Brief):
    """SQL the spec does not model (a function, a trigger), emitted verbatim."""

    name: str
    sql: str
    pos: SourcePos = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, repr=False)
class Stage(_Brief):
    number: int
    title: str
    slug: str
    status: str
    depends_on: tuple[int, ...]
    tables: tuple[Table, ...]
    external_tables: tuple[ExternalTable, ...] = ()
    external_roles: tuple[str, ...] = ()
    #: Types created outside the specs, as written: ``vector`` or ``extensions.vector``.
    external_types: tuple[str, ...] = ()
    platform: str | None = None
    sql_before: tuple[RawSql, ...] = ()
    sql_after: tuple[RawSql, ...] = ()
    notes: str | None = None
    path: str = ""
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def file_stem(self) -> str:
        return f"stage-{self.number:02d}-{self.slug}"


@dataclass(frozen=True, repr=False)
class Project(_Brief):
    """Every stage, in dependency (= stage number) order."""

    stages: tuple[Stage, ...]

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(t for s in self.stages for t in s.tables)

    def table(self, schema: str, name: str) -> Table | None:
        return next((t for t in self.tables if t.key == (schema, name)), None)

    @property
    def external_keys(self) -> set[tuple[str, str]]:
        """Tables the specs use but other stages or the platform create: never "extra" in a database."""
        return {ext.key for stage in self.stages for ext in stage.external_tables}
