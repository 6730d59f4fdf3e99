"""Comparing rendered files with an output directory, and writing them safely.

``plan`` is the one comparison both commands use: ``check`` prints it, ``generate``
carries it out. Ownership comes from the manifest schemagen writes beside its
files: a file is only ever replaced or removed if the previous run listed it, so a
hand-written README in ``generated/`` is never touched. The manifest itself is
committed, so it is read as untrusted input: an entry counts only if it names a
plain file inside the output folder, reached without following a link.
"""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterator

from . import model as m
from .diagnostics import OutputProblem
from .render import MANIFEST


@dataclass(frozen=True)
class Plan:
    """What writing the rendered files would change, worked out before anything is written, so
    ``check`` reports it and ``generate`` applies it all or nothing."""

    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()
    #: Paths schemagen would write but that exist without being in its manifest.
    foreign: tuple[str, ...] = ()
    rendered: dict[str, str] = field(default_factory=dict, compare=False)
    current: dict[str, str | None] = field(default_factory=dict, compare=False)
    #: Manifest entries that were ignored, and why: never deleted, only reported.
    warnings: tuple[str, ...] = ()

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


def _inside(out_dir: Path, rel: str) -> str | None:
    """Why ``rel`` is not a plain file schemagen may own inside ``out_dir``, or None."""
    if any(ord(ch) < 32 for ch in rel) or "\\" in rel:
        return "holds a control character or a backslash"
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or str(path) != rel:
        return "is not a plain relative path inside the folder"
    current = out_dir
    for part in path.parts:
        current = current / part
        try:
            mode = current.lstat().st_mode
        except FileNotFoundError:
            return None  # nothing there: nothing to delete
        except OSError as exc:
            return f"cannot be inspected ({exc.strerror})"
        if stat.S_ISLNK(mode):
            return "goes through a symbolic link"
    if not stat.S_ISREG(mode):
        return "is not a regular file"
    return None


def previous_manifest(out_dir: Path) -> tuple[list[str], list[str]]:
    """The files the last run wrote, and a warning for each entry that is ignored."""
    text = _read(out_dir / MANIFEST)
    if text is None:
        return [], []
    owned, warnings = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        problem = _inside(out_dir, line)
        if problem:
            warnings.append(f"{out_dir / MANIFEST}:{number}: the entry {line!r} {problem}; "
                            "ignored, and never deleted")
        else:
            owned.append(line)
    return owned, warnings


def plan(rendered: dict[str, str], out_dir: Path) -> Plan:
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputProblem(f"--out {out_dir} is a file; schemagen writes a folder of files there")
    listed, warnings = previous_manifest(out_dir)
    owned = set(listed)
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
    return Plan(tuple(changed), tuple(missing), tuple(stale), tuple(foreign), rendered, current, tuple(warnings))


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


@contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """One ``generate`` at a time per output folder: a second waits for the first, so two runs
    never mix their files. The lock is on the folder itself, so no file is added to it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; runs are rarely concurrent there
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _new_file_mode() -> int:
    """What ``open()`` would give a new file: 0666 less the umask (mkstemp's 0600 is too tight
    for files that are committed and read by everyone)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _check_parent(out_dir: Path, target: Path) -> None:
    """Every folder between ``out_dir`` and the file is a real folder inside it, not a link out."""
    current = out_dir
    for part in target.relative_to(out_dir).parts[:-1]:
        current = current / part
        if current.is_symlink() or (current.exists() and not current.is_dir()):
            raise OutputProblem(f"{current} is a link or a file, not a folder; schemagen writes only inside "
                                f"{out_dir}: move it away, then run generate again")


