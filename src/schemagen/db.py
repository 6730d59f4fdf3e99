"""Connections to PostgreSQL, and the one way schemagen runs SQL on them.

Every command that reaches a database (validate, drift, the tests' throwaway
server) connects through here, with pg8000. URLs are read as libpq reads them and
every problem is one line with exit code 2.

``Session`` is the containment promise of docs/security.md: all work happens in one
transaction that is always rolled back; each statement travels alone through the
extended protocol, whose Parse message the server refuses to hold two statements;
and after every round trip the transaction must still be open. A spec cannot
commit schemagen's scratch work, and nothing it creates (roles included: they are
transactional) outlives the command. Only schemagen itself commits, and only on a
throwaway server it started and deletes (``Session(throwaway=True)``, ``publish``).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import parse_qs, unquote, urlparse


class ConnectionProblem(Exception):
    """Could not reach or use the server; reported in one line with exit code 2."""


class ContainmentBroken(Exception):
    """A statement ended schemagen's transaction. Nothing more is sent; the command stops."""


class StatementRefused(Exception):
    """schemagen would not send a statement (reported like the server's own refusal)."""


def database_message(exc: BaseException) -> str:
    """pg8000 errors carry a dict of fields; show the message and hint a user needs."""
    fields = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else None
    if not fields:
        return str(exc)
    text = fields.get("M", str(exc))
    if fields.get("H"):
        text += f" (hint: {fields['H']})"
    return text


_URL_EXAMPLE = "postgresql://user:password@host:5432/db"


def connection_params(url: str) -> dict[str, object]:
    try:
        parsed = urlparse(url)
        host, port = parsed.hostname, parsed.port
    except ValueError as exc:  # a port that is no number or over 65535, a broken [IPv6] host
        raise ConnectionProblem(f"--db URL is malformed ({exc}); write it like {_URL_EXAMPLE}") from None
    query = parse_qs(parsed.query)
    # libpq's spelling of a Unix socket: the folder as the host parameter (postgresql://u@/db?host=/run/pg)
    socket_folder = query.get("host", [""])[-1] if not host else ""
    if parsed.scheme not in ("postgres", "postgresql") or not (host or socket_folder.startswith("/")):
        raise ConnectionProblem(f"--db URL is not a URL like {_URL_EXAMPLE}")
    if socket_folder and not port:
        try:
            port = int(query.get("port", ["5432"])[-1])
        except ValueError:
            raise ConnectionProblem(f"--db URL's port is not a number; write it like {_URL_EXAMPLE}") from None
    params: dict[str, object] = {
        "user": unquote(parsed.username or os.environ.get("PGUSER", "postgres")),
        "password": unquote(parsed.password) if parsed.password else os.environ.get("PGPASSWORD"),
        "database": unquote(parsed.path or "/postgres").lstrip("/") or "postgres",
    }
    if socket_folder:
        params["unix_sock"] = f"{socket_folder}/.s.PGSQL.{port}"
        return params
    params.update(host=host, port=port or 5432)
    sslmode = query.get("sslmode", [os.environ.get("PGSSLMODE", "disable")])[-1]
    context = ssl_context(sslmode)
    if context is not None:
        params["ssl_context"] = context
    return params


def ssl_context(sslmode: str):
    """libpq's sslmode as an ssl context (hosted databases such as Supabase ask for require)."""
    if sslmode in ("disable", "allow", "prefer"):
        return None
    import ssl

    if sslmode == "verify-full":
        return ssl.create_default_context()
    if sslmode in ("require", "verify-ca"):
        context = ssl.create_default_context()
        context.check_hostname = False
        if sslmode == "require":
            context.verify_mode = ssl.CERT_NONE
        return context
    raise ConnectionProblem(f"sslmode={sslmode} is not one of disable, allow, prefer, require, verify-ca, "
                            "verify-full")


def where(params: dict[str, object]) -> str:
    """The server as a person names it: ``host:port``, or the socket's path."""
    return str(params["unix_sock"]) if "unix_sock" in params else f"{params['host']}:{params['port']}"


