"""Synthetic spec sets of N tables, shaped like the Stage 5 tables, for the benchmarks."""

from __future__ import annotations

from pathlib import Path

TABLES_PER_STAGE = 50


def table(i: int) -> str:
    return f"""\
  - name: items_{i}
    comment: Synthetic table {i}.
    columns:
      - {{name: id, type: uuid, primary_key: true, default: gen_random_uuid()}}
      - name: user_id
        type: uuid
        not_null: true
        references: {{table: profiles, column: id, on_delete: cascade, label: owns}}
      - {{name: title, type: text, not_null: true}}
      - name: status
        type: text
        default: {{literal: pending}}
        check: {{in: [pending, done]}}
      - {{name: payload, type: jsonb, default: "'{{}}'::jsonb"}}
      - {{name: priority, type: integer, default: 0}}
      - {{name: created_at, type: timestamptz, default: now(), not_null: true}}
    rls: true
    policies:
      - name: Owners read
        command: select
        roles: [authenticated]
        using: user_id = (select auth.uid())
      - name: Owners write
        command: insert
        roles: [authenticated]
        with_check: user_id = (select auth.uid())
    indexes:
      - columns: [user_id]
      - columns: [{{column: created_at, order: desc}}]
      - name: items_{i}_pending_idx
        columns: [status, created_at]
        where: status = 'pending'
"""


def trigger(i: int) -> str:
    """An updated_at trigger on table i, calling its own function (so N tables give N of each)."""
    return f"""\
    triggers:
      - name: items_{i}_touch
        timing: before
        events: [update]
        function: public.touch_{i}
"""


def function(i: int) -> str:
    return f"""\
  - name: touch_{i}
    returns: trigger
    language: plpgsql
    search_path: []
    body: |
      begin
        new.created_at := now();
        return new;
      end;
"""


def write_specs(folder: Path, tables: int, *, kinds: bool = False) -> Path:
    """``kinds`` adds a trigger per table and the trigger function it calls."""
    folder.mkdir(parents=True, exist_ok=True)
    for stage, start in enumerate(range(0, tables, TABLES_PER_STAGE), start=1):
        numbers = range(start, min(start + TABLES_PER_STAGE, tables))
        body = "".join(table(i) + (trigger(i) if kinds else "") for i in numbers)
        functions = ("functions:\n" + "".join(function(i) for i in numbers)) if kinds else ""
        (folder / f"stage-{stage:03d}.yaml").write_text(functions + f"""\
stage: {stage}
title: Synthetic {stage}
platform: supabase
external:
  tables:
    - name: profiles
      columns:
        - {{name: id, type: uuid, primary_key: true}}
tables:
{body}""")
    return folder
