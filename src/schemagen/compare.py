"""Differences between the catalog the specs describe and the one a database has.

Small pure functions over keyed dicts, as migra's ``differences()``: for every kind
of object, what is missing, what is extra and what changed, each reported at the
spec line of the object it concerns.
"""

from __future__ import annotations

from . import model as m
from .catalog import Catalog, ConstraintFacts, IndexFacts, PolicyFacts, TableFacts
from .diagnostics import Diagnostic
from .expected import Expected

CODE = "V202"


def _sql(value: object) -> str:
    return "nothing" if value is None else (f"'{value}'" if isinstance(value, str) else str(value))


def _label(key: tuple[str, str]) -> str:
    return f"{key[0]}.{key[1]}"


class _Report:
    def __init__(self, expected: Expected, fallback: m.SourcePos):
        self.positions = expected.positions
        self.fallback = fallback
        self.out: list[Diagnostic] = []

    def add(self, key: tuple, message: str, *, near: tuple | None = None) -> None:
        pos = self.positions.get(key) or (self.positions.get(near) if near else None) or self.fallback
        self.out.append(Diagnostic(pos, CODE, "error", message))


def differences(expected: Expected, actual: Catalog, fallback: m.SourcePos,
                ignore_tables: set[tuple[str, str]] = frozenset()) -> list[Diagnostic]:
    report = _Report(expected, fallback)
    want = expected.catalog
    for key in sorted(want.tables.keys() - actual.tables.keys()):
        report.add(("table", key), f"table {_label(key)} is missing from the database")
    for key in sorted(actual.tables.keys() - want.tables.keys() - ignore_tables):
        report.add(("table", key), f"the database has table {_label(key)}, which no spec defines")
    for key in sorted(want.tables.keys() & actual.tables.keys()):
        _tables(report, key, want.tables[key], actual.tables[key])
    _constraints(report, want, actual, ignore_tables)
    _policies(report, want.policies, actual.policies, ignore_tables)
    _indexes(report, want.indexes, actual.indexes, ignore_tables)
    return sorted(report.out)


def _tables(report: _Report, key, want: TableFacts, have: TableFacts) -> None:
    at = ("table", key)
    name = _label(key)
    if want.comment != have.comment:
        report.add(at, f"comment on table {name} is {_sql(have.comment)} in the database, "
                       f"{_sql(want.comment)} in the spec")
    if want.rls != have.rls:
        report.add(at, f"row level security on {name} is {'on' if have.rls else 'off'} in the database, "
                       f"{'on' if want.rls else 'off'} in the spec")
    if want.force_rls != have.force_rls:
        report.add(at, f"force row level security on {name} is {'on' if have.force_rls else 'off'} in the "
                       f"database, {'on' if want.force_rls else 'off'} in the spec")
    have_names = [c.name for c in have.columns]
    want_names = [c.name for c in want.columns]
    for column in want.columns:
        col_at = ("column", key, column.name)
        other = have.column(column.name)
        if other is None:
            report.add(col_at, f"column {name}.{column.name} is missing from the database")
            continue
        for label, a, b in (("type", other.type, column.type), ("default", other.default, column.default),
                            ("identity", other.identity, column.identity),
                            ("comment", other.comment, column.comment)):
            if a != b:
                report.add(col_at, f"{label} of {name}.{column.name} is {_sql(a)} in the database, "
                                   f"{_sql(b)} in the spec")
        if other.not_null != column.not_null:
            report.add(col_at, f"{name}.{column.name} is {'not null' if other.not_null else 'nullable'} in "
                               f"the database, {'not null' if column.not_null else 'nullable'} in the spec")
    for extra in [n for n in have_names if n not in want_names]:
        report.add(at, f"the database has column {name}.{extra}, which the spec does not define")
    common_have = [n for n in have_names if n in want_names]
    common_want = [n for n in want_names if n in have_names]
    if common_have != common_want:
        report.add(at, f"columns of {name} are in the order {', '.join(common_have)} in the database, "
                       f"{', '.join(common_want)} in the spec")


