from __future__ import annotations

from typing import Iterator

from ...model import Project, SourcePos, Stage, Table
from ..registry import Finding, Rule, register

LIMIT = 63


@register
class NameTooLong(Rule):
    """No name is longer than 63 bytes.

    PostgreSQL silently truncates identifiers to 63 bytes (NAMEDATALEN - 1). Two
    long policy or index names that differ only after byte 63 collide, and drift
    checks compare the spec's name with a truncated one that never matches. Bytes,
    not characters: each non-ASCII character takes two to four.

    Best practice: shorten the name; for derived index names, give the index a
    ``name:``.
    """

    code = "SG017"
    name = "schema.name-too-long"
    severity = "error"
    checklist = "Names fit PostgreSQL's 63-byte limit"

    def check_table(self, table: Table, stage: Stage, project: Project) -> Iterator[Finding]:
        names: list[tuple[str, str, SourcePos, tuple]] = [("table", table.name, table.pos, table.waivers)]
        names += [("column", c.name, c.pos, c.waivers) for c in table.columns]
        names += [("policy", p.name, p.pos, p.waivers) for p in table.policies]
        names += [("index", i.name, i.pos, i.waivers) for i in table.indexes]
        for fk in table.all_foreign_keys:
            if fk.name:
                names.append(("constraint", fk.name, fk.pos, ()))
        for check in table.all_checks:
            if check.name:
                names.append(("constraint", check.name, check.pos, ()))
        for kind, name, pos, waivers in names:
            size = len(name.encode("utf-8"))
            if size > LIMIT:
                yield Finding(pos, f"{kind} name '{name}' is {size} bytes; PostgreSQL truncates it to "
                              f"'{name.encode('utf-8')[:LIMIT].decode('utf-8', 'ignore')}': shorten it "
                              f"to at most {LIMIT} bytes", waivers + table.waivers)