def connect(params: dict[str, object], *, trusted: bool = False):
    """A connection. Unless ``trusted`` (a throwaway server schemagen started, which holds nothing
    of anyone's), the server's error messages are withheld where they could carry data: see
    ``_WithheldErrors``."""
    import pg8000.native

    where_ = where(params)
    kind = pg8000.native.Connection if trusted else _user_connection_class()
    try:
        return kind(**params, timeout=15)
    except pg8000.native.DatabaseError as exc:
        raise ConnectionProblem(f"cannot use {where_}/{params['database']}: {database_message(exc)}") from None
    except pg8000.native.InterfaceError as exc:
        message = str(exc)
        if "password" in message and not params.get("password"):
            message += "; put it in the URL (postgresql://user:PASSWORD@host/db) or in PGPASSWORD"
        raise ConnectionProblem(f"cannot connect to {where_}: {message}") from None
    except (OSError, UnicodeError) as exc:  # refused, unreachable, a host name that is no DNS name
        raise ConnectionProblem(f"cannot connect to {where_}: {exc or type(exc).__name__}") from None
    except Exception as exc:  # the driver choking on an answer that is not PostgreSQL's protocol
        raise ConnectionProblem(f"cannot connect to {where_}: the server does not answer as PostgreSQL does "
                                f"({type(exc).__name__}: {exc})") from None


#: SQLSTATEs whose message the server writes from its own state or from object names alone, never
#: from a value a statement computed: connections, authentication, resources, cancellation, and
#: "permission denied for …".
_PLAIN_MESSAGES = ("08", "28", "53", "57", "42501")


def withheld(fields: dict[str, str]) -> dict[str, str]:
    """An error of a server schemagen did not start, as it may be shown.

    A statement can put any value into an error's text (``current_setting('x')::regclass`` fails
    with the setting in the message; a PL/pgSQL ``raise`` says anything), and on a user's server
    that value can be a row or a secret. The text is kept where the server wrote it while reading
    the statement (it carries a position in the statement: the text is the statement's own) or
    from its own state; otherwise only the condition is shown."""
    code = fields.get("C", "")
    raised_by_code = "W" in fields or fields.get("R") == "exec_stmt_raise"
    if not raised_by_code and ("P" in fields or code.startswith(_PLAIN_MESSAGES)):
        return {k: v for k, v in fields.items() if k != "D"}
    return {"S": fields.get("S", "ERROR"), "C": code,
            "M": f"PostgreSQL raised SQLSTATE {code or 'unknown'} while running it; its message is withheld, "
                 "since on a database schemagen did not start it can carry data (docs/security.md). "
                 "Run validate --live to see it on a throwaway server"}


def _user_connection_class():
    """pg8000's connection, with every error passed through ``withheld`` as it arrives."""
    import pg8000.native

    class UserServerConnection(pg8000.native.Connection):
        #: Off only while schemagen runs its own statements in a database it has just made, before
        #: any spec SQL (the platform slice): their messages are about schemagen's SQL alone.
        withhold = True

        def handle_ERROR_RESPONSE(self, data, context):
            super().handle_ERROR_RESPONSE(data, context)
            error = context.error
            if self.withhold and error is not None and error.args and isinstance(error.args[0], dict):
                error.args = (withheld(error.args[0]),) + error.args[1:]

    return UserServerConnection


def execute_one(conn, sql: str) -> list:
    """Run one statement through the extended protocol in a single round trip.

    Parse, Bind, Describe, Execute and Sync go out together; the server refuses a
    Parse that holds more than one statement, whatever quoting tricks the text
    plays. pg8000's own ``execute_unnamed`` takes three round trips for the same.
    """
    from pg8000 import core

    context = _send_unnamed(conn, sql)
    core._flush(conn._sock)
    conn.handle_messages(context)
    return context.rows or []


def _send_unnamed(conn, sql: str):
    """Parse, Bind, Describe, Execute and Sync for one statement, not yet flushed; its context."""
    from pg8000 import core

    context = core.Context(sql)
    conn.send_PARSE(core.NULL_BYTE, sql, ())
    conn.send_BIND(core.NULL_BYTE, ())
    conn._send_message(core.DESCRIBE, core.PORTAL + core.NULL_BYTE)
    core._write(conn._sock, core.EXECUTE_MSG)
    core._write(conn._sock, core.SYNC_MSG)
    return context


def execute_each(conn, statements: list[str]) -> list[tuple[list, BaseException | None]]:
    """Run statements pipelined, each with a Sync of its own, so that one failing does not stop
    the others (a ``rollback to savepoint`` after it still runs): each statement's rows or error,
    in one round trip. For a few short statements only: all are written before any answer is read."""
    from pg8000 import core

    contexts = [_send_unnamed(conn, sql) for sql in statements]
    core._flush(conn._sock)
    out: list[tuple[list, BaseException | None]] = []
    for context in contexts:
        try:
            conn.handle_messages(context)
            out.append((context.rows or [], None))
        except core.DatabaseError as exc:
            out.append(([], exc))
    return out


