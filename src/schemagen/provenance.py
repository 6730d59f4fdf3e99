"""Generated SQL split into statements, each tied to the spec object it came from.

Validation reports every parse error, PostgreSQL error and mismatch "at the spec's
line". Templates are the user's to change, so the link is recovered from the
rendered text itself: PostgreSQL's parser says what each statement creates or
changes (``create policy <name> on <table>``, ``comment on function f(uuid)``…) and
the object of that kind and name is looked up in the stage. A statement copied
from a raw SQL block belongs to that block, whatever it creates; anything else
belongs to the stage.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import model as m


@dataclass(frozen=True)
class Statement:
    sql: str
    #: 1-based line of the statement's first token in the rendered file.
    line: int
    pos: m.SourcePos
    #: What it makes or changes: table, comment, rls, alter, policy, index, function, trigger, view,
    #: type, extension, grant, schema, raw.
    kind: str
    table: m.Table | None = None


def split(sql: str) -> list[tuple[str, int]]:
    """Statements with the line each starts on, as PostgreSQL's own lexer separates them;
    a statement's leading comments belong to no statement."""
    from .pgsql import statements_with_offsets

    return [(text, sql.count("\n", 0, start) + 1) for text, start in statements_with_offsets(sql)]


def _raw_block(stage: m.Stage, sql: str) -> m.RawSql | None:
    """The raw SQL block a statement was copied from, if any: such statements are the block's,
    even when they look like ones schemagen writes (a raw ``create schema``)."""
    compact = " ".join(sql.split()).rstrip(";")
    if not compact:
        return None
    return next((raw for raw in stage.sql_before + stage.sql_after if compact in " ".join(raw.sql.split())), None)


Found = tuple[str, m.SourcePos, "m.Table | None"]


class _Index:
    """The stage's objects, keyed as PostgreSQL's parser names them."""

    def __init__(self, stage: m.Stage):
        from .kinds.enum.model import Enum
        from .kinds.extension.model import Extension
        from .kinds.function.model import Function
        from .kinds.grant.model import SchemaGrant
        from .kinds.domain.model import Domain
        from .kinds.publication.model import Publication
        from .kinds.sequence.model import Sequence
        from .kinds.view.model import View

        self.stage = stage
        self.by: dict[tuple, Found] = {}
        for table in stage.tables:
            self.by[("relation", table.schema, table.name)] = ("table", table.pos, table)
            for column in table.columns:
                self.by[("column", table.schema, table.name, column.name)] = ("comment", column.pos, table)
            for policy in table.policies:
                self.by[("policy", table.schema, table.name, policy.name)] = ("policy", policy.pos, table)
            for index in table.indexes:
                self.by[("index", table.schema, index.name)] = ("index", index.pos, table)
            for trigger in table.triggers:
                self.by[("trigger", table.schema, table.name, trigger.name)] = ("trigger", trigger.pos, table)
        for attachment in stage.attachments:
            place = (attachment.schema, attachment.name)
            self.by.setdefault(("relation",) + place, ("attach", attachment.pos, attachment))
            for policy in attachment.policies:
                self.by[("policy",) + place + (policy.name,)] = ("policy", policy.pos, attachment)
            for index in attachment.indexes:
                self.by[("index", attachment.schema, index.name)] = ("index", index.pos, attachment)
            for trigger in attachment.triggers:
                self.by[("trigger",) + place + (trigger.name,)] = ("trigger", trigger.pos, attachment)
        for obj in stage.objects:
            if isinstance(obj, Extension):
                self.by[("extension", obj.name)] = ("extension", obj.pos, None)
            elif isinstance(obj, Enum):
                self.by[("type", obj.schema, obj.name)] = ("type", obj.pos, None)
            elif isinstance(obj, Function):
                self.by.setdefault(("function", obj.schema, obj.name), ("function", obj.pos, None))
            elif isinstance(obj, View):
                self.by[("relation", obj.schema, obj.name)] = ("view", obj.pos, None)
            elif isinstance(obj, SchemaGrant):
                self.by.setdefault(("schema grant", obj.schema), ("grant", obj.pos, None))
            elif isinstance(obj, Domain):
                self.by[("type", obj.schema, obj.name)] = ("domain", obj.pos, None)
            elif isinstance(obj, Sequence):
                self.by[("relation", obj.schema, obj.name)] = ("sequence", obj.pos, None)
            elif isinstance(obj, Publication):
                self.by[("publication", obj.name)] = ("publication", obj.pos, None)
            elif type(obj).__name__ == "Bucket":
                self.by[("bucket", obj.id)] = ("bucket", obj.pos, None)
            elif type(obj).__name__ == "CronJob":
                self.by[("cron", obj.name)] = ("cron job", obj.pos, None)

    def get(self, key: tuple, kind: str | None = None) -> Found | None:
        found = self.by.get(key)
        if found is not None and kind is not None:
            return (kind,) + found[1:]
        return found


