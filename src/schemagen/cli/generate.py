from __future__ import annotations

import argparse
from typing import TextIO

from ..outputs import locked, plan, write
from ..render import MANIFEST
from . import EXIT_OK, UsageError
from .pipeline import rendered_with_pictures


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    parser.add_argument("--pictures", action="store_true",
                        help="also draw each diagram as an SVG next to it (er/x.svg), with Mermaid in headless "
                             "Chromium; without it, pictures drawn earlier are kept")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import uptodate

    key = uptodate.record_key(args)
    _, files = rendered_with_pictures(args, err, redraw=True)
    plan(files, args.out)  # refuses an --out that is a file before anything is created
    with locked(args.out):
        p = plan(files, args.out)
        for warning in p.warnings:
            err.write(f"schemagen: warning: {warning}\n")
        if p.foreign:
            listed = ", ".join(str(args.out / rel) for rel in p.foreign)
            raise UsageError(f"{listed}: exists but was not written by schemagen (not in "
                             f"{args.out / MANIFEST}); move it away, then run generate again")
        write(p, args.out)
    if not p.warnings and key is not None and key == uptodate.inputs_key(args.specs, args.templates):
        uptodate.remember(key, files)  # what a later check may find without rendering
    if not args.quiet:
        for rel in p.missing:
            out.write(f"created {args.out / rel}\n")
        for rel in p.changed:
            out.write(f"updated {args.out / rel}\n")
        for rel in p.stale:
            out.write(f"removed {args.out / rel}\n")
        unchanged = len(files) - len(p.missing) - len(p.changed)
        out.write(f"{len(files)} files: {len(p.missing)} created, {len(p.changed)} updated, "
                  f"{len(p.stale)} removed, {unchanged} unchanged\n")
    return EXIT_OK