#: Statements per pipelined batch: enough to hide the round trips, few enough that neither
#: side's socket buffer fills while the other is still writing.
PIPELINE_BATCH = 200


def execute_pipelined(conn, statements: list[str]) -> tuple[int, BaseException | None]:
    """Run statements in order, pipelined: Parse, Bind and Execute for each, one Sync at the end.

    Every statement still travels in a Parse message of its own, which the server refuses to
    hold two statements in. The server stops at the first error and skips the rest until the
    Sync. Returns how many statements completed and the error of the one after them, if any.
    No rows are read: this is for statements whose effect, not result, matters.
    """
    from pg8000 import core

    encoding = conn._client_encoding
    empty_bind = core.NULL_BYTE + core.NULL_BYTE + b"\x00\x00" * 3
    for sql in statements:
        conn._send_message(core.PARSE, core.NULL_BYTE + sql.encode(encoding) + core.NULL_BYTE + b"\x00\x00")
        conn._send_message(core.BIND, empty_bind)
        core._write(conn._sock, core.EXECUTE_MSG)
    core._write(conn._sock, core.SYNC_MSG)
    core._flush(conn._sock)
    completed, error = 0, None
    context = core.Context(None)
    while True:
        code, length = core.ci_unpack(core._read(conn._sock, 5))
        data = core._read(conn._sock, length - 4)
        if code in (core.COMMAND_COMPLETE, core.EMPTY_QUERY_RESPONSE):
            completed += 1
        elif code == core.ERROR_RESPONSE:
            conn.handle_ERROR_RESPONSE(data, context)
            error = context.error
        elif code == core.READY_FOR_QUERY:
            conn._transaction_status = data
            return completed, error
        elif code in (core.PARAMETER_STATUS, core.NOTICE_RESPONSE, core.NOTIFICATION_RESPONSE):
            conn.message_types[code](data, context)
        elif code in (core.COPY_IN_RESPONSE, core.COPY_OUT_RESPONSE):
            raise ContainmentBroken("a statement started a COPY to or from the client; schemagen stopped")


