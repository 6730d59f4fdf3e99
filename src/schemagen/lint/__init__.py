"""Lint: the stage checklist and Supabase's advisors, measured on the model.

Rules read only the model (no database, no SQL parser), so lint is cheap enough to
run on every ``generate`` and ``check``: the checklist in each stage document is
built from these results, never written by hand.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

from ..codes import WAIVABLE
from ..diagnostics import Diagnostic, counted, did_you_mean, sort_diagnostics
from ..model import Project, Stage, Table, Waiver
from . import rules as _rules  # noqa: F401  (registers the rules)
from .registry import CHECKLIST, RULES

STALE_WAIVER = "SG019"


def _all_waivers(project: Project) -> list[Waiver]:
    found: list[Waiver] = []
    for host in project.hosts:
        found.extend(host.waivers)
        columns = host.columns if isinstance(host, Table) else ()  # an attachment's are its target's
        for group in (columns, host.policies, host.indexes, host.triggers, host.grants):
            for obj in group:
                found.extend(obj.waivers)
    for stage in project.stages:
        for obj in stage.objects:
            found.extend(getattr(obj, "waivers", ()))
            for grant in getattr(obj, "grants", ()):
                found.extend(grant.waivers)
    return found


def run_lint(project: Project) -> list[Diagnostic]:
    used: set[tuple] = set()
    out: list[Diagnostic] = []
    for code, rule_class in RULES.items():
        rule = rule_class()
        for finding in rule.check(project):
            waiver = next((w for w in finding.waivers if w.code == code), None)
            if waiver is not None:
                used.add((waiver.pos, waiver.code))
            out.append(Diagnostic(finding.pos, code, rule.severity, finding.message,
                                  waived=waiver.reason if waiver else None))
    stale = RULES[STALE_WAIVER]
    for waiver in _all_waivers(project):
        if (waiver.pos, waiver.code) in used:
            continue
        if waiver.code in WAIVABLE:
            continue  # a validation finding's waiver: only validate --live can tell whether it is used
        if waiver.code not in RULES:
            message = f"waiver for unknown rule '{waiver.code}'" + did_you_mean(waiver.code, set(RULES) | WAIVABLE)
        else:
            message = (f"waiver for {waiver.code} silences nothing here; remove it "
                       "(the problem it excused is gone)")
        out.append(Diagnostic(waiver.pos, STALE_WAIVER, stale.severity, message))
    return sort_diagnostics(out)


def failing(diagnostics: Sequence[Diagnostic], fail_on: str = "error") -> list[Diagnostic]:
    """Unwaived findings at or above ``fail_on``: what makes ``lint`` exit 1."""
    levels = {"error": ("error",), "warning": ("error", "warning"), "info": ("error", "warning", "info")}
    return [d for d in diagnostics if d.waived is None and d.severity in levels[fail_on]]


class ChecklistItem(NamedTuple):
    """One line of a stage document's checklist, with the findings behind it."""

    title: str
    failures: tuple[Diagnostic, ...]
    waived: tuple[Diagnostic, ...]
    #: Informational findings, summarised rather than listed one by one.
    notes: tuple[tuple[str, int, str], ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def checklist(diagnostics: Sequence[Diagnostic]) -> list[ChecklistItem]:
    items = []
    for title in CHECKLIST:
        codes = {code for code, rule in RULES.items() if rule.checklist == title}
        mine = [d for d in diagnostics if d.code in codes]
        infos: dict[str, int] = {}
        for d in mine:
            if d.severity == "info" and d.waived is None:
                infos[d.code] = infos.get(d.code, 0) + 1
        items.append(ChecklistItem(
            title=title,
            failures=tuple(d for d in mine if d.waived is None and d.severity != "info"),
            waived=tuple(d for d in mine if d.waived is not None),
            notes=tuple((code, count, RULES[code].summary()) for code, count in sorted(infos.items())),
        ))
    return items


def readiness(stage: Stage, diagnostics: Sequence[Diagnostic]) -> str:
    errors = len(failing(diagnostics))
    if errors:
        return f"❌ Not ready for migration: {counted(errors, 'lint error')} to fix"
    if stage.status in ("ready", "applied"):
        return "✅ Ready for migration"
    return "📝 Not yet marked ready"
