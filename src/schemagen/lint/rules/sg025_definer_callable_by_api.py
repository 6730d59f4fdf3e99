from __future__ import annotations

from typing import Iterator

from ...model import Project
from ..privileges import API_ROLES, EXPOSED_SCHEMAS, can, explicitly_granted, holders
from ..registry import Finding, Rule, register


@register
class DefinerCallableByApiRoles(Rule):
    """No security definer function in an exposed schema is callable by ``anon`` or ``authenticated`` by default.

    The Data API serves every function in ``public`` as ``/rest/v1/rpc/<name>``,
    and Supabase's default privileges let ``anon`` and ``authenticated`` execute
    each one (PostgreSQL already lets ``public``). A security definer function runs
    with its owner's rights, past RLS, so anyone holding the anon key can call it
    with arguments of their choosing. Revoke execute from the roles that should not
    call it; a grant the spec writes itself (a helper policies call needs
    ``authenticated``) is taken as meant. Trigger functions cannot be called this
    way and are left alone. This is Supabase's advisors
    ``anon_security_definer_function_executable`` and
    ``authenticated_security_definer_function_executable``.

    Anti-pattern: ``security: definer`` in public with no grants.
    Best practice: ``grants: [{privileges: [execute], to: [public, anon], revoke: true},
    {privileges: [execute], to: [authenticated]}]``, or move the function to a
    schema the API does not serve.
    """

    code = "SG025"
    name = "security.definer-callable-by-api"
    severity = "warning"
    checklist = "Functions, views, grants and extensions are safe to expose"

    def check(self, project: Project) -> Iterator[Finding]:
        for stage in project.stages:
            for function in stage.objects:
                if type(function).__name__ != "Function" or function.security != "definer" or \
                        function.returns_trigger or function.schema not in EXPOSED_SCHEMAS:
                    continue
                held = holders(function.grants, "execute", "function", platform=stage.platform,
                               schema=function.schema)
                meant = explicitly_granted(function.grants, "execute", "function")
                callers = [role for role in API_ROLES if can(role, held) and role not in meant]
                if callers:
                    yield Finding(function.pos, f"security definer function {function.schema}.{function.name} can be "
                                  f"called by {' and '.join(callers)} through the Data API (rpc/{function.name}) and "
                                  "runs past RLS with its owner's rights; revoke execute from "
                                  f"{', '.join(['public'] + callers)} in its grants, or grant it explicitly if meant",
                                  function.waivers)
