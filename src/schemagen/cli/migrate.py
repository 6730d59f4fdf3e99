from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import TextIO

from ..diagnostics import FORMATS, counted, format_diagnostics
from ..load import load_project
from . import EXIT_FINDINGS, EXIT_OK, UsageError

DEFAULT_DIR = Path("supabase/migrations")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, metavar="DIR",
                        help=f"the migrations folder (default: {DEFAULT_DIR})")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser("new", help="write the next migration, proven on a throwaway PostgreSQL")
    new.add_argument("name", help="what the migration does, e.g. fix_task_policy")
    new.add_argument("--from", dest="revision", metavar="REF",
                     help="compare with the specs at this git revision instead of the migrations folder")
    new.add_argument("--allow-destructive", action="store_true",
                     help="include drops and data-losing changes instead of writing them as comments")
    new.add_argument("--naming", choices=("timestamp", "sequence"), default="timestamp",
                     help="timestamp: <UTC yyyymmddhhmmss>_<name>.sql, as the Supabase CLI names them (default); "
                          "sequence: 0001_<name>.sql")
    new.add_argument("--version", metavar="NUMBER",
                     help="the timestamp (or number) to use instead of now, for reproducible files")
    new.add_argument("--dry-run", action="store_true", help="print the migration instead of writing it")
    new.add_argument("--format", choices=("text", "json"), default="text")
    check = actions.add_parser("check", help="exit 1 when the specs say something the migrations do not produce")
    check.add_argument("--format", choices=FORMATS, default="text")
    verify = actions.add_parser("verify", help="prove one migration file: it applies to the ones before it "
                                               "with sample rows in place, keeps them, and, the newest, meets the specs")
    verify.add_argument("file", type=Path)
    verify.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..db import ConnectionProblem, ContainmentBroken
    from ..drift import DriftProblem
    from ..migrate import MigrationProblem

    from ..migrate import skipped_note

    project = load_project(args.specs)
    err.write(skipped_note(args.dir))
    try:
        return {"new": _new, "check": _check, "verify": _verify}[args.action](args, project, out, err)
    except (MigrationProblem, DriftProblem, ConnectionProblem, ContainmentBroken) as exc:
        raise UsageError(str(exc)) from None


def _baseline(args, project, files: list[Path], unavailable=None) -> tuple[str, object]:
    """What the "from" side is, and how to build it on a connection that commits, before the
    session starts. Tables the specs declare under external.tables (an earlier stage kept
    elsewhere) stand in first, as validate makes them. What the migrations need of an extension
    this server lacks is left out into ``unavailable``."""
    from .. import migrate
    from ..db import execute_one
    from ..live import external_stubs

    def stubs(conn) -> None:
        for sql in external_stubs(project):
            execute_one(conn, sql)

    if getattr(args, "revision", None):
        from ..render import render_project

        scratch = tempfile.mkdtemp()
        old = load_project(migrate.specs_at_revision(args.specs, args.revision, Path(scratch)))
        rendered = render_project(old, user_templates=args.templates)

        def from_revision(conn, superuser) -> None:
            stubs(conn)
            migrate.build_from_revision(conn, old, rendered, superuser)

        return f"the specs at {args.revision}", from_revision

    def from_files(conn, superuser) -> None:
        stubs(conn)
        migrate.apply_migrations(conn, files, superuser, unavailable)

    if not files:
        return f"{args.dir} (no migrations yet: this one creates the schema)", from_files
    return f"{args.dir}, {counted(len(files), 'file')} through {files[-1].name}", from_files


def _new(args, project, out: TextIO, err: TextIO) -> int:
    from .. import migrate, migration_proof
    from ..drift import schemas_to_read
    from ..outputs import write_new_files
    from ..render import build_environment, render_project
    from ..throwaway import BackgroundServer

    problem = migrate.name_problem(args.name, args.version)
    if problem:
        raise UsageError(problem)
    env = build_environment(args.templates)
    files = migrate.migration_files(args.dir)
    schemas = schemas_to_read(project, None)
    unavailable = migrate.Unavailable()
    baseline, prepare = _baseline(args, project, files, unavailable)
    server = BackgroundServer()
    with server.database(project, prepare) as session:
        skip = _untestable(session, project, unavailable, err)
        if not files and not args.revision:
            plan = migrate.initial_plan(project, render_project(project, user_templates=args.templates))
        else:
            plan = migrate.plan_from_database(session, project, env, schemas,
                                              allow_destructive=args.allow_destructive, skip=skip)
            if not any(step.included for step in plan.steps) and not plan.notes:
                if plan.steps:  # every statement the specs ask for needs consent: not "nothing to do"
                    err.write(f"schemagen: every statement the specs ask for ({len(plan.steps)}) needs "
                              "--allow-destructive; review them with --dry-run --allow-destructive, then write "
                              "them with --allow-destructive\n")
                    return EXIT_FINDINGS
                err.write("schemagen: the migrations already produce what the specs say; nothing to write\n")
                return EXIT_OK
        names = migrate.file_names(args.dir, args.name, args.version, args.naming, migrate.file_count(plan) - 1)
        drafts = migrate.render_files(plan, None, names, baseline)
        proof = migration_proof.prove(session, project, migrate.as_written(plan, drafts), schemas, env, skip=skip)
    written = migrate.render_files(plan, proof, names, baseline)
    proven = migrate.statements_of([text for _, text in drafts])
    if migrate.statements_of([text for _, text in written]) != proven:
        raise UsageError("schemagen's header changed a statement of the proven files; nothing was written "
                         "(a bug of schemagen)")
    if args.format == "json":
        out.write(json.dumps(_report(plan, proof, written), indent=2) + "\n")
    if not proof.ok:
        _explain(proof, err)
        err.write("schemagen: the proof failed; nothing was written\n")
        return EXIT_FINDINGS
    if args.dry_run:
        if args.format == "text":
            out.write("".join(text for _, text in written))
        return EXIT_OK

    def same_as_proven(texts: list[str]) -> None:
        if migrate.statements_of(texts) != proven:
            raise UsageError("the files read back from disk are not the statements proven; nothing was written")

    write_new_files(written, read_back=same_as_proven)
    if args.format == "text":
        for path, _ in written:
            out.write(f"wrote {path}\n")
        for fact in proof.facts:
            out.write(f"  proof: {fact}\n")
    return EXIT_OK


