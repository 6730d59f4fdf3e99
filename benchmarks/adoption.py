"""How a real Supabase project goes through schemagen with no hand edit: one row of docs/adopting.md.

    python benchmarks/adoption.py PATH/TO/supabase/migrations [NAME@COMMIT]

In a scratch folder: import the migrations (proven or not, the share written natively), generate,
validate --live (errors, and the RLS probe's coverage), migrate check against the migrations
themselves, and drift against a database the migrations built on a throwaway server. Nothing is
written beside the migrations; the project's files are only read.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from schemagen.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def measure(migrations: Path, name: str) -> str:
    work = Path(tempfile.mkdtemp(prefix="schemagen-adoption-"))
    try:
        shutil.copytree(migrations, work / "supabase" / "migrations")
        specs, out_dir = work / "specs", work / "generated"
        code, out, err = run("import", "--migrations", str(work / "supabase" / "migrations"), "--specs", str(specs),
                             "--format", "json")
        if code != 0:
            reason = (err.strip().splitlines() or ["?"])[-1][:120]
            return f"| {name} | no: {reason} | | | | | |"
        report = json.loads(out)
        native = sum(v["native"] for v in report["objects"].values())
        raw = sum(v["raw"] for v in report["objects"].values())
        proven = "yes" if report["proven"] else "no"
        run("generate", "--specs", str(specs), "--out", str(out_dir))
        code, out, err = run("validate", "--live", "--specs", str(specs), "--out", str(out_dir))
        errors = re.search(r"(\d+) errors?", err)
        coverage = re.search(r"coverage: (\d+) of (\d+) tables with RLS probed(?:, (\d+) of (\d+) buckets)?; "
                             r"(\d+) checks: (\d+) ok, (\d+) holes?, (\d+) could not test", out)
        probed = (f"{coverage[1]}/{coverage[2]} tables" + (f", {coverage[3]}/{coverage[4]} buckets" if coverage[3]
                                                             else "") + f"; {coverage[6]} ok, {coverage[7]} holes, "
                  f"{coverage[8]} untested of {coverage[5]}") if coverage else "no RLS tables"
        code, _, err = run("migrate", "--specs", str(specs), "--dir", str(work / "supabase" / "migrations"), "check")
        migrate_check = "clean" if code == 0 else f"exit {code}"
        drift = _drift(work, specs)
        return (f"| {name} | {proven} | {native}/{native + raw} | {errors[1] if errors else '?'} | {probed} | "
                f"{migrate_check} | {drift} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _drift(work: Path, specs: Path) -> str:
    """drift against a database the migrations built on a throwaway server, as the CLI applies them."""
    from schemagen import live, migrate, pgserver
    from schemagen import model as m

    platform = m.Project((m.Stage(number=0, title="platform", slug="platform", status="draft", depends_on=(),
                                  tables=(), platform="supabase"),))
    server = pgserver.start()
    try:
        admin = live.connect(server, admin=True)
        try:
            live.install_platform(admin, platform)  # the platform alone, as a new Supabase project has it
            owner = live.connect(server)  # after it: its search path includes the extensions schema
            try:
                migrate.apply_migrations(owner, migrate.migration_files(work / "supabase" / "migrations"), admin)
            finally:
                owner.close()
        finally:
            admin.close()
        code, out, err = run("drift", "--specs", str(specs), "--db", server.url("postgres", "postgres"))
        return "0 differences" if code == 0 else (err.strip().splitlines() or [f"exit {code}"])[-1][:80]
    finally:
        server.stop()


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    print(measure(folder, sys.argv[2] if len(sys.argv) > 2 else folder.parent.parent.name))
