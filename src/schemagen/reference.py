"""The schema reference: one page where a designer of the next stage finds what exists.

Every table of every stage with its columns, types and keys, the references out of it and into
it, its policies in a sentence each, its indexes and triggers, and the stage that made it; the
other objects each stage makes, listed by name. Sentences are built here from the model, so the
template only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import model as m

_VERBS = {"select": "read", "insert": "add", "update": "change", "delete": "delete",
          "all": "read, add, change and delete"}


@dataclass
class ColumnRow:
    """A column as the reference page's table row shows it, already in words."""

    name: str
    type: str
    null: str
    default: str
    notes: str


@dataclass
class TableEntry:
    """A table's section of the reference page; the lists fill as other tables' references are seen."""

    stage: m.Stage
    table: m.Table
    anchor: str
    columns: list[ColumnRow]
    references: list[str] = field(default_factory=list)
    referenced_by: list[str] = field(default_factory=list)
    uniques: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)


def anchor(schema: str, name: str) -> str:
    """GitHub's heading anchor for ``## schema.name``: lowercase, punctuation but ``-`` and ``_`` dropped."""
    text = f"{schema}.{name}".lower()
    return "".join(ch for ch in text.replace(" ", "-") if ch.isalnum() or ch in "-_")


def _code(text: str) -> str:
    """Inline code that survives backticks and table pipes in the text."""
    text = " ".join(text.split()).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _text(text: str | None) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


def _target(fk: m.ForeignKey, elsewhere: dict[tuple[str, str], str], columns: str = "") -> str:
    """A link to the table's entry; a table the specs do not make says who does instead."""
    name = f"{fk.ref_schema}.{fk.ref_table}"
    if fk.ref_key in elsewhere:
        return f"{name}{columns}, from {elsewhere[fk.ref_key]}"
    return f"[{name}](#{anchor(fk.ref_schema, fk.ref_table)}){columns}"


def _elsewhere(project: m.Project) -> dict[tuple[str, str], str]:
    made = {t.key for t in project.tables}
    out = {e.key: e.provided_by or "another stage" for s in project.stages for e in s.external_tables
           if e.key not in made}
    for stage in project.stages:
        for table in stage.tables:
            for fk in table.all_foreign_keys:
                if fk.ref_key not in made and fk.ref_key not in out:
                    out[fk.ref_key] = "the Supabase platform" if fk.ref_schema in ("auth", "storage") else "elsewhere"
    return out


def _fk_text(fk: m.ForeignKey, elsewhere: dict[tuple[str, str], str]) -> str:
    actions = [f"on {what} {action}" for what, action in (("delete", fk.on_delete), ("update", fk.on_update))
               if action]
    cols = ", ".join(fk.columns)
    ref = f"({', '.join(fk.ref_columns)})" if fk.ref_columns else " (its key)"
    return f"{cols} → {_target(fk, elsewhere, ref)}" + (f" ({', '.join(actions)})" if actions else "")


def policy_sentence(policy: m.Policy) -> str:
    roles = ", ".join(policy.roles) if policy.roles else "everyone (public)"
    kind = "" if policy.permissive else " (restrictive: narrows what other policies allow)"
    sentence = f"**{_text(policy.name)}**{kind}: {roles} may {_VERBS[policy.command]} rows"
    if policy.using is not None:
        sentence += f" where {_code(policy.using)}"
    if policy.with_check is not None:
        sentence += f"; what they write must satisfy {_code(policy.with_check)}"
    return sentence + "."


def _column_rows(table: m.Table, elsewhere: dict[tuple[str, str], str]) -> list[ColumnRow]:
    pk = set(table.primary_key_columns)
    rows = []
    for column in table.columns:
        notes = []
        if column.name in pk:
            notes.append("PK")
        if column.unique:
            notes.append("unique")
        if column.references is not None:
            notes.append(f"→ {_target(column.references, elsewhere)}")
        if column.identity:
            notes.append(f"identity ({column.identity})")
        if column.generated is not None:
            notes.append(f"generated from {_code(column.generated)}")
        if column.comment:
            notes.append(_text(column.comment))
        required = column.not_null or column.name in pk or bool(column.identity)
        default = column.default.sql if column.default is not None else ""
        rows.append(ColumnRow(column.name, _code(column.type), "not null" if required else "null",
                              _code(default) if default else "", "; ".join(notes)))
    return rows


def _marks(policy: m.Policy, findings: dict) -> str:
    """What lint found of a policy, after its sentence: the reference is where people look before
    they copy a pattern, so an unsafe one says so there (❌ error, ⚠️ warning, ⚪ waived, with why)."""
    out = ""
    for finding in findings.get(policy.pos, ()):
        if finding.waived is not None:
            out += f"<br>⚪ waived `{finding.code}`: {_text(finding.waived)}"
        elif finding.severity in ("error", "warning"):
            mark = "❌ unsafe" if finding.severity == "error" else "⚠️"
            out += f"<br>{mark} `{finding.code}` (`schemagen rules {finding.code}`): {_text(finding.message)}"
    return out


def reference(project: m.Project, findings=()) -> list[TableEntry]:
    from .render import index_key_sql, trigger_event

    by_position: dict = {}
    for finding in findings:
        by_position.setdefault(finding.pos, []).append(finding)

    elsewhere = _elsewhere(project)
    incoming: dict[tuple[str, str], list[str]] = {}
    for stage in project.stages:
        for table in stage.tables:
            for fk in table.all_foreign_keys:
                incoming.setdefault(fk.ref_key, []).append(
                    f"[{table.schema}.{table.name}](#{anchor(table.schema, table.name)}).{', '.join(fk.columns)} "
                    f"(stage {stage.number})")
    entries = []
    for stage in project.stages:
        for table in stage.tables:
            entry = TableEntry(stage, table, anchor(table.schema, table.name), _column_rows(table, elsewhere))
            entry.references = [_fk_text(fk, elsewhere) for fk in table.all_foreign_keys]
            entry.referenced_by = incoming.get(table.key, [])
            entry.uniques = [", ".join(cols) for cols in table.all_unique_column_sets]
            entry.checks = [_code(c.expression) for c in table.all_checks]
            entry.policies = [policy_sentence(p) + _marks(p, by_position) for p in table.policies]
            entry.indexes = [f"{_code(i.name)}: {'unique ' if i.unique else ''}{i.method} "
                             f"({_code(', '.join(index_key_sql(e) for e in i.elements))})"
                             + (f" where {_code(i.where)}" if i.where else "") for i in table.indexes]
            entry.triggers = [f"{_code(t.name)}: {t.timing} {' or '.join(trigger_event(e) for e in t.events)}, "
                              f"for each {t.for_each}, runs {_code('.'.join(t.function))}" for t in table.triggers]
            entries.append(entry)
    return entries
