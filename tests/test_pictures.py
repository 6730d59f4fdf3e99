"""``generate --pictures`` and ``check --pictures``: SVG pictures of the diagrams, drawn by Mermaid in
headless Chromium (installed by .ci/run), deterministic for one renderer, never judged across two."""

from __future__ import annotations

import io
import shutil

import pytest
from conftest import STAGE5_SPECS
from test_diagrams_browser import _browser

from schemagen.cli import main

STEM = "stage-05-advanced-tables"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path, monkeypatch):
    _browser()  # skipped without Chromium and Mermaid, a failure in CI
    shutil.copytree(STAGE5_SPECS, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_pictures_are_drawn_listed_and_stable(project):
    code, out, err = run("generate", "--pictures")
    assert code == 0, err
    assert "created generated/er/stage-05-advanced-tables.svg" in out
    manifest = (project / "generated" / ".schemagen-manifest").read_text().splitlines()
    assert {"er/schema.svg", f"er/{STEM}.svg"} <= set(manifest)
    svg = (project / "generated" / "er" / f"{STEM}.svg").read_text()
    assert svg.startswith("<!-- rendered by schemagen with Mermaid ") and "<svg" in svg and "search_history" in svg
    code, out, _ = run("generate", "--pictures")
    assert code == 0 and "0 created, 0 updated, 0 removed" in out  # the same renderer draws the same file
    assert run("check", "--pictures") == (0, "9 files in generated are up to date\n", "")


def test_a_changed_diagram_changes_its_picture_and_check_sees_it(project):
    assert run("generate", "--pictures")[0] == 0
    spec = project / "specs" / f"{STEM}.yaml"
    spec.write_text(spec.read_text().replace("label: generates", "label: records"))
    code, _, err = run("check", "--pictures", "-q")
    assert code == 1
    assert f"changed: generated/er/{STEM}.svg" in err and f"changed: generated/er/{STEM}.mmd" in err


def test_a_picture_drawn_elsewhere_is_not_compared_but_redrawn_by_generate(project):
    assert run("generate", "--pictures")[0] == 0
    picture = project / "generated" / "er" / "schema.svg"
    foreign = picture.read_text().split("\n", 1)[1]
    picture.write_text("<!-- rendered by schemagen with Mermaid 10.0.0 in Another Browser -->\n" + foreign)
    code, out, err = run("check", "--pictures")
    assert code == 0 and out == "9 files in generated are up to date\n"
    assert "schema.svg: drawn with Mermaid 10.0.0 in Another Browser, this machine draws with Mermaid " in err
    assert "not compared" in err
    code, out, _ = run("generate", "--pictures")
    assert code == 0 and "updated generated/er/schema.svg" in out


def test_without_the_flag_pictures_are_kept_and_said_unchecked(project):
    assert run("generate", "--pictures")[0] == 0
    before = (project / "generated" / "er" / f"{STEM}.svg").read_text()
    code, out, err = run("generate")
    assert code == 0 and "0 removed" in out and "2 pictures kept as drawn earlier" in err
    assert (project / "generated" / "er" / f"{STEM}.svg").read_text() == before
    code, out, err = run("check")
    assert code == 0 and "2 pictures not checked (pass --pictures)" in err


def test_pictures_without_mermaid_are_a_usage_error(project, monkeypatch):
    monkeypatch.setenv("SCHEMAGEN_MERMAID_JS", str(project / "missing.js"))
    code, _, err = run("generate", "--pictures")
    assert code == 2 and "--pictures needs Mermaid at" in err
    assert not (project / "generated").exists()
