"""The README's promises: its two set-up commands, and CI running the test one verbatim."""

from __future__ import annotations

import re

from conftest import ROOT

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
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
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
