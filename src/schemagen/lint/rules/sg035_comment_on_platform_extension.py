from __future__ import annotations

from typing import Iterable

from ...model import Project
from ...platform import PRIVILEGED_EXTENSIONS
from ..registry import Finding, Rule, register

#: Extensions PostgreSQL 15 marks trusted: a role with create on the database makes them itself,
#: and owns them. The platform's other extensions are made by its admin (supautils).
TRUSTED = frozenset("""
    btree_gin btree_gist citext cube dict_int fuzzystrmatch hstore intarray isn lo ltree pg_trgm pgcrypto
    plpgsql seg tablefunc tcn tsm_system_rows tsm_system_time unaccent uuid-ossp
""".split())


@register
class CommentOnPlatformExtension(Rule):
    """A comment is only written on an extension the migration role owns.

    On Supabase an extension that PostgreSQL does not mark trusted (``vector``, ``pg_net``,
    ``pg_cron`` …) is made by the platform's admin on ``postgres``'s behalf, so ``postgres`` does
    not own it, and ``comment on extension`` fails with "must be owner of extension": the stage
    does not apply. Say what the extension is for in the stage's notes instead.

    Anti-pattern: ``extensions: [{name: vector, schema: extensions, comment: Embeddings.}]``
    Best practice: ``extensions: [{name: vector, schema: extensions}]``, and the reason in ``notes``
    """

    code = "SG035"
    name = "correctness.comment-on-platform-extension"
    severity = "error"
    checklist = "Functions, views, grants and extensions are safe to expose"

    def check(self, project: Project) -> Iterable[Finding]:
        if not any(stage.platform == "supabase" for stage in project.stages):
            return
        for extension in project.objects("Extension"):
            if extension.comment is None or extension.provided_by is not None:
                continue
            if extension.name in PRIVILEGED_EXTENSIONS and extension.name not in TRUSTED:
                yield Finding(extension.pos, f"extension {extension.name} has a comment, but on Supabase the "
                              "platform's admin makes it, so postgres does not own it and `comment on extension` "
                              "fails (must be owner): remove the comment and say it in the stage's notes",
                              extension.waivers)
