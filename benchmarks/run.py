"""Performance targets from the issues, measured by hand: `python benchmarks/run.py [name]`.

Prints each measurement as a ratio to its floor or to the smallest size, never as a
pass/fail test: timings belong to the machine, ratios to the code. Targets:

- validate-live: cold `schemagen validate --live` on the shipped specs within 1.3x of
  the floor measured in the same run: initdb + server start + applying the same SQL
  with psql (issues 3, 14); validate-live-500: 500 tables with the RLS probe within 1.5x.
- validate-offline: offline validation of 1,000 synthetic tables under 2 s on 2 cores,
  growing linearly through 2,000 and 4,000 (issue 3).
- check: `schemagen check` on the shipped specs within 1.3x of the floor
  `python -c "import yaml, jinja2"`, paired, with and without the up-to-date record (and,
  for scale, importing the modules the full path loads), growing linearly over 500, 1,000
  and 2,000 tables (issues 4, 14).
- drift-vs-migra: `drift --sql` below 0.5x `migra --unsafe` from 500 tables (issue 14).
- growth, growth-live: generate, check, lint, offline validate, drift and the RLS probe
  linear over 1,000 / 2,000 / 5,000 tables, peak memory under 300 MiB (issue 14).
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import write_specs  # noqa: E402

SCHEMAGEN = [sys.executable, "-m", "schemagen"]


def timed(command: list[str], repeat: int = 3, **kwargs) -> float:
    """Best of ``repeat`` wall-clock runs: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=False, capture_output=True, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times)


