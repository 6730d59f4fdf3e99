"""A row-level-security policy as the spec describes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ...model import NOWHERE, SourcePos, Waiver, _Brief

PolicyCommand = Literal["select", "insert", "update", "delete", "all"]


@dataclass(frozen=True, repr=False)
class Policy(_Brief):
    """A row-level security policy; ``using`` and ``with_check`` are kept as written, as the seed's
    reviewed SQL must come out byte for byte."""

    name: str
    command: PolicyCommand
    roles: tuple[str, ...]
    using: str | None = None
    with_check: str | None = None
    permissive: bool = True
    comment: str | None = None
    #: The name it had before (``renamed_from``): migrations rename it rather than drop and create it.
    renamed_from: str | None = None
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)
