"""The README's promises: its two set-up commands, and CI running the test one verbatim."""

from __future__ import annotations

import re

from conftest import ROOT, STAGE5_SPECS

from schemagen.cli import build_parser


def _setup_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Set-up"):readme.index("## A five-minute tour")]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)


def test_readme_has_the_two_setup_commands():
    main_job, tests = _setup_commands()
    assert main_job == "pip install . && schemagen generate && schemagen check"
    assert tests == "pip install -e '.[test]' && python -m pytest"


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert _setup_commands()[1] in ci


def test_cli_reference_lists_every_command():
    readme = (ROOT / "README.md").read_text()
    commands = build_parser()._subparsers._group_actions[0].choices  # noqa: SLF001
    for name in commands:
        assert f"`schemagen {name}" in readme, name


def console_sessions(section: str) -> list[tuple[str, list[str]]]:
    """Each ``$ command`` of the section's console blocks, with the output lines shown under it."""
    sessions: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                sessions.append((line[2:], []))
            elif sessions:
                sessions[-1][1].append(line)
    return sessions


def assert_printed(command: str, shown: list[str], printed: list[str]) -> None:
    """Every line the README shows is printed, in order; "..." alone stands for lines left out,
    and a line ending in "..." for one cut short (its beginning must match)."""
    at = 0
    for line in shown:
        if line.strip() == "...":
            continue
        if line.endswith("..."):
            head = line[:-3].rstrip()
            found = next((i for i in range(at, len(printed)) if printed[i].startswith(head)), None)
        else:
            found = printed.index(line, at) if line in printed[at:] else None
        assert found is not None, f"{command}: {line!r} not printed (in order)"
        at = found + 1
    if not any(line.strip() == "..." for line in shown):
        assert len(printed) == len(shown), f"{command}: prints more than the README shows"


def _run_shown(section: str) -> None:
    import io
    import shlex

    from schemagen.cli import main

    for command, shown in console_sessions(section):
        if "#" in command:
            continue  # a command described by its comment, not by output
        out, err = io.StringIO(), io.StringIO()
        main(shlex.split(command)[1:], out, err)
        assert_printed(command, shown, (out.getvalue() + err.getvalue()).splitlines())


