"""Issue #26: a team adopting a schema with known debt reaches a green CI that still fails on
anything new (``schemagen baseline``), and looks at one stage at a time (``--stage N``)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from conftest import STAGE5_SPECS

from schemagen.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def _project(tmp_path: Path) -> Path:
    shutil.copytree(STAGE5_SPECS, tmp_path / "specs")
    return tmp_path / "specs"


NEW_FLAW = """\
  - name: flags
    comment: Feature flags.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: enabled, type: boolean, not_null: true, default: "false"}
    rls: true
    policies:
      - {name: Anyone flips flags, command: update, roles: [authenticated], using: "true", with_check: "true"}
"""


def test_a_baseline_keeps_known_findings_from_failing_and_new_ones_still_fail(tmp_path):
    specs = _project(tmp_path)
    assert run("lint", "--specs", str(specs))[0] == 1  # Stage 5's holes are real
    code, _, err = run("baseline", "--specs", str(specs))
    assert code == 0 and "recorded 23 known findings" in err
    recorded = json.loads((tmp_path / "schemagen-baseline.json").read_text())
    assert {e["code"] for e in recorded["findings"]} >= {"SG008"} and all("line" not in e for e in recorded["findings"])
    code, out, err = run("lint", "--specs", str(specs))
    assert code == 0 and err.startswith("0 errors, 0 warnings, 49 info, 1 waived, 23 known;")
    assert "[waived: known, in schemagen-baseline.json]" in out
    spec = specs / "stage-05-advanced-tables.yaml"
    text = spec.read_text()
    spec.write_text("\n# a comment that moves every line down\n" + text.replace("\ntables:\n", "\ntables:\n" + NEW_FLAW, 1))
    code, out, err = run("lint", "--specs", str(specs), "--min-severity", "error")
    assert code == 1
    assert [line.split(" error ")[1].split(" lets ")[0] for line in out.splitlines() if "[waived:" not in line] == [
        'policy "Anyone flips flags"']  # only the new one fails; the moved known ones stay known
    spec.write_text(text.replace('        using: "true"\n', '        using: user_id = (select auth.uid())\n', 1))
    code, out, err = run("lint", "--specs", str(specs))
    assert "schemagen-baseline.json: " in err and "no longer found (fixed)" in err
    assert "run schemagen baseline to drop them" in err
    assert run("lint", "--specs", str(specs), "--no-baseline")[0] == 1


def test_a_baseline_that_is_not_one_is_a_one_line_error(tmp_path):
    specs = _project(tmp_path)
    (tmp_path / "schemagen-baseline.json").write_text("{not json")
    code, out, err = run("lint", "--specs", str(specs))
    assert (code, out) == (2, "") and "not a schemagen baseline" in err and err.count("\n") == 1


TWO_STAGES = """\
stage: {n}
title: Stage {n}
platform: supabase
{depends}tables:
  - name: t{n}
    comment: T{n}.
    columns:
      - {{name: id, type: uuid, primary_key: true, default: gen_random_uuid()}}
      - {{name: user_id, type: uuid, not_null: true, references: auth.users.id}}
      - {{name: body, type: text}}
    rls: true
    policies:
      - {{name: everyone writes t{n}, command: update, roles: [authenticated], using: "true", with_check: "true"}}
