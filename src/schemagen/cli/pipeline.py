"""The steps generate and check share: load, lint, render, and the pictures."""

from __future__ import annotations

import argparse
from typing import TextIO

from ..lint import run_lint
from ..load import load_project
from ..model import Project
from ..render import render_project


def rendered_files(args: argparse.Namespace) -> tuple[Project, dict[str, str]]:
    project = load_project(args.specs)
    return project, render_project(project, run_lint(project), args.templates)


def rendered_with_pictures(args: argparse.Namespace, err: TextIO, *, redraw: bool) -> tuple[Project, dict[str, str]]:
    """The rendered files, with the diagrams' pictures when asked for (or kept from an earlier run)."""
    from ..pictures import PicturesUnavailable, with_pictures
    from . import UsageError

    project, files = rendered_files(args)
    try:
        files, notes = with_pictures(files, args.out, args.pictures, redraw=redraw)
    except PicturesUnavailable as exc:
        raise UsageError(str(exc)) from None
    for note in notes:
        err.write(f"schemagen: {note}\n")
    return project, files
