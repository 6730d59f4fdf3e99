"""The steps generate and check share: load, lint, render."""

from __future__ import annotations

import argparse

from ..lint import run_lint
from ..load import load_project
from ..model import Project
from ..render import render_project
from . import UsageError


def rendered_files(args: argparse.Namespace) -> tuple[Project, dict[str, str]]:
    if args.templates is not None and not args.templates.is_dir():
        raise UsageError(f"--templates {args.templates}: no such directory")
    project = load_project(args.specs)
    try:
        return project, render_project(project, run_lint(project), args.templates)
    except Exception as exc:  # a user template's mistake, reported without a traceback
        import jinja2

        if isinstance(exc, jinja2.TemplateError):
            where = f"{exc.filename}:{exc.lineno}: " if getattr(exc, "lineno", None) else ""
            raise UsageError(f"template error: {where}{exc}") from None
        raise
