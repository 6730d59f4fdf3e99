"""A live database against the specs: what differs, and the SQL that repairs it.

The comparison is validation's (``expected`` + ``catalog`` + ``compare``); this
module chooses which schemas to read and has each kind turn its ``Change``s into
statements (``kinds/<kind>/diff.py``), written with the same macros the migrations
use. Statements are emitted in dependency order (``kinds.base.PHASES``): what
depends on an object is dropped before it (policies, indexes, foreign keys,
constraints, then columns and tables), and made after it. Anything that drops an
object or may lose data (a narrowing type change, a replaced constraint) is
destructive and, without consent, is only listed as a comment, like migra's
``--unsafe``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cached_property

from . import model as m
from .compare import changes, spec_schemas
from .kinds.base import NAME_BYTES, PHASES, Change, RepairStatement, pg_name
from .kinds.registry import KINDS
from .sqltext import sql_comment


class DriftProblem(Exception):
    """The database cannot be compared (unknown schema, missing permission); one line, exit 2."""


def schemas_to_read(project: m.Project, requested: list[str] | None) -> list[str]:
    """The schemas ``--schema`` names, else every schema a spec object lives in (a stage of
    functions only is compared too), else public."""
    if requested:
        return sorted(set(requested))
    schemas = {t.schema for t in project.tables} | {a.schema for a in project.attachments} | {
        o.schema for s in project.stages for o in s.objects
        if isinstance(getattr(o, "schema", None), str) and not getattr(o, "database_wide", False)}
    return sorted(schemas or {"public"})


def in_scope(obj, schemas: list[str]) -> bool:
    """Whether ``--schema`` keeps a spec object. Extensions, schema grants and publications belong
    to the database, not to a schema: their ``schema`` is a setting, so they are always compared."""
    if getattr(obj, "database_wide", False):
        return True
    schema = getattr(obj, "schema", None)
    return schema is None or schema in schemas


def _says_privileges(project: m.Project) -> bool:
    """Whether any spec grants or revokes: privileges are read only then (a third of the reading)."""
    return any(host.grants for host in project.hosts) or any(
        getattr(o, "grants", None) or type(o).__name__ == "SchemaGrant" for s in project.stages for o in s.objects)


def drift(session, project: m.Project, schemas: list[str], catalog_session=None, read_ahead=None) -> list[Change]:
    """Differences between the database and the specs, read inside ``session`` (whose scratch
    work is rolled back). Given a second session on the same database, its catalog is read there
    while PostgreSQL spells the specs' expressions in the first: the two waits overlap.
    ``read_ahead`` is what that session began reading while the specs loaded, ``(schemas, future
    catalog)`` without privileges: used when those schemas are among the ones compared, the rest
    read into it."""
    from .catalog import introspect, read_more
    from .db import database_message
    from .expected import expected_catalog

    known = {name for (name,) in session.query("select nspname from pg_namespace where nspname = any(:s)",
                                               s=schemas)}
    unknown = [s for s in schemas if s not in known]
    if unknown:
        raise DriftProblem(f"schema {', '.join(unknown)} does not exist in this database; "
                           "pass --schema with one that does")
    scoped = m.Project(tuple(
        replace(s, tables=tuple(t for t in s.tables if t.schema in schemas),
                objects=tuple(o for o in s.objects if in_scope(o, schemas)),
                attachments=tuple(a for a in s.attachments if a.schema in schemas))
        for s in project.stages))
    reading = None
    if catalog_session is not None:
        from concurrent.futures import ThreadPoolExecutor

        says_privileges = _says_privileges(scoped)
        skip = frozenset() if says_privileges else frozenset({"grant"})
        pool = ThreadPoolExecutor(1)
        if read_ahead is not None and set(read_ahead[0]) <= set(schemas):
            guessed, ahead = read_ahead
            rest = sorted(set(schemas) - set(guessed))
            grants = frozenset({"grant"}) if says_privileges else frozenset()
            reading = pool.submit(lambda: read_more(catalog_session, ahead.result(), rest, grants, skip)
                                  if rest or grants else ahead.result())
        else:
            if read_ahead is not None:
                read_ahead[1].exception()  # a guess that missed: the session is idle before it reads again
            reading = pool.submit(introspect, catalog_session, schemas, skip=skip)
        pool.shutdown(wait=False)
    renames = _renames(session, scoped, set(schemas))  # first: the specs' expressions name the new names
    try:
        expected = expected_catalog(session, scoped)
    except Exception as exc:
        if reading is not None:
            reading.exception()  # the second session is idle again before the caller closes it
        message = database_message(exc)
        if "permission denied" in message:
            raise DriftProblem(
                f"{message}: drift lets PostgreSQL normalise the spec's expressions in a scratch schema "
                "inside a transaction it always rolls back; grant this user create on the database") from None
        raise
    if renames and reading is not None:  # the other session cannot see this one's renames: read here
        reading.exception()
        reading = None
    actual = reading.result() if reading is not None else introspect(session, schemas, expected.catalog)
    fallback = project.stages[0].pos
    # What is not the specs' (auth's other tables, when a stage attaches a trigger to auth.users) is never extra.
    found = changes(expected, actual, fallback, project.external_keys, set(schemas) & spec_schemas(project))
    made = _prerequisites(found, project) if expected.problems else []
    if made:  # a new enum or extension a new table uses: made where it is missing, then spelled again
        with session.scratch():
            _make(session, made)
            expected = expected_catalog(session, scoped)
        found = changes(expected, actual, fallback, project.external_keys, set(schemas) & spec_schemas(project))
    # What PostgreSQL refused to spell here (a policy calling a function this database lacks) cannot be
    # compared: it is a difference of its own, said where the spec writes it.
    recreated = {c.pos for c in found if c.kind.endswith(".missing")}  # made anew by the repair: nothing to compare
    found += [Change("note.unverifiable", (d.pos.order, d.message), d.message.replace("PostgreSQL rejects",
                                                                                       "cannot compare", 1), d.pos)
              for d in expected.problems if d.pos not in recreated]
    found += _likely_renames(found)
    return renames + sorted(found, key=lambda c: (c.pos.order, c.kind, repr(c.key)))


#: The kinds whose objects others are spelled with (a column's type, a default's function): when
#: the database lacks one, the specs' other objects cannot be spelled there until it is made.
_PREREQUISITE_PHASES = ("extension", "type", "function")


def _prerequisites(found: list[Change], project: m.Project) -> list[str]:
    """The statements that make what the database lacks of the types, extensions and functions the
    specs' other objects are spelled with (a stage's new enum, the extension of a vector column)."""
    from .render import build_environment

    missing = [c for c in found if c.kind in ("extension.missing", "enum.missing", "domain.missing",
                                               "sequence.missing", "function.missing")]
    if not missing:
        return []
    return [s.sql for s in repair_statements(missing, project, build_environment(None))
            if s.phase in _PREREQUISITE_PHASES and not s.destructive]


def _make(session, statements: list[str]) -> None:
    """``statements`` in the session's scratch: an extension as the platform would make it (on the
    throwaway server), a function without its body checked; what fails stays unspelled, as before."""
    from .live import as_the_platform
    from .provenance import split

    rest = ["set local check_function_bodies = off"]
    for sql in (piece for statement in statements for piece, _ in split(statement)):  # a domain and its comment
        if not (session.throwaway and as_the_platform(session, sql)):
            rest.append(sql)
    session.apply(rest)


def _renames(session, project: m.Project, schemas: set[str]) -> list[Change]:
    """The renames the specs ask for (``renamed_from``) that the database has not had. They are
    made here, in the session that is rolled back, so the comparison sees the renamed objects
    (PostgreSQL carries their indexes, constraints and policies along), and lead the repair."""
    from .sqltext import qualified, quote_ident

    def has(sql: str, **params) -> bool:
        return bool(session.query(sql, **params))

    relation = "select from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = :s " \
               "and c.relname = :n and c.relkind = any(:k)"
    out: list[Change] = []

    def rename(kind: str, key: tuple, message: str, pos: m.SourcePos, sql: str) -> None:
        session.execute(sql)
        out.append(Change(f"rename.{kind}", key, message, pos, want=sql))

    hinted = [t for t in project.tables if t.schema in schemas and (
        t.renamed_from or any(part.renamed_from for part in (*t.columns, *t.policies, *t.indexes)))]
    for table in hinted:  # only what carries a hint is looked up: most runs look up nothing
        name, schema = pg_name(table.name), table.schema
        if table.renamed_from and has(relation, s=schema, n=pg_name(table.renamed_from), k=["r", "p"]) \
                and not has(relation, s=schema, n=name, k=["r", "p"]):
            rename("table", table.key, f"table {schema}.{table.renamed_from} is to be renamed {table.name} "
                   "(renamed_from)", table.pos, f"alter table {qualified(schema, table.renamed_from)} rename to "
                                                f"{quote_ident(table.name)};")
            for index in table.indexes:  # a name derived from the table's follows it
                old = f"{table.renamed_from}_{index.name[len(table.name) + 1:]}"
                if index.derived_name and not index.renamed_from and index.name.startswith(f"{table.name}_") \
                        and has(relation, s=schema, n=pg_name(old), k=["i"]) \
                        and not has(relation, s=schema, n=pg_name(index.name), k=["i"]):
                    rename("index", (schema, index.name), f"index {schema}.{old} is to be renamed {index.name} with "
                           "its table", index.pos, f"alter index {qualified(schema, old)} rename to "
                                                   f"{quote_ident(index.name)};")
        if not has(relation, s=schema, n=name, k=["r", "p"]):
            continue
        if table.renamed_from:
            for kind, key, message, sql in _carried_names(session, table, pg_name(table.renamed_from), name):
                rename(kind, key, message, table.pos, sql)
        columns = {row[0] for row in session.query(
            "select attname from pg_attribute where attrelid = to_regclass(:t) and attnum > 0 and not attisdropped",
            t=qualified(schema, table.name))}
        for column in table.columns:
            renamed_now = pg_name(column.renamed_from or "") in columns and pg_name(column.name) not in columns
            if column.renamed_from and renamed_now:
                rename("column", table.key + (column.name,), f"column {schema}.{table.name}.{column.renamed_from} is "
                       f"to be renamed {column.name} (renamed_from)", column.pos,
                       f"alter table {qualified(schema, table.name)} rename column {quote_ident(column.renamed_from)} "
                       f"to {quote_ident(column.name)};")
            if column.renamed_from and (renamed_now or pg_name(column.name) in columns):
                for kind, key, message, sql in _carried_names(session, table, f"{name}_{pg_name(column.renamed_from)}",
                                                              f"{name}_{pg_name(column.name)}", whole=False):
                    rename(kind, key, message, column.pos, sql)
        policy_sql = "select from pg_policy where polrelid = to_regclass(:t) and polname = :p"
        for policy in table.policies:
            if policy.renamed_from and has(policy_sql, t=qualified(schema, table.name), p=policy.renamed_from) \
                    and not has(policy_sql, t=qualified(schema, table.name), p=policy.name):
                rename("policy", table.key + (policy.name,), f'policy "{policy.renamed_from}" on {schema}.{table.name} '
                       f'is to be renamed "{policy.name}" (renamed_from)', policy.pos,
                       f"alter policy {quote_ident(policy.renamed_from)} on {qualified(schema, table.name)} rename to "
                       f"{quote_ident(policy.name)};")
        for index in table.indexes:
            if index.renamed_from and has(relation, s=schema, n=pg_name(index.renamed_from), k=["i"]) \
                    and not has(relation, s=schema, n=pg_name(index.name), k=["i"]):
                rename("index", (schema, index.name), f"index {schema}.{index.renamed_from} is to be renamed "
                       f"{index.name} (renamed_from)", index.pos, f"alter index {qualified(schema, index.renamed_from)} "
                                                                  f"rename to {quote_ident(index.name)};")
    return out


#: What PostgreSQL appends to the names it makes up for a table's constraints and sequences.
_DERIVED_SUFFIXES = ("pkey", "key", "fkey", "check", "excl", "seq")


def _carried_names(session, table: m.Table, old: str, new: str, whole: bool = True) -> list[tuple[str, tuple, str, str]]:
    """The renames that carry the names PostgreSQL made up from a table's (or, not ``whole``, a
    column's) old name along with it: ``sessions_pkey`` → ``user_sessions_pkey`` after the table
    is renamed, as a database built from the specs names them. Only names of that form (for a
    column, ``<table>_<column>_<suffix>`` exactly, not another column's that starts the same), for
    constraints the spec does not name itself, where the new name is free: (kind, key, message, sql)."""
    from .sqltext import qualified, quote_ident

    named = {pg_name(n) for n in [getattr(table.primary_key, "name", None)]
             + [u.name for u in table.uniques] + [fk.name for fk in table.all_foreign_keys]
             + [c.name for c in table.all_checks] if n}
    here = qualified(table.schema, table.name)
    out = []
    constraints = session.query("select conname from pg_constraint where conrelid = to_regclass(:t)", t=here)
    taken = {row[0] for row in constraints} | {row[0] for row in session.query(
        "select relname from pg_class where relnamespace = :s::regnamespace", s=quote_ident(table.schema))}
    sequences = {row[0] for row in session.query(
        "select c.relname from pg_depend d join pg_class c on c.oid = d.objid where d.refobjid = to_regclass(:t) "
        "and d.classid = 'pg_class'::regclass and c.relkind = 'S' and d.deptype in ('a', 'i')", t=here)}
    for (current,) in [*constraints, *[(name,) for name in sorted(sequences)]]:
        rest = current[len(old) + 1:]
        suffix = rest.rpartition("_")[2] if whole else rest
        if not current.startswith(f"{old}_") or suffix not in _DERIVED_SUFFIXES or current in named:
            continue
        wanted = f"{new}_{rest}"
        if wanted in taken or len(wanted.encode()) > NAME_BYTES:
            continue
        taken.add(wanted)
        if current in sequences:
            out.append(("sequence", (table.schema, wanted), f"sequence {table.schema}.{current} is to be renamed "
                        f"{wanted} with its table", f"alter sequence {qualified(table.schema, current)} rename to "
                                                    f"{quote_ident(wanted)};"))
        else:
            out.append(("constraint", table.key + (wanted,), f"constraint {current} on {table.schema}.{table.name} "
                        f"is to be renamed {wanted} with its table", f"alter table {here} rename constraint "
                                                                      f"{quote_ident(current)} to {quote_ident(wanted)};"))
    return out


def _likely_renames(found: list[Change]) -> list[Change]:
    """A missing table or column and an extra one of the same shape: probably a rename the spec
    did not mark. Said, so the reviewer adds ``renamed_from`` rather than dropping the rows."""
    out = []
    missing = [c for c in found if c.kind == "table.missing" and c.want is not None]
    extra = [c for c in found if c.kind == "table.extra" and c.have is not None]
    for gone in missing:
        shape = [(col.name, col.type) for col in gone.want.columns]
        for old in extra:
            if old.key[0] == gone.key[0] and [(col.name, col.type) for col in old.have.columns] == shape:
                out.append(Change("note.rename", ("table", gone.key), f"table {old.key[0]}.{old.key[1]}, which no spec "
                                  f"defines, has the columns of the missing {gone.key[0]}.{gone.key[1]}: if it was "
                                  f"renamed, write 'renamed_from: {old.key[1]}' on the table so its rows are kept",
                                  gone.pos))
    missing_columns = [c for c in found if c.kind == "column.missing" and c.want is not None]
    extra_columns = [c for c in found if c.kind == "column.extra" and c.have is not None]
    for gone in missing_columns:
        for old in extra_columns:
            if old.key[:2] == gone.key[:2] and old.have.type == gone.want.type:
                table = f"{gone.key[0]}.{gone.key[1]}"
                out.append(Change("note.rename", ("column",) + gone.key, f"column {table}.{old.key[2]}, which the spec "
                                  f"does not define, has the type of the missing {table}.{gone.key[2]}: if it was "
                                  f"renamed, write 'renamed_from: {old.key[2]}' on the column so its values are kept",
                                  gone.pos))
    return out


# --- repair SQL --------------------------------------------------------------------------


class RepairContext:
    """What a kind's repair needs of the specs: their objects by catalog key, and the SQL macros."""

    def __init__(self, project: m.Project, env, changes: list[Change] = ()):
        self.project = project
        self.env = env
        #: Every change being repaired: one kind's repair may cover another's (a policy made anew
        #: carries its comment, roles and conditions).
        self.changes = list(changes)
        self.macros = env.get_template("macros.sql.j2").module
        self.table_template = env.get_template("table.sql.j2")
        self.tables = {(t.schema, pg_name(t.name)): t for t in project.tables}
        self.hosts: dict[tuple[str, str], list] = {}
        for host in project.hosts:
            self.hosts.setdefault((host.schema, pg_name(host.name)), []).append(host)

    def render(self, template: str, **variables) -> str:
        return self.env.get_template(template).render(**variables)

    def function(self, key: tuple[str, str], pos: m.SourcePos):
        from .kinds.function.model import Function

        return next(f for f in self.project.objects(Function) if f.key == key and f.pos == pos)

    def object(self, kind: str, key: tuple):
        """The spec object of a kind folder's model with this key (a domain, a sequence)."""
        import importlib

        module = importlib.import_module(f"schemagen.kinds.{kind}.model")
        cls = getattr(module, kind.capitalize())
        return next(o for o in self.project.objects(cls) if o.key == key)

    def view(self, key: tuple[str, str]):
        from .kinds.view.model import View

        return next(v for v in self.project.objects(View) if v.key == key)

    def part(self, family: str, key: tuple[str, str, str]):
        """The table or attachment holding a policy, index or trigger, and that object: a stage may
        add them to a table another stage (or the platform) creates."""
        for host in self.hosts[key[:2]]:
            for obj in getattr(host, family):
                if pg_name(obj.name) == key[2]:
                    return host, obj
        raise KeyError(key)

    def trigger(self, key: tuple[str, str, str]):
        return self.part("triggers", key)

    def recreate(self, kind: str, key: tuple) -> list[RepairStatement] | None:
        """Drop and make again, from the specs, a view, policy or trigger that stands in the way of a
        change; None when the specs do not define it (then only a person can say how to make it)."""
        if kind not in ("view", "policy", "trigger"):
            return None
        module = next(k for k in KINDS if k.name == kind).part("diff")
        try:
            return module.recreate(key, self)
        except (KeyError, StopIteration):
            return None

    def column_default(self, schema: str, table: str, column: str, database_default: str | None) -> str | None:
        """A column's default as the spec writes it, else as the database has it."""
        spec_table = self.tables.get((schema, table))
        spec_column = next((c for c in spec_table.columns if pg_name(c.name) == column), None) if spec_table else None
        if spec_column is None:
            return database_default
        return spec_column.default.sql if spec_column.default is not None else None

    @staticmethod
    def stored(name: str) -> str:
        return pg_name(name)

    def table(self, key: tuple[str, str]) -> m.Table:
        return self.tables[key]

    @cached_property
    def looping_references(self) -> dict[tuple[str, str], tuple[m.ForeignKey, ...]]:
        """Per table, the references a migration adds once the other table exists, as the stage's
        SQL does (``order``): a table created with them would name a table not made yet."""
        from .order import looping_references

        tables = tuple(self.project.tables)
        found = looping_references(tables)
        return {(tables[i].schema, pg_name(tables[i].name)): tuple(fk for fk, _ in found[i]) for i in found}

    @staticmethod
    def check(table: m.Table, pos: m.SourcePos) -> m.Check | None:
        return next((c for c in table.all_checks if c.pos == pos), None)


def _kind_of(change: Change):
    prefix = change.kind.split(".")[0]
    return next(kind for kind in KINDS if prefix in kind.part("diff").PREFIXES)


def _note(change: Change) -> list[RepairStatement]:
    if change.kind == "note.rename":
        return [RepairStatement("note", sql_comment(change.message))]
    return [RepairStatement("note", sql_comment(f"{change.message}; repair by hand once it can be compared"))]


def repair_statements(found: list[Change], project: m.Project, env) -> list[RepairStatement]:
    """Each change's repair, in dependency order (``PHASES``), each statement once: what
    ``drift --sql`` prints and ``migrate new`` writes."""
    ctx = RepairContext(project, env, found)
    statements: list[RepairStatement] = []
    done: set[tuple] = set()
    # A missing table that an extra one looks like was probably renamed by hand: making it anew
    # beside the renamed one would leave the rows behind (and its indexes' names are taken), so it
    # waits for consent, with the extra table's drop, while the note says how to keep the rows.
    renamed = {c.key[1] for c in found if c.kind == "note.rename" and c.key[0] == "table"}
    for change in found:
        if change.kind.startswith("note."):
            statements.extend(_note(change))
            continue
        if change.kind.startswith("rename."):
            statements.append(RepairStatement("rename", change.want))
            continue
        diff = _kind_of(change).part("diff")
        group = diff.group(change)
        if group in done:
            continue
        done.add(group)
        made = diff.repair(change, ctx)
        if change.kind == "table.missing" and change.key in renamed:
            made = [replace(s, destructive=True) for s in made]
        statements.extend(made)
    statements = _functions_first(list(dict.fromkeys(statements)))  # one repair may need what another wrote
    return [s for phase in PHASES for s in statements if s.phase == phase]


_CREATED_FUNCTION = re.compile(r"create (?:or replace )?function (\S+?)\(", re.IGNORECASE)


def _functions_first(statements: list[RepairStatement]) -> list[RepairStatement]:
    """A function a new table or column calls (a default, a generated column, a check) is made
    with the types, before the tables: functions otherwise come after them, as their bodies may
    read them."""
    made = " ".join(s.sql for s in statements if s.phase in ("table", "column", "constraint"))
    out = []
    for statement in statements:
        found = _CREATED_FUNCTION.match(statement.sql) if statement.phase == "function" else None
        if found and f"{found.group(1)}(" in made:
            statement = replace(statement, phase="type")
        out.append(statement)
    return out


def repair_sql(found: list[Change], project: m.Project, env, *, allow_destructive: bool) -> str:
    statements = repair_statements(found, project, env)
    lines = ["-- generated by schemagen drift --sql: statements that bring the database to the specs"]
    if any(s.destructive for s in statements) and not allow_destructive:
        lines.append("-- destructive statements are commented out; review them, then rerun with "
                     "--allow-destructive to include them")
    for statement in statements:
        if statement.destructive and not allow_destructive:
            lines.append(sql_comment("destructive: " + statement.sql))
        else:
            lines.append(statement.sql)
    return "\n".join(lines) + "\n"
