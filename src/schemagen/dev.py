"""``schemagen dev``: a local Supabase-like database with the specs applied, until Ctrl-C.

For what needs a database to talk to (``drift --db``, psql, a test of one's own), without
building stand-ins for Stages 1–4 by hand: the same throwaway server ``validate --live`` uses,
the platform installed, every stage applied and committed, and its URL printed. It listens on a
Unix socket in a folder only its user may enter, as every throwaway server does (docs/security.md),
so the URL names that folder. The running one is noted in schemagen's cache, so that
``schemagen dev --stop`` in another terminal ends it.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import TextIO


class DevProblem(Exception):
    """The database could not be started or stopped; one line, exit 2."""


def _state_file() -> Path:
    from .cache import cache_dir

    folder = cache_dir()
    if folder is None:
        raise DevProblem("schemagen dev needs its cache folder to note the running database "
                         "(SCHEMAGEN_NO_CACHE is set, or the folder is not the user's alone)")
    return folder / "dev.json"


def serve(specs: Path, templates: Path | None, out: TextIO, err: TextIO) -> int:
    from . import live, pgserver
    from .diagnostics import counted
    from .lint import run_lint
    from .load import load_project
    from .render import render_project

    project = load_project(specs)
    rendered = render_project(project, run_lint(project), user_templates=templates)
    try:
        server = pgserver.start()
    except pgserver.PostgresNotFound as exc:
        raise DevProblem(str(exc)) from None
    state = _state_file()
    try:
        admin, owner = live.connect(server, admin=True), live.connect(server)
        refused: list[str] = []
        try:
            live.build_database(admin, owner, project, rendered, refused)
        finally:
            admin.close()
            owner.close()
        for problem in refused:
            err.write(problem + "\n")
        url = server.url("postgres", "postgres")
        state.write_text(json.dumps({"pid": os.getpid(), "url": url}), "utf-8")
        out.write(f"{url}\n")
        out.flush()
        err.write(f"schemagen dev: {counted(len(project.stages), 'stage')} applied as postgres; the database runs "
                  "until Ctrl-C or `schemagen dev --stop`\n")
        err.flush()
        _wait()
    finally:
        server.stop()
        try:
            if json.loads(state.read_text("utf-8")).get("pid") == os.getpid():
                state.unlink()
        except (OSError, ValueError):
            pass
    return 0


def _wait() -> None:
    """Until SIGINT or SIGTERM (``--stop`` sends it)."""
    stopping = []

    def stop(signum, frame):
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        while not stopping:
            signal.pause()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop() -> str:
    state = _state_file()
    try:
        running = json.loads(state.read_text("utf-8"))
        pid = int(running["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        raise DevProblem("no database from `schemagen dev` is running") from None
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists() and b"schemagen" not in cmdline.read_bytes():  # the pid went to another program
        state.unlink(missing_ok=True)
        raise DevProblem("the database `schemagen dev` noted is no longer running")
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        state.unlink(missing_ok=True)
        raise DevProblem("the database `schemagen dev` noted is no longer running") from None
    return f"stopped the database at {running.get('url', '?')}"
