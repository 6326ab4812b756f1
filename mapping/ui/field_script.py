"""The field-sync script served as a static, digest-named file the browser keeps.

The drafts-and-outbox component (``field_sync.js``, ``field_point.js`` and
``field_layers.js`` beside this module, 58 kB) used to travel inline in the
component's element, so every run of the editor sent it again over the
websocket: on every visit and after every Save, about 1.2 s at 400 kbit/s
(issue 18 item 5). Now the element carries a loader of a few hundred bytes
that imports the script from the app's static folder under a name holding its
digest: a new version is a new URL, so the browser may keep a file for as long
as it likes and never runs a stale one.

``serve_compressed.py`` marks these files cacheable for a year. Under a plain
``streamlit run`` (which sends no Cache-Control for static files) the file's
modification time is that of its newest source, so the browser's own heuristic
(a tenth of the file's age) keeps it fresh for days on a server that was not
upgraded yesterday.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path

# The safety net, then the offline point and the offline forms of the other layers
# (they use G, say, button and drawPanel from the first): one module for the browser.
SOURCES = ("field_sync.js", "field_point.js", "field_layers.js")
# Inside the app's static folder (served at ``/app/static``), beside calmap-pins.js.
FOLDER = "vendor/calmap"
PREFIX = "field-sync."


def _paths() -> list[Path]:
    here = Path(__file__).resolve().parent
    return [here / name for name in SOURCES]


@functools.cache
def script() -> str:
    """The browser's module: the three sources, one after the other."""
    return "\n".join(path.read_text(encoding="utf-8") for path in _paths())


@functools.cache
def file_name() -> str:
    """The script's file name in the static folder: ``field-sync.<12 hex digits>.js``.

    >>> len(file_name()) == len("field-sync.") + 12 + len(".js")
    True
    """
    digest = hashlib.sha256(script().encode("utf-8")).hexdigest()[:12]
    return f"{PREFIX}{digest}.js"


def install(static_dir: Path) -> Path:
    """Write the script under its digest name into ``static_dir`` (once; other versions stay).

    Older versions are left in place: a browser still running yesterday's page
    may import them until it reloads.
    """
    target = Path(static_dir) / FOLDER / file_name()
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed: another process starting at the same time
        # never serves half a file.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".field-sync-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(script())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    newest = max(path.stat().st_mtime for path in _paths())
    os.utime(target, (newest, newest))
    return target


def loader(static_prefix: str) -> str:
    """The component's inline module: import the static script once, then run it.

    The component's own module is a blob: URL, against which a root-relative
    URL cannot be resolved, so the script's URL is made whole from the page's
    origin. The imported module is kept by the browser's module map, so its
    state (drafts being watched, the outbox) lives as long as the page.

    >>> "field-sync." in loader("/app/static")
    True
    """
    url = json.dumps(f"{static_prefix}/{FOLDER}/{file_name()}")
    return (
        f"const url = new URL({url}, window.location.origin).href;\n"
        "export default async function (component) {\n"
        "  const module = await import(url);\n"
        "  return module.default(component);\n"
        "}\n"
    )
