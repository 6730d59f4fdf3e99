from __future__ import annotations

from typing import Iterator

from ...model import Policy, Table
from ..expressions import is_always_true, owner_columns, tied_to_user
from ..registry import PolicyRule, register

#: Roles whose members are end users: every signed-in user, every visitor, everyone.
END_USER_ROLES = {"authenticated", "anon", "public"}
WRITES = {"insert": "create", "update": "change", "delete": "delete", "all": "read and write"}


def _open_clause(policy: Policy) -> tuple[str, str] | None:
    """The clause that does not tell one user's rows from another's, if any (where the hole is),
    and why: always true, or true whoever asks."""
    clauses = []
    if policy.command in ("update", "delete", "all") and policy.using is not None:
        clauses.append(("using", policy.using))
    check = policy.with_check
    if check is None and policy.command in ("update", "all"):
        check = policy.using
    if policy.command in ("insert", "update", "all") and check is not None:
        clauses.append(("with check", check))
    for keyword, sql in clauses:
        if is_always_true(sql):
            return f"{keyword} ( {sql} )", "is always true"
    for keyword, sql in clauses:
        if not tied_to_user(sql):
            return f"{keyword} ( {sql} )", "does not depend on who the user is, so it holds for their rows alike"
    return None


@register
class AlwaysTrueWritePolicy(PolicyRule):
    """No permissive write policy for end users has a condition that ignores who the user is.

    ``authenticated`` is not "our backend": it is every signed-in end user of the
    project, and ``anon``/``public`` are everyone. A write policy (insert, update,
    delete or all) for those roles whose ``using`` or ``with check`` is ``true``, or
    holds whoever asks (``user_id is not null``, ``1 = 1``, ``auth.role() =
    'authenticated'``), lets any user create, change or delete every row, including
    other users' rows. Backend processes should use the ``service_role`` key, which
    bypasses RLS and needs no policy at all. A condition that calls a function lint
    cannot see into (a helper such as ``private.is_member(org_id)``) is given the
    benefit of the doubt; the RLS probe of ``validate --live`` tests it.

    Anti-pattern: ``command: update, roles: [authenticated], using: "true"``
    Best practice: drop the policy and write from the backend with service_role, or
    restrict it to the row's owner: ``using: user_id = (select auth.uid())``.
    """

    code = "SG008"
    name = "security.always-true-write"
    severity = "error"
    checklist = "No policy lets a user read or write other users' rows"

    def check_policy(self, table: Table, policy: Policy) -> Iterator[str]:
        if not policy.permissive or policy.command == "select":
            return
        end_users = sorted((set(policy.roles) or {"public"}) & END_USER_ROLES)
        found = _open_clause(policy)
        if not end_users or found is None:
            return
        clause, why = found
        who = " and ".join(end_users)
        yield (f'policy "{policy.name}" lets any {who} user {WRITES[policy.command]} every row of '
               f"{table.schema}.{table.name}, other users' rows included: {clause} {why}. "
               f"{_meaning(end_users)}; backend processes use service_role, which bypasses RLS. "
               f"Fix: remove the policy and write with service_role, or {_restriction(table)}")


def _meaning(roles: list[str]) -> str:
    parts = {"authenticated": "authenticated is every signed-in end user",
             "anon": "anon is every visitor", "public": "public is every role"}
    return "; ".join(parts[r] for r in roles) + ", not a backend"


def _restriction(table: Table) -> str:
    """Suggest the owner column the table's other policies use, or one referencing a user."""
    for policy in table.policies:
        for column in owner_columns(policy.using) + owner_columns(policy.with_check):
            return f"restrict it to the owner: {column} = (select auth.uid())"
    for fk in table.all_foreign_keys:
        if fk.ref_key in (("public", "profiles"), ("auth", "users")) and len(fk.columns) == 1:
            return f"restrict it to the owner: {fk.columns[0]} = (select auth.uid())"
    return "restrict it with a condition that ties each row to (select auth.uid())"
