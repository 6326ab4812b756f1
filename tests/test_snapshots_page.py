"""The snapshots page under AppTest: list, save, compare per team and area, delete."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine
from streamlit.testing.v1 import AppTest

from mapping import db
from mapping.services import pins, snapshots
from mapping.ui import state
from tests.editing_fixtures import build_world
from tests.test_pages import APP, _apptest_remembers_st_navigation  # noqa: F401
from tests.test_team_area_export_pages import sign_in, start_env

PAGE = "app_pages/snapshots.py"


@pytest.fixture()
def snapshot_db(fresh_db_url):
    """Brzeźno and Oliwa; "Czerwiec 2025", then a new club in Oliwa, then "Czerwiec 2026"."""
    engine = create_engine(fresh_db_url)
    with db.session_scope(engine, "calmap-cli") as s:
        world = build_world(s)
        pins.create_pin(s, world.admin, "resource", world.area_a,
                        {"name": "Biblioteka Brzeźno", "category": "library",
                         "visibility": "public"}, world.point_a)
    with db.session_scope(engine, "calmap-cli") as s:
        snapshots.create_snapshot(s, world.admin, "Czerwiec 2025", dt.datetime.now(dt.UTC))
    with db.session_scope(engine, "calmap-cli") as s:
        pins.create_pin(s, world.admin, "resource", world.area_b,
                        {"name": "Klub „Żółw” w Oliwie", "category": "youth_club",
                         "visibility": "public"}, world.point_b)
        pins.create_pin(s, world.admin, "need", world.area_b,
                        {"name": "Samotność seniorów", "category": "seniors_loneliness",
                         "source_method": "survey", "priority": 2, "status": "identified",
                         "visibility": "public"}, None)
    with db.session_scope(engine, "calmap-cli") as s:
        snapshots.create_snapshot(s, world.admin, "Czerwiec 2026", dt.datetime.now(dt.UTC))
    engine.dispose()
    return fresh_db_url


def open_page(monkeypatch, url):
    start_env(monkeypatch, url, "none")
    at = AppTest.from_file(APP, default_timeout=120).run()
    return at.switch_page(PAGE).run()


def test_the_page_lists_the_snapshots_and_compares_the_last_two_per_team_and_area(
    monkeypatch, snapshot_db
):
    at = open_page(monkeypatch, snapshot_db)
    assert not at.exception
    assert not at.error
    assert at.title[0].value == "Migawki i dowody zmian"
    listing = at.dataframe[0].value
    assert list(listing["Nazwa"]) == ["Czerwiec 2025", "Czerwiec 2026"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Nowe zasoby"] == "1"
    assert metrics["Nowo rozpoznane potrzeby"] == "1"
    assert metrics["Zamknięte zasoby"] == "0"
    by_team, by_area = at.dataframe[1].value, at.dataframe[2].value
    assert list(by_team["Jednostka"]) == ["Zespół A", "Zespół B"]
    assert list(by_team["Nowe zasoby"]) == [0, 1]
    assert list(by_area["Jednostka"]) == ["Brzeźno", "Oliwa"]
    assert "Klub „Żółw” w Oliwie" in [e.value for e in at.text]


def test_choosing_the_same_snapshot_twice_asks_for_two_different_ones(monkeypatch, snapshot_db):
    at = open_page(monkeypatch, snapshot_db)
    at.selectbox(key="calmap.snapshots.before").select("Czerwiec 2026").run()
    assert not at.exception
    assert at.warning[0].value == "Wybierz dwie różne migawki."


def test_an_admin_saves_a_snapshot_and_a_duplicate_name_is_explained(monkeypatch, snapshot_db):
    at = open_page(monkeypatch, snapshot_db)
    at.text_input(key="calmap.snapshots.name").input("Grudzień 2026")
    at.button[0].click()  # the form's submit button
    at.run()
    assert not at.exception
    assert at.success[0].value.startswith("Zapisano migawkę „Grudzień 2026”")
    assert "Grudzień 2026" in list(at.dataframe[0].value["Nazwa"])
    at.text_input(key="calmap.snapshots.name").input("czerwiec 2026")
    at.button[0].click()
    at.run()
    assert at.error[0].value == "Migawka „Czerwiec 2026” już istnieje. Wybierz inną nazwę."


def test_a_snapshot_saved_with_today_left_as_it_is_freezes_the_moment_of_the_click(
    monkeypatch, snapshot_db
):
    at = open_page(monkeypatch, snapshot_db)
    at.text_input(key="calmap.snapshots.name").input("Spotkanie")
    clicked = dt.datetime.now(dt.UTC)
    at.button[0].click()
    at.run()
    assert not at.exception
    engine = create_engine(snapshot_db)
    with db.session_scope(engine, "calmap-cli") as s:
        made = snapshots.get_snapshot(s, "Spotkanie")
        taken_at = made.taken_at
    engine.dispose()
    # The moment of the click (by the database's clock), not midnight at the end of today.
    assert abs(taken_at - clicked) < dt.timedelta(minutes=2)
    assert taken_at <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)


def test_an_admin_deletes_a_snapshot(monkeypatch, snapshot_db):
    at = open_page(monkeypatch, snapshot_db)
    at.selectbox(key="calmap.snapshots.doomed").select("Czerwiec 2025").run()
    at.button(key="calmap.snapshots.delete").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Usunięto migawkę „Czerwiec 2025”")
    assert list(at.dataframe[0].value["Nazwa"]) == ["Czerwiec 2026"]
    assert "Do porównania potrzebne są co najmniej dwie migawki." in [i.value for i in at.info]


def test_a_viewer_compares_in_english_but_is_offered_no_saving_and_no_deleting(
    monkeypatch, snapshot_db
):
    at = sign_in(monkeypatch, snapshot_db, "wiktor")
    at.sidebar.radio(key=state.LANGUAGE).set_value("en").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert not at.error
    assert at.title[0].value == "Snapshots and evidence of change"
    keys = {w.key for w in (*at.text_input, *at.button, *at.selectbox)}
    assert "calmap.snapshots.name" not in keys
    assert "calmap.snapshots.delete" not in keys
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["New resources"] == "1"
    assert metrics["Needs still open"] == "0"
