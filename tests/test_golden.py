"""Golden tests: one folder per case, every generated file compared whole.

``tests/cases/<case>/specs`` in, ``tests/cases/<case>/expected`` out, optional
``templates`` for a user's house style. ``pytest --update-golden`` rewrites the
expected files after a reviewed change. Together the cases exercise every
built-in template (macros.sql through table.sql, stage.sql, er.mmd, stage.md, index.md) and the
override of one by a user's folder.
"""

from __future__ import annotations

import pytest
from conftest import CASES, compare_tree

from schemagen.lint import run_lint
from schemagen.load import load_project
from schemagen.render import render_project

CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "specs").is_dir())


@pytest.mark.parametrize("case", CASE_NAMES)
def test_golden(case, update_golden):
    folder = CASES / case
    templates = folder / "templates"
    project = load_project(folder / "specs")
    rendered = render_project(project, run_lint(project), templates if templates.is_dir() else None)
    compare_tree(rendered, folder / "expected", update_golden)


def test_cases_cover_every_builtin_template():
    from schemagen.render import builtin_templates_dir

    names = {p.name for p in builtin_templates_dir().glob("*.j2")}
    assert names == {"macros.sql.j2", "table.sql.j2", "stage.sql.j2", "er.mmd.j2", "stage.md.j2",
                     "index.md.j2", "policy.sql.j2", "index.sql.j2", "extension.sql.j2", "enum.sql.j2",
                     "function.sql.j2", "trigger.sql.j2", "view.sql.j2", "schema_grant.sql.j2", "domain.sql.j2",
                     "sequence.sql.j2", "publication.sql.j2", "table_grants.sql.j2", "bucket.sql.j2", "reference.md.j2",
                     "foreign_key.sql.j2", "cron_job.sql.j2"}
    kinds = (CASES / "kinds" / "expected" / "sql" / "stage-01-trips-app.sql").read_text()
    for made_by in ("create extension", "create type", "create or replace function", "create trigger",
                    "create view", "grant usage on schema", "revoke all on table", "create policy \"Members",
                    "create domain", "create sequence", "alter publication supabase_realtime add table"):
        assert made_by in kinds, made_by  # every kind's template, and a policy moved after its helper
    jobs = (CASES / "jobs" / "expected" / "sql" / "stage-01-housekeeping.sql").read_text()
    assert "select cron.schedule('purge-request-logs', " in jobs and "active := false);" in jobs
    for case in ("features",):
        expected = CASES / case / "expected"
        assert {p.parent.name for p in expected.rglob("*") if p.is_file()} >= {"sql", "docs", "er"}
    features = (CASES / "features" / "expected" / "sql" / "stage-02-orders.sql").read_text()
    assert features.endswith("alter table public.carts add constraint carts_newest_line_fk foreign key "
                             "(newest_line_id) references public.cart_lines(id) on delete set null;\n")


def test_rendering_is_deterministic():
    project = load_project(CASES / "features" / "specs")
    first = render_project(project, run_lint(project))
    again = load_project(CASES / "features" / "specs")
    assert render_project(again, run_lint(again)) == first


def test_moving_spec_lines_changes_no_generated_byte(tmp_path):
    """Positions belong in lint output, not in committed files: a comment added at the top of a
    spec (every object one line down) must leave every generated file as it was."""
    import shutil

    specs = tmp_path / "specs"
    shutil.copytree(CASES / "seed_stage5" / "specs", specs)
    before = render_project(project := load_project(specs), run_lint(project))
    spec = specs / "stage-05-advanced-tables.yaml"
    spec.write_text("# reviewed in #42\n\n" + spec.read_text())
    after = render_project(project := load_project(specs), run_lint(project))
    assert after == before
