"""A stage document in this project's format (the Stage 5 seed, or one schemagen generated),
read back into what a spec says besides its SQL: the stage's number, title, status and
dependencies from the header, each relationship's verb and notation and each box's columns
from the erDiagram, the notes, and the reasons the checklist gives for accepted findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..render import STATUS_BADGES

_HEADER = re.compile(r"^# Stage (\d+) — (.+)$", re.M)
# Every pattern is linear in the text it reads: no two neighbouring quantifiers can take the same
# characters (a stage document arrives in pull requests; docs/security.md).
_STATUS = re.compile(r"^\*\*Status:\*\* (.+)$", re.M)
_DEPENDENCIES = re.compile(r"^\*\*Dependencies:\*\* (.+)$", re.M)
_RELATIONSHIP = re.compile(r'("?[\w.]+"?)\s+([|}][|o](?:--|\.\.)[|o][|{])\s+("?[\w.]+"?)\s*:\s*(.+)')
_ENTITY = re.compile(r'("?[\w.]+"?)\s*\{')
_ATTRIBUTE = re.compile(r"(\S+)\s+(\S+)(?:\s+([A-Z][A-Z, ]*))?")
_WAIVED = re.compile(r"^  - ⚪ `(SG\d+)` waived: (.+)\n    \*\*Reason:\*\* (.+)$", re.M)
_BORROWED = re.compile(r"^Tables from elsewhere that this stage references: (.+)\.$", re.M)
#: The most stages one ``Stages 1-N`` range may name.
MAX_RANGE = 1000


class StageDocProblem(ValueError):
    """The document is not in the stage format: one line, with the file and line."""


@dataclass
class StageDoc:
    number: int
    title: str
    status: str
    depends_on: list[int]
    sql: list[tuple[str, int]]  # each block, with the line it starts on
    #: child entity → [(parent entity, cardinality, label)], in the diagram's order.
    relationships: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    #: entity → [(type, column)] as drawn.
    entities: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: (code, message) → reason, from a generated document's checklist.
    waived: dict[tuple[str, str], str] = field(default_factory=dict)
    #: checklist item title → reason, from a hand-written one ("- [x] Granular policies (… intentionally …)").
    item_reasons: dict[str, str] = field(default_factory=dict)
    notes: str | None = None
    #: (schema, table) → who makes it, for the tables the stage references but does not make.
    provided_by: dict[tuple[str, str], str] = field(default_factory=dict)
    #: The erDiagram as written, to tell a hand-drawn one from one drawn from the constraints.
    diagram: str | None = None


def stage_numbers(text: str) -> list[int]:
    """``Stages 1-4`` → [1, 2, 3, 4]; ``Stage 2`` → [2]; ``Stages 1, 3-4``; ``None`` → []."""
    text = re.sub(r"^Stages?\s*", "", text.strip())
    if text.lower() in ("none", "", "-", "—"):
        return []
    out: list[int] = []
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        if not low.strip().isdigit() or (high and not high.strip().isdigit()):
            raise ValueError(part)
        first, last = int(low), int(high or low)
        if last - first >= MAX_RANGE:
            raise ValueError(part)
        out.extend(range(first, last + 1))
    return out


def read(text: str, path: str) -> StageDoc:
    header = _HEADER.search(text)
    if header is None:
        raise StageDocProblem(f"{path}:1:1: no '# Stage N — Title' header: not a stage document")
    badge = {v: k for k, v in STATUS_BADGES.items()}
    status_match = _STATUS.search(text)
    # A generated header says the spec's word, and lint's verdict after it when they differ.
    status = badge.get(status_match.group(1).rstrip().split(" in the spec;")[0], "draft") if status_match else "draft"
    depends: list[int] = []
    deps = _DEPENDENCIES.search(text)
    if deps:
        try:
            depends = stage_numbers(deps.group(1))
        except ValueError:
            line = text.count("\n", 0, deps.start()) + 1
            raise StageDocProblem(f"{path}:{line}:1: dependencies {deps.group(1)!r} are not stage numbers "
                                  "(write 'Stages 1-4', 'Stage 2' or 'None')") from None
    blocks = [(body, text.count("\n", 0, start) + 1) for body, start in _fenced(text, "sql")]
    doc = StageDoc(int(header.group(1)), header.group(2).strip(), status, depends, blocks)
    diagram = next(iter(_fenced(text, "mermaid")), None)
    if diagram:
        doc.diagram = diagram[0]
        _read_diagram(doc, diagram[0])
    for code, message, reason in _WAIVED.findall(text):
        doc.waived[(code, message.strip())] = reason.strip()
    for line in text.splitlines():
        ticked = _ticked_reason(line)
        if ticked:
            doc.item_reasons[ticked[0].strip()] = ticked[1].strip()
    doc.notes = _notes(text)
    borrowed = _BORROWED.search(text)
    if borrowed:
        for name, who in re.findall(r"(?<![\w.])([\w.]+) \(([^)]*)\)", borrowed.group(1)):
            doc.provided_by[tuple(name.split(".", 1))] = who
    return doc


def _fenced(text: str, language: str) -> list[tuple[str, int]]:
    """The bodies of the text's ```language blocks with where each starts, found in one pass
    (a regex's lazy ``(.*?)```` rescans the rest of the text from every unclosed opening)."""
    opening, found, at = f"```{language}\n", [], 0
    while (start := text.find(opening, at)) >= 0:
        body = start + len(opening)
        end = text.find("```", body)
        if end < 0:
            break
        found.append((text[body:end], body))
        at = end + 3
    return found


def _ticked_reason(line: str) -> tuple[str, str] | None:
    """``- [x] Title (reason)`` → (title, reason): the title ends at the first `` (``."""
    line = line.rstrip()
    if not line.startswith("- [x] ") or not line.endswith(")"):
        return None
    rest = line[len("- [x] "):-1]
    split = rest.find(" (", 1)
    return (rest[:split], rest[split + 2:]) if split > 0 and split + 2 < len(rest) else None


def _read_diagram(doc: StageDoc, text: str) -> None:
    entity = None
    for line in text.splitlines():
        if entity is not None:
            if line.strip() == "}":
                entity = None
                continue
            attribute = _ATTRIBUTE.fullmatch(line.strip())
            if attribute:
                doc.entities[entity].append((attribute.group(1), attribute.group(2)))
            continue
        relationship = _RELATIONSHIP.fullmatch(line.strip())
        if relationship:
            parent, cardinality, child, label = relationship.groups()
            doc.relationships.setdefault(child.strip('"'), []).append(
                (parent.strip('"'), cardinality, label.strip().strip('"')))
            continue
        opening = _ENTITY.fullmatch(line.strip())
        if opening:
            entity = opening.group(1).strip('"')
            doc.entities[entity] = []


def _notes(text: str) -> str | None:
    """What follows the checklist's closing status line, after its rule: the stage's notes."""
    checklist = text.find("## ✅ Checklist")
    if checklist < 0:
        return None
    rest = text[checklist:]
    status = list(_STATUS.finditer(rest))
    if not status:
        return None
    after = rest[status[-1].end():]
    match = re.match(r"\s*\n---\n\n", after)
    if match is None:
        return None
    notes = after[match.end():]
    return notes.rstrip("\n") + "\n" if notes.strip() else None
