"""Spec files to a validated ``Project``: the only step that reads YAML.

Problems are collected, not raised one at a time, so a user fixing a spec sees every
mistake of a run at once, each at its ``file:line:col`` with what to do about it.
Anything the model holds has been checked here: renderers and linters never need to
guard against a missing table or a misspelled column.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path as FsPath
from typing import Any

from . import model as m
from . import pgsql, pgtypes, platform
from .diagnostics import Collector, Diagnostic, SpecError, did_you_mean
from .spec_schema import check_document
from .keywords import ALL_KEYWORDS
from .kinds.registry import SPEC_KEYS, builder_for
from .parallel import map_in_processes, worker_count
from .sqltext import normalize_type, quote_ident, quote_literal, sql_value
from .sqltokens import LexError, referenced_names, tokenize
from .yamldoc import Document, Path, parse

BUILTIN_ROLES = ("public", "current_user", "session_user", "current_role")

INDEX_NAME_LIMIT = 63


def load_project(specs_dir: FsPath | str, *, meanwhile=None) -> m.Project:
    """The specs in ``specs_dir``, loaded; ``meanwhile`` (``parallel.map_in_processes``) runs
    while they load, or before when they load here."""
    specs_dir = FsPath(specs_dir)

    def problem(message: str) -> SpecError:
        return SpecError([Diagnostic(m.SourcePos(str(specs_dir), 1, 1), "E100", "error", message)])

    if specs_dir.is_file():
        raise problem(f"'{specs_dir}' is a file; --specs takes the folder of stage spec files")
    if not specs_dir.is_dir():
        raise problem(f"the specs directory '{specs_dir}' does not exist; create it or pass --specs DIR")
    try:
        files = sorted(p for p in specs_dir.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    except OSError as exc:
        raise problem(f"cannot read the specs directory: {exc.strerror}") from None
    if not files:
        raise SpecError([Diagnostic(m.SourcePos(str(specs_dir), 1, 1), "E100", "error",
                                    f"no *.yaml spec files in '{specs_dir}'; "
                                    "write one per stage (see docs/spec.md)")])
    return load_files(files, meanwhile)


def _load_file(file: FsPath) -> tuple[m.Stage | None, list[Diagnostic]]:
    """One spec file to a Stage, independent of every other file (so it can run in a worker)."""
    try:
        text = file.read_text("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Diagnostic(m.SourcePos(str(file), 1, 1), "E100", "error",
                                 f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8")]
    except OSError as exc:
        return None, [Diagnostic(m.SourcePos(str(file), 1, 1), "E100", "error",
                                 f"cannot read the file: {exc.strerror}")]
    try:
        doc = parse(text, str(file))
    except SpecError as exc:
        return None, exc.diagnostics
    shape_errors = check_document(doc)
    if shape_errors:
        return None, shape_errors
    builder = _StageBuilder(doc)
    try:
        stage = builder.build()
    except Collector.Full:
        return None, list(builder.errors)
    return stage, list(builder.errors)


#: Files are parsed on every core once there is this much YAML; below it a pool costs more.
PARALLEL_FROM_BYTES = 256 * 1024


def load_files(files: list[FsPath], meanwhile=None) -> m.Project:
    results = _map_files(files, meanwhile)
    errors = [d for _, found in results for d in found]
    if errors:
        raise SpecError(errors)
    return _link([stage for stage, _ in results if stage is not None])


def _map_files(files: list[FsPath], meanwhile=None) -> list[tuple[m.Stage | None, list[Diagnostic]]]:
    return map_in_processes(_load_file, files, worker_count(len(files)) if _large(files) else 1, meanwhile)


def _large(files: list[FsPath]) -> bool:
    return sum(_size(f) for f in files) >= PARALLEL_FROM_BYTES


def _size(file: FsPath) -> int:
    try:
        return file.stat().st_size
    except OSError:  # reported when the file is read
        return 0


class _StageBuilder:
    """Turns one shape-checked document into a Stage, noting semantic problems."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.errors = Collector()
        #: SQL the spec supplies, judged together at the end by PostgreSQL's grammar.
        self.fragments: list[tuple[pgsql.FragmentKind, str, Path, str]] = []
        #: Values already reported: one cause gives one finding.
        self.reported: set[Path] = set()

    def error(self, path: Path, code: str, message: str, *, key: bool = False) -> None:
        self.errors.add(Diagnostic(self.doc.pos(path, key=key), code, "error", message))
        self.reported.add(path)

    def pos(self, path: Path) -> m.SourcePos:
        return self.doc.pos(path)

    def ident(self, value: str, path: Path, what: str) -> str:
        """Names are quoted on output, so nearly anything is legal (a policy named with a leading
        space, as real projects have); control characters are not."""
        if any(ord(ch) < 32 for ch in value):
            self.error(path, "E105", f"{what} {value!r} contains a control character; remove it")
        return value

    def build(self) -> m.Stage:
        data = self.doc.data
        number = data["stage"]
        title = data["title"].strip()
        slug = data.get("slug") or m.slugify(title)
        if not slug:
            self.error(("title",), "E105", "the title gives no file name; add 'slug: my-stage'")
        platform = data.get("platform")
        external = data.get("external", {})
        externals = [self.external_table(t, ("external", "tables", i))
                     for i, t in enumerate(external.get("tables", []))]
        roles = tuple(self.ident(r, ("external", "roles", i), "role")
                      for i, r in enumerate(external.get("roles", [])))
        types = tuple(self.ident(t, ("external", "types", i), "type")
                      for i, t in enumerate(external.get("types", [])))
        tables = tuple(self.table(t, ("tables", i)) for i, t in enumerate(data.get("tables", [])))
        if data.get("diagram") == "as_written":
            tables = tuple(replace(t, diagram_as_written=True) for t in tables)
        attachments = tuple(self.attachment(a, ("attach", i)) for i, a in enumerate(data.get("attach", [])))
        if data.get("buckets") and platform != "supabase":
            self.error(("buckets",), "E106", "buckets live in Supabase Storage: add 'platform: supabase'", key=True)
        objects = tuple(builder_for(kind)(self, item, (key, i))
                        for key, kind in SPEC_KEYS for i, item in enumerate(data.get(key, [])))
        depends = tuple(data.get("depends_on", []))
        for i, dep in enumerate(depends):
            if dep >= number:
                self.error(("depends_on", i), "E106",
                           f"stage {number} cannot depend on stage {dep}: stages apply in number order, "
                           "so a dependency must have a lower number")
        sql_before = self.raw_sql(data.get("sql_before", []), "sql_before")
        sql_after = self.raw_sql(data.get("sql_after", []), "sql_after")
        self.judge_fragments()
        return m.Stage(
            number=number,
            title=title,
            slug=slug,
            status=data.get("status", "draft"),
            depends_on=depends,
            tables=tables,
            external_tables=tuple(externals),
            external_roles=roles,
            external_types=types,
            platform=platform,
            sql_before=sql_before,
            sql_after=sql_after,
            objects=objects,
            attachments=attachments,
            notes=data.get("notes"),
            path=self.doc.path,
            pos=self.pos(()),
        )

    def raw_sql(self, items: list[dict[str, Any]], key: str) -> tuple[m.RawSql, ...]:
        out = []
        for i, item in enumerate(items):
            name = self.ident(item["name"], (key, i, "name"), "raw SQL name")
            sql = self.fragment(item["sql"], (key, i, "sql"), "raw SQL", "statements")
            if not _ends_statement(sql):
                sql += ";"
            out.append(m.RawSql(name, sql, self.pos((key, i))))
        return tuple(out)

    def external_table(self, data: dict[str, Any], path: Path) -> m.ExternalTable:
        columns = []
        for i, col in enumerate(data["columns"]):
            ctype = self.column_type(col["type"], path + ("columns", i, "type"))
            name = self.ident(col["name"], path + ("columns", i, "name"), "column name")
            columns.append(m.Column(name, ctype, not_null=col.get("not_null", False),
                                    primary_key=col.get("primary_key", False),
                                    pos=self.pos(path + ("columns", i))))
        self.no_duplicates([c.name for c in columns], path + ("columns",), "column", "name")
        return m.ExternalTable(
            schema=self.ident(data.get("schema", "public"), path + ("schema",), "schema"),
            name=self.ident(data["name"], path + ("name",), "table name"),
            columns=tuple(columns),
            provided_by=data.get("provided_by", "an earlier stage"),
            pos=self.pos(path),
        )

    def column_type(self, text: str, path: Path, *, sql: bool = True) -> str:
        """The canonical spelling of a type; ``sql`` types are also judged by the parser
        (a diagram's display type never reaches SQL)."""
        normalized = normalize_type(text)
        if normalized is None:
            self.error(path, "E105",
                       f"{text!r} is not a PostgreSQL type name; write a type as in DDL, "
                       "e.g. text, numeric(12, 2), timestamptz, text[], public.my_enum")
            return text
        if sql:
            self.fragments.append(("type", normalized, path, "type"))
            parts = pgtypes.parts(normalized)
            if parts.schema in (None, "pg_catalog") and pgtypes.builtin_name(parts.name):
                problem = pgtypes.modifier_problem(parts.name, parts.modifiers)
                if problem:
                    self.error(path, "E105", f"{text!r}: {problem}")
        return normalized

    def fragment(self, sql: str, path: Path, what: str, kind: pgsql.FragmentKind = "expression") -> str:
        sql = sql.strip()
        self.fragments.append((kind, sql, path, what))
        return sql

    def judge_fragments(self) -> None:
        """Every fragment, in the construct it is written into, by PostgreSQL's own grammar."""
        problems = pgsql.judge([(kind, text) for kind, text, _, _ in self.fragments])
        for (_, text, path, what), problem in zip(self.fragments, problems, strict=True):
            if problem is None or path in self.reported:
                continue
            where = f" (at character {problem.offset + 1})" if problem.offset is not None and text else ""
            self.error(path, "E105", f"{what} {problem.message}{where}")

    def constant(self, value: str | int | float | bool, path: Path) -> str:
        """A YAML scalar as SQL; YAML's .nan and .inf have no bare SQL spelling."""
        if isinstance(value, float) and not math.isfinite(value):
            spelling = "NaN" if math.isnan(value) else ("-Infinity" if value < 0 else "Infinity")
            self.error(path, "E105", f"YAML reads this as the float {value!r}, which SQL cannot write as a bare "
                       f"number; write the text \"'{spelling}'::double precision\" (or numeric) instead")
            return "null"
        return sql_value(value)

    def renamed_from(self, data: dict[str, Any], path: Path, what: str) -> str | None:
        if "renamed_from" not in data:
            return None
        return self.ident(data["renamed_from"], path + ("renamed_from",), f"former {what}")

    def waivers(self, data: dict[str, Any], path: Path) -> tuple[m.Waiver, ...]:
        return tuple(m.Waiver(code, reason.strip(), self.pos(path + ("waive", code)))
                     for code, reason in data.get("waive", {}).items())

    def no_duplicates(self, names: list[str], path: Path, what: str, key: str) -> None:
        seen: dict[str, int] = {}
        for i, name in enumerate(names):
            if name in seen:
                first = self.pos(path + (seen[name],))
                self.error(path + (i, key), "E103",
                           f"duplicate {what} '{name}' (first at line {first.line}); rename or remove one")
            else:
                seen[name] = i

    def table(self, data: dict[str, Any], path: Path) -> m.Table:
        schema = self.ident(data.get("schema", "public"), path + ("schema",), "schema")
        name = self.ident(data["name"], path + ("name",), "table name")
        if "." in name and "schema" not in data:
            head, _, tail = name.partition(".")
            self.error(path + ("name",), "E105",
                       f"table name {name!r} contains a dot; write 'schema: {head}' and 'name: {tail}'")
        columns = tuple(self.column(c, path + ("columns", i), schema, name)
                        for i, c in enumerate(data["columns"]))
        self.no_duplicates([c.name for c in columns], path + ("columns",), "column", "name")
        column_names = [c.name for c in columns]

        def need_column(col: str, at: Path, role: str) -> None:
            if col not in column_names:
                self.error(at, "E104", f"{role} names column '{col}', which {schema}.{name} does not have"
                           + did_you_mean(col, column_names))

        pk: m.PrimaryKey | None = None
        uniques, checks, fks = [], [], []
        for i, con in enumerate(data.get("constraints", [])):
            at = path + ("constraints", i)
            kinds = [k for k in ("primary_key", "unique", "check", "foreign_key") if k in con]
            if len(kinds) != 1:
                self.error(at, "E106", "a constraint needs exactly one of primary_key, unique, check, "
                           f"foreign_key; this one has {', '.join(kinds) or 'none'}")
                continue
            kind = kinds[0]
            allowed = {"primary_key": {"name", "deferrable", "initially_deferred"},
                       "unique": {"name", "nulls_not_distinct", "deferrable", "initially_deferred"},
                       "check": {"name", "not_valid"},
                       "foreign_key": {"name", "references", "on_delete", "on_update", "label",
                                       "diagram", "cardinality", "deferrable", "initially_deferred",
                                       "not_valid", "match"}}[kind] | {kind}
            for key in con:
                if key not in allowed:
                    self.error(at + (key,), "E106", f"'{key}' does not apply to a {kind} constraint; "
                               f"it takes {', '.join(sorted(allowed))}", key=True)
            if kind == "check":
                expression = self.fragment(con["check"], at + ("check",), "check")
                self.check_names(expression, at + ("check",), column_names, "check")
                checks.append(m.Check(expression, name=con.get("name"), not_valid=con.get("not_valid", False),
                                      pos=self.pos(at)))
                continue
            cols = tuple(con[kind])
            for j, col in enumerate(cols):
                need_column(col, at + (kind, j), kind.replace("_", " "))
            if kind == "primary_key":
                if pk is not None or any(c.primary_key for c in columns):
                    self.error(at, "E106", f"{schema}.{name} has more than one primary key; keep one")
                pk = m.PrimaryKey(cols, con.get("name"), con.get("deferrable", False),
                                  con.get("initially_deferred", False), self.pos(at))
            elif kind == "unique":
                uniques.append(m.UniqueConstraint(cols, con.get("name"), con.get("nulls_not_distinct", False),
                                                  con.get("deferrable", False), con.get("initially_deferred", False),
                                                  self.pos(at)))
            else:
                if "references" not in con:
                    self.error(at, "E101", "a foreign_key constraint needs 'references: {table, columns}'")
                    continue
                ref = con["references"]
                fks.append(m.ForeignKey(cols, ref.get("schema", "public"), ref["table"],
                                        tuple(ref.get("columns", ())), **_fk_options(con), pos=self.pos(at)))
        inline_pks = [i for i, c in enumerate(columns) if c.primary_key]
        if len(inline_pks) > 1:
            self.error(path + ("columns", inline_pks[1], "primary_key"), "E106",
                       "more than one column says primary_key: true; for a composite key write "
                       "'constraints: [{primary_key: [a, b]}]' instead")

        rls_spec = data.get("rls", False)
        rls, force = (rls_spec, False) if isinstance(rls_spec, bool) else (
            rls_spec.get("enabled", True), rls_spec.get("force", False))

        policies = tuple(self.policy(p, path + ("policies", i))
                         for i, p in enumerate(data.get("policies", [])))
        self.no_duplicates([p.name for p in policies], path + ("policies",), "policy", "name")

        indexes = tuple(self.index(ix, path + ("indexes", i), name, need_column)
                        for i, ix in enumerate(data.get("indexes", [])))
        triggers = self.table_triggers(data, path, (schema, name), column_names)
        grants = self.table_grants(data, path)
        replica, replica_index = data.get("replica_identity", "default"), None
        if isinstance(replica, dict):
            replica, replica_index = "index", replica["index"]
            usable = [ix.name for ix in indexes if ix.unique and ix.where is None]
            keys = [pk.columns] if pk else [(c.name,) for c in columns if c.primary_key]
            usable += [pk.name if pk and pk.name else f"{name}_pkey" for _ in keys]
            usable += [u.name or f"{name}_{'_'.join(u.columns)}_key" for u in uniques]
            usable += [f"{name}_{c.name}_key" for c in columns if c.unique]
            if replica_index not in usable:
                self.error(path + ("replica_identity", "index"), "E104", f"replica identity names index "
                           f"'{replica_index}', which is not one of {schema}.{name}'s keys or unique indexes "
                           "without a where condition" + did_you_mean(replica_index, usable))

        diagram = data.get("diagram", True)
        diagram_columns = None
        if isinstance(diagram, dict) and "columns" in diagram:
            picked = []
            for i, item in enumerate(diagram["columns"]):
                at = path + ("diagram", "columns", i)
                entry = m.DiagramColumn(item) if isinstance(item, str) else m.DiagramColumn(
                    item["name"], self.column_type(item["type"], at + ("type",), sql=False) if "type" in item else None)
                need_column(entry.name, at, "the diagram")
                picked.append(entry)
            diagram_columns = tuple(picked)

        for i, col in enumerate(columns):
            for check in col.checks:
                if check.values is None:
                    self.check_names(check.expression, path + ("columns", i, "check"), column_names, "check")
            if col.generated is not None:
                self.check_names(col.generated, path + ("columns", i, "generated"), column_names, "generated")

        return m.Table(
            schema=schema,
            name=name,
            columns=columns,
            comment=data.get("comment"),
            primary_key=pk,
            uniques=tuple(uniques),
            checks=tuple(checks),
            foreign_keys=tuple(fks),
            rls=rls,
            force_rls=force,
            unlogged=data.get("unlogged", False),
            replica_identity=replica,
            replica_index=replica_index,
            policies=policies,
            indexes=indexes,
            triggers=triggers,
            grants=grants,
            diagram_columns=diagram_columns,
            in_diagram=diagram is not False,
            renamed_from=self.renamed_from(data, path, "table name"),
            waivers=self.waivers(data, path),
            pos=self.pos(path),
        )

    def attachment(self, data: dict[str, Any], path: Path) -> m.Attachment:
        """What a stage adds to a table it does not create. The table's columns are known only
        once the stages are linked, so the columns its indexes and triggers name are checked there."""
        schema = self.ident(data.get("schema", "public"), path + ("schema",), "schema")
        name = self.ident(data["table"], path + ("table",), "table name")
        if "." in name and "schema" not in data:
            head, _, tail = name.partition(".")
            self.error(path + ("table",), "E105",
                       f"table name {name!r} contains a dot; write 'schema: {head}' and 'table: {tail}'")
        if not any(data.get(key) for key in ("policies", "indexes", "triggers", "grants")):
            self.error(path, "E101", f"attach to {schema}.{name} adds nothing; give it policies, indexes, "
                       "triggers or grants, or remove it")
        policies = tuple(self.policy(p, path + ("policies", i)) for i, p in enumerate(data.get("policies", [])))
        self.no_duplicates([p.name for p in policies], path + ("policies",), "policy", "name")
        indexes = tuple(self.index(ix, path + ("indexes", i), name, lambda *_: None)
                        for i, ix in enumerate(data.get("indexes", [])))
        triggers = self.table_triggers(data, path, (schema, name), None)
        return m.Attachment(
            schema=schema,
            name=name,
            policies=policies,
            indexes=indexes,
            triggers=triggers,
            grants=self.table_grants(data, path),
            waivers=self.waivers(data, path),
            pos=self.pos(path),
        )

    def check_names(self, sql: str, path: Path, columns: list[str], what: str) -> None:
        """A bare name in a table's check must be one of its columns: PostgreSQL would refuse it."""
        for token in _names(sql):
            if token.kind == "word" and token.ident in ALL_KEYWORDS:
                continue
            if token.ident not in columns:
                self.error(path, "E104", f"{what} names '{token.ident}', which is not a column of this table"
                           + did_you_mean(token.ident, columns))

    def column(self, data: dict[str, Any], path: Path, schema: str, table: str) -> m.Column:
        name = self.ident(data["name"], path + ("name",), "column name")
        ctype = self.column_type(data["type"], path + ("type",))
        default = None
        if "default" in data:
            raw = data["default"]
            if isinstance(raw, dict):
                default = m.Default(quote_literal(raw["literal"]), literal=raw["literal"])
            elif isinstance(raw, str):
                default = m.Default(self.fragment(raw, path + ("default",), "default", "default"))
            else:
                default = m.Default(self.constant(raw, path + ("default",)))
        if default is not None and "identity" in data:
            self.error(path + ("identity",), "E106",
                       "an identity column cannot also have a default; remove one of them")
        raw_checks = data.get("check", [])
        checks = []
        for j, raw in enumerate(raw_checks if isinstance(raw_checks, list) else [raw_checks]):
            at = path + (("check", j) if isinstance(raw_checks, list) else ("check",))
            check = self.column_check(raw, at, name)
            if check is not None:
                checks.append(check)
        generated = None
        if "generated" in data:
            generated = self.fragment(data["generated"], path + ("generated",), "generated")
            for other in ("default", "identity"):
                if other in data:
                    self.error(path + ("generated",), "E106", f"a generated column cannot also have {other}; "
                               "remove one of them", key=True)
        references = None
        if "references" in data:
            references = self.reference(data["references"], path + ("references",), name)
        return m.Column(
            name=name,
            type=ctype,
            not_null=data.get("not_null", False),
            primary_key=data.get("primary_key", False),
            unique=data.get("unique", False),
            default=default,
            identity=data.get("identity"),
            references=references,
            checks=tuple(checks),
            comment=data.get("comment"),
            generated=generated,
            collation=self.ident(data["collate"], path + ("collate",), "collation") if "collate" in data else None,
            renamed_from=self.renamed_from(data, path, "column name"),
            waivers=self.waivers(data, path),
            pos=self.pos(path),
        )

    def column_check(self, raw: str | dict[str, Any], at: Path, name: str) -> m.Check | None:
        if isinstance(raw, str):
            return m.Check(self.fragment(raw, at, "check"), column=name, pos=self.pos(at))
        if ("in" in raw) == ("expression" in raw):
            self.error(at, "E106", "a check needs exactly one of 'in' (a list of allowed values) or 'expression'")
            return None
        not_valid = raw.get("not_valid", False)
        if "in" in raw:
            values = tuple(raw["in"])
            constants = [self.constant(v, at + ("in", j)) for j, v in enumerate(values)]
            expression = f"{quote_ident(name)} in ({', '.join(constants)})"
            return m.Check(expression, raw.get("name"), name, values, not_valid, self.pos(at))
        return m.Check(self.fragment(raw["expression"], at + ("expression",), "check"), raw.get("name"), name,
                       not_valid=not_valid, pos=self.pos(at))

    def reference(self, raw: str | dict[str, Any], path: Path, column: str) -> m.ForeignKey | None:
        if isinstance(raw, str):
            parts = raw.split(".")
            if len(parts) == 2:
                schema, table, ref_col = "public", parts[0], parts[1]
            elif len(parts) == 3:
                schema, table, ref_col = parts
            else:
                self.error(path, "E105", f"references {raw!r} must be 'table.column' or "
                           "'schema.table.column' (or a mapping with table, column, on_delete)")
                return None
            return m.ForeignKey((column,), schema, table, (ref_col,), inline=True, pos=self.pos(path))
        return m.ForeignKey((column,), raw.get("schema", "public"), raw["table"],
                            (raw["column"],) if "column" in raw else (), **_fk_options(raw), inline=True,
                            pos=self.pos(path))

    def policy(self, data: dict[str, Any], path: Path) -> m.Policy:
        command = data["command"]
        using = self.fragment(data["using"], path + ("using",), "using") if "using" in data else None
        with_check = (self.fragment(data["with_check"], path + ("with_check",), "with_check")
                      if "with_check" in data else None)
        if command in ("select", "delete") and with_check is not None:
            self.error(path + ("with_check",), "E106",
                       f"a {command} policy cannot have with_check (PostgreSQL only checks new rows on "
                       "insert and update); use 'using'", key=True)
        if command == "insert" and using is not None:
            self.error(path + ("using",), "E106",
                       "an insert policy cannot have using (there is no existing row to test); "
                       "use 'with_check'", key=True)
        roles = data.get("roles", [])
        roles = (roles,) if isinstance(roles, str) else tuple(roles)
        self.no_duplicates(list(roles), path + ("roles",), "role", "")
        return m.Policy(
            name=self.ident(data["name"], path + ("name",), "policy name"),
            command=command,
            roles=roles,
            using=using,
            with_check=with_check,
            permissive=data.get("as", "permissive") == "permissive",
            comment=data.get("comment"),
            renamed_from=self.renamed_from(data, path, "policy name"),
            waivers=self.waivers(data, path),
            pos=self.pos(path),
        )

    def table_triggers(self, data: dict[str, Any], path: Path, table: tuple[str, str], columns) -> tuple:
        """A table's triggers; their model is imported only for a table that has some."""
        if not data.get("triggers"):
            return ()
        from .kinds.trigger.model import build

        triggers = tuple(build(self, t, path + ("triggers", i), table, columns) for i, t in enumerate(data["triggers"]))
        self.no_duplicates([t.name for t in triggers], path + ("triggers",), "trigger", "name")
        return triggers

    def table_grants(self, data: dict[str, Any], path: Path) -> tuple:
        """A table's grants; their model is imported only for a table that has some."""
        if not data.get("grants"):
            return ()
        from .kinds.grant.model import build_grants

        return build_grants(self, data["grants"], path + ("grants",), "table")

    def index(self, data: dict[str, Any], path: Path, table: str, need_column) -> m.Index:
        elements = []
        name_parts: list[str] = []
        for i, raw in enumerate(data["columns"]):
            at = path + ("columns", i)
            if isinstance(raw, str):
                raw = {"column": raw}
            if ("column" in raw) == ("expression" in raw):
                self.error(at, "E106", "an index key needs exactly one of 'column' or 'expression'")
                continue
            if "column" in raw:
                need_column(raw["column"], at, "index")
                name_parts.append(raw["column"])
                element = m.IndexElement(column=raw["column"])
            else:
                expression = self.fragment(raw["expression"], at + ("expression",), "index expression")
                name_parts.extend(t.ident for t in _names(expression) if t.kind != "string")
                element = m.IndexElement(expression=expression)
            elements.append(replace(element, order=raw.get("order"), nulls=raw.get("nulls"),
                                    opclass=raw.get("opclass"), collation=raw.get("collate")))
        include = tuple(data.get("include", ()))
        for i, col in enumerate(include):
            need_column(col, path + ("include", i), "index include")
        where = self.fragment(data["where"], path + ("where",), "where") if "where" in data else None
        if data.get("nulls_not_distinct") and not data.get("unique"):
            self.error(path + ("nulls_not_distinct",), "E106", "nulls_not_distinct is for a unique index: "
                       "add 'unique: true' or leave it out", key=True)
        name = data.get("name")
        derived = name is None
        if derived:
            name = derive_index_name(table, name_parts)
        parameters = tuple((self.ident(key, path + ("with", key), "storage parameter"),
                            self.constant(value, path + ("with", key)))
                           for key, value in data.get("with", {}).items())
        for key, _ in parameters:
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", key):
                self.error(path + ("with", key), "E105", f"storage parameter {key!r} is not a parameter name "
                           "(lowercase letters, digits, _)", key=True)
        return m.Index(
            name=name,
            elements=tuple(elements),
            method=data.get("method", "btree"),
            parameters=parameters,
            comment=data.get("comment"),
            unique=data.get("unique", False),
            nulls_not_distinct=data.get("nulls_not_distinct", False),
            where=where,
            include=include,
            derived_name=derived,
            renamed_from=self.renamed_from(data, path, "index name"),
            waivers=self.waivers(data, path),
            pos=self.pos(path),
        )


