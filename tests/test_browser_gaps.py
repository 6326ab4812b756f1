"""The coverage-gaps page in Debian's Chromium: the choropleth and the ranked list of the demo
city, a click on an area that opens what is missing there, at laptop and projector sizes.
"""

from __future__ import annotations

import pytest

from tests.browser import map_frame, offline_tab, screenshot
from tests.conftest import app_env
from tests.streamlit_server import running_app

pytestmark = pytest.mark.browser

SIZES = [(1366, 800), (1920, 1080)]


@pytest.fixture(scope="module")
def app_url(demo_db_url):
    with running_app(
        {**app_env(demo_db_url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "none"}
    ) as url:
        yield url


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_choropleth_and_the_ranked_gaps_of_the_demo_city_are_shown(app_url, width, height):
    with offline_tab(f"{app_url}/gaps", viewport={"width": width, "height": height}) as tab:
        inner = map_frame(tab)
        legend = inner.locator(".calmap-legend").inner_text()
        assert "Niezaspokojone potrzeby w obszarze" in legend
        assert "Odległości w linii prostej" in legend
        assert inner.locator("path.leaflet-interactive").count() >= 3
        tab.get_by_text("Niezaspokojone potrzeby, od najpilniejszych").wait_for(timeout=30_000)
        tab.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
        tab.wait_for_timeout(400)
        screenshot(tab, f"gaps-{width}x{height}.png")
        assert tab.blocked == []
        assert tab.page_errors == []


def test_clicking_an_area_on_the_map_shows_what_is_missing_there(app_url):
    with offline_tab(f"{app_url}/gaps", viewport={"width": 1366, "height": 800}) as tab:
        inner = map_frame(tab)
        inner.locator("path.leaflet-interactive").first.click(force=True)
        heading = tab.get_by_text("Czego brakuje:")
        heading.wait_for(timeout=60_000)
        assert tab.locator('[data-testid="stDataFrame"]').count() >= 2
        # The clicked area is drawn again with a thick outline.
        map_frame(tab, ready='path.leaflet-interactive[stroke-width="5"]')
        screenshot(tab, "gaps-area-1366x800.png")
        heading.scroll_into_view_if_needed()
        tab.wait_for_timeout(300)
        screenshot(tab, "gaps-area-detail-1366x800.png")
        assert tab.page_errors == []