def _constraint_text(key: tuple, facts: ConstraintFacts) -> str:
    table, kind, detail = key
    if kind == "check":
        return f"check {detail} on {_label(table)}"
    text = f"{kind} {_label(table)}({', '.join(detail)})"
    if kind == "foreign key" and facts.ref_table:
        text += f" → {_label(facts.ref_table)}({', '.join(facts.ref_columns)})"
    return text


def _constraints(report: _Report, want: Catalog, have: Catalog, ignore) -> None:
    for key in sorted(want.constraints.keys() - have.constraints.keys(), key=repr):
        report.add(key, f"{_constraint_text(key, want.constraints[key])} is missing from the database",
                   near=("table", key[0]))
    for key in sorted(have.constraints.keys() - want.constraints.keys(), key=repr):
        if key[0] in ignore or key[0] not in want.tables:
            continue
        report.add(("table", key[0]), f"the database has {_constraint_text(key, have.constraints[key])}, "
                                      "which the spec does not define")
    for key in sorted(want.constraints.keys() & have.constraints.keys(), key=repr):
        a, b = have.constraints[key], want.constraints[key]
        if key[1] != "foreign key":
            continue
        what = _constraint_text(key, b)
        if (a.ref_table, a.ref_columns) != (b.ref_table, b.ref_columns):
            report.add(key, f"{what} references {_label(a.ref_table)}({', '.join(a.ref_columns)}) in the database")
        for label, x, y in (("on delete", a.on_delete, b.on_delete), ("on update", a.on_update, b.on_update)):
            if x != y:
                report.add(key, f"{what}: {label} is {x} in the database, {y} in the spec")


def _policies(report: _Report, want: dict, have: dict, ignore) -> None:
    for key in sorted(want.keys() - have.keys()):
        report.add(key, f'policy "{key[2]}" on {key[0]}.{key[1]} is missing from the database')
    for key in sorted(have.keys() - want.keys()):
        if (key[0], key[1]) in ignore:
            continue
        report.add(("table", (key[0], key[1])), f'the database has policy "{key[2]}" on {key[0]}.{key[1]}, '
                                                "which the spec does not define")
    for key in sorted(want.keys() & have.keys()):
        a: PolicyFacts = have[key]
        b: PolicyFacts = want[key]
        for label, x, y in (("command", a.command, b.command), ("roles", ", ".join(a.roles), ", ".join(b.roles)),
                            ("type", "permissive" if a.permissive else "restrictive",
                             "permissive" if b.permissive else "restrictive"),
                            ("using", a.using, b.using), ("with check", a.with_check, b.with_check)):
            if x != y:
                report.add(key, f'{label} of policy "{key[2]}" on {key[0]}.{key[1]} is {_sql(x)} in the '
                                f"database, {_sql(y)} in the spec")


def _indexes(report: _Report, want: dict, have: dict, ignore) -> None:
    for key in sorted(want.keys() - have.keys()):
        report.add(key, f"index {key[2]} on {key[0]}.{key[1]} is missing from the database")
    for key in sorted(have.keys() - want.keys()):
        if (key[0], key[1]) in ignore:
            continue
        report.add(("table", (key[0], key[1])), f"the database has index {key[2]} on {key[0]}.{key[1]}, "
                                                "which the spec does not define")
    for key in sorted(want.keys() & have.keys()):
        a: IndexFacts = have[key]
        b: IndexFacts = want[key]
        for label, x, y in (("method", a.method, b.method), ("unique", a.unique, b.unique),
                            ("keys", ", ".join(a.keys), ", ".join(b.keys)),
                            ("include", ", ".join(a.include) or None, ", ".join(b.include) or None),
                            ("predicate", a.predicate, b.predicate)):
            if x != y:
                report.add(key, f"{label} of index {key[2]} is {_sql(x)} in the database, {_sql(y)} in the spec")
