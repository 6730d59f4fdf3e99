"""A trigger on a table: when it fires, on which events, and the function it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...model import NOWHERE, SourcePos, Waiver, _Brief


@dataclass(frozen=True, repr=False)
class TriggerEvent(_Brief):
    kind: str  # insert, update, delete, truncate
    #: ``update of`` these columns.
    columns: tuple[str, ...] = ()


@dataclass(frozen=True, repr=False)
class Trigger(_Brief):
    name: str
    timing: str
    events: tuple[TriggerEvent, ...]
    function: tuple[str, str]
    for_each: str = "row"
    when: str | None = None
    #: Text passed to the function (``moddatetime(updated_at)``): it reads them as ``TG_ARGV``.
    args: tuple[str, ...] = ()
    #: Transition tables (``referencing old table as … new table as …``): a statement-level audit
    #: trigger reads every changed row through them.
    old_table: str | None = None
    new_table: str | None = None
    #: When it fires (``session_replication_role``): origin (enabled, the default), disabled,
    #: replica, always.
    firing: str = "origin"
    #: ``create constraint trigger``: an after-row trigger whose firing can wait for the commit
    #: (``deferrable``, ``initially_deferred``), as a deferred foreign key's check does.
    constraint: bool = False
    deferrable: bool = False
    initially_deferred: bool = False
    comment: str | None = None
    #: The table it is on; set from the table (or attachment) that lists it.
    table: tuple[str, str] = ("public", "")
    waivers: tuple[Waiver, ...] = ()
    pos: SourcePos = field(default=NOWHERE, compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.table[0], self.table[1], self.name)


#: The spec's ``enabled`` to the trigger's firing state.
FIRING = {True: "origin", False: "disabled", "replica": "replica", "always": "always"}


def qualified_name(builder, text: str, path: tuple, what: str) -> tuple[str, str]:
    """``schema.name`` or ``name`` (in public), each part a name PostgreSQL would take."""
    parts = text.split(".")
    if len(parts) > 2 or not all(parts):
        builder.error(path, "E105", f"{what} {text!r} must be 'name' or 'schema.name'")
        return ("public", text)
    schema, name = (("public", parts[0]) if len(parts) == 1 else (parts[0], parts[1]))
    return (builder.ident(schema, path, "schema"), builder.ident(name, path, what))


def build(builder, data: dict[str, Any], path: tuple, table: tuple[str, str], columns: list[str] | None) -> Trigger:
    events = []
    for i, raw in enumerate(data["events"]):
        if isinstance(raw, str):
            events.append(TriggerEvent(raw))
            continue
        cols = tuple(raw["update"])
        for j, col in enumerate(cols):
            if columns is not None and col not in columns:
                builder.error(path + ("events", i, "update", j), "E104",
                              f"update of names column '{col}', which {table[0]}.{table[1]} does not have")
        events.append(TriggerEvent("update", cols))
    timing = data["timing"]
    for_each = data.get("for_each", "row")
    if any(e.kind == "truncate" for e in events) and for_each == "row":
        builder.error(path + ("events",), "E106", "a truncate trigger fires once per statement; write "
                      "'for_each: statement'", key=True)
    if timing == "instead of" and for_each != "row":
        builder.error(path + ("timing",), "E106", "instead of triggers fire for each row", key=True)
    when = builder.fragment(data["when"], path + ("when",), "when") if "when" in data else None
    referencing = data.get("referencing", {})
    if referencing and timing != "after":
        builder.error(path + ("referencing",), "E106", "transition tables belong to after triggers", key=True)
    constraint = data.get("constraint", False)
    initially_deferred = data.get("initially_deferred", False)
    deferrable = data.get("deferrable", False) or initially_deferred
    if constraint and (timing != "after" or for_each != "row" or referencing):
        builder.error(path + ("constraint",), "E106", "a constraint trigger is an after trigger for each row, "
                      "without transition tables", key=True)
    if deferrable and not constraint:
        builder.error(path + ("initially_deferred" if "initially_deferred" in data else "deferrable",), "E106",
                      "only a constraint trigger can be deferred; add 'constraint: true'", key=True)
    transition = {side: builder.ident(referencing[side], path + ("referencing", side), "transition table name")
                  for side in ("old_table", "new_table") if side in referencing}
    return Trigger(
        name=builder.ident(data["name"], path + ("name",), "trigger name"),
        timing=timing,
        events=tuple(events),
        function=qualified_name(builder, data["function"], path + ("function",), "function"),
        for_each=for_each,
        when=when,
        args=tuple(str(a) for a in data.get("args", ())),
        old_table=transition.get("old_table"),
        new_table=transition.get("new_table"),
        firing=FIRING[data.get("enabled", True)],
        constraint=constraint,
        deferrable=deferrable,
        initially_deferred=initially_deferred,
        comment=data.get("comment"),
        table=table,
        waivers=builder.waivers(data, path),
        pos=builder.pos(path),
    )
