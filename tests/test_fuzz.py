"""Mutated specs, at the YAML-tree and the byte level: schemagen either writes SQL in which every
statement is one it meant to write, or refuses with ``file:line:col`` and exit 2. Never a
traceback, a hang, or a changed output folder.

The statements are counted by PostgreSQL's own lexer (pglast), against a count taken from the
model: a spec value that became a statement of its own would show as one too many.

Bounded for CI (a few seconds, the same examples every run); for a release, explore:
``SCHEMAGEN_FUZZ_RANDOM=1 SCHEMAGEN_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
from pathlib import Path

import pytest
import yaml
from conftest import CASES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemagen import model as m
from schemagen.cli import main
from schemagen.load import load_project
from schemagen.pgsql import split

EXAMPLES = int(os.environ.get("SCHEMAGEN_FUZZ_EXAMPLES", "120"))
#: CI replays the same examples every run; a release run explores new ones.
RANDOM = bool(os.environ.get("SCHEMAGEN_FUZZ_RANDOM"))
SEED_FILE = CASES / "features" / "specs" / "stage-01-core.yaml"

#: What breaks lexers: quotes of every kind, dollar tags, comment openers, statement ends,
#: psql's backslash, line breaks PostgreSQL and Python disagree on, look-alike spaces.
NASTY = ["'", '"', "$", "$a$", "$$", "--", "/*", "*/", ";", "\\", "\\!", "\r", "\n", "\u00a0", "\u2028",
         "E'", "U&'", "(", ")", ",", ":", "::", "#", "&", "*", "!", "{", "}", "[", "]", "\t", "\x0b",
         "drop table victim", "commit", "e'\\''", "0x1f", "1e400", "\x00",
         # what grows a parse tree as deep as the text is long, and psql's own syntax
         " || a" * 300, "(" * 40, ")" * 40, " or id = 1" * 300, "$1", ":ENCODING", "[1:LAST_ERROR_MESSAGE]"]

settings.register_profile("ci", max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
                          suppress_health_check=list(HealthCheck))
settings.load_profile("ci")

LINE = re.compile(r"^.+:\d+:\d+: E\d{3} error .+$")


def expected_statements(stage: m.Stage) -> int:
    """How many statements the built-in templates write for a stage."""
    count = len({t.schema for t in stage.tables} - {"public"})
    for raw in stage.sql_before + stage.sql_after:
        count += len(split(raw.sql))
    for table in stage.tables:
        count += 1 + (table.comment is not None) + sum(c.comment is not None for c in table.columns)
        count += table.rls + table.force_rls + len(table.policies) + len(table.indexes)
    return count


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout


def check_run(specs: Path, out: Path) -> None:
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    stdout, stderr = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        code = main(["generate", "-q", "--specs", str(specs), "--out", str(out)], stdout, stderr)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    text = (specs / "s.yaml").read_bytes()[:2000]
    assert code in (0, 2), (code, stderr.getvalue(), text)
    if code == 2:
        lines = stderr.getvalue().splitlines()
        assert lines and lines[-1].startswith("schemagen: "), (stderr.getvalue(), text)
        if "spec error" in lines[-1]:
            assert all(LINE.match(line) for line in lines[:-1]), (stderr.getvalue(), text)
        after = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
        assert after == before, text
        return
    project = load_project(specs)
    for stage in project.stages:
        sql = (out / "sql" / f"{stage.file_stem}.sql").read_text("utf-8")
        assert len(split(sql)) == expected_statements(stage), (sql, text)


@pytest.fixture(scope="module")
def seed_tree():
    return yaml.safe_load(SEED_FILE.read_text())


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,)
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield prefix + (i,)
            yield from _paths(value, prefix + (i,))


def _set(tree, path, value):
    node = tree
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=4)), min_size=1, max_size=6).map("".join)


def _get(tree, path):
    for part in path:
        tree = tree[part]
    return tree


@given(data=st.data())
def test_tree_mutations(tmp_path_factory, seed_tree, data):
    """Mostly nasty pieces spliced into existing text (names, comments, expressions: often still
    valid, so the accepted SQL is what gets tested), sometimes a value replaced outright."""
    import copy

    tree = copy.deepcopy(seed_tree)
    paths = [p for p in _paths(tree) if p[-1] != "stage"]
    texts = [p for p in paths if isinstance(_get(tree, p), str)]
    for _ in range(data.draw(st.integers(1, 3))):
        if data.draw(st.integers(0, 9)) < 7:
            path = data.draw(st.sampled_from(texts))
            try:
                current = _get(tree, path)
            except (KeyError, IndexError, TypeError):  # an earlier replacement took it away
                continue
            if not isinstance(current, str):
                continue
            at = data.draw(st.integers(0, len(current)))
            value = current[:at] + data.draw(nasty_text) + current[at:]
        else:
            path = data.draw(st.sampled_from(paths))
            value = data.draw(st.one_of(nasty_text, st.integers(-3, 3), st.booleans(), st.none(),
                                        st.floats(allow_nan=True, allow_infinity=True), st.just([]), st.just({})))
        try:
            _set(tree, path, value)
        except (KeyError, IndexError, TypeError):
            pass
    specs = tmp_path_factory.mktemp("specs")
    (specs / "s.yaml").write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    check_run(specs, _fresh_out(tmp_path_factory))


@given(data=st.data())
def test_byte_mutations(tmp_path_factory, data):
    raw = bytearray(SEED_FILE.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw)))
        piece = data.draw(st.one_of(st.sampled_from(NASTY).map(lambda s: s.encode("utf-8")),
                                    st.binary(min_size=1, max_size=3)))
        if data.draw(st.booleans()):
            raw[at:at + len(piece)] = piece
        else:
            raw[at:at] = piece
    specs = tmp_path_factory.mktemp("specs")
    (specs / "s.yaml").write_bytes(bytes(raw))
    check_run(specs, _fresh_out(tmp_path_factory))


_GENERATED: dict[str, Path] = {}


def _fresh_out(tmp_path_factory) -> Path:
    """An output folder holding the unmutated case's files, which a refused run must leave alone."""
    if "base" not in _GENERATED:
        specs = tmp_path_factory.mktemp("base_specs")
        shutil.copy(SEED_FILE, specs / "s.yaml")
        base = tmp_path_factory.mktemp("base_out")
        assert main(["generate", "-q", "--specs", str(specs), "--out", str(base)], io.StringIO(), io.StringIO()) == 0
        _GENERATED["base"] = base
    out = tmp_path_factory.mktemp("out")
    shutil.rmtree(out)
    shutil.copytree(_GENERATED["base"], out)
    return out


