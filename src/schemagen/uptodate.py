"""``check`` without rendering, when nothing it depends on has changed (as ``black --check`` keeps
a cache of what it already found formatted).

Rendering is deterministic: the same spec files, templates and schemagen (its code, and the
versions of Jinja, PyYAML and pglast) always produce the same files. Specs and templates are
hashed by content; schemagen's own files and its dependencies by path, size and modification
time, which an edit or an upgrade changes (a false miss only costs the full check). So after a run that rendered
them, the hash of every output is remembered under a key made of all of those inputs. A later
``check`` computes the key again (reading the inputs costs a few milliseconds) and, if the
outputs on disk hash to what was remembered, every file is up to date without loading a spec or
importing Jinja. Anything else (a changed spec, a hand-edited output, an upgrade) misses and
takes the full path. The record lives in the user's cache folder (``cache``), never in the
repository, so nothing a pull request commits can vouch for an output.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib.util import find_spec
from pathlib import Path

NAMESPACE = "uptodate"
#: Whose versions change what is rendered, found without importing them.
DEPENDENCIES = ("jinja2", "yaml", "pglast", "markupsafe")


CODE_SUFFIXES = (".py", ".sql", ".json", ".j2")


def _code_stamps(folder: str, found: dict[str, str]) -> None:
    """Path → "size mtime" of every code file under ``folder``; bytecode folders are skipped, as
    the walk runs on every check and Python rewrites them."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    _code_stamps(entry.path, found)
            elif entry.name.endswith(CODE_SUFFIXES):
                info = entry.stat()
                found[entry.path] = f"{info.st_size} {info.st_mtime_ns}"


def _package_stamps() -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    _code_stamps(str(Path(__file__).resolve().parent), found)
    templates = find_spec("schemagen.templates")
    if templates is not None and templates.submodule_search_locations:
        for folder in templates.submodule_search_locations:
            _code_stamps(folder, found)
    return sorted(found.items())


def inputs_key(specs: Path, templates: Path | None) -> str | None:
    """Every input of ``generate``, hashed; None when one cannot be read (then nothing is skipped)."""
    hasher = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        hasher.update(label.encode("utf-8", "surrogatepass") + b"\x00" + len(data).to_bytes(8, "big") + data)

    try:
        add("python", sys.version.encode())
        for name in DEPENDENCIES:
            spec = find_spec(name)
            origin = spec.origin if spec is not None and spec.origin else ""
            stamp = Path(origin).stat() if origin else None
            add(f"dependency {name}", f"{origin} {stamp.st_size if stamp else 0} "
                                      f"{stamp.st_mtime_ns if stamp else 0}".encode())
        for path, stamp in _package_stamps():  # schemagen's own files by path, size and time: an edit misses
            add(f"code {path}", stamp.encode())
        spec_files = sorted(p for p in specs.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not spec_files:
            return None
        for path in spec_files:  # read as the loader reads them, so what fails it misses here too
            add(f"spec {path.name}", path.read_text("utf-8").encode("utf-8", "surrogatepass"))
        if templates is not None:
            for path in sorted(p for p in templates.rglob("*") if p.is_file()):
                add(f"template {path.relative_to(templates).as_posix()}", path.read_bytes())
    except (OSError, ValueError):
        return None
    return hasher.hexdigest()


def record_key(args) -> str | None:
    """The record's key for a ``generate`` or ``check`` run; None where the record cannot vouch
    (pictures, whose renderer is not among its inputs, or specs that are not there). Kept here,
    away from the rendering modules, so that a check the record answers imports none of them."""
    if not args.specs.is_dir() or args.pictures or has_pictures(args.out):
        return None
    return inputs_key(args.specs, args.templates)


def has_pictures(out: Path) -> bool:
    """Whether the outputs hold pictures (``generate --pictures``): those the record does not
    vouch for, as their renderer is not among its inputs."""
    try:
        return any(line.endswith(".svg") for line in (out / ".schemagen-manifest").read_text("utf-8").splitlines())
    except (OSError, ValueError):
        return False


def _record(key: str) -> Path | None:
    from .cache import cache_dir

    folder = cache_dir()
    return None if folder is None else folder / NAMESPACE / key[:2] / key


def remember(key: str | None, rendered: dict[str, str]) -> None:
    """What these inputs render to, by hash; a failure to write only costs the shortcut."""
    record = _record(key) if key else None
    if record is None:
        return
    hashes = {rel: hashlib.sha256(text.encode("utf-8")).hexdigest() for rel, text in rendered.items()}
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        tmp = record.with_suffix(".tmp")
        tmp.write_text(json.dumps(hashes, sort_keys=True), "utf-8")
        tmp.replace(record)
    except OSError:
        pass


def up_to_date(key: str | None, out: Path) -> int | None:
    """The number of files, when every output on disk is exactly what these inputs render to;
    otherwise None. The manifest is one of the outputs, so a matching one also lists no stale file."""
    record = _record(key) if key else None
    if record is None:
        return None
    try:
        hashes = json.loads(record.read_text("utf-8"))
        for rel, expected in hashes.items():
            path = out / rel
            if path.is_symlink() or hashlib.sha256(path.read_bytes()).hexdigest() != expected:
                return None
    except (OSError, ValueError, AttributeError):
        return None
    return len(hashes)
