from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from ..diagnostics import counted
from . import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--file", type=Path, default=None, metavar="FILE",
                        help="where to record them (default: schemagen-baseline.json beside the specs folder)")
    parser.add_argument("--live", action="store_true",
                        help="record validate --live's findings too (the RLS probe's holes), not only lint's")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import baseline
    from ..lint import run_lint
    from ..load import load_project

    project = load_project(args.specs)
    findings = run_lint(project)
    if args.live:
        findings += _live_findings(args, project)
    path = args.file or baseline.default_path(args.specs)
    try:
        recorded = baseline.write(path, findings)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    err.write(f"recorded {counted(recorded, 'known finding')} in {path}; lint and validate now fail only on "
              "others (commit the file)\n")
    return EXIT_OK


def _live_findings(args, project) -> list:
    from ..db import ConnectionProblem, ContainmentBroken
    from ..offline import render_stages
    from ..throwaway import BackgroundServer
    from ..validate import apply_waivers, validate_live

    server = BackgroundServer()
    rendered = render_stages(project, args.templates)
    try:
        with server.database(project) as session:
            result = validate_live(session, project, rendered, more_sessions=server.open_session)
    except (ConnectionProblem, ContainmentBroken) as exc:
        raise UsageError(str(exc)) from None
    return apply_waivers(project, result.diagnostics)
