"""Which hand-made drifts each tool finds: schemagen drift, migra and Supabase's pg-delta.

Run by hand, never in the test suite: ``python benchmarks/detection.py [--write]``. It needs
migra (installed into benchmarks/.venv-migra on first use, as run.py does) and pg-delta
(``npm install --prefix /opt/pgdelta @supabase/pg-delta@1.0.0-alpha.34``, or ``PGDELTA=path``).

One throwaway server; the test suite's kinds fixture (four stages: enums, a domain, a
sequence, functions, a view, triggers, policies, storage policies, a publication, grants,
pgvector) is built once as a template. Each case copies it and changes one thing by hand, as
someone with the dashboard's SQL editor would; a database copied unchanged is the control. A
tool finds a drift when it reports a difference there: schemagen's ``drift`` exits 1 (against
the specs, as ``postgres``), migra (``--unsafe --with-privileges``) and pg-delta (``diff``) print a
statement (against the control database, whole, as the superuser). A tool
that reports something on the control counts as a false alarm. Then schemagen's repair
(``drift --sql --allow-destructive``) is applied and must leave no difference. ``--write`` puts the table in
benchmarks/README.md between its detection markers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
SPECS = ROOT / "tests" / "cases" / "kinds" / "specs"

#: (kind, what was done by hand, the SQL, run as the superuser).
CASES = [
    ("column", "type changed", "alter table public.profiles alter column full_name type varchar(300)"),
    ("column", "default changed", "alter table public.trips alter column updated_at set default clock_timestamp()"),
    ("column", "default dropped", "alter table public.trips alter column status drop default"),
    ("column", "not null dropped", "alter table public.trips alter column title drop not null"),
    ("column", "extra column", "alter table public.trips add column notes text"),
    ("column", "column dropped", "alter table public.profiles drop column avatar_url"),
    ("column", "comment changed", "comment on column public.trips.title is 'Changed.'"),
    ("column", "collation changed", "alter table public.trips alter column slug type text collate \"POSIX\""),
    ("table", "comment changed", "comment on table public.trips is 'Changed.'"),
    ("table", "extra table", "create table public.scratch (id int primary key)"),
    ("table", "table renamed", "alter table public.document_shares rename to shares"),
    ("constraint", "check dropped", "alter table public.trips drop constraint trips_budget_positive"),
    ("constraint", "check changed", "alter table public.trips drop constraint trips_budget_positive, "
                                    "add constraint trips_budget_positive check (budget >= 0)"),
    ("constraint", "unique dropped", "alter table public.trips drop constraint trips_slug_key"),
    ("constraint", "foreign key action changed",
     "alter table public.trip_members drop constraint trip_members_trip_id_fkey, add constraint "
     "trip_members_trip_id_fkey foreign key (trip_id) references public.trips(id) on delete restrict"),
    ("constraint", "primary key changed", "alter table public.trip_members drop constraint trip_members_pkey, "
                                          "add primary key (user_id, trip_id)"),
    ("index", "index dropped", "drop index public.trips_updated_idx"),
    ("index", "extra index", "create index trips_title_idx on public.trips (title)"),
    ("index", "index made partial", "drop index public.trips_status_idx;\n"
                                    "create index trips_status_idx on public.trips (status) where status <> 'done'"),
    ("policy", "policy made permissive to all", "alter policy \"Owners change trips\" on public.trips using (true)"),
    ("policy", "extra policy for anon", "create policy \"anyone reads\" on public.trips for select to anon using (true)"),
    ("policy", "policy dropped", "drop policy \"Members read trips\" on public.trips"),
    ("policy", "policy roles changed", "alter policy \"Members read trips\" on public.trips to public"),
    ("policy", "extra policy on storage.objects",
     "create policy \"anon lists files\" on storage.objects for select to anon using (true)"),
    ("policy", "storage policy changed",
     "alter policy \"Users read their own documents\" on storage.objects using (bucket_id = 'documents')"),
    ("rls", "RLS disabled", "alter table public.trips disable row level security"),
    ("rls", "RLS forced", "alter table public.trips force row level security"),
    ("trigger", "trigger dropped", "drop trigger trips_set_updated_at on public.trips"),
    ("trigger", "trigger disabled", "alter table public.trips disable trigger trips_set_updated_at"),
    ("trigger", "trigger on auth.users dropped", "drop trigger on_auth_user_created on auth.users"),
    ("function", "body changed", "create or replace function public.set_updated_at() returns trigger "
                                 "language plpgsql as $$ begin return new; end $$"),
    ("function", "made security invoker", "alter function public.is_trip_member(uuid) security invoker"),
    ("function", "search_path removed", "alter function public.is_trip_member(uuid) reset search_path"),
    ("function", "extra function", "create function public.helper() returns int language sql as $$ select 1 $$"),
    ("view", "view changed", "create or replace view public.trip_overview as select t.id, t.title, t.status, "
                             "0::bigint as members from public.trips t"),
    ("view", "security_invoker removed", "alter view public.trip_overview reset (security_invoker)"),
    ("type", "enum value added", "alter type public.trip_status add value 'cancelled'"),
    ("type", "enum value renamed", "alter type public.trip_status rename value 'done' to 'finished'"),
    ("column", "column renamed", "alter table public.profiles rename column full_name to display_name"),
    ("type", "domain check dropped", "alter domain public.money_amount drop constraint money_amount_check"),
    ("sequence", "increment changed", "alter sequence public.trip_number increment by 10"),
    ("grant", "extra grant to anon", "grant insert on public.trips to anon"),
    ("grant", "grant revoked", "revoke select on public.trip_overview from authenticated"),
    ("grant", "execute granted to anon", "grant execute on function public.is_trip_member(uuid) to anon"),
    ("publication", "table removed from publication", "alter publication supabase_realtime drop table public.trips"),
    ("extension", "extra extension", "create extension if not exists citext"),
    ("extension", "extension dropped", "drop extension moddatetime cascade"),
]


def _server_and_template():
    from schemagen import live, pgserver
    from schemagen.load import load_project
    from schemagen.render import render_project

    project = load_project(SPECS)
    server = pgserver.start()
    admin = live.connect(server, admin=True)
    live.install_platform(admin, project)
    admin.run("create database base owner postgres")
    builders = live.connect(server, "base", admin=True), live.connect(server, "base")
    live.build_database(*builders, project, render_project(project))
    for conn in builders:
        conn.close()
    return server, admin


def _copy(server, admin, name: str, sql: str | None) -> str:
    from schemagen import live

    admin.run(f"create database {name} template base owner postgres")
    if sql:
        conn = live.connect(server, name, admin=True)
        try:
            for statement in sql.split(";\n"):
                try:
                    conn.run(statement)
                except Exception as exc:
                    raise SystemExit(f"the case cannot be made ({statement}): {exc}") from None
        finally:
            conn.close()
    return name


def _url(server, name: str, admin: bool = False) -> str:
    """schemagen connects as ``postgres``, as a team's CI does; the peers as the superuser, which
    reads every catalog they compare."""
    from schemagen import pgserver

    return server.url(pgserver.ADMIN if admin else "postgres", name)


def _schemagen(url: str) -> bool:
    done = subprocess.run([sys.executable, "-m", "schemagen", "drift", "--specs", str(SPECS), "--db", url],
                          capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"schemagen drift failed: {done.stderr}")
    return done.returncode == 1


def _repairs(server, name: str) -> bool:
    """schemagen's repair, with consent, applied as ``postgres`` (an extension made or dropped as
    supautils lets postgres do on Supabase): does drift then find nothing?"""
    from schemagen import live
    from schemagen.provenance import split

    sql = subprocess.run([sys.executable, "-m", "schemagen", "drift", "--specs", str(SPECS), "--db",
                          _url(server, name), "--sql", "--allow-destructive"], capture_output=True, text=True).stdout
    owner, admin = live.connect(server, name), live.connect(server, name, admin=True)
    try:
        for statement, _ in split(sql):
            if statement.lower().startswith("drop extension"):
                admin.run(statement)
            elif not live.as_the_platform(owner, statement):
                owner.run(statement)
    except Exception:
        return False
    finally:
        owner.close()
        admin.close()
    return not _schemagen(_url(server, name))


def _statements(output: str) -> bool:
    """Whether a tool printed a statement (pg-delta says "No differences found." when it has none)."""
    return any(line.strip() and not line.lstrip().startswith("--") and line.strip() != "No differences found."
               for line in output.splitlines())


def _migra(migra: list[str], url: str, control: str) -> bool:
    done = subprocess.run(migra + ["--unsafe", "--with-privileges", url, control], capture_output=True, text=True)
    if done.returncode not in (0, 2, 3):
        raise SystemExit(f"migra failed: {done.stderr}")
    return _statements(done.stdout)


def _pgdelta(url: str, control: str) -> bool:
    tool = os.environ.get("PGDELTA", "/opt/pgdelta/node_modules/.bin/pgdelta")
    done = subprocess.run([tool, "diff", "--source", url, "--desired", control], capture_output=True, text=True)
    if done.returncode not in (0, 1, 2):
        raise SystemExit(f"pg-delta failed: {done.stderr}")
    return _statements(done.stdout)


def main() -> None:
    from run import migra_command

    migra = migra_command()
    server, admin = _server_and_template()
    rows, totals = [], [0, 0, 0, 0]
    try:
        control = _url(server, _copy(server, admin, "control", None), admin=True)
        clean = _copy(server, admin, "clean", None)
        alarms = [_schemagen(_url(server, clean)), _migra(migra, _url(server, clean, True), control),
                  _pgdelta(_url(server, clean, True), control)]
        for i, (kind, what, sql) in enumerate(CASES):
            name = _copy(server, admin, f"case_{i}", sql)
            found = [_schemagen(_url(server, name)), _migra(migra, _url(server, name, True), control),
                     _pgdelta(_url(server, name, True), control)]
            totals = [t + f for t, f in zip(totals, found + [False])]
            converged = _repairs(server, name)
            totals[3] += converged
            rows.append(f"| {kind} | {what} | " + " | ".join("yes" if f else "**no**" for f in found)
                        + f" | {'yes' if converged else '**no**'} |")
            print(rows[-1], flush=True)
    finally:
        admin.close()
        server.stop()
    lines = ["| kind | drift made by hand | schemagen drift | migra | pg-delta | schemagen's repair converges |",
             "| --- | --- | --- | --- | --- | --- |", *rows,
             f"| | **found (converged), of {len(CASES)}** | **{totals[0]}** | **{totals[1]}** | **{totals[2]}** | "
             f"**{totals[3]}** |",
             "| | false alarm on an unchanged copy | " + " | ".join("**yes**" if a else "no" for a in alarms) + " | |"]
    table = "\n".join(lines)
    print(table)
    if "--write" in sys.argv:
        readme = ROOT / "benchmarks" / "README.md"
        text = readme.read_text("utf-8")
        start, end = "<!-- detection -->", "<!-- /detection -->"
        body = f"{start}\n{table}\n{end}"
        text = text[:text.index(start)] + body + text[text.index(end) + len(end):] if start in text else \
            text.rstrip("\n") + "\n\n" + body + "\n"
        readme.write_text(text, "utf-8")


if __name__ == "__main__":
    main()
