"""Known findings, recorded so that lint and validate fail only on new ones.

A team adopting schemagen on a schema with known debt (Stage 5's holes are real) cannot turn CI
green by fixing everything first, and a waiver is a reviewed decision about one object, not a
list of what is still to do. So ``schemagen baseline`` records the current findings in a committed
file, and lint and validate then treat each recorded one as known: shown, marked, not failing.
Entries are keyed by spec file, code and message (which name the objects), never by line, so an
edit above a finding does not make it new; a finding recorded twice must be found twice. What is
recorded and no longer found is said to be fixed, so the file shrinks as the debt does.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

from .diagnostics import Diagnostic

FILE_NAME = "schemagen-baseline.json"
#: How a known finding is marked (as a waiver is: shown with its reason, not failing).
KNOWN = "known, in "
VERSION = 1


def default_path(specs: Path) -> Path:
    """Beside the specs folder (the repository's root, where it is ``specs/``)."""
    return specs.resolve().parent / FILE_NAME


def _key(finding: Diagnostic, root: Path) -> tuple[str, str, str]:
    path = Path(finding.pos.path)
    try:
        shown = path.resolve().relative_to(root).as_posix()
    except ValueError:
        shown = path.as_posix()
    return shown, finding.code, finding.message


class BaselineProblem(Exception):
    """The baseline file cannot be read; one line, exit 2."""


def read(path: Path) -> Counter:
    try:
        data = json.loads(path.read_text("utf-8"))
        entries = data["findings"] if data.get("version") == VERSION else None
        if not isinstance(entries, list):
            raise ValueError("no findings list of this version")
        return Counter((e["path"], e["code"], e["message"]) for e in entries)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BaselineProblem(f"{path}: not a schemagen baseline ({exc}); write it again with "
                              "`schemagen baseline`") from None


def write(path: Path, findings: list[Diagnostic]) -> int:
    """Record the findings that fail or warn (not info, not waived); how many."""
    root = path.resolve().parent
    keys = sorted(_key(d, root) for d in findings if d.waived is None and d.severity != "info")
    body = {"version": VERSION,
            "note": "Known findings: lint and validate fail only on others. Regenerate with `schemagen baseline`.",
            "findings": [{"path": p, "code": c, "message": m} for p, c, m in keys]}
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return len(keys)


def is_known(finding: Diagnostic) -> bool:
    return (finding.waived or "").startswith(KNOWN)


def apply(findings: list[Diagnostic], known: Counter, path: Path) -> tuple[list[Diagnostic], list[tuple]]:
    """The findings with those the baseline records marked as known (like a waiver, so they do not
    fail), and the recorded entries no longer found (fixed)."""
    root = path.resolve().parent
    left = Counter(known)
    out = []
    for finding in findings:
        key = _key(finding, root)
        if finding.waived is None and left[key] > 0:
            left[key] -= 1
            finding = replace(finding, waived=f"{KNOWN}{path.name}")
        out.append(finding)
    return out, sorted(left.elements())
