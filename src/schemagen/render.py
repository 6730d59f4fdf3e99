"""Model to text: every generated file, computed in memory, keyed by its path.

Layout and house style live in the Jinja templates; this module only builds the one
environment they run in (filters for quoting, escaping and Mermaid names, strict
undefined variables) and decides which file each template produces. Nothing is
written here, so ``generate`` and ``check`` share exactly the same output.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple, Sequence

import jinja2

from . import model as m
from .diagnostics import Diagnostic, TemplateProblem, counted
from .lint import checklist, readiness
from .sqltext import dollar_quoted, qualified, quote_ident, quote_literal, sql_comment, sql_value

BUILTIN_TEMPLATES = Path(__file__).resolve().parent / "templates"

STATUS_BADGES = {
    "draft": "📝 Draft",
    "review": "👀 In review",
    "ready": "✅ Ready",
    "applied": "🚀 Applied",
}


def builtin_templates_dir() -> Path:
    """Installed wheels carry the templates inside the package; a source checkout keeps
    them at the top level, where the brief and reviewers expect to find them."""
    if BUILTIN_TEMPLATES.is_dir():
        return BUILTIN_TEMPLATES
    return Path(__file__).resolve().parents[2] / "templates"


def _bytecode_cache(sandboxed: bool) -> jinja2.BytecodeCache | None:
    """Compiled templates in schemagen's per-user cache. The cache is keyed by template source
    only, so what fixes the compiled code (schemagen's version, which sets the environment's
    options, and the sandbox, which compiles calls differently) is in the file name."""
    from . import __version__
    from .cache import cache_dir

    folder = cache_dir()
    if folder is None:
        return None
    kind = "sandboxed" if sandboxed else "builtin"
    try:
        (folder / "jinja").mkdir(mode=0o700, exist_ok=True)
        return jinja2.FileSystemBytecodeCache(str(folder / "jinja"), pattern=f"{__version__}_{kind}_%s.cache")
    except OSError:  # compile every time
        return None


class _TemplateFolder(jinja2.FileSystemLoader):
    """A folder of templates whose unreadable or non-UTF-8 files are one-line errors naming them."""

    def get_source(self, environment, template):
        self._inside(template)
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            raise TemplateProblem(f"template error: {self._path(template)} is not UTF-8 text ({exc.reason} at "
                                  f"byte {exc.start}); save it as UTF-8") from None
        except PermissionError as exc:
            raise TemplateProblem(f"template error: cannot read {self._path(template)}: {exc.strerror}") from None

    def _path(self, template: str) -> str:
        return str(Path(self.searchpath[0]) / template)

    def _inside(self, template: str) -> None:
        """A template is a file inside its folder, links resolved: a link to ``/proc/self/environ``
        or a key file would otherwise be read into the output (templates arrive in pull requests)."""
        import os

        from jinja2.loaders import split_template_path

        root = os.path.realpath(self.searchpath[0])
        path = os.path.join(root, *split_template_path(template))
        if not os.path.lexists(path):
            return  # not here: the next folder is asked
        real = os.path.realpath(path)
        if os.path.commonpath([real, root]) != root or not os.path.isfile(real):
            raise TemplateProblem(f"template error: {self._path(template)} leads outside the templates folder "
                                  f"(to {real}); a template must be a file inside it")


def build_environment(user_templates: Path | None = None) -> jinja2.Environment:
    """The one Jinja environment. With a user's templates folder it is Jinja's sandbox: templates
    arrive in pull requests like specs, and a template must not be able to run code on the
    machine that renders it (plain Jinja lets ``''.__class__.__mro__`` reach any Python)."""
    loaders: list[jinja2.BaseLoader] = []
    if user_templates is not None:
        loaders.append(_TemplateFolder(str(user_templates)))
    loaders.append(_TemplateFolder(str(builtin_templates_dir())))
    environment_class = jinja2.Environment
    if user_templates is not None:
        from jinja2.sandbox import SandboxedEnvironment as environment_class  # type: ignore[assignment]
    env = environment_class(
        loader=jinja2.ChoiceLoader(loaders),
        # Compiled templates are cached per user, keyed by each template's source checksum,
        # so an edited template is recompiled and an unchanged one costs nothing.
        bytecode_cache=_bytecode_cache(user_templates is not None),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(
        ident=quote_ident,
        idents=lambda names: ", ".join(quote_ident(n) for n in names),
        qname=lambda obj: qualified(obj.schema, obj.name),
        literal=quote_literal,
        dollar_quoted=dollar_quoted,
        sql_value=sql_value,
        sql_comment=sql_comment,
        index_key=index_key_sql,
        mermaid_entity=mermaid_entity,
        mermaid_type=mermaid_type,
        mermaid_label=mermaid_label,
        table_anchor=_table_anchor,
        mermaid_text=mermaid_text,
        mermaid_attribute=mermaid_attribute,
        stage_list=stage_list,
        arguments=function_arguments,
        signature=function_signature,
        trigger_event=trigger_event,
        qualified_pair=lambda pair: qualified(*pair),
    )
    env.globals.update(
        stage_nodes=stage_nodes,
        diagram_rows=diagram_rows,
        relationships=relationships,
        status_badge=lambda status: STATUS_BADGES[status],
    )
    return env


_FUNCTION_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\s*\(")


def _is_single_call(expr: str) -> bool:
    """True for ``f(...)`` whose opening parenthesis closes at the very end."""
    m_ = _FUNCTION_CALL.match(expr)
    if not m_ or not expr.endswith(")"):
        return False
    depth = 0
    for i, ch in enumerate(expr[m_.end() - 1:], start=m_.end() - 1):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return i == len(expr) - 1
    return False


def index_key_sql(element: m.IndexElement) -> str:
    """PostgreSQL takes a function call as an index key bare, any other expression in parentheses."""
    if element.column is not None:
        text = quote_ident(element.column)
    else:
        expr = element.expression or ""
        text = expr if _is_single_call(expr) else f"({expr})"
    if element.collation:
        text += f" collate {quote_ident(element.collation)}"
    if element.opclass:
        text += f" {element.opclass}"
    if element.order:
        text += f" {element.order}"
    if element.nulls:
        text += f" nulls {element.nulls}"
    return text


def plain_column_ddl(table: m.Table, column: m.Column, *, with_default: bool = True) -> str:
    """A column as ``add column`` and scratch tables need it: type, identity, default, not null;
    its constraints (keys, references, checks) are added on their own."""
    ddl = f"{quote_ident(column.name)} {column.type}"
    if column.collation:
        ddl += f" collate {quote_ident(column.collation)}"
    if column.identity:
        ddl += f" generated {column.identity} as identity"
    if column.generated is not None:
        ddl += f" generated always as ({column.generated}) stored"
    if with_default and column.default:
        ddl += f" default {column.default.sql}"
    if column.not_null or column.name in table.primary_key_columns:
        ddl += " not null"
    return ddl


def function_arguments(function) -> str:
    """``mode name type default expr``, as a function's signature lists them."""
    out = []
    for arg in function.args:
        parts = [arg.mode] if arg.mode != "in" else []
        if arg.name:
            parts.append(quote_ident(arg.name))
        parts.append(arg.type)
        if arg.default is not None:
            parts.append(f"default {arg.default}")
        out.append(" ".join(parts))
    return ", ".join(out)


