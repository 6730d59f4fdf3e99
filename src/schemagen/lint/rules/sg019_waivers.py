from __future__ import annotations

from typing import Iterator

from ...model import Project
from ..registry import Finding, Rule, register


@register
class StaleWaiver(Rule):
    """Every waiver names an existing rule and still silences a finding.

    A waiver is a reviewed exception. One whose rule code is misspelled silences
    nothing (the finding it meant stays), and one whose finding is gone, because the
    object was fixed, would silently excuse the next problem of that kind on the
    same object. Remove or correct it, as ruff's unused-noqa check asks.

    The lint runner produces these findings itself, after every other rule has run.
    """

    code = "SG019"
    name = "lint.stale-waiver"
    severity = "warning"
    checklist = "Waivers are current"

    def check(self, project: Project) -> Iterator[Finding]:
        return iter(())