def _fk_options(raw: dict[str, Any]) -> dict[str, Any]:
    """The options a foreign key takes the same way on a column and as a table constraint."""
    return {
        "on_delete": raw.get("on_delete"),
        "on_update": raw.get("on_update"),
        "name": raw.get("name"),
        "label": raw.get("label"),
        "in_diagram": raw.get("diagram", True),
        "cardinality": raw.get("cardinality"),
        "deferrable": raw.get("deferrable", False) or raw.get("initially_deferred", False),
        "initially_deferred": raw.get("initially_deferred", False),
        "not_valid": raw.get("not_valid", False),
        "match_full": raw.get("match") == "full",
    }


def derive_index_name(table: str, columns: list[str]) -> str:
    """``<table>_<column>[_<column>…]_idx``, the seed's convention and close to PostgreSQL's.

    Expression keys contribute the columns they name (``to_tsvector('english', query)``
    gives ``query``). A name over 63 bytes is kept as is: lint reports it, because
    PostgreSQL would silently truncate it.
    """
    parts = list(dict.fromkeys(columns)) or ["expr"]
    return f"{table}_{'_'.join(parts)}_idx"




def _names(sql: str) -> list:
    """Names a fragment mentions; none while it does not even lex (the parser says why)."""
    try:
        return list(referenced_names(sql))
    except LexError:
        return []