class Session:
    """One connection's work, inside one transaction that is always rolled back (on a throwaway
    server, schemagen may commit its own work at the top level: ``publish``)."""

    def __init__(self, conn, *, throwaway: bool = False):
        self.conn = conn
        #: On a server schemagen started and deletes (``throwaway``): there, and only there, work
        #: may be committed (``publish``), which large stage sets need (see ``apply``).
        self.throwaway = throwaway
        self._savepoints = 0
        #: Savepoints open now: nothing is committed inside one.
        self._depth = 0
        #: Savepoint bookkeeping not sent yet: it travels ahead of the next statement, in the same
        #: round trip, so a savepoint costs none of its own (the RLS probe opens thousands).
        self._pending: list[str] = []
        conn.run("begin")
        self._check_open()

    def _check_open(self) -> None:
        from pg8000 import core

        if self.conn._transaction_status not in (core.IN_TRANSACTION, core.IN_FAILED_TRANSACTION):
            raise ContainmentBroken("a statement ended schemagen's transaction (commit or rollback); "
                                    "schemagen stopped sending SQL")

    def execute(self, sql: str) -> list:
        """One statement, which PostgreSQL's parser has read first; its rows, if it returns any."""
        from .pgsql import refusal

        reason = refusal(sql)
        if reason:
            raise StatementRefused(f"schemagen did not send this statement: {reason}")
        return self._send(sql)

    def _send(self, sql: str) -> list:
        if not self._pending:
            try:
                return execute_one(self.conn, sql)
            finally:
                self._check_open()
        rows, error = self._with_pending([sql])[0]
        if error is not None:
            raise error
        return rows

    def _with_pending(self, statements: list[str]) -> list[tuple[list, BaseException | None]]:
        """The deferred bookkeeping, then ``statements``, in one round trip (``execute_each``); the
        statements' results. A bookkeeping statement that fails is raised: a savepoint that could
        not be rolled back to leaves nothing after it trustworthy."""
        pending, self._pending = self._pending, []
        try:
            results = execute_each(self.conn, pending + statements)
        finally:
            self._check_open()
        for _, error in results[:len(pending)]:
            if error is not None:
                raise error
        return results[len(pending):]

    def flush(self) -> None:
        """Send the deferred bookkeeping now, before work on this connection that bypasses the session."""
        if self._pending:
            self._with_pending([])

    def query(self, sql: str, **params) -> list:
        """schemagen's own catalog queries, with bound parameters."""
        self.flush()
        try:
            return self.conn.run(sql, **params)
        finally:
            self._check_open()

    @contextmanager
    def _savepoint(self, *, keep: bool) -> Iterator[None]:
        self._savepoints += 1
        name = f"schemagen_{self._savepoints}"
        self._pending.append(f"savepoint {name}")
        self._depth += 1
        try:
            yield
        except ContainmentBroken:
            raise
        except BaseException:
            self._close_savepoint(name, undo=True)
            raise
        finally:
            self._depth -= 1
        self._close_savepoint(name, undo=not keep)

    def _close_savepoint(self, name: str, *, undo: bool) -> None:
        """Roll back to the savepoint (if asked) and release it: deferred to the next round trip,
        or nothing at all when no statement was sent since it was opened."""
        if self._pending and self._pending[-1] == f"savepoint {name}":
            self._pending.pop()
            return
        self._pending += [f"rollback to savepoint {name}"] if undo else []
        self._pending.append(f"release savepoint {name}")

    def try_as(self, role: str, claims: str | None, statement: str, then: list[str]) -> tuple[list, BaseException | None,
                                                                                            list[list]]:
        """Run ``statement`` as ``role`` (with ``claims``, the JWT's JSON that ``auth.uid()`` reads,
        if given), then ``then`` as this session's own role, and undo it all: one round trip.
        Returns the statement's rows, its error, and the rows of each of ``then`` (empty where the
        statement's failure left the transaction aborted, as its effects are then void anyway)."""
        return self.try_many([(role, claims, statement, then)])[0]

    def try_many(self, attempts: list[tuple[str, str | None, str, list[str]]]) -> list[tuple[list, BaseException | None,
                                                                                             list[list]]]:
        """``try_as`` for several attempts, all in one round trip: the RLS probe's checks of a table
        travel together. One savepoint serves them all: each attempt is rolled back to it before
        the next, and the role and claims, set as PostgREST sets them (``set_config(…, true)``,
        local to the savepoint's subtransaction), go with the rollback."""
        from .pgsql import refusal
        from .sqltext import quote_literal

        self._savepoints += 1
        name = f"schemagen_{self._savepoints}"
        batch: list[str] = [f"savepoint {name}"]
        spans = []
        for role, claims, statement, then in attempts:
            reason = refusal(statement)
            if reason:
                raise StatementRefused(f"schemagen did not send this statement: {reason}")
            settings = f"select set_config('role', {quote_literal(role)}, true)"
            if claims is not None:
                settings += f", set_config('request.jwt.claims', {quote_literal(claims)}, true)"
                settings += "".join(f", set_config({quote_literal(name)}, {quote_literal(value)}, true)"
                                    for name, value in _request(statement))
            spans.append((len(batch), len(then)))
            batch += [settings, statement, *(["reset role", *then] if then else []), f"rollback to savepoint {name}"]
        batch.append(f"release savepoint {name}")
        results = self._with_pending(batch)
        for index in [0] + [first + 2 + (then_count + 1 if then_count else 0) for first, then_count in spans] + [-1]:
            if results[index][1] is not None:
                raise ContainmentBroken(f"schemagen could not undo a probe statement ({batch[index]}): "
                                        f"{results[index][1]}")
        out = []
        for first, then_count in spans:
            (_, failed_settings), (rows, error) = results[first], results[first + 1]
            if failed_settings is not None:  # the statement ran in an aborted transaction: this says why
                rows, error = [], failed_settings
            out.append((rows, error, [r for r, _ in results[first + 3:first + 3 + then_count]]))
        return out

    def publish(self) -> None:
        """Commit the work so far and go on in a new transaction, so that other connections see it.
        Only ever on a throwaway server that schemagen started and deletes: there the transaction
        keeps nothing from anyone, and the RLS probe shares the applied stages with the
        connections it probes on in parallel. A user's server gets no such call (``--db`` runs
        everything in one transaction, rolled back)."""
        if not self.throwaway or self._depth:
            raise ContainmentBroken("schemagen tried to commit outside a throwaway server's top level; it stopped")
        for sql, (_, error) in zip(("commit", "begin"), self._with_pending(["commit", "begin"]), strict=True):
            if error is not None:
                raise ContainmentBroken(f"schemagen could not {sql} on its throwaway server: {error}")

    def attempt(self):
        """Keep the work if the block succeeds, undo it if it raises."""
        return self._savepoint(keep=True)

    def scratch(self):
        """Undo the block's work whatever happens (the RLS probe's scenarios, scratch schemas)."""
        return self._savepoint(keep=False)

    def apply(self, statements: list[str]) -> list[tuple[int, BaseException]]:
        """Run statements in order, keeping those that succeed; returns (index, error) of each failure.

        Each statement is read by PostgreSQL's parser first (one refused is a failure like any
        other), then they travel pipelined, in batches, under a savepoint. When one fails, the
        batch is rolled back, the statements before it run again, the failure is recorded and
        the rest continue: every failure is reported at its statement, and a stage's statements
        cost a round trip per batch rather than per statement.

        On a throwaway server each batch is then committed, so that the transaction never holds
        a lock on each of thousands of tables at once (PostgreSQL's lock table is finite).
        Elsewhere all stays in one transaction.
        """
        from .pgsql import refusal

        self.flush()
        failures: list[tuple[int, BaseException]] = []
        pending: list[tuple[int, str]] = []
        for i, sql in enumerate(statements):
            reason = refusal(sql)
            if reason:
                failures.append((i, StatementRefused(f"schemagen did not send this statement: {reason}")))
            else:
                pending.append((i, sql))
        while pending:
            batch, pending = pending[:PIPELINE_BATCH], pending[PIPELINE_BATCH:]
            self._savepoints += 1
            name = f"schemagen_{self._savepoints}"
            self._send(f"savepoint {name}")
            try:
                completed, error = execute_pipelined(self.conn, [sql for _, sql in batch])
            finally:
                self._check_open()
            if error is None:
                self._pending.append(f"release savepoint {name}")
                if self.throwaway and not self._depth:
                    self.publish()
                continue
            self._send(f"rollback to savepoint {name}")
            if completed:
                done, error_again = execute_pipelined(self.conn, [sql for _, sql in batch[:completed]])
                self._check_open()
                if error_again is not None:  # the same statements succeeded a moment ago
                    raise error_again
            self._send(f"release savepoint {name}")
            failures.append((batch[completed][0], error))
            pending = batch[completed + 1:] + pending
        return sorted(failures, key=lambda failure: failure[0])

    def close(self) -> None:
        try:
            self.conn.run("rollback")
        except Exception:  # the connection is gone: the server rolled back for us
            pass
        finally:
            try:
                self.conn.close()
            except Exception:
                pass


