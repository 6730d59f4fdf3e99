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
