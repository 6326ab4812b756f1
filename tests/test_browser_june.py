"""An organiser prepares the June pack for one estate in Debian's Chromium, offline."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from mapping.db.models import Team
from mapping.services import pins, snapshots
from tests.browser import ARTIFACTS, offline_tab, screenshot
from tests.conftest import app_env
from tests.editing_fixtures import build_world
from tests.streamlit_server import running_app

pytestmark = pytest.mark.browser


def test_the_june_page_renders_a_pack_with_a_preview_and_a_zip(fresh_db_url, tmp_path):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        session.execute(update(Team).values(city="Gdańsk"))
        pins.create_pin(session, world.admin, "resource", world.area_a,
                        {"name": "Klub Seniora „Złota Jesień”", "category": "library",
                         "visibility": "public"}, world.point_a)
    with Session(engine) as session, session.begin():
        snapshots.create_snapshot(session, world.admin, "Czerwiec 2026",
                                  dt.datetime.now(dt.UTC))
    engine.dispose()
    with running_app({**app_env(fresh_db_url), "CALMAP_TILES_URL": "none",
                      "CALMAP_AUTH": "none"}) as url, offline_tab(
            url, viewport={"width": 1400, "height": 1000}, accept_downloads=True) as tab:
        tab.get_by_role("link", name="Pakiet czerwcowy").click(timeout=60_000)
        tab.get_by_role("heading", name="Pakiet map na czerwcową prezentację").wait_for(
            timeout=60_000)
        tab.get_by_role("button", name="Przygotuj pakiet").click()
        download = tab.get_by_role("button", name="Pobierz")
        download.wait_for(timeout=240_000)
        tab.get_by_role("img").first.wait_for(timeout=30_000)
        screenshot(tab, "june.png")
        with tab.expect_download() as caught:
            download.click()
        saved = tmp_path / "pakiet.zip"
        caught.value.save_as(saved)
        errors, blocked = tab.page_errors, tab.blocked
    assert errors == [] and blocked == []
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
    assert "przeglad-miasta.pdf" in names and "index.html" in names
    assert any(n.startswith("obszar-") and n.endswith(".pptx") for n in names)
    assert (ARTIFACTS / "june.png").exists()