def _ends_statement(sql: str) -> bool:
    """A ';' at the very end; one inside a trailing '--' comment is refused by the parser's judge."""
    return sql.rstrip().endswith(";")


# --- cross-stage linking ---------------------------------------------------------------


def _link(stages: list[m.Stage]) -> m.Project:
    """Resolve names across stages: numbers, table ownership, references, roles."""
    errors: list[Diagnostic] = []

    def error(pos: m.SourcePos, code: str, message: str) -> None:
        errors.append(Diagnostic(pos, code, "error", message))

    by_number: dict[int, m.Stage] = {}
    for stage in sorted(stages, key=lambda s: s.number):
        if stage.number in by_number:
            error(stage.pos, "E103", f"stage {stage.number} is also defined in "
                  f"{by_number[stage.number].path}; give each stage its own number")
        else:
            by_number[stage.number] = stage

    owners: dict[tuple[str, str], tuple[m.Stage, m.Table]] = {}
    index_owner: dict[tuple[str, str], m.Index] = {}

    def claim_index_names(host) -> None:
        """Index names are unique per schema, whichever table (or attachment) lists them."""
        for index in host.indexes:
            key = (host.schema, index.name)
            if key in index_owner:
                error(index.pos, "E103", f"index name '{index.name}' is already used at "
                      f"{index_owner[key].pos}; index names are unique per schema, so name this one")
            else:
                index_owner[key] = index
    for stage in by_number.values():
        for table in stage.tables:
            if table.key in owners:
                other = owners[table.key][1]
                error(table.pos, "E103", f"table {table.schema}.{table.name} is already defined at "
                      f"{other.pos}; each table belongs to one stage")
                continue
            owners[table.key] = (stage, table)
            claim_index_names(table)

    claimed: dict[tuple, m.SourcePos] = {}
    for stage in by_number.values():
        for obj in stage.objects:
            kind = type(obj).__name__
            if kind not in _ONE_STAGE_EACH:
                continue
            what, why = _ONE_STAGE_EACH[kind]
            if (kind, obj.key) in claimed:
                error(obj.pos, "E103", f"{what} {obj.key[0]} is already defined at {claimed[(kind, obj.key)]}; {why}")
            else:
                claimed[(kind, obj.key)] = obj.pos
        for attachment in stage.attachments:
            claim_index_names(attachment)

    _check_types(list(by_number.values()), error)

    linked: list[m.Stage] = []
    for stage in by_number.values():
        reachable = _dependencies(stage, by_number)
        externals: dict[tuple[str, str], m.ExternalTable] = {}
        if stage.platform == "supabase":
            externals.update((table.key, table) for table in platform.TABLES)
        for ext in stage.external_tables:
            if ext.key in externals:
                error(ext.pos, "E103", f"external table {ext.schema}.{ext.name} is declared twice")
            owner = owners.get(ext.key)
            if owner is not None:
                _check_external_matches(ext, owner[1], error)
            externals[ext.key] = ext
        roles = set(BUILTIN_ROLES) | set(stage.external_roles)
        if stage.platform == "supabase":
            roles |= set(platform.ROLES)
        scope = _StageScope(stage, owners, externals, reachable, error)
        linked_tables = []
        for table in stage.tables:
            scope.created.add(table.key)
            for policy in table.policies:
                for role in policy.roles:
                    if role not in roles:
                        error(policy.pos, "E104", f"policy '{policy.name}' is for unknown role '{role}'; "
                              "declare it under external.roles" + did_you_mean(role, roles))
            linked_tables.append(replace(
                table,
                columns=tuple(c if c.references is None else replace(c, references=scope.resolve(table, c.references))
                              for c in table.columns),
                foreign_keys=tuple(scope.resolve(table, fk) for fk in table.foreign_keys),
            ))
        attachments = tuple(_link_attachment(a, stage, owners, externals, reachable, roles, error)
                            for a in stage.attachments)
        linked.append(replace(stage, tables=tuple(linked_tables), attachments=attachments))
    if errors:
        raise SpecError(errors)
    return m.Project(tuple(linked))


