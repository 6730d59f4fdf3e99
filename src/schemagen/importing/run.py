"""An existing schema into specs, proven: the source is built (or read), its catalog becomes spec
data kind by kind, the YAML is loaded like any spec, and the round trip is proven.

1. The source. Migrations or SQL files are applied in order to a throwaway PostgreSQL that has
   the platform (so history folds: ten ``alter``s make one table in its final state); a stage
   document's SQL blocks likewise, with stand-ins for the earlier stages' tables it references;
   ``--db`` reads a live database in a read-only transaction. The platform alone is read first:
   what equals it is the platform's, never imported.
2. The specs. Each kind writes its entries (``kinds/<kind>/imports.py``) in the order the source
   made them, with the source's spelling of expressions where it has one.
3. The spellings are checked: the specs are compared with the source database exactly as
   ``drift`` compares them, and an object whose source spelling PostgreSQL reads differently
   falls back to the catalog's.
4. The round trip: the specs are generated and applied to a fresh database, and its catalog is
   compared with the source's, fact by fact. Privileges and constraint names that differ become
   grants, revokes and names, and the round trip runs again; what still differs is an error.
"""

from __future__ import annotations

import copy
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import model as m
from ..catalog import Catalog
from ..kinds.registry import KINDS
from . import unmodelled
from .draft import PLATFORM_SCHEMAS, Draft
from .spelling import Spellings, collect
from .stage_doc import StageDoc

#: In a platform schema, the families a project's migrations add to the platform's tables.
ATTACHABLE = {"policy", "index", "trigger", "privilege", "bucket"}


class ImportProblem(Exception):
    """The source cannot be imported (a statement PostgreSQL refuses, an unreachable database):
    one line, exit 2."""


@dataclass
class Piece:
    sql: str
    where: str  # file:line
    group: int  # the stage it belongs to when the import makes a stage per file
    file: str = ""


@dataclass
class Source:
    pieces: list[Piece] = field(default_factory=list)
    #: Stage titles, by group, for a stage per file.
    titles: dict[int, str] = field(default_factory=dict)
    url: str | None = None
    schemas: list[str] | None = None
    doc: StageDoc | None = None
    doc_path: str = ""


@dataclass
class Result:
    #: File name (``stage-01-….yaml``) → YAML.
    files: dict[str, str]
    counts: dict[tuple[str, str], int]
    #: What the round trip found different: none when the import is proven.
    differences: list[str]
    proven: bool
    #: Objects whose source spelling PostgreSQL read differently, written as the catalog spells them.
    respelled: int = 0
    #: What the import could not carry (a kind nothing models, a table this role may not read).
    left_out: list[str] = field(default_factory=list)
    #: Rows the migrations or SQL files left in their own tables, by table (``public.roles``):
    #: data, which a spec does not carry and the round trip does not compare.
    rows: dict[str, int] = field(default_factory=dict)
    #: V204: extensions the source creates that this server lacks, and the statements left out with
    #: them; the rest is imported, and these are said, never dropped silently.
    unavailable: list[str] = field(default_factory=list)


# --- sources ------------------------------------------------------------------------------


def title_of(path: Path) -> str:
    """``20240101120000_create_profiles.sql`` → ``Create profiles``."""
    stem = re.sub(r"^(?:stage-)?[0-9]+[_-]?", "", path.stem).replace("_", " ").replace("-", " ").strip()
    return (stem[:1].upper() + stem[1:]) if stem else path.stem


def from_files(files: list[Path], *, stage_per_file: bool, groups: list[int] | None = None) -> Source:
    """The files in order; one stage for all, a stage per file, or with ``groups`` (each file's
    group number) a stage per group of files."""
    from ..provenance import split

    source = Source()
    for n, path in enumerate(files, start=1):
        try:
            text = path.read_text("utf-8")
            pieces = split(text)
        except UnicodeDecodeError:
            raise ImportProblem(f"{path}: not UTF-8 text") from None
        except OSError as exc:
            raise ImportProblem(f"{path}: cannot read it: {exc.strerror}") from None
        except Exception as exc:
            raise ImportProblem(f"{path}: not SQL PostgreSQL can read: {exc}") from None
        group = n if stage_per_file else groups[n - 1] if groups else 1
        source.titles.setdefault(group, title_of(path))
        source.pieces += [Piece(sql, f"{path}:{line}", group, str(path)) for sql, line in pieces]
    return source


