"""Run a command as an unprivileged user: ``python -m schemagen.demote UID GID -- CMD...``.

PostgreSQL's initdb and postgres refuse to run as root, and CI runs as root. The
server is started through this tiny exec wrapper so that only the server drops its
privileges; schemagen itself keeps running as whoever called it. ``execv`` replaces
this process, so signals sent to the child reach postgres directly.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    uid, gid, separator, *command = argv
    if separator != "--" or not command:
        raise SystemExit("usage: python -m schemagen.demote UID GID -- COMMAND [ARGS...]")
    os.setgroups([])
    os.setgid(int(gid))
    os.setuid(int(uid))
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
