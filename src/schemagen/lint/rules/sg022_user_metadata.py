from __future__ import annotations

from typing import Iterator

from ...model import Policy, Table
from ..expressions import trusts_user_metadata
from ..registry import PolicyRule, register


@register
class PolicyTrustsUserMetadata(PolicyRule):
    """Policies never decide on ``user_metadata``, which every user can edit.

    ``auth.jwt() -> 'user_metadata'`` (and ``auth.users.raw_user_meta_data``) is
    written by the client: any signed-in user can call ``supabase.auth.updateUser``
    and set ``{"role": "admin"}`` for themselves. A policy that trusts it lets users
    grant themselves access. ``app_metadata`` is set only by the server (service
    role), so it is the place for roles and tenants. This is Supabase's advisor
    ``rls_references_user_metadata``.

    Anti-pattern: ``using: (auth.jwt() -> 'user_metadata' ->> 'role') = 'admin'``
    Best practice: ``using: (select auth.jwt() -> 'app_metadata' ->> 'role') = 'admin'``
    """

    code = "SG022"
    name = "security.user-metadata-in-policy"
    severity = "error"
    checklist = "No policy lets a user read or write other users' rows"

    def check_policy(self, table: Table, policy: Policy) -> Iterator[str]:
        if trusts_user_metadata(policy.using) or trusts_user_metadata(policy.with_check):
            yield (f'policy "{policy.name}" on {table.schema}.{table.name} decides on user_metadata, which every '
                   "user can edit for themselves; use app_metadata (set only by the server) or a table")
