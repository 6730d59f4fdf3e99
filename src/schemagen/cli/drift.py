from __future__ import annotations

import argparse
from typing import TextIO

from ..diagnostics import FORMATS, counted, format_diagnostics
from ..load import load_project
from . import EXIT_FINDINGS, EXIT_OK, UsageError, stage_paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", required=True,
                        help="the database to compare, e.g. a Supabase project's connection string "
                             "(postgresql://user:password@host:5432/postgres)")
    parser.add_argument("--schema", action="append", metavar="NAME",
                        help="schema to compare (repeatable; default: every schema the specs use)")
    parser.add_argument("--sql", action="store_true",
                        help="print the SQL that brings the database to the specs instead of the differences")
    parser.add_argument("--allow-destructive", action="store_true",
                        help="with --sql: include drops and data-losing type changes instead of listing "
                             "them as comments")
    parser.add_argument("--stage", type=int, default=None, metavar="N",
                        help="only the differences of stage N's objects (and, with --sql, only their repair)")
    parser.add_argument("--format", choices=FORMATS, default="text")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..compare import diagnostic
    from ..drift import DriftProblem, drift, repair_sql, schemas_to_read
    from ..render import build_environment
    from concurrent.futures import ThreadPoolExecutor

    from pg8000.exceptions import DatabaseError

    from ..db import ConnectionProblem, ContainmentBroken, Session, connect, connection_params, database_message

    if args.allow_destructive and not args.sql:
        raise UsageError("--allow-destructive only applies with --sql")
    try:
        params = connection_params(args.db)
    except ConnectionProblem as exc:
        raise UsageError(str(exc)) from None
    # The sessions open while the specs load: one for PostgreSQL to spell the specs' expressions,
    # and, if the server takes a second connection, one to read the catalog meanwhile (drift
    # overlaps the two). The first connection's failure is the one reported. Their thread starts
    # once the loader has forked its workers, if it does: forking beside a thread is not safe.
    def open_sessions():
        first = Session(connect(params))
        try:
            return first, Session(connect(params))
        except Exception:  # a connection limit, say: one session does all the work
            return first, None

    # With two sessions, the second begins reading the catalog before the specs say which schemas
    # they use: those named with --schema, else public, where nearly every project's tables are
    # (a guess that misses is read again; privileges are read once the specs say they matter).
    guess = sorted(set(args.schema)) if args.schema else ["public"]

    def read_ahead(opened):
        from ..catalog import introspect

        first, second = opened.result()
        return introspect(second, guess, skip=frozenset({"grant"})) if second is not None else None

    pool = ThreadPoolExecutor(1)
    opening = []

    def start_opening() -> None:
        opening.append(pool.submit(open_sessions))
        opening.append(pool.submit(read_ahead, opening[0]))
        pool.shutdown(wait=False)

    try:
        project = load_project(args.specs, meanwhile=start_opening)
        sessions = opening[0].result()
    except BaseException as exc:
        for started in opening[:1]:  # whatever failed first, nothing is left open (a read ahead then stops)
            started.add_done_callback(_close_opened)
        if isinstance(exc, ConnectionProblem):
            raise UsageError(str(exc)) from None
        raise
    try:
        ahead = (guess, opening[1]) if sessions[1] is not None else None
        found = drift(sessions[0], project, schemas_to_read(project, args.schema), catalog_session=sessions[1],
                      read_ahead=ahead)
    except (DriftProblem, ContainmentBroken) as exc:
        raise UsageError(str(exc)) from None
    except DatabaseError as exc:  # the catalog refused to this role: a usage problem, not a crash
        raise UsageError(f"cannot read the database as {params['user']}: {database_message(exc)}; connect as a "
                         "role that may use every schema the specs name (or limit drift to some with --schema)"
                         ) from None
    finally:
        opening[-1].exception()  # the read ahead, used or not, is done with the second session
        for session in sessions:
            if session is not None:
                session.close()
    if args.stage is not None:
        paths = stage_paths(project, args.stage)
        found = [change for change in found if change.pos.path in paths]
    if args.sql:
        out.write(repair_sql(found, project, build_environment(args.templates),
                             allow_destructive=args.allow_destructive))
    else:
        out.write(format_diagnostics([diagnostic(c, "D100") for c in found], args.format))
        if args.format == "text":
            err.write(f"{counted(len(found), 'difference')} between the database and "
                      "the specs\n" if found else "the database matches the specs\n")
    return EXIT_FINDINGS if found else EXIT_OK


def _close_opened(opening) -> None:
    if opening.exception() is None:
        for session in opening.result():
            if session is not None:
                session.close()
