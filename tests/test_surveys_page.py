"""The surveys page under AppTest: upload an export, see the mapping and each bad row, import
whole, read the protected indicators, publish a need; a viewer never gets the page.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Text, cast, create_engine, func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from mapping.db.models import Need, SurveyResponse, SurveyWave
from mapping.ui.safe_text import md
from surveys import samples
from tests.conftest import point_app_at
from tests.survey_fixtures import PASSWORD, build_wroclaw, estate_form, estate_shapes
from tests.test_pages import APP, _apptest_remembers_st_navigation  # noqa: F401
from tests.test_surveys_indicators import WAVE_2026, crafted

PAGE = "app_pages/surveys.py"
KEY = "calmap.survey."


@pytest.fixture()
def world_db(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_wroclaw(session)
    yield fresh_db_url, world
    engine.dispose()


def start(monkeypatch, url, auth="none"):
    for name in ("CALMAP_LANGUAGE", "CALMAP_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    point_app_at(monkeypatch, url)
    monkeypatch.setenv("CALMAP_TILES_URL", "none")
    monkeypatch.setenv("CALMAP_AUTH", auth)
    return AppTest.from_file(APP, default_timeout=180).run()


def sign_in(at, username):
    at.text_input(key="calmap.login.username").input(username)
    at.text_input(key="calmap.login.password").input(PASSWORD)
    return at.button[0].click().run()


def upload(at, content, name="kobo.csv"):
    return at.file_uploader(key=f"{KEY}answers_file").upload(name, content, "text/csv").run()


def count(url, model) -> int:
    engine = create_engine(url)
    with Session(engine) as session:
        found = session.scalar(select(func.count()).select_from(model))
    engine.dispose()
    return found


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_the_page_opens_with_its_three_tabs_and_no_wave_yet(monkeypatch, world_db):
    url, _ = world_db
    at = start(monkeypatch, url).switch_page(PAGE).run()
    assert not at.exception
    assert at.main.title[0].value == "Ankiety mieszkańców: Wrocław"
    assert [tab.label for tab in at.tabs] == ["Wczytaj odpowiedzi", "Wyniki i potrzeby",
                                              "Usuń falę"]
    assert "Twoje zespoły nie mają jeszcze żadnej fali ankiet." in texts(at.info)


def test_a_kobo_export_is_previewed_imported_and_its_need_published(monkeypatch, world_db):
    url, world = world_db
    form = estate_form()
    shapes = {n: estate_shapes()[n] for n in ("Nadodrze", "Kleczków")}
    content = samples.kobo_csv(form, samples.generate(form, 120, shapes, seed=5))
    at = start(monkeypatch, url).switch_page(PAGE).run()
    at.selectbox(key=f"{KEY}team").set_value(world.team_7).run()
    at = upload(at, content)
    assert not at.exception
    assert "Rozpoznany format: eksport KoboToolbox." in texts(at.caption)
    mapping = at.dataframe[0].value
    assert list(mapping.columns) == ["Pytanie", "Kolumny w pliku"]
    assert "gdzie/osiedle" in set(mapping["Kolumny w pliku"])
    assert any("Odpowiedzi gotowe do zapisu: 120 z 120" in m.value for m in at.markdown)
    at = at.button(key=f"{KEY}import").click().run()
    assert not at.exception
    assert "Zapisano odpowiedzi: 120 (fala 2026)." in texts(at.success)
    assert count(url, SurveyResponse) == 120

    # The results tab: the protected table, its download, and publishing.
    table = next(d.value for d in at.dataframe if "Respondenci" in d.value.columns)
    assert set(table["Obszar"]) >= {"Wrocław", "Nadodrze", "Kleczków"}
    assert "Ochrona danych: liczby od 1 do 5" in texts(at.caption)
    publishable = at.multiselect(key=f"{KEY}publish_choice")
    first = publishable.options[0]
    at = publishable.select(first).run()
    at = at.button(key=f"{KEY}publish").click().run()
    assert not at.exception
    assert "Opublikowano potrzeby: 1." in texts(at.success)
    engine = create_engine(url)
    with Session(engine) as session:
        need = session.scalars(select(Need)).one()
    engine.dispose()
    assert need.source_method == "survey" and "ankietowanych, fala 2026" in need.evidence


def test_a_file_with_bad_rows_shows_each_row_and_cannot_be_imported(monkeypatch, world_db):
    url, world = world_db
    form = estate_form()
    shapes = {n: estate_shapes()[n] for n in ("Nadodrze",)}
    rows = samples.kobo_rows(form, samples.generate(form, 10, shapes, seed=9))
    rows[4][rows[0].index("wolontariat")] = "nie wiem"
    rows.append(list(rows[1]))
    at = start(monkeypatch, url).switch_page(PAGE).run()
    at.selectbox(key=f"{KEY}team").set_value(world.team_7).run()
    at = upload(at, samples._write(rows, ";"))
    assert not at.exception
    errors = next(d.value for d in at.dataframe if "Problem" in d.value.columns)
    assert list(errors["Wiersz"]) == [5, 12]
    assert errors["Wartość"][0] == "nie wiem"
    assert errors["Problem"][1] == "To samo zgłoszenie jest już w wierszu 2."
    assert at.button(key=f"{KEY}import_disabled").disabled
    assert count(url, SurveyResponse) == 0


def test_a_paper_sheet_in_cp1250_is_read_and_personal_columns_are_named(monkeypatch, world_db):
    url, world = world_db
    content = crafted(WAVE_2026, "p").decode()
    lines = content.splitlines()
    lines[0] = lines[0].replace(";", ";", 1) + ";Imię i nazwisko;Telefon"
    lines[1:] = [line + ";Jan Kowalski;600100200" for line in lines[1:]]
    data = ("\r\n".join(lines) + "\r\n").encode("cp1250")
    at = start(monkeypatch, url).switch_page(PAGE).run()
    at.selectbox(key=f"{KEY}team").set_value(world.team_7).run()
    at = upload(at, data, "ankiety.csv")
    assert not at.exception
    assert "Kolumny z danymi osobowymi zostaną pominięte" in texts(at.warning)
    assert md("Imię i nazwisko, Telefon") in texts(at.warning)  # escaped: shown as typed
    at = at.button(key=f"{KEY}import").click().run()
    assert count(url, SurveyResponse) == 48
    engine = create_engine(url)
    with Session(engine) as session:
        dumped = session.scalar(
            select(func.string_agg(cast(SurveyResponse.answers, Text), " "))
        )
        wave = session.scalars(select(SurveyWave)).one()
    engine.dispose()
    assert "Kowalski" not in (dumped or "") and wave.name == "2026"


def test_a_viewer_never_gets_the_page(monkeypatch, world_db):
    url, _ = world_db
    at = sign_in(start(monkeypatch, url, auth="password"), "wiktor")
    with pytest.raises(ValueError, match="Could not find a navigation page") as refused:
        at.switch_page(PAGE)
    assert "surveys.py" not in str(refused.value).split("Known pages:")[1]
