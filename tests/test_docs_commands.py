"""The commands docs/ shows, run as shown on a real project: the CI workflow and pre-commit hooks of
docs/ci.md, its scheduled drift job, and docs/security.md's fuzzing command. The project is one
adopted with `schemagen import` from the Supabase-style migrations in tests/cases/import, so every
check has something real to pass."""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import ROOT

from schemagen.cli import main


def run(command: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    words = shlex.split(command)
    assert words[0] == "schemagen", command
    return main(words[1:], out, err), out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def adopted(tmp_path_factory):
    home = tmp_path_factory.mktemp("adopted")
    shutil.copytree(ROOT / "tests" / "cases" / "import" / "migrations", home / "supabase" / "migrations")
    cwd = os.getcwd()
    os.chdir(home)
    try:
        assert run("schemagen import --migrations supabase/migrations")[0] == 0
        assert run("schemagen generate -q")[0] == 0
        yield home
    finally:
        os.chdir(cwd)


def test_the_ci_workflow_and_hooks_pass_on_an_adopted_project(adopted, monkeypatch):
    monkeypatch.chdir(adopted)
    text = (ROOT / "docs" / "ci.md").read_text()
    workflow = yaml.safe_load(re.search(r"```yaml\n(name: schema.*?)```", text, re.S).group(1))
    commands = [step["run"] for step in workflow["jobs"]["schemagen"]["steps"]
                if step.get("run", "").startswith("schemagen ")]
    hooks = [hook["entry"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())]
    assert len(commands) == 4 and len(hooks) >= 4
    for command in commands + hooks:
        code, out, err = run(command)
        assert code == 0, f"{command}: {out}{err}"
        if "--format github" in command:
            assert "::error" not in out, command


def test_the_scheduled_drift_job_passes_on_the_database_the_migrations_make(adopted, fresh_db, monkeypatch):
    from schemagen.live import install_platform
    from schemagen.load import load_project
    from schemagen.migrate import apply_migrations

    monkeypatch.chdir(adopted)
    install_platform(fresh_db.admin, load_project(adopted / "specs"))
    apply_migrations(fresh_db.owner, sorted((adopted / "supabase" / "migrations").glob("*.sql")))
    text = (ROOT / "docs" / "ci.md").read_text()
    command = re.search(r'`(schemagen drift --db "\$DATABASE_URL" --format github)`', text).group(1)
    url = fresh_db.server.url("postgres", fresh_db.name)
    code, out, err = run(command.replace('"$DATABASE_URL"', url))
    assert (code, out) == (0, ""), err


def test_the_fuzzing_commands_of_docs_security_run(tmp_path):
    text = (ROOT / "docs" / "security.md").read_text()
    block = re.search(r"```sh\n(SCHEMAGEN_FUZZ_RANDOM=1 .*?)\n```", text, re.S).group(1)
    commands = block.splitlines()
    assert len(commands) == 2
    for command in commands:
        env_words = [w for w in shlex.split(command) if "=" in w and w.split("=")[0].isupper()]
        env = dict(os.environ, **dict(w.split("=", 1) for w in env_words))
        # the documented thousands are for a release; the commands are the same
        env.update(SCHEMAGEN_FUZZ_EXAMPLES="3", SCHEMAGEN_FUZZ_EXAMPLES_PSQL="3")
        rest = [w for w in shlex.split(command) if w not in env_words]
        assert rest[:3] == ["python", "-m", "pytest"]
        done = subprocess.run([sys.executable, *rest[1:], "-q", "-p", "no:cacheprovider"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:]
