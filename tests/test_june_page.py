"""The June map pack page under AppTest: choose a snapshot, render, preview, download."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from mapping.db.models import Team
from mapping.services import pins, snapshots
from tests.editing_fixtures import build_world
from tests.test_pages import APP, _apptest_remembers_st_navigation  # noqa: F401
from tests.test_team_area_export_pages import sign_in, start_env, texts

PAGE = "app_pages/june.py"


def world_with_snapshot(url: str, snapshot: bool = True):
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        session.execute(update(Team).values(city="Gdańsk"))
        pins.create_pin(session, world.admin, "resource", world.area_a,
                        {"name": "Biblioteka <Brzeźno>", "category": "library",
                         "visibility": "public"}, world.point_a)
        pins.create_pin(session, world.admin, "resource", world.area_a,
                        {"name": "Tajny punkt zespołu", "category": "library",
                         "visibility": "team"}, world.point_a)
    if snapshot:
        with Session(engine) as session, session.begin():
            snapshots.create_snapshot(session, world.admin, "Czerwiec 2026",
                                      dt.datetime.now(dt.UTC))
    engine.dispose()
    return world


def test_without_a_snapshot_the_page_says_how_to_make_one(monkeypatch, fresh_db_url):
    world_with_snapshot(fresh_db_url, snapshot=False)
    start_env(monkeypatch, fresh_db_url, "none")
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "Nie ma jeszcze żadnej migawki" in texts(at)
    assert not at.button


def test_a_viewer_prepares_the_pack_and_downloads_a_zip_without_team_only_pins(
    monkeypatch, fresh_db_url
):
    world_with_snapshot(fresh_db_url)
    at = sign_in(monkeypatch, fresh_db_url, "wiktor")
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.selectbox(key="calmap.june.snapshot").value == "Czerwiec 2026"
    at.multiselect(key="calmap.june.formats").set_value(["pdf", "html"]).run()
    at.button(key="calmap.june.prepare").click().run(timeout=300)
    assert not at.exception
    assert not at.error
    assert len(at.get("download_button")) == 1
    assert len(at.get("image")) == 1  # the preview of the poster
    # The zip the button offers: posters and offline maps, never the team-only pin.
    state = at.session_state["calmap.june.result"]
    with zipfile.ZipFile(io.BytesIO(state["zip"])) as archive:
        names = archive.namelist()
        html = "".join(archive.read(n).decode("utf-8") for n in names if n.endswith(".html"))
    assert any(n.endswith(".pdf") for n in names)
    assert not any(n.endswith(".pptx") for n in names)
    # The pin's name travels as typed in the map's payload; the page escapes it as it shows it.
    assert '"Biblioteka <Brzeźno>"' in html
    assert "Tajny punkt" not in html