def from_stage_doc(path: Path) -> Source:
    from ..provenance import split
    from .stage_doc import read

    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportProblem(f"{path}: cannot read it: {exc}") from None
    doc = read(text, str(path))
    source = Source(doc=doc, doc_path=str(path))
    source.titles[1] = doc.title
    for block, line in doc.sql:
        try:
            pieces = split(block)
        except Exception as exc:
            raise ImportProblem(f"{path}:{line}: a SQL block PostgreSQL cannot read: {exc}") from None
        source.pieces += [Piece(sql, f"{path}:{line + at - 1}", 1, str(path)) for sql, at in pieces]
    return source


def _platform_project() -> m.Project:
    return m.Project((m.Stage(number=0, title="platform", slug="platform", status="draft", depends_on=(), tables=(),
                              platform="supabase"),))


# --- the run ------------------------------------------------------------------------------


@dataclass
class Options:
    first_stage: int = 1
    title: str | None = None
    verify: bool = True


def import_schema(source: Source, options: Options) -> Result:
    from .. import pgserver
    from ..db import Session, execute_one
    from ..live import connect, install_platform, webhooks_for
    from ..migrate import Unavailable

    try:
        server = pgserver.start()
    except pgserver.PostgresNotFound as exc:
        raise ImportProblem(str(exc)) from None
    try:
        admin = connect(server, admin=True)
        try:
            install_platform(admin, _platform_project())
            webhooks_for(admin, (piece.sql for piece in source.pieces))
        finally:
            admin.close()
        owner = connect(server)
        try:
            stand_ins = _stand_ins(source) if source.doc else []
            for sql in stand_ins:
                execute_one(owner, sql)
            baseline_session = Session(connect(server))
            try:
                baseline = _read(baseline_session, _all_schemas(baseline_session))
                baseline_unmodelled = unmodelled.read(baseline_session, _all_schemas(baseline_session))
                baseline_left = unmodelled.not_imported(baseline_session, _all_schemas(baseline_session))
            finally:
                baseline_session.close()
            admin = connect(server, admin=True)
            unavailable = Unavailable()
            try:
                origin = _apply(owner, admin, source, baseline, unavailable) if source.url is None else {}
            finally:
                admin.close()
        finally:
            owner.close()
        if source.url is not None:
            session = _live_session(source.url)
        else:
            session = Session(connect(server))
        try:
            schemas = source.schemas or [s for s in _all_schemas(session)]
            unreadable = _unreadable(session)
            catalog = _read(session, schemas, frozenset(kind for kind, _ in unreadable))
            raw_objects = {key: value for key, value in unmodelled.read(session, schemas).items()
                           if key[1] not in PLATFORM_SCHEMAS and baseline_unmodelled.get(key) != value}
            left_behind = [f"{kind} {schema + '.' if schema else ''}{name}: schemagen cannot import this kind of "
                           "object yet; keep its SQL in a raw block (sql_after) by hand"
                           for kind, schema, name in sorted(unmodelled.not_imported(session, schemas) - baseline_left)
                           if schema not in PLATFORM_SCHEMAS]
            spelling = collect([p.sql for p in source.pieces]) if source.pieces else Spellings()
            draft_inputs = _Inputs(catalog, baseline, spelling, origin, _extension_comments(session),
                                   _function_definitions(session, schemas), _creation_order(session, schemas),
                                   source, options, stand_ins, raw_objects)
            rows = _rows_written(session, catalog) if source.url is None and source.pieces else {}
            if source.url is None and source.pieces:
                _match_checks(session, draft_inputs)
            draft = draft_inputs.draft()
            files, project = _specs(draft_inputs, draft)
            respelled = 0
            if source.url is None and source.pieces:
                respelled = _check_spellings(session, draft_inputs, project, draft)
                if respelled:
                    draft = draft_inputs.draft()
                    files, project = _specs(draft_inputs, draft)
        finally:
            session.close()
        differences: list[str] = []
        # The round trip also settles what the draft cannot know alone (the privileges and constraint
        # names that differ from what the specs would make): --no-verify still needs those, and skips
        # only the verdict (grants were silently dropped without it).
        for attempt in range(3):
            found, privileges, names = _round_trip(server, project, catalog, raw_objects)
            if not (privileges or names) or attempt == 2:  # what three drafts did not settle is a difference
                differences = found + [
                    f"privilege {_describe(key)}: {'held' if holds else 'not held'} in the source, "
                    f"{'not held' if holds else 'held'} in the round trip" for key, holds in sorted(
                        privileges.items(), key=repr)] + [
                    f"constraint {_describe((table, *kind))}: named {name} in the source, not in the round trip"
                    for table, named in sorted(names.items()) for kind, name in sorted(named.items())]
                break
            draft_inputs.privileges.update(privileges)
            for table, named in names.items():
                draft_inputs.constraint_names.setdefault(table, {}).update(named)
            draft = draft_inputs.draft()
            files, project = _specs(draft_inputs, draft)
        if not options.verify:
            differences = []
        left_out = [why for _, why in unreadable] + left_behind
        return Result(files, dict(draft.counts), differences, options.verify and not differences and not left_out,
                      respelled, left_out, rows, unavailable.lines())
    finally:
        server.stop()


