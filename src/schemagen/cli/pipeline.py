"""The steps generate and check share: load, lint, render."""

from __future__ import annotations

import argparse

from ..lint import run_lint
from ..load import load_project
from ..model import Project
from ..render import render_project


def rendered_files(args: argparse.Namespace) -> tuple[Project, dict[str, str]]:
    project = load_project(args.specs)
    return project, render_project(project, run_lint(project), args.templates)
