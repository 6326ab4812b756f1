"""The web app with every HTTP response gzip-compressed, Streamlit's own bundles included.

``streamlit run serve_compressed.py`` serves ``streamlit_app.py`` unchanged. Streamlit
1.67 deliberately sends its frontend bundles (``/static/``, 3.3 MB on an editor's first
visit) uncompressed, expecting a compressing proxy in front; a municipal centre's
single server usually has none, and on a tablet's poor mobile data (400 kbit/s) those
bytes are most of a first visit's minute. Compressed here they are 1.3 MB: measured by
``bench/bench_field_network.py`` (issue 18 item 5). The bundles are immutable and
cached by the browser for a year, so the CPU spent compressing is paid once per device.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from streamlit.starlette import App

# Level 6: within a few per cent of 9's size at a fraction of its CPU; below 1 kB
# the headers outweigh the saving. Responses already compressed pass through.
app = App(
    "streamlit_app.py",
    middleware=[Middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)],
)
