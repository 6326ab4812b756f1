"""A person's first look at the app, in Debian's Chromium, with the internet cut off."""

from __future__ import annotations

import pytest

from mapping.maps import assets
from tests.browser import ARTIFACTS, map_frame, offline_tab
from tests.conftest import app_env
from tests.streamlit_server import running_app

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def app_url(demo_db_url):
    with running_app(
        {**app_env(demo_db_url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "none"}
    ) as url:
        yield url


@pytest.fixture()
def page(app_url):
    with offline_tab(app_url, viewport={"width": 1400, "height": 1000}) as tab:
        yield tab


def test_the_overview_map_shows_areas_pins_and_legend_without_the_internet(page):
    page.get_by_role("heading", name="Mapa zasobów i potrzeb: Gdańsk").wait_for(timeout=60_000)
    inner = map_frame(page)
    assert inner.locator("path.leaflet-interactive").count() >= 30  # Gdańsk's 35 districts
    assert inner.locator(".calmap-pin-resource").count() > 0
    # The pins are drawn by calmap-pins.js linked under its digest name (static_files).
    sources = inner.evaluate("Array.from(document.scripts, s => s.src)")
    assert any(src.endswith(f"/app/static/vendor/calmap/{assets.PIN_SCRIPT.name}")
               for src in sources), sources
    legend = inner.locator(".calmap-legend")
    assert legend.is_visible()
    assert "Legenda" in legend.inner_text()
    assert "Biblioteka" in legend.inner_text()
    assert inner.evaluate("typeof L !== 'undefined' && L.version") == "1.9.3"
    page.wait_for_timeout(500)  # let the last pins settle before the picture
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    assert page.blocked == []
    assert page.page_errors == []


def test_switching_to_english_relabels_the_page_and_the_map(page):
    page.get_by_role("heading", name="Mapa zasobów i potrzeb: Gdańsk").wait_for(timeout=60_000)
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Resource and needs map: Gdańsk").wait_for(timeout=30_000)
    inner = map_frame(page)
    inner.get_by_text("Legend", exact=True).wait_for(timeout=30_000)
    assert "Library" in inner.locator(".calmap-legend").inner_text()
    assert page.get_by_text("City", exact=True).is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview-en.png"), full_page=True)
    assert page.blocked == []


def test_clicking_a_pin_opens_its_popup(page):
    inner = map_frame(page)
    # Pins crowd in the city centre, so a pointer click may land on a neighbour;
    # the click event goes to this pin directly.
    inner.locator(".calmap-pin-resource").first.dispatch_event("click")
    popup = inner.locator(".leaflet-popup-content .calmap-popup")
    popup.wait_for(timeout=10_000)
    assert popup.locator("h4").inner_text().strip() != ""
