"""Comparing rendered files with an output directory, and writing them safely.

``plan`` is the one comparison both commands use: ``check`` prints it, ``generate``
carries it out. Ownership comes from the manifest schemagen writes beside its
files: a file is only ever replaced or removed if the previous run listed it, so a
hand-written README in ``generated/`` is never touched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import model as m
from .render import MANIFEST


@dataclass(frozen=True)
class Plan:
    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()
    #: Paths schemagen would write but that exist without being in its manifest.
    foreign: tuple[str, ...] = ()
    rendered: dict[str, str] = field(default_factory=dict, compare=False)
    current: dict[str, str | None] = field(default_factory=dict, compare=False)

    @property
    def clean(self) -> bool:
        return not (self.changed or self.missing or self.stale)


def _read(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        return "<not UTF-8 text>\n"


def previous_manifest(out_dir: Path) -> list[str]:
    text = _read(out_dir / MANIFEST)
    if text is None:
        return []
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def plan(rendered: dict[str, str], out_dir: Path) -> Plan:
    owned = set(previous_manifest(out_dir))
    changed, missing, stale, foreign = [], [], [], []
    current: dict[str, str | None] = {}
    for rel, text in rendered.items():
        existing = _read(out_dir / rel)
        current[rel] = existing
        if existing is None:
            missing.append(rel)
        elif existing != text:
            changed.append(rel)
            if rel not in owned and rel != MANIFEST:
                foreign.append(rel)
    for rel in sorted(owned - set(rendered)):
        existing = _read(out_dir / rel)
        if existing is not None:
            current[rel] = existing
            stale.append(rel)
    return Plan(tuple(changed), tuple(missing), tuple(stale), tuple(foreign), rendered, current)


def unified_diff(p: Plan, out_dir: Path) -> str:
    """What ``generate`` would change, as ``diff -u`` would show it (git-style a/ b/ paths)."""
    import difflib

    chunks: list[str] = []
    for rel in sorted(p.changed + p.missing + p.stale):
        old = p.current.get(rel) or ""
        new = p.rendered.get(rel, "")
        name = (out_dir / rel).as_posix().lstrip("/")
        fromfile = f"a/{name}" if rel not in p.missing else "/dev/null"
        tofile = f"b/{name}" if rel not in p.stale else "/dev/null"
        diff = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                    fromfile, tofile)
        for line in diff:
            chunks.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(chunks)


def write(p: Plan, out_dir: Path) -> None:
    """Apply a plan in two steps: write every file to a temporary sibling, then rename them all.

    Writing is where runs fail (a full disk, a permission); if it does, the temporary files
    are removed and ``out_dir`` is exactly as it was. Renames within a directory are atomic,
    so a reader never sees a half-written file, and the manifest is renamed last, so it only
    ever lists files that are in place. Stale files are removed after that.
    """
    import tempfile

    order = sorted(set(p.changed + p.missing) - {MANIFEST})
    if MANIFEST in p.changed or MANIFEST in p.missing:
        order.append(MANIFEST)
    staged: list[tuple[str, Path]] = []
    try:
        for rel in order:
            target = out_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((rel, Path(tmp)))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(p.rendered[rel])
    except BaseException:
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)
        for rel in order:
            _prune_empty_dirs((out_dir / rel).parent, out_dir)
        raise
    for rel, tmp in staged:
        os.replace(tmp, out_dir / rel)
    for rel in p.stale:
        target = out_dir / rel
        target.unlink(missing_ok=True)
        _prune_empty_dirs(target.parent, out_dir)


def _prune_empty_dirs(directory: Path, stop: Path) -> None:
    while directory != stop and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def _first_changed_line(old: str, new: str) -> int:
    """1-based line of ``new`` where it first departs from ``old``."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=False)):
        if a != b:
            return i + 1
    return min(len(old_lines), len(new_lines)) + 1


def drift_source(rel: str, p: Plan, project: m.Project, out_dir: Path) -> m.SourcePos:
    """The spec position behind a drifted file, for annotations on a pull request.

    A migration points at the object of its first changed statement; a stage's
    document or diagram at the stage's spec; files built from every stage at the
    first spec; a stale file, which no spec produces any more, at itself.
    """
    if rel in p.stale:
        return m.SourcePos((out_dir / rel).as_posix(), 1, 1)
    stem = Path(rel).stem
    stage = next((s for s in project.stages if s.file_stem == stem), None)
    if stage is None:
        return m.SourcePos(project.stages[0].path, 1, 1)
    if rel.startswith("sql/"):
        from .provenance import statements

        line = _first_changed_line(p.current.get(rel) or "", p.rendered[rel])
        candidates = [st for st in statements(stage, p.rendered[rel]) if st.line <= line]
        if candidates:
            return candidates[-1].pos
    return m.SourcePos(stage.path, 1, 1)