def live_floor(specs: Path = ROOT / "specs", *, as_schemagen_starts: bool = False) -> float:
    """initdb + start + psql applying shim, stand-ins and the stage SQL: the work any tool must do.
    With ``as_schemagen_starts``, the cluster is not made by initdb but copied from schemagen's
    cached one into the same folder schemagen uses (``/dev/shm`` where it has room): the floor of
    schemagen's own start, so the ratio shows what schemagen adds, not what it saves."""
    from schemagen import live, pgserver
    from schemagen.load import load_project
    from schemagen.render import render_project

    project = load_project(specs)
    rendered = render_project(project)
    setup = list(live.platform_statements(project)) + live.external_stubs(project)
    sql = "".join(f"{statement};\n" for statement in setup) + "\n".join(
        rendered[f"sql/{s.file_stem}.sql"] for s in project.stages)
    bin_dir = pgserver.find_bin_dir()
    psql = shutil.which("psql") or str(bin_dir / "psql")
    initdb_args = f"-U {pgserver.ADMIN} -A trust"
    template = pgserver.cluster_template(str(bin_dir / "initdb"), initdb_args) if as_schemagen_starts else None
    if as_schemagen_starts and (template is None or not template.is_dir()):
        raise SystemExit("no cached cluster to start from: run schemagen validate --live once first")
    base = Path(tempfile.mkdtemp(dir=pgserver.scratch_root() if as_schemagen_starts else None))
    (base / "apply.sql").write_text(sql)
    as_user: dict = {}
    if os.geteuid() == 0:
        user = pgserver._unprivileged_user()
        as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        os.chown(base, user.pw_uid, user.pw_gid)
    port = "54391"
    start = time.perf_counter()
    if template is not None:
        (base / "data").mkdir(mode=0o700)
        pgserver.copy_cluster(template, str(base / "data"))
        if as_user:
            subprocess.run(["chown", "-R", f"{as_user['user']}:{as_user['group']}", str(base / "data")], check=True)
    else:
        subprocess.run([str(bin_dir / "initdb"), "-D", str(base / "data"), *initdb_args.split(), "--no-sync",
                        "--lc-messages=C", "--encoding=UTF8"], check=True, capture_output=True, **as_user)
    server = subprocess.Popen([str(bin_dir / "postgres"), "-D", str(base / "data"), "-p", port,
                               "-k", str(base), "-c", "listen_addresses=", "-c", "fsync=off",
                               "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **as_user)
    admin = ["-h", str(base), "-p", port, "-U", pgserver.ADMIN, "-d", "postgres"]  # its socket, as schemagen's
    while subprocess.run([psql, *admin, "-c", "select 1"], capture_output=True).returncode != 0:
        time.sleep(0.02)
    subprocess.run([psql, *admin, "-v", "ON_ERROR_STOP=1", "-q", "-c", pgserver.BOOTSTRAP_SQL], check=True,
                   capture_output=True)
    subprocess.run([psql, *admin, "-v", "ON_ERROR_STOP=1", "-q", "-f", str(base / "apply.sql")], check=True,
                   capture_output=True)
    elapsed = time.perf_counter() - start
    server.send_signal(signal.SIGQUIT)
    server.wait()
    shutil.rmtree(base, ignore_errors=True)
    return elapsed


def _validate_live(specs: Path, label: str, target: str, pairs: int, extra: tuple[str, ...] = ()) -> None:
    """The floors and ours interleaved, so all see the same machine; median ratios are reported.
    Two floors: the issue's (initdb on the usual temporary folder), and schemagen's own start (a
    copy of its cached cluster in the folder it uses), which shows the overhead alone."""
    ours_command = SCHEMAGEN + ["validate", "--live", "--specs", str(specs), *extra]
    subprocess.run(ours_command, capture_output=True, cwd=ROOT)  # keeps the cluster template, as any earlier run has
    ratios, overheads, ours_times, floors, quick_floors = [], [], [], [], []
    for _ in range(pairs):
        floor = live_floor(specs)
        ours = timed(ours_command, repeat=1, cwd=ROOT)
        quick = live_floor(specs, as_schemagen_starts=True)
        floors.append(floor)
        quick_floors.append(quick)
        ours_times.append(ours)
        ratios.append(ours / floor)
        overheads.append(ours / quick)
    print(f"validate --live{' ' + ' '.join(extra) if extra else ''}, {label}: median "
          f"{statistics.median(ours_times):.2f} s; floor (initdb + start + psql apply) median "
          f"{statistics.median(floors):.2f} s; median ratio {statistics.median(ratios):.2f} over {pairs} "
          f"interleaved runs (target {target}); against the same start as schemagen's (cached cluster copied, "
          f"{statistics.median(quick_floors):.2f} s): {statistics.median(overheads):.2f}")


def bench_validate_live(pairs: int = 5) -> None:
    _validate_live(ROOT / "specs", "shipped specs", "<= 1.3", pairs)


def bench_growth_live(sizes: tuple[int, ...] = (1000, 2000, 5000), rounds: int = 5) -> None:
    """drift (against a database built from the specs, with drift made in every tenth table) and
    the RLS probe (timed alone, on the connections and with the cyclic collector paused, as
    validate --live runs it) at growing sizes. Every size's database is on one server and each
    round times every size in turn, so a ratio compares runs that met the same moments of the
    machine; the median of the rounds' ratios is printed (separate best-ofs per size had put the
    probe's ratio anywhere from 4.8 to 5.6 at 5,000 tables while its cost per table stayed flat)."""
    from schemagen import db, live, pgserver
    from schemagen.catalog import introspect
    from schemagen.cli import collector_paused
    from schemagen.load import load_project
    from schemagen.render import render_project
    from schemagen.rls_probe import Probe

    base = Path(tempfile.mkdtemp())
    server = pgserver.start()
    try:
        admin = live.connect(server, admin=True)
        prepared = []
        for n in sizes:
            specs = write_specs(base / f"specs{n}", n)
            project = load_project(specs)
            if not prepared:
                live.install_platform(admin, project)
            name = f"drifted{n}"
            admin.run(f"create database {name} owner postgres")
            live.build_database(live.connect(server, name, admin=True), live.connect(server, name),
                                project, render_project(project))
            owner = live.connect(server, name)
            for i in range(0, n, 10):
                owner.run(f"drop index if exists items_{i}_user_id_idx")
            prepared.append((n, specs, project, name))

        def drift_time(specs: Path, name: str) -> float:
            url = server.url("postgres", name)
            return timed(SCHEMAGEN + ["drift", "--specs", str(specs), "--db", url, "--sql"], repeat=1)

        def probe_time(project, name: str) -> float:
            def session() -> db.Session:
                return db.Session(live.connect(server, name), throwaway=True)

            main = session()
            try:
                catalog = introspect(main, ["auth", "public"])
                with collector_paused():  # as validate --live runs it
                    start = time.perf_counter()
                    Probe(main, catalog).run(project, more_sessions=session)
                    return time.perf_counter() - start
            finally:
                main.close()

        drift_s = {n: [] for n in sizes}
        probe_s = {n: [] for n in sizes}
        for _ in range(rounds):
            for n, specs, project, name in prepared:
                drift_s[n].append(drift_time(specs, name))
                probe_s[n].append(probe_time(project, name))
    finally:
        server.stop()
    first = sizes[0]
    for n in sizes:
        drift_ratio = statistics.median(a / b for a, b in zip(drift_s[n], drift_s[first], strict=True))
        probe_ratio = statistics.median(a / b for a, b in zip(probe_s[n], probe_s[first], strict=True))
        print(f"drift --sql, {n} tables: {statistics.median(drift_s[n]):.2f} s, time ratio {drift_ratio:.2f}; "
              f"RLS probe: {statistics.median(probe_s[n]):.2f} s, time ratio {probe_ratio:.2f}; size ratio "
              f"{n / first:.2f} (linear: <= {n / first * 1.1:.2f}; medians of {rounds} rounds, sizes in turn)")
    shutil.rmtree(base, ignore_errors=True)


def bench_validate_live_500(pairs: int = 3) -> None:
    """500 synthetic tables with their policies: the RLS probe acts on each."""
    base = Path(tempfile.mkdtemp())
    specs = write_specs(base / "specs", 500)
    _validate_live(specs, "500 tables", "<= 1.5 with the probe", pairs)
    _validate_live(specs, "500 tables", "for comparison", pairs, ("--no-rls-probe",))
    shutil.rmtree(base, ignore_errors=True)


def _synthetic_series(command: str, sizes: tuple[int, ...], target: str, *, kinds: bool = False,
                      env: dict | None = None) -> None:
    base = Path(tempfile.mkdtemp())
    results = []
    for n in sizes:
        specs = write_specs(base / f"specs{n}", n, kinds=kinds)
        out = base / f"out{n}"
        if command == "check":
            subprocess.run(SCHEMAGEN + ["generate", "-q", "--specs", str(specs), "--out", str(out)], check=True)
        seconds = timed(SCHEMAGEN + [command, "--specs", str(specs), "--out", str(out)], env=env)
        results.append((n, seconds))
    first_n, first_s = results[0]
    what = "tables, functions and triggers each" if kinds else "tables"
    for n, seconds in results:
        print(f"{command}, {n} {what}: {seconds:.2f} s; time ratio {seconds / first_s:.2f} for size ratio "
              f"{n / first_n:.2f}")
    print(f"  target: {target}")
    shutil.rmtree(base, ignore_errors=True)


def bench_validate_offline() -> None:
    _synthetic_series("validate", (1000, 2000, 4000), "1,000 tables under 2 s; time ratios close to size ratios")


def bench_kinds_offline() -> None:
    """Functions and triggers beside the tables: generation and offline validation stay linear."""
    _synthetic_series("validate", (1000, 2000, 4000), "time ratios close to size ratios", kinds=True)
    _synthetic_series("generate", (1000, 2000, 4000), "time ratios close to size ratios", kinds=True)


def migra_command() -> list[str]:
    """migra, the peer, in an environment of the benchmark's own (never a dependency of schemagen)."""
    venv = ROOT / "benchmarks" / ".venv-migra"
    migra = venv / "bin" / "migra"
    if not migra.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "migra", "psycopg2-binary", "psycopg[binary]"],
                       check=True)
    return [str(migra)]


