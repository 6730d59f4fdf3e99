"""The lint rule contract and registry.

A rule is a small class with a stable code, a dotted name, a severity, the checklist
item it measures, and a docstring whose first line is its summary and whose body
(why it matters, the anti-pattern, the fix) becomes its page in docs/lint.md.
"""

from __future__ import annotations

import inspect
from typing import ClassVar, Iterable, Iterator, NamedTuple

from ..diagnostics import Severity
from ..model import Attachment, Policy, Project, SourcePos, Stage, Table, Waiver

#: The stage document's checklist, in order. The first four items are the ones the
#: Stage 5 seed ticks by hand; schemagen measures them and adds what the
#: Supabase advisors check.
CHECKLIST = (
    "All keywords lowercase",
    "All tables have comments",
    "RLS enabled, with policies, on every table",
    "Granular policies",
    "No policy lets a user read or write other users' rows",
    "Policies evaluate auth functions once per statement",
    "Proper indexes",
    "Performance indexes",
    "Every table has a primary key",
    "Names fit PostgreSQL's 63-byte limit",
    "Diagrams agree with the tables",
    "Functions, views, grants and extensions are safe to expose",
    "Triggers call trigger functions",
    "Defaults and scheduled jobs name what exists",
    "Waivers are current",
)


class Finding(NamedTuple):
    """What a rule reports; the runner turns it into a Diagnostic, applying waivers."""

    pos: SourcePos
    message: str
    #: Waivers in scope: the object's own, then its table's.
    waivers: tuple[Waiver, ...] = ()


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    checklist: ClassVar[str]

    @classmethod
    def summary(cls) -> str:
        return inspect.getdoc(cls).splitlines()[0]

    @classmethod
    def explanation(cls) -> str:
        return "\n".join(inspect.getdoc(cls).splitlines()[1:]).strip()

    def check(self, project: Project) -> Iterable[Finding]:
        for stage in project.stages:
            for table in stage.tables:
                yield from self.check_table(table, stage, project)
            for attachment in stage.attachments:
                yield from self.check_attachment(attachment, stage, project)

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        return iter(())

    def check_attachment(self, attachment: Attachment, stage: Stage, project: Project) -> Iterator[Finding]:
        """What a stage adds to a table it does not create (policies on storage.objects, say)."""
        return iter(())


class PolicyRule(Rule):
    """A rule that judges one policy at a time; the policy's and its table's waivers apply."""

    #: Whether the rule can judge a policy on a table the stage does not create, where it sees
    #: the policy but not the table's own indexes or other policies.
    on_attachments: ClassVar[bool] = True

    def check_attachment(self, attachment: Attachment, stage: Stage, project: Project) -> Iterator[Finding]:
        if self.on_attachments:
            yield from self.check_table(attachment, stage, project)

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        for policy in table.policies:
            for message in self.check_policy(table, policy):
                yield Finding(policy.pos, message, policy.waivers + table.waivers)

    def check_policy(self, table: Table, policy: Policy) -> Iterator[str]:
        return iter(())


RULES: dict[str, type[Rule]] = {}


def register(rule: type[Rule]) -> type[Rule]:
    assert rule.code not in RULES, f"duplicate rule code {rule.code}"
    assert rule.checklist in CHECKLIST, f"{rule.code}: unknown checklist item {rule.checklist!r}"
    assert inspect.getdoc(rule), f"{rule.code} needs a docstring: it is the rule's documentation"
    RULES[rule.code] = rule
    return rule