def _link_attachment(attachment: m.Attachment, stage: m.Stage, owners, externals, reachable: set[int],
                     roles: set[str], error) -> m.Attachment:
    """The attachment with its table's columns, once the table is found where the stage may see it."""
    label = f"{attachment.schema}.{attachment.name}"
    owner = owners.get(attachment.key)
    if owner is not None and owner[0].number == stage.number:
        error(attachment.pos, "E106", f"{label} is created by this stage; put its policies, indexes, triggers "
              "and grants on the table itself")
        return attachment
    if owner is not None and owner[0].number in reachable:
        target, provided_by, rls = owner[1], f"stage {owner[0].number}", owner[1].rls
    elif attachment.key in externals:
        target, provided_by, rls = externals[attachment.key], externals[attachment.key].provided_by, None
    elif owner is not None:
        error(attachment.pos, "E104", f"attach names {label} from stage {owner[0].number}, but stage "
              f"{stage.number} does not depend on it; add {owner[0].number} to depends_on")
        return attachment
    else:
        known = sorted(f"{k[0]}.{k[1]}" for k in list(owners) + list(externals))
        error(attachment.pos, "E104", f"attach names unknown table {label}; declare it under external.tables "
              "if the platform or an earlier stage creates it" + did_you_mean(label, known))
        return attachment
    names = [c.name for c in target.columns]
    for index in attachment.indexes:
        for column in [e.column for e in index.elements if e.column] + list(index.include):
            if column not in names:
                error(index.pos, "E104", f"index {index.name} names column '{column}', which {label} does not "
                      "have" + did_you_mean(column, names))
    for trigger in attachment.triggers:
        for column in (c for event in trigger.events for c in event.columns):
            if column not in names:
                error(trigger.pos, "E104", f"trigger {trigger.name} names column '{column}', which {label} does "
                      "not have" + did_you_mean(column, names))
    for policy in attachment.policies:
        for role in policy.roles:
            if role not in roles:
                error(policy.pos, "E104", f"policy '{policy.name}' is for unknown role '{role}'; "
                      "declare it under external.roles" + did_you_mean(role, roles))
    foreign_keys = target.all_foreign_keys if isinstance(target, m.Table) else ()
    return replace(attachment, columns=target.columns, all_foreign_keys=foreign_keys, rls=rls,
                   provided_by=provided_by)


