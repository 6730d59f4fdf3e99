"""The RLS probe on several connections (a throwaway server, a large schema) finds exactly what it
finds on one: the same reports, the same findings, in the same order."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from conftest import CASES, ROOT
from hypothesis import given
from test_properties import PROPERTIES, spec_sets

from schemagen import rls_probe
from schemagen.cli import main


def _validate_live(specs: Path, monkeypatch, *, parallel: bool) -> str:
    monkeypatch.setattr(rls_probe, "PARALLEL_FROM_TABLES", 1 if parallel else 10**9)
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", "--live", "--specs", str(specs)], out=out, err=err)
    assert code in (0, 1), err.getvalue()
    return out.getvalue() + err.getvalue()


def _groups_used(monkeypatch) -> list[int]:
    """How many groups of tables (that write no table in common) the parallel runs found."""
    sizes: list[int] = []
    split = rls_probe._components

    def recording(*args, **kwargs):
        components = split(*args, **kwargs)
        sizes.append(len(components))
        return components

    monkeypatch.setattr(rls_probe, "_components", recording)
    return sizes


@pytest.mark.parametrize("specs", [ROOT / "specs", CASES / "kinds" / "specs", CASES / "trips" / "specs",
                                   CASES / "features" / "specs"], ids=lambda p: p.parent.name)
def test_parallel_and_serial_probes_agree_on_the_fixtures(specs, monkeypatch):
    groups = _groups_used(monkeypatch)
    serial = _validate_live(specs, monkeypatch, parallel=False)
    assert groups == []
    parallel = _validate_live(specs, monkeypatch, parallel=True)
    assert "RLS behaviour" in serial
    assert parallel == serial
    assert groups, "the parallel path was not taken"


@PROPERTIES
@given(spec=spec_sets())
def test_parallel_and_serial_probes_agree_on_generated_specs(tmp_path_factory, monkeypatch, spec):
    specs = tmp_path_factory.mktemp("specs")
    (specs / "s.yaml").write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    assert _validate_live(specs, monkeypatch, parallel=True) == _validate_live(specs, monkeypatch, parallel=False)


def test_a_table_a_concurrent_probe_got_in_the_way_of_is_probed_again_alone(monkeypatch):
    """Contention (a deadlock, a lock timeout) says nothing about the policies: the table's
    findings from the parallel phase are dropped and it is probed again on the main connection."""
    specs = CASES / "kinds" / "specs"
    serial = _validate_live(specs, monkeypatch, parallel=False)
    main_probes: list[rls_probe.Probe] = []
    calls: list[tuple[bool, tuple[str, str]]] = []
    real_run, real_probe = rls_probe.Probe._run_parallel, rls_probe.Probe.probe_table

    def remember_main(self, *args, **kwargs):
        main_probes.append(self)
        return real_run(self, *args, **kwargs)

    def contended_on_other_connections(self, table, owner):
        report = real_probe(self, table, owner)
        calls.append((self in main_probes, table.key))
        if self not in main_probes:
            report.outcomes = []  # what a deadlock would leave: nothing to trust
            report.contended = True
        return report

    monkeypatch.setattr(rls_probe.Probe, "_run_parallel", remember_main)
    monkeypatch.setattr(rls_probe.Probe, "probe_table", contended_on_other_connections)
    assert _validate_live(specs, monkeypatch, parallel=True) == serial
    elsewhere = {key for on_main, key in calls if not on_main}
    assert elsewhere, "no table was probed on another connection"
    assert elsewhere <= {key for on_main, key in calls if on_main}


def test_a_server_that_takes_no_more_connections_gets_the_same_findings(monkeypatch):
    from schemagen.db import ConnectionProblem
    from schemagen.throwaway import BackgroundServer

    specs = CASES / "kinds" / "specs"
    serial = _validate_live(specs, monkeypatch, parallel=False)

    def refused(self):
        raise ConnectionProblem("sorry, too many clients already")

    monkeypatch.setattr(BackgroundServer, "open_session", refused)
    groups = _groups_used(monkeypatch)
    assert _validate_live(specs, monkeypatch, parallel=True) == serial
    assert groups and groups[0] > 1  # it meant to spread, and folded its groups onto one connection
