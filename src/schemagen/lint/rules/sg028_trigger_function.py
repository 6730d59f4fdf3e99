from __future__ import annotations

from typing import Iterator

from ...model import Project, RawSql
from ...sqltokens import LexError, tokenize
from ..registry import Finding, Rule, register

#: Schemas whose functions the platform or PostgreSQL provides: lint cannot see them, so trusts them.
PROVIDED_SCHEMAS = {"pg_catalog", "extensions", "auth", "storage", "realtime", "supabase_functions"}


def _raw_creates_function(blocks: tuple[RawSql, ...], schema: str, name: str) -> bool:
    """Whether a raw SQL block holds ``create [or replace] function [schema.]name``."""
    for block in blocks:
        try:
            words = [t.ident if t.kind in ("word", "quoted_ident") else t.text for t in tokenize(block.sql)]
        except LexError:
            continue
        for i, word in enumerate(words):
            if word != "function" or i == 0 or words[i - 1] not in ("create", "replace"):
                continue
            named = words[i + 1:i + 4]
            if named[:3] == [schema, ".", name] or (schema == "public" and named[:1] == [name] and
                                                     named[1:2] != ["."]):
                return True
    return False


@register
class TriggerFunctionMissing(Rule):
    """Every trigger calls a function the specs define, and that function ``returns trigger``.

    PostgreSQL refuses ``create trigger`` when its function does not exist or does not
    return ``trigger``, so the migration fails when it is applied, often far from
    where the mistake is. Lint finds it while editing: the function must be one of
    the stages' ``functions`` (or created by their raw SQL, or an extension's). The
    platform's and extensions' functions (``extensions.moddatetime``) are trusted.

    Anti-pattern: ``function: public.set_updated_at`` with no such function, or one
    that ``returns: void``.
    Best practice: define it under ``functions:`` with ``returns: trigger``.
    """

    code = "SG028"
    name = "correctness.trigger-function"
    severity = "error"
    checklist = "Triggers call trigger functions"

    def check(self, project: Project) -> Iterator[Finding]:
        functions = {f.key: f for f in project.objects("Function")}
        extensions = {e.name for e in project.objects("Extension")}
        raw = tuple(block for stage in project.stages for block in stage.sql_before + stage.sql_after)
        for host in project.hosts:
            for trigger in host.triggers:
                schema, name = trigger.function
                function = functions.get(trigger.function)
                where = f"trigger {trigger.name} on {host.schema}.{host.name}"
                if function is not None:
                    if not function.returns_trigger:
                        yield Finding(trigger.pos, f"{where} calls {schema}.{name}, which returns {function.returns}, "
                                      "not trigger; PostgreSQL refuses it: write 'returns: trigger'",
                                      trigger.waivers + host.waivers)
                    continue
                if schema in PROVIDED_SCHEMAS or name in extensions or _raw_creates_function(raw, schema, name):
                    continue
                yield Finding(trigger.pos, f"{where} calls {schema}.{name}, which no stage defines; PostgreSQL "
                              "refuses the trigger: add it under functions: with 'returns: trigger'",
                              trigger.waivers + host.waivers)
