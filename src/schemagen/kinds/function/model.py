"""A function: a helper a policy calls, a trigger function, an RPC.

Its body is written into a dollar-quoted string whose tag the body does not contain,
so no body can end the string early; PostgreSQL's own parser judges the parts that
are SQL around it (argument types and defaults, the return type), and for plpgsql
the body too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ...model import NOWHERE, SourcePos, Waiver, _Brief
from ...sqltext import dollar_tag, quote_ident
from ..grant.model import Grant, build_grants


@dataclass(frozen=True, repr=False)
class Argument(_Brief):
    type: str
    name: str | None = None
    mode: str = "in"
    default: str | None = None


@dataclass(frozen=True, repr=False)
class Function(_Brief):
    schema: str
    name: str
    args: tuple[Argument, ...]
    returns: str
    language: str
    body: str
    volatility: str = "volatile"
    security: str = "invoker"
    #: ``set search_path`` for the function; () is ``set search_path = ''``, None sets nothing.
    search_path: tuple[str, ...] | None = None
    #: Other ``set name = value`` clauses (``statement_timeout``), in the spec's order.
    settings: tuple[tuple[str, str], ...] = ()
    strict: bool = False
    #: ``parallel safe|restricted``: whether a parallel query may run it in its workers.
    parallel: str = "unsafe"
    #: The planner's estimates: cost per call (PostgreSQL's default is 100), rows a set-returning
    #: function returns (default 1000). None leaves PostgreSQL's default.
    cost: float | None = None
    rows: float | None = None
    comment: str | None = None
    grants: tuple[Grant, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    @property
    def identity_types(self) -> tuple[str, ...]:
        """The argument types that tell overloads apart (out arguments do not)."""
        return tuple(a.type for a in self.args if a.mode != "out")

    @property
    def returns_trigger(self) -> bool:
        return self.returns.strip().lower() == "trigger"

    @property
    def dollar_tag(self) -> str:
        """``$$``, or the first ``$fn$``, ``$fn1$`` … that the body does not contain (it is written on
        lines of its own between the tags)."""
        return dollar_tag(f"\n{self.body}\n", "fn")


def build(builder, data: dict[str, Any], path: tuple) -> Function:
    args = []
    for i, raw in enumerate(data.get("args", [])):
        at = path + ("args", i)
        default = (builder.fragment(raw["default"], at + ("default",), "argument default")
                   if "default" in raw else None)
        name = builder.ident(raw["name"], at + ("name",), "argument name") if "name" in raw else None
        args.append(Argument(builder.column_type(raw["type"], at + ("type",)), name, raw.get("mode", "in"), default))
    builder.no_duplicates([a.name for a in args if a.name], path + ("args",), "argument", "name")
    language = data["language"]
    body = data["body"].strip("\n")
    returns = builder.fragment(data["returns"], path + ("returns",), "returns", "returns")
    search_path = data.get("search_path")
    function = Function(
        schema=builder.ident(data.get("schema", "public"), path + ("schema",), "schema"),
        name=builder.ident(data["name"], path + ("name",), "function name"),
        args=tuple(args),
        returns=returns,
        language=language,
        body=body,
        volatility=data.get("volatility", "volatile"),
        security=data.get("security", "invoker"),
        search_path=tuple(search_path) if search_path is not None else None,
        settings=_settings(builder, data.get("settings", {}), path + ("settings",)),
        strict=data.get("strict", False),
        parallel=data.get("parallel", "unsafe"),
        cost=data.get("cost"),
        rows=data.get("rows"),
        comment=data.get("comment"),
        grants=build_grants(builder, data.get("grants", []), path + ("grants",), "function"),
        waivers=builder.waivers(data, path),
        pos=builder.pos(path),
    )
    if function.cost is not None and not 0 < function.cost < math.inf:
        builder.error(path + ("cost",), "E106", "cost must be positive: it is the planner's estimate per call")
    if function.rows is not None and (not 0 < function.rows < math.inf or not _returns_set(returns)):
        builder.error(path + ("rows",), "E106", "rows is the planner's estimate of the rows a set-returning "
                      "function returns: give it, positive, only with 'returns: setof …' or 'table (…)'")
    if language == "plpgsql":  # PL/pgSQL's own parser reads the body, under the function's real header
        header = ", ".join(" ".join(part for part in (a.mode if a.mode != "in" else "", quote_ident(a.name)
                                                      if a.name else "", a.type) if part) for a in args)
        tag = function.dollar_tag
        builder.fragment(f"create function f({header}) returns {returns} language plpgsql as {tag}\n{body}\n{tag}",
                         path + ("body",), "body", "plpgsql")
    return function


#: A configuration parameter's name as ``set`` takes it unquoted: a built-in one or a custom
#: ``prefix.name``, lowercase, so that nothing but a name can reach the SQL.
SETTING_NAME = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?")


def _settings(builder, data: dict[str, Any], path: tuple) -> tuple[tuple[str, str], ...]:
    out = []
    for name, value in data.items():
        if name == "search_path":
            builder.error(path + (name,), "E106", "search_path has a key of its own: write 'search_path: [...]' "
                                                 "beside 'settings'", key=True)
        elif not SETTING_NAME.fullmatch(name):
            builder.error(path + (name,), "E106", f"{name!r} is not a configuration parameter's name: lowercase "
                                                 "letters, digits and _, a custom one as prefix.name "
                                                 "(statement_timeout, app.tenant)", key=True)
        else:
            out.append((name, ("on" if value else "off") if isinstance(value, bool) else str(value)))
    return tuple(out)


def _returns_set(returns: str) -> bool:
    words = returns.strip().lower().split(None, 1)
    return bool(words) and (words[0] in ("setof", "table") or words[0].startswith("table("))
