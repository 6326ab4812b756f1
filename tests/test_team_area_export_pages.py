"""The teams and partnerships, areas and export pages under AppTest, on the demo city."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from mapping.db.models import Partnership, Team
from mapping.services import layers
from mapping.ui import state
from tests.conftest import point_app_at
from tests.editing_fixtures import PASSWORD, build_world
from tests.test_pages import APP, _apptest_remembers_st_navigation  # noqa: F401

PAGES = ["app_pages/teams.py", "app_pages/areas.py", "app_pages/export.py"]


@pytest.fixture()
def demo_app(monkeypatch, demo_db_url):
    start_env(monkeypatch, demo_db_url, "none")
    return AppTest.from_file(APP, default_timeout=120).run()


def start_env(monkeypatch, url, auth):
    for name in ("CALMAP_LANGUAGE", "CALMAP_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    point_app_at(monkeypatch, url)
    monkeypatch.setenv("CALMAP_TILES_URL", "none")
    monkeypatch.setenv("CALMAP_AUTH", auth)


def sign_in(monkeypatch, url, username):
    start_env(monkeypatch, url, "password")
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.text_input(key="calmap.login.username").input(username)
    at.text_input(key="calmap.login.password").input(PASSWORD)
    return at.button[0].click().run()


def texts(at) -> str:
    parts = [e.value for e in (*at.title, *at.subheader, *at.caption, *at.info, *at.success,
                               *at.warning, *at.markdown, *at.text)]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_each_page_opens_without_an_exception(demo_app, page):
    demo_app.switch_page(page).run()
    assert not demo_app.exception
    assert not demo_app.error


def test_the_partnerships_of_wroclaw_are_listed_and_one_is_shown_with_its_members(
    demo_app, demo_db_url
):
    demo_app.sidebar.selectbox(key=state.CITY).select("Wrocław").run()
    demo_app.switch_page("app_pages/teams.py").run()
    assert not demo_app.exception
    listing = demo_app.dataframe[0].value
    assert "Partnerstwo Polanka" in set(listing["Nazwa"])
    assert "2010-04-26" in set(listing["Data zawiązania"])
    with Session(create_engine(demo_db_url)) as session:
        nadodrze = session.scalar(
            select(Partnership.id).where(Partnership.name.like("%Nadodrza%"))
        )
    demo_app.selectbox(key="calmap.teams.partnership").set_value(nadodrze).run()
    assert not demo_app.exception
    assert demo_app.subheader[0].value == "Partnerstwo „Razem dla Nadodrza”"
    members = demo_app.dataframe[1].value
    assert "koordynator" in set(members["Rola"])
    assert len(members) == 7


def test_the_export_page_prepares_a_geopackage_to_download(demo_app):
    demo_app.switch_page("app_pages/export.py").run()
    demo_app.button(key="calmap.export.prepare").click().run()
    assert not demo_app.exception
    assert not demo_app.error
    assert "Gotowe: obszary" in demo_app.success[0].value


def test_the_area_page_asks_for_an_area_then_offers_drawing_and_streets(demo_app, demo_db_url):
    demo_app.switch_page("app_pages/areas.py").run()
    assert "Wybierz w panelu bocznym obszar" in texts(demo_app)
    with Session(create_engine(demo_db_url)) as session:
        estate = next(a for a in layers.area_choices(session, "Wrocław") if a.kind == "estate")
    demo_app.sidebar.selectbox(key=state.CITY).select("Wrocław").run()
    demo_app.sidebar.selectbox(key=state.AREA_ID).set_value(estate.id).run()
    assert not demo_app.exception
    assert demo_app.title[0].value == f"Granice obszaru: {estate.name}"
    assert demo_app.button(key="calmap.areas.save_drawing").disabled
    assert demo_app.text_area[0].label == "albo wklej GeoJSON"


def test_streets_saved_on_the_area_page_are_read_back(monkeypatch, fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        session.execute(update(Team).values(city="Gdańsk"))
    at = sign_in(monkeypatch, fresh_db_url, "ewa")
    at.sidebar.selectbox(key=state.AREA_ID).set_value(world.area_a).run()
    at.switch_page("app_pages/areas.py").run()
    assert not at.exception
    form_area = next(a for a in at.text_area if a.label == "Ulice")
    form_area.input("Brzeźno – ul. Zamknięta i Spacerowa")
    next(b for b in at.button if b.label == "Zapisz listę ulic").click().run()
    assert not at.exception
    assert "Zapisano listę ulic." in texts(at)
    assert "Zamknięta, Spacerowa" in texts(at)
    engine.dispose()


def test_a_viewer_gets_the_partnerships_and_the_export_but_not_the_area_page(
    monkeypatch, fresh_db_url
):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        build_world(session)
    engine.dispose()
    at = sign_in(monkeypatch, fresh_db_url, "wiktor")
    at.switch_page("app_pages/export.py").run()
    assert not at.exception
    assert "Wpisy tylko dla zespołu" in texts(at)
    at.switch_page("app_pages/teams.py").run()
    assert not at.exception
    # A viewer is never offered the area page.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/areas.py")