def _live_session(url: str):
    from ..db import ConnectionProblem, Session, connect, connection_params

    try:
        conn = connect(connection_params(url))
    except ConnectionProblem as exc:
        raise ImportProblem(str(exc)) from None
    session = Session(conn)
    session.query("set transaction read only")
    return session


def _unreadable(session) -> list[tuple[str, str]]:
    """Kinds this role may not read (a read-only role without select on ``storage.buckets``):
    not imported, and said, rather than imported as "none"."""
    readable = session.query(
        "select coalesce(bool_and(has_schema_privilege(n.oid, 'usage') and has_table_privilege(c.oid, 'select')), "
        "true) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'storage' and c.relname = 'buckets'")[0][0]
    return [] if readable else [("bucket", "buckets: this role may not read storage.buckets, so no bucket was "
                                           "imported; grant it select on storage.buckets, or import as postgres")]


def _all_schemas(session) -> list[str]:
    return [name for (name,) in session.query(
        "select nspname from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema' "
        "order by 1")]


def _read(session, schemas: list[str], skip: frozenset[str] = frozenset()) -> Catalog:
    from ..catalog import introspect

    catalog = introspect(session, schemas, skip=skip)
    for family in catalog.facts:
        if family in ATTACHABLE:
            continue
        for key in [k for k in catalog.facts[family] if _schema_of(family, k) in PLATFORM_SCHEMAS]:
            del catalog.facts[family][key]
    return catalog


def _schema_of(family: str, key: tuple) -> str | None:
    if family == "constraint":
        return key[0][0]
    if family in ("extension", "publication", "bucket", "cron"):
        return None
    return key[0] if key and isinstance(key[0], str) else None