def function_signature(function) -> str:
    """``schema.name(type, …)``: how comments, grants and drops name one overload."""
    return f"{qualified(function.schema, function.name)}({', '.join(function.identity_types)})"


def trigger_event(event) -> str:
    if event.columns:
        return f"{event.kind} of {', '.join(quote_ident(c) for c in event.columns)}"
    return event.kind


_MERMAID_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def mermaid_entity(schema: str, name: str) -> str:
    """Public tables by bare name (as the seed draws them), others schema-qualified."""
    text = name if schema == "public" else f"{schema}.{name}"
    if _MERMAID_NAME.match(text):
        return text
    return '"' + text.replace('"', "'") + '"'


def mermaid_type(type_name: str) -> str:
    """Mermaid attribute types allow letters, digits, ``_-[]()`` only."""
    text = re.sub(r"\([^)]*,[^)]*\)", "", type_name)
    text = text.replace('"', "").replace(" ", "_").replace(".", "_")
    return re.sub(r"[^A-Za-z0-9_\-\[\]()]", "", text)


def mermaid_attribute(name: str) -> str:
    """Attribute names allow no spaces or quotes; the closest readable spelling is used."""
    text = re.sub(r"[^A-Za-z0-9_\-\[\]]", "_", name)
    return text if re.match(r"[A-Za-z_]", text) else "_" + text


def mermaid_text(text: str) -> str:
    """Text inside a quoted flowchart label: Mermaid's entity codes for what would end or break it."""
    return (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("\n", " "))


class StageNode(NamedTuple):
    id: str
    text: str


