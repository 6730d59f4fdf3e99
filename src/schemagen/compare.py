"""Differences between the catalog the specs describe and the one a database has.

Small functions over keyed dicts, as migra's ``differences()``: each kind's folder
says, for its objects, what is missing, what is extra and what changed
(``kinds/<kind>/diff.py``). Each ``Change`` carries its kind and key (so ``drift --sql``
can write the statement that repairs it), a message, and the spec position of the
object it concerns.
"""

from __future__ import annotations

from . import model as m
from .catalog import Catalog
from .diagnostics import Diagnostic, sort_diagnostics
from .expected import Expected
from .kinds.base import Change
from .kinds.registry import KINDS

CODE = "V202"


def diagnostic(change: Change, code: str = CODE) -> Diagnostic:
    return Diagnostic(change.pos, code, "error", change.message)


class Report:
    """Collects changes, each placed at the spec position of its object (or its table's)."""

    def __init__(self, expected: Expected, fallback: m.SourcePos, ignored: set, scope: set[str] | None):
        self.positions = expected.positions
        self.fallback = fallback
        self.ignored = ignored
        self.scope = scope
        self.raw = expected.raw
        self.out: list[Change] = []

    def extra(self, family: str, key: tuple) -> bool:
        """Whether an object the specs do not define is really extra: in a schema the specs own
        (``auth`` is the platform's), and not made by their raw SQL."""
        if self.scope is not None and key[0] not in self.scope:
            return False
        return self.raw.creates(family, key) is None

    def add(self, kind: str, key: tuple, message: str, *, at: tuple | None = None, near: tuple | None = None,
            db_name: str = "", have: object = None, want: object = None) -> None:
        pos = (self.positions.get(at if at is not None else key)
               or (self.positions.get(near) if near else None) or self.fallback)
        self.out.append(Change(kind, key, message, pos, db_name, have, want))


def spec_schemas(project: m.Project) -> set[str]:
    """The schemas the specs own: where an object they do not define is extra."""
    schemas = {t.schema for t in project.tables} | {"public"}
    for stage in project.stages:
        schemas.update(o.schema for o in stage.objects if isinstance(getattr(o, "schema", None), str)
                       and not hasattr(o, "provided_by"))
    return schemas


def changes(expected: Expected, actual: Catalog, fallback: m.SourcePos,
            ignore_tables: set[tuple[str, str]] = frozenset(), scope: set[str] | None = None) -> list[Change]:
    report = Report(expected, fallback, set(ignore_tables), scope)
    for kind in KINDS:
        kind.part("diff").compare(expected.catalog, actual, report, expected.unverified)
    _raw_missing(report, actual)
    return report.out


def _raw_missing(report: Report, actual: Catalog) -> None:
    """Objects the raw SQL creates are checked by name: their definitions are the raw SQL's own."""
    for (family, key), raw in sorted(report.raw.created.items(), key=lambda item: repr(item[0])):
        have = actual.facts.get(family)
        if have is None or (family != "extension" and key[0] not in actual.schemas):
            continue  # not looked for: another schema than those read
        if family == "function":
            present = any(k[:2] == key for k in have)
        elif family == "constraint":  # keyed by what it is, not its name: found by the name it was given
            present = any(k[0] == key[:2] and key[2] in (c.name, *(d.name for d in c.duplicates))
                          for k, c in have.items())
        else:
            present = key in have
        if not present:
            what = ".".join(key)
            report.out.append(Change("note.raw", (family, key), f"raw SQL '{raw.name}' creates {family} {what}, "
                                                                 "which the database lacks", raw.pos))


def differences(expected: Expected, actual: Catalog, fallback: m.SourcePos,
                ignore_tables: set[tuple[str, str]] = frozenset(), scope: set[str] | None = None) -> list[Diagnostic]:
    return sort_diagnostics(diagnostic(c) for c in changes(expected, actual, fallback, ignore_tables, scope))