def bench_drift_vs_migra(sizes: tuple[int, ...] = (50, 500, 2000), pairs: int = 5) -> None:
    """The diff engine behind ``drift --sql`` and ``migrate new`` against ``migra --unsafe``, on the
    same two databases: one built from the specs, one drifted from it (every tenth index dropped,
    a column added to every twentieth table). Alternating runs, the median of the ratios."""
    from schemagen import live, pgserver
    from schemagen.load import load_project
    from schemagen.render import render_project

    migra = migra_command()
    for n in sizes:
        base = Path(tempfile.mkdtemp())
        specs = write_specs(base / "specs", n)
        project = load_project(specs)
        rendered = render_project(project)
        server = pgserver.start()
        try:
            admin = live.connect(server, admin=True)
            live.install_platform(admin, project)
            for name in ("drifted", "target"):
                admin.run(f"create database {name} owner postgres")
                live.build_database(live.connect(server, name, admin=True), live.connect(server, name), project,
                                    rendered)
            owner = live.connect(server, "drifted")
            for i in range(0, n, 10):
                owner.run(f"drop index if exists items_{i}_user_id_idx")
            for i in range(0, n, 20):
                owner.run(f"alter table items_{i} add column extra text")
            def url(name: str, user: str = "postgres") -> str:
                return server.url(user, name)

            ours = SCHEMAGEN + ["drift", "--specs", str(specs), "--db", url("drifted"), "--sql"]
            theirs = migra + ["--unsafe", "--schema", "public", url("drifted", pgserver.ADMIN),
                              url("target", pgserver.ADMIN)]
            ratios, a, b = [], [], []
            for _ in range(pairs):
                a.append(timed(ours, repeat=1))
                b.append(timed(theirs, repeat=1))
                ratios.append(a[-1] / b[-1])
            print(f"drift --sql vs migra --unsafe, {n} tables: {statistics.median(a):.2f} s vs "
                  f"{statistics.median(b):.2f} s; median ratio {statistics.median(ratios):.2f} over {pairs} pairs "
                  "(target < 0.5 from 500 tables, < 1 everywhere)")
        finally:
            server.stop()
            shutil.rmtree(base, ignore_errors=True)