def _apply(conn, superuser, source: Source, baseline: Catalog, unavailable) -> dict[tuple, int]:
    """Each statement, committed, as the Supabase CLI applies migrations (a privileged extension
    created as the platform would, by ``superuser``); with a stage per file, the catalog is read
    after each file so that every object belongs to the file that made it."""
    from ..db import Session
    from ..migrate import run_file

    origin: dict[tuple, int] = {}
    previous = baseline
    groups = sorted({p.group for p in source.pieces})
    for group in groups:
        mine = [p for p in source.pieces if p.group == group]
        for file in dict.fromkeys(p.file for p in mine):
            run_file(conn, [(p.sql, p.where) for p in mine if p.file == file], ImportProblem, superuser=superuser,
                     unavailable=unavailable)
        if len(groups) > 1:
            session = Session(conn)
            try:
                seen = _read(session, _all_schemas(session))
            finally:
                conn.run("rollback")
            for family, facts in seen.facts.items():
                before = previous.facts.get(family, {})
                for key, value in facts.items():
                    if key not in baseline.facts.get(family, {}):
                        origin.setdefault((family, key), group)
                    elif before.get(key) != value:  # the platform's, changed here (a table added to realtime)
                        origin[(family, key)] = group
            for key, table in seen.facts.get("table", {}).items():  # a column a later file adds is that file's
                for column in table.columns:
                    origin.setdefault(("column", (*key, column.name)), group)
            previous = seen
    return origin


def _rows_written(session, catalog: Catalog) -> dict[str, int]:
    """Rows in the tables the source made (reference data a migration inserts: roles, permissions):
    a live database's rows are its data, obviously not imported, but rows that migrations write
    are easily taken for part of the schema, and the specs will not make them."""
    from ..sqltext import qualified

    tables = sorted(key for key in catalog.tables if key[0] not in PLATFORM_SCHEMAS)
    if not tables:
        return {}
    counts = session.query(" union all ".join(f"select {i}, count(*) from {qualified(*key)}"
                                               for i, key in enumerate(tables)))
    return {f"{tables[i][0]}.{tables[i][1]}": count for i, count in counts if count}


def _stand_ins(source: Source) -> list[str]:
    """Tables a stage document references but does not create (earlier stages), with the columns
    it references, typed as the referencing columns are."""
    from ..pgsql import _node, _parse, parse_failure
    from ..sqltext import qualified, quote_ident

    created: set[tuple[str, str]] = set()
    wanted: dict[tuple[str, str], dict[str, str]] = {}
    for piece in source.pieces:
        if parse_failure(piece.sql):  # applying it says where and why, at its file and line
            continue
        for statement in _parse(piece.sql):
            node, body = _node(statement["stmt"])
            if node != "CreateStmt":
                continue
            created.add((body["relation"].get("schemaname", "public"), body["relation"]["relname"]))
            for element in body.get("tableElts", []):
                column = element.get("ColumnDef")
                if column is None:
                    continue
                for con in column.get("constraints", []):
                    con = con["Constraint"]
                    if con["contype"] != "CONSTR_FOREIGN":
                        continue
                    target = (con["pktable"].get("schemaname", "public"), con["pktable"]["relname"])
                    ref_column = con["pk_attrs"][0]["String"]["sval"] if con.get("pk_attrs") else "id"
                    type_name = piece.sql[column["typeName"]["location"]:].split()[0]
                    wanted.setdefault(target, {})[ref_column] = type_name
    out = []
    for (schema, name), columns in wanted.items():
        if (schema, name) in created or schema in PLATFORM_SCHEMAS:
            continue
        cols = ", ".join(f"{quote_ident(c)} {t} primary key" if i == 0 else f"{quote_ident(c)} {t}"
                         for i, (c, t) in enumerate(columns.items()))
        out.append(f"create table {qualified(schema, name)} ({cols})")
    return out


def _extension_comments(session) -> dict[str, str | None]:
    return dict(session.query("select name, comment from pg_available_extensions"))


def _function_definitions(session, schemas: list[str]) -> dict[tuple, str]:
    rows = session.query("""
        select n.nspname, p.proname, array(select format_type(t, null) from unnest(p.proargtypes::oid[]) t)::text[],
               pg_get_functiondef(p.oid)
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any(:schemas) and p.prokind = 'f'""", schemas=schemas)
    return {(schema, name, ", ".join(types)): definition.strip() for schema, name, types, definition in rows}


