"""Triggers in a catalog (not the ones PostgreSQL makes for foreign keys), keyed by schema, table and
name: when they fire, on what, for each row or statement, the function, the ``when`` condition, the
transition tables, whether they are enabled, and a constraint trigger's deferral."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from ... import model as m
from ..base import NOT_AN_EXTENSIONS, Positions, Unverified


@dataclass(frozen=True)
class TriggerFacts:
    timing: str
    events: tuple[str, ...]
    for_each: str
    function: tuple[str, str]
    when: str | None
    comment: str | None = None
    args: tuple[str, ...] = ()
    transition: tuple[str | None, str | None] = (None, None)
    firing: str = "origin"
    #: None for an ordinary trigger; a constraint trigger's deferral: "not deferrable",
    #: "deferrable" or "initially deferred".
    constraint: str | None = None
    #: The table a constraint trigger names with ``from`` (which the spec language does not say).
    constraint_from: tuple[str, str] | None = None
    #: ``create trigger …`` as PostgreSQL prints it back: what import keeps of a trigger on a view.
    definition: str = field(default="", compare=False)


TRIGGERS_SQL = f"""
select n.nspname, c.relname, t.tgname, t.tgtype::int,
       array(select a.attname from unnest(t.tgattr::int2[]) with ordinality k(n, i)
             join pg_attribute a on a.attrelid = t.tgrelid and a.attnum = k.n order by k.i)::text[],
       pn.nspname, p.proname, pg_get_triggerdef(t.oid, true), obj_description(t.oid, 'pg_trigger'),
       t.tgnargs, t.tgargs, t.tgoldtable, t.tgnewtable, t.tgenabled::text, t.tgconstraint <> 0, t.tgdeferrable,
       t.tginitdeferred, fn.nspname, f.relname
from pg_trigger t
join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
join pg_proc p on p.oid = t.tgfoid join pg_namespace pn on pn.oid = p.pronamespace
left join pg_class f on f.oid = t.tgconstrrelid left join pg_namespace fn on fn.oid = f.relnamespace
where not t.tgisinternal and n.nspname = any(:schemas) and {NOT_AN_EXTENSIONS}
"""

#: pg_trigger.tgenabled.
_FIRING = {"O": "origin", "D": "disabled", "R": "replica", "A": "always"}

def deferral(constraint: bool, deferrable: bool, initially_deferred: bool) -> str | None:
    """How a trigger's ``constraint`` facet reads: None for an ordinary trigger."""
    if not constraint:
        return None
    return "initially deferred" if initially_deferred else ("deferrable" if deferrable else "not deferrable")


_WHEN = re.compile(r" WHEN \((.*)\) EXECUTE (?:FUNCTION|PROCEDURE) ", re.S)


def _decode(tgtype: int, columns: list[str]) -> tuple[str, tuple[str, ...], str]:
    """pg_trigger.tgtype's bits: row (1), before (2), insert (4), delete (8), update (16),
    truncate (32), instead (64)."""
    timing = "instead of" if tgtype & 64 else ("before" if tgtype & 2 else "after")
    events = []
    for bit, event in ((4, "insert"), (16, "update"), (8, "delete"), (32, "truncate")):
        if tgtype & bit:
            events.append(f"update of {', '.join(columns)}" if event == "update" and columns else event)
    return timing, tuple(events), "row" if tgtype & 1 else "statement"


def read_rows(session, schemas: list[str]) -> dict[tuple[str, str, str], TriggerFacts]:
    out = {}
    for schema, table, name, tgtype, columns, fschema, fname, definition, comment, nargs, raw_args, old_table, \
            new_table, enabled, constraint, deferrable, deferred, from_schema, from_table in session.query(
                TRIGGERS_SQL, schemas=schemas):
        args = [a.decode() for a in bytes(raw_args).split(b"\0")[:nargs]]  # each argument ends in a NUL byte
        timing, events, for_each = _decode(tgtype, columns)
        when = _WHEN.search(definition)
        out[(schema, table, name)] = TriggerFacts(timing, events, for_each, (fschema, fname),
                                                  when.group(1) if when else None, comment, tuple(args),
                                                  (old_table, new_table), _FIRING[enabled],
                                                  deferral(constraint, deferrable, deferred),
                                                  (from_schema, from_table) if from_table is not None else None,
                                                  definition)
    return out


def read(session, schemas: list[str], tables: set) -> dict[str, dict]:
    return {"trigger": read_rows(session, schemas)}


def _events(trigger) -> tuple[str, ...]:
    order = ("insert", "update", "delete", "truncate")
    out = []
    for kind in order:
        for event in trigger.events:
            if event.kind == kind:
                out.append(f"update of {', '.join(event.columns)}" if event.columns else kind)
    return tuple(dict.fromkeys(out))


def expect(project: m.Project, normalizer, positions: Positions, unverified: Unverified) -> Callable[[], dict]:
    from ...normalize import Owner

    asked = []
    for table in project.hosts:
        for trigger in table.triggers:
            request = None
            if trigger.when is not None:
                owner = Owner(trigger.pos, f"trigger {trigger.name}", table.schema, table.name)
                request = normalizer.trigger(table, trigger, owner)
            asked.append((trigger, request))

    def facts() -> dict:
        out = {}
        for trigger, request in asked:
            key = trigger.key
            positions[("trigger", key)] = trigger.pos
            when = None
            if request is not None:
                if request.failed or request.result is None:
                    unverified.add("trigger", key)
                    out[key] = None
                    continue
                when = request.result.when
            out[key] = TriggerFacts(trigger.timing, _events(trigger), trigger.for_each, trigger.function, when,
                                    trigger.comment, trigger.args, (trigger.old_table, trigger.new_table),
                                    trigger.firing,
                                    deferral(trigger.constraint, trigger.deferrable, trigger.initially_deferred))
        return {"trigger": out}

    return facts