def paired(floor: list[str], ours: list[str], pairs: int = 21, before=None, **kwargs) -> tuple[float, float, float]:
    """Floor and ours alternated, one run each per pair: (median ratio, median floor, median ours).
    The median of the pairs' ratios, not a ratio of separate best-ofs, so both sides see the same
    moments of the machine. ``before``, if given, runs untimed before each of ours."""
    ratios, floors, ours_times = [], [], []
    for _ in range(pairs):
        a = timed(floor, repeat=1, **kwargs)
        if before is not None:
            before()
        b = timed(ours, repeat=1, **kwargs)
        floors.append(a)
        ours_times.append(b)
        ratios.append(b / a)
    return statistics.median(ratios), statistics.median(floors), statistics.median(ours_times)


COLD = dict(os.environ, SCHEMAGEN_NO_CACHE="1")


def bench_check() -> None:
    """Warm: the up-to-date record of an earlier run applies (a pre-commit hook on unchanged
    specs). Full: the record is removed (untimed) before each run, as after any spec edit, so
    every spec is loaded, linted and rendered; the compiled templates and parser verdicts stay
    cached, as they do for a user. Imports: only the modules the full path loads are imported,
    nothing is run; the part of the full path's time that is Python loading schemagen's code."""
    floor = [sys.executable, "-c", "import yaml, jinja2"]
    cache = Path(tempfile.mkdtemp())
    env = dict(os.environ, SCHEMAGEN_CACHE_DIR=str(cache))
    subprocess.run(SCHEMAGEN + ["check", "-q"], cwd=ROOT, capture_output=True, env=env)  # warms every cache
    loaded = subprocess.run(
        [sys.executable, "-c", "import io, shutil, sys; from schemagen.cli import main; "
         f"shutil.rmtree({str(cache / 'uptodate')!r}, ignore_errors=True); main(['check', '-q'], io.StringIO()); "
         "print(' '.join(sorted(m for m in sys.modules if m.startswith('schemagen'))))"],
        cwd=ROOT, capture_output=True, text=True, env=env, check=True).stdout.split()
    imports = [sys.executable, "-c", f"import argparse, {', '.join(loaded)}"]

    def forget() -> None:
        shutil.rmtree(cache / "uptodate", ignore_errors=True)

    for label, command, before, target in (
            ("warm", SCHEMAGEN + ["check", "-q"], None, "target <= 1.3"),
            ("full", SCHEMAGEN + ["check", "-q"], forget, "target <= 1.3"),
            ("imports only", imports, None, "no target: the full path's share before any work")):
        ratio, floor_s, ours = paired(floor, command, before=before, cwd=ROOT, env=env)
        print(f"check ({label}), shipped specs: median {ours:.3f} s; floor (python -c 'import yaml, jinja2') "
              f"median {floor_s:.3f} s; median paired ratio {ratio:.2f} ({target})")
    shutil.rmtree(cache, ignore_errors=True)
    _synthetic_series("check", (500, 1000, 2000), "time ratios close to size ratios (no cache at all)", env=COLD)