"""


def test_one_stage_at_a_time(tmp_path, fresh_db):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "stage-01.yaml").write_text(TWO_STAGES.format(n=1, depends=""))
    (specs / "stage-02.yaml").write_text(TWO_STAGES.format(n=2, depends="depends_on: [1]\n"))
    code, out, _ = run("lint", "--specs", str(specs), "--stage", "2", "--min-severity", "error")
    assert code == 1 and out and all(line.startswith(str(specs / "stage-02.yaml")) for line in out.splitlines())
    code, out, err = run("lint", "--specs", str(specs), "--stage", "3")
    assert (code, out) == (2, "") and "--stage 3: no such stage; the specs have 1, 2" in err
    code, out, _ = run("validate", "--live", "--specs", str(specs), "--stage", "1")
    findings = [line for line in out.splitlines() if line.startswith(str(specs))]
    assert findings and all(line.startswith(str(specs / "stage-01.yaml")) for line in findings)
    fresh_db.build(specs)
    fresh_db.run("drop table public.t1")
    fresh_db.run("alter table public.t2 disable row level security")
    url = fresh_db.server.url("postgres", fresh_db.name)
    code, out, _ = run("drift", "--specs", str(specs), "--db", url, "--stage", "2")
    assert code == 1 and "public.t2" in out and "public.t1" not in out


def test_dev_serves_the_specs_until_stopped(tmp_path):
    """`schemagen dev` prints the URL of a database with the specs applied; drift finds it matching,
    sees a hand edit, and `dev --stop` ends it."""
    import os
    import subprocess
    import sys

    specs = _project(tmp_path)
    env = {**os.environ, "SCHEMAGEN_CACHE_DIR": str(tmp_path / "cache")}
    child = subprocess.Popen([sys.executable, "-m", "schemagen", "dev", "--specs", str(specs)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    try:
        url = child.stdout.readline().strip()
        assert url.startswith("postgresql://postgres@/postgres?host="), child.stderr.read()
        from schemagen.cache import cache_dir

        os.environ["SCHEMAGEN_CACHE_DIR"] = env["SCHEMAGEN_CACHE_DIR"]
        cache_dir.cache_clear()
        assert run("drift", "--specs", str(specs), "--db", url) == (0, "", "the database matches the specs\n")
        import pg8000.native

        from schemagen.db import connection_params

        conn = pg8000.native.Connection(**connection_params(url))
        conn.run("alter table public.ai_tasks disable row level security")
        conn.close()
        code, out, _ = run("drift", "--specs", str(specs), "--db", url)
        assert code == 1 and "public.ai_tasks" in out
        assert run("dev", "--stop")[0] == 0
        assert child.wait(timeout=30) == 0
    finally:
        from schemagen.cache import cache_dir

        os.environ.pop("SCHEMAGEN_CACHE_DIR", None)
        cache_dir.cache_clear()
        child.kill()


STAGE_6 = """\
stage: 6
title: Team Notes
depends_on: [5]
platform: supabase
tables:
  - name: team_notes
    comment: Notes a user keeps.
    columns:
      - {name: id, type: uuid, primary_key: true, default: gen_random_uuid()}
      - {name: user_id, type: uuid, not_null: true, references: auth.users.id}
      - {name: body, type: text, not_null: true}
    rls: true
    policies:
      - {name: Owners read their notes, command: select, roles: [authenticated], using: user_id = (select auth.uid())}
    indexes:
      - {columns: [user_id]}
"""


def test_the_tools_tests_pass_in_a_copy_of_the_repository_with_a_stage_added(tmp_path):
    """A team adds Stage 6 to its repository and regenerates: the tests that read the repository's
    own files (README, CLI, seed, golden cases) still pass there, since they use fixtures of their own."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True)
    if listed.returncode != 0:
        import pytest

        pytest.skip("not a git checkout: the repository's files cannot be listed")
    copy = tmp_path / "repo"
    for name in listed.stdout.splitlines():
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    (copy / "specs" / "stage-06-team-notes.yaml").write_text(STAGE_6)
    code, _, err = run("generate", "-q", "--specs", str(copy / "specs"), "--out", str(copy / "generated"))
    assert code == 0, err
    if (ROOT.parent / "shared").is_dir():
        shutil.copytree(ROOT.parent / "shared", tmp_path / "shared")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                           "tests/test_readme.py", "tests/test_cli.py", "tests/test_seed.py", "tests/test_golden.py"],
                          cwd=copy, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(copy / "src")})
    assert done.returncode == 0, done.stdout[-3000:]