class _StageScope:
    """What one stage can see while its tables are created in order: for resolving references."""

    def __init__(self, stage: m.Stage, owners, externals, reachable: set[int], error):
        self.stage = stage
        self.owners = owners
        self.externals = externals
        self.reachable = reachable
        self.error = error
        self.created: set[tuple[str, str]] = set()

    def resolve(self, table: m.Table, fk: m.ForeignKey | None) -> m.ForeignKey | None:
        """The foreign key with its target checked and its columns filled in from the target's key."""
        if fk is None:
            return None
        target = self.target(table, fk)
        if target is None:
            return fk
        ref_columns = fk.ref_columns or target.primary_key_columns
        if not ref_columns:
            self.error(fk.pos, "E104", f"{fk.ref_schema}.{fk.ref_table} has no primary key to reference; "
                       "name the column")
            return fk
        for col in ref_columns:
            if target.column(col) is None:
                names = [c.name for c in target.columns]
                self.error(fk.pos, "E104", f"{fk.ref_schema}.{fk.ref_table} has no column '{col}'"
                           + did_you_mean(col, names))
        if len(ref_columns) != len(fk.columns):
            self.error(fk.pos, "E106", f"the foreign key has {len(fk.columns)} column(s) but "
                       f"references {len(ref_columns)}")
        return replace(fk, ref_columns=ref_columns)

    def target(self, table: m.Table, fk: m.ForeignKey) -> m.Table | m.ExternalTable | None:
        """The table a foreign key points at, if this stage may see it at that point."""
        stage, error = self.stage, self.error
        owner = self.owners.get(fk.ref_key)
        if owner is not None and owner[0].number == stage.number:
            return owner[1]  # created in this stage: the dependency order puts it first
        if owner is not None and owner[0].number in self.reachable:
            return owner[1]
        if fk.ref_key in self.externals:
            return self.externals[fk.ref_key]
        if owner is not None:
            error(fk.pos, "E104", f"{table.name} references {fk.ref_schema}.{fk.ref_table} from "
                  f"stage {owner[0].number}, but stage {stage.number} does not depend on it; "
                  f"add {owner[0].number} to depends_on")
            return None
        known = sorted({f"{k[0]}.{k[1]}" for k in list(self.owners) + list(self.externals)})
        wanted = f"{fk.ref_schema}.{fk.ref_table}"
        error(fk.pos, "E104", f"{table.name} references unknown table {wanted}; define it, "
              "or declare it under external.tables if an earlier stage or the platform owns it"
              + did_you_mean(wanted, known))
        return None


