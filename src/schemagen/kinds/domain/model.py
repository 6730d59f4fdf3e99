"""A domain: a base type with rules every value of it keeps (``email_address`` is text that looks like one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...model import NOWHERE, Check, SourcePos, Waiver, _Brief


@dataclass(frozen=True, repr=False)
class Domain(_Brief):
    schema: str
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    #: Each check by itself (``create domain`` names those the spec leaves unnamed ``<domain>_check``,
    #: ``<domain>_check1`` …); one added ``not valid`` leaves the values already stored unchecked.
    checks: tuple[Check, ...] = ()
    comment: str | None = None
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


def _check(builder, raw: str | dict, path: tuple) -> Check:
    if isinstance(raw, str):
        return Check(builder.fragment(raw, path, "check"), pos=builder.pos(path))
    name = builder.ident(raw["name"], path + ("name",), "check name") if "name" in raw else None
    return Check(builder.fragment(raw["expression"], path + ("expression",), "check"), name=name,
                 not_valid=raw.get("not_valid", False), pos=builder.pos(path))


def build(builder, data: dict[str, Any], path: tuple) -> Domain:
    raw = data.get("check", [])
    checks = raw if isinstance(raw, list) else [raw]
    at = [path + (("check", i) if isinstance(raw, list) else ("check",)) for i in range(len(checks))]
    default = None
    if "default" in data:
        value = data["default"]
        if isinstance(value, dict):
            from ...sqltext import quote_literal

            default = quote_literal(value["literal"])
        elif isinstance(value, str):
            default = builder.fragment(value, path + ("default",), "default", "default")
        else:
            default = builder.constant(value, path + ("default",))
    return Domain(
        schema=builder.ident(data.get("schema", "public"), path + ("schema",), "schema"),
        name=builder.ident(data["name"], path + ("name",), "domain name"),
        type=builder.column_type(data["type"], path + ("type",)),
        not_null=data.get("not_null", False),
        default=default,
        checks=tuple(_check(builder, c, a) for c, a in zip(checks, at, strict=True)),
        comment=data.get("comment"),
        waivers=builder.waivers(data, path),
        pos=builder.pos(path),
    )
