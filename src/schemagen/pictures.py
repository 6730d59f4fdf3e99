"""SVG pictures of the diagrams, for readers outside GitHub (which renders the Mermaid itself).

Mermaid is the renderer because the diagrams are Mermaid and GitHub draws them with it: a
picture and the page then agree. It runs where it runs for GitHub's readers, in a browser:
Debian's Chromium, headless, with Mermaid from the npm registry (Graphviz would need a second
drawing of every diagram, which could disagree with the one reviewers see). Optional: only
``generate --pictures`` and ``check --pictures`` start a browser; everything else stays as fast
and as light as before.

The output is deterministic for one renderer (fixed ids, a fixed seed for Mermaid's sketchy
strokes), but text is measured with the machine's fonts, so two machines can draw the same
diagram a pixel apart. Each picture therefore names its renderer in its first line, and
``check --pictures`` compares only pictures drawn by the renderer it has; the others it reports
as not compared, never as out of date.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .diagnostics import counted

DEFAULT_MERMAID = Path("/opt/schemagen-browser/node_modules/mermaid/dist/mermaid.min.js")
_HEAD = re.compile(r"^<!-- rendered by schemagen with (.+?) -->\n")

#: The page Chromium draws in. Only its own two scripts run (the policy admits the nonce, which
#: is new per page, and nothing else: no inline handler, no other file, no network), the diagrams
#: arrive as JSON with ``<`` escaped (a label cannot close the script), and Mermaid's strict mode
#: draws labels as text. What the page reports is read only for the names schemagen asked for.
_PAGE = """<!doctype html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-%(nonce)s'; \
style-src 'unsafe-inline'; img-src data:; font-src data:">
</head><body><pre id="result">pending</pre>
<script nonce="%(nonce)s" src="%(mermaid)s"></script>
<script nonce="%(nonce)s">
const diagrams = %(diagrams)s;
mermaid.initialize({startOnLoad: false, securityLevel: "strict", deterministicIds: true, handDrawnSeed: 1});
(async () => {
  const out = {};
  for (const [name, text] of Object.entries(diagrams)) {
    try {
      out[name] = {svg: (await mermaid.render("diagram", text)).svg};
    } catch (e) {
      out[name] = {error: String((e && e.message) || e)};
    }
  }
  document.getElementById("result").textContent = JSON.stringify(out);
})();
</script></body></html>"""


class PicturesUnavailable(RuntimeError):
    """No browser or no Mermaid here: one line saying what to install."""


def _browser() -> str:
    import shutil

    found = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)),
                 None)
    if found is None:
        raise PicturesUnavailable("--pictures needs Chromium (apt-get install chromium)")
    return found


def _mermaid() -> Path:
    path = Path(os.environ.get("SCHEMAGEN_MERMAID_JS", DEFAULT_MERMAID))
    if not path.is_file():
        raise PicturesUnavailable(f"--pictures needs Mermaid at {path} (npm install --prefix "
                                  f"/opt/schemagen-browser mermaid@11, or set SCHEMAGEN_MERMAID_JS)")
    return path


def renderer() -> str:
    """Which Mermaid in which Chromium: what a picture says it was drawn with."""
    import subprocess

    browser, mermaid = _browser(), _mermaid()
    version = subprocess.run([browser, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    package = mermaid.parents[1] / "package.json"
    try:
        mermaid_version = json.loads(package.read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        mermaid_version = "unknown"
    return f"Mermaid {mermaid_version} in {version}"


def drawn_with(svg: str | None) -> str | None:
    match = _HEAD.match(svg or "")
    return match.group(1) if match else None


def render(diagrams: dict[str, str], by: str) -> dict[str, str]:
    """Each diagram as an SVG file's text, headed by its renderer."""
    import subprocess
    import tempfile

    if not diagrams:
        return {}
    browser, mermaid = _browser(), _mermaid()
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "diagrams.html"
        page.write_text(page_html(diagrams, mermaid.as_uri()), "utf-8")
        profile = Path(scratch) / "profile"  # the browser's only writable place, deleted with the rest
        done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=120000",
                               f"--user-data-dir={profile}", "--no-first-run", "--disable-background-networking",
                               "--disable-component-update", "--disable-sync", "--disable-extensions",
                               "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=600)
    match = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    if match is None or match.group(1) == "pending":
        raise PicturesUnavailable(f"the browser did not finish drawing the diagrams: {done.stderr.strip()[-300:]}")
    results = json.loads(match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                         .replace("&amp;", "&"))
    return _pictures_asked_for(diagrams, results, by)