def peak_rss(command: list[str], **kwargs) -> tuple[float, float]:
    """Seconds and peak resident memory (MiB) of one run, measured in a child of its own."""
    probe = ("import resource, subprocess, sys, time; s = time.perf_counter(); "
             "subprocess.run(sys.argv[1:], capture_output=True); t = time.perf_counter() - s; "
             "print(t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True, **kwargs)
    seconds, kib = done.stdout.split()
    return float(seconds), int(kib) / 1024


def bench_growth(sizes: tuple[int, ...] = (1000, 2000, 5000)) -> None:
    """generate, check, lint and offline validate at growing sizes: time ratio against size ratio
    (linear when ≤ size ratio × 1.1), and peak memory per process."""
    base = Path(tempfile.mkdtemp())
    for command in ("generate", "check", "lint", "validate"):
        rows = []
        for n in sizes:
            specs = write_specs(base / f"specs{n}", n)
            out = base / f"out{n}"
            if command != "generate":
                subprocess.run(SCHEMAGEN + ["generate", "-q", "--specs", str(specs), "--out", str(out)], check=True)
            seconds, mib = min((peak_rss(SCHEMAGEN + [command, "--specs", str(specs), "--out", str(out)], env=COLD)
                                for _ in range(2)), key=lambda r: r[0])
            rows.append((n, seconds, mib))
        first_n, first_s, _ = rows[0]
        for n, seconds, mib in rows:
            print(f"{command}, {n} tables: {seconds:.2f} s, peak {mib:.0f} MiB; time ratio {seconds / first_s:.2f} "
                  f"for size ratio {n / first_n:.2f} (linear: <= {n / first_n * 1.1:.2f}; memory target < 300 MiB)")
    shutil.rmtree(base, ignore_errors=True)


def compile_bytecode() -> None:
    """Measure schemagen as installed: `pip install .` compiles every module to bytecode, an
    editable checkout under PYTHONDONTWRITEBYTECODE would recompile the sources on each run."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)


BENCHMARKS = {"validate-live": bench_validate_live, "validate-offline": bench_validate_offline,
              "kinds-offline": bench_kinds_offline, "drift-vs-migra": bench_drift_vs_migra, "check": bench_check,
              "growth": bench_growth, "growth-live": bench_growth_live, "validate-live-500": bench_validate_live_500}

class _Tee:
    """Prints as usual and keeps the lines, for the results section of benchmarks/README.md."""

    def __init__(self, stream):
        self.stream, self.lines = stream, []

    def write(self, text: str) -> int:
        self.lines.append(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def write_results(lines: list[str], names: list[str]) -> None:
    """The run's output, dated, between the README's results markers (replacing the last run's)."""
    import datetime
    import platform

    readme = Path(__file__).resolve().parent / "README.md"
    text = readme.read_text("utf-8")
    start, end = "<!-- results -->", "<!-- /results -->"
    when = datetime.date.today().isoformat()
    body = (f"{start}\nLatest `python benchmarks/run.py {' '.join(names)}`, {when}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}:\n\n```text\n{''.join(lines).rstrip()}\n```\n{end}")
    if start in text and end in text:
        text = text[:text.index(start)] + body + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n## Latest results\n\n" + body + "\n"
    readme.write_text(text, "utf-8")


if __name__ == "__main__":
    names = sys.argv[1:] or list(BENCHMARKS)
    compile_bytecode()
    tee = _Tee(sys.stdout)
    sys.stdout = tee
    try:
        for name in names:
            BENCHMARKS[name]()
    finally:
        sys.stdout = tee.stream
    if set(names) == set(BENCHMARKS):
        write_results(tee.lines, names)
