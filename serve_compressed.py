"""The web app served light for poor mobile data: compressed, and its hashed files cached.

``streamlit run serve_compressed.py`` serves ``streamlit_app.py`` unchanged, with two
additions measured by ``bench/bench_field_network.py`` (issue 18 item 5):

- every HTTP response gzip-compressed. Streamlit 1.67 deliberately sends its
  frontend bundles (``/static/``, 3.3 MB on an editor's first visit) uncompressed,
  expecting a compressing proxy in front; a municipal centre's single server
  usually has none, and at 400 kbit/s those bytes are most of a first visit's
  minute. Compressed they are 1.3 MB. The bundles are immutable and cached by the
  browser for a year, so the CPU spent compressing is paid once per device;
- a component's content-hashed bundles (st_folium's ``main.<hash>.js``) cached for a
  year: Streamlit sends them with a bare ``Cache-Control: public`` and no validator,
  so a browser fetched the map's 55 kB script again on every visit;
- the app's own digest-named static files cached for a year too: the field-sync
  script, calmap-pins.js (``/app/static/vendor/calmap/calmap-pins.<hash>.js``) and
  the maps' constant styles and scripts (``mapping/maps/static_files.py``).
  Streamlit sends its static folder with no Cache-Control, so a return visit asked
  again for each (a round trip of 0.4 s or more on poor data).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit.starlette import App

# /component/<name>/static/<js|css|media>/<file>.<8+ hex digits>.<ext>: the hash in
# the name changes with the content, so a year-long cache can never serve a stale file.
HASHED_COMPONENT_FILE = re.compile(r"^/component/[^/]+/static/(js|css|media)/[^/]+\.[0-9a-f]{8,}\.")
# The app's own files in its static folder, a digest in the name (static_files.FOLDER).
HASHED_STATIC_FILE = re.compile(
    r"^(/[^/]+)*/app/static/vendor/calmap/[^/]+\.[0-9a-f]{12}\.(js|css)$"
)
YEAR = b"public, max-age=31536000, immutable"


def cacheable(path: str) -> bool:
    """Whether a request names content that never changes under its URL.

    >>> cacheable("/component/x/static/js/main.521860b0.js")
    True
    >>> cacheable("/app/static/vendor/calmap/calmap-pins.0123456789ab.js")
    True
    >>> cacheable("/app/static/vendor/calmap/calmap-pins.js")
    False
    >>> cacheable("/app/static/vendor/leaflet/leaflet.js"), cacheable("/editor")
    (False, False)
    """
    return bool(HASHED_COMPONENT_FILE.match(path) or HASHED_STATIC_FILE.match(path))


class CacheHashedComponentFiles:
    """ASGI middleware: a year-long Cache-Control on content-hashed files."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; mark the response cacheable when its path is hashed."""
        if scope["type"] != "http" or not cacheable(scope.get("path", "")):
            await self.app(scope, receive, send)
            return

        async def send_cacheable(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 200:
                headers: list[Any] = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"
                ]
                message = {**message, "headers": [*headers, (b"cache-control", YEAR)]}
            await send(message)

        await self.app(scope, receive, send_cacheable)


# Level 6: within a few per cent of 9's size at a fraction of its CPU; below 1 kB
# the headers outweigh the saving. Responses already compressed pass through.
app = App(
    "streamlit_app.py",
    middleware=[
        Middleware(CacheHashedComponentFiles),
        Middleware(GZipMiddleware, minimum_size=1000, compresslevel=6),
    ],
)
