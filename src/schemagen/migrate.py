"""Migrations: from the schema the existing migration files produce to the one the specs describe,
written as the next file of ``supabase/migrations/`` and proven before anyone trusts it.

The baseline is the migrations folder itself, applied in name order to the throwaway database
(so hand-written migrations count), or the specs at a git revision. The changes are drift's:
the same comparison and per-kind repairs, in dependency order, whatever the "from" side is.
Then the safe forms PostgreSQL has are used where a table already exists: an index is built
``concurrently``, in a file of its own (it cannot run inside the transaction the Supabase CLI
wraps each file in), and a check or foreign key is added ``not valid`` and validated after.

The proof (``migration_proof``) applies the files' statements to the baseline with sample rows
in place; only then are the files written, and only if what is read back is what was proven.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import model as m
from .db import database_message
from .kinds.base import Change

#: Statements that cannot run inside a transaction block; the proof runs them without the keyword.
CONCURRENTLY = re.compile(r"\b(index|materialized view)\s+concurrently\b", re.IGNORECASE)


class MigrationProblem(Exception):
    """The baseline cannot be built (a migration PostgreSQL refuses, a revision git does not
    have): one line with the file and line, exit 2."""


@dataclass
class Step:
    """One statement of the migration."""

    sql: str
    destructive: bool = False
    #: ``--allow-destructive``: a destructive statement is written, not commented.
    allowed: bool = False
    #: ``create index concurrently``: in a file of its own, outside a transaction.
    concurrent: bool = False
    #: ``validate constraint``: in a file after the one that adds it ``not valid``, so the add's
    #: lock is released before the scan.
    validation: bool = False
    #: A file's ``set lock_timeout`` or ``set statement_timeout``: applied, not counted.
    setting: bool = False
    #: What it risks, known from what it is.
    hazard: str = ""
    #: What the proof saw it do: locks on existing relations, and tables it rewrote.
    measured: list[str] = field(default_factory=list)

    @property
    def included(self) -> bool:
        return self.allowed or not self.destructive


@dataclass
class Plan:
    steps: list[Step]
    changes: list[Change]
    notes: list[str] = field(default_factory=list)
    #: The whole schema, for a project with no migrations yet.
    initial: bool = False


@dataclass
class Proof:
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    #: Differences between the migrated catalog and the specs, as changes at spec positions.
    left: list[Change] = field(default_factory=list)


# --- the baseline ------------------------------------------------------------------------


#: The Supabase CLI's rule for a migration's file name: digits, an underscore, a name, ``.sql``.
MIGRATION_NAME = re.compile(r"[0-9]+_.*\.sql")


def migration_files(directory: Path) -> list[Path]:
    """The files the Supabase CLI applies, in its order (by name): ``<timestamp>_name.sql``. Other
    ``.sql`` files there (``seed.sql``, a ``local_fix.sql``) are not migrations to it, nor here."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.sql") if p.is_file() and MIGRATION_NAME.fullmatch(p.name))


