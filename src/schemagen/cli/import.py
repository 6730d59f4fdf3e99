from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from ..diagnostics import counted
from . import EXIT_FINDINGS, EXIT_OK, UsageError

#: The report's rows: the kinds in the order they are made, then what is kept as raw SQL.
KIND_ORDER = ("extension", "enum", "domain", "sequence", "table", "function", "view", "policy", "index", "trigger",
              "publication", "bucket", "cron job", "grant", "schema", "type", "procedure", "constraint", "rule")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--migrations", type=Path, metavar="DIR",
                        help="a migrations folder (supabase/migrations): its .sql files applied in name order")
    source.add_argument("--sql", type=Path, nargs="+", action="append", metavar="FILE",
                        help="SQL files (a schema dump, hand-written DDL), applied in the order given; given "
                             "more than once, each group of files is a stage")
    source.add_argument("--db", metavar="URL",
                        help="a live database, read in a read-only transaction (postgresql://…)")
    source.add_argument("--stage-doc", type=Path, metavar="FILE.md",
                        help="a stage document in this project's format (its SQL, diagram, checklist and notes)")
    parser.add_argument("--schema", action="append", metavar="NAME",
                        help="with --db: a schema to import (repeatable; default: public)")
    parser.add_argument("--stage-per-file", action="store_true",
                        help="a stage per migration or SQL file instead of one stage for everything")
    parser.add_argument("--stage", type=int, default=1, metavar="N", help="the first stage's number (default: 1)")
    parser.add_argument("--title", help="the stage's title (default: from the file name)")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip the round-trip proof (generate the specs, apply them to a fresh database, "
                             "compare the catalogs)")
    parser.add_argument("--dry-run", action="store_true", help="print the specs instead of writing them")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..importing.run import ImportProblem, Options, from_files, from_stage_doc, import_schema
    from ..importing.stage_doc import StageDocProblem
    from ..outputs import write_new_files

    try:
        if args.migrations is not None:
            if not args.migrations.is_dir():
                raise UsageError(f"--migrations {args.migrations}: no such directory")
            from ..migrate import migration_files, skipped_note

            files = migration_files(args.migrations)
            if not files:
                raise UsageError(f"--migrations {args.migrations}: no migrations there (files named "
                                 "<timestamp>_name.sql, as the Supabase CLI names them)")
            err.write(skipped_note(args.migrations))
            source = from_files(files, stage_per_file=args.stage_per_file)
        elif args.sql is not None:
            files = [path for group in args.sql for path in group]
            groups = [n for n, group in enumerate(args.sql, start=1) for _ in group]
            source = from_files(files, stage_per_file=args.stage_per_file, groups=groups)
        elif args.stage_doc is not None:
            source = from_stage_doc(args.stage_doc)
        else:
            from ..importing.run import Source

            source = Source(url=args.db, schemas=sorted(set(args.schema or ["public"])))
        if args.schema and args.db is None:
            raise UsageError("--schema applies to --db; a migration's schemas are all imported")
        result = import_schema(source, Options(first_stage=args.stage, title=args.title, verify=not args.no_verify))
    except (ImportProblem, StageDocProblem) as exc:
        raise UsageError(str(exc)) from None
    paths = [(args.specs / name, text) for name, text in result.files.items()]
    if args.format == "json":
        out.write(json.dumps(_report(result, paths), indent=2) + "\n")
    else:
        (err if args.dry_run else out).write(_table(result))  # a dry run's stdout is the specs alone
    for line in result.unavailable:
        err.write(line + "\n")
    for what in result.left_out:
        err.write(f"not imported: {what}\n")
    for table, count in result.rows.items():
        err.write(f"not imported: {counted(count, 'row')} in {table}, which the source inserts: "
                  "specs hold the schema, not data; keep them in supabase/seed.sql, or in a raw block "
                  "(sql_after) if every database needs them\n")
    if result.differences or (result.left_out and not args.no_verify):
        for difference in result.differences:
            err.write(f"round trip: {difference}\n")
        problems = len(result.differences) + len(result.left_out)
        what = "the round trip differs in" if result.differences else "the import leaves out"
        err.write(f"schemagen: {what} {counted(problems, 'object')}; nothing was written "
                  "(--no-verify writes the specs anyway)\n")
        return EXIT_FINDINGS
    if args.dry_run:
        if args.format == "text":
            out.write("".join(f"# --- {path}\n{text}" for path, text in paths))
        return EXIT_OK
    write_new_files(paths, "schemagen import never overwrites a spec: import into another --specs folder, or "
                           "move the existing file away")
    if args.format == "text":
        for path, _ in paths:
            out.write(f"wrote {path}\n")
        if result.proven:
            out.write("proven: the specs, generated and applied to a fresh database, give the source's catalog\n")
        else:
            out.write("not proven (--no-verify)\n")
    return EXIT_OK


def _rows(result) -> list[tuple[str, int, int]]:
    kinds = sorted({kind for kind, _ in result.counts},
                   key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER), k))
    return [(kind, result.counts.get((kind, "native"), 0), result.counts.get((kind, "raw"), 0)) for kind in kinds]


def _table(result) -> str:
    rows = _rows(result)
    width = max([12, *(len(kind) for kind, _, _ in rows)])
    lines = [f"{'kind':<{width}} native  raw"]
    lines += [f"{kind:<{width}} {native:>6} {raw:>4}" for kind, native, raw in rows]
    total_native = sum(r[1] for r in rows)
    total_raw = sum(r[2] for r in rows)
    lines.append(f"{'total':<{width}} {total_native:>6} {total_raw:>4}")
    if result.respelled:
        lines.append(f"{counted(result.respelled, 'object')} written as PostgreSQL "
                     "spells them: the source's spelling reads differently there")
    lost = len(result.differences) + len(result.left_out)
    lines.append("lost: none (what the spec language cannot say is kept as raw SQL)" if not lost
                 else f"lost: {lost} (below)")
    if result.rows:
        rows = sum(result.rows.values())
        lines.append(f"data: {counted(rows, 'row')} in {counted(len(result.rows), 'table')}, not imported (below)")
    return "\n".join(lines) + "\n"


def _report(result, paths) -> dict:
    return {
        "files": [str(path) for path, _ in paths],
        "objects": {kind: {"native": native, "raw": raw} for kind, native, raw in _rows(result)},
        "proven": result.proven,
        "differences": result.differences,
        "not_imported": result.left_out,
        "rows_not_imported": result.rows,
        "respelled": result.respelled,
    }