_ORDER_SQL = """
select 'table', n.nspname, c.relname, '', c.oid::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any(:schemas) and c.relkind in ('r', 'p', 'v', 'm', 'S')
union all
select 'index', n.nspname, t.relname, c.relname, c.oid::int from pg_index i join pg_class c on c.oid = i.indexrelid
  join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace where n.nspname = any(:schemas)
union all
select 'policy', n.nspname, c.relname, p.polname, p.oid::int from pg_policy p join pg_class c on c.oid = p.polrelid
  join pg_namespace n on n.oid = c.relnamespace where n.nspname = any(:schemas)
union all
select 'trigger', n.nspname, c.relname, t.tgname, t.oid::int from pg_trigger t join pg_class c on c.oid = t.tgrelid
  join pg_namespace n on n.oid = c.relnamespace where n.nspname = any(:schemas) and not t.tgisinternal
union all
select 'function', n.nspname, p.proname, '', p.oid::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname = any(:schemas)
union all
select 'type', n.nspname, t.typname, '', t.oid::int from pg_type t join pg_namespace n on n.oid = t.typnamespace
  where n.nspname = any(:schemas)
"""


def _creation_order(session, schemas: list[str]) -> dict[tuple, int]:
    """Object → its oid: the order a fresh database made them in, which is the order the specs list them."""
    return {(kind, schema, a, b): oid for kind, schema, a, b, oid in session.query(_ORDER_SQL, schemas=schemas)}


@dataclass
class _Inputs:
    """Everything a draft is made from; a draft is made again when a spelling is ruled out or
    the round trip finds a grant or a name to add."""

    catalog: Catalog
    baseline: Catalog
    spelling: Spellings
    origin: dict[tuple, int]
    extension_comments: dict[str, str | None]
    function_definitions: dict[tuple, str]
    order: dict[tuple, int]
    source: Source
    options: Options
    stand_ins: list[str]
    #: What the spec language does not model, kept as raw SQL (``unmodelled``).
    raw_objects: dict[tuple, tuple[str, str]]
    catalog_spelling: set[tuple] = field(default_factory=set)
    privileges: dict[tuple, bool] = field(default_factory=dict)
    constraint_names: dict[tuple, dict] = field(default_factory=dict)
    #: (table, check definition) → the source's condition (``_match_checks``).
    check_spellings: dict[tuple, str] = field(default_factory=dict)

    def draft(self) -> Draft:
        ordered = Catalog(schemas=self.catalog.schemas)
        for family, facts in self.catalog.facts.items():
            ordered.facts[family] = dict(sorted(facts.items(), key=lambda item: self._rank(family, item[0])))
        draft = Draft(ordered, self.baseline, self.spelling, origin=dict(self.origin),
                      catalog_spelling=set(self.catalog_spelling), extension_comments=self.extension_comments,
                      function_definitions=self.function_definitions, privileges=dict(self.privileges),
                      constraint_names={k: dict(v) for k, v in self.constraint_names.items()},
                      check_spellings=dict(self.check_spellings))
        for kind in KINDS:
            kind.part("imports").build(draft)
        stages = sorted(draft.stages) or [1]
        for (kind, schema, name), (when, sql) in self.raw_objects.items():
            # Types go before everything, in the first stage; the rest after everything, in the last.
            draft.add(stages[0] if when == "sql_before" else stages[-1], when,
                      {"name": f"{kind} {schema}" if kind in ("schema", "schema comment", "owner of schema") else f"{kind} {schema}.{name}"
                       if schema else f"{kind} {name}", "sql": sql},
                      kind, raw=True)
        return draft

    def _rank(self, family: str, key: tuple) -> tuple:
        lookup = {"table": ("table", key[0], key[1] if len(key) > 1 else "", ""),
                  "view": ("table", *key, ""), "sequence": ("table", *key, ""),
                  "policy": ("policy", *key), "index": ("index", *key), "trigger": ("trigger", *key),
                  "function": ("function", key[0], key[1] if len(key) > 1 else "", ""),
                  "enum": ("type", *key, ""), "domain": ("type", *key, "")}.get(family)
        oid = self.order.get(lookup, 1 << 40) if lookup and len(lookup) == 4 else 1 << 40
        return (oid, repr(key))