STAGE_DOC = CASES / "features" / "expected" / "docs" / "stage-02-orders.md"
#: What made the stage-document reader cubic or unbounded: long runs inside its line patterns.
DOC_PIECES = ["-" * 3000, " (" * 2000, " " * 3000, "Stages 1-200000000", "```sql\n", "```", "```mermaid\n",
              "||--o{", "**Status:** ", "- [x] ", "\n  - ⚪ `SG001` waived: ", "\n", "{", "}"]


@settings(max_examples=max(EXAMPLES // 3, 1))
@given(data=st.data())
def test_stage_document_mutations(tmp_path_factory, data):
    """``import --stage-doc`` of a mutated document: read in bounded time, imported or refused in one
    line; never a traceback (the proof is skipped: reading is what is under test)."""
    text = STAGE_DOC.read_text("utf-8")
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.one_of(st.sampled_from(DOC_PIECES), nasty_text)) + text[at:]
    folder = tmp_path_factory.mktemp("doc")
    (folder / "stage.md").write_text(text, encoding="utf-8")
    stdout, stderr = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        code = main(["import", "--stage-doc", str(folder / "stage.md"), "--specs", str(folder / "specs"),
                     "--no-verify"], stdout, stderr)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert code in (0, 1, 2), stderr.getvalue()
    if code == 2:
        lines = stderr.getvalue().splitlines()
        assert lines and lines[-1].startswith("schemagen: "), stderr.getvalue()
