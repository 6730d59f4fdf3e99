"""PostgreSQL's own spelling of what specs write: types, defaults, checks, policy conditions, index keys.

Comparing the spec's ``user_id = auth.uid()`` with the catalog's
``(user_id = auth.uid())`` by text would be wrong both ways, so PostgreSQL does the
normalising. Each distinct request is made once, in a scratch schema inside a
savepoint that is always rolled back, and read back from the catalog:

- a type, or a default of a type, is a column of one scratch table;
- a check, a policy or an index is made on a scratch table with the spec table's
  columns. Tables with the same columns share one; where the text reads the table's
  own name (a subquery's outer reference prints as ``trip_stops.trip_id``), the
  scratch table has the real table's name, so the spelling is the real one.

All statements travel pipelined (``Session.apply``), so a few round trips serve
thousands of spec objects. A failure is reported once, at every spec object that
asked, in the spec's own names: a scratch name never reaches a message, and a table
whose columns PostgreSQL refuses does not blame each of its checks and policies too.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from . import model as m
from .db import database_message
from .diagnostics import Diagnostic
from .sqltext import quote_ident
from .sqltokens import LexError, tokenize


@dataclass
class Owner:
    """A spec object that asked for a spelling: where to report a failure, and its real names."""

    pos: m.SourcePos
    what: str
    schema: str = "public"
    table: str = ""
    column: str = ""


@dataclass
class Request:
    kind: str  # type, default, check, policy, index
    sql: str
    owners: list[Owner] = field(default_factory=list)
    #: Filled by ``run``: PostgreSQL's spelling (a dict for policies and indexes), or None if refused.
    result: object = None
    failed: bool = False
    #: The scratch table it was made on (checks, policies, indexes), and its own scratch name there
    #: (unique in the schema: index names are per schema, not per table).
    context: "_Context | None" = None
    name: str = ""


@dataclass
class _Context:
    """A scratch table standing for every spec table with these columns (and, if needed, this name)."""

    name: str
    columns: tuple[tuple[str, str], ...]
    schema: str = ""
    requests: list[Request] = field(default_factory=list)
    #: The spec tables it stands for: where a refusal of the columns themselves is reported.
    tables: dict[tuple[str, str], Owner] = field(default_factory=dict)


def _mentions(sql: str, word: str) -> bool:
    """Whether PostgreSQL's spelling of ``sql`` may hold the table's own name: the text names it,
    or has a subquery with a FROM, inside which PostgreSQL prints the outer table's columns
    qualified (``trips.id``). A subquery without one, such as ``(select auth.uid())``, the form
    Supabase recommends in every policy, prints no table name, so such policies share stand-ins."""
    try:
        tokens = tokenize(sql)
    except LexError:
        return True
    words = [t.ident for t in tokens if t.kind in ("word", "quoted_ident")]
    if word in words:
        return True
    return "select" in words and "from" in words[words.index("select"):]


class Normalizer:
    def __init__(self) -> None:
        self.token = secrets.token_hex(3)
        self._counter = 0
        self.values: dict[tuple[str, str | None], Request] = {}
        self.alone: dict[tuple[str, str], Request] = {}
        self.contexts: dict[tuple[str | None, tuple], _Context] = {}
        self.problems: list[Diagnostic] = []
        #: The spec table each problem belongs to, in step with ``problems``.
        self.problem_tables: list[tuple[str, str]] = []

    # --- asking ------------------------------------------------------------------------

    def type(self, text: str, owner: Owner) -> Request:
        return self._value(text, None, owner)

    def default(self, type_text: str, expr: str, owner: Owner) -> Request:
        return self._value(type_text, expr, owner)

    def _value(self, type_text: str, expr: str | None, owner: Owner) -> Request:
        request = self.values.get((type_text, expr))
        if request is None:
            request = self.values[(type_text, expr)] = Request("default" if expr else "type", expr or type_text)
        request.owners.append(owner)
        return request

    def _context(self, table: m.Table, sql: str) -> _Context:
        # with their collations: an index key's ``collate`` equal to its column's is one PostgreSQL
        # then leaves unsaid, as it does on the real table
        columns = tuple((c.name, c.type + (f" collate {quote_ident(c.collation)}" if c.collation else ""))
                        for c in table.columns)
        name = table.name if _mentions(sql, table.name) else None
        key = (name, columns)
        context = self.contexts.get(key)
        if context is None:
            context = self.contexts[key] = _Context(name or f"_sg_c{len(self.contexts)}", columns)
        context.tables.setdefault(table.key, Owner(table.pos, f"the columns of {table.schema}.{table.name}",
                                                   table.schema, table.name))
        return context

    def _table_request(self, kind: str, table: m.Table, sql: str, texts: str, owner: Owner) -> Request:
        context = self._context(table, texts)
        request = next((r for r in context.requests if (r.kind, r.sql) == (kind, sql)), None)
        if request is None:
            request = Request(kind, sql, context=context, name=f"_sg_{kind[0]}{self._counter}")
            self._counter += 1
            context.requests.append(request)
        request.owners.append(owner)
        return request

    def standalone(self, kind: str, statement: str, owner: Owner) -> Request:
        """An object made on its own in the first scratch schema (a function, a view): ``statement``
        has ``{schema}`` where the scratch schema's name goes."""
        request = self.alone.get((kind, statement))
        if request is None:
            request = self.alone[(kind, statement)] = Request(kind, statement, name=f"_sg_{kind[0]}{self._counter}")
            self._counter += 1
        request.owners.append(owner)
        return request

    def check(self, table: m.Table, expression: str, owner: Owner) -> Request:
        return self._table_request("check", table, f"check ({expression})", expression, owner)

    def policy(self, table: m.Table, policy: m.Policy, owner: Owner) -> Request:
        sql = f"as {'permissive' if policy.permissive else 'restrictive'} for {policy.command}"
        if policy.using is not None:
            sql += f" using ({policy.using})"
        if policy.with_check is not None:
            sql += f" with check ({policy.with_check})"
        texts = f"{policy.using or ''} {policy.with_check or ''}"
        return self._table_request("policy", table, sql, texts, owner)

    def generated(self, table: m.Table, column: m.Column, owner: Owner) -> Request:
        """A generated column's expression: a column of that type added to the table's stand-in."""
        sql = f"{column.type} generated always as ({column.generated}) stored"
        return self._table_request("generated", table, sql, column.generated or "", owner)

    def trigger(self, table: m.Table, trigger, owner: Owner) -> Request:
        """A trigger with a ``when`` condition, on the table's scratch stand-in (the function is real)."""
        from .render import trigger_event
        from .sqltext import qualified

        events = " or ".join(trigger_event(e) for e in trigger.events)
        sql = (f"{trigger.timing} {events} on {{table}} for each {trigger.for_each} when ({trigger.when}) "
               f"execute function {qualified(*trigger.function)}()")
        return self._table_request("trigger", table, sql, trigger.when or "", owner)

    def index(self, table: m.Table, index: m.Index, owner: Owner) -> Request:
        from .render import index_key_sql

        sql = f"using {index.method} (" + ", ".join(index_key_sql(e) for e in index.elements) + ")"
        if index.include:
            sql += " include (" + ", ".join(quote_ident(c) for c in index.include) + ")"
        if index.nulls_not_distinct:
            sql += " nulls not distinct"
        if index.parameters:
            sql += " with (" + ", ".join(f"{name} = {value}" for name, value in index.parameters) + ")"
        if index.where is not None:
            sql += f" where {index.where}"
        texts = " ".join([e.expression or "" for e in index.elements] + [index.where or ""])
        return self._table_request("index", table, ("unique " if index.unique else "") + sql, texts, owner)

    # --- answering ---------------------------------------------------------------------

    def run(self, session) -> None:
        """Make every scratch object, read PostgreSQL's spelling back, and roll it all away."""
        if not self.values and not self.contexts and not self.alone:
            return
        schemas = self._place_contexts()
        with session.scratch():
            for _, exc in session.apply([f"create schema {quote_ident(s)}" for s in schemas])[:1]:
                raise exc  # no scratch schema, no normalising (a user without create on the database)
            self._run_values(session, schemas[0])
            self._run_contexts(session)
            self._run_alone(session, schemas[0])

    def _place_contexts(self) -> list[str]:
        """Scratch schemas, so that no two scratch tables of one schema share a name."""
        schemas = [f"_schemagen_{self.token}_0"]
        used: list[set[str]] = [set()]
        for context in self.contexts.values():
            slot = next((i for i, names in enumerate(used) if context.name not in names), None)
            if slot is None:
                slot = len(schemas)
                schemas.append(f"_schemagen_{self.token}_{slot}")
                used.append(set())
            used[slot].add(context.name)
            context.schema = schemas[slot]
        return schemas

    def _run_values(self, session, schema: str) -> None:
        """Each type and default as the one column of a table of its own. ``create table`` stores a
        default without evaluating it, where ``add column`` evaluates a non-volatile one at once
        (to fill existing rows): on a user's server that would run the spec's expression, and an
        error could carry what it read (``table_to_xml('auth.users', …)::text::integer``)."""
        if not self.values:
            return
        requests = list(self.values.values())
        statements = [f"create table {quote_ident(schema)}._sg_value_{i} (v {type_text}"
                      + (f" default {expr}" if expr else "") + "\n)"
                      for i, (type_text, expr) in enumerate(self.values)]
        failed = set()
        for i, exc in session.apply(statements):
            failed.add(i)
            requests[i].failed = True
            self._report(requests[i], exc, "v", f"_sg_value_{i}")
        rows = session.query(
            "select c.relname, format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid), "
            "format_type(a.atttypid, null) "
            "from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'v' "
            "left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum "
            "where c.relnamespace = :s::regnamespace and c.relname like '\\_sg\\_value\\_%'", s=quote_ident(schema))
        for name, type_name, default, bare_type in rows:
            i = int(name[len("_sg_value_"):])
            if i not in failed:
                # (the type as a column has it, its default, the type as a signature has it: no modifier)
                requests[i].result = (type_name, default, bare_type)

    def _run_contexts(self, session) -> None:
        statements: list[str] = []
        targets: list[tuple[_Context, Request | None, str]] = []
        for context in self.contexts.values():
            table = f"{quote_ident(context.schema)}.{quote_ident(context.name)}"
            columns = ", ".join(f"{quote_ident(name)} {type_text}" for name, type_text in context.columns)
            statements.append(f"create table {table} ({columns})")
            targets.append((context, None, context.name))
            for request in context.requests:
                name = request.name
                if request.kind == "check":
                    statements.append(f"alter table {table} add constraint {name} {request.sql}")
                elif request.kind == "policy":
                    statements.append(f"create policy {name} on {table} {request.sql}")
                elif request.kind == "trigger":
                    statements.append(f"create trigger {name} " + request.sql.replace("{table}", table))
                elif request.kind == "generated":
                    statements.append(f"alter table {table} add column {name} {request.sql}")
                else:
                    unique = request.sql.startswith("unique ")
                    statements.append(f"create {'unique ' if unique else ''}index {name} on {table} "
                                      f"{request.sql.removeprefix('unique ')}")
                targets.append((context, request, name))
        blocked: set[int] = set()
        for index, exc in session.apply(statements):
            context, request, _ = targets[index]
            if request is None:  # the table itself: its objects fail for the same reason, said once
                blocked.add(id(context))
                self._report_context(context, exc)
            elif id(context) not in blocked:
                request.failed = True
                self._report(request, exc)
            else:
                request.failed = True
        self._read_contexts(session)

    def _read_contexts(self, session) -> None:
        schemas = sorted({c.schema for c in self.contexts.values()})
        by_name: dict[tuple[str, str, str], Request] = {}
        for context in self.contexts.values():
            for request in context.requests:
                by_name[(context.schema, context.name, request.name)] = request
        from .kinds.index.catalog import read_index_rows
        from .kinds.policy.catalog import read_policy_rows

        for schema, table, name, definition, columns in session.query(
                "select n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid, true), "
                "array(select a.attname from unnest(k.conkey) with ordinality u(n, i) join pg_attribute a "
                "on a.attrelid = k.conrelid and a.attnum = u.n order by u.i)::text[] from pg_constraint k "
                "join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = any(:s) and k.contype = 'c'", s=schemas):
            by_name[(schema, table, name)].result = (definition, tuple(columns))
        for (schema, table, name), facts in read_policy_rows(session, schemas).items():
            by_name[(schema, table, name)].result = facts
        for (schema, table, name), facts in read_index_rows(session, schemas).items():
            by_name[(schema, table, name)].result = facts
        generated = {(c.schema, c.name, r.name): r for c in self.contexts.values() for r in c.requests
                     if r.kind == "generated" and not r.failed}
        if generated:
            for schema, table, name, expression in session.query(
                    "select n.nspname, c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid) from pg_attribute a "
                    "join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
                    "join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum "
                    "where n.nspname = any(:s) and a.attgenerated = 's'", s=schemas):
                if (schema, table, name) in generated:
                    generated[(schema, table, name)].result = expression
        if any(r.kind == "trigger" for c in self.contexts.values() for r in c.requests):
            from .kinds.trigger.catalog import read_rows as read_trigger_rows

            for (schema, table, name), facts in read_trigger_rows(session, schemas).items():
                by_name[(schema, table, name)].result = facts

    def _run_alone(self, session, schema: str) -> None:
        if not self.alone:
            return
        requests = list(self.alone.values())
        # bodies are checked when the real function is made; here only its spelling is wanted
        statements = ["set local check_function_bodies = off"]
        statements += [r.sql.replace("{schema}", quote_ident(schema), 1).replace("{name}", quote_ident(r.name), 1)
                       for r in requests]
        for index, exc in session.apply(statements):
            if index:
                requests[index - 1].failed = True
                self._report(requests[index - 1], exc)
        readers = {"function": "schemagen.kinds.function.catalog", "view": "schemagen.kinds.view.catalog",
                   "domain": "schemagen.kinds.domain.catalog"}
        import importlib

        for kind, module in readers.items():
            wanted = {r.name: r for r in requests if r.kind == kind and not r.failed}
            if not wanted:
                continue
            for key, facts in importlib.import_module(module).read_rows(session, [schema]).items():
                request = wanted.get(key[1])
                if request is not None:
                    request.result = (key, facts)

    # --- telling -----------------------------------------------------------------------

    def _real_message(self, exc: BaseException, owner: Owner, context: _Context | None = None,
                      column: str = "", table: str = "") -> str:
        """PostgreSQL's message in the spec's names: scratch schemas and tables never show."""
        text = database_message(exc)
        if context is not None:
            text = text.replace(f"{context.schema}.{context.name}", f"{owner.schema}.{owner.table}")
            text = text.replace(f'"{context.name}"', f'"{owner.table}"')
        text = re.sub(r"_schemagen_[0-9a-f]+_\d+\.", f"{owner.schema}.", text)
        if table:
            text = text.replace(f'"{table}"', f'"{owner.table}"')
        if column:
            text = text.replace(f'"{column}"', f'"{owner.column}"')
        return text

    def _report(self, request: Request, exc: BaseException, column: str = "", table: str = "") -> None:
        for owner in request.owners:
            self._problem(owner, f"PostgreSQL rejects {owner.what}: "
                                 f"{self._real_message(exc, owner, request.context, column, table)}")

    def _problem(self, owner: Owner, message: str) -> None:
        self.problems.append(Diagnostic(owner.pos, "V201", "error", message))
        self.problem_tables.append((owner.schema, owner.table))

    def _report_context(self, context: _Context, exc: BaseException) -> None:
        """The columns refused: said once per table, unless a type of theirs already said why."""
        refused_values = {(o.schema, o.table) for r in self.values.values() if r.failed for o in r.owners}
        for owner in context.tables.values():
            if (owner.schema, owner.table) in refused_values:
                continue
            self._problem(owner, f"PostgreSQL rejects {owner.what}: {self._real_message(exc, owner, context)}")
