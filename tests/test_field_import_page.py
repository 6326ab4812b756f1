"""The import page reads the field form's export into all three layers, as the command does."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session

from mapping.db.models import Need, Partner, Resource, Team
from mapping.io import field_capture
from mapping.ui import state
from tests.editing_fixtures import build_world
from tests.test_bulk_page import open_import, start
from tests.test_field_capture import Pin, kobo_csv, kobo_xlsx
from tests.test_pages import _apptest_remembers_st_navigation  # noqa: F401

FIELD = state.BULK + "field."


@pytest.fixture()
def world_db(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        session.execute(update(Team).values(city="Gdańsk"))
    yield fresh_db_url, world
    engine.dispose()


def counts(url):
    engine = create_engine(url)
    with Session(engine) as session:
        found = tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Resource, Partner, Need)
        )
    engine.dispose()
    return found


def field_page(monkeypatch, url, area_id, content, name):
    at = open_import(start(monkeypatch, url), area_id)
    at = at.radio(key=state.BULK + "kind").set_value("field").run()
    assert not at.exception
    return at.file_uploader(key=FIELD + "file").upload(name, content, "text/csv").run()


def test_a_field_export_fills_the_three_layers_at_once_with_its_weak_fixes_flagged(
    monkeypatch, world_db
):
    url, world = world_db
    pins = [
        Pin("resource", "resource:senior_club", "Klub Seniora", world.point_a, accuracy=120.0),
        Pin("partner", "partner:church", "Parafia", world.point_a),
        Pin("need", "need:homelessness", "Pustostan", world.point_a, groups=("homeless",)),
    ]
    at = field_page(monkeypatch, url, world.area_a, kobo_xlsx(pins), "teren.xlsx")
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    summary = " ".join(m.value for m in at.markdown)
    assert "zasoby 1, partnerzy 1, potrzeby 1" in summary and "słaby GPS 1" in summary
    # The weak fix is listed with its row number, as the command prints it.
    flagged = at.dataframe[0].value
    assert list(flagged["Wiersz"]) == [2]
    assert counts(url) == (0, 0, 0)  # the preview writes nothing

    at = at.button(key=FIELD + "commit").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Zapisano: zasoby 1, partnerzy 1, potrzeby 1;")
    assert counts(url) == (1, 1, 1)
    engine = create_engine(url)
    with Session(engine) as session:
        need = session.scalars(select(Need)).one()
        assert (need.source_method, need.area_id) == ("field_capture", world.area_a)
    engine.dispose()


def test_a_field_export_with_bad_rows_lists_each_by_number_and_saves_nothing(
    monkeypatch, world_db
):
    url, world = world_db
    pins = [
        Pin("resource", "resource:library", "Biblioteka", world.point_a),
        Pin("resource", "resource:no_such_thing", "Coś", world.point_a),
        Pin("need", "need:safety", "Ciemne przejście", world.point_b),  # Oliwa, not Brzeźno
    ]
    at = field_page(monkeypatch, url, world.area_a, kobo_csv(pins), "teren.csv")
    assert not at.exception
    errors = at.dataframe[0].value
    assert sorted(set(errors["Wiersz"])) == [3, 4]
    assert at.button(key=FIELD + "commit_disabled").disabled
    assert counts(url) == (0, 0, 0)


def test_the_page_and_the_command_share_one_import_function():
    from mapping.cli import field as field_cli

    source = field_cli.field_import.__code__.co_names
    assert "import_file" in source
    assert field_capture.import_file.__module__ == "mapping.io.field_capture"

