"""The specs an import is writing, as plain data, before they become YAML.

Each kind turns its catalog facts into spec entries (``kinds/<kind>/imports.py``) through
this one object: which objects are the source's own (not the platform's), which stage made
each, where a table's policies go (the table, or an ``attach`` entry when the table is the
platform's or an earlier stage's), and the count of what was written natively and what as raw
SQL, for the report.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..catalog import Catalog
from ..platform import SCHEMAS as PLATFORM_SCHEMAS  # noqa: F401  (what import leaves to the platform)
from .spelling import Spellings

#: PostgreSQL's long type names, as people write them in specs and migrations.
SHORT_TYPES = {
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
    "time with time zone": "timetz",
    "time without time zone": "time",
    "character varying": "varchar",
    "bit varying": "varbit",
}

_TYPE_WITH_MODIFIER = re.compile(r"^(timestamp|time|character varying|character|bit varying)\((\d+(?:,\s*\d+)?)\)"
                                 r"( with(?:out)? time zone)?(\[\])*$")


def short_type(type_name: str) -> str:
    """``timestamp with time zone`` → ``timestamptz``; everything else as PostgreSQL prints it."""
    if type_name in SHORT_TYPES:
        return SHORT_TYPES[type_name]
    array = ""
    base = type_name
    while base.endswith("[]"):
        base, array = base[:-2], array + "[]"
    if base in SHORT_TYPES:
        return SHORT_TYPES[base] + array
    match = _TYPE_WITH_MODIFIER.match(type_name)
    if match:
        name, modifier, zone, _ = match.groups()
        name = {"character varying": "varchar", "character": "char", "bit varying": "varbit"}.get(name, name)
        if zone == " with time zone":
            name += "tz"
        return f"{name}({modifier})" + type_name[type_name.index(")") + 1:].replace(zone or "", "", 1)
    return type_name


def strip_parens(text: str) -> str:
    """``((a = b))`` → ``a = b``: the parentheses PostgreSQL puts around what it prints."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, ch in enumerate(text):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


_AUTH_CALL = re.compile(r"\( select (auth\.[a-z_]+)\(\) as [a-z_]+\)")


def pretty(text: str) -> str:
    """PostgreSQL's spelling of an expression, written the way this project writes SQL: keywords
    lowercase (an upper-case word PostgreSQL prints is always a keyword; it quotes names that
    are not lowercase), ``(select auth.uid())`` for its ``( SELECT auth.uid() AS uid)``, and
    without the parentheses around the whole."""
    return _AUTH_CALL.sub(r"(select \1())", lower_keywords(strip_parens(text)))


def lower_keywords(sql: str) -> str:
    """Upper-case words lowered, strings, quoted names and dollar-quoted bodies untouched."""
    from ..sqltokens import tokenize

    try:
        tokens = tokenize(sql, keep_space=True)
    except ValueError:
        return sql
    return "".join(t.text.lower() if t.kind == "word" and t.text.isupper() else t.text for t in tokens)


@dataclass
class Draft:
    source: Catalog
    #: What the platform alone holds: objects equal to these are the platform's, not imported.
    baseline: Catalog
    spelling: Spellings = field(default_factory=Spellings)
    #: (family, key) → the stage that made it, when the import makes a stage per file.
    origin: dict[tuple, int] = field(default_factory=dict)
    #: Spec spellings ruled out by the check against the catalog: (family, key).
    catalog_spelling: set[tuple] = field(default_factory=set)
    #: stage → spec key ("tables", "functions", …) → entries.
    stages: dict[int, dict[str, list[dict]]] = field(default_factory=dict)
    tables: dict[tuple[str, str], dict] = field(default_factory=dict)
    functions: dict[tuple[str, str, str], dict] = field(default_factory=dict)
    views: dict[tuple[str, str], dict] = field(default_factory=dict)
    sequences: dict[tuple[str, str], dict] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    #: table → (constraint kind, columns or check definition) → a name PostgreSQL would not give.
    constraint_names: dict[tuple[str, str], dict[tuple, str]] = field(default_factory=dict)
    #: (table, check definition) → the condition as the source wrote it.
    check_spellings: dict[tuple, str] = field(default_factory=dict)
    #: Privileges to grant and revoke: (kind, schema, object, column or signature, role, privilege) → holds.
    privileges: dict[tuple, bool] = field(default_factory=dict)
    #: Extension → the comment its control file gives it (not the source's to write).
    extension_comments: dict[str, str | None] = field(default_factory=dict)
    #: Function (schema, name, argument types) → ``pg_get_functiondef``, for those the spec cannot say.
    function_definitions: dict[tuple, str] = field(default_factory=dict)

    # --- what is the source's -------------------------------------------------------------

    def own(self, family: str, key: tuple) -> bool:
        """Whether the source made or changed this object (the platform's, unchanged, is not imported)."""
        have = self.baseline.facts.get(family, {})
        return key not in have or have[key] != self.source.facts[family][key]

    def stage_of(self, family: str, key: tuple) -> int:
        return self.origin.get((family, key), 1)

    def spelled(self, family: str, key: tuple) -> bool:
        """Whether the source's own spelling may be used for this object."""
        return (family, key) not in self.catalog_spelling

    # --- where entries go -----------------------------------------------------------------

    def add(self, stage: int, spec_key: str, entry: dict, kind: str, *, raw: bool = False) -> None:
        self.stages.setdefault(stage, {}).setdefault(spec_key, []).append(entry)
        self.counts[(kind, "raw" if raw else "native")] += 1

    def raw(self, stage: int, kind: str, name: str, sql: str) -> None:
        self.add(stage, "sql_after", {"name": name, "sql": sql}, kind, raw=True)

    def host(self, stage: int, table: tuple[str, str]) -> dict:
        """The entry a table's policies, indexes, triggers and grants go into in ``stage``: the
        table itself if that stage creates it, otherwise an ``attach`` entry."""
        entry = self.tables.get(table)
        if entry is not None and self.stage_of("table", table) == stage:
            return entry
        attach = self.stages.setdefault(stage, {}).setdefault("attach", [])
        for existing in attach:
            if (existing.get("schema", "public"), existing["table"]) == table:
                return existing
        made = ({} if table[0] == "public" else {"schema": table[0]}) | {"table": table[1]}
        attach.append(made)
        return made
