from __future__ import annotations

from typing import Iterator

from ...model import Project
from ..registry import Finding, Rule, register


@register
class DefinerWithoutSearchPath(Rule):
    """Every security definer function fixes its ``search_path``.

    A security definer function runs with its owner's rights (on Supabase,
    ``postgres``). Without ``set search_path``, the names in its body are looked up
    in the caller's search path, so a caller who can create objects puts a table or
    function of their own first and has the function use it with the owner's rights.
    This is Supabase's advisor ``function_search_path_mutable``, and what
    PostgreSQL's manual asks of every security definer function.

    Anti-pattern: ``security: definer`` with no ``search_path``.
    Best practice: ``search_path: []`` (``set search_path = ''``) and schema-qualified
    names in the body (``public.profiles``, ``auth.uid()``).
    """

    code = "SG024"
    name = "security.definer-search-path"
    severity = "error"
    checklist = "Functions, views, grants and extensions are safe to expose"

    def check(self, project: Project) -> Iterator[Finding]:
        for function in project.objects("Function"):
            if function.security == "definer" and function.search_path is None:
                yield Finding(function.pos, f"security definer function {function.schema}.{function.name} does not "
                              "fix its search_path, so a caller's own objects can stand in for the ones it names "
                              "and run with its owner's rights; add 'search_path: []' and qualify the names in "
                              "its body", function.waivers)