def stage_nodes(project: m.Project) -> list[StageNode]:
    """The stages overview's boxes: each stage with its table count, and the stages depended on
    that these specs do not hold (kept elsewhere), so every arrow has both ends."""
    known = {stage.number for stage in project.stages}
    nodes = [StageNode(f"s{s.number}", f"Stage {s.number} · {s.title} · {counted(len(s.tables), 'table')}")
             for s in project.stages]
    missing = sorted({dep for s in project.stages for dep in s.depends_on} - known)
    return [StageNode(f"s{n}", f"Stage {n} · not in these specs") for n in missing] + nodes


def _table_anchor(table) -> str:
    """The reference page's heading anchor of a table (``reference.anchor``)."""
    from .reference import anchor

    return anchor(table.schema, table.name)


def mermaid_label(label: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_]+", label):
        return label
    return '"' + label.replace('"', "'") + '"'


def stage_list(numbers: Sequence[int]) -> str:
    """[1, 2, 3, 4] → "Stages 1-4", as the seed writes it; gaps become commas."""
    if not numbers:
        return "None"
    ordered = sorted(set(numbers))
    runs: list[str] = []
    start = prev = ordered[0]
    for n in ordered[1:] + [None]:  # type: ignore[list-item]
        if n is not None and n == prev + 1:
            prev = n
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    word = "Stage" if len(ordered) == 1 else "Stages"
    return f"{word} {', '.join(runs)}"


class DiagramRow(NamedTuple):
    """One attribute line of an ER entity, as the template writes it."""

    type: str
    name: str
    keys: str
    #: Mermaid's attribute comment, shown beside the row.
    comment: str = ""


def diagram_rows(table: m.Table) -> list[DiagramRow]:
    """The box's rows: the chosen columns (all by default). Unless the stage is kept as written, a
    drawn relationship's column is always among them, and a box that leaves columns out says how
    many, so a reader never mistakes a selection for the table."""
    pk = set(table.primary_key_columns)
    fk_columns = {c for fk in table.all_foreign_keys for c in fk.columns}
    chosen = list(table.diagram_columns or tuple(m.DiagramColumn(c.name) for c in table.columns))
    if not table.diagram_as_written:
        shown = {entry.name for entry in chosen}
        drawn = [c for fk in table.all_foreign_keys if fk.in_diagram for c in fk.columns if c not in shown]
        chosen += [m.DiagramColumn(name) for name in dict.fromkeys(drawn)]
    rows = []
    for entry in chosen:
        column = table.column(entry.name)
        assert column is not None, "the loader checks diagram columns exist"
        keys = [k for k, hit in (("PK", entry.name in pk), ("FK", entry.name in fk_columns)) if hit]
        rows.append(DiagramRow(mermaid_type(entry.type or column.type), entry.name, ", ".join(keys)))
    hidden = len(table.columns) - len({entry.name for entry in chosen})
    if hidden and not table.diagram_as_written:
        rows.append(DiagramRow("more", "columns", "", f"{hidden} not shown"))
    return rows


class OtherBox(NamedTuple):
    """A table another stage (or the platform) makes, drawn small in a stage's diagram because a
    relationship of the stage reaches it: its key, and who makes it."""

    entity: str
    rows: list[DiagramRow]


class Provenance:
    """Who makes each table the specs know, looked up once per project: "stage 3", an external
    declaration's ``provided_by``, or the platform."""

    def __init__(self, project: m.Project):
        self.tables: dict[tuple[str, str], m.Table | m.ExternalTable] = {}
        self.makers: dict[tuple[str, str], str] = {}
        for stage in project.stages:
            for external in stage.external_tables:
                self.tables.setdefault(external.key, external)
                self.makers.setdefault(external.key, external.provided_by or "another stage")
        for stage in project.stages:
            for table in stage.tables:
                self.tables[table.key] = table
                self.makers[table.key] = f"stage {stage.number}"

    def maker(self, key: tuple[str, str]) -> str:
        return self.makers.get(key) or ("the Supabase platform" if key[0] in ("auth", "storage") else "elsewhere")


def borrowed_tables(stage: m.Stage, provenance: Provenance) -> list[str]:
    """The tables a stage references but does not make, each with who makes it, for its document."""
    mine = {t.key for t in stage.tables}
    keys = dict.fromkeys(fk.ref_key for t in stage.tables for fk in t.all_foreign_keys if fk.ref_key not in mine)
    return [f"{schema}.{name} ({provenance.maker((schema, name))})" for schema, name in keys]


