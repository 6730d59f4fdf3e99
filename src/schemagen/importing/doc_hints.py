"""What a stage document says beyond its SQL, put into the imported spec so that ``generate``
rebuilds the document: the diagram's choices, and the checklist's reasons as waivers."""

from __future__ import annotations

from .. import model as m
from ..render import mermaid_entity, mermaid_type
from .stage_doc import StageDoc


def apply_diagram(doc: StageDoc, data: dict, loaded: m.Project, *, as_written: bool) -> None:
    """The diagram's choices as spec settings, each only where it differs from what the stage's
    diagram would draw by itself: from the constraints (``loaded``: ``data`` as a loaded spec,
    whose tables derive it), or (``as_written``) a hand drawing's ``||--o{ … : references``."""
    if not doc.entities and not doc.relationships:
        return
    if as_written:
        data["diagram"] = "as_written"
    for table in data.get("tables", []):
        schema = table.get("schema", "public")
        entity = mermaid_entity(schema, table["name"]).strip('"')
        _relationships(doc, table, loaded.table(schema, table["name"]), entity, as_written)
        shown = doc.entities.get(entity)
        if shown is None:
            table["diagram"] = False
            continue
        columns = {c["name"]: c for c in table["columns"]}
        default = [(mermaid_type(c["type"]), c["name"]) for c in table["columns"]]
        if shown == default or any(name not in columns for _, name in shown):
            continue
        chosen: list = []
        for type_name, name in shown:
            drawn = mermaid_type(columns[name]["type"])
            chosen.append(name if type_name == drawn else {"name": name, "type": type_name})
        table["diagram"] = {"columns": chosen}


def _relationships(doc: StageDoc, table: dict, model: m.Table, entity: str, as_written: bool) -> None:
    drawn = list(doc.relationships.get(entity, []))
    references = [([c["name"]], c["references"]) for c in table["columns"] if isinstance(c.get("references"), dict)]
    references += [(con["foreign_key"], con) for con in table.get("constraints", []) if "foreign_key" in con]
    for columns, ref in references:
        target = ref if "table" in ref else ref["references"]
        parent = mermaid_entity(target.get("schema", "public"), target["table"]).strip('"')
        match = next((d for d in drawn if d[0] == parent), None)
        if match is None:
            ref["diagram"] = False
            continue
        drawn.remove(match)
        if match[2] != ("references" if as_written else ", ".join(columns)):
            ref["label"] = match[2]
        if as_written:
            derived = "||--o{"
        else:
            fk = next(fk for fk in model.all_foreign_keys if list(fk.columns) == list(columns))
            derived = model.cardinality_from_constraints(fk)
        if match[1] != derived:
            ref["cardinality"] = match[1]


def apply_waivers(doc: StageDoc, data_by_file: dict[str, dict], project: m.Project) -> bool:
    """Each finding the document accepts, waived on its object with the document's reason:
    a generated checklist names the finding and its reason; a hand-written one gives a reason in
    parentheses after the item it ticks, which then covers that item's findings."""
    from ..lint import run_lint
    from ..lint.registry import RULES

    spots = _spots(project, data_by_file)
    changed = False
    for finding in run_lint(project):
        if finding.waived is not None:
            continue
        reason = doc.waived.get((finding.code, finding.message))
        if reason is None:
            rule = RULES.get(finding.code)
            reason = doc.item_reasons.get(getattr(rule, "checklist", None) or "")
        if reason is None or finding.severity == "info":
            continue
        entry = spots.get((finding.pos.line, finding.pos.col))
        if entry is None:
            continue
        entry.setdefault("waive", {})[finding.code] = reason
        changed = True
    return changed


def _spots(project: m.Project, data_by_file: dict[str, dict]) -> dict[tuple[int, int], dict]:
    """Where each table, column, policy and index of the loaded specs was written → its entry."""
    spots: dict[tuple[int, int], dict] = {}
    entries = {}
    for data in data_by_file.values():
        for table in data.get("tables", []):
            entries[(table.get("schema", "public"), table["name"])] = table
    for table in project.tables:
        entry = entries.get(table.key)
        if entry is None:
            continue
        spots[(table.pos.line, table.pos.col)] = entry
        for column, raw in zip(table.columns, entry["columns"], strict=False):
            spots[(column.pos.line, column.pos.col)] = raw
        for policy, raw in zip(table.policies, entry.get("policies", []), strict=False):
            spots[(policy.pos.line, policy.pos.col)] = raw
        for index, raw in zip(table.indexes, entry.get("indexes", []), strict=False):
            spots[(index.pos.line, index.pos.col)] = raw
    return spots