def _created_types(stage: m.Stage) -> set[tuple[str | None, str]]:
    """Types a stage's raw SQL creates (``create type``/``create domain``), and those it declares."""
    found: set[tuple[str | None, str]] = set()
    for raw in stage.sql_before + stage.sql_after:
        try:
            tokens = tokenize(raw.sql)
        except LexError:
            continue
        for i in range(len(tokens) - 2):
            if tokens[i].text.lower() == "create" and tokens[i + 1].text.lower() in ("type", "domain"):
                name = tokens[i + 2]
                if i + 4 < len(tokens) and tokens[i + 3].text == ".":
                    found.add((name.ident, tokens[i + 4].ident))
                else:
                    found.add((None, name.ident))
    for declared in stage.external_types:
        found.add(pgtypes.parts(declared)[:2])
    if stage.objects:  # the kinds' models load only for a stage that has such objects
        from .kinds.domain.model import Domain
        from .kinds.enum.model import Enum
        from .kinds.extension.model import EXTENSION_TYPES, Extension

        for obj in stage.objects:
            if isinstance(obj, (Enum, Domain)):
                found.add(obj.key)
            elif isinstance(obj, Extension):
                found.update((obj.schema, name) for name in EXTENSION_TYPES.get(obj.name, ()))
                found.update((None, name) for name in EXTENSION_TYPES.get(obj.name, ()))
    return found


