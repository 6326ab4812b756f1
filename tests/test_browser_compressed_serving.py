"""serve_compressed.py: the same app, its bundles gzip-compressed and its hashed files cached.

On a tablet's poor mobile data, Streamlit's uncompressed frontend bundles are most of
an editor's first visit (bench/bench_field_network.py, issue 18 item 5). The entry
point must serve the app unchanged: the editor opens with its map and form, nothing
fails in the page, the bundles arrive compressed and cacheable for a year, and so
does the map component's content-hashed script and calmap-pins.js under its digest
name.
"""

from __future__ import annotations

from urllib.parse import quote, urlparse

import pytest

from mapping.maps import assets, elements, field
from tests import browser
from tests.browser import offline_tab
from tests.editing_fixtures import open_editor_world
from tests.streamlit_server import running_app

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 820, "height": 1180}, "has_touch": True, "is_mobile": True}


def test_the_light_entry_serves_the_editor_bundles_gzipped_and_hashed_files_cached(
    fresh_db_url,
):
    env, world = open_editor_world(fresh_db_url)
    with running_app(env, script="serve_compressed.py") as url, offline_tab(**TABLET) as tab:
        bundles, components, pin_scripts = [], [], []
        tab.on("response", lambda r: pin_scripts.append(r) if urlparse(r.url).path.startswith(
            "/app/static/vendor/calmap/") else None)
        tab.on("response", lambda r: components.append(r) if urlparse(r.url).path.startswith(
            "/component/streamlit_folium.st_folium/static/js/main.") else None)
        # Streamlit's own scripts and styles (fonts are woff2, compressed already; a
        # component's files are served by another route, with other headers).
        tab.on("response", lambda r: bundles.append(r) if urlparse(r.url).path.startswith(
            ("/static/js/", "/static/css/")) else None)
        tab.goto(f"{url}/editor?city={quote('Gdańsk')}&area={world.area_a}",
                 wait_until="domcontentloaded")
        browser.map_frame(tab, ".calmap-legend summary")
        tab.get_by_role("button", name="Zapisz nowy wpis").wait_for(timeout=30_000)

        assert bundles
        compressed = 0
        for response in bundles:
            headers = response.headers
            assert "max-age=31536000" in headers.get("cache-control", ""), response.url
            if headers.get("content-encoding") == "gzip":
                compressed += 1
            else:  # only what is too small to be worth it goes as it is
                assert int(headers.get("content-length", "0")) < 1000, response.url
        assert compressed >= 10
        # The map component's hashed bundle is kept by the browser, not fetched every visit.
        assert components
        for response in components:
            assert "max-age=31536000" in response.headers.get("cache-control", ""), response.url
        # So are calmap-pins.js and the map's constant styles and scripts, named by their
        # digest (static_files), and the map's pin layer runs calmap-pins.js.
        names = {urlparse(r.url).path.rsplit("/", 1)[1] for r in pin_scripts}
        assert {assets.PIN_SCRIPT.name, elements.MAP_STYLE.name, field.LOCATE_SCRIPT.name,
                field.TOUCH_STYLE.name, field.TOUCH_SCRIPT.name} <= names, names
        for response in pin_scripts:
            assert response.status == 200, response.url
            assert "max-age=31536000" in response.headers.get("cache-control", ""), response.url
        frame = browser.map_frame(tab, ".calmap-legend summary")
        assert frame.evaluate("typeof CalmapPins.content") == "function"
        assert tab.blocked == []
        assert tab.page_errors == []
