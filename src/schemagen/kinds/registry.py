"""The object kinds schemagen models, in the order their facts are read and their changes repaired.

Adding a kind is a folder beside these (``model``, ``catalog``, ``diff``) and a line here; the
pipeline (``expected``, ``catalog``, ``compare``, ``drift``) iterates over this list and imports
a kind's modules only when a command needs them, so ``check`` never pays for catalog code.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Kind:
    """An object kind's folder and fact families: the pipeline finds its parts by name."""

    #: The folder under ``schemagen/kinds``.
    name: str
    #: The fact families it reads, expects and compares (a table's constraints are its own family).
    families: tuple[str, ...]

    def part(self, module: str) -> ModuleType:
        return importlib.import_module(f"schemagen.kinds.{self.name}.{module}")


KINDS = (
    Kind("extension", ("extension",)),
    Kind("enum", ("enum",)),
    Kind("domain", ("domain",)),
    Kind("sequence", ("sequence",)),
    Kind("table", ("table", "constraint")),
    Kind("function", ("function",)),
    Kind("view", ("view",)),
    Kind("policy", ("policy",)),
    Kind("index", ("index",)),
    Kind("trigger", ("trigger",)),
    Kind("publication", ("publication",)),
    Kind("bucket", ("bucket",)),
    Kind("cron", ("cron",)),
    Kind("grant", ("privilege",)),
)

FAMILIES = tuple(family for kind in KINDS for family in kind.families)


#: Top-level spec keys whose items are objects of a kind (each kind's ``model.build`` reads one),
#: in the order a stage lists them. Tables, and what nests in them, the loader reads itself.
SPEC_KEYS = (
    ("extensions", "extension"),
    ("enums", "enum"),
    ("domains", "domain"),
    ("sequences", "sequence"),
    ("functions", "function"),
    ("views", "view"),
    ("publications", "publication"),
    ("buckets", "bucket"),
    ("cron_jobs", "cron"),
    ("grants", "grant"),
)


def builder_for(kind: str):
    return importlib.import_module(f"schemagen.kinds.{kind}.model").build
