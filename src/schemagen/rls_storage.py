"""The RLS probe for Supabase Storage: what users A and B and a visitor can do to a bucket's files.

Storage keeps every file as a row of ``storage.objects`` and checks each upload, listing,
move and delete against that table's policies, run as the caller the way the Storage API
does (the ``authenticated`` or ``anon`` role, with the JWT's claims). Supabase projects tie a
file to its uploader by the folder it sits in (``(storage.foldername(name))[1] =
auth.uid()::text``) or by the owner the API stamps on it (``owner_id``), so the probe seeds, in
each bucket the specs define, one file of A's and one of B's that belong to them both ways,
then, each attempt rolled back:

- as A: list the bucket, upload into A's own folder and into B's, change and delete B's file;
- as a visitor (anon): list the bucket, upload, change and delete B's file.

Statements are shaped like the Storage API's, which always names the files it touches (so the
select policies apply to changes and deletes too, as they do there). Writing to B's file, or
into B's folder, is an error (V301); so is any write by a visitor.
Reading B's files, or a visitor listing a private bucket, is a warning (V303): a public
bucket serves its files to anyone anyway. As for tables, only an RLS decision is "ok"; any other
failure is "could not test" (V302).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import model as m
from .db import ContainmentBroken
from .diagnostics import Diagnostic
from .rls_outcomes import (READ_HOLE, USER_A, USER_B, WRITE_HOLE, Failure, Outcome, Status, claims,
                           untested_finding)
from .sqltext import quote_literal

OBJECTS = ("storage", "objects")


@dataclass
class BucketReport:
    bucket: object
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: str | None = None

    @property
    def heading(self) -> str:
        kind = "public" if self.bucket.public else "private"
        return f"bucket {self.bucket.id} ({kind}; a file is its uploader's by folder and owner_id)"


def storage_policies(project: m.Project) -> list[m.Policy]:
    return [p for a in project.attachments if a.key == OBJECTS for p in a.policies]


def _applicable(policies: list[m.Policy], role: str, command: str) -> tuple[str, ...]:
    return tuple(p.name for p in policies if p.permissive and p.command in (command, "all")
                 and (not p.roles or role in p.roles or "public" in p.roles))


#: The seeded files' ids, fixed so that every run reports the same statements.
FILE_IDS = {USER_A: "00000000-0000-4000-a000-00000000000a", USER_B: "00000000-0000-4000-a000-00000000000b"}


def _file(bucket: str, user: str, name: str) -> dict[str, str]:
    """A file in the user's folder, stamped as the Storage API stamps an upload of theirs."""
    return {"id": quote_literal(FILE_IDS[user]), "bucket_id": quote_literal(bucket),
            "name": quote_literal(f"{user}/{name}"), "owner": quote_literal(user), "owner_id": quote_literal(user)}


