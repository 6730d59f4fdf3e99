from __future__ import annotations

from typing import Iterator

from ...model import Project, Stage, Table
from ..expressions import literal_default
from ..registry import Finding, Rule, register


@register
class DefaultOutsideEnum(Rule):
    """A column's default is one of its enum's values.

    PostgreSQL checks a default's value only when a row takes it: the migration applies, and the
    first insert that leaves the column out fails (``invalid input value for enum``), in
    production, as every such insert will. Offline, the spec already says both the values and
    the default.

    Anti-pattern: ``values: [pending, running, done]`` with ``default: "'queued'"``
    Best practice: ``default: "'pending'"`` (or add the value to the enum)
    """

    code = "SG034"
    name = "correctness.default-outside-enum"
    severity = "error"
    checklist = "Defaults and scheduled jobs name what exists"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        enums = {}
        for enum in project.objects("Enum"):
            enums[f"{enum.schema}.{enum.name}"] = enum
            if enum.schema == "public":
                enums[enum.name] = enum
        for column in table.columns:
            enum = enums.get(column.type.replace('"', ""))
            label = literal_default(column.default) if enum is not None else None
            if label is None:
                continue  # no enum, or an expression: PostgreSQL decides (validate --live)
            if label not in enum.values:
                yield Finding(column.pos, f"column {table.schema}.{table.name}.{column.name} defaults to {label!r}, "
                              f"which is not a value of {enum.schema}.{enum.name} ({', '.join(enum.values)}): every "
                              "insert that leaves the column out would fail; use one of its values",
                              column.waivers + table.waivers)
