"""What every object kind shares: names as PostgreSQL stores them, changes, repair statements.

A kind's folder holds its spec model (``model``), how it is read from a catalog and
what the specs expect of it (``catalog``), and how two of them are compared and the
difference repaired (``diff``). These records are what passes between the folders
and the pipeline (``expected``, ``compare``, ``drift``), so no step needs to know a
kind's insides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import model as m

#: Spec positions of expected objects, keyed as the kinds key their facts.
Positions = dict[tuple, m.SourcePos]

#: A condition on a relation (``c.oid``) a query reads: not one an extension made (pg_cron's cron.job,
#: PostGIS's spatial_ref_sys), which is the extension's, never a spec's, with its policies and indexes.
NOT_AN_EXTENSIONS = ("not exists (select from pg_depend x where x.classid = 'pg_class'::regclass "
                     "and x.objid = c.oid and x.deptype = 'e')")

#: PostgreSQL's NAMEDATALEN - 1: longer names are cut to this many bytes.
NAME_BYTES = 63


def pg_name(name: str) -> str:
    """A name as PostgreSQL stores it: cut to 63 bytes, never inside a character."""
    encoded = name.encode("utf-8")
    if len(encoded) <= NAME_BYTES:
        return name
    return encoded[:NAME_BYTES].decode("utf-8", errors="ignore")


def shown(value: object) -> str:
    """A catalog value as a finding prints it: text quoted (SQL fragments, names, comments), flags
    and numbers as words, lists as their items, an absent value as nothing."""
    if value is None or value == ():
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(shown(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # as PostgreSQL prints a function's cost: 100, not 100.0
    return f"'{value}'" if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class Change:
    """One difference between the catalog the specs describe and a database's."""

    kind: str  # "table.missing", "column.type", "policy.using", …
    key: tuple
    message: str
    pos: m.SourcePos
    #: The database's name for what it has (a constraint it named itself; drops need it).
    db_name: str = ""
    #: The database's and the specs' facts, for the repair.
    have: object = field(default=None, compare=False)
    want: object = field(default=None, compare=False)


@dataclass(frozen=True)
class RepairStatement:
    phase: str
    sql: str
    destructive: bool = False


#: Repair order: what depends on an object goes before it is dropped, after it is made.
PHASES = ("rename", "drop policy", "drop trigger", "drop view", "drop index", "drop foreign key", "drop constraint",
          "drop column", "drop table", "drop function", "drop type",
          "extension", "type", "table", "column", "constraint", "foreign key", "function", "view", "comment",
          "policy", "index", "table setting", "trigger", "bucket", "cron", "grant", "note")


@dataclass
class Unverified:
    """What PostgreSQL could not spell (a refused default, a table whose columns it refused):
    reported once where it failed, and left out of the comparison rather than called a difference."""

    keys: set[tuple] = field(default_factory=set)

    def add(self, *key) -> None:
        self.keys.add(key)

    def __contains__(self, key: tuple) -> bool:
        return key in self.keys