#: Objects the platform keeps by a name of its own, which one stage may define: (label, why).
_ONE_STAGE_EACH = {
    "Bucket": ("bucket", "each bucket belongs to one stage"),
    "CronJob": ("cron job", "a job is scheduled by its name, so a second one would replace the first: rename one"),
}


def _check_types(stages: list[m.Stage], error) -> None:
    """Every column type is built in, created by a stage's SQL, or declared under external.types."""
    known = set().union(*(_created_types(s) for s in stages)) if stages else set()
    names = {name for _, name in known}
    for stage in stages:
        columns = [c for t in stage.tables for c in t.columns] + [c for e in stage.external_tables for c in e.columns]
        for column in columns:
            schema, name, _ = pgtypes.parts(column.type)
            if schema in (None, "pg_catalog") and pgtypes.builtin_name(name):
                continue
            if (schema, name) in known or (schema is None and name in names) or (None, name) in known:
                continue
            shown = f"{schema}.{name}" if schema else name
            error(column.pos, "E107", f"column {column.name} has type {shown!r}, which is neither built in, nor "
                  "created by a stage (an enum, raw SQL), nor brought by one of its extensions; declare types "
                  "created elsewhere under external.types"
                  + did_you_mean(shown, pgtypes.known_spellings() + sorted(names)))


def _dependencies(stage: m.Stage, by_number: dict[int, m.Stage]) -> set[int]:
    seen: set[int] = set()
    todo = list(stage.depends_on)
    while todo:
        number = todo.pop()
        if number in seen:
            continue
        seen.add(number)
        if number in by_number:
            todo.extend(by_number[number].depends_on)
    return seen


def _check_external_matches(ext: m.ExternalTable, real: m.Table, error) -> None:
    """An external declaration is a contract: once the real stage is loaded it must hold."""
    for col in ext.columns:
        actual = real.column(col.name)
        if actual is None:
            error(col.pos, "E104", f"external {ext.schema}.{ext.name} declares column '{col.name}', "
                  f"but the real table at {real.pos} has no such column")
        elif actual.type != col.type:
            error(col.pos, "E104", f"external {ext.schema}.{ext.name}.{col.name} is declared {col.type}, "
                  f"but the real table at {real.pos} says {actual.type}")
