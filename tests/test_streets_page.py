"""The street network page under AppTest: an admin loads a line file, sees counts, removes it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from mapping.db.street_models import StreetEdge, StreetLayer
from tests.editing_fixtures import PASSWORD, build_world
from tests.test_bulk_page import start
from tests.test_pages import _apptest_remembers_st_navigation  # noqa: F401

PAGE = "app_pages/streets.py"
UPLOAD = "calmap.streets.file"


@pytest.fixture()
def world_db(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
    engine.dispose()
    return fresh_db_url, world


def cross(x: float, y: float, d: float = 0.002) -> bytes:
    """Two streets crossing at (x, y): four edges, five junctions once noded."""
    lines = [[[x - d, y], [x, y], [x + d, y]], [[x, y - d], [x, y], [x, y + d]]]
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": f"Ulica {i}", "highway": "residential"},
         "geometry": {"type": "LineString", "coordinates": line}}
        for i, line in enumerate(lines)
    ]}).encode()


def stored(url) -> tuple[int, int]:
    engine = create_engine(url)
    with Session(engine) as session:
        found = (session.scalar(select(func.count()).select_from(StreetLayer)) or 0,
                 session.scalar(select(func.count()).select_from(StreetEdge)) or 0)
    engine.dispose()
    return found


def load(at, content: bytes, name: str):
    at = at.file_uploader(key=UPLOAD).upload(name, content, "application/octet-stream").run()
    return at.button(key="calmap.streets.import").click().run()


def test_an_admin_loads_a_small_line_file_and_sees_its_counts(monkeypatch, world_db):
    url, world = world_db
    at = start(monkeypatch, url).switch_page(PAGE).run()
    assert not at.exception
    assert at.main.title[0].value == "Sieć ulic do mierzenia dojścia pieszo"
    assert "Nie wczytano żadnej sieci ulic" in at.info[0].value
    at = load(at, cross(*world.point_a), "ulice.geojson")
    assert not at.exception, at.exception
    assert not at.error
    assert "4 odcinków, 5 węzłów" in at.success[0].value
    table = at.dataframe[0].value
    row = table.iloc[0]
    assert (row["Odcinki"], row["Węzły"], row["Spójne części"]) == (4, 5, 1)
    assert row["Plik (układ współrzędnych)"] == "ulice.geojson (EPSG:4326)"
    assert row["Długość (km)"] > 0.4
    assert stored(url) == (1, 4)

    at.checkbox(key="calmap.streets.remove_sure").check().run()
    at = at.button(key="calmap.streets.remove").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Usunięto sieć ulic")
    assert stored(url) == (0, 0)


@pytest.mark.parametrize(("content", "name", "fragment"), [
    (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "Point", "coordinates": [18.64, 54.41]}}]}).encode(),
     "punkty.geojson", "nie zawiera żadnej linii"),
    (json.dumps({"type": "FeatureCollection", "features": []}).encode(),
     "pusty.geojson", "nie zawiera żadnej linii"),
    (b'{"type": "FeatureCollection", "features": [{"type": "Feat', "urwany.geojson",
     "urywa się w połowie"),
], ids=["points only", "empty", "broken"])
def test_a_bad_file_gets_a_clear_message_and_nothing_changes(
    monkeypatch, world_db, content, name, fragment
):
    url, world = world_db
    at = start(monkeypatch, url).switch_page(PAGE).run()
    at = load(at, cross(*world.point_a), "dobre.geojson")
    assert stored(url) == (1, 4)
    at = load(at, content, name)
    assert not at.exception, at.exception
    assert at.error, "a message for the bad file"
    assert fragment in at.error[0].value
    assert stored(url) == (1, 4)
    assert at.dataframe[0].value.iloc[0]["Plik (układ współrzędnych)"].startswith("dobre")


def test_streets_far_from_every_area_are_refused(monkeypatch, world_db):
    # Warsaw's centre: another city, or Gdańsk's file read in a wrong coordinate system.
    url, _world = world_db
    at = start(monkeypatch, url).switch_page(PAGE).run()
    at = load(at, cross(21.01, 52.23), "warszawa.geojson")
    assert not at.exception
    assert "leżą daleko od wszystkich obszarów" in at.error[0].value
    assert stored(url) == (0, 0)


def test_metres_in_a_file_without_a_coordinate_system_are_refused(monkeypatch, world_db):
    # PUWG 1992 metres in a GeoJSON that states no CRS: read as degrees they are nowhere.
    url, _world = world_db
    at = start(monkeypatch, url).switch_page(PAGE).run()
    at = load(at, cross(474_000.0, 733_000.0, 100.0), "puwg.geojson")
    assert not at.exception
    assert at.error
    assert stored(url) == (0, 0)


def test_an_editor_is_not_offered_the_street_page(monkeypatch, world_db):
    url, _world = world_db
    at = start(monkeypatch, url, auth="password")
    at.text_input(key="calmap.login.username").input("ewa")
    at.text_input(key="calmap.login.password").input(PASSWORD)
    at = at.button[0].click().run()
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_the_page_speaks_english_too(monkeypatch, world_db):
    url, world = world_db
    at = start(monkeypatch, url)
    at.sidebar.radio(key="calmap.language").set_value("en").run()
    at = at.switch_page(PAGE).run()
    assert at.main.title[0].value == "Street network for walking distances"
    at = load(at, cross(*world.point_a), "streets.geojson")
    assert not at.exception
    assert "4 edges, 5 junctions" in at.success[0].value
    assert "Junctions" in at.dataframe[0].value.columns