def skipped_files(directory: Path) -> list[Path]:
    """The ``.sql`` files in the folder that ``migration_files`` leaves out."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.sql") if p.is_file() and not MIGRATION_NAME.fullmatch(p.name))


def skipped_note(directory: Path) -> str:
    """One line naming the files left out, or nothing."""
    skipped = skipped_files(directory)
    if not skipped:
        return ""
    return (f"schemagen: not migrations, as the Supabase CLI does not apply them either (their names are not "
            f"<timestamp>_name.sql): {', '.join(p.name for p in skipped)}\n")


#: What PostgreSQL says of a name that does not exist: a function, type, wrapper, schema or table.
_UNDEFINED = ("42883", "42704", "42P01", "3F000")
#: Statements about foreign data, which only an extension (wrappers, postgres_fdw) makes possible:
#: without it PostgreSQL may refuse them for want of privilege before it looks for the handler.
_FOREIGN_DATA = re.compile(r"\s*(create|alter)\s+(foreign\s+data\s+wrapper|server|foreign\s+table|user\s+mapping)\b"
                           r"|\s*import\s+foreign\s+schema\b", re.IGNORECASE)


@dataclass
class Unavailable:
    """Extensions the migrations create that this server does not have (``wrappers``, ``pgjwt``),
    left out with the statements that then fail for want of what they would have made: each is
    said (V204), so that nothing is dropped silently."""

    #: Extension → the ``file:line`` of its ``create extension``.
    extensions: dict[str, str] = field(default_factory=dict)
    #: (``file:line``, PostgreSQL's message) of each statement left out after one.
    statements: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for name, where in self.extensions.items():
            out.append(f"{where}: V204 warning extension {name} is not installed on this PostgreSQL: "
                       "schemagen left it out, and what needs it is not applied, compared or imported here")
        for where, message in self.statements:
            out.append(f"{where}: V204 warning left out with {', '.join(self.extensions)}: {message}")
        return out


def _sqlstate(exc: BaseException) -> str:
    fields = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    return fields.get("C", "")


def apply_migrations(conn, files: list[Path], superuser=None, unavailable: Unavailable | None = None) -> None:
    """Apply existing migrations in name order, committed, as the Supabase CLI does, on the
    throwaway server (``conn`` commits each statement; ``superuser`` creates privileged
    extensions, and turns database webhooks on where a migration calls them, as the platform does)."""
    from .live import webhooks_for
    from .provenance import split

    texts = [path.read_text("utf-8") for path in files]
    if superuser is not None:
        webhooks_for(superuser, texts)
    for path, text in zip(files, texts, strict=True):
        try:
            pieces = split(text)
        except Exception as exc:
            raise MigrationProblem(f"{path}: not SQL PostgreSQL can read: {exc}") from None
        run_file(conn, [(sql, f"{path}:{line}") for sql, line in pieces], MigrationProblem,
                 " of an existing migration", superuser=superuser, unavailable=unavailable)


def run_file(conn, pieces: list[tuple[str, str]], problem: type[Exception], whose: str = "",
             superuser=None, unavailable: Unavailable | None = None) -> None:
    """One file's statements (each with its ``file:line``), committed one by one as the Supabase CLI
    applies a migration. Transaction control is left out and ``concurrently`` kept (each statement
    is its own transaction here); what PostgreSQL refuses stops the run at its file and line, and
    what schemagen never sends (``copy … program``) is refused as it is everywhere. A file's
    ``set search_path`` or role does not reach the next. Given ``superuser``, a privileged
    extension is created as supautils creates it on Supabase (``live.as_the_platform``). Given
    ``unavailable``, an extension this server lacks is left out, and so is each later statement
    that fails for want of a name while one is out, each recorded there."""
    from .db import execute_one
    from .live import as_the_platform
    from .pgsql import created_extension, refusal

    for sql, where in pieces:
        if _is_transaction_control(sql):
            continue
        reason = refusal(sql)
        if reason:
            raise problem(f"{where}: schemagen does not run this statement: {reason}")
        try:
            if superuser is None or not as_the_platform(conn, sql):
                if unavailable is not None and "extension" in sql.lower():
                    created = created_extension(sql)
                    if created is not None and not conn.run(
                            "select exists (select from pg_available_extensions where name = :n) "
                            "or exists (select from pg_extension where extname = :n)", n=created.name)[0][0]:
                        unavailable.extensions.setdefault(created.name, where)
                        continue
                execute_one(conn, sql)
        except Exception as exc:
            if unavailable is not None and unavailable.extensions and (
                    _sqlstate(exc) in _UNDEFINED or _FOREIGN_DATA.match(sql)):
                unavailable.statements.append((where, database_message(exc)))
                continue
            raise problem(f"{where}: PostgreSQL rejects this statement{whose}: {database_message(exc)}") from None
    execute_one(conn, "reset all")


def _is_transaction_control(sql: str) -> bool:
    words = sql.strip().rstrip(";").split()
    return bool(words) and words[0].lower() in ("begin", "commit", "rollback", "start", "end") and len(words) <= 3


def build_from_revision(conn, project_at_revision: m.Project, rendered: dict[str, str], superuser=None) -> None:
    """The schema the specs described at a git revision, applied as their generated SQL (a
    privileged extension made by ``superuser``, as the platform does)."""
    from .db import execute_one
    from .live import as_the_platform
    from .provenance import statements

    for stage in project_at_revision.stages:
        for statement in statements(stage, rendered[f"sql/{stage.file_stem}.sql"]):
            try:
                if superuser is None or not as_the_platform(conn, statement.sql):
                    execute_one(conn, statement.sql)
            except Exception as exc:
                raise MigrationProblem(f"the specs at that revision do not apply: {statement.pos}: "
                                       f"{database_message(exc)}") from None


def specs_at_revision(specs: Path, revision: str, into: Path) -> Path:
    """The spec folder as git had it at ``revision``, written under ``into``."""
    import subprocess

    top = subprocess.run(["git", "-C", str(specs), "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    if top.returncode != 0:
        raise MigrationProblem(f"--from needs a git repository: {top.stderr.strip() or 'git failed'}")
    root = Path(top.stdout.strip())
    relative = specs.resolve().relative_to(root.resolve()).as_posix()
    listed = subprocess.run(["git", "-C", str(root), "ls-tree", "-r", "--name-only", revision, "--", relative],
                            capture_output=True, text=True)
    if listed.returncode != 0:
        raise MigrationProblem(f"git does not know revision {revision!r}: {listed.stderr.strip()}")
    target = into / "specs"
    target.mkdir(parents=True, exist_ok=True)
    for name in listed.stdout.splitlines():
        if not name.endswith((".yaml", ".yml")):
            continue
        shown = subprocess.run(["git", "-C", str(root), "show", f"{revision}:{name}"], capture_output=True)
        (target / Path(name).name).write_bytes(shown.stdout)
    return target


# --- the plan ----------------------------------------------------------------------------


def plan_changes(found: list[Change], project: m.Project, env, baseline_tables: set[tuple[str, str]], *,
                 allow_destructive: bool = False) -> Plan:
    """The statements that bring the baseline to the specs, in safe forms where a table exists."""
    from .drift import repair_statements
    from .provenance import split

    steps, notes = [], []
    for statement in repair_statements(found, project, env):
        if statement.phase == "note":  # what cannot be written as a statement goes to the header
            notes.append(statement.sql.removeprefix("-- "))
            continue
        for sql, _ in split(statement.sql):
            steps.append(_safe_form(Step(sql.rstrip(";") + ";", statement.destructive, allow_destructive),
                                    baseline_tables))
    return Plan(_expand_validations(steps), found, notes)


_NAME = r'("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)'
_TARGET = re.compile(rf"(?:\bon|^alter table(?: only)?)\s+{_NAME}\.{_NAME}", re.IGNORECASE)


def untestable_here(session, project: m.Project):
    """What of the specs needs an extension this server lacks (``untestable``): left out of the
    comparison, said once as V204 by the caller."""
    from .stand_ins import STAND_INS
    from .untestable import untestable
    from .validate import AVAILABLE_EXTENSIONS

    available = {name for (name,) in session.query(AVAILABLE_EXTENSIONS)} | set(STAND_INS)
    return untestable(project, available)


def testable(found: list[Change], skip) -> list[Change]:
    """The differences that are not about what ``skip`` (``untestable_here``) leaves out."""
    if not skip:
        return found
    return [c for c in found if c.pos not in skip.positions]


def plan_from_database(session, project: m.Project, env, schemas: list[str], *,
                       allow_destructive: bool = False, skip=None) -> Plan:
    """The plan from whatever the session's database holds (the baseline) to the specs. The
    renames drift makes to compare are undone with the rest, so a proof starts from the baseline."""
    from .catalog import introspect
    from .drift import drift

    with session.scratch():
        found = testable(drift(session, project, schemas), skip)
    known = set(introspect(session, schemas).tables)
    return plan_changes(found, project, env, known, allow_destructive=allow_destructive)


def _target(sql: str) -> tuple[str, str] | None:
    """The table a statement is on (an index's, an altered table), as the catalog names it."""
    found = _TARGET.search(sql)
    if not found:
        return None
    return tuple(part[1:-1].replace('""', '"') if part.startswith('"') else part  # type: ignore[return-value]
                 for part in found.groups())


def _safe_form(step: Step, baseline_tables: set) -> Step:
    sql = step.sql
    lowered = sql.lower()
    on_existing = _target(sql) in baseline_tables
    if re.match(r"create (unique )?index ", lowered) and on_existing:
        step.sql = re.sub(r"^create (unique )?index ", lambda found: f"create {found.group(1) or ''}index concurrently ",
                          sql, flags=re.IGNORECASE)
        step.concurrent = True
        step.hazard = "builds the index without blocking writes (concurrently), in a file of its own"
    elif re.match(r"create (unique )?index ", lowered):
        step.hazard = "builds an index on a table this migration creates: nothing waits for it"
    elif lowered.startswith("alter table") and " add constraint " in lowered and on_existing \
            and (" check " in lowered or " foreign key " in lowered) and not lowered.rstrip(";").endswith("not valid"):
        step.sql = sql.rstrip(";") + " not valid;"
        step.hazard = "added not valid, so existing rows are not scanned under a blocking lock; validated next"
    elif lowered.startswith("alter table") and re.search(r" add (check|foreign key) ", lowered) and on_existing:
        step.hazard = ("scans every row to check it under a lock that blocks writes; name the constraint in the "
                       "spec and it is added not valid and validated apart")
    elif " set not null" in lowered and on_existing:
        step.hazard = "scans the whole table under a lock that blocks reads and writes"
    elif " type " in lowered and lowered.startswith("alter table") and on_existing:
        step.hazard = "may rewrite the table under a lock that blocks reads and writes"
    elif " drop column " in lowered:
        step.hazard = "removes data; a client that still reads or writes the column fails (PostgREST's select=*, app code)"
    elif lowered.startswith("drop "):
        dropped = lowered.split()[1]
        step.hazard = _DROP_HAZARDS.get(dropped, "removes data; a client that still uses it fails")
    elif re.match(r"alter table \S+ rename (column \S+ )?to ", lowered):
        step.hazard = ("a client that still uses the old name fails from this commit (the API's callers, app code): "
                       "release the code that uses the new name with it")
    return step


#: What dropping an object that holds no rows does to those who use it (a table, a column or a
#: sequence removes data).
_DROP_HAZARDS = {
    "function": "breaks whatever still calls it (an rpc from the API, a policy, a trigger)",
    "procedure": "breaks whatever still calls it",
    "view": "breaks whatever still reads it",
    "policy": "changes who may read or write the table's rows",
    "trigger": "stops what it did on each write",
    "index": "queries that used it may slow down; a unique one stops enforcing uniqueness",
    "publication": "stops replicating its tables",
    "type": "fails while a column, argument or other type still uses it",
}


def _expand_validations(steps: list[Step]) -> list[Step]:
    out = []
    for step in steps:
        out.append(step)
        named = re.match(r"alter table (\S+) add constraint (\S+) .* not valid;$", step.sql, re.IGNORECASE | re.S)
        if named and step.hazard.startswith("added not valid"):
            out.append(Step(f"alter table {named.group(1)} validate constraint {named.group(2)};", step.destructive,
                            step.allowed, validation=True,
                            hazard="scans the rows under a lock that lets reads and writes go on"))
    return out


def initial_plan(project: m.Project, rendered: dict[str, str]) -> Plan:
    """A project with no migrations yet: its whole schema, stage by stage, as generated."""
    from .provenance import split

    steps = []
    for stage in project.stages:
        for sql, _ in split(rendered[f"sql/{stage.file_stem}.sql"]):
            steps.append(Step(sql.rstrip(";") + ";"))
    return Plan(steps, [], initial=True)


# --- the files ---------------------------------------------------------------------------


#: Characters a migration's name keeps in its file name: file systems stop at 255 bytes.
MAX_NAME = 100


def name_problem(name: str, version: str | None) -> str | None:
    """Why ``migrate new NAME [--version N]`` cannot name a file, or None."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if len(slug) > MAX_NAME:
        return f"the migration's name is {len(slug)} characters; name it in at most {MAX_NAME} (fix_task_policy)"
    if version is not None and not (version.isascii() and version.isdigit() and len(version) <= 20):
        return f"--version {version!r} is not a number of at most 20 digits (20260101000000)"
    return None


def file_names(directory: Path, name: str, version: str | None, naming: str, extra: int) -> list[Path]:
    """The next migration's file, and one more for each step that must run on its own."""
    import datetime

    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "migration"
    if naming == "sequence":
        existing = [int(found.group(1)) for p in migration_files(directory)
                    if (found := re.match(r"(\d+)_", p.name))]
        start = (max(existing) + 1) if existing else 1
        return [directory / f"{start + i:04d}_{slug}{'' if i == 0 else f'_{i}'}.sql" for i in range(1 + extra)]
    if version is None:
        now = datetime.datetime.now(datetime.timezone.utc)
        stamps = [(now + datetime.timedelta(seconds=i)).strftime("%Y%m%d%H%M%S") for i in range(1 + extra)]
    else:
        stamps = [str(int(version) + i) for i in range(1 + extra)]
    return [directory / f"{stamp}_{slug}{'' if i == 0 else f'_{i}'}.sql" for i, stamp in enumerate(stamps)]


#: What each file of a migration starts with: how long a statement may wait for its lock, and run.
#: A timeout rolls the file back whole, which is safer than a lock held while a table is rewritten.
MAIN_SETTINGS = ("set lock_timeout = '5s';", "set statement_timeout = '1min';")
#: A validation or a concurrent build scans the table without blocking its readers or writers: it
#: may take as long as the table needs.
SCAN_SETTINGS = ("set lock_timeout = '5s';", "set statement_timeout = 0;")


def file_groups(plan: Plan) -> list[tuple[str, list[Step]]]:
    """The statements of each file, in the order they are applied: the migration, then the
    validations of what it added ``not valid`` (its lock released first), then each concurrent
    index build alone."""
    main = [s for s in plan.steps if not s.concurrent and not s.validation]
    validations = [s for s in plan.steps if s.validation]
    groups = [("main", main)] if main else []
    if validations:
        groups.append(("validate", validations))
    return groups + [("concurrent", [s]) for s in plan.steps if s.concurrent]


def render_files(plan: Plan, proof: Proof | None, names: list[Path], baseline: str) -> list[tuple[Path, str]]:
    """The migration's files (``file_groups``), each with what its statements risk; the first
    carries the proof. Without ``proof`` it is the draft the proof applies: the same statements."""
    from .sqltext import sql_comment

    groups = file_groups(plan)
    ordered = [step for _, steps in groups for step in steps]
    header = [f"-- {names[0].name}: written by schemagen migrate new from the specs",
              f"-- baseline: {baseline}"]
    if proof is not None:
        header.append("-- proof, on a throwaway PostgreSQL with sample rows, of these files as written: "
                      + "; ".join(proof.facts))
    hazards = [(i, s) for i, s in enumerate(ordered, start=1) if s.hazard or s.measured]
    if hazards:
        header.append("-- hazards (statements numbered across the files; locks as measured in the proof, each "
                      "held until its file commits):")
        for number, step in hazards:
            first = step.sql.splitlines()[0]
            detail = "; ".join(filter(None, [step.hazard, ", ".join(step.measured)]))
            header.append(sql_comment(f"  {number}. {first[:80]}{'…' if len(first) > 80 else ''}: {detail}"))
    if any(not s.included for s in plan.steps):
        header.append("-- destructive statements are commented out; review them, then rerun with "
                      "--allow-destructive to include them")
    for note in plan.notes:
        header.append(sql_comment(note))
    files = []
    for i, ((what, steps), path) in enumerate(zip(groups, names, strict=False)):
        head = "\n".join(header) if i == 0 else f"-- {path.name}: written by schemagen migrate new, with {names[0].name}"
        if what == "validate":
            head += ("\n-- validates what the file before added not valid, in a transaction of its own: the scan "
                     "blocks\n-- neither reads nor writes")
        elif what == "concurrent":
            head += "\n" + CONCURRENT_NOTE.rstrip("\n")
        settings = [] if plan.initial else list(MAIN_SETTINGS if what == "main" else SCAN_SETTINGS)
        body = settings + [step.sql if step.included else sql_comment("destructive: " + step.sql) for step in steps]
        files.append((path, head + "\n\n" + "\n\n".join(body) + "\n"))
    return files


def file_count(plan: Plan) -> int:
    return len(file_groups(plan))


def statements_of(texts: list[str]) -> list[str]:
    """The statements PostgreSQL's lexer finds in files, in order: what applying them runs."""
    from .provenance import split

    return [sql for text in texts for sql, _ in split(text)]


def as_written(plan: Plan, drafts: list[tuple[Path, str]]) -> Plan:
    """The plan the proof applies: the statements read from the files, in their order, each the
    plan's own step where it is one (its hazards and measurements are the plan's), and the
    settings the files begin with. The commented statements follow, not applied."""
    by_sql: dict[str, list[Step]] = {}
    for step in plan.steps:
        if step.included:
            by_sql.setdefault(step.sql.rstrip(";"), []).append(step)
    steps = []
    for sql in statements_of([text for _, text in drafts]):
        mine = by_sql.get(sql.rstrip(";"))
        steps.append(mine.pop(0) if mine else Step(sql.rstrip(";") + ";", setting=True))
    leftover = [step for steps_ in by_sql.values() for step in steps_]
    if leftover:
        raise MigrationProblem(f"schemagen wrote a migration without a statement it planned ({leftover[0].sql}); "
                               "nothing was written (a bug of schemagen)")
    return Plan(steps + [s for s in plan.steps if not s.included], plan.changes, plan.notes, plan.initial)


#: What a file holding ``create index concurrently`` must say about how it is applied.
CONCURRENT_NOTE = ("-- runs on its own, outside a transaction: create index concurrently cannot run inside one. The\n"
                   "-- Supabase CLI from 2.109 sends each statement alone; earlier versions, and psql -1, send the\n"
                   "-- file as one transaction and fail here: apply it with psql without -1.\n")
