from __future__ import annotations

from typing import Iterator

from ...keywords import ALL_KEYWORDS
from ...model import Project, SourcePos, Stage, Table, Waiver
from ...sqltokens import tokenize
from ..registry import Finding, Rule, register


def _fragments(table: Table) -> Iterator[tuple[str, str, SourcePos, tuple[Waiver, ...]]]:
    for column in table.columns:
        if column.default is not None and column.default.literal is None:
            yield "default of " + column.name, column.default.sql, column.pos, column.waivers
        if column.check is not None and column.check.values is None:
            yield "check on " + column.name, column.check.expression, column.check.pos, column.waivers
    for check in table.checks:
        yield "check", check.expression, check.pos, ()
    for policy in table.policies:
        for part in (policy.using, policy.with_check):
            if part is not None:
                yield f'policy "{policy.name}"', part, policy.pos, policy.waivers
    for index in table.indexes:
        for element in index.elements:
            if element.expression is not None:
                yield f"index {index.name}", element.expression, index.pos, index.waivers
        if index.where is not None:
            yield f"index {index.name}", index.where, index.pos, index.waivers


@register
class KeywordsLowercase(Rule):
    """SQL keywords in spec expressions are written in lowercase.

    The house style of every stage document is lowercase SQL; schemagen's templates
    write their own keywords that way, so only the SQL you put in a spec (defaults,
    checks, policy expressions, index expressions and predicates, raw SQL blocks)
    can break it. The check uses PostgreSQL's own keyword list and skips string
    literals and quoted identifiers.

    Anti-pattern: ``using: user_id = AUTH.UID() AND is_active``
    Best practice: ``using: user_id = (select auth.uid()) and is_active``
    """

    code = "SG001"
    name = "style.keywords-lowercase"
    severity = "warning"
    checklist = "All keywords lowercase"

    def check(self, project: Project) -> Iterator[Finding]:
        for stage in project.stages:
            for raw in stage.sql_before + stage.sql_after:
                yield from self._scan(f"raw SQL '{raw.name}'", raw.sql, raw.pos, ())
        yield from super().check(project)

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        for where, sql, pos, waivers in _fragments(table):
            yield from self._scan(where, sql, pos, waivers + table.waivers)

    def _scan(self, where: str, sql: str, pos: SourcePos, waivers) -> Iterator[Finding]:
        upper = [t.text for t in tokenize(sql)
                 if t.kind == "word" and t.text.lower() in ALL_KEYWORDS and t.text != t.text.lower()]
        if upper:
            words = ", ".join(dict.fromkeys(upper))
            yield Finding(pos, f"{where} has uppercase keywords ({words}); write them in lowercase",
                          waivers)
