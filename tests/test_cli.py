"""The commands as a user runs them: exit codes, what is written, what is never touched."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CASES, ROOT, STAGE5_SPECS

from schemagen.cli import main

STAGE5 = "stage-05-advanced-tables"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the shipped specs in a fresh folder, the working directory."""
    shutil.copytree(STAGE5_SPECS, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("command", ["generate", "check", "lint", "validate", "drift", "rules"])
def test_every_command_has_help(command, capsys):
    code, _, _ = run(command, "--help")
    assert code == 0
    assert f"usage: schemagen {command}" in capsys.readouterr().out


def test_no_command_is_a_usage_error(capsys):
    assert run()[0] == 2
    assert "required: COMMAND" in capsys.readouterr().err


def test_check_passes_on_the_committed_tree():
    code, out, err = run("check", "--specs", str(ROOT / "specs"), "--out", str(ROOT / "generated"))
    assert (code, err) == (0, "")
    assert "up to date" in out


def test_generate_writes_then_changes_nothing(project):
    code, out, _ = run("generate")
    assert code == 0
    assert "7 files: 7 created, 0 updated, 0 removed, 0 unchanged" in out
    before = snapshot(project / "generated")
    code, out, _ = run("generate")
    assert code == 0
    assert "0 created, 0 updated, 0 removed, 7 unchanged" in out
    assert snapshot(project / "generated") == before  # same bytes, not even rewritten
    assert run("check")[0] == 0


def test_check_fails_after_a_spec_edit_and_never_writes(project):
    run("generate")
    before = snapshot(project / "generated")
    spec = project / "specs" / f"{STAGE5}.yaml"
    spec.write_text(spec.read_text().replace("Active user sessions", "Live user sessions"))
    code, out, err = run("check")
    assert code == 1
    assert f"--- a/generated/sql/{STAGE5}.sql" in out
    assert "-comment on table public.user_sessions is 'Active user sessions" in out
    assert "+comment on table public.user_sessions is 'Live user sessions" in out
    assert f"changed: generated/sql/{STAGE5}.sql" in err
    assert "run 'schemagen generate'" in err
    assert snapshot(project / "generated") == before


def test_check_reports_missing_and_stale_files(project):
    run("generate")
    (project / "generated" / "er" / "schema.mmd").unlink()
    spec = project / "specs" / f"{STAGE5}.yaml"
    spec.rename(project / "specs" / "stage-05-renamed.yaml")
    text = spec.with_name("stage-05-renamed.yaml").read_text()
    spec.with_name("stage-05-renamed.yaml").write_text(text.replace("title: Advanced Tables",
                                                                    "title: Advanced Tables\nslug: renamed"))
    code, out, err = run("check")
    assert code == 1
    assert "missing: generated/er/schema.mmd" in err
    assert f"stale: generated/sql/{STAGE5}.sql" in err
    assert "+++ /dev/null" in out and f"--- a/generated/sql/{STAGE5}.sql" in out
    assert "+++ b/generated/sql/stage-05-renamed.sql" in out


def test_generate_removes_its_stale_files_and_nothing_else(project):
    run("generate")
    mine = project / "generated" / "notes-by-hand.md"
    mine.write_text("mine\n")
    spec = project / "specs" / f"{STAGE5}.yaml"
    spec.write_text(spec.read_text().replace("title: Advanced Tables", "title: Advanced Tables\nslug: renamed"))
    code, out, _ = run("generate")
    assert code == 0
    assert f"removed generated/sql/{STAGE5}.sql" in out
    assert not (project / "generated" / "sql" / f"{STAGE5}.sql").exists()
    assert (project / "generated" / "sql" / "stage-05-renamed.sql").exists()
    assert mine.read_text() == "mine\n"


def test_generate_refuses_to_overwrite_a_file_it_did_not_write(project):
    target = project / "generated" / "er" / "schema.mmd"
    target.parent.mkdir(parents=True)
    target.write_text("hand-drawn\n")
    code, _, err = run("generate")
    assert code == 2
    assert "generated/er/schema.mmd: exists but was not written by schemagen" in err
    assert target.read_text() == "hand-drawn\n"
    assert not (project / "generated" / "sql").exists()


def test_a_failed_run_leaves_generated_as_it_was(project):
    run("generate")
    before = snapshot(project / "generated")
    spec = project / "specs" / f"{STAGE5}.yaml"
    spec.write_text(spec.read_text().replace("comment: Active user sessions", "coment: Active user sessions"))
    code, out, err = run("generate")
    assert code == 2
    assert out == ""
    assert "unknown key 'coment'" in err and "did you mean 'comment'?" in err
    assert "nothing was written" in err
    assert snapshot(project / "generated") == before
    assert not list((project / "generated").rglob("*.tmp"))


def test_spec_errors_print_positions_not_tracebacks(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text("stage: 1\ntitle: T\ntables:\n  - name: t\n    colums: []\n")
    result = subprocess.run([sys.executable, "-m", "schemagen", "generate", "--specs", str(specs),
                             "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{specs / 's.yaml'}:5:5: E102 error unknown key 'colums' in tables[0]; did you mean 'columns'?" \
        in result.stderr
    assert not (tmp_path / "out").exists()


def test_user_templates_override_the_builtin_ones(tmp_path):
    case = CASES / "custom_templates"
    code, out, _ = run("generate", "--specs", str(case / "specs"), "--out", str(tmp_path / "g"),
                       "--templates", str(case / "templates"))
    assert code == 0
    sql = (tmp_path / "g" / "sql" / "stage-01-tiny.sql").read_text()
    assert sql.startswith("-- table notes: A note.\ncreate table public.notes (")
    assert "-- RLS" not in sql  # the user's template left it out
    assert (tmp_path / "g" / "er" / "schema.mmd").read_text().startswith("erDiagram")  # built-in


def test_missing_templates_folder_is_a_usage_error(project):
    code, _, err = run("generate", "--templates", "nowhere")
    assert code == 2
    assert err == "schemagen: --templates nowhere: no such directory\n"


def test_a_broken_user_template_is_reported_without_traceback(project):
    (project / "tpl").mkdir()
    (project / "tpl" / "table.sql.j2").write_text("{{ table.nme }}\n")
    code, _, err = run("generate", "--templates", "tpl")
    assert code == 2
    assert err.startswith("schemagen: template error:")
    assert "nme" in err


def test_check_and_generate_do_not_import_sqlglot_or_drivers(project):
    code = ("import sys\nfrom schemagen.cli import main\nrc = main(['check'])\n"
            "print(rc, sorted(m for m in ('sqlglot', 'pg8000', 'testing.postgresql') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=project)
    assert result.stdout.strip().splitlines()[-1] == "1 []"


def test_a_check_the_record_answers_imports_no_rendering_module(project):
    """The point of the up-to-date record: an unchanged project is checked without Jinja or the loader."""
    assert run("generate")[0] == 0
    code = ("import sys\nfrom schemagen.cli import main\nrc = main(['check', '-q'])\n"
            "print(rc, sorted(m for m in ('jinja2', 'schemagen.load', 'schemagen.render') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=project)
    assert result.stdout.strip().splitlines()[-1] == "0 []"


def test_console_script_is_installed():
    result = subprocess.run(["schemagen", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("schemagen ")


def test_ci_files_name_real_commands():
    """docs/ci.md's workflow and .pre-commit-hooks.yaml only run commands and flags that exist."""
    import re

    import yaml

    from schemagen.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001

    def assert_runs(command_line: str) -> None:
        import argparse

        words = command_line.split()
        assert words[0] == "schemagen", command_line
        sub = commands[words[1]]
        known = {opt for action in sub._actions for opt in action.option_strings}  # noqa: SLF001
        for word in words[2:]:
            if word.startswith("--"):
                assert word in known, f"{command_line}: unknown option {word}"
                continue
            nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
            if nested:  # an action of the command (migrate check): its options count too
                sub = nested[0].choices[word]
                known |= {opt for action in sub._actions for opt in action.option_strings}  # noqa: SLF001

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} >= {"schemagen-check", "schemagen-validate"}
    for hook in hooks:
        assert_runs(hook["entry"])
    workflow_text = re.search(r"```yaml\n(name: schema.*?)```", (ROOT / "docs" / "ci.md").read_text(), re.S)
    workflow = yaml.safe_load(workflow_text.group(1))
    runs = [step["run"] for step in workflow["jobs"]["schemagen"]["steps"] if "run" in step]
    schemagen_runs = [r for r in runs if r.startswith("schemagen ")]
    assert [r.split()[1] for r in schemagen_runs] == ["check", "validate", "lint", "migrate"]
    for command in schemagen_runs:
        assert_runs(command)


def test_check_github_and_json_formats(project):
    import json

    run("generate")
    spec = project / "specs" / f"{STAGE5}.yaml"
    spec.write_text(spec.read_text().replace("System can create sessions", "System may create sessions"))
    (project / "generated" / "er" / "schema.mmd").unlink()
    code, out, err = run("check", "--format", "github")
    assert code == 1 and err == ""
    assert out == (
        f"::error file=specs/{STAGE5}.yaml,line=1,col=1,title=D001::D001 generated/docs/reference.md is out "
        "of date; run schemagen generate\n"
        f"::error file=specs/{STAGE5}.yaml,line=1,col=1,title=D001::D001 generated/docs/{STAGE5}.md is out "
        "of date; run schemagen generate\n"
        f"::error file=specs/{STAGE5}.yaml,line=1,col=1,title=D002::D002 generated/er/schema.mmd is missing; "
        "run schemagen generate\n"
        f"::error file=specs/{STAGE5}.yaml,line=136,col=9,title=D001::D001 generated/sql/{STAGE5}.sql is out "
        "of date; run schemagen generate\n")
    code, out, _ = run("check", "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert {k: v for k, v in report.items() if k != "files"} == {
        "version": 1, "clean": False, "out": "generated",
        "summary": {"changed": 3, "missing": 1, "stale": 0, "up_to_date": 3}}
    assert [(f["path"], f["status"], f["spec"]) for f in report["files"]] == [
        ("generated/docs/reference.md", "changed", {"path": f"specs/{STAGE5}.yaml", "line": 1, "col": 1}),
        (f"generated/docs/{STAGE5}.md", "changed", {"path": f"specs/{STAGE5}.yaml", "line": 1, "col": 1}),
        ("generated/er/schema.mmd", "missing", {"path": f"specs/{STAGE5}.yaml", "line": 1, "col": 1}),
        (f"generated/sql/{STAGE5}.sql", "changed", {"path": f"specs/{STAGE5}.yaml", "line": 136, "col": 9}),
    ]
    sql_diff = report["files"][3]["diff"]
    assert sql_diff.startswith(f"--- a/generated/sql/{STAGE5}.sql\n+++ b/generated/sql/{STAGE5}.sql\n")
    assert '-create policy "System can create sessions"\n+create policy "System may create sessions"\n' in sql_diff


def test_check_json_for_a_stale_file(project):
    import json

    run("generate")
    spec = project / "specs" / f"{STAGE5}.yaml"
    spec.write_text(spec.read_text().replace("title: Advanced Tables", "title: Advanced Tables\nslug: renamed"))
    report = json.loads(run("check", "--format", "json")[1])
    stale = [f for f in report["files"] if f["status"] == "stale"]
    assert [(f["path"], f["spec"]) for f in stale] == [
        (f"generated/{kind}/{STAGE5}.{ext}", {"path": f"generated/{kind}/{STAGE5}.{ext}", "line": 1, "col": 1})
        for kind, ext in (("docs", "md"), ("er", "mmd"), ("sql", "sql"))]


def test_a_write_that_fails_midway_leaves_generated_as_it_was(project, monkeypatch):
    import tempfile

    run("generate")
    spec = project / "specs" / f"{STAGE5}.yaml"
    spec.write_text(spec.read_text().replace("Active user sessions", "Live user sessions"))
    before = snapshot(project / "generated")
    real_mkstemp = tempfile.mkstemp
    calls = []

    def full_disk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", full_disk)
    code, out, err = run("generate")
    assert (code, out) == (2, "")
    assert err == "schemagen: cannot write generated: No space left on device; generated is unchanged\n"
    assert len(calls) == 3
    assert snapshot(project / "generated") == before
    assert not [p for p in (project / "generated").rglob("*") if p.name.endswith(".tmp")]


def test_check_after_generate_needs_no_rendering_and_still_sees_every_change(project, monkeypatch):
    """The up-to-date record (uptodate.py): with nothing changed, check answers without loading a
    spec; any change to an output, a spec or a template misses it and takes the full path."""
    from schemagen.cli import pipeline

    assert run("generate")[0] == 0
    real = pipeline.rendered_files

    def broken(args):
        raise AssertionError("rendered although nothing changed")

    monkeypatch.setattr(pipeline, "rendered_files", broken)
    code, out, _ = run("check")
    assert code == 0 and out == "7 files in generated are up to date\n"
    code, out, _ = run("check", "--format", "json")
    assert code == 0 and json.loads(out)["summary"] == {"changed": 0, "missing": 0, "stale": 0, "up_to_date": 7}
    monkeypatch.setattr(pipeline, "rendered_files", real)

    readme = project / "generated" / "docs" / "README.md"
    readme.write_text(readme.read_text() + "edited by hand\n")
    assert run("check", "-q")[0] == 1
    assert run("generate", "-q")[0] == 0
    spec = project / "specs" / f"{STAGE5}.yaml"
    spec.write_text(spec.read_text().replace("Advanced Tables", "Advanced tables"))
    assert run("check", "-q")[0] == 1
    assert run("generate", "-q")[0] == 0
    templates = project / "templates"
    templates.mkdir()
    (templates / "stage.md.j2").write_text("# {{ stage.title }}\n")
    assert run("check", "-q", "--templates", str(templates))[0] == 1
    monkeypatch.setenv("SCHEMAGEN_NO_CACHE", "1")
    from schemagen.cache import cache_dir

    cache_dir.cache_clear()
    try:
        monkeypatch.setattr(pipeline, "rendered_files", broken)
        with pytest.raises(AssertionError, match="rendered although nothing changed"):
            run("check")  # without the cache, check always renders
    finally:
        cache_dir.cache_clear()