class StorageProbe:
    def __init__(self, session):
        self.session = session

    def run(self, project: m.Project) -> tuple[list[BucketReport], list[Diagnostic]]:
        buckets = project.objects("Bucket")
        if not buckets or not self.session.query("select to_regclass('storage.objects') is not null")[0][0]:
            return [], []
        from .db import backend_request

        policies = storage_policies(project)
        backend_request(self.session)
        reports, found = [], []
        for bucket in buckets:
            report = self.probe_bucket(bucket, policies)
            reports.append(report)
            if report.skipped:
                found.append(untested_finding(bucket.pos, f"bucket {bucket.id} (its reads and writes)", True,
                                              report.skipped))
            for outcome in report.outcomes:
                pos = next((p.pos for p in policies if p.name in outcome.policies), bucket.pos)
                names = ", ".join(f'"{n}"' for n in outcome.policies) or "no policy"
                if outcome.status == "hole":
                    code, severity = (READ_HOLE, "warning") if outcome.read else (WRITE_HOLE, "error")
                    found.append(Diagnostic(pos, code, severity, f"{outcome.result} in bucket {bucket.id} with "
                                                                 f"`{outcome.statement}` (allowed by {names})"))
                elif outcome.status == "untested":
                    found.append(untested_finding(pos, f"{outcome.action} in bucket {bucket.id}", outcome.writes,
                                                  f"{outcome.result}; `{outcome.statement}`"))
        return reports, found

    def _seed(self, bucket: str) -> str:
        """A's and B's files, for every attempt in the bucket (each undoes its own work); B's version.
        The uploaders are users first: a trigger on storage.objects may file a row that references them."""
        self.session.execute("insert into auth.users (id) values "
                             f"({quote_literal(USER_A)}), ({quote_literal(USER_B)}) on conflict (id) do nothing")
        for who, name in ((USER_A, "probe-a.txt"), (USER_B, "probe-b.txt")):
            row = _file(bucket, who, name)
            self.session.execute(f"insert into storage.objects ({', '.join(row)}) values ({', '.join(row.values())})")
        return self.session.execute(self._b_version)[0][0]

    _b_version = f"select xmin::text from storage.objects where id = {quote_literal(FILE_IDS[USER_B])}"

    def _attempt(self, before: str, role: str, user: str | None, statement: str) -> tuple[Failure | None, int,
                                                                                         bool, bool, bool]:
        """Run ``statement`` as ``role``, then look at B's file; undone, in one round trip. Returns the
        failure, the rows a select returned, whether it returned B's file, and whether B's file was
        changed or deleted."""
        rows, error, (after,) = self.session.try_as(role, claims(user, role), statement,
                                                    [self._b_version])
        failure = Failure.of(error) if error is not None else None
        if failure is not None:  # a failed statement changed nothing
            after = [[before]]
        seen = {str(row[0]) for row in rows if row}
        return failure, len(rows), FILE_IDS[USER_B] in seen, bool(after) and after[0][0] != before, not after

    def probe_bucket(self, bucket, policies: list[m.Policy]) -> BucketReport:
        report = BucketReport(bucket)
        if not self.session.query("select exists (select from storage.buckets where id = :b)", b=bucket.id)[0][0]:
            report.skipped = "the bucket is not in storage.buckets (its insert failed)"
            return report
        with self.session.scratch():
            try:
                with self.session.attempt():
                    before = self._seed(bucket.id)
            except ContainmentBroken:
                raise
            except Exception as exc:  # the seed itself failed (a trigger, a constraint): say why
                report.skipped = f"could not seed files for A and B: {Failure.of(exc).message}"
                return report
            self._probe_seeded(report, before, policies)
        return report

    def _probe_seeded(self, report: BucketReport, before: str, policies: list[m.Policy]) -> None:
        bucket = report.bucket
        in_bucket = f"bucket_id = {quote_literal(bucket.id)}"
        b_file = quote_literal(FILE_IDS[USER_B])

        def add(action: str, statement: str, result: str, status: Status, command: str, role: str,
                read: bool = False) -> None:
            report.outcomes.append(Outcome(action, statement, result, status, _applicable(policies, role, command),
                                           read))

        def write(action: str, role: str, user: str | None, command: str, statement: str, hole: str) -> None:
            failure, _, _, changed, deleted = self._attempt(before, role, user, statement)
            touched = deleted if command == "delete" else changed
            if command == "insert":
                touched = failure is None
            if touched:
                add(action, statement, hole, "hole", command, role)
            elif failure is not None and not failure.is_rls:
                add(action, statement, failure.message, "untested", command, role)
            else:
                add(action, statement, f"refused: {failure.message}" if failure else "B's file untouched", "ok",
                    command, role)

        listing = f"select id from storage.objects where {in_bucket}"
        failure, rows, saw_b, _, _ = self._attempt(before, "authenticated", USER_A, listing)
        if failure:
            add("list", listing, failure.message, "untested", "select", "authenticated")
        elif saw_b and not bucket.public:
            add("list", listing, "A lists B's files in a private bucket", "hole", "select", "authenticated", True)
        else:
            add("list", listing, "A lists B's files; the bucket is public, its files are anyone's to fetch"
                if saw_b else "A does not see B's files", "ok", "select", "authenticated")

        columns = "bucket_id, name, owner, owner_id"
        for whose, folder in (("own folder", USER_A), ("B's folder", USER_B)):
            values = (f"{quote_literal(bucket.id)}, {quote_literal(f'{folder}/upload.txt')}, "
                      f"{quote_literal(USER_A)}, {quote_literal(USER_A)}")
            statement = f"insert into storage.objects ({columns}) values ({values})"
            if whose == "own folder":
                failure, _, _, _, _ = self._attempt(before, "authenticated", USER_A, statement)
                if failure is not None and not failure.is_rls:
                    add("upload (own folder)", statement, failure.message, "untested", "insert", "authenticated")
                else:
                    add("upload (own folder)", statement, f"refused: {failure.message}" if failure else "allowed",
                        "ok", "insert", "authenticated")
            else:
                write("upload (B's folder)", "authenticated", USER_A, "insert", statement,
                      "A uploads into B's folder")
        write("update B's file", "authenticated", USER_A, "update",
              f"update storage.objects set metadata = default where id = {b_file}", "A changes B's file")
        write("delete B's file", "authenticated", USER_A, "delete",
              f"delete from storage.objects where id = {b_file}", "A deletes B's file")

        failure, rows, _, _, _ = self._attempt(before, "anon", None, listing)
        if failure:
            add("anon list", listing, failure.message, "untested", "select", "anon", True)
        else:
            hole = rows > 0 and not bucket.public
            add("anon list", listing, f"anon sees {rows} files" + ("" if not rows or hole else
                                                                  "; the bucket is public"),
                "hole" if hole else "ok", "select", "anon", True)
        upload = (f"insert into storage.objects ({columns}) values ({quote_literal(bucket.id)}, "
                  f"{quote_literal('anon/upload.txt')}, null, null)")
        write("anon upload", "anon", None, "insert", upload, "anon uploads a file")
        write("anon update", "anon", None, "update",
              f"update storage.objects set metadata = default where id = {b_file}", "anon changes B's file")
        write("anon delete", "anon", None, "delete",
              f"delete from storage.objects where id = {b_file}", "anon deletes B's file")
