"""The street network page in Debian's Chromium: an admin uploads a small line file and sees
its counts; a file without lines gets the message and the saved network stays as it was.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.browser import offline_tab, screenshot
from tests.conftest import app_env
from tests.editing_fixtures import build_world
from tests.streamlit_server import running_app
from tests.test_streets_page import cross, stored

pytestmark = pytest.mark.browser

POINTS_ONLY = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {},
     "geometry": {"type": "Point", "coordinates": [18.64, 54.41]}}]}).encode()


@pytest.fixture()
def world_url(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
    engine.dispose()
    return fresh_db_url, world


def upload(tab, name: str, content: bytes) -> None:
    tab.locator('input[type="file"]').first.set_input_files(
        {"name": name, "mimeType": "application/geo+json", "buffer": content})
    button = tab.get_by_role("button", name="Wczytaj sieć ulic")
    button.wait_for(timeout=60_000)
    button.click()


def test_an_admin_uploads_a_line_file_sees_its_counts_and_a_bad_file_changes_nothing(world_url):
    url, world = world_url
    env = {**app_env(url), "CALMAP_TILES_URL": "none", "CALMAP_AUTH": "none"}
    with running_app(env) as app_url, offline_tab(
        f"{app_url}/streets", viewport={"width": 1366, "height": 800}
    ) as tab:
        tab.get_by_text("Nie wczytano żadnej sieci ulic").wait_for(timeout=60_000)
        upload(tab, "ulice.geojson", cross(*world.point_a))
        saved = tab.get_by_test_id("stAlertContentSuccess")
        saved.wait_for(timeout=60_000)
        assert "4 odcinków, 5 węzłów" in saved.inner_text()
        table = tab.get_by_test_id("stDataFrame").first
        table.wait_for(timeout=30_000)
        assert stored(url) == (1, 4)
        tab.wait_for_timeout(400)
        screenshot(tab, "streets-1366x800.png")

        upload(tab, "punkty.geojson", POINTS_ONLY)
        refused = tab.get_by_test_id("stAlertContentError")
        refused.wait_for(timeout=60_000)
        assert "nie zawiera żadnej linii" in refused.inner_text()
        assert stored(url) == (1, 4)
        screenshot(tab, "streets-bad-file-1366x800.png")
        assert tab.blocked == []
        assert tab.page_errors == []