def write(p: Plan, out_dir: Path) -> None:
    """Apply a plan in two steps: write every file to a temporary sibling, then rename them all.

    Writing is where runs fail (a full disk, a permission); if it does, the temporary files
    are removed and ``out_dir`` is exactly as it was. Renames within a directory are atomic,
    so a reader never sees a half-written file, and the manifest is renamed last, so it only
    ever lists files that are in place. Stale files are removed after that. A replaced file
    keeps its mode; a new one gets the umask's. If a rename or removal fails part-way, the
    error says which files were replaced and which were not.
    """
    import tempfile

    order = sorted(set(p.changed + p.missing) - {MANIFEST})
    if MANIFEST in p.changed or MANIFEST in p.missing:
        order.append(MANIFEST)
    new_mode = _new_file_mode()
    staged: list[tuple[str, Path]] = []
    try:
        for rel in order:
            target = out_dir / rel
            _check_parent(out_dir, target)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                mode = stat.S_IMODE(target.lstat().st_mode)
            except FileNotFoundError:
                mode = new_mode
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((rel, Path(tmp)))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(p.rendered[rel])
            os.chmod(tmp, mode)
    except BaseException as exc:
        _discard(staged, order, out_dir)
        if isinstance(exc, OSError):
            raise OutputProblem(f"cannot write {out_dir}: {exc.strerror or exc}; {out_dir} is unchanged") from None
        raise
    done: list[str] = []
    for i, (rel, tmp) in enumerate(staged):
        try:
            os.replace(tmp, out_dir / rel)
        except OSError as exc:
            _discard(staged[i:], [], out_dir)
            raise OutputProblem(_partial(out_dir, done, [r for r, _ in staged[i:]], f"replacing {rel}", exc)) from None
        done.append(rel)
    for rel in p.stale:
        target = out_dir / rel
        try:
            target.unlink(missing_ok=True)
        except OSError as exc:
            raise OutputProblem(_partial(out_dir, done, [], f"removing the stale {rel}", exc)) from None
        _prune_empty_dirs(target.parent, out_dir)


MIGRATION_EXISTS = ("schemagen never overwrites a migration: pass another --version, or remove that file if it "
                    "is an unapplied draft of your own")


def write_new_files(files: list[tuple[Path, str]], exists: str = MIGRATION_EXISTS, read_back=None) -> None:
    """Write files that must not exist yet (the next migrations, imported specs), all or none: each
    is staged beside its place, and linked into it only if nothing is there, so a file is never
    overwritten, even by a run that races this one. ``exists`` says what to do instead.
    ``read_back`` is given the staged texts as read from disk, before any is linked into place: it
    raises to keep them all out (a migration whose statements are not the ones proven)."""
    import tempfile

    for path, _ in files:
        if path.exists() or path.is_symlink():
            raise OutputProblem(f"{path} exists already; {exists}")
    new_mode = _new_file_mode()
    staged: list[Path] = []
    placed: list[Path] = []
    try:
        for path, text in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append(Path(tmp))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            os.chmod(tmp, new_mode)
        if read_back is not None:
            read_back([tmp.read_text("utf-8") for tmp in staged])
        for (path, _), tmp in zip(files, staged, strict=True):
            os.link(tmp, path)  # fails if the file appeared meanwhile: nothing is overwritten
            placed.append(path)
    except BaseException as exc:
        for path in placed:
            path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputProblem(f"cannot write {files[0][0].parent}: {exc.strerror or exc}; nothing was written") \
                from None
        raise
    finally:
        for tmp in staged:
            tmp.unlink(missing_ok=True)


def _discard(staged: list[tuple[str, Path]], order: list[str], out_dir: Path) -> None:
    for _, tmp in staged:
        tmp.unlink(missing_ok=True)
    for rel in order:
        _prune_empty_dirs((out_dir / rel).parent, out_dir)


def _partial(out_dir: Path, done: list[str], left: list[str], step: str, exc: OSError) -> str:
    replaced = ", ".join(done) or "nothing"
    untouched = f"; not replaced: {', '.join(left)}" if left else ""
    return (f"{step} in {out_dir} failed: {exc.strerror or exc}. Replaced: {replaced}{untouched}. "
            "Fix the cause and run generate again; it finishes the job")


def _prune_empty_dirs(directory: Path, stop: Path) -> None:
    while (directory != stop and not directory.is_symlink() and directory.is_dir()
           and not any(directory.iterdir())):
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
