"""Shared fixtures: golden-file comparison, the seed document, a live PostgreSQL."""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The suite's own cache of parser verdicts and compiled templates, not the user's.
os.environ.setdefault("SCHEMAGEN_CACHE_DIR", tempfile.mkdtemp(prefix="schemagen-test-cache-"))
CASES = Path(__file__).resolve().parent / "cases"
SEED = ROOT.parent / "shared" / "seeds" / "stage-5-advanced-tables.md"
#: A frozen copy of the shipped Stage 5 spec, so tests do not change when a user edits specs/ or
#: adds stages to it; only the seed-fidelity tests read specs/stage-05-advanced-tables.yaml itself.
STAGE5_SPECS = CASES / "seed_stage5" / "specs"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/cases/*/expected from the current output instead of comparing")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def compare_tree(actual: dict[str, str], expected_dir: Path, update: bool) -> None:
    """Compare every file whole; on a mismatch show the diff and the exact update command."""
    if update:
        if expected_dir.exists():
            shutil.rmtree(expected_dir)
        for rel, text in actual.items():
            target = expected_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="")
        return
    expected = {p.relative_to(expected_dir).as_posix(): p.read_text("utf-8")
                for p in sorted(expected_dir.rglob("*")) if p.is_file()}
    problems = []
    for rel in sorted(set(actual) | set(expected)):
        if actual.get(rel) != expected.get(rel):
            diff = difflib.unified_diff((expected.get(rel) or "").splitlines(keepends=True),
                                        (actual.get(rel) or "").splitlines(keepends=True),
                                        f"expected/{rel}", f"actual/{rel}")
            problems.append("".join(diff) or f"{rel}: missing on one side")
    if problems:
        pytest.fail("golden files differ (review, then run `pytest --update-golden` to accept):\n"
                    + "\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the seed document is missing: {SEED} (CI must check out ../shared)")
        pytest.skip(f"the seed document is not beside this checkout ({SEED})")
    return SEED.read_text("utf-8")


def _start_server():
    """A throwaway server; skipped where no server binaries exist, a failure in CI."""
    from schemagen import pgserver

    try:
        pgserver.find_bin_dir()
    except pgserver.PostgresNotFound as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the live tests: {exc}")
        pytest.skip(str(exc))
    return pgserver.start()


@pytest.fixture(scope="module")
def postgres_server_factory():
    """Servers of a test module's own, for what must see a cluster nothing else has touched."""
    started = []

    def start():
        started.append(_start_server())
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def postgres():
    """One throwaway server for the session; tests create their own databases in it."""
    from schemagen import live
    from schemagen.load import load_project

    server = _start_server()
    # A Supabase cluster has its roles before any project does; the --db tests rely on that.
    admin = live.connect(server, admin=True)
    live.install_platform(admin, load_project(STAGE5_SPECS))
    admin.close()
    yield server
    server.stop()


class LiveDb:
    """A test's own database on the session's server: ``admin`` is the cluster's superuser,
    ``owner`` is ``postgres`` (the role stages run as), both autocommitting."""

    def __init__(self, server, name: str):
        from schemagen import live

        self.server = server
        self.name = name
        self.admin = live.connect(server, name, admin=True)
        self.owner = live.connect(server, name)

    def run(self, sql: str, **params):
        return self.owner.run(sql, **params)

    def build(self, specs: Path, rendered: dict[str, str] | None = None):
        """Apply a spec folder (platform, stand-ins, stages), committed; returns the project."""
        from schemagen import live
        from schemagen.load import load_project
        from schemagen.render import render_project

        project = load_project(specs)
        live.build_database(self.admin, self.owner, project, rendered or render_project(project))
        return project

    def session(self, project=None):
        """A rolled-back session as ``postgres``, the platform installed (committed) first."""
        from schemagen import db, live

        if project is not None:
            live.install_platform(self.admin, project)
        return db.Session(live.connect(self.server, self.name))

    def close(self) -> None:
        self.admin.close()
        self.owner.close()


@pytest.fixture
def fresh_db(postgres, request):
    """A new empty database per test, owned by ``postgres``, dropped afterwards."""
    from schemagen import live

    name = "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name.lower())[:50]
    admin = live.connect(postgres, "postgres", admin=True)
    admin.run(f'drop database if exists "{name}" with (force)')
    admin.run(f'create database "{name}" owner postgres')
    database = LiveDb(postgres, name)
    yield database
    database.close()
    admin.run(f'drop database "{name}" with (force)')
    admin.close()


def need_extension(database: "LiveDb", name: str, how: str) -> None:
    """Skip a test whose fixture needs an extension this server lacks, saying how to get it;
    in CI, where .ci/run installs it, that is a failure instead."""
    if database.admin.run("select from pg_available_extensions where name = :n", n=name):
        return
    message = f"the {name} extension is not installed on this PostgreSQL: install {how}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def need_library(name: str, how: str) -> None:
    """Skip a test that needs a library the throwaway server loads at start (pg_cron) where this
    PostgreSQL lacks it; in CI, where .ci/run installs it, that is a failure instead."""
    from schemagen import pgserver

    if (pgserver.find_bin_dir().parent / "lib" / f"{name}.so").exists():
        return
    message = f"{name} is not installed for this PostgreSQL: install {how}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def database(postgres, request):
    """A factory of fresh databases on the session's server, all dropped at the end."""
    from schemagen import live

    admin = live.connect(postgres, "postgres", admin=True)
    made: list[LiveDb] = []

    def retire() -> None:
        while made:  # hypothesis runs every example in one test call: one database at a time
            built = made.pop()
            built.close()
            admin.run(f'drop database "{built.name}" with (force)')

    def make() -> LiveDb:
        retire()
        name = f"prop_{request.node.name[:30].lower()}"
        admin.run(f'drop database if exists "{name}" with (force)')
        admin.run(f'create database "{name}" owner postgres')
        made.append(LiveDb(postgres, name))
        return made[-1]

    yield make
    retire()
    admin.close()
