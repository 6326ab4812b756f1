"""The population page under AppTest: an admin loads points or a grid, sees totals, removes it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from tests.editing_fixtures import PASSWORD, build_world
from tests.test_bulk_page import start
from tests.test_pages import _apptest_remembers_st_navigation  # noqa: F401

PAGE = "app_pages/population.py"
UPLOAD = "calmap.population.file"


@pytest.fixture()
def world_db(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
    engine.dispose()
    return fresh_db_url, world


def points(x: float, y: float, counts=(12, 30, 8), field="TOT") -> bytes:
    """Address points around (x, y), each with its residents."""
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {field: n},
         "geometry": {"type": "Point", "coordinates": [x + 0.0005 * i, y]}}
        for i, n in enumerate(counts)
    ]}).encode()


def grid_cell(x: float, y: float, residents: int) -> bytes:
    """One 250 m-ish population grid cell around (x, y) in PUWG-free WGS 84."""
    d = 0.001
    ring = [[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ludnosc": residents},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}).encode()


def stored(url) -> tuple[int, int, int]:
    """Points, residents and metadata rows in the database."""
    engine = create_engine(url)
    with Session(engine) as session:
        found = session.execute(text(
            "SELECT (SELECT count(*) FROM population_point), "
            "(SELECT coalesce(sum(residents), 0) FROM population_point), "
            "(SELECT count(*) FROM population_layer)")).one()
    engine.dispose()
    return int(found[0]), int(found[1]), int(found[2])


def load(at, content: bytes, name: str, credit: str | None = None):
    at = at.file_uploader(key=UPLOAD).upload(name, content, "application/octet-stream").run()
    if credit is not None:
        at = at.text_input(key="calmap.population.attribution").input(credit).run()
    return at.button(key="calmap.population.import").click().run()


def test_an_admin_loads_address_points_and_sees_the_totals_field_file_and_source(
    monkeypatch, world_db
):
    url, world = world_db
    at = start(monkeypatch, url).switch_page(PAGE).run()
    assert not at.exception
    assert at.main.title[0].value == "Warstwa ludności: gdzie mieszkają mieszkańcy"
    assert "Nie wczytano żadnej warstwy ludności" in at.info[0].value
    at = load(at, points(*world.point_a), "adresy.geojson", credit="Źródło: UM Gdańsk")
    assert not at.exception, at.exception
    assert not at.error
    assert "razem 50 mieszkańców" in at.success[0].value
    row = at.dataframe[0].value.iloc[0]
    assert (row["Punkty / oczka"], row["Mieszkańcy razem"]) == (3, 50)
    assert row["Pole z liczbą mieszkańców"] == "TOT"
    assert row["Plik"] == "adresy.geojson"
    assert row["Układ współrzędnych pliku"] == "EPSG:4326"
    assert row["Rodzaj"] == "punkty adresowe"
    assert row["Źródło danych"] == "Źródło: UM Gdańsk"
    assert row["Wczytał(a)"] == "local-admin"
    assert any("UM Gdańsk" in c.value and "adresy" in c.value
               for c in at.caption)
    assert stored(url) == (3, 50, 1)

    # Removal waits for the confirmation.
    assert at.button(key="calmap.population.remove").disabled
    at.checkbox(key="calmap.population.remove_sure").check().run()
    at = at.button(key="calmap.population.remove").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Usunięto warstwę ludności")
    assert stored(url) == (0, 0, 0)


def test_a_grid_replaces_the_citys_points_and_a_named_field_is_read(monkeypatch, world_db):
    url, world = world_db
    at = start(monkeypatch, url).switch_page(PAGE).run()
    at = load(at, points(*world.point_a, field="mieszk"), "adresy.geojson")
    assert "nie ma pola z liczbą mieszkańców" in at.error[0].value
    at.text_input(key="calmap.population.field").input("mieszk").run()
    at = at.button(key="calmap.population.import").click().run()
    assert not at.error and stored(url) == (3, 50, 1)
    at.text_input(key="calmap.population.field").input("").run()
    at = load(at, grid_cell(*world.point_a, 640), "siatka.geojson")
    assert not at.exception and not at.error
    row = at.dataframe[0].value.iloc[0]
    assert (row["Rodzaj"], row["Punkty / oczka"], row["Mieszkańcy razem"]) == (
        "siatka ludności", 1, 640)
    assert stored(url) == (1, 640, 1)


@pytest.mark.parametrize(("content", "name", "fragment"), [
    (json.dumps({"type": "FeatureCollection", "features": []}).encode(), "pusty.geojson",
     "nie zawiera żadnych obiektów"),
    (b'{"type": "FeatureCollection", "features": [{"type": "Feat', "urwany.geojson",
     "urywa się w połowie"),
    (points(18.64, 54.41, counts=(12, "dużo", 3)), "tekst.geojson", "„dużo” nie jest liczbą"),
    (points(18.64, 54.41, counts=(12, -4)), "ujemne.geojson", "jest ujemna"),
    (points(21.01, 52.23), "warszawa.geojson", "leżą daleko od wszystkich obszarów"),
    (points(474_000.0, 733_000.0), "puwg.geojson", ""),
], ids=["empty", "broken", "text count", "negative", "another city", "metres without crs"])
def test_a_bad_file_gets_a_clear_message_and_the_layer_stays(
    monkeypatch, world_db, content, name, fragment
):
    url, world = world_db
    at = start(monkeypatch, url).switch_page(PAGE).run()
    at = load(at, points(*world.point_a), "dobre.geojson")
    assert stored(url) == (3, 50, 1)
    at = load(at, content, name)
    assert not at.exception, at.exception
    assert at.error, "a message for the bad file"
    assert fragment in at.error[0].value
    assert stored(url) == (3, 50, 1)
    assert at.dataframe[0].value.iloc[0]["Plik"] == "dobre.geojson"


def test_an_editor_is_not_offered_the_population_page(monkeypatch, world_db):
    url, _world = world_db
    at = start(monkeypatch, url, auth="password")
    at.text_input(key="calmap.login.username").input("ewa")
    at.text_input(key="calmap.login.password").input(PASSWORD)
    at = at.button[0].click().run()
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_the_population_page_speaks_english_too(monkeypatch, world_db):
    url, world = world_db
    at = start(monkeypatch, url)
    at.sidebar.radio(key="calmap.language").set_value("en").run()
    at = at.switch_page(PAGE).run()
    assert at.main.title[0].value == "Population layer: where residents live"
    at = load(at, points(*world.point_a), "addresses.geojson")
    assert not at.exception
    assert at.dataframe[0].value.iloc[0]["Residents in total"] == 50
