from __future__ import annotations

from typing import Iterator

from ...model import Project
from ..privileges import API_ROLES, EXPOSED_SCHEMAS, can, holders
from ..registry import Finding, Rule, register


@register
class ViewBypassesRls(Rule):
    """Views the API serves read their tables as the querying user (``security_invoker``).

    A view runs its query with its owner's rights, so the row level security of the
    tables it reads does not apply: a view in ``public`` over a table with owner-only
    policies shows every user's rows to anyone who can select from the view, which on
    Supabase is ``anon`` and ``authenticated`` by default. PostgreSQL 15 added
    ``security_invoker``, which makes the view check the tables' policies for the
    user who queries it. This is Supabase's advisor ``security_definer_view``.
    Materialized views cannot be security invoker; revoke select on them instead.

    Anti-pattern: a view in public without ``security_invoker: true``.
    Best practice: ``security_invoker: true``, or revoke select from anon and
    authenticated when only the backend reads it.
    """

    code = "SG026"
    name = "security.view-bypasses-rls"
    severity = "error"
    checklist = "Functions, views, grants and extensions are safe to expose"

    def check(self, project: Project) -> Iterator[Finding]:
        for stage in project.stages:
            for view in stage.objects:
                if type(view).__name__ != "View" or view.schema not in EXPOSED_SCHEMAS or view.security_invoker:
                    continue
                held = holders(view.grants, "select", "view", platform=stage.platform, schema=view.schema)
                readers = [role for role in API_ROLES if can(role, held)]
                if not readers:
                    continue
                fix = ("revoke select from them" if view.materialized
                       else "add 'security_invoker: true' or revoke select from them")
                yield Finding(view.pos, f"{'materialized ' if view.materialized else ''}view {view.schema}.{view.name} "
                              f"reads its tables with its owner's rights, past their RLS, and {' and '.join(readers)} "
                              f"can select from it through the Data API; {fix}", view.waivers)
