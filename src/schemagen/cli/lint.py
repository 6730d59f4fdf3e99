from __future__ import annotations

import argparse
from collections import Counter
from typing import TextIO

from ..diagnostics import FORMATS, counted, format_diagnostics
from ..baseline import is_known
from ..lint import failing, run_lint
from ..load import load_project
from . import EXIT_FINDINGS, EXIT_OK, finding_options, select_findings

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (path:line:col: CODE severity message), json, or github annotations")
    parser.add_argument("--fail-on", choices=("error", "warning"), default="error",
                        help="lowest unwaived severity that makes the exit code 1 (default: error)")
    parser.add_argument("--min-severity", choices=("info", "warning", "error"), default="warning",
                        help="lowest severity to print (default: warning; info lists every column "
                             "without a comment)")
    finding_options(parser)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    project = load_project(args.specs)
    findings = select_findings(args, project, run_lint(project), err)
    shown = [d for d in findings if SEVERITY_RANK[d.severity] >= SEVERITY_RANK[args.min_severity]]
    out.write(format_diagnostics(shown, args.format))
    if args.format == "text":
        counts = Counter(d.severity for d in findings if d.waived is None)
        known = sum(1 for d in findings if is_known(d))
        waived = sum(1 for d in findings if d.waived is not None) - known
        hidden = len(findings) - len(shown)
        summary = (f"{counted(counts['error'], 'error')}, {counted(counts['warning'], 'warning')}, "
                   f"{counts['info']} info, {waived} waived" + (f", {known} known" if known else ""))
        if hidden:
            summary += f"; {hidden} below --min-severity {args.min_severity} not shown"
        err.write(summary + "\n")
    return EXIT_FINDINGS if failing(findings, args.fail_on) else EXIT_OK