def split_script(sql: str) -> list[str]:
    """A script of schemagen's own (the platform slice) as single statements."""
    from .pgsql import split

    return [piece.sql for piece in split(sql)]


#: The HTTP method PostgREST turns each command into.
_METHODS = {"select": "GET", "insert": "POST", "update": "PATCH", "delete": "DELETE"}


def backend_request(session) -> None:
    """The request settings PostgREST and the Storage API set, for the whole session: rows the RLS
    probe makes stand for rows users made through the API, whose triggers read them."""
    from .sqltext import quote_literal

    session.execute("select " + ", ".join(f"set_config({quote_literal(name)}, {quote_literal(value)}, false)"
                                          for name, value in _request("insert")))


#: The headers a client's request carries, as PostgREST hands them to the database (JSON text).
_HEADERS = ('{"accept": "application/json", "authorization": "Bearer schemagen-probe", '
            '"content-type": "application/json", "user-agent": "schemagen-probe", "x-client-info": "schemagen-probe"}')


def _request(statement: str) -> list[tuple[str, str]]:
    """What PostgREST sets besides the claims (``request.method``, ``request.path``,
    ``request.headers``), for a statement sent as a client's request: functions and triggers read
    them (``current_setting('request.headers')::json->>'authorization'``) and fail where unset."""
    verb = statement.lstrip().split(None, 1)[0].lower() if statement.strip() else "select"
    return [("request.method", _METHODS.get(verb, "POST")), ("request.path", "/rest/v1/"), ("request.headers", _HEADERS)]