def other_boxes(stage: m.Stage, provenance: Provenance) -> list[OtherBox]:
    mine = {t.key for t in stage.tables}
    wanted: dict[tuple[str, str], dict[str, str]] = {}
    for table in stage.tables:
        if not table.in_diagram or table.diagram_as_written:
            continue
        for fk in table.all_foreign_keys:
            if fk.in_diagram and fk.ref_key not in mine:
                columns = fk.ref_columns or ("id",)
                for ref, own in zip(columns, fk.columns, strict=False):
                    column = table.column(own)
                    wanted.setdefault(fk.ref_key, {})[ref] = column.type if column is not None else "key"
    boxes = []
    for key, columns in wanted.items():
        source = provenance.tables.get(key)
        who = provenance.maker(key)
        pk = set(source.primary_key_columns) if source is not None else set()
        rows = []
        for i, (name, type_name) in enumerate(columns.items()):
            column = source.column(name) if source is not None else None
            rows.append(DiagramRow(mermaid_type(column.type if column is not None else type_name), name,
                                   "PK" if name in pk else "", f"from {who}" if i == 0 else ""))
        boxes.append(OtherBox(mermaid_entity(*key), rows))
    return boxes


class Relationship(NamedTuple):
    """One relationship line of an ER diagram."""

    parent: str
    cardinality: str
    child: str
    label: str


def relationships(tables: Sequence[m.Table]) -> list[Relationship]:
    return [
        Relationship(mermaid_entity(fk.ref_schema, fk.ref_table), t.cardinality(fk),
                     mermaid_entity(t.schema, t.name), mermaid_label(t.relationship_label(fk)))
        for t in tables if t.in_diagram
        for fk in t.all_foreign_keys if fk.in_diagram
    ]


MANIFEST = ".schemagen-manifest"



@contextmanager
def template_errors():
    """Jinja's errors, as one line naming the template file and line."""
    try:
        yield
    except jinja2.TemplateError as exc:
        if getattr(exc, "lineno", None):  # syntax errors know where they are
            where = f"{exc.filename}:{exc.lineno}: "
        else:  # runtime errors: Jinja's rewritten traceback names the template frame
            import traceback

            frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
            where = f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""
        raise TemplateProblem(f"template error: {where}{exc}") from None


class Block(NamedTuple):
    """One piece of a stage's migration: an object's statements, in their place in the order."""

    kind: str
    text: str
    #: How the stage document heads its section ("" for blocks it does not show: raw SQL, schemas).
    title: str
    table: m.Table | None = None


#: Each kind's template, and the name the object has in it.
TEMPLATES = {"extension": ("extension.sql.j2", "extension"), "enum": ("enum.sql.j2", "enum"),
             "function": ("function.sql.j2", "function"), "view": ("view.sql.j2", "view"),
             "trigger": ("trigger.sql.j2", "trigger"), "grant": ("schema_grant.sql.j2", "grant"),
             "policy": ("policy.sql.j2", "policy"), "index": ("index.sql.j2", "index"),
             "domain": ("domain.sql.j2", "domain"), "sequence": ("sequence.sql.j2", "sequence"),
             "publication": ("publication.sql.j2", "publication"),
             "table grants": ("table_grants.sql.j2", "attachment"),
             "foreign key": ("foreign_key.sql.j2", "fk"),
             "bucket": ("bucket.sql.j2", "bucket"), "cron": ("cron_job.sql.j2", "job")}


def without_references(table: m.Table, deferred: tuple[m.ForeignKey, ...]) -> m.Table:
    """The table as ``create table`` makes it, its references that close a loop left for later."""
    from dataclasses import replace

    if not deferred:
        return table

    columns = tuple(replace(c, references=None) if any(c.references is d for d in deferred) else c
                    for c in table.columns)
    return replace(table, columns=columns,
                   foreign_keys=tuple(fk for fk in table.foreign_keys if not any(fk is d for d in deferred)))


def _title(node) -> str:
    obj = node.obj
    if node.kind == "table":
        return obj.name if obj.schema == "public" else f"{obj.schema}.{obj.name}"
    if node.kind in ("raw before", "raw after", "schema"):
        return ""
    return node.label[0].upper() + node.label[1:]


