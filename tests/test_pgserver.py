"""The throwaway server's start: a cached copy of initdb's cluster, kept where it is cheap."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from schemagen import pgserver


@pytest.fixture
def bin_dir():
    try:
        return pgserver.find_bin_dir()
    except pgserver.PostgresNotFound as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the live tests: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(autouse=True)
def cache_read_again():
    """cache_dir() is worked out once per process; these tests move the cache and put it back."""
    from schemagen.cache import cache_dir

    cache_dir.cache_clear()
    yield
    cache_dir.cache_clear()


def _roles(server) -> set[str]:
    import pg8000.native

    conn = pg8000.native.Connection(**server.dsn())
    try:
        return {name for (name,) in conn.run("select rolname from pg_roles")}
    finally:
        conn.close()


def test_the_first_cluster_is_kept_and_later_servers_start_from_a_copy(bin_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    template = pgserver.cluster_template(str(bin_dir / "initdb"), f"-U {pgserver.ADMIN} -A trust")
    assert template is not None and not template.exists()
    first = pgserver.start()
    try:
        assert (template / "PG_VERSION").is_file()
        assert not list(template.parent.glob("*.partial"))
        (template / "marker-from-the-template").write_text("copied")
    finally:
        first.stop()
    second = pgserver.start()
    try:
        data = Path(second.base_dir) / "data"
        assert (data / "marker-from-the-template").read_text() == "copied"
        assert data.stat().st_mode & 0o077 == 0  # PostgreSQL refuses a data folder others may read
        if os.geteuid() == 0:
            assert {p.stat().st_uid for p in data.rglob("*")} == {second.run_as.pw_uid}
        assert {pgserver.ADMIN, pgserver.OWNER} <= _roles(second)  # booted, and bootstrapped as ever
    finally:
        second.stop()
    assert not Path(second.base_dir).exists()  # the folder start() made is removed with the server


def test_without_a_cache_every_server_runs_initdb(bin_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEMAGEN_NO_CACHE", "1")
    assert pgserver.cluster_template(str(bin_dir / "initdb"), "-A trust") is None
    server = pgserver.start()
    try:
        assert pgserver.OWNER in _roles(server)
    finally:
        server.stop()


def test_the_template_key_follows_the_binary_the_arguments_and_the_locale(bin_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEMAGEN_CACHE_DIR", str(tmp_path / "cache"))
    initdb = str(bin_dir / "initdb")
    key = pgserver.cluster_template(initdb, "-A trust")
    assert pgserver.cluster_template(initdb, "-A trust") == key
    assert pgserver.cluster_template(initdb, "-A md5") != key
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    assert pgserver.cluster_template(initdb, "-A trust") != key
    fake = tmp_path / "initdb"
    fake.write_text("#!/bin/sh\n")
    assert pgserver.cluster_template(str(fake), "-A trust") not in (key, None)


def test_only_a_few_templates_are_kept(tmp_path):
    folder = tmp_path / "clusters"
    for index in range(pgserver.TEMPLATES_KEPT + 2):
        old = folder / f"old{index}"
        old.mkdir(parents=True)
        os.utime(old, (index, index))
    data = tmp_path / "data"
    data.mkdir()
    (data / "PG_VERSION").write_text("15\n")
    pgserver.keep_template(str(data), folder / "new")
    kept = sorted(p.name for p in folder.iterdir())
    assert "new" in kept and len(kept) == pgserver.TEMPLATES_KEPT
    assert f"old{pgserver.TEMPLATES_KEPT + 1}" in kept and "old0" not in kept  # the newest stay


def test_a_memory_folder_is_used_only_with_room_to_spare(monkeypatch):
    class Room:
        def __init__(self, free: int):
            self.f_bavail, self.f_frsize = free, 1

    monkeypatch.setattr(os, "access", lambda path, mode: True)
    monkeypatch.setattr(os, "statvfs", lambda path: Room(64 << 20))  # Docker's default /dev/shm
    assert pgserver.scratch_root() is None
    monkeypatch.setattr(os, "statvfs", lambda path: Room(8 << 30))
    assert pgserver.scratch_root() == "/dev/shm"

    def missing(path):
        raise FileNotFoundError(path)

    monkeypatch.setattr(os, "statvfs", missing)  # macOS has none
    assert pgserver.scratch_root() is None
