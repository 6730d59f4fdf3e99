"""One record for every finding, whichever step found it, and its three printed forms.

Spec errors, lint findings and validation mismatches all become ``Diagnostic`` so
the CLI prints them the same way: ``path:line:col: CODE message`` for people (the
shape ruff and mypy use, which editors and terminals turn into links), JSON for
scripts, and GitHub workflow commands for annotations on a pull request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Literal

from .model import SourcePos

Severity = Literal["error", "warning", "info"]


def counted(number: int, noun: str) -> str:
    """``3 rows``, ``1 row``: every count schemagen prints reads as English."""
    return f"{number} {noun}{'s' if number != 1 else ''}"


@dataclass(frozen=True)
class Diagnostic:
    """One finding at a spec position: lint, validate, drift and spec errors all print through it, so
    every command speaks the same ``path:line:col: CODE`` and JSON shapes."""

    pos: SourcePos
    code: str
    severity: Severity
    message: str
    #: For lint findings a reviewed waiver turned off; the reason is shown, never hidden.
    waived: str | None = None
    #: False where no waiver may turn it off (the probe could not test a write because SQL of the
    #: specs is broken: a waiver written for another reason must not hide it).
    waivable: bool = field(default=True, compare=False)

    @property
    def order(self) -> tuple:
        return (self.pos.order, self.code, self.severity, self.message, self.waived or "")

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.pos.path,
            "line": self.pos.line,
            "col": self.pos.col,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "waived": self.waived,
        }

    def to_text(self) -> str:
        text = f"{self.pos}: {self.code} {self.severity} {self.message}"
        if self.waived is not None:
            text += f" [waived: {self.waived}]"
        return printable(text)

    def to_github(self) -> str:
        level = {"error": "error", "warning": "warning", "info": "notice"}[self.severity]
        message = _github_escape(printable(f"{self.code} {self.message}"), data=True)
        path = _github_escape(printable(self.pos.path), data=False)
        return (
            f"::{level} file={path},line={self.pos.line},col={self.pos.col},"
            f"title={self.code}::{message}"
        )


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """One line of text whatever names it quotes: a database's table called "a\\rb" or an
    escape sequence in a spec cannot start a new output line or drive the terminal."""
    return _CONTROL.sub(lambda m: {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(m.group(),
                                                                          _escape(m.group())), text)


def _escape(char: str) -> str:
    return f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}"


def _github_escape(text: str, *, data: bool) -> str:
    """Escape as GitHub's toolkit does, so a ':' or ',' in a name cannot break the command."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if not data:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


FORMATS = ("text", "json", "github")


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """By position, then code: the order every output format uses. Duplicates are dropped."""
    return sorted(set(diagnostics), key=lambda d: d.order)


def format_diagnostics(diagnostics: Iterable[Diagnostic], fmt: str) -> str:
    items = sort_diagnostics(diagnostics)
    if fmt == "json":
        import json

        return json.dumps([d.to_dict() for d in items], indent=2, ensure_ascii=False) + "\n"
    render = Diagnostic.to_github if fmt == "github" else Diagnostic.to_text
    return "".join(render(d) + "\n" for d in items)


class Collector(list):
    """Diagnostics of one file, up to a limit: a broken 50 MB list must not print millions of lines.

    Past the limit one last diagnostic says so, and ``Full`` stops the step that is adding them.
    """

    LIMIT = 50

    class Full(Exception):
        pass

    def add(self, diagnostic: Diagnostic) -> None:
        if len(self) >= self.LIMIT:
            self.append(Diagnostic(diagnostic.pos, "E100", "error",
                                   f"more than {self.LIMIT} errors in this file; fix these first, "
                                   "then run again to see the rest"))
            raise Collector.Full
        self.append(diagnostic)


class SpecError(Exception):
    """The specs cannot be turned into a model; carries every problem found, not just the first."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sort_diagnostics(diagnostics)
        super().__init__("\n".join(d.to_text() for d in self.diagnostics))


class TemplateProblem(Exception):
    """A template (usually a user's) failed to render; reported in one line, exit code 2."""


class OutputProblem(Exception):
    """The output folder cannot be used or was only partly written; one line, exit code 2."""


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for a near miss, else a list of what is allowed."""
    import difflib

    options = sorted(set(options))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    if not options:
        return ""
    if len(options) <= 12:
        return "; expected one of: " + ", ".join(options)
    return ""
