"""``schemagen`` command line: parse arguments, call one step, print, return an exit code.

``main(argv)`` returns instead of exiting so tests run commands in-process, the
way migra's ``run(args, out, err)`` does. Subcommand modules are imported only
when chosen, keeping ``check`` free of what ``validate`` needs.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence, TextIO

from .. import __version__
from ..diagnostics import OutputProblem, SpecError, TemplateProblem, counted, format_diagnostics, printable

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

#: Each command is the module of the same name in this package.
COMMANDS = {
    "generate": "write generated/ from specs/ (atomically; removes only its own stale files)",
    "check": "exit 1 and print a diff when generated/ is not what generate would write",
    "lint": "report the checklist, security and performance findings of the specs",
    "validate": "check the generated SQL with sqlglot, and with --live on a real PostgreSQL",
    "drift": "compare a live database with the specs; --sql prints the repair",
    "migrate": "write the next migration from a spec edit, proven; check that the migrations match the specs",
    "import": "write specs from existing migrations, SQL files, a live database or a stage document, proven",
    "rules": "list the lint rules, or explain one (schemagen rules SG008)",
    "baseline": "record today's lint (and with --live validate) findings, so that CI fails only on new ones",
    "dev": "a local database with the specs applied, for drift --db and psql, until Ctrl-C or dev --stop",
}


@contextmanager
def collector_paused() -> Iterator[None]:
    """A run builds many small objects and no garbage cycles worth collecting; the cyclic
    collector's passes over them grow with the heap and made large spec sets superlinear
    (benchmarks/README.md), so every command runs with it paused, and so do the benchmarks
    that time a step in-process."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class UsageError(Exception):
    """A problem with how schemagen was called or where it points, reported in one line."""


def common_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--specs", type=Path, default=Path("specs"), metavar="DIR",
                        help="folder of stage spec files (default: specs)")
    parent.add_argument("--out", type=Path, default=Path("generated"), metavar="DIR",
                        help="folder of generated files (default: generated)")
    parent.add_argument("--templates", type=Path, default=None, metavar="DIR",
                        help="your templates folder; files there replace the built-in ones of the same name")
    return parent


def finding_options(parser: argparse.ArgumentParser) -> None:
    """What lint and validate share: a baseline of known findings, and one stage."""
    parser.add_argument("--baseline", type=Path, default=None, metavar="FILE",
                        help="known findings that do not fail (default: schemagen-baseline.json beside the specs "
                             "folder, when there is one; write it with schemagen baseline)")
    parser.add_argument("--no-baseline", action="store_true", help="report every finding as new")
    parser.add_argument("--stage", type=int, default=None, metavar="N",
                        help="report only the findings of stage N (every stage is still read and applied)")


def stage_paths(project, number: int) -> set[str]:
    """The spec file of ``--stage N``, or a one-line error naming the stages there are."""
    paths = {stage.path for stage in project.stages if stage.number == number}
    if not paths:
        raise UsageError(f"--stage {number}: no such stage; the specs have "
                         f"{', '.join(str(s.number) for s in project.stages)}")
    return paths


def select_findings(args: argparse.Namespace, project, findings: list, err: TextIO) -> list:
    """``--stage`` and the baseline applied to findings: those of other stages left out, known ones
    marked (they do not fail), and the baseline's entries no longer found said to be fixed."""
    from .. import baseline

    if args.stage is not None:
        paths = stage_paths(project, args.stage)
        findings = [d for d in findings if d.pos.path in paths]
    path = args.baseline or baseline.default_path(args.specs)
    if args.no_baseline or (args.baseline is None and not path.is_file()):
        return findings
    try:
        known = baseline.read(path)
    except baseline.BaselineProblem as exc:
        raise UsageError(str(exc)) from None
    findings, fixed = baseline.apply(findings, known, path)
    if fixed and args.stage is None:
        err.write(f"{path.name}: {counted(len(fixed), 'known finding')} no longer found (fixed): "
                  + "; ".join(f"{p}: {c} {m}" for p, c, m in fixed[:5]) + ("; …" if len(fixed) > 5 else "")
                  + "; run schemagen baseline to drop them\n")
    return findings


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or with ``only`` the one command asked for: each parser argparse builds
    costs start-up time (its gettext lookups), which ``check`` in a pre-commit hook pays on
    every commit. An unknown command gets the full parser, and so its list of commands."""
    parser = argparse.ArgumentParser(
        prog="schemagen",
        description="Schema as code for PostgreSQL and Supabase: YAML specs to SQL migrations, "
                    "Mermaid ER diagrams and stage documents.",
        epilog="Exit codes: 0 ok, 1 drift or findings, 2 usage or spec errors.",
    )
    parser.add_argument("--version", action="version", version=f"schemagen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parent = common_options()
    for name, help_text in COMMANDS.items():
        if only is None or only == name:
            command = sub.add_parser(name, parents=[parent], help=help_text, description=help_text)
            importlib.import_module(f"{__name__}.{name}").add_arguments(command)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(chosen if chosen in COMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.templates is not None and not args.templates.is_dir():
        err.write(f"schemagen: --templates {args.templates}: no such directory\n")
        return EXIT_USAGE
    module = importlib.import_module(f"{__name__}.{args.command}")
    try:
        with collector_paused():
            return module.run(args, out, err)
    except SpecError as exc:
        err.write(format_diagnostics(exc.diagnostics, getattr(args, "format", "text")))
        count = len(exc.diagnostics)
        err.write(f"schemagen: {counted(count, 'spec error')}; nothing was written\n")
        return EXIT_USAGE
    except (UsageError, TemplateProblem, OutputProblem) as exc:
        err.write(f"schemagen: {printable(str(exc))}\n")
        return EXIT_USAGE

