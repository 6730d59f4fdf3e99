"""Differences between the catalog the specs describe and the one a database has.

Small pure functions over keyed dicts, as migra's ``differences()``: for every kind
of object, what is missing, what is extra and what changed. Each ``Change`` carries
its kind and key (so ``drift --sql`` can write the statement that repairs it), a
message, and the spec position of the object it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import model as m
from .catalog import Catalog, ConstraintFacts, IndexFacts, PolicyFacts, TableFacts
from .diagnostics import Diagnostic, sort_diagnostics
from .expected import Expected

CODE = "V202"


@dataclass(frozen=True)
class Change:
    kind: str
    key: tuple
    message: str
    pos: m.SourcePos
    #: The database's name for a constraint it has, which a drop must use.
    db_name: str = ""

    def diagnostic(self, code: str = CODE) -> Diagnostic:
        return Diagnostic(self.pos, code, "error", self.message)


def _sql(value: object) -> str:
    return "nothing" if value is None else (f"'{value}'" if isinstance(value, str) else str(value))


def _label(key: tuple[str, str]) -> str:
    return f"{key[0]}.{key[1]}"


class _Report:
    def __init__(self, expected: Expected, fallback: m.SourcePos):
        self.positions = expected.positions
        self.fallback = fallback
        self.out: list[Change] = []

    def add(self, kind: str, key: tuple, message: str, *, at: tuple | None = None, near: tuple | None = None,
            db_name: str = "") -> None:
        pos = (self.positions.get(at if at is not None else key)
               or (self.positions.get(near) if near else None) or self.fallback)
        self.out.append(Change(kind, key, message, pos, db_name))


def changes(expected: Expected, actual: Catalog, fallback: m.SourcePos,
            ignore_tables: set[tuple[str, str]] = frozenset()) -> list[Change]:
    report = _Report(expected, fallback)
    want = expected.catalog
    for key in sorted(want.tables.keys() - actual.tables.keys()):
        report.add("table.missing", key, f"table {_label(key)} is missing from the database", at=("table", key))
    for key in sorted(actual.tables.keys() - want.tables.keys() - ignore_tables):
        report.add("table.extra", key, f"the database has table {_label(key)}, which no spec defines",
                   at=("table", key))
    for key in sorted(want.tables.keys() & actual.tables.keys()):
        _tables(report, key, want.tables[key], actual.tables[key])
    present = want.tables.keys() & actual.tables.keys()
    _constraints(report, want, actual, present)
    _policies(report, want.policies, actual.policies, present)
    _indexes(report, want.indexes, actual.indexes, present)
    return report.out


def differences(expected: Expected, actual: Catalog, fallback: m.SourcePos,
                ignore_tables: set[tuple[str, str]] = frozenset()) -> list[Diagnostic]:
    return sort_diagnostics(c.diagnostic() for c in changes(expected, actual, fallback, ignore_tables))


def _onoff(flag: bool) -> str:
    return "on" if flag else "off"


def _tables(report: _Report, key, want: TableFacts, have: TableFacts) -> None:
    at = ("table", key)
    name = _label(key)
    if want.comment != have.comment:
        report.add("table.comment", key, f"comment on table {name} is {_sql(have.comment)} in the database, "
                                         f"{_sql(want.comment)} in the spec", at=at)
    if want.rls != have.rls:
        report.add("table.rls", key, f"row level security on {name} is {_onoff(have.rls)} in the database, "
                                     f"{_onoff(want.rls)} in the spec", at=at)
    if want.force_rls != have.force_rls:
        report.add("table.force_rls", key, f"force row level security on {name} is {_onoff(have.force_rls)} "
                                           f"in the database, {_onoff(want.force_rls)} in the spec", at=at)
    have_names = [c.name for c in have.columns]
    want_names = [c.name for c in want.columns]
    for column in want.columns:
        col_key = key + (column.name,)
        col_at = ("column", key, column.name)
        other = have.column(column.name)
        if other is None:
            report.add("column.missing", col_key, f"column {name}.{column.name} is missing from the database",
                       at=col_at)
            continue
        for facet, a, b in (("type", other.type, column.type), ("default", other.default, column.default),
                            ("identity", other.identity, column.identity),
                            ("comment", other.comment, column.comment)):
            if a != b:
                report.add(f"column.{facet}", col_key, f"{facet} of {name}.{column.name} is {_sql(a)} in the "
                                                       f"database, {_sql(b)} in the spec", at=col_at)
        if other.not_null != column.not_null:
            report.add("column.not_null", col_key,
                       f"{name}.{column.name} is {'not null' if other.not_null else 'nullable'} in the database, "
                       f"{'not null' if column.not_null else 'nullable'} in the spec", at=col_at)
    for extra in [n for n in have_names if n not in want_names]:
        report.add("column.extra", key + (extra,), f"the database has column {name}.{extra}, which the spec "
                                                   "does not define", at=at)
    common_have = [n for n in have_names if n in want_names]
    common_want = [n for n in want_names if n in have_names]
    if common_have != common_want:
        report.add("column.order", key, f"columns of {name} are in the order {', '.join(common_have)} in the "
                                        f"database, {', '.join(common_want)} in the spec", at=at)


def _constraint_text(key: tuple, facts: ConstraintFacts) -> str:
    table, kind, detail = key
    if kind == "check":
        return f"check {detail} on {_label(table)}"
    text = f"{kind} {_label(table)}({', '.join(detail)})"
    if kind == "foreign key" and facts.ref_table:
        text += f" → {_label(facts.ref_table)}({', '.join(facts.ref_columns)})"
    return text


def _constraints(report: _Report, want: Catalog, have: Catalog, present) -> None:
    for key in sorted(want.constraints.keys() - have.constraints.keys(), key=repr):
        if key[0] in present:
            report.add("constraint.missing", key,
                       f"{_constraint_text(key, want.constraints[key])} is missing from the database",
                       near=("table", key[0]))
    for key in sorted(have.constraints.keys() - want.constraints.keys(), key=repr):
        if key[0] in present:
            facts = have.constraints[key]
            report.add("constraint.extra", key, f"the database has {_constraint_text(key, facts)}, which the "
                                                "spec does not define", at=("table", key[0]), db_name=facts.name)
    for key in sorted(want.constraints.keys() & have.constraints.keys(), key=repr):
        a, b = have.constraints[key], want.constraints[key]
        if key[1] != "foreign key":
            continue
        what = _constraint_text(key, b)
        if (a.ref_table, a.ref_columns) != (b.ref_table, b.ref_columns):
            report.add("constraint.changed", key, f"{what} references {_label(a.ref_table)}"
                                                  f"({', '.join(a.ref_columns)}) in the database", db_name=a.name)
        for label, x, y in (("on delete", a.on_delete, b.on_delete), ("on update", a.on_update, b.on_update)):
            if x != y:
                report.add("constraint.changed", key, f"{what}: {label} is {x} in the database, {y} in the spec",
                           db_name=a.name)


def _policies(report: _Report, want: dict, have: dict, present) -> None:
    def table_of(key):
        return (key[0], key[1])

    for key in sorted(want.keys() - have.keys()):
        if table_of(key) in present:
            report.add("policy.missing", key, f'policy "{key[2]}" on {key[0]}.{key[1]} is missing from the database')
    for key in sorted(have.keys() - want.keys()):
        if table_of(key) in present:
            report.add("policy.extra", key, f'the database has policy "{key[2]}" on {key[0]}.{key[1]}, which the '
                                            "spec does not define", at=("table", table_of(key)))
    for key in sorted(want.keys() & have.keys()):
        a: PolicyFacts = have[key]
        b: PolicyFacts = want[key]
        for facet, x, y in (("command", a.command, b.command), ("roles", ", ".join(a.roles), ", ".join(b.roles)),
                            ("type", "permissive" if a.permissive else "restrictive",
                             "permissive" if b.permissive else "restrictive"),
                            ("using", a.using, b.using), ("with check", a.with_check, b.with_check)):
            if x != y:
                report.add(f"policy.{facet.replace(' ', '_')}", key,
                           f'{facet} of policy "{key[2]}" on {key[0]}.{key[1]} is {_sql(x)} in the database, '
                           f"{_sql(y)} in the spec")


def _indexes(report: _Report, want: dict, have: dict, present) -> None:
    for key in sorted(want.keys() - have.keys()):
        if (key[0], key[1]) in present:
            report.add("index.missing", key, f"index {key[2]} on {key[0]}.{key[1]} is missing from the database")
    for key in sorted(have.keys() - want.keys()):
        if (key[0], key[1]) in present:
            report.add("index.extra", key, f"the database has index {key[2]} on {key[0]}.{key[1]}, which the "
                                           "spec does not define", at=("table", (key[0], key[1])))
    for key in sorted(want.keys() & have.keys()):
        a: IndexFacts = have[key]
        b: IndexFacts = want[key]
        for facet, x, y in (("method", a.method, b.method), ("unique", a.unique, b.unique),
                            ("keys", ", ".join(a.keys), ", ".join(b.keys)),
                            ("include", ", ".join(a.include) or None, ", ".join(b.include) or None),
                            ("predicate", a.predicate, b.predicate)):
            if x != y:
                report.add("index.changed", key, f"{facet} of index {key[2]} is {_sql(x)} in the database, "
                                                 f"{_sql(y)} in the spec")
