from __future__ import annotations

import argparse
from typing import TextIO

from ..outputs import plan, unified_diff
from . import EXIT_FINDINGS, EXIT_OK
from .pipeline import rendered_files


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", "-q", action="store_true", help="no diff, only the summary line")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    files = rendered_files(args)
    p = plan(files, args.out)
    if p.clean:
        out.write(f"{len(files)} files in {args.out} are up to date\n")
        return EXIT_OK
    if not args.quiet:
        out.write(unified_diff(p, args.out))
    for label, paths in (("changed", p.changed), ("missing", p.missing), ("stale", p.stale)):
        for rel in paths:
            err.write(f"{label}: {args.out / rel}\n")
    err.write(f"{args.out} is out of date ({len(p.changed)} changed, {len(p.missing)} missing, "
              f"{len(p.stale)} stale); run 'schemagen generate'\n")
    return EXIT_FINDINGS
