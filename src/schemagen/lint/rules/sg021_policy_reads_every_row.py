from __future__ import annotations

from typing import Iterator

from ...model import Policy, Table
from ..expressions import is_always_true, tied_to_user
from ..registry import PolicyRule, register
from .sg008_always_true_write import END_USER_ROLES


@register
class PolicyReadsEveryRow(PolicyRule):
    """A read policy for end users that ignores who the user is is meant to make rows public.

    A select (or all) policy for ``authenticated``, ``anon`` or ``public`` whose
    ``using`` is ``true``, or holds whoever asks (``is_published``, ``visibility =
    'public'``), lets every user read every row it admits. That is a deliberate
    design in many Supabase apps (public profiles, a product catalogue), and a leak
    everywhere else, so it is a warning to waive with the reason when it is meant.
    The RLS probe of ``validate --live`` reports the same read as V303, at the same
    severity, waived by the same waiver.

    Anti-pattern: ``command: select, roles: [authenticated], using: "true"`` on private data.
    Best practice: ``using: user_id = (select auth.uid())``, or keep it and
    ``waive: {SG021: Profiles are public by design.}``
    """

    code = "SG021"
    name = "security.policy-reads-every-row"
    severity = "warning"
    checklist = "No policy lets a user read or write other users' rows"

    def check_policy(self, table: Table, policy: Policy) -> Iterator[str]:
        if not policy.permissive or policy.command not in ("select", "all") or policy.using is None:
            return
        end_users = sorted((set(policy.roles) or {"public"}) & END_USER_ROLES)
        if not end_users or tied_to_user(policy.using):
            return
        which = "every row" if is_always_true(policy.using) else f"every row for which ( {policy.using} ) holds"
        yield (f'policy "{policy.name}" lets any {" and ".join(end_users)} user read {which} of '
               f"{table.schema}.{table.name}, other users' rows included; right for public data (waive it "
               "with that reason), otherwise restrict it to the owner")
