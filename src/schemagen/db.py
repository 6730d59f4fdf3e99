"""Connections to PostgreSQL: URLs as libpq reads them, one-line connection errors.

Every command that reaches a database (validate, drift, the tests' throwaway
server) connects through here, with pg8000.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse


class ConnectionProblem(Exception):
    """Could not reach or use the server; reported in one line with exit code 2."""


def database_message(exc: Exception) -> str:
    """pg8000 errors carry a dict of fields; show the message and hint a user needs."""
    fields = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else None
    if not fields:
        return str(exc)
    text = fields.get("M", str(exc))
    if fields.get("H"):
        text += f" (hint: {fields['H']})"
    return text


def connection_params(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql") or not parsed.hostname:
        raise ConnectionProblem(f"--db {url!r} is not a URL like postgresql://user:password@host:5432/db")
    params: dict[str, object] = {
        "user": unquote(parsed.username or os.environ.get("PGUSER", "postgres")),
        "password": unquote(parsed.password) if parsed.password else os.environ.get("PGPASSWORD"),
        "host": parsed.hostname,
        "port": parsed.port or 5432,
        "database": (parsed.path or "/postgres").lstrip("/") or "postgres",
    }
    sslmode = parse_qs(parsed.query).get("sslmode", [os.environ.get("PGSSLMODE", "disable")])[-1]
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


def connect(params: dict[str, object]):
    import pg8000.native

    try:
        return pg8000.native.Connection(**params, timeout=15)
    except pg8000.native.DatabaseError as exc:
        raise ConnectionProblem(f"cannot use {params['host']}:{params['port']}/{params['database']}: "
                                f"{database_message(exc)}") from None
    except (OSError, pg8000.native.InterfaceError) as exc:
        raise ConnectionProblem(f"cannot connect to {params['host']}:{params['port']}: {exc}") from None
