"""What the catalog should hold according to the specs, in PostgreSQL's own spelling.

Each kind says what it expects of its spec objects (``kinds/<kind>/catalog.py``); the
normaliser has PostgreSQL spell the types and expressions among them, each distinct one
once. Structure that needs no normalising (names, keys, actions, comments, RLS
switches) comes from the model directly. The templates are not involved, so a template
that drops a clause shows up as a mismatch instead of being compared with itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import model as m
from .catalog import Catalog
from .diagnostics import Diagnostic
from .kinds.base import Positions, Unverified, pg_name
from .kinds.registry import KINDS
from .raw_objects import RawObjects, raw_objects


@dataclass
class Expected:
    catalog: Catalog
    #: Catalog keys (as in ``Catalog``'s families, tables as ("table", key)) → where the spec says it.
    positions: Positions = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    #: The spec table each problem belongs to, in step with ``problems``.
    problem_tables: list[tuple[str, str]] = field(default_factory=list)
    #: What PostgreSQL could not spell, so is not compared (its problem is reported instead).
    unverified: Unverified = field(default_factory=Unverified)
    #: What the specs' raw SQL creates: theirs, so never "extra", but only checked by name.
    raw: RawObjects = field(default_factory=RawObjects)


def expected_catalog(session, project: m.Project) -> Expected:
    from .normalize import Normalizer

    normalizer = Normalizer()
    expected = Expected(Catalog(attached=frozenset((a.schema, pg_name(a.name)) for a in project.attachments)),
                        raw=raw_objects(project))
    builders = [kind.part("catalog").expect(project, normalizer, expected.positions, expected.unverified)
                for kind in KINDS]
    normalizer.run(session)
    for build in builders:
        expected.catalog.facts.update(build())
    expected.problems = normalizer.problems
    expected.problem_tables = normalizer.problem_tables
    return expected
