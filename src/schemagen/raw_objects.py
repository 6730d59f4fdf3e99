"""What the specs' raw SQL blocks create, read with PostgreSQL's parser.

Raw SQL is the escape hatch for what the spec language does not model. Its objects
are still the specs' own: drift must not call them "extra", and should notice when
one is gone. So each block is parsed, the objects it creates are named in the keys
the kinds use, and the statements drift cannot compare (a ``do`` block, a sequence)
are listed, so a report can say so instead of implying it checked them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import model as m


@dataclass
class RawObjects:
    #: (family, key without argument types) → the block that creates it.
    created: dict[tuple, m.RawSql] = field(default_factory=dict)
    #: Statements drift does not compare: (block, what the statement does).
    uncompared: list[tuple[m.RawSql, str]] = field(default_factory=list)

    def creates(self, family: str, key: tuple) -> m.RawSql | None:
        return self.created.get((family, key[:2] if family == "function" else key))


def _names(items: list[dict]) -> tuple[str, ...]:
    return tuple(item["String"]["sval"] for item in items if "String" in item)


def _qualified(names: tuple[str, ...]) -> tuple[str, str]:
    return (names[0], names[1]) if len(names) >= 2 else ("public", names[0])


def _relation(range_var: dict) -> tuple[str, str]:
    return (range_var.get("schemaname", "public"), range_var["relname"])


#: Statement kinds that change or make nothing drift compares (or nothing at all).
_NEUTRAL = {"CommentStmt", "VariableSetStmt", "SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt",
            "AlterTableStmt", "GrantStmt", "GrantRoleStmt", "AlterDefaultPrivilegesStmt", "DropStmt",
            "CreateSchemaStmt", "AlterEnumStmt", "AlterFunctionStmt", "AlterOwnerStmt", "AlterSeqStmt",
            "AlterPublicationStmt"}


def raw_objects(project: m.Project) -> RawObjects:
    from .pgsql import _parse, _parser

    parser = _parser()
    out = RawObjects()
    for stage in project.stages:
        for raw in stage.sql_before + stage.sql_after:
            try:
                parsed = _parse(raw.sql)
            except parser.ParseError:
                continue
            for statement in parsed:
                ((node, body),) = statement["stmt"].items()
                for added in _added_constraints(node, body):
                    out.created[added] = raw
                found = _created(node, body)
                if found is not None:
                    out.created[found] = raw
                elif node not in _NEUTRAL:
                    out.uncompared.append((raw, _describe(node)))
    return out


def _created(node: str, body: dict) -> tuple | None:
    if node == "CreateStmt":
        return ("table", _relation(body["relation"]))
    if node == "IndexStmt" and body.get("idxname"):
        table = _relation(body["relation"])
        return ("index", table + (body["idxname"],))
    if node == "CreatePolicyStmt":
        return ("policy", _relation(body["table"]) + (body["policy_name"],))
    if node == "CreateFunctionStmt" and not body.get("is_procedure"):  # procedures are not read: uncompared
        return ("function", _qualified(_names(body["funcname"])))
    if node == "CreateTrigStmt":
        return ("trigger", _relation(body["relation"]) + (body["trigname"],))
    if node == "CreateEnumStmt":
        return ("enum", _qualified(_names(body["typeName"])))
    if node == "ViewStmt":
        return ("view", _relation(body["view"]))
    if node == "CreateTableAsStmt" and body.get("objtype") == "OBJECT_MATVIEW":
        return ("view", _relation(body["into"]["rel"]))
    if node == "CreateExtensionStmt":
        return ("extension", (body["extname"],))
    if node == "CreateDomainStmt":
        return ("domain", _qualified(_names(body["domainname"])))
    if node == "CreateSeqStmt":
        return ("sequence", _relation(body["sequence"]))
    if node == "CreatePublicationStmt":
        return ("publication", (body["pubname"],))
    return None


def _added_constraints(node: str, body: dict) -> list[tuple]:
    """``alter table … add constraint NAME …``: a constraint the raw SQL makes, by name (a second
    copy of a reference, one the spec language cannot say)."""
    if node != "AlterTableStmt" or body.get("objtype") != "OBJECT_TABLE":
        return []
    table = _relation(body["relation"])
    return [("constraint", table + (constraint["conname"],))
            for cmd in body.get("cmds", ())
            if cmd["AlterTableCmd"].get("subtype") == "AT_AddConstraint"
            for constraint in [cmd["AlterTableCmd"].get("def", {}).get("Constraint", {})]
            if constraint.get("conname")]


def _describe(node: str) -> str:
    words = {"DoStmt": "a do block", "CreateSeqStmt": "a sequence", "CreateDomainStmt": "a domain",
             "CompositeTypeStmt": "a composite type", "CreatePublicationStmt": "a publication",
             "AlterPublicationStmt": "a publication change", "CreateRoleStmt": "a role",
             "CreateTableAsStmt": "a table made from a query", "RuleStmt": "a rule",
             "CreateFunctionStmt": "a procedure"}
    return words.get(node, node.removesuffix("Stmt").lower())