def test_tour_shows_the_real_output_of_lint_and_validate(tmp_path, monkeypatch):
    """Steps 2 and 3 of the tour, run on a copy of the shipped specs."""
    import shutil

    readme = (ROOT / "README.md").read_text()
    shutil.copytree(STAGE5_SPECS, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    for step, following in (("**2. Lint it.**", "**3. "), ("**3. Prove it", "**4. ")):
        section = readme[readme.index(step):readme.index(following)]
        assert console_sessions(section), step
        _run_shown(section)


def test_adopting_section_shows_the_real_output_of_its_commands(tmp_path, monkeypatch):
    """The five commands run as the README shows them, on the migrations it describes; every line
    it shows is printed, in order ("..." stands for lines left out)."""
    import io
    import shlex
    import shutil

    from schemagen.cli import main

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Adopting schemagen"):readme.index("## CLI reference")]
    sessions = console_sessions(section)
    assert [command.split()[1] for command, _ in sessions] == ["import", "generate", "lint", "migrate", "validate"]
    shutil.copytree(ROOT / "tests" / "cases" / "import" / "migrations", tmp_path / "supabase" / "migrations")
    monkeypatch.chdir(tmp_path)
    for command, shown in sessions:
        out, err = io.StringIO(), io.StringIO()
        main(shlex.split(command)[1:], out, err)
        assert_printed(command, shown, (out.getvalue() + err.getvalue()).splitlines())


def test_the_package_list_holds_every_package():
    """`pip install .` installs only what pyproject.toml lists: a package left out (a new kind's
    folder) would be missing from every non-editable install."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT / "src").parts) for p in (ROOT / "src").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)


def test_tour_steps_4_to_6_edit_regenerate_and_ship_a_migration(tmp_path, monkeypatch):
    """The tour's edit, made as step 4 shows it; step 5's commands with the exit codes and results
    their comments promise; step 6's migration commands with their shown output (the migration's
    timestamp is the time of the run, so 14-digit stamps are compared as such)."""
    import io
    import shlex
    import shutil

    from schemagen.cli import main
    from schemagen.load import load_project
    from schemagen.render import render_project

    readme = (ROOT / "README.md").read_text()
    shutil.copytree(STAGE5_SPECS, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    deployed = render_project(load_project(tmp_path / "specs"))["sql/stage-05-advanced-tables.sql"]
    (tmp_path / "supabase" / "migrations").mkdir(parents=True)
    (tmp_path / "supabase" / "migrations" / "20250101000000_stage_5.sql").write_text(deployed)

    def run(command: str) -> tuple[int, list[str]]:
        out, err = io.StringIO(), io.StringIO()
        code = main(shlex.split(command.split("#")[0])[1:], out, err)
        return code, (out.getvalue() + err.getvalue()).splitlines()

    step4 = readme[readme.index("**4. Change the YAML.**"):readme.index("**5. ")]
    edit = re.search(r"```yaml\n(.*?)```", step4, re.S).group(1)
    spec = tmp_path / "specs" / "stage-05-advanced-tables.yaml"
    text = spec.read_text()
    old = re.search(r"      - name: System can update task status\n(?:        .*\n)+", text).group(0)
    spec.write_text(text.replace(old, edit))

    step5 = readme[readme.index("**5. "):readme.index("**6. ")]
    commands = [command for command, _ in console_sessions(step5)]
    promised = {"# prints the unified diff of what would change, exits 1": 1, "# writes it (atomically), exits 0": 0,
                "# exits 0": 0}
    for command in commands:
        code, printed = run(command)
        comment = "#" + command.split("#", 1)[1].strip() if "#" in command else ""
        if comment in promised:
            assert code == promised[comment], command
        elif command.startswith("schemagen lint"):
            assert printed[-1].startswith("3 errors, "), printed[-1]  # one error fewer than step 2's four
        elif command.startswith("schemagen validate"):
            start = next(i for i, line in enumerate(printed) if line.startswith("public.ai_tasks "))
            block = []
            for line in printed[start + 1:]:
                if not line.startswith("  "):
                    break
                block.append(line)
            update = next(line for line in block if "update (no where)" in line)
            assert update.lstrip().startswith("ok "), update

    step6 = readme[readme.index("**6. "):readme.index("**7. ")]
    stamp = re.compile(r"(?<!\d)\d{14}(?!\d)")
    for command, shown in console_sessions(step6):
        if command.startswith("cat "):
            written = sorted((tmp_path / "supabase" / "migrations").glob("*_fix_task_policy.sql"))
            assert len(written) == 1
            printed = written[0].read_text().splitlines()
        else:
            _, printed = run(command)
        assert_printed(command, [stamp.sub("<stamp>", line) for line in shown],
                       [stamp.sub("<stamp>", line) for line in printed])


def test_tour_step_7_runs_as_written(tmp_path):
    """Step 7's commands, each run as the README writes it, against the database `schemagen dev`
    serves for a copy of the Stage 5 fixture."""
    import os
    import shlex
    import shutil
    import subprocess
    import sys

    from schemagen import pgserver

    readme = (ROOT / "README.md").read_text()
    step = readme[readme.index("**7. Catch a database changed by hand.**"):readme.index("## Adopting schemagen")]
    commands = [line.split("  #")[0].strip() for line in re.search(r"```sh\n(.*?)\n```", step, re.S)[1].splitlines()]
    assert [c.split()[0] for c in commands] == ["psql", "schemagen", "schemagen", "schemagen"]
    shutil.copytree(STAGE5_SPECS, tmp_path / "specs")
    env = {**os.environ, "SCHEMAGEN_CACHE_DIR": str(tmp_path / "cache")}
    dev = subprocess.Popen([sys.executable, "-m", "schemagen", "dev"], cwd=tmp_path, env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = dev.stdout.readline().strip()
        assert url, dev.stderr.read()
        psql = shutil.which("psql") or str(pgserver.find_bin_dir() / "psql")
        results = []
        for command in commands:
            argv = [url if word == "$URL" else word for word in shlex.split(command)]
            argv = [psql, *argv[1:]] if argv[0] == "psql" else [sys.executable, "-m", *argv]
            results.append(subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120))
        altered, drifted, repair, stopped = results
        assert altered.returncode == 0, altered.stderr
        assert drifted.returncode == 1 and "row level security" in drifted.stdout and "public.ai_tasks" in drifted.stdout
        assert "alter table public.ai_tasks enable row level security;" in repair.stdout
        assert stopped.returncode == 0 and dev.wait(timeout=30) == 0
    finally:
        dev.kill()
