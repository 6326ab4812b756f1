"""Many resources on the gaps map: clustered, and a marker inside a cluster still draws its walk.

Sixty public clubs on a grid of streets, with no tiles configured (a map
without tiles has no deepest zoom of its own, which Leaflet.markercluster
needs). So many are drawn once their area is picked (they would cover the
areas' clicks before); a click on a cluster zooms in, and a click on one club
draws its three walking areas, as in ``tests/test_browser_walking_gaps.py``.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from mapping.maps.walk_resources import CLUSTER_MIN
from tests.browser import map_frame, offline_tab, screenshot
from tests.conftest import TEMPLATE, _create_database, _drop_database, app_env
from tests.coverage_fixtures import add_resource, offset, save_grid
from tests.editing_fixtures import build_world
from tests.streamlit_server import running_app
from tests.test_coverage import ORIGIN, STEP

pytestmark = pytest.mark.browser
CLUBS = CLUSTER_MIN + 10
AREA_PICK = "Obszar (albo kliknij go na mapie)"


@pytest.fixture(scope="module")
def app_url(admin_url, template_url):
    name = f"calmap_walk_cluster_{os.getpid()}"
    url = _create_database(admin_url, name, template=TEMPLATE)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        save_grid(session, world.admin, ORIGIN, size=8, step=STEP)
        for k in range(CLUBS):
            add_resource(session, f"Klub {k + 1}", "senior_club",
                         offset(ORIGIN, 8 * (k % 10) * 7, 8 * (k // 10) * 7), world.area_a)
    engine.dispose()
    try:
        with running_app({**app_env(url), "CALMAP_TILES_URL": "none",
                          "CALMAP_AUTH": "none"}) as base:
            yield base
    finally:
        _drop_database(admin_url, name)


def test_many_resources_are_clustered_and_a_club_inside_a_cluster_draws_its_walk(app_url):
    with offline_tab(f"{app_url}/gaps", viewport={"width": 1366, "height": 800}) as tab:
        map_frame(tab)
        # Many resources: none cover the areas until one is picked.
        assert tab.get_by_text("Zasobów jest wiele").count() == 1
        box = tab.get_by_role("combobox", name=AREA_PICK, exact=True)
        box.click()
        tab.keyboard.type("Brze")  # typing opens the list even if the click came too early
        tab.get_by_role("option", name="Brzeźno", exact=True).click()
        inner = map_frame(tab, ready=".calmap-walk-cluster")
        # Fewer bubbles than clubs: they are grouped.
        assert inner.locator(".leaflet-marker-icon").count() < CLUBS
        single = inner.locator(".leaflet-marker-icon.calmap-walk-resource")
        for _ in range(8):
            if single.count():
                break
            # Dispatched on the bubble itself: one may lie under the legend.
            inner.locator(".calmap-walk-cluster").first.dispatch_event("click")
            inner.page.wait_for_timeout(800)
        assert single.count(), "a cluster opened into single clubs"
        name = single.first.get_attribute("title")
        single.first.dispatch_event("click")
        tab.get_by_role("button", name="Ukryj zasięg pieszy").wait_for(timeout=60_000)
        inner = map_frame(tab, ready="path.calmap-walk")
        for minutes in (5, 10, 15):
            assert inner.locator(f"path.calmap-walk-{minutes}").count() == 1
        assert f"Dojście pieszo: {name}" in inner.locator(".calmap-legend").inner_text()
        tab.wait_for_timeout(400)
        screenshot(tab, "gaps-walking-cluster-1366x800.png")
        assert tab.blocked == [] and tab.page_errors == []
