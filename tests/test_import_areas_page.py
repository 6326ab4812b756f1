"""The area import page under AppTest: upload, see every feature's remarks in Polish, save whole."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from mapping.db.models import Area, LayerHistory
from mapping.ui.safe_text import md_t
from tests import import_fixtures as files
from tests.editing_fixtures import PASSWORD, build_world
from tests.import_fixtures import shared
from tests.test_bulk_page import start
from tests.test_pages import _apptest_remembers_st_navigation  # noqa: F401

PAGE = "app_pages/import_areas.py"
UPLOAD = "calmap.import_areas.file"


@pytest.fixture()
def world_db(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
    engine.dispose()
    return fresh_db_url, world


def areas(url) -> int:
    engine = create_engine(url)
    with Session(engine) as session:
        found = session.scalar(select(func.count()).select_from(Area))
    engine.dispose()
    return found


def upload(at, content: bytes, name: str):
    return at.file_uploader(key=UPLOAD).upload(name, content, "application/octet-stream").run()


def test_warsaw_is_previewed_with_the_city_as_parent_and_saved_with_one_click(
    monkeypatch, world_db
):
    url, _world = world_db
    at = start(monkeypatch, url).switch_page(PAGE).run()
    assert not at.exception
    assert at.main.title[0].value == "Import obszarów z pliku"
    at.radio(key="calmap.import_areas.kind").set_value("district")
    path = shared(files.WARSAW_DISTRICTS)
    at = upload(at, path.read_bytes(), path.name)
    assert not at.exception, at.exception
    assert not at.error
    assert md_t("import_areas.read", "pl", filename=path.name, file_format="GeoJSON", count=19,
                crs="EPSG:4326") == at.caption[0].value
    table = at.dataframe[0].value
    assert list(table.columns) == ["Obiekt", "Nazwa", "Rodzaj", "Obszar nadrzędny",
                                   "Mieszkańcy", "Uwagi"]
    city = table[table["Nazwa"] == "Warszawa"].iloc[0]
    assert city["Rodzaj"] == "miasto"
    assert "zostanie miastem nadrzędnym" in city["Uwagi"]
    assert set(table[table["Nazwa"] != "Warszawa"]["Obszar nadrzędny"]) == {"Warszawa"}
    assert "Gotowe do zapisu: 19 z 19." in [m.value for m in at.markdown]

    at = at.button(key="calmap.import_areas.commit").click().run()
    assert not at.exception
    assert at.success[0].value == "Zapisano 19 obszarów."
    assert areas(url) == 2 + 19
    at = at.run()
    assert "calmap.import_areas.commit" not in [b.key for b in at.button]
    assert areas(url) == 2 + 19


def test_a_file_with_bad_features_lists_them_first_and_cannot_be_saved(
    monkeypatch, world_db, tmp_path
):
    url, _world = world_db
    at = start(monkeypatch, url).switch_page(PAGE).run()
    # Gdańsk's districts: Brzeźno and Oliwa are stored already.
    path = shared(files.GDANSK_DISTRICTS)
    at.radio(key="calmap.import_areas.kind").set_value("district")
    at = upload(at, path.read_bytes(), path.name)
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Nazwa"][:2]) == ["Brzeźno", "Oliwa"]
    assert table["Uwagi"][0].startswith("[Błąd] Ten obszar już jest w bazie jako „Brzeźno”")
    assert "Obiekty z błędami: 2" in [s.value for s in at.subheader]
    assert at.button(key="calmap.import_areas.commit_disabled").disabled
    assert areas(url) == 2


def test_a_truncated_file_gets_one_clear_message(monkeypatch, world_db):
    url, _world = world_db
    at = start(monkeypatch, url).switch_page(PAGE).run()
    content = shared(files.WARSAW_DISTRICTS).read_bytes()[:4000]
    at = upload(at, content, "warszawa.geojson")
    assert not at.exception
    assert at.error[0].value.startswith("Plik GeoJSON urywa się w połowie")
    assert areas(url) == 2


def test_the_page_speaks_english_too(monkeypatch, world_db):
    url, _world = world_db
    at = start(monkeypatch, url)
    at.sidebar.radio(key="calmap.language").set_value("en").run()
    at = at.switch_page(PAGE).run()
    path = shared(files.WROCLAW_ESTATES)
    at = upload(at, path.read_bytes(), path.name)
    assert not at.exception
    assert at.main.title[0].value == "Import areas from a file"
    remarks = "\n".join(at.dataframe[0].value["Remarks"])
    assert remarks.count("An invalid polygon was repaired") == 17


def test_an_editor_is_not_offered_the_area_import(monkeypatch, world_db):
    url, _world = world_db
    at = start(monkeypatch, url, auth="password")
    at.text_input(key="calmap.login.username").input("ewa")
    at.text_input(key="calmap.login.password").input(PASSWORD)
    at = at.button[0].click().run()
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_a_signed_in_admin_s_import_is_in_the_history_under_their_name(monkeypatch, world_db):
    url, _world = world_db
    at = start(monkeypatch, url, auth="password")
    at.text_input(key="calmap.login.username").input("ada")
    at.text_input(key="calmap.login.password").input(PASSWORD)
    at = at.button[0].click().run()
    at = at.switch_page(PAGE).run()
    at.radio(key="calmap.import_areas.kind").set_value("district")
    path = shared(files.WARSAW_DISTRICTS)
    at = upload(at, path.read_bytes(), path.name)
    at = at.button(key="calmap.import_areas.commit").click().run()
    assert not at.exception
    engine = create_engine(url)
    with Session(engine) as session:
        authors = session.scalars(
            select(LayerHistory.app_user).where(LayerHistory.table_name == "area")
            .order_by(LayerHistory.id)
        ).all()
    engine.dispose()
    assert authors[-19:] == ["ada"] * 19
