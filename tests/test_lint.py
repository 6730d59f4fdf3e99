"""Lint rules: each with a failing and a passing spec, the exact Stage 5 report, docs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, STAGE5_SPECS

from schemagen.cli import main
from schemagen.lint import RULES, run_lint
from schemagen.lint.registry import CHECKLIST
from schemagen.load import load_project

CASES = Path(__file__).resolve().parent / "lint_cases"


def lint_spec(tmp_path: Path, spec: dict) -> list:
    folder = tmp_path / "specs"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / "stage.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return run_lint(load_project(folder))


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_fails_the_bad_spec_and_passes_the_fixed_one(code, tmp_path):
    case = yaml.safe_load((CASES / f"{code.lower()}.yaml").read_text())
    failing = [d for d in lint_spec(tmp_path, case["fail"]) if d.code == code and d.waived is None]
    assert failing, f"{code} did not fire on its failing spec"
    assert all(d.severity == RULES[code].severity for d in failing)
    passing = [d for d in lint_spec(tmp_path, case["pass"]) if d.code == code and d.waived is None]
    assert passing == []


def test_every_rule_is_documented_and_on_the_checklist():
    for code, rule in RULES.items():
        assert rule.summary().endswith("."), code
        assert len(rule.explanation()) > 80, f"{code} needs a docstring explaining why and the fix"
        assert rule.checklist in CHECKLIST
        assert rule.name.count(".") == 1
    assert {rule.checklist for rule in RULES.values()} == set(CHECKLIST)


def test_unused_waiver_is_reported(tmp_path):
    case = yaml.safe_load((CASES / "sg006.yaml").read_text())["pass"]
    case["tables"][0]["policies"][0]["command"] = "select"
    findings = [d for d in lint_spec(tmp_path, case) if d.code == "SG019"]
    assert [d.message for d in findings] == [
        "waiver for SG006 silences nothing here; remove it (the problem it excused is gone)"]


def test_unknown_waiver_code_gets_did_you_mean(tmp_path):
    case = yaml.safe_load((CASES / "sg019.yaml").read_text())["fail"]
    findings = [d for d in lint_spec(tmp_path, case) if d.code == "SG019"]
    assert [d.message for d in findings] == ["waiver for unknown rule 'SG0004'; did you mean 'SG004'?"]


def test_waived_findings_stay_listed_with_their_reason(tmp_path):
    case = yaml.safe_load((CASES / "sg006.yaml").read_text())["pass"]
    waived = [d for d in lint_spec(tmp_path, case) if d.code == "SG006"]
    assert [d.waived for d in waived] == ["Owners do everything with their own rows."]



#: Stage 5 exactly as the seed designs it: every unwaived problem and the waived one.
STAGE5_FINDINGS = [
    (47, "SG010", "warning", 'policy "Users can view their own search history" calls auth.uid() once per row'),
    (51, "SG010", "warning", 'policy "Users can create search history" calls auth.uid() once per row'),
    (55, "SG010", "warning", 'policy "Users can delete their own search history" calls auth.uid() once per row'),
    (73, "SG031", "warning", "the ER diagram draws ai_tasks.agent_id → ai_agents as ||--o{, but the constraints allow |o--o{"),
    (79, "SG031", "warning", "the ER diagram draws ai_tasks → conversations but its box leaves out conversation_id"),
    (79, "SG031", "warning", "the ER diagram draws ai_tasks.conversation_id → conversations as ||--o{, but the constraints allow |o--o{"),
    (94, "SG009", "warning", 'policy "Users can view their own AI tasks" matches rows by owner ai_tasks.user_id, which is nullable'),
    (94, "SG010", "warning", 'policy "Users can view their own AI tasks" calls auth.uid() once per row'),
    (98, "SG009", "warning", 'policy "Users can create AI tasks" matches rows by owner ai_tasks.user_id, which is nullable'),
    (98, "SG010", "warning", 'policy "Users can create AI tasks" calls auth.uid() once per row'),
    (102, "SG008", "error", 'policy "System can update task status" lets any authenticated user change every row of public.ai_tasks'),
    (124, "SG018", "warning", "the ER diagram shows user_sessions.device_info as text but the column is jsonb"),
    (132, "SG010", "warning", 'policy "Users can view their own sessions" calls auth.uid() once per row'),
    (136, "SG008", "error", 'policy "System can create sessions" lets any authenticated user create every row of public.user_sessions'),
    (140, "SG008", "error", 'policy "System can update sessions" lets any authenticated user change every row of public.user_sessions'),
    (144, "SG010", "warning", 'policy "Users can delete their own sessions" calls auth.uid() once per row'),
    (176, "SG010", "warning", 'policy "Users can view their own API keys" calls auth.uid() once per row'),
    (180, "SG010", "warning", 'policy "Users can create API keys" calls auth.uid() once per row'),
    (184, "SG010", "warning", 'policy "Users can update their own API keys" calls auth.uid() once per row'),
    (189, "SG010", "warning", 'policy "Users can delete their own API keys" calls auth.uid() once per row'),
    (195, "SG013", "warning", "index api_keys_key_hash_idx duplicates the index of the unique constraint on api_keys(key_hash)"),
    (219, "SG006", "warning", 'policy "System can manage event bus messages" on event_bus_messages is "for all"'),
    (219, "SG008", "error", 'policy "System can manage event bus messages" lets any authenticated user read and write every row of public.event_bus_messages'),
    (219, "SG021", "warning", 'policy "System can manage event bus messages" lets any authenticated user read every row of public.event_bus_messages'),
]


def test_stage5_report_is_exactly_the_seeds_flaws():
    findings = [d for d in run_lint(load_project(STAGE5_SPECS)) if d.severity != "info"]
    assert [(d.pos.line, d.code, d.severity) for d in findings] == [f[:3] for f in STAGE5_FINDINGS]
    for d, (_, _, _, start) in zip(findings, STAGE5_FINDINGS, strict=True):
        assert d.message.startswith(start), d.message
    waived = {d.code: d.waived for d in findings if d.waived}
    assert list(waived) == ["SG006"]
    assert waived["SG006"].startswith("System-internal table for AI agent communication.")


def test_always_true_message_explains_authenticated_and_the_fix():
    finding = next(d for d in run_lint(load_project(STAGE5_SPECS)) if d.code == "SG008")
    assert "authenticated is every signed-in end user, not a backend" in finding.message
    assert "backend processes use service_role, which bypasses RLS" in finding.message
    assert "restrict it to the owner: user_id = (select auth.uid())" in finding.message


def test_stage5_doc_checklist_shows_the_findings():
    doc = (STAGE5_SPECS.parent / "expected" / "docs" / "stage-05-advanced-tables.md").read_text()
    start = doc.index("## ✅ Checklist")
    checklist = doc[start:doc.index("**Status:**", start)]
    assert "- [x] All keywords lowercase" in checklist
    assert "- [x] All tables have comments" in checklist
    assert "- [ ] No policy lets a user read or write other users' rows" in checklist
    assert checklist.count("❌ `SG008`") == 4
    assert '⚪ `SG006` waived: policy "System can manage event bus messages"' in checklist
    assert "**Reason:** System-internal table for AI agent communication." in checklist
    assert "- [ ] Proper indexes\n  - ⚠️ `SG013` index api_keys_key_hash_idx" in checklist  # a warning: ❌ is for errors only
    assert checklist.count("❌") == 4  # the four SG008 errors
    assert "**Status:** ❌ Not ready for migration: 4 lint errors to fix" in doc


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def test_lint_cli_text_format_and_exit_code():
    code, out, err = run("lint", "--specs", str(STAGE5_SPECS))
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{STAGE5_SPECS / 'stage-05-advanced-tables.yaml'}:47:9: SG010 warning policy ")
    assert err == "4 errors, 19 warnings, 49 info, 1 waived; 49 below --min-severity warning not shown\n"


def test_lint_summary_counts_read_as_english(tmp_path):
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "s.yaml").write_text("stage: 1\ntitle: T\nplatform: supabase\ntables:\n  - name: notes\n"
                                               "    columns:\n      - {name: id, type: bigint, primary_key: true}\n"
                                               "    rls: true\n")
    code, out, err = run("lint", "--specs", str(tmp_path / "specs"))
    assert (code, out.count("\n")) == (0, 1)
    assert err == "0 errors, 1 warning, 2 info, 0 waived; 2 below --min-severity warning not shown\n"


def test_lint_exit_code_follows_fail_on(tmp_path):
    case = yaml.safe_load((CASES / "sg010.yaml").read_text())["fail"]
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "s.yaml").write_text(yaml.safe_dump(case))
    assert run("lint", "--specs", str(tmp_path / "specs"))[0] == 0
    assert run("lint", "--specs", str(tmp_path / "specs"), "--fail-on", "warning")[0] == 1


def test_lint_json_and_github_formats(tmp_path):
    case = yaml.safe_load((CASES / "sg010.yaml").read_text())["fail"]
    (tmp_path / "specs").mkdir()
    spec = tmp_path / "specs" / "s.yaml"
    spec.write_text(yaml.safe_dump(case, sort_keys=False))
    lines = spec.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip() == "- name: own")
    _, out, _ = run("lint", "--specs", str(tmp_path / "specs"), "--format", "json")
    assert json.loads(out) == [{
        "path": str(spec), "line": line, "col": 5, "code": "SG010", "severity": "warning",
        "message": 'policy "own" calls auth.uid() once per row; write (select auth.uid()) so PostgreSQL '
                   "evaluates it once per statement",
        "waived": None,
    }]
    _, out, _ = run("lint", "--specs", str(tmp_path / "specs"), "--format", "github")
    path = str(spec).replace(":", "%3A").replace(",", "%2C")
    assert out == (f"::warning file={path},line={line},col=5,title=SG010::SG010 policy \"own\" calls auth.uid() "
                   "once per row; write (select auth.uid()) so PostgreSQL evaluates it once per statement\n")


def test_docs_lint_md_is_generated_from_the_registry():
    code, out, _ = run("rules", "--format", "markdown")
    assert code == 0
    assert (ROOT / "docs" / "lint.md").read_text() == out, "run: schemagen rules --format markdown > docs/lint.md"


def test_findings_table_is_the_same_in_lint_md_and_ci_md():
    from schemagen.codes import findings_table

    table = findings_table()
    assert table in (ROOT / "docs" / "lint.md").read_text()
    assert table in (ROOT / "docs" / "ci.md").read_text(), "paste schemagen.codes.findings_table() into docs/ci.md"


def test_every_code_the_code_prints_is_catalogued():
    """A finding code written anywhere in src/ is in the catalogue (or is a lint rule)."""
    import re

    from schemagen.codes import BY_CODE

    written = set()
    for path in (ROOT / "src" / "schemagen").rglob("*.py"):
        written |= set(re.findall(r'"((?:E1|V[123]|D[01])\d\d)"', path.read_text()))
    assert written - set(BY_CODE) == set()


def test_a_validation_code_in_a_waiver_is_not_stale(tmp_path):
    case = yaml.safe_load((CASES / "sg006.yaml").read_text())["pass"]
    case["tables"][0]["policies"][0]["waive"] = {"V303": "Owners read their events.", "SG0006": "typo"}
    findings = [d for d in lint_spec(tmp_path, case) if d.code == "SG019"]
    assert [d.message for d in findings] == ["waiver for unknown rule 'SG0006'; did you mean 'SG006'?"]


def _one_table(policies: list[dict], columns: list[dict] | None = None, indexes: list[dict] | None = None,
               extra: dict | None = None) -> dict:
    table = {"name": "items", "comment": "Items.", "rls": True, "policies": policies,
             "columns": columns or [{"name": "id", "type": "uuid", "primary_key": True, "comment": "Key."},
                                    {"name": "owner", "type": "uuid", "not_null": True, "comment": "Owner."},
                                    {"name": "sharing", "type": "text", "comment": "Sharing."},
                                    {"name": "org_id", "type": "uuid", "comment": "Org."}],
             "indexes": indexes if indexes is not None else [{"columns": ["owner"]}]}
    table.update(extra or {})
    return {"stage": 1, "title": "Case", "platform": "supabase", "tables": [table]}


def _codes(tmp_path, spec, code):
    return [d.message for d in lint_spec(tmp_path, spec) if d.code == code]


@pytest.mark.parametrize("condition", ["owner is not null", "1 = 1", "auth.role() = 'authenticated'",
                                       "sharing = 'public'"])
def test_write_conditions_that_ignore_the_user_are_holes(tmp_path, condition):
    spec = _one_table([{"name": "w", "command": "update", "roles": ["authenticated"], "using": condition}])
    [message] = _codes(tmp_path, spec, "SG008")
    assert f"using ( {condition} ) does not depend on who the user is" in message or "is always true" in message


@pytest.mark.parametrize("condition", ["owner = (select auth.uid())", "private.is_member(org_id)",
                                       "exists (select 1 from public.members m where m.org_id = org_id "
                                       "and m.user_id = (select auth.uid()))"])
def test_write_conditions_tied_to_the_user_or_a_helper_are_not_flagged(tmp_path, condition):
    spec = _one_table([{"name": "w", "command": "update", "roles": ["authenticated"], "using": condition}])
    assert _codes(tmp_path, spec, "SG008") == []


@pytest.mark.parametrize("condition", ["sharing <> 'private'", "private.is_member(org_id)",
                                       "exists (select 1 from public.members m where m.org_id = org_id)"])
def test_index_advice_only_where_an_index_can_serve(tmp_path, condition):
    spec = _one_table([{"name": "r", "command": "select", "roles": ["authenticated"], "using": condition}])
    assert _codes(tmp_path, spec, "SG014") == []


def test_a_partial_index_serves_the_columns_its_predicate_tests(tmp_path):
    policy = [{"name": "r", "command": "select", "roles": ["authenticated"], "using": "sharing = 'public'"}]
    assert _codes(tmp_path, _one_table(policy), "SG014") == [
        "policy \"r\" filters on items.sharing, which no index starts with; add 'indexes: [{columns: [sharing]}]'"]
    indexes = [{"columns": ["owner"]}, {"columns": ["id"], "where": "sharing = 'public'"}]
    assert _codes(tmp_path, _one_table(policy, indexes=indexes), "SG014") == []


def test_bare_current_setting_is_evaluated_per_row(tmp_path):
    spec = _one_table([{"name": "r", "command": "select", "roles": ["authenticated"],
                        "using": "org_id = current_setting('app.org')::uuid"}])
    [message] = _codes(tmp_path, spec, "SG010")
    assert message.startswith('policy "r" calls current_setting(…) once per row')


def test_foreign_keys_to_other_schemas_are_named_with_their_schema(tmp_path):
    columns = [{"name": "id", "type": "uuid", "primary_key": True, "comment": "Key.",
                "references": {"schema": "auth", "table": "users", "column": "id"}},
               {"name": "author", "type": "uuid", "comment": "Author.",
                "references": {"schema": "auth", "table": "users", "column": "id"}}]
    spec = _one_table([], columns=columns, indexes=[])
    assert _codes(tmp_path, spec, "SG012") == [
        "foreign key items(author) → auth.users has no index starting with (author); "
        "add 'indexes: [{columns: [author]}]'"]
