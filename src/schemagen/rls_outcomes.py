"""What the RLS probe finds, and how it says so: the two users, each statement's outcome (an RLS
decision, a hole, or what could not be tested, with why), the findings they become, the JWT the
probe's requests carry, and the report validate prints. Shared by the table probe (``rls_probe``)
and the storage probe (``rls_storage``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from . import model as m
from .diagnostics import Diagnostic

USER_A = "00000000-0000-4000-8000-00000000000a"
USER_B = "00000000-0000-4000-8000-00000000000b"

WRITE_HOLE = "V301"
UNTESTED = "V302"
READ_HOLE = "V303"

#: PostgreSQL's own words when a policy refuses a row (SQLSTATE 42501 is shared with "permission denied").
RLS_REFUSAL = "new row violates row-level security policy"

USER_TABLES = (("public", "profiles"), ("auth", "users"))

Status = Literal["ok", "hole", "untested"]

#: SQLSTATEs of SQL that cannot run as written: undefined column, table, function, object, schema; syntax;
#: a datatype mismatch.
_BROKEN = frozenset({"42703", "42P01", "42883", "42704", "42601", "42804", "3F000"})


@dataclass(frozen=True)
class Outcome:
    action: str
    statement: str
    result: str
    status: Status = "ok"
    policies: tuple[str, ...] = ()
    #: A hole that lets A read, rather than write, another user's rows.
    read: bool = False
    #: Untested because SQL of the specs is broken (``Failure.broken``): no waiver covers it.
    broken: bool = False

    @property
    def hole(self) -> bool:
        return self.status == "hole"

    @property
    def writes(self) -> bool:
        """Whether the statement would change rows: one the probe could not test may hide a hole,
        unless the role has no privilege to try it at all (then no policy is asked, and nothing
        gets through either)."""
        return self.statement.lstrip().split(None, 1)[0].lower() in ("insert", "update", "delete") \
            and not self.result.startswith("permission denied for ")


def finding(table: m.Table, outcome: Outcome) -> Diagnostic | None:
    """What an outcome says, at the policy that allowed it (the table when none did)."""
    pos = next((p.pos for p in table.policies if p.name in outcome.policies), table.pos)
    names = ", ".join(f'"{n}"' for n in outcome.policies) or "no policy"
    where = f"{table.schema}.{table.name}"
    if outcome.status == "hole":
        code, severity = (READ_HOLE, "warning") if outcome.read else (WRITE_HOLE, "error")
        return Diagnostic(pos, code, severity, f"{outcome.result} on {where} with `{outcome.statement}` "
                                               f"(allowed by {names})")
    if outcome.status == "untested":
        return untested_finding(pos, f"{outcome.action} on {where}", outcome.writes,
                                f"{outcome.result}; `{outcome.statement}`", outcome.broken)
    return None


def untested_finding(pos: m.SourcePos, what: str, writes: bool, why: str, broken: bool = False) -> Diagnostic:
    """What the probe could not test. A write it could not try may hide a hole (a delete behind a
    failing trigger): an error, until what stopped it is fixed or a waiver says why that is fine.
    A read it could not try is a warning. Where the specs' own SQL is broken (a trigger naming a
    column that does not exist), no waiver covers it: a waiver written for one reason (no
    privilege, by design) must not hide a different failure."""
    if broken:
        return Diagnostic(pos, UNTESTED, "error", f"the RLS probe could not test {what}: {why}; a function of the "
                                                  "specs failed for a name or type that does not exist, which no "
                                                  "waiver covers: fix the function", waivable=False)
    if writes:
        return Diagnostic(pos, UNTESTED, "error", f"the RLS probe could not test {what}, so a hole there would go "
                                                  f"unseen: {why}; fix what stopped it, or waive V302 with the reason")
    return Diagnostic(pos, UNTESTED, "warning", f"the RLS probe could not test {what}, so it proves nothing about "
                                                f"the policies: {why}")


@dataclass(frozen=True)
class Failure:
    """Why a statement did not run: PostgreSQL's SQLSTATE and message."""

    code: str
    message: str
    #: Raised inside a function (a trigger's), not by the statement itself.
    in_function: bool = False

    @property
    def broken(self) -> bool:
        """A function of the specs is broken: it names a column, table, function or type that does
        not exist, or is not SQL PostgreSQL accepts, where a deliberate ``raise`` or a constraint is
        a design."""
        return self.in_function and self.code in _BROKEN

    @property
    def is_rls(self) -> bool:
        return self.code == "42501" and self.message.startswith(RLS_REFUSAL)

    @property
    def after_rls(self) -> bool:
        """An insert that broke a constraint (a key, not null, a check, a reference) had passed its
        policies: PostgreSQL checks WITH CHECK before a row's constraints and its index entries. So
        RLS let it through; only the row's data stopped it (A's profile a trigger on auth.users made)."""
        return self.code.startswith("23")

    @classmethod
    def of(cls, exc: BaseException) -> "Failure":
        fields = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
        message = fields.get("M", str(exc))
        if fields.get("H"):
            message += f" (hint: {fields['H']})"
        return cls(fields.get("C", ""), message, bool(fields.get("W")))


@dataclass(frozen=True)
class Scenario:
    """What one statement, run as one user, did."""

    statement: str
    failure: Failure | None
    rows: int
    saw_a: bool
    saw_b: bool
    b_changed: bool
    b_deleted: bool


#: When the probe's tokens were issued and until when they hold (2026-01-01, 2100-01-01): fixed, so
#: every run sends the same claims, and a policy that checks ``exp`` against now() sees a live token.
ISSUED_AT, EXPIRES_AT = 1767225600, 4102444800


def claims(user: str | None, role: str) -> str:
    """The JWT's claims as PostgREST hands them to the database (``request.jwt.claims``): for a
    signed-in user, what Supabase Auth puts in an access token after a password sign-in; for a
    visitor, what the project's anon key holds. Policies read ``aal``, ``session_id``,
    ``is_anonymous``, ``app_metadata`` and ``email`` as well as ``sub``."""
    if user is None:
        return json.dumps({"iss": "supabase", "role": role, "iat": ISSUED_AT, "exp": EXPIRES_AT})
    letter = user[-1]
    return json.dumps({
        "aud": "authenticated", "exp": EXPIRES_AT, "iat": ISSUED_AT, "iss": "https://probe.supabase.co/auth/v1",
        "sub": user, "email": f"user-{letter}@probe.schemagen.test", "phone": "",
        "app_metadata": {"provider": "email", "providers": ["email"]}, "user_metadata": {},
        "role": role, "aal": "aal1", "amr": [{"method": "password", "timestamp": ISSUED_AT}],
        "session_id": f"00000000-0000-4000-9000-00000000000{letter}", "is_anonymous": False})