def _untestable(session, project, unavailable, err: TextIO):
    """What this server cannot test, said once (V204): extensions the migrations create that it
    lacks, with the statements left out, and what of the specs needs one."""
    from .. import migrate
    from ..validate import untestable_finding

    for line in unavailable.lines():
        err.write(line + "\n")
    skip = migrate.untestable_here(session, project)
    findings = [untestable_finding(project, name, needs) for name, needs in skip.needs.items()]
    err.write(format_diagnostics(findings, "text"))
    return skip


def _explain(proof, err: TextIO) -> None:
    from ..compare import diagnostic

    for problem in proof.problems:
        err.write(f"proof: {problem}\n")
    err.write(format_diagnostics([diagnostic(c, "M001") for c in proof.left], "text"))


def _report(plan, proof, written) -> dict:
    return {
        "files": [str(path) for path, _ in written],
        "proof": {"ok": proof.ok, "facts": proof.facts, "problems": proof.problems},
        "statements": [{"sql": s.sql, "included": s.included, "concurrent": s.concurrent, "hazard": s.hazard,
                        "measured": s.measured} for s in plan.steps],
        "notes": plan.notes,
    }


def _check(args, project, out: TextIO, err: TextIO) -> int:
    from .. import migrate
    from ..compare import diagnostic
    from ..drift import drift, schemas_to_read
    from ..throwaway import BackgroundServer

    files = migrate.migration_files(args.dir)
    unavailable = migrate.Unavailable()
    server = BackgroundServer()
    with server.database(project, _baseline(args, project, files, unavailable)[1]) as session:
        skip = _untestable(session, project, unavailable, err)
        found = [c for c in migrate.testable(drift(session, project, schemas_to_read(project, None)), skip)
                 if not c.kind.startswith("note.")]
    out.write(format_diagnostics([diagnostic(c, "M001") for c in found], args.format))
    if args.format == "text":
        where = f"the {counted(len(files), 'migration')} in {args.dir}"
        err.write(f"{counted(len(found), 'difference')} between {where} and the specs; write "
                  "one with `schemagen migrate new NAME`\n" if found else f"{where} produce what the specs say\n")
    return EXIT_FINDINGS if found else EXIT_OK


def _verify(args, project, out: TextIO, err: TextIO) -> int:
    from .. import migrate, migration_proof
    from ..drift import schemas_to_read
    from ..provenance import split
    from ..render import build_environment
    from ..throwaway import BackgroundServer

    target = args.file.resolve()
    files = migrate.migration_files(args.dir)
    if target not in [f.resolve() for f in files]:
        raise UsageError(f"{args.file} is not a migration in {args.dir}")
    before = [f for f in files if f.resolve() < target and f.resolve() != target]
    newest = target == files[-1].resolve()
    schemas = schemas_to_read(project, None)
    steps = [migrate.Step(sql.rstrip(";") + ";") for sql, _ in split(target.read_text("utf-8"))
             if not migrate._is_transaction_control(sql)]
    unavailable = migrate.Unavailable()
    server = BackgroundServer()
    with server.database(project, _baseline(args, project, before, unavailable)[1]) as session:
        skip = _untestable(session, project, unavailable, err)
        plan = migrate.Plan(steps, [], initial=not before)
        proof = migration_proof.prove(session, project, plan, schemas, build_environment(args.templates), to_specs=newest,
                              skip=skip)
    if args.format == "json":
        out.write(json.dumps(_report(plan, proof, [(args.file, "")]), indent=2) + "\n")
    elif proof.ok:
        out.write(f"{args.file}: proven\n" + "".join(f"  proof: {fact}\n" for fact in proof.facts))
    if not proof.ok:
        _explain(proof, err)
        return EXIT_FINDINGS
    return EXIT_OK
