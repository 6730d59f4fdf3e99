"""Spec data as YAML in the house style of ``specs/``: block mappings for stages and tables,
one flow mapping per line for a column, an index or a grant that fits, literal blocks for
function bodies and notes.

Every scalar is written so that YAML reads back exactly that value (a name ``true`` or ``1.0``
is quoted, a string with ``: `` or a leading ``'`` is double-quoted), and ``dump`` checks it
does: what an import writes is what it proved.
"""

from __future__ import annotations

import json
import re

import yaml

WIDTH = 120
_PLAIN = re.compile(r"^[A-Za-z_./()$\-][^\n]*$")
_FLOW_UNSAFE = set(",[]{}")


def quoted(text: str) -> str:
    """A double-quoted YAML string: JSON's escapes, and YAML's for what it may not hold raw."""
    body = json.dumps(text, ensure_ascii=False)
    return "".join(ch if _printable(ch) else (f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
                   for ch in body)


def _printable(ch: str) -> bool:
    code = ord(ch)
    # NEL and the Unicode line and paragraph separators are line breaks to YAML: escaped too.
    return (0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or code >= 0x10000) and code not in (0xFEFF, 0x2028, 0x2029)


def scalar(value, *, flow: bool = False) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if _plain_ok(text, flow):
        return text
    return quoted(text)


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or not _PLAIN.match(text) or text != text.strip():
        return False
    if ": " in text or " #" in text or text.endswith(":") or text.startswith("- ") or "\t" in text:
        return False
    if flow and (_FLOW_UNSAFE & set(text)):
        return False
    if text[0] in "-?" and len(text) > 1 and text[1] == " ":
        return False
    try:  # what YAML reads it as, where it is written: a flow collection reads some plain text otherwise
        return yaml.safe_load(text) == text and (not flow or yaml.safe_load(f"[{text}]") == [text])
    except yaml.YAMLError:
        return False


def _flow(value) -> str | None:
    """A mapping or list on one line, or None when an item is itself multi-line."""
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            inner = _flow(v)
            if inner is None:
                return None
            parts.append(f"{scalar(k, flow=True)}: {inner}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, list):
        parts = []
        for item in value:
            inner = _flow(item)
            if inner is None:
                return None
            parts.append(inner)
        return "[" + ", ".join(parts) + "]"
    if isinstance(value, str) and "\n" in value:
        return None
    return scalar(value, flow=True)


def _block_text(text: str, indent: str) -> list[str] | None:
    """A multi-line string as ``|`` (or ``|-``) when YAML can keep it exactly, else None."""
    if text.startswith((" ", "\n")) or text.endswith("\n\n") or not all(ch == "\n" or _printable(ch) for ch in text):
        return None
    if any(line != line.rstrip() and not line.strip() for line in text.split("\n")):
        return None
    chomp = "" if text.endswith("\n") else "-"
    body = text[:-1] if text.endswith("\n") else text
    return [f"|{chomp}"] + [f"{indent}{line}" if line else "" for line in body.split("\n")]


def _lines(value, indent: str, lines: list[str], key_prefix: str) -> None:
    """``key_prefix`` is what comes before the value on its first line (``name: `` or ``- ``)."""
    if isinstance(value, dict):
        if not value:
            lines.append(f"{key_prefix}{{}}")
            return
        first = True
        for k, v in value.items():
            lead = key_prefix if first else indent
            first = False
            _entry(k, v, indent, lines, lead)
        return
    if isinstance(value, list):
        if not value:
            lines.append(f"{key_prefix}[]")
            return
        for i, item in enumerate(value):
            lead = key_prefix if i == 0 else indent
            _item(item, indent, lines, lead)
        return
    lines.append(f"{key_prefix}{scalar(value)}")


def _entry(key, value, indent: str, lines: list[str], lead: str) -> None:
    head = f"{lead}{scalar(key)}:"
    if isinstance(value, str) and "\n" in value:
        block = _block_text(value, indent + "  ")
        if block is not None:
            lines.append(f"{head} {block[0]}")
            lines.extend(block[1:])
        else:
            lines.append(f"{head} {quoted(value)}")
        return
    if isinstance(value, (dict, list)) and value:
        flow = _flow(value)
        simple = isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value) or \
            isinstance(value, dict) and all(not isinstance(v, (dict, list)) or _flow(v) for v in value.values())
        if flow is not None and simple and len(indent) + len(head) + len(flow) <= WIDTH:
            lines.append(f"{head} {flow}")
            return
        lines.append(head)
        if isinstance(value, dict):
            _lines(value, indent + "  ", lines, indent + "  ")
        else:
            for item in value:
                _item(item, indent + "  ", lines, indent + "  ")
        return
    lines.append(f"{head} {_flow(value) if isinstance(value, (dict, list)) else scalar(value)}")


def _item(item, indent: str, lines: list[str], lead: str) -> None:
    """One list item; what does not fit on its line continues two columns right of its dash."""
    inner = " " * (len(lead) + 2)
    if isinstance(item, (dict, list)) and item:
        flow = _flow(item)
        if flow is not None and len(lead) + 2 + len(flow) <= WIDTH and (isinstance(item, list) or len(item) <= 6):
            lines.append(f"{lead}- {flow}")
            return
        if isinstance(item, dict):
            _lines(item, inner, lines, f"{lead}- ")
            return
        for i, sub in enumerate(item):
            _item(sub, inner, lines, f"{lead}- " if i == 0 else inner)
        return
    if isinstance(item, str) and "\n" in item:
        lines.append(f"{lead}- {quoted(item)}")
        return
    lines.append(f"{lead}- {_flow(item) if isinstance(item, (dict, list)) else scalar(item)}")


def dump(data: dict, header: str = "") -> str:
    """The document, checked to read back as ``data``."""
    lines: list[str] = []
    for key, value in data.items():
        if key in ("tables", "functions", "views", "attach", "notes") and lines:
            lines.append("")
        _entry(key, value, "", lines, "")
    text = header + "\n".join(lines) + "\n"
    back = yaml.safe_load(text)
    if back != data:
        raise AssertionError("the YAML written does not read back as the spec data")  # a bug of this module
    return text
