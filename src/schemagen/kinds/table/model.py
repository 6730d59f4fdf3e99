"""A table as the spec describes it: columns, keys, checks, references, RLS switches, and the
policies and indexes that belong to it; and a table another stage or the platform owns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ...model import NOWHERE, SourcePos, Waiver, _Brief
from ..index.model import Index
from ..policy.model import Policy

if TYPE_CHECKING:  # a table without triggers or grants (most) never imports their models
    from ..grant.model import Grant
    from ..trigger.model import Trigger

FkAction = Literal["cascade", "set null", "restrict", "no action", "set default"]


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
    #: Added ``not valid``: existing rows are not checked (so it cannot sit in ``create table``).
    not_valid: bool = False
    pos: SourcePos = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, repr=False)
class ForeignKey(_Brief):
    """A reference to another table, which also decides the relationship the ER diagram draws."""

    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: FkAction | None = None
    on_update: FkAction | None = None
    name: str | None = None
    #: The verb drawn on the ER relationship ("generates", "owns"); None: the stage's default.
    label: str | None = None
    #: Whether the ER diagram draws this relationship at all.
    in_diagram: bool = True
    #: Mermaid cardinality pinned by the spec, e.g. ``||--o{``; None: drawn from the constraints.
    cardinality: str | None = None
    #: Declared on the column line (``references`` inline) or as a table constraint.
    inline: bool = False
    deferrable: bool = False
    initially_deferred: bool = False
    not_valid: bool = False
    #: ``match full``: a key over several columns is all null or all present in the target.
    match_full: bool = False
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def ref_key(self) -> tuple[str, str]:
        return (self.ref_schema, self.ref_table)


@dataclass(frozen=True, repr=False)
class UniqueConstraint(_Brief):
    """A table-level unique constraint (a column's own ``unique`` stays on the column, as written)."""

    columns: tuple[str, ...]
    name: str | None = None
    nulls_not_distinct: bool = False
    deferrable: bool = False
    initially_deferred: bool = False
    pos: SourcePos = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, repr=False)
class PrimaryKey(_Brief):
    """A table-level primary key: the form a key over several columns, or one named, needs."""

    columns: tuple[str, ...]
    name: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    pos: SourcePos = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, repr=False)
class Column(_Brief):
    """A column with its inline constraints, which the DDL keeps on the column line as the spec
    wrote them."""

    name: str
    type: str
    not_null: bool = False
    primary_key: bool = False
    unique: bool = False
    default: Default | None = None
    identity: Literal["always", "by default"] | None = None
    references: ForeignKey | None = None
    checks: tuple[Check, ...] = ()
    comment: str | None = None
    #: ``generated always as (…) stored``: computed from the row's other columns.
    generated: str | None = None
    collation: str | None = None
    #: The name it had before (``renamed_from``): migrations rename it rather than drop and create it.
    renamed_from: str | None = None
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def nullable(self) -> bool:
        """Primary-key and identity columns are implicitly not null in PostgreSQL."""
        return not (self.not_null or self.primary_key or self.identity)

    @property
    def check(self) -> Check | None:
        """The column's first check (most have one)."""
        return self.checks[0] if self.checks else None


@dataclass(frozen=True, repr=False)
class DiagramColumn(_Brief):
    """A column an ER box shows: a stage document may show fewer columns, or other type names, than
    the table has."""

    name: str
    #: The type the ER diagram shows, when the spec overrides the column's own.
    type: str | None = None


class _OtherTable:
    """What every table the specs know has: a name and columns (the key among them). A stage's own
    table, and what the specs know of one another stage or the platform creates."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def primary_key_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.primary_key)


@dataclass(frozen=True, repr=False)
class Table(_OtherTable, _Brief):
    """A table a stage creates, with everything its stage document shows beside it: policies,
    indexes, triggers and grants."""

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
    triggers: tuple[Trigger, ...] = ()
    grants: tuple[Grant, ...] = ()
    #: Not written to the WAL: fast, emptied by a crash, never replicated.
    unlogged: bool = False
    #: What an update or delete sends of the old row to logical replication (Supabase Realtime's
    #: ``old`` record): ``default`` (the key), ``full``, ``nothing``, or ``index`` (``replica_index``).
    replica_identity: str = "default"
    replica_index: str | None = None
    #: Columns the ER diagram shows; ``None`` shows them all.
    diagram_columns: tuple[DiagramColumn, ...] | None = None
    in_diagram: bool = True
    #: The stage's diagram is a hand-drawn document kept as written (``diagram: as_written``):
    #: relationships default to ``||--o{ … : references`` and nothing is added to its boxes.
    diagram_as_written: bool = False
    #: The name it had before (``renamed_from``): migrations rename it rather than drop and create it.
    renamed_from: str | None = None
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

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
        inline = tuple(check for c in self.columns for check in c.checks)
        return inline + self.checks

    def cardinality_from_constraints(self, fk: ForeignKey) -> str:
        """Mermaid's notation for what the constraints allow: a row with a nullable reference has
        zero or one parent (``|o``), otherwise exactly one (``||``); a parent has at most one child
        row when the referencing columns are unique or the key (``o|``), else any number (``o{``)."""
        def required(name: str) -> bool:
            column = self.column(name)
            return column is not None and (column.not_null or column.primary_key or bool(column.identity)
                                           or name in self.primary_key_columns)

        parent = "||" if all(required(c) for c in fk.columns) else "|o"
        keys = {self.primary_key_columns} | set(self.all_unique_column_sets)
        child = "o|" if any(set(k) == set(fk.columns) for k in keys if k) else "o{"
        return f"{parent}--{child}"

    def cardinality(self, fk: ForeignKey) -> str:
        """What the diagram draws: the spec's pinned notation, the hand-drawn default of a stage kept
        as written, or the constraints'."""
        if fk.cardinality is not None:
            return fk.cardinality
        return "||--o{" if self.diagram_as_written else self.cardinality_from_constraints(fk)

    def relationship_label(self, fk: ForeignKey) -> str:
        """The spec's verb; else the referencing column, which says more than "references"."""
        if fk.label is not None:
            return fk.label
        return "references" if self.diagram_as_written else ", ".join(fk.columns)


@dataclass(frozen=True, repr=False)
class Attachment(_OtherTable, _Brief):
    """Policies, indexes, triggers and grants a stage adds to a table it does not create: the
    platform's (``auth.users``, ``storage.objects``) or an earlier stage's. Supabase projects put
    their ``handle_new_user`` trigger on ``auth.users`` and their bucket policies on
    ``storage.objects`` this way. ``columns`` and ``rls`` are the target's, filled in when the
    stages are linked; ``rls`` is None where the specs cannot know (a platform table)."""

    schema: str
    name: str
    policies: tuple[Policy, ...] = ()
    indexes: tuple[Index, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    grants: tuple[Grant, ...] = ()
    columns: tuple[Column, ...] = ()
    #: The target's foreign keys (an earlier stage's table has them; the platform's are not declared).
    all_foreign_keys: tuple[ForeignKey, ...] = ()
    rls: bool | None = None
    #: Who creates the table: "stage 3", "the Supabase platform".
    provided_by: str = ""
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)
    comment = None
    force_rls = False


@dataclass(frozen=True, repr=False)
class ExternalTable(_OtherTable, _Brief):
    """A table another stage or the platform owns; declared so references resolve."""

    schema: str
    name: str
    columns: tuple[Column, ...]
    provided_by: str
    pos: SourcePos = field(default=NOWHERE, compare=False)

