"""Loading behaviour that is not an error: earlier stages brought in, defaults, derived names."""

from __future__ import annotations

import shutil
import textwrap

from conftest import STAGE5_SPECS

from schemagen.lint import run_lint
from schemagen.live import external_stubs
from schemagen.load import load_project
from schemagen.render import render_project

STAGE_1 = """\
stage: 1
title: Profiles
platform: supabase
tables:
  - name: profiles
    comment: One row per user.
    columns:
      - {name: id, type: uuid, primary_key: true, references: auth.users.id}
      - {name: username, type: text}
    rls: true
"""


def test_a_real_earlier_stage_takes_over_from_the_external_declaration(tmp_path):
    specs = tmp_path / "specs"
    shutil.copytree(STAGE5_SPECS, specs)
    (specs / "stage-01-profiles.yaml").write_text(textwrap.dedent(STAGE_1))
    project = load_project(specs)
    assert [s.number for s in project.stages] == [1, 5]
    stage5 = project.stages[1]
    fk = stage5.tables[0].column("user_id").references
    assert (fk.ref_key, fk.ref_columns) == (("public", "profiles"), ("id",))
    # profiles now comes from stage 1, so validation no longer makes up a stand-in for it
    assert not any("public.profiles" in sql for sql in external_stubs(project))
    assert any("public.ai_agents" in sql for sql in external_stubs(project))
    rendered = render_project(project, run_lint(project))
    assert rendered["sql/stage-05-advanced-tables.sql"] == (STAGE5_SPECS.parent / "expected" / "sql" /
                                                           "stage-05-advanced-tables.sql").read_text()


def test_references_without_a_column_point_at_the_primary_key(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "s.yaml").write_text(STAGE_1 + """\
  - name: posts
    comment: Posts.
    columns:
      - {name: id, type: uuid, primary_key: true}
      - {name: author, type: uuid, references: {table: profiles, on_delete: cascade}}
    rls: true
""")
    table = load_project(specs).table("public", "posts")
    assert table.column("author").references.ref_columns == ("id",)


def test_index_names_follow_the_documented_convention():
    project = load_project(STAGE5_SPECS)
    names = {ix.name: ix.derived_name for t in project.tables for ix in t.indexes}
    assert names["search_history_query_idx"] is True  # from to_tsvector('english', query)
    assert names["ai_tasks_conversation_id_idx"] is True
    assert names["ai_tasks_priority_idx"] is False  # the convention would say priority_created_at


def test_work_is_forked_to_processes_only_when_no_other_thread_runs():
    """A child forked while another thread holds a lock (the import lock, say) waits for it
    forever; validate --live and drift run a thread while the specs load."""
    import os
    import threading

    from schemagen.parallel import map_in_processes

    assert set(map_in_processes(_pid, [1, 2, 3, 4], 2)) - {os.getpid()}  # workers when alone
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert map_in_processes(_pid, [1, 2, 3, 4], 2) == [os.getpid()] * 4
    finally:
        release.set()
        other.join()


def _pid(_item: int) -> int:
    import os

    return os.getpid()


def test_meanwhile_runs_once_the_workers_are_forked_or_first_when_there_are_none():
    """drift opens its connections in a thread meanwhile: it must start only after every fork."""
    import multiprocessing

    from schemagen.parallel import map_in_processes

    seen: list[int] = []

    def meanwhile() -> None:
        seen.append(len(multiprocessing.active_children()))

    map_in_processes(_pid, [1, 2, 3], 2, meanwhile)
    assert seen == [2]  # both workers were forked before it ran
    order: list[str] = []
    map_in_processes(lambda item: order.append("work"), [1], 1, lambda: order.append("meanwhile"))
    assert order == ["meanwhile", "work"]
