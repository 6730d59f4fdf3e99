"""A per-user cache of work whose result depends only on its input text.

Two things are kept: Jinja's compiled templates, and the verdicts of PostgreSQL's
parser on spec fragments (an empty marker file per verified set of fragments).
The cache lives in the user's cache folder (``$XDG_CACHE_HOME/schemagen``, else
``~/.cache/schemagen``), never in the repository: a file a pull request could
commit must not be able to vouch for SQL. It is used only if the folder belongs
to the user and nobody else can write to it; otherwise schemagen simply works
without it. ``SCHEMAGEN_CACHE_DIR`` moves it, ``SCHEMAGEN_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import stat
from functools import cache
from pathlib import Path


@cache
def cache_dir() -> Path | None:
    if os.environ.get("SCHEMAGEN_NO_CACHE"):
        return None
    configured = os.environ.get("SCHEMAGEN_CACHE_DIR")
    if configured:
        folder = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = Path(base) / "schemagen"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        return None
    return folder


def digest(*parts: str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8", "surrogatepass"))
        hasher.update(b"\x00")
    return hasher.hexdigest()


def _marker(namespace: str, key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / namespace / key[:2] / key


def known(namespace: str, key: str) -> bool:
    marker = _marker(namespace, key)
    return marker is not None and marker.is_file()


def remember(namespace: str, key: str) -> None:
    marker = _marker(namespace, key)
    if marker is None:
        return
    try:
        marker.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        marker.touch()
    except OSError:  # a read-only or full cache folder only costs speed
        pass