def page_html(diagrams: dict[str, str], mermaid_uri: str) -> str:
    """The page that draws ``diagrams``: JSON that no label can break out of."""
    import secrets

    data = json.dumps(diagrams)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        data = data.replace(char, escape)
    return _PAGE % {"nonce": secrets.token_hex(16), "mermaid": mermaid_uri, "diagrams": data}


def _pictures_asked_for(diagrams: dict[str, str], results: object, by: str) -> dict[str, str]:
    """The page's answer, trusted for nothing but an SVG text per diagram asked for: a file name
    it adds (``../x.pth``) is never written, a missing one is an error."""
    answers = results if isinstance(results, dict) else {}
    failed, drawn = {}, {}
    for name in diagrams:
        answer = answers.get(name)
        svg = answer.get("svg") if isinstance(answer, dict) else None
        if isinstance(svg, str) and svg.startswith("<svg"):
            drawn[name] = f"<!-- rendered by schemagen with {by} -->\n{svg}\n"
        else:
            failed[name] = str(answer.get("error", "no picture")) if isinstance(answer, dict) else "no picture"
    if failed:
        raise PicturesUnavailable("Mermaid cannot draw " + "; ".join(f"{n}: {e}" for n, e in sorted(failed.items())))
    return drawn


def with_pictures(files: dict[str, str], out: Path, enabled: bool, *, redraw: bool) -> tuple[dict[str, str], list[str]]:
    """The rendered files plus a picture per diagram (``er/x.mmd`` → ``er/x.svg``).

    Enabled, pictures are drawn here; for ``check`` (not ``redraw``) a picture on disk that another
    renderer drew is kept as it is and reported as not compared (its diagram's ``.mmd`` is still
    compared). Not enabled, the pictures an earlier ``--pictures`` run wrote are kept as they are
    (never deleted as stale), and reported as not checked."""
    from .outputs import previous_manifest

    listed = previous_manifest(out)[0] if out.is_dir() else []  # a file there is plan()'s error to report
    files, notes = _pictures(files, out, enabled, redraw, listed)
    return _listed(files), notes


def _listed(files: dict[str, str]) -> dict[str, str]:
    """The manifest names the pictures too: they are schemagen's, so generate may replace them."""
    from .render import MANIFEST

    listing = "".join(f"{path}\n" for path in sorted(set(files) - {MANIFEST}))  # as render lists them
    return dict(sorted((files | {MANIFEST: listing}).items()))


def _pictures(files: dict[str, str], out: Path, enabled: bool, redraw: bool,
              listed: list[str]) -> tuple[dict[str, str], list[str]]:
    wanted = {rel[:-4] + ".svg": text for rel, text in files.items() if rel.startswith("er/") and rel.endswith(".mmd")}
    notes: list[str] = []
    if not enabled:
        kept = {}
        for rel in listed:
            if rel.endswith(".svg") and rel in wanted and (out / rel).is_file():
                kept[rel] = (out / rel).read_text("utf-8")
        if kept:
            count = f"{counted(len(kept), 'picture')}"
            notes.append(f"{count} kept as drawn earlier (pass --pictures to draw them again)" if redraw
                         else f"{count} not checked (pass --pictures)")
        return files | kept, notes
    by = renderer()
    drawn = render(wanted, by)
    for rel in sorted(drawn):
        on_disk = (out / rel).read_text("utf-8") if (out / rel).is_file() else None
        other = drawn_with(on_disk)
        if other is not None and other != by and not redraw:
            drawn[rel] = on_disk
            notes.append(f"{out / rel}: drawn with {other}, this machine draws with {by}; not compared "
                         "(fonts differ between machines)")
    return files | drawn, notes
