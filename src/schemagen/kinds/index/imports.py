"""Indexes from a catalog: keys as columns where they are, the name left out where the
naming convention gives it, the source's spelling of expressions and predicates."""

from __future__ import annotations

from ...importing.draft import Draft, pretty, strip_parens
from ...sqltokens import tokenize


def element(text: str) -> dict | str:
    """``created_at desc`` → {column, order}; ``lower(email) text_pattern_ops`` → {expression, opclass}."""
    tokens = tokenize(text)
    words = [t.text.lower() if t.kind == "word" else None for t in tokens]
    end = len(tokens)
    entry: dict = {}
    if end >= 2 and words[end - 2] == "nulls" and words[end - 1] in ("first", "last"):
        entry["nulls"] = words[end - 1]
        end -= 2
    if end >= 1 and words[end - 1] in ("asc", "desc"):
        entry["order"] = words[end - 1]
        end -= 1
    head = tokens[:end]
    names = ("word", "quoted_ident")
    collate = next((i for i, t in enumerate(head) if t.kind == "word" and t.text.lower() == "collate"
                    and i + 1 < len(head) and head[i + 1].kind in names), None)
    if collate is not None and collate > 0:  # a key's own collation: ``body collate "C"``
        entry["collate"] = head[collate + 1].ident
        head = head[:collate] + head[collate + 2:]
    if len(head) >= 4 and head[-2].text == "." and head[-1].kind in names and head[-3].kind in names and \
            (head[-4].kind in names or head[-4].text == ")"):
        entry["opclass"] = text[head[-3].start:head[-1].start + len(head[-1].text)]
        head = head[:-3]
    elif len(head) >= 2 and head[-1].kind in names and (head[-2].kind in names or head[-2].text == ")"):
        entry["opclass"] = head[-1].text
        head = head[:-1]
    if not head:
        return text
    core = text[head[0].start:head[-1].start + len(head[-1].text)]
    if len(head) == 1 and head[0].kind in ("word", "quoted_ident"):
        column = {"column": head[0].ident}
    else:
        column = {"expression": strip_parens(core)}
    if set(entry) == set() and "column" in column:
        return column["column"]
    return column | dict(sorted(entry.items(),
                                key=lambda item: ("collate", "order", "nulls", "opclass").index(item[0])))


def build(draft: Draft) -> None:
    from ...load import _names, derive_index_name

    for key, facts in draft.source.facts["index"].items():
        if not draft.own("index", key) or key[:2] in draft.source.facts["view"]:
            continue  # a materialized view's indexes are kept as raw SQL (``unmodelled``)
        schema, table, name = key
        written = draft.spelling.indexes.get((schema, name)) if draft.spelled("index", key) else None
        keys = written["elements"] if written else list(facts.keys)
        elements = [element(k) for k in keys]
        parts: list[str] = []
        for e in elements:
            if isinstance(e, str):
                parts.append(e)
            elif "column" in e:
                parts.append(e["column"])
            else:
                parts.extend(t.ident for t in _names(e["expression"]) if t.kind != "string")
        entry: dict = {}
        if derive_index_name(table, parts) != name:
            entry["name"] = name
        if facts.unique:
            entry["unique"] = True
        if facts.nulls_not_distinct:
            entry["nulls_not_distinct"] = True
        if facts.method != "btree":
            entry["method"] = facts.method
        entry["columns"] = elements
        if facts.include:
            entry["include"] = list(facts.include)
        if facts.parameters:
            entry["with"] = {k: _value(v) for k, v in (p.split("=", 1) for p in facts.parameters)}
        if facts.predicate is not None:
            entry["where"] = (written or {}).get("where") or pretty(facts.predicate)
        if facts.comment is not None:
            entry["comment"] = facts.comment
        draft.host(draft.stage_of("index", key), (schema, table)).setdefault("indexes", []).append(entry)
        draft.counts[("index", "native")] += 1


def _value(text: str):
    return int(text) if text.isdigit() else text