def _names(items: list[dict]) -> tuple[str, ...]:
    return tuple(item["String"]["sval"] for item in items if "String" in item)


def _qualified(names: tuple[str, ...]) -> tuple[str, str]:
    return (names[0], names[1]) if len(names) >= 2 else ("public", names[0])


def _relation(range_var: dict) -> tuple[str, str]:
    return (range_var.get("schemaname", "public"), range_var["relname"])


def _find(index: _Index, node: str, body: dict) -> Found | None:
    if node == "CreateStmt":
        return index.get(("relation",) + _relation(body["relation"]))
    if node == "AlterTableStmt":
        subtypes = {c["AlterTableCmd"]["subtype"] for c in body.get("cmds", [])}
        rls = subtypes <= {"AT_EnableRowSecurity", "AT_DisableRowSecurity", "AT_ForceRowSecurity",
                           "AT_NoForceRowSecurity"}
        return index.get(("relation",) + _relation(body["relation"]), "rls" if rls else "alter")
    if node == "CreatePolicyStmt":
        return index.get(("policy",) + _relation(body["table"]) + (body["policy_name"],))
    if node == "IndexStmt" and body.get("idxname"):
        return index.get(("index", body["relation"].get("schemaname", "public"), body["idxname"]))
    if node == "CreateFunctionStmt":
        return index.get(("function",) + _qualified(_names(body["funcname"])))
    if node == "CreateTrigStmt":
        return index.get(("trigger",) + _relation(body["relation"]) + (body["trigname"],))
    if node == "ViewStmt":
        return index.get(("relation",) + _relation(body["view"]))
    if node == "CreateTableAsStmt":
        return index.get(("relation",) + _relation(body["into"]["rel"]))
    if node == "CreateEnumStmt":
        return index.get(("type",) + _qualified(_names(body["typeName"])))
    if node == "CreateDomainStmt":
        return index.get(("type",) + _qualified(_names(body["domainname"])))
    if node in ("CreateSeqStmt", "AlterSeqStmt"):
        return index.get(("relation",) + _relation(body["sequence"]))
    if node in ("CreatePublicationStmt", "AlterPublicationStmt"):
        return index.get(("publication", body["pubname"]))
    if node == "CreateExtensionStmt":
        return index.get(("extension", body["extname"]))
    if node == "InsertStmt" and _relation(body["relation"]) == ("storage", "buckets"):
        return _bucket(index, body)
    if node == "SelectStmt":
        return _cron_job(index, body)
    if node == "CommentStmt":
        return _comment(index, body)
    if node == "GrantStmt":
        return _grant(index, body)
    if node == "AlterDefaultPrivilegesStmt":
        schemas = [o["DefElem"] for o in body.get("options", []) if o["DefElem"]["defname"] == "schemas"]
        schema = _names(schemas[0]["arg"]["List"]["items"])[0] if schemas else "public"
        return index.get(("schema grant", schema))
    if node == "CreateSchemaStmt":
        return ("schema", index.stage.pos, None)
    return None


def _bucket(index: _Index, body: dict) -> Found | None:
    """A bucket's upsert, by the id its values start with."""
    try:
        first = body["selectStmt"]["SelectStmt"]["valuesLists"][0]["List"]["items"][0]
        return index.get(("bucket", first["A_Const"]["sval"]["sval"]))
    except (KeyError, IndexError):
        return None