# --- specs --------------------------------------------------------------------------------


def _specs(inputs: _Inputs, draft: Draft) -> tuple[dict[str, str], m.Project]:

    source = inputs.source
    doc = source.doc
    files: dict[str, str] = {}
    numbers = sorted(draft.stages) or [1]
    data_by_file: dict[str, dict] = {}
    for group in numbers:
        entries = draft.stages.get(group, {})
        number = doc.number if doc else inputs.options.first_stage + group - 1
        title = (inputs.options.title if inputs.options.title and len(numbers) == 1
                 else source.titles.get(group, "Imported schema"))
        data: dict = {"stage": number, "title": title}
        data["status"] = doc.status if doc else "applied"  # migrations and databases are what is deployed
        depends = doc.depends_on if doc else [inputs.options.first_stage + g - 1 for g in numbers if g < group]
        if depends:
            data["depends_on"] = depends
        data["platform"] = "supabase"  # the source was applied on, or read as, a Supabase project
        if doc and inputs.stand_ins:
            data["external"] = {"tables": _externals(inputs, draft)}
        roles = _roles_named(entries)
        if roles:
            data.setdefault("external", {})["roles"] = roles
        for key in ("sql_before", "extensions", "enums", "domains", "sequences", "functions", "tables", "views", "publications",
                    "buckets", "cron_jobs", "grants", "attach", "sql_after"):
            if entries.get(key):
                data[key] = entries[key]
        if doc:
            from .doc_hints import apply_diagram

            undrawn = copy.deepcopy(data)
            loaded = _load({"stage.yaml": _dump(data)})
            apply_diagram(doc, data, loaded, as_written=False)
            if doc.diagram is not None and not _draws(data, doc.diagram):
                data = undrawn  # drawn by hand: kept as written
                apply_diagram(doc, data, loaded, as_written=True)
            if doc.notes:
                data["notes"] = doc.notes
        slug = m.slugify(title) or "imported"
        name = f"stage-{number:02d}-{slug}.yaml"
        data_by_file[name] = _lowercase_fragments(data)
    files = {name: _dump(data) for name, data in data_by_file.items()}
    project = _load(files)
    if doc and (doc.waived or doc.item_reasons):
        from .doc_hints import apply_waivers

        if apply_waivers(doc, data_by_file, project):
            files = {name: _dump(data) for name, data in data_by_file.items()}
            project = _load(files)
    return files, project


#: Spec keys whose text is SQL: an expression, a default, a query.
_FRAGMENT_KEYS = frozenset({"default", "check", "expression", "using", "with_check", "where", "when", "query",
                            "generated"})


