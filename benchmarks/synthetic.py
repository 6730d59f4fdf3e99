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


def write_specs(folder: Path, tables: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stage, start in enumerate(range(0, tables, TABLES_PER_STAGE), start=1):
        body = "".join(table(i) for i in range(start, min(start + TABLES_PER_STAGE, tables)))
        (folder / f"stage-{stage:03d}.yaml").write_text(f"""\
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
