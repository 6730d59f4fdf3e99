"""A throwaway PostgreSQL server, booting in a thread from the first moment of a command.

Its start (a copy of a cached cluster, or initdb, and the server's boot) is the longest step of
a cold ``validate --live`` or ``migrate new``, and needs nothing from the specs. So this module
imports nothing heavy: ``validate`` creates the server before it imports the loader and the
renderers, and the thread imports ``pgserver`` and testing.postgresql itself.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from . import model as m
    from .db import Session


def _start():
    from . import pgserver

    return pgserver.start()


class BackgroundServer:
    """A throwaway server booting in a thread while the caller loads and checks the specs."""

    def __init__(self):
        self._pool = ThreadPoolExecutor(1)
        self._future = self._pool.submit(_start)
        self._server = None

    def open_session(self) -> "Session":
        """Another session on the server ``database`` is serving, as ``postgres`` (the RLS probe's
        parallel connections)."""
        from .db import Session
        from .live import connect as connect_server

        if self._server is None:
            raise RuntimeError("open_session is for the server a database() block is serving")
        return Session(connect_server(self._server), throwaway=True)

    @contextmanager
    def database(self, project: m.Project, prepare=None) -> Iterator[Session]:
        """The platform installed and committed by the cluster's superuser, as on Supabase; the
        stages then run as ``postgres``, a role that is not one. ``prepare``, given a connection
        as ``postgres`` that commits each statement (and one as the superuser, for what the platform
        does on its behalf), builds what must be in place before the session's transaction starts
        (the migrations a new one follows), so that the locks the session then takes are its own."""
        from . import pgserver
        from .db import ConnectionProblem, Session
        from .live import connect as connect_server
        from .live import install_platform

        try:
            server = self._future.result()
        except pgserver.PostgresNotFound as exc:
            raise ConnectionProblem(str(exc)) from None
        finally:
            self._pool.shutdown()
        try:
            admin = connect_server(server, admin=True)
            try:
                # Where migrations come first, the extensions the specs use are theirs to create (as
                # on Supabase, where supautils makes them when asked): none is made in advance.
                install_platform(admin, project, extensions=prepare is None)
                if prepare is not None:
                    owner = connect_server(server)
                    try:
                        prepare(owner, admin)
                    finally:
                        owner.close()
            finally:
                admin.close()
            session = Session(connect_server(server), throwaway=True)
            self._server = server
            try:
                yield session
            finally:
                self._server = None
                session.close()
        finally:
            server.stop()

    def cancel(self) -> None:
        """Stop a server that was started but is not needed (the specs did not load)."""
        self._pool.shutdown()
        try:
            self._future.result().stop()
        except Exception:  # it failed to start: nothing to stop
            pass
