"""The field-sync script served as a static, digest-named file the browser keeps.

The drafts-and-outbox component (``field_sync.js``, ``field_point.js`` and
``field_layers.js`` beside this module, 58 kB) used to travel inline in the
component's element, so every run of the editor sent it again over the
websocket: on every visit and after every Save, about 1.2 s at 400 kbit/s
(issue 18 item 5). Now the element carries a loader of a few hundred bytes
that imports the script from the app's static folder under a name holding its
digest (``mapping/maps/static_files.py``, the same way as calmap-pins.js): a
new version is a new URL, so the browser may keep a file for as long as it
likes and never runs a stale one.
"""

from __future__ import annotations

import json
from pathlib import Path

from mapping.maps import static_files

_HERE = Path(__file__).resolve().parent
# The safety net, then the offline point and the offline forms of the other layers
# (they use G, say, button and drawPanel from the first): one module for the browser.
SOURCES = tuple(_HERE / name for name in ("field_sync.js", "field_point.js", "field_layers.js"))
FILE = static_files.DigestNamedFile(
    "field-sync", ".js", static_files.concatenated(*SOURCES), SOURCES
)


def loader(static_prefix: str) -> str:
    """The component's inline module: import the static script once, then run it.

    The component's own module is a blob: URL, against which a root-relative
    URL cannot be resolved, so the script's URL is made whole from the page's
    origin. The imported module is kept by the browser's module map, so its
    state (drafts being watched, the outbox) lives as long as the page.

    >>> "field-sync." in loader("/app/static")
    True
    """
    url = json.dumps(FILE.url(static_prefix))
    return (
        f"const url = new URL({url}, window.location.origin).href;\n"
        "export default async function (component) {\n"
        "  const module = await import(url);\n"
        "  return module.default(component);\n"
        "}\n"
    )
