"""Functions from a catalog; one the spec language cannot say (another language, a setting
besides ``search_path``) is kept whole as raw SQL."""

from __future__ import annotations

import re

from ...importing.draft import Draft, short_type
from ...sqltokens import tokenize, top_level_parts
from .model import SETTING_NAME

_MODES = ("in", "out", "inout", "variadic")
#: First words of type names that take more than one word: ``double precision``, not an argument ``double``.
_MULTIWORD = {"double": "precision", "timestamp": ("with", "without"), "time": ("with", "without"),
              "character": "varying", "bit": "varying"}


def arguments(text: str) -> list[dict] | None:
    """``pg_get_function_arguments``'s ``team uuid, n integer DEFAULT 0`` as spec ``args``."""
    if not text.strip():
        return []
    tokens = tokenize(text)
    out = []
    for first, last in top_level_parts(tokens, 0, len(tokens) - 1):
        piece = tokens[first:last + 1]
        entry: dict = {}
        if piece[0].kind == "word" and piece[0].text.lower() in _MODES and len(piece) > 1:
            mode = piece[0].text.lower()
            if mode != "in":
                entry["mode"] = mode
            piece = piece[1:]
        default_at = next((i for i, t in enumerate(piece) if t.kind == "word" and t.text == "DEFAULT"), None)
        head = piece[:default_at] if default_at is not None else piece
        follow = _MULTIWORD.get(head[0].text.lower()) if head[0].kind == "word" else None
        # a type alone: one word, a qualified or modified one (extensions.citext, numeric(10, 2), int[]),
        # or the first word of a type of several (double precision)
        unnamed = len(head) == 1 or head[1].text in (".", "(", "[") or (follow is not None and head[1].text.lower() in (
            follow if isinstance(follow, tuple) else (follow,)))
        if not unnamed:
            entry = {"name": head[0].ident} | entry
            head = head[1:]
        entry["type"] = short_type(text[head[0].start:head[-1].start + len(head[-1].text)])
        if default_at is not None:
            entry["default"] = text[piece[default_at + 1].start:piece[-1].start + len(piece[-1].text)]
        out.append(entry)
    return out


def returns(text: str) -> str:
    if text.startswith("SETOF "):
        return "setof " + short_type(text[6:])
    if text.startswith("TABLE("):
        return "table (" + text[6:]
    return short_type(text)


def _search_path(config: tuple[str, ...]) -> list[str] | None:
    for setting in config:
        name, _, value = setting.partition("=")
        if name == "search_path":
            if value in ('""', "''"):
                return []
            return [part.strip().strip('"') for part in value.split(",")]
    return None


def _settings(config: tuple[str, ...]) -> dict[str, str] | None:
    """The settings other than search_path, as a spec writes them; None where one is a list or
    quoted value a spec's single value cannot say again (kept as raw SQL)."""
    out = {}
    for setting in config:
        name, _, value = setting.partition("=")
        if name == "search_path":
            continue
        if not SETTING_NAME.fullmatch(name) or re.search(r"[\",']", value):
            return None
        out[name] = value
    return out


def build(draft: Draft) -> None:
    for key, facts in draft.source.facts["function"].items():
        if not draft.own("function", key):
            continue
        stage = draft.stage_of("function", key)
        args = arguments(facts.arguments)
        settings = _settings(facts.config)
        if facts.language not in ("sql", "plpgsql") or settings is None or args is None or \
                re.search(r"\bwindow\b|\bleakproof\b", draft.function_definitions.get(key, ""), re.I):
            draft.raw(stage, "function", f"function {key[0]}.{key[1]}", draft.function_definitions[key])
            continue
        entry: dict = {} if key[0] == "public" else {"schema": key[0]}
        entry["name"] = key[1]
        if args:
            entry["args"] = args
        entry["returns"] = returns(facts.result)
        entry["language"] = facts.language
        if facts.volatility != "volatile":
            entry["volatility"] = facts.volatility
        if facts.security_definer:
            entry["security"] = "definer"
        path = _search_path(facts.config)
        if path is not None:
            entry["search_path"] = path
        if settings:
            entry["settings"] = settings
        if facts.strict:
            entry["strict"] = True
        if facts.parallel != "unsafe":
            entry["parallel"] = facts.parallel
        if facts.cost != 100:  # PostgreSQL's default for SQL and PL/pgSQL functions
            entry["cost"] = _number(facts.cost)
        if facts.rows not in (0, 1000):  # 1000 for a set-returning function, 0 for any other
            entry["rows"] = _number(facts.rows)
        entry["body"] = facts.body + "\n"
        if facts.comment is not None:
            entry["comment"] = facts.comment
        draft.functions[key] = entry
        draft.add(stage, "functions", entry, "function")


def _number(value: float) -> int | float:
    """``5``, not ``5.0``, in the YAML: the planner's estimates are mostly whole numbers."""
    return int(value) if value.is_integer() else value
