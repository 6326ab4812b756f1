"""Every page under Streamlit's AppTest, against the demo data in a real PostGIS."""

from __future__ import annotations

import pytest
import streamlit.testing.v1.app_test as app_test_module
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from mapping.maps import overview as maps_overview
from mapping.services import layers
from mapping.ui import live_map, state
from mapping.ui.safe_text import md
from tests.conftest import point_app_at
from tests.streamlit_server import PROJECT_ROOT

APP = str(PROJECT_ROOT / "streamlit_app.py")
PAGES = ["app_pages/overview.py"]


class _NavigationPagesManager(PagesManager):
    """PagesManager that knows the app routes with st.navigation, not the pages/ folder."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def _apptest_remembers_st_navigation(monkeypatch):
    # AppTest 1.67 forgets between runs that st.navigation has replaced the
    # pages/ folder (it resets PagesManager.uses_pages_directory before each
    # run), so every run after the first executed pages/overview.py alone,
    # without streamlit_app.py and its sidebar. The real server remembers.
    monkeypatch.setattr(app_test_module, "PagesManager", _NavigationPagesManager)


def single_user_app(monkeypatch, url):
    """The app in single-user mode on ``url``, not yet run."""
    for name in ("CALMAP_LANGUAGE", "CALMAP_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    point_app_at(monkeypatch, url)
    monkeypatch.setenv("CALMAP_TILES_URL", "none")
    monkeypatch.setenv("CALMAP_AUTH", "none")
    return AppTest.from_file(APP, default_timeout=120)


@pytest.fixture()
def demo_app(monkeypatch, demo_db_url):
    return single_user_app(monkeypatch, demo_db_url).run()


def texts(at) -> str:
    parts = [e.value for e in (*at.title, *at.header, *at.subheader, *at.caption, *at.info)]
    return "\n".join(str(p) for p in parts)


def test_the_app_opens_on_the_overview_in_polish(demo_app):
    assert not demo_app.exception
    assert not demo_app.error
    assert demo_app.sidebar.title[0].value == "Mapa zasobów i potrzeb"
    assert demo_app.main.title[0].value == "Mapa zasobów i potrzeb: Gdańsk"
    assert "Podkład mapowy jest wyłączony" in texts(demo_app)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_an_exception(demo_app, page):
    demo_app.switch_page(page).run()
    assert not demo_app.exception
    assert not demo_app.error


def test_switching_to_english_changes_the_text(demo_app):
    demo_app.sidebar.radio(key=state.LANGUAGE).set_value("en").run()
    assert not demo_app.exception
    assert demo_app.sidebar.title[0].value == "Resource and needs map"
    assert demo_app.main.title[0].value == "Resource and needs map: Gdańsk"
    assert "The basemap is switched off" in texts(demo_app)
    assert demo_app.sidebar.selectbox(key=state.CITY).label == "City"


def test_the_cities_of_the_demo_are_offered_and_gdansk_comes_first(demo_app):
    city = demo_app.sidebar.selectbox(key=state.CITY)
    assert list(city.options) == ["Gdańsk", "Wrocław"]
    assert city.value == "Gdańsk"


def test_choosing_a_team_and_an_area_names_them_in_the_heading(demo_app, demo_db_url):
    with Session(create_engine(demo_db_url)) as session:
        team = layers.teams(session, "Wrocław")[0]
        estate = next(a for a in layers.area_choices(session, "Wrocław", team.id)
                      if a.kind == "estate")
    demo_app.sidebar.selectbox(key=state.CITY).select("Wrocław").run()
    # Selectboxes whose options are ids are set by value (the id), not by label.
    demo_app.sidebar.selectbox(key=state.TEAM_ID).set_value(team.id).run()
    assert not demo_app.exception
    assert demo_app.main.title[0].value == f"Mapa zasobów i potrzeb: {team.name}"
    demo_app.sidebar.selectbox(key=state.AREA_ID).set_value(estate.id).run()
    assert not demo_app.exception
    assert demo_app.main.title[0].value == f"Mapa zasobów i potrzeb: {estate.name}"
    assert demo_app.session_state[state.AREA_ID] == estate.id


def test_changing_the_city_forgets_the_team_and_area(demo_app, demo_db_url):
    with Session(create_engine(demo_db_url)) as session:
        team = layers.teams(session, "Gdańsk")[0]
    demo_app.sidebar.selectbox(key=state.TEAM_ID).set_value(team.id).run()
    assert demo_app.session_state[state.TEAM_ID] == team.id
    demo_app.sidebar.selectbox(key=state.CITY).select("Wrocław").run()
    assert demo_app.sidebar.selectbox(key=state.TEAM_ID).value == state.ALL
    assert demo_app.sidebar.selectbox(key=state.AREA_ID).value == state.ALL


def test_the_counts_table_lists_the_three_layers(demo_app):
    frame = demo_app.dataframe[0].value
    assert list(frame["Warstwa"]) == ["Zasoby", "Partnerzy", "Potrzeby"]
    assert frame["Razem"].sum() > 0


def test_a_rerun_of_the_overview_builds_no_map_and_another_language_builds_one(
    demo_app, monkeypatch
):
    # The page imports overview_map at each run: count the builds from here on.
    built = []
    real = maps_overview.overview_map
    monkeypatch.setattr(maps_overview, "overview_map",
                        lambda *a, **k: built.append(1) or real(*a, **k))
    live_map._KEPT.clear()
    demo_app.run()
    demo_app.run()
    assert not demo_app.exception
    assert built == [1]  # the read and the map built from it are kept
    demo_app.sidebar.radio(key=state.LANGUAGE).set_value("en").run()
    assert not demo_app.exception
    assert built == [1, 1]


def test_an_unreachable_database_shows_an_error_not_a_traceback(monkeypatch):
    monkeypatch.setenv("CALMAP_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "Nie można połączyć się z bazą danych" in at.error[0].value


def test_a_wrong_setting_shows_an_error_in_the_default_language(monkeypatch):
    monkeypatch.setenv("CALMAP_TILES_URL", "https://no-placeholders.example/tile.png")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    # Escaped for Markdown (the message quotes a setting), so it shows as typed.
    assert md("CALMAP_TILES_URL") in at.error[0].value


def test_a_database_without_tables_says_which_command_creates_them(monkeypatch, admin_url):
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "calmap_test_no_tables" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "calmap_test_no_tables"'))
    try:
        url = make_url(admin_url).set(database="calmap_test_no_tables")
        point_app_at(monkeypatch, url.render_as_string(hide_password=False))
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert not at.exception
        assert "calmap db upgrade" in at.error[0].value
    finally:
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "calmap_test_no_tables" WITH (FORCE)'))
        admin.dispose()


def _area_id(url: str, name: str) -> int:
    engine = create_engine(url)
    with Session(engine) as session:
        found = session.execute(text("SELECT id FROM area WHERE name = :n"), {"n": name}).scalar()
    engine.dispose()
    return int(found)


def test_a_poster_link_opens_its_area(monkeypatch, demo_db_url):
    """The QR code on a June poster links ?area=ID: the app opens on that area's map."""
    area = _area_id(demo_db_url, "Nadodrze")
    at = single_user_app(monkeypatch, demo_db_url)
    at.query_params["area"] = str(area)
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key=state.CITY).value == "Wrocław"
    assert at.sidebar.selectbox(key=state.AREA_ID).value == area
    assert "Nadodrze" in at.main.title[0].value
    # The link is used once: a later choice in the sidebar is not overridden.
    at.sidebar.selectbox(key=state.AREA_ID).set_value(state.ALL).run()
    assert at.sidebar.selectbox(key=state.AREA_ID).value == state.ALL


def test_a_link_to_an_unknown_area_is_ignored(monkeypatch, demo_db_url):
    at = single_user_app(monkeypatch, demo_db_url)
    at.query_params["area"] = "999999"
    at.query_params["team"] = "<script>"
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key=state.CITY).value == "Gdańsk"
