"""The field-sync script reaches the browser once, as a cacheable file named by its digest.

The drafts-and-outbox component's script (58 kB) used to travel inside the
component's element, so every run of the editor (every visit, every Save) sent it
again over the websocket; on a tablet's poor mobile data that was more than a
second each time (issue 18 item 5). Now the element carries a small loader and the
script is a static file whose name holds its digest: the page data of a return
visit names the component but carries none of its script, and with the light entry
(serve_compressed.py) the file is kept by the browser for a year and not asked for
again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlparse

import pytest

from mapping.ui import field_script
from tests import browser
from tests.editing_fixtures import open_editor_world
from tests.streamlit_server import running_app

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 820, "height": 1180}, "has_touch": True, "is_mobile": True}
SCRIPT_PATH = re.compile(r"/app/static/vendor/calmap/field-sync\.[0-9a-f]{12}\.js$")
# Words of field_sync.js itself: found in the page data only if the script travels in it.
SCRIPT_WORDS = b"function showSaving"


@contextmanager
def cached_context() -> Iterator[Any]:
    """A tablet browser context with its HTTP cache on (a routed context has none)."""
    sync_api = browser._need_chromium()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS)
        try:
            yield chromium.new_context(**TABLET)
        finally:
            chromium.close()


def visit(context: Any, url: str) -> dict[str, Any]:
    """Open the editor in a new tab until its form and the field-sync root are there.

    Returns the tab, the script's responses, whether each came from the browser's
    cache, and every websocket frame the page received.
    """
    tab = context.new_page()
    cdp = context.new_cdp_session(tab)
    cdp.send("Network.enable")
    seen: dict[str, Any] = {"tab": tab, "scripts": [], "cached": [], "frames": [], "errors": []}
    cdp.on("Network.responseReceived", lambda e: seen["cached"].append(
        bool(e["response"].get("fromDiskCache") or e["response"].get("fromMemoryCache")))
        if SCRIPT_PATH.search(urlparse(e["response"]["url"]).path) else None)
    tab.on("response", lambda r: seen["scripts"].append(r)
           if SCRIPT_PATH.search(urlparse(r.url).path) else None)
    tab.on("websocket", lambda ws: ws.on("framereceived", lambda payload: seen["frames"].append(
        payload if isinstance(payload, bytes) else payload.encode())))
    tab.on("pageerror", lambda error: seen["errors"].append(str(error)))
    tab.goto(url, wait_until="domcontentloaded")
    tab.get_by_role("button", name="Zapisz nowy wpis").wait_for(timeout=60_000)
    # The script ran: its style sheet is in the page.
    tab.wait_for_function("document.getElementById('calmap-field-style') !== null",
                          timeout=30_000)
    return seen


def test_the_sync_script_is_a_static_file_named_by_its_digest_and_not_in_the_page_data(
    fresh_db_url,
):
    env, world = open_editor_world(fresh_db_url)
    with running_app(env) as url, cached_context() as context:
        page = f"{url}/editor?city={quote('Gdańsk')}&area={world.area_a}"
        first = visit(context, page)
        assert [urlparse(r.url).path.rsplit("/", 1)[-1] for r in first["scripts"]] == [
            field_script.FILE.name]
        response = first["scripts"][0]
        assert response.status == 200
        assert "javascript" in response.headers.get("content-type", "")
        assert response.text() == field_script.FILE.text
        first["tab"].close()

        again = visit(context, page)
        frames = again["frames"]
        assert any(b"calmap_field_sync" in frame for frame in frames)
        assert not any(SCRIPT_WORDS in frame for frame in frames)
        assert sum(len(frame) for frame in frames) < 150_000
        assert again["errors"] == []


def test_the_light_entry_lets_the_browser_keep_the_sync_script_for_a_year(fresh_db_url):
    env, world = open_editor_world(fresh_db_url)
    with running_app(env, script="serve_compressed.py") as url, cached_context() as context:
        page = f"{url}/editor?city={quote('Gdańsk')}&area={world.area_a}"
        first = visit(context, page)
        assert first["scripts"], "the script was not fetched"
        headers = first["scripts"][0].headers
        assert "max-age=31536000" in headers.get("cache-control", "")
        assert "immutable" in headers.get("cache-control", "")
        assert headers.get("content-encoding") == "gzip"
        first["tab"].close()

        again = visit(context, page)
        # Either not asked for at all (the module map of a new tab is empty, so it is
        # asked) or answered by the cache: never a round trip to the server.
        assert again["cached"] and all(again["cached"])
        assert again["errors"] == []