def stage_blocks(env: jinja2.Environment, stage: m.Stage) -> list[Block]:
    """The stage's objects, in dependency order, each rendered once (for the migration and the
    document). A table's policies and indexes stay in its block, the house style, unless the
    order moved one after another object (a helper function it calls)."""
    from dataclasses import replace

    from .order import nodes, sort

    ordered = sort(nodes(stage))
    blocks: list[Block] = []
    with template_errors():
        table_template = env.get_template("table.sql.j2")
        i = 0
        while i < len(ordered):
            node = ordered[i]
            i += 1
            if node.kind == "table":
                inline: dict[str, list] = {"policy": [], "index": []}
                while i < len(ordered) and ordered[i].table is node.obj and ordered[i].kind in inline:
                    inline[ordered[i].kind].append(ordered[i].obj)
                    i += 1
                shown = replace(node.obj, policies=tuple(inline["policy"]), indexes=tuple(inline["index"]))
                if node.deferred:
                    shown = without_references(shown, node.deferred)
                blocks.append(Block("table", table_template.render(table=shown), _title(node), node.obj))
            elif node.kind in ("raw before", "raw after"):
                blocks.append(Block("raw", sql_comment(node.obj.name) + "\n" + node.obj.sql, ""))
            elif node.kind == "schema":
                blocks.append(Block("schema", f"create schema if not exists {quote_ident(node.obj)};", ""))
            elif node.kind == "sequence owner":
                sequence = node.obj
                owner = ".".join(quote_ident(p) for p in (sequence.schema,) + sequence.owned_by)
                blocks.append(Block("sequence", f"alter sequence {qualified(*sequence.key)} owned by {owner};", ""))
            else:
                name, variable = TEMPLATES[node.kind]
                text = env.get_template(name).render({variable: node.obj, "table": node.table})
                blocks.append(Block(node.kind, text, _title(node), node.table))
    return blocks


def stage_sql(env: jinja2.Environment, stage: m.Stage, blocks: list[Block] | None = None) -> str:
    blocks = blocks if blocks is not None else stage_blocks(env, stage)
    table_sql = {b.table.key: b.text for b in blocks if b.kind == "table"}
    with template_errors():
        return env.get_template("stage.sql.j2").render(stage=stage, blocks=[b.text.strip() for b in blocks],
                                                       table_sql=table_sql)


def render_project(project: m.Project, findings: Sequence[Diagnostic] = (),
                   user_templates: Path | None = None) -> dict[str, str]:
    """Every file under the output directory, path → text; the manifest lists them."""
    with template_errors():
        return _render_project(project, findings, build_environment(user_templates))


def status_line(stage: m.Stage, findings: Sequence[Diagnostic]) -> str:
    """The header's status, from the same results as the checklist's: the spec's word alone when
    lint agrees, both plainly when it does not."""
    from .lint import failing

    errors = len(failing(findings))
    badge = STATUS_BADGES[stage.status]
    if errors and stage.status in ("ready", "applied"):
        return f"{badge} in the spec; ❌ not ready for migration: {counted(errors, 'lint error')}"
    return badge


def _render_project(project: m.Project, findings: Sequence[Diagnostic], env: jinja2.Environment) -> dict[str, str]:
    er = env.get_template("er.mmd.j2")
    doc = env.get_template("stage.md.j2")
    index = env.get_template("index.md.j2")
    out: dict[str, str] = {}
    provenance = Provenance(project)
    by_path: dict[str, list[Diagnostic]] = {}  # one pass: a scan per stage grew with stages × findings
    for finding in findings:
        by_path.setdefault(finding.pos.path, []).append(finding)
    for stage in project.stages:
        mine = by_path.get(stage.path, [])
        blocks = stage_blocks(env, stage)
        out[f"sql/{stage.file_stem}.sql"] = stage_sql(env, stage, blocks)
        others = other_boxes(stage, provenance)
        out[f"er/{stage.file_stem}.mmd"] = er.render(tables=stage.tables, others=others)
        out[f"docs/{stage.file_stem}.md"] = doc.render(
            stage=stage, others=others, borrowed=borrowed_tables(stage, provenance),
            sections=[b for b in blocks if b.title], checklist=checklist(mine),
            readiness=readiness(stage, mine), status=status_line(stage, mine))
    out["er/schema.mmd"] = er.render(tables=project.tables)
    out["docs/README.md"] = index.render(project=project, statuses={
        stage.number: status_line(stage, by_path.get(stage.path, [])) for stage in project.stages})
    from .reference import reference

    out["docs/reference.md"] = env.get_template("reference.md.j2").render(entries=reference(project, findings))
    out[MANIFEST] = "".join(f"{path}\n" for path in sorted(out))
    return dict(sorted(out.items()))
