from __future__ import annotations

import argparse
from typing import TextIO

from . import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stop", action="store_true", help="stop the database an earlier `schemagen dev` started")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..dev import DevProblem, serve, stop

    try:
        if args.stop:
            err.write(stop() + "\n")
            return EXIT_OK
        return serve(args.specs, args.templates, out, err)
    except DevProblem as exc:
        raise UsageError(str(exc)) from None