def _cron_job(index: _Index, body: dict) -> Found | None:
    """A job's ``select cron.schedule('name', …)`` or ``cron.alter_job(…)``, by the first string it
    holds: the name, given to schedule or compared in alter_job's subquery."""
    try:
        call = body["targetList"][0]["ResTarget"]["val"]["FuncCall"]
    except (KeyError, IndexError):
        return None
    if [n.get("String", {}).get("sval") for n in call["funcname"]] not in (["cron", "schedule"],
                                                                          ["cron", "alter_job"]):
        return None
    name = _first_string(call.get("args", []))
    return index.get(("cron", name)) if name is not None else None


def _first_string(node) -> str | None:
    if isinstance(node, dict):
        if "sval" in node and isinstance(node["sval"], dict):
            return node["sval"].get("sval")
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _first_string(child)
        if found is not None:
            return found
    return None


def _comment(index: _Index, body: dict) -> Found | None:
    kind, target = body["objtype"], body["object"]
    if kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
        return index.get(("relation",) + _qualified(_names(target["List"]["items"])), "comment")
    if kind == "OBJECT_COLUMN":
        names = _names(target["List"]["items"])
        key = names if len(names) == 3 else ("public",) + names
        return index.get(("column",) + key)
    if kind in ("OBJECT_POLICY", "OBJECT_TRIGGER"):
        names = _names(target["List"]["items"])
        table, name = ((names[0], names[1]) if len(names) == 3 else ("public", names[0])), names[-1]
        return index.get(("policy" if kind == "OBJECT_POLICY" else "trigger",) + table + (name,), "comment")
    if kind == "OBJECT_FUNCTION":
        return index.get(("function",) + _qualified(_names(target["ObjectWithArgs"]["objname"])), "comment")
    if kind == "OBJECT_TYPE":
        return index.get(("type",) + _qualified(_names(target["TypeName"]["names"])), "comment")
    if kind == "OBJECT_EXTENSION":
        return index.get(("extension", target["String"]["sval"]), "comment")
    if kind == "OBJECT_DOMAIN":
        return index.get(("type",) + _qualified(_names(target["TypeName"]["names"])), "comment")
    if kind == "OBJECT_SEQUENCE":
        return index.get(("relation",) + _qualified(_names(target["List"]["items"])), "comment")
    if kind == "OBJECT_PUBLICATION":
        return index.get(("publication", target["String"]["sval"]), "comment")
    return None


def _grant(index: _Index, body: dict) -> Found | None:
    kind = body.get("objtype")
    for target in body.get("objects", []):
        if kind == "OBJECT_TABLE" and "RangeVar" in target:
            return index.get(("relation",) + _relation(target["RangeVar"]), "grant")
        if kind == "OBJECT_FUNCTION" and "ObjectWithArgs" in target:
            return index.get(("function",) + _qualified(_names(target["ObjectWithArgs"]["objname"])), "grant")
        if kind == "OBJECT_SCHEMA" and "String" in target:
            return index.get(("schema grant", target["String"]["sval"]))
    return None


def attribute(index: _Index, sql: str) -> Found:
    stage = index.stage
    raw = _raw_block(stage, sql)
    if raw is not None:
        return "raw", raw.pos, None
    from .pgsql import _parse, _parser

    parser = _parser()
    try:
        parsed = _parse(sql)
    except parser.ParseError:
        parsed = []
    if len(parsed) == 1:
        ((node, body),) = parsed[0]["stmt"].items()
        found = _find(index, node, body)
        if found is not None:
            return found
    elif not parsed:  # a template wrote something PostgreSQL cannot read: its head still names the table
        found = _by_head(index, sql)
        if found is not None:
            return found
    return "raw", stage.pos, None


def _by_head(index: _Index, sql: str) -> Found | None:
    from .sqltokens import LexError, tokenize

    try:
        tokens = tokenize(sql, limit=6)
    except LexError:
        return None
    words = [t.text.lower() for t in tokens[:2]]
    if words not in (["create", "table"], ["alter", "table"]) or len(tokens) < 3:
        return None
    if len(tokens) >= 5 and tokens[3].text == ".":
        key = (tokens[2].ident, tokens[4].ident)
    else:
        key = ("public", tokens[2].ident)
    return index.get(("relation",) + key, "table" if words[0] == "create" else "alter")


def statements(stage: m.Stage, rendered_sql: str) -> list[Statement]:
    index = _Index(stage)
    out = []
    for text, line in split(rendered_sql):
        kind, pos, table = attribute(index, text)
        out.append(Statement(text, line, pos, kind, table))
    return out