def _lowercase_fragments(node):
    """The house style: keywords in lower case (lint's SG001), as ``pg_get_expr`` and many sources
    write them in upper case. Meaning is unchanged (only what PostgreSQL folds is folded)."""
    from .draft import lower_keywords

    if isinstance(node, dict):
        return {key: lower_keywords(value) if key in _FRAGMENT_KEYS and isinstance(value, str)
                else _lowercase_fragments(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_lowercase_fragments(item) for item in node]
    return node


def _draws(data: dict, diagram: str) -> bool:
    """Whether a stage's spec, its diagram drawn from the constraints, draws exactly ``diagram``."""
    from ..render import Provenance, build_environment, other_boxes

    project = _load({"stage.yaml": _dump(data)})
    stage = project.stages[0]
    rendered = build_environment().get_template("er.mmd.j2").render(
        tables=stage.tables, others=other_boxes(stage, Provenance(project)))
    return rendered == diagram


def _dump(data: dict) -> str:
    from .yamlout import dump

    return dump(data, _HEADER)


_HEADER = "# Imported by `schemagen import`; edit freely: it is an ordinary spec.\n"


def _load(files: dict[str, str]) -> m.Project:
    from ..load import SpecError, load_project

    with tempfile.TemporaryDirectory() as scratch:
        for name, text in files.items():
            (Path(scratch) / name).write_text(text, "utf-8")
        try:
            return load_project(Path(scratch))
        except SpecError as exc:
            found = "; ".join(d.to_text().removeprefix(f"{scratch}/") for d in exc.diagnostics)
            raise ImportProblem("the specs written for this schema do not load (a bug of schemagen import, "
                                f"please report it): {found}") from None


def _roles_named(entries) -> list[str]:
    """The project's own roles a stage's policies and grants name: the specs do not create roles,
    so each is declared (``external.roles``), as the database it came from had it."""
    from .. import platform
    from ..load import BUILTIN_ROLES

    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("roles", "to") and isinstance(inner, list):
                    found.update(role for role in inner if isinstance(role, str))
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk({key: value for key, value in entries.items() if key not in ("sql_before", "sql_after")})
    for block in entries.get("sql_before", []) + entries.get("sql_after", []):
        if block["name"].startswith(("owner of ", "role membership ")):
            found.update(unmodelled.roles_in(block["sql"]))
    return sorted(found - set(BUILTIN_ROLES) - set(platform.ROLES))


def _externals(inputs: _Inputs, draft: Draft) -> list[dict]:
    out = []
    for key, table in inputs.baseline.facts["table"].items():
        if key[0] in PLATFORM_SCHEMAS:
            continue
        pk = [c.columns for k, c in inputs.baseline.facts["constraint"].items()
              if k[0] == key and c.kind == "primary key"]
        columns = [{"name": c.name, "type": c.type} | ({"primary_key": True} if pk and (c.name,) == pk[0] else {})
                   for c in table.columns]
        doc = inputs.source.doc
        who = doc.provided_by.get(key, "an earlier stage") if doc else "an earlier stage"
        out.append(({} if key[0] == "public" else {"schema": key[0]})
                   | {"name": key[1], "provided_by": who, "columns": columns})
    return out


# --- checks -------------------------------------------------------------------------------


def _check_spellings(session, inputs: _Inputs, project: m.Project, draft: Draft) -> int:
    """Compare the specs with the source as drift does; rule out the spellings of what differs."""
    from ..drift import drift, schemas_to_read

    schemas = [s for s in schemas_to_read(project, None) if s in inputs.catalog.schemas]
    found = [c for c in drift(session, project, schemas) if not c.kind.startswith("note.")]
    before = len(inputs.catalog_spelling)
    for change in found:
        key = change.key
        table = key[0] if key and isinstance(key[0], tuple) else tuple(key[:2])
        inputs.catalog_spelling.update({("table", table), ("policy", tuple(key[:3])), ("index", tuple(key[:3])),
                                        ("view", tuple(key[:2]))})
        if change.kind.startswith(("check", "constraint")):
            for k in [k for k in inputs.check_spellings if k[0] == table]:
                del inputs.check_spellings[k]
    return len(inputs.catalog_spelling) - before


def _match_checks(session, inputs: _Inputs) -> None:
    """Each check condition the source wrote, spelled by PostgreSQL on its table, so that the
    catalog's checks can be written as the source wrote them."""
    from ..sqltext import qualified, quote_ident

    inputs.check_spellings = {}
    candidates = [(table, text) for table, texts in inputs.spelling.checks.items() for text in texts
                  if table in inputs.catalog.facts["table"]]
    if not candidates:
        return
    with session.scratch():
        statements = [f"alter table {qualified(*table)} add constraint {quote_ident(f'_sg_import_{i}')} "
                      f"check ({text}) not valid" for i, (table, text) in enumerate(candidates)]
        session.apply(statements)
        rows = session.query("select conname, pg_get_constraintdef(oid, true) from pg_constraint "
                             "where conname like '\\_sg\\_import\\_%'")
    for name, definition in rows:
        table, text = candidates[int(name.rsplit("_", 1)[1])]
        inputs.check_spellings.setdefault((table, definition.removesuffix(" NOT VALID")), text)


def _round_trip(server, project: m.Project, source: Catalog, raw_objects: dict):
    """Apply the specs' generated SQL to a fresh database and compare its catalog with the source's.
    The fresh database is ``postgres`` made again (the source's, when it was applied here, has been
    read by then): an extension that works in one database only (pg_cron) works there."""
    from .. import pgserver
    from ..db import Session, execute_one
    from ..lint import run_lint
    from ..live import build_database, connect
    from ..render import render_project

    name = "postgres"
    admin = connect(server, "template1", admin=True)
    try:
        execute_one(admin, f"drop database if exists {name} with (force)")
        execute_one(admin, f"create database {name} owner {pgserver.OWNER}")
    finally:
        admin.close()
    admin, owner = connect(server, name, admin=True), connect(server, name)
    problems: list[str] = []
    try:
        build_database(admin, owner, project, render_project(project, run_lint(project)), problems)
    finally:
        admin.close()
        owner.close()
    session = Session(connect(server, name))
    try:
        made = _read(session, sorted(source.schemas))
        made_raw = unmodelled.read(session, sorted(source.schemas))
    finally:
        session.close()
    found, privileges, names = compare(source, made)
    unowned = set()
    for key, (_, sql) in sorted(raw_objects.items()):
        if made_raw.get(key, (None, None))[1] != sql:
            found.append(f"{key[0]} {key[1]}.{key[2]}: kept as raw SQL, but the round trip does not make it the same")
            if key[0].startswith("owner of "):
                unowned.add((key[1], key[2].split("(")[0]))
    # An object's privileges follow its owner: while the owner did not take (a schema privilege
    # it needs comes with the next draft), they say nothing the next draft should grant.
    privileges = {key: holds for key, holds in privileges.items() if (key[1], key[2]) not in unowned}
    return problems + found, privileges, names


def compare(source: Catalog, made: Catalog) -> tuple[list[str], dict[tuple, bool], dict[tuple, dict]]:
    """Fact-by-fact differences between two catalogs read the same way; privileges and constraint
    names that differ are returned apart, as what the next draft should say."""
    differences: list[str] = []
    privileges: dict[tuple, bool] = {}
    names: dict[tuple, dict] = {}
    for family in source.facts:
        if family.endswith(".authority"):
            continue
        have, got = source.facts.get(family, {}), made.facts.get(family, {})
        if family == "privilege":
            objects = made.facts.get("privilege.authority", {})
            for key in set(have) - set(got):
                if key[0] in ("table", "function") and (key[0], key[1], key[2], key[3] if key[0] == "function"
                                                        else "") not in objects:
                    continue  # on an object the round trip lacks: that object is the difference, or left out
                privileges[key] = True
            for key in set(got) - set(have):
                privileges[key] = False
            continue
        for key in sorted(set(have) | set(got), key=repr):
            if key not in got:
                differences.append(f"{family} {_describe(key)}: in the source, not in the round trip")
            elif key not in have:
                differences.append(f"{family} {_describe(key)}: made by the specs, not in the source")
            elif have[key] != got[key]:
                differences.append(f"{family} {_describe(key)}: {_what_differs(have[key], got[key])}")
            elif family == "constraint" and have[key].name != got[key].name:
                kind_key = (key[1], key[2])
                names.setdefault(key[0], {})[kind_key] = have[key].name
    return differences, privileges, names


def _what_differs(source, made) -> str:
    """The facets two facts differ in, each as the source has it and as the round trip made it."""
    import dataclasses

    if not (dataclasses.is_dataclass(source) and type(source) is type(made)):
        return f"{source!r} in the source, {made!r} in the round trip"
    return "; ".join(f"{f.name} is {getattr(source, f.name)!r} in the source, {getattr(made, f.name)!r} in the "
                     "round trip" for f in dataclasses.fields(source)
                     if f.compare and getattr(source, f.name) != getattr(made, f.name))


def _describe(key: tuple) -> str:
    return ".".join(str(part) if not isinstance(part, tuple) else ".".join(map(str, part)) for part in key)
