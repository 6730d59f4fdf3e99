from __future__ import annotations

import argparse
from typing import TextIO

from ..baseline import is_known
from ..diagnostics import FORMATS, counted
from . import EXIT_FINDINGS, EXIT_OK, UsageError, finding_options, select_findings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--live", action="store_true",
                        help="also apply every stage to a throwaway PostgreSQL, compare its catalog with "
                             "the specs and exercise the RLS policies as two users and anon")
    parser.add_argument("--db", metavar="URL",
                        help="run the live checks on this server instead, in a scratch database created "
                             "and dropped for the run (postgresql://user:password@host:5432/postgres)")
    parser.add_argument("--trust-specs", action="store_true",
                        help="with --db, run even where spec SQL could leave the scratch database (a superuser, "
                             "createrole, or extensions that connect out): only for specs you wrote "
                             "(docs/security.md)")
    parser.add_argument("--no-rls-probe", action="store_true", help="skip exercising the policies")
    parser.add_argument("--format", choices=FORMATS, default="text")
    finding_options(parser)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..throwaway import BackgroundServer

    live = args.live or args.db
    server = BackgroundServer() if args.live and not args.db else None  # first: it boots while the rest loads
    from ..db import ConnectionProblem, ContainmentBroken, connection_params
    from ..diagnostics import format_diagnostics
    from ..lint import failing
    from ..load import load_project
    from ..offline import check_stages, render_and_validate, render_stages
    from ..validate import apply_waivers, scratch_database, validate_live

    try:
        project = load_project(args.specs)
        if not live:
            rendered, diagnostics = render_and_validate(project, args.templates)
        else:
            rendered = render_stages(project, args.templates)
    except BaseException:
        if server is not None:
            server.cancel()
        raise
    report = ""
    if live:
        # The offline checks are pure computation and the live ones mostly wait on the server:
        # they overlap, the offline ones in a thread (the live ones keep the main thread, where
        # a SIGTERM can still stop them and drop what they made).
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            offline = pool.submit(check_stages, project, rendered)
            try:
                database = (scratch_database(connection_params(args.db), project,
                                             trust_specs=args.trust_specs) if args.db
                            else server.database(project))
                with database as session:
                    result = validate_live(session, project, rendered, probe=not args.no_rls_probe,
                                           more_sessions=server.open_session if server is not None else None)
            except (ConnectionProblem, ContainmentBroken) as exc:
                raise UsageError(str(exc)) from None
            diagnostics = offline.result() + result.diagnostics
        report = result.rls_report
    diagnostics = select_findings(args, project, apply_waivers(project, diagnostics), err)
    if report and args.format == "text":
        out.write("RLS behaviour (as user A with user B's rows present, each statement rolled back):\n")
        out.write(report + "\n")
    out.write(format_diagnostics(diagnostics, args.format))
    if args.format == "text":
        errors = len(failing(diagnostics))
        warnings = len(failing(diagnostics, "warning")) - errors
        mode = "offline and live" if live else "offline; add --live for the database checks"
        known = sum(1 for d in diagnostics if is_known(d))
        err.write(f"validate ({mode}): {counted(errors, 'error')}, "
                  f"{counted(warnings, 'warning')}, "
                  f"{sum(1 for d in diagnostics if d.waived) - known} waived" + (f", {known} known" if known else "")
                  + "\n")
    return EXIT_FINDINGS if failing(diagnostics) else EXIT_OK
