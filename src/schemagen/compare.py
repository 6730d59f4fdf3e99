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

    def __init__(self, expected: Expected, fallback: m.SourcePos, ignored: set):
        self.positions = expected.positions
        self.fallback = fallback
        self.ignored = ignored
        self.out: list[Change] = []

    def add(self, kind: str, key: tuple, message: str, *, at: tuple | None = None, near: tuple | None = None,
            db_name: str = "", have: object = None, want: object = None) -> None:
        pos = (self.positions.get(at if at is not None else key)
               or (self.positions.get(near) if near else None) or self.fallback)
        self.out.append(Change(kind, key, message, pos, db_name, have, want))


def changes(expected: Expected, actual: Catalog, fallback: m.SourcePos,
            ignore_tables: set[tuple[str, str]] = frozenset()) -> list[Change]:
    report = Report(expected, fallback, set(ignore_tables))
    for kind in KINDS:
        kind.part("diff").compare(expected.catalog, actual, report, expected.unverified)
    return report.out


def differences(expected: Expected, actual: Catalog, fallback: m.SourcePos,
                ignore_tables: set[tuple[str, str]] = frozenset()) -> list[Diagnostic]:
    return sort_diagnostics(diagnostic(c) for c in changes(expected, actual, fallback, ignore_tables))
