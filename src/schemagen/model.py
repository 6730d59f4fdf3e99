"""The validated schema model: what every renderer, linter and checker reads.

Frozen dataclasses with generated equality, so two models built from the same specs
compare equal and nothing downstream can mutate what the loader checked. Source
positions ride along with ``compare=False``: moving a table three lines down in its
YAML file must not make the schema "different". No I/O lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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



@dataclass(frozen=True, repr=False)
class Waiver(_Brief):
    """A reviewed exception to one lint rule on one object; the reason is mandatory."""

    code: str
    reason: str
    pos: SourcePos = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, repr=False)
class RawSql(_Brief):
    """SQL the spec does not model (a function, a trigger), emitted verbatim."""

    name: str
    sql: str
    pos: SourcePos = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, repr=False)
class Stage(_Brief):
    """One spec file: the unit a team reviews and deploys, and the unit of every generated file."""

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
    #: The stage's objects besides tables (extensions, enums, functions, views, schema grants), in
    #: spec order; each kind's model lives in its folder under ``kinds/``.
    objects: tuple = ()
    #: Policies, indexes, triggers and grants on tables the stage does not create.
    attachments: tuple[Attachment, ...] = ()
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

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(a for s in self.stages for a in s.attachments)

    @property
    def hosts(self) -> tuple[Table | Attachment, ...]:
        """Every table the specs put policies, indexes, triggers or grants on: their own, and
        those they attach to."""
        return self.tables + self.attachments

    def table(self, schema: str, name: str) -> Table | None:
        return next((t for t in self.tables if t.key == (schema, name)), None)

    def objects(self, kind: type | str) -> tuple:
        """Every stage's objects of one kind: ``project.objects(Function)``, or by class name
        (``project.objects("Function")``) where importing the kind's model would slow a command
        whose specs have none (lint on every ``check``)."""
        if isinstance(kind, str):
            return tuple(o for s in self.stages for o in s.objects if type(o).__name__ == kind)
        return tuple(o for s in self.stages for o in s.objects if isinstance(o, kind))

    @property
    def external_keys(self) -> set[tuple[str, str]]:
        """Tables the specs use but other stages or the platform create: never "extra" in a database."""
        return {ext.key for stage in self.stages for ext in stage.external_tables}


# The kinds' own models, importable from here as before: every reader of the model says
# ``m.Table`` whichever folder the kind lives in.
from .kinds.index.model import Index, IndexElement  # noqa: E402
from .kinds.policy.model import Policy, PolicyCommand  # noqa: E402
from .kinds.table.model import (  # noqa: E402
    Attachment, Check, Column, Default, DiagramColumn, ExternalTable, FkAction, ForeignKey, PrimaryKey, Table,
    UniqueConstraint,
)

__all__ = [
    "NOWHERE", "Attachment", "Check", "Column", "Default", "DiagramColumn", "ExternalTable", "FkAction", "ForeignKey", "Index",
    "IndexElement", "Policy", "PolicyCommand", "PrimaryKey", "Project", "RawSql", "SourcePos", "Stage", "Table",
    "UniqueConstraint", "Waiver",
]


#: A title's slug stops at a word within this many characters: it names files (255 bytes at most).
MAX_SLUG = 80


def slugify(title: str) -> str:
    """A stage's file-name part from its title: ``Advanced Tables`` → ``advanced-tables``."""
    import re

    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[:MAX_SLUG + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:MAX_SLUG]
    return slug
