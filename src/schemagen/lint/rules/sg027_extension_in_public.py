from __future__ import annotations

from typing import Iterator

from ...model import Project
from ..registry import Finding, Rule, register


@register
class ExtensionInPublic(Rule):
    """Extensions are installed outside ``public``.

    An extension's functions, types and operators land in its schema. In ``public``
    the Data API serves its functions as RPC endpoints to ``anon`` and
    ``authenticated``, and its objects crowd the schema your own tables live in
    (and type generators read). Supabase keeps extensions in ``extensions``, which
    is on every role's search path. This is Supabase's advisor ``extension_in_public``.

    Anti-pattern: ``extensions: [{name: pg_trgm}]`` (PostgreSQL picks ``public``).
    Best practice: ``extensions: [{name: pg_trgm, schema: extensions}]``.
    """

    code = "SG027"
    name = "security.extension-in-public"
    severity = "warning"
    checklist = "Functions, views, grants and extensions are safe to expose"

    def check(self, project: Project) -> Iterator[Finding]:
        for extension in project.objects("Extension"):
            if extension.created_here and extension.schema in (None, "public"):
                where = "is created in public" if extension.schema else "names no schema, so it lands in public"
                yield Finding(extension.pos, f"extension {extension.name} {where}, where the Data API serves its "
                              "functions; add 'schema: extensions'", extension.waivers)
