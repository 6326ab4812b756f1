"""The map editor page under AppTest, against a real PostGIS world of two teams' districts.

Each test gets a database of its own with two Gdańsk districts (Brzeźno for
team A, Oliwa for team B) and the users ada (admin), ewa (editor, team A),
bartek (editor, team B) and wiktor (viewer), then signs in through the
login form like a person would.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import folium
import geopandas as gpd
import pytest
from shapely.geometry import Point
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from mapping.db import set_app_user
from mapping.db.models import Need, NeedResource, Resource, Team
from mapping.maps.overview import editor_marks, overview_map
from mapping.services import layers, pins
from mapping.services.pins import Version
from mapping.ui import editor_state, pin_forms, positions, state
from tests.conftest import point_app_at
from tests.editing_fixtures import PASSWORD, build_world
from tests.test_pages import APP, _apptest_remembers_st_navigation  # noqa: F401

EDITOR = "app_pages/editor.py"
SEA = (54.60, 18.90)  # the Gulf of Gdańsk, off Brzeźno's beach


@pytest.fixture()
def world_db(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        # The sidebar offers cities; the test teams work in Gdańsk.
        session.execute(update(Team).values(city="Gdańsk"))
    yield fresh_db_url, world, engine
    engine.dispose()


def start(monkeypatch, url, auth="password"):
    for name in ("CALMAP_LANGUAGE", "CALMAP_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    point_app_at(monkeypatch, url)
    monkeypatch.setenv("CALMAP_TILES_URL", "none")
    monkeypatch.setenv("CALMAP_AUTH", auth)
    return AppTest.from_file(APP, default_timeout=120).run()


def sign_in(at, username):
    at.text_input(key="calmap.login.username").input(username)
    at.text_input(key="calmap.login.password").input(PASSWORD)
    return at.button[0].click().run()


def open_editor(monkeypatch, world_db, username="ewa", area="a"):
    url, world, _ = world_db
    at = start(monkeypatch, url)
    at = sign_in(at, username)
    at.switch_page(EDITOR).run()
    if area:
        area_id = world.area_a if area == "a" else world.area_b
        at.sidebar.selectbox(key=state.AREA_ID).set_value(area_id).run()
    assert not at.exception, at.exception
    return at


def new_form(at, layer, name):
    """A widget of the new-pin form (its key carries the form's one-time token)."""
    return f"calmap.editor.new.{layer}.{at.session_state[state.EDITOR_TOKEN]}.{name}"


def edit_form(at, name):
    ref = at.session_state[state.EDITOR_OPEN]
    generation = at.session_state[state.EDITOR_GENERATION]
    return f"calmap.editor.edit.{ref.layer}.{ref.id}.{generation}.{name}"


def type_coordinates(at, text_typed):
    at.text_input(key=state.EDITOR_COORDS).input(text_typed).run()
    assert not at.exception, at.exception
    return at


def polish(lat, lon):
    """Coordinates as a Polish user types them: decimal commas, a space between."""
    return f"{lat:.6f} {lon:.6f}".replace(".", ",")


def texts(elements):
    return [e.value for e in elements]


def resources(engine):
    with Session(engine) as session:
        return session.scalars(select(Resource).order_by(Resource.id)).all()


def map_component(at):
    """The map's component, wherever it sits in the page (the editor's draws it in a fragment)."""
    return next(
        c for c in at.main.get("component_instance")
        if c.proto.component_name.endswith("st_folium")
    )


def map_script(at):
    args = json.loads(map_component(at).proto.json_args)
    # The base map is the script; areas, pins and legend come as its content
    # (a feature group swapped in place, mapping/maps/live.py).
    script = args["script"] + (args.get("feature_group") or "")
    # The map's data sits in the script as JSON with <, > and & escaped.
    for escaped, plain in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&")):
        script = script.replace(escaped, plain)
    return script


def save_library(at, name="Biblioteka Brzeźno", point=None, world=None):
    lat, lon = point if point else (world.point_a[1], world.point_a[0])
    type_coordinates(at, polish(lat, lon))
    at.selectbox(key=new_form(at, "resource", "category")).set_value("library")
    at.text_input(key=new_form(at, "resource", "name")).input(name)
    at.button(key=new_form(at, "resource", "save")).click().run()
    assert not at.exception, at.exception
    return at


def make_pin(engine, actor, layer, area, data, point):
    with Session(engine) as session, session.begin():
        return pins.create_pin(session, actor, layer, area, data, point)


NEED = {
    "name": "Samotność seniorów",
    "category": "seniors_loneliness",
    "source_method": "survey",
    "priority": 2,
    "status": "identified",
    "visibility": "partnership",
}
LIBRARY = {"name": "Biblioteka", "category": "library", "visibility": "public"}


# --- who gets the editor ---------------------------------------------------------------


def test_without_a_chosen_area_the_editor_asks_for_one(monkeypatch, world_db):
    at = open_editor(monkeypatch, world_db, area=None)
    assert at.main.title[0].value.startswith("Edytor mapy")
    assert any("Wybierz w panelu bocznym obszar" in i for i in texts(at.info))


def test_a_viewer_does_not_get_the_editor_page(monkeypatch, world_db):
    url, _, _ = world_db
    at = sign_in(start(monkeypatch, url), "wiktor")
    assert at.main.title[0].value.startswith("Mapa zasobów i potrzeb")
    # The router never registers the page for a viewer: there is nothing to switch to.
    with pytest.raises(ValueError, match="Could not find a navigation page") as refused:
        at.switch_page(EDITOR)
    known = str(refused.value).split("Known pages:")[1]
    assert "overview.py" in known and "editor.py" not in known


def test_an_editor_of_another_team_may_look_but_gets_no_form(monkeypatch, world_db):
    at = open_editor(monkeypatch, world_db, username="bartek", area="a")
    assert any("należy do innego zespołu" in w for w in texts(at.warning))
    assert not [b for b in at.button if b.key and b.key.startswith("calmap.editor.new.")]


# --- pinning --------------------------------------------------------------------------


def test_typing_coordinates_with_decimal_commas_and_saving_a_resource_creates_it(
    monkeypatch, world_db
):
    url, world, engine = world_db
    at = open_editor(monkeypatch, world_db)
    lon, lat = world.point_a
    type_coordinates(at, polish(lat, lon))
    assert at.session_state[state.EDITOR_POINT] == pytest.approx((lon, lat), abs=1e-6)
    assert any(c.startswith("Zaznaczony punkt:") for c in texts(at.caption))
    at.selectbox(key=new_form(at, "resource", "category")).set_value("library")
    at.text_input(key=new_form(at, "resource", "name")).input("Biblioteka Brzeźno")
    at.text_input(key=new_form(at, "resource", "phone")).input("58 123 45 67")
    at.multiselect(key=new_form(at, "resource", "target_groups")).set_value(["seniors"])
    at.button(key=new_form(at, "resource", "save")).click().run()
    assert not at.exception

    assert any("Zapisano nowy wpis „Biblioteka Brzeźno”" in s for s in texts(at.success))
    [row] = resources(engine)
    assert (row.name, row.category, row.kind, row.area_id) == (
        "Biblioteka Brzeźno", "library", "institution_public", world.area_a,
    )
    assert row.phone == "58 123 45 67" and row.target_groups == ["seniors"]
    with Session(engine) as session:
        x, y = session.execute(select(func.ST_X(Resource.geom), func.ST_Y(Resource.geom))).one()
        who = session.scalar(text("SELECT app_user FROM layer_history WHERE table_name='resource'"))
    assert (x, y) == pytest.approx((lon, lat), abs=1e-6)
    assert who == "ewa"
    # The form starts afresh (new token) and the new pin is in the table.
    assert at.text_input(key=new_form(at, "resource", "name")).value == ""
    show_tab(at, "Tabela")
    assert "Biblioteka Brzeźno" in list(at.dataframe[0].value["Nazwa"])


def test_a_point_in_the_sea_shows_the_translated_error_and_writes_nothing(
    monkeypatch, world_db
):
    _, world, engine = world_db
    at = open_editor(monkeypatch, world_db)
    save_library(at, point=SEA, world=world)
    errors = texts(at.error)
    assert "Popraw zaznaczone pola." in errors
    assert any("Położenie: Ten punkt leży poza Polską" in e for e in errors)
    assert resources(engine) == []
    # The form keeps what was typed, so the user only fixes the point.
    assert at.text_input(key=new_form(at, "resource", "name")).value == "Biblioteka Brzeźno"


def test_a_form_without_a_name_or_category_marks_both_fields(monkeypatch, world_db):
    _, world, engine = world_db
    at = open_editor(monkeypatch, world_db)
    lon, lat = world.point_a
    type_coordinates(at, f"{lat}, {lon}")
    at.button(key=new_form(at, "resource", "save")).click().run()
    errors = texts(at.error)
    assert "Kategoria: To pole jest wymagane." in errors
    assert "Nazwa: To pole jest wymagane." in errors
    assert resources(engine) == []


def test_unreadable_coordinates_say_so_and_mark_no_point(monkeypatch, world_db):
    at = open_editor(monkeypatch, world_db)
    type_coordinates(at, "gdzieś w Brzeźnie")
    assert any("Współrzędne muszą być liczbami" in e for e in texts(at.error))
    assert at.session_state[state.EDITOR_POINT] is None


def test_a_tap_on_the_map_marks_the_point_and_draws_it(monkeypatch, world_db):
    _, world, _ = world_db
    at = open_editor(monkeypatch, world_db)
    lon, lat = world.point_a
    at.session_state[editor_state.map_key_for(at.session_state[state.EDITOR_MAP_NONCE])] = {
        "last_clicked": {"lat": lat, "lng": lon}, "last_object_clicked": None,
    }
    at.run()
    assert at.session_state[state.EDITOR_POINT] == (lon, lat)
    # The box writes the point as the note under it does: Polish, decimal commas.
    shown = at.text_input(key=state.EDITOR_COORDS).value
    assert shown == f"{lat:.6f}; {lon:.6f}".replace(".", ",")
    # (the note is Markdown: its value's punctuation escaped)
    assert f"Zaznaczony punkt: {shown}" in [c.replace("\\", "") for c in texts(at.caption)]
    component = map_component(at)
    assert "calmap-marked-point" in json.loads(component.proto.json_args)["feature_group"]


def field_sync_data(at):
    """The data the drafts-and-outbox component got in the last run (field_drafts.mount)."""
    (element,) = [e for e in at.get("bidi_component")
                  if e.proto.component_name.endswith("calmap_field_sync")]
    return json.loads(element.proto.json)


def test_the_field_sync_catalogue_travels_once_and_a_tap_sends_its_digest_and_the_point(
    monkeypatch, world_db
):
    _, world, _ = world_db
    at = open_editor(monkeypatch, world_db)
    first = field_sync_data(at)
    # The form's choices, the other layers' short forms and the texts, with their digest.
    assert {"fields", "offline_layers", "text", "point_notes"} <= set(first["fixed"])
    assert first["fixed_digest"] and "fields" not in first["form"]
    lon, lat = world.point_a
    at.session_state[editor_state.map_key_for(at.session_state[state.EDITOR_MAP_NONCE])] = {
        "last_clicked": {"lat": lat, "lng": lon}, "last_object_clicked": None,
    }
    at.run()
    tapped = field_sync_data(at)
    assert tapped["fixed"] is None
    assert tapped["fixed_digest"] == first["fixed_digest"]
    assert tapped["form"]["point"] == pytest.approx([lon, lat])
    assert len(json.dumps(tapped)) < len(json.dumps(first)) / 4
    # A browser that never got it (it says so: field_drafts.forget_held) gets it again.
    del at.session_state[state.EDITOR_FIELD_HELD]
    at.run()
    assert field_sync_data(at)["fixed"] == first["fixed"]


def test_script_in_a_name_is_escaped_in_the_rendered_map(monkeypatch, world_db):
    _, world, _ = world_db
    at = open_editor(monkeypatch, world_db)
    save_library(at, name="<script>alert(1)</script>", world=world)
    assert any("Zapisano nowy wpis" in s for s in texts(at.success))
    script = map_script(at)
    # As typed, in a JSON string it cannot end (calmap-pins.js escapes it as it shows it).
    assert '"<script>alert(1)<\\/script>"' in script
    assert "<script>alert(1)</script>" not in script


def test_saving_the_same_form_twice_creates_one_pin(monkeypatch, world_db):
    _, world, engine = world_db
    at = open_editor(monkeypatch, world_db)
    used = at.session_state[state.EDITOR_TOKEN]
    save_library(at, world=world)
    # A second submit of the very same form (same one-time token) arrives late.
    at.session_state[state.EDITOR_TOKEN] = used
    at.run()
    save_library(at, world=world)
    assert any("Ten formularz został już zapisany" in i for i in texts(at.info))
    assert len(resources(engine)) == 1


def test_a_need_for_the_whole_area_is_saved_with_its_responding_resources(
    monkeypatch, world_db
):
    _, world, engine = world_db
    library = make_pin(engine, world.editor_a, "resource", world.area_a, LIBRARY, world.point_a)
    at = open_editor(monkeypatch, world_db)
    at.radio(key=state.EDITOR_LAYER).set_value("need").run()
    at.selectbox(key=new_form(at, "need", "category")).set_value("seniors_loneliness")
    at.text_input(key=new_form(at, "need", "name")).input("Samotność seniorów")
    at.selectbox(key=new_form(at, "need", "source_method")).set_value("survey")
    at.radio(key=new_form(at, "need", "priority")).set_value(3)
    at.checkbox(key=new_form(at, "need", "whole_area")).check()
    at.multiselect(key=new_form(at, "need", "resource_ids")).set_value([library.id])
    at.button(key=new_form(at, "need", "save")).click().run()
    assert not at.exception
    with Session(engine) as session:
        need = session.scalars(select(Need)).one()
        links = session.scalars(select(NeedResource.resource_id)).all()
    assert (need.geom, need.priority, need.area_id) == (None, 3, world.area_a)
    assert links == [library.id]


def test_a_need_without_a_point_or_the_whole_area_box_asks_for_a_point(monkeypatch, world_db):
    _, _, engine = world_db
    at = open_editor(monkeypatch, world_db)
    at.radio(key=state.EDITOR_LAYER).set_value("need").run()
    at.selectbox(key=new_form(at, "need", "category")).set_value("seniors_loneliness")
    at.text_input(key=new_form(at, "need", "name")).input("Samotność")
    at.selectbox(key=new_form(at, "need", "source_method")).set_value("survey")
    at.button(key=new_form(at, "need", "save")).click().run()
    assert "Położenie: Zaznacz punkt na mapie lub wpisz współrzędne." in texts(at.error)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Need)) == 0


# --- editing an existing pin ------------------------------------------------------------


def show_tab(at, label):
    """Bring one of the editor's tabs forward: only the tab shown is drawn."""
    at.session_state[f"{state.EDITOR_TAB}.pl"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def tap_pin(at, lat, lon):
    key = editor_state.map_key_for(at.session_state[state.EDITOR_MAP_NONCE])
    previous = at.session_state[key] if key in at.session_state else None
    at.session_state[key] = {
        "last_clicked": (previous or {}).get("last_clicked"),
        "last_object_clicked": {"lat": lat, "lng": lon},
    }
    at.run()
    assert not at.exception, at.exception
    return at


def test_tapping_a_pin_opens_it_and_its_form_edits_it(monkeypatch, world_db):
    _, world, engine = world_db
    ref = make_pin(engine, world.editor_a, "resource", world.area_a, LIBRARY, world.point_a)
    at = open_editor(monkeypatch, world_db)
    lon, lat = world.point_a
    tap_pin(at, lat + 0.00005, lon)  # a finger is never exactly on the pin
    assert at.session_state[state.EDITOR_OPEN] == pins.PinRef("resource", ref.id, 1)
    assert "Zasoby: Biblioteka" in texts(at.subheader)
    assert at.text_input(key=edit_form(at, "name")).value == "Biblioteka"
    at.text_input(key=edit_form(at, "name")).input("Biblioteka Brzeźno, filia 5")
    at.button(key=edit_form(at, "save")).click().run()
    assert not at.exception
    assert "Zapisano zmiany." in texts(at.success)
    assert [r.name for r in resources(engine)] == ["Biblioteka Brzeźno, filia 5"]
    assert at.session_state[state.EDITOR_OPEN].version == 2


def test_an_open_need_has_one_resource_picker_and_saving_its_form_keeps_the_links(
    monkeypatch, world_db
):
    _, world, engine = world_db
    lon, lat = world.point_a
    library = make_pin(engine, world.editor_a, "resource", world.area_a, LIBRARY,
                       (lon + 0.003, lat))
    need = make_pin(engine, world.editor_a, "need", world.area_a, NEED, world.point_a)
    with Session(engine) as session, session.begin():
        pins.link_need_to_resources(session, world.editor_a, need, [library.id])
    at = open_editor(monkeypatch, world_db)
    at.radio(key=state.EDITOR_LAYER).set_value("need").run()
    tap_pin(at, lat, lon)
    assert at.session_state[state.EDITOR_OPEN].id == need.id
    # The plan panel's picker is the one left; the pin form has none.
    pickers = [m.key for m in at.multiselect if "resource" in (m.key or "")]
    generation = at.session_state[state.EDITOR_GENERATION]
    assert pickers == [f"calmap.editor.plan.resources.{need.id}.{generation}"]
    at.text_input(key=edit_form(at, "name")).input("Samotność seniorów w Brzeźnie")
    at.button(key=edit_form(at, "save")).click().run()
    assert not at.exception
    assert "Zapisano zmiany." in texts(at.success)
    with Session(engine) as session:
        assert session.scalars(select(NeedResource.resource_id)).all() == [library.id]
        assert session.get(Need, need.id).name == "Samotność seniorów w Brzeźnie"


def test_a_conflict_shows_the_other_persons_change_and_writes_nothing(monkeypatch, world_db):
    _, world, engine = world_db
    ref = make_pin(engine, world.editor_a, "resource", world.area_a, LIBRARY, world.point_a)
    at = open_editor(monkeypatch, world_db)
    lon, lat = world.point_a
    tap_pin(at, lat, lon)
    # Meanwhile the admin changes the opening hours.
    with Session(engine) as session, session.begin():
        pins.update_pin(session, world.admin, ref, {"opening_hours": "pon.–pt. 10–18"})
    at.text_input(key=edit_form(at, "name")).input("Nowa nazwa")
    at.button(key=edit_form(at, "save")).click().run()
    assert not at.exception
    assert any(e.startswith("Ktoś inny (ada) zmienił ten wpis") for e in texts(at.error))
    changes = at.dataframe[0].value
    row = changes[changes["Pole"] == "Godziny otwarcia"].iloc[0]
    assert (row["Co widziałeś(-aś)"], row["Co jest zapisane teraz"]) == ("—", "pon.–pt. 10–18")
    assert [r.name for r in resources(engine)] == ["Biblioteka"]
    # Reloading brings the stored version into the form.
    at.button(key="calmap.editor.reload.form").click().run()
    assert at.session_state[state.EDITOR_OPEN].version == 2
    assert at.text_area(key=edit_form(at, "opening_hours")).value == "pon.–pt. 10–18"


def test_an_open_pin_is_moved_retired_restored_and_undone(monkeypatch, world_db):
    _, world, engine = world_db
    make_pin(engine, world.editor_a, "resource", world.area_a, LIBRARY, world.point_a)
    at = open_editor(monkeypatch, world_db)
    lon, lat = world.point_a
    tap_pin(at, lat, lon)
    assert at.button(key="calmap.editor.move").disabled  # no new place marked yet
    type_coordinates(at, f"{lat + 0.001}, {lon + 0.001}")
    at.button(key="calmap.editor.move").click().run()
    assert "Przeniesiono wpis." in texts(at.success)
    with Session(engine) as session:
        assert session.scalar(select(func.ST_Y(Resource.geom))) == pytest.approx(lat + 0.001)

    at.button(key="calmap.editor.retire").click().run()
    assert resources(engine)[0].retired_at is not None
    assert "Ten wpis jest wycofany z mapy." in texts(at.warning)
    show_tab(at, "Tabela")
    assert at.dataframe[0].value.empty  # retired pins leave the table …
    assert "Biblioteka" in " ".join(texts(at.text))  # … for the retired list

    at.button(key="calmap.editor.restore").click().run()
    assert resources(engine)[0].retired_at is None
    at.button(key="calmap.editor.undo").click().run()  # undoes the restore
    assert "Cofnięto ostatnią zmianę." in texts(at.success)
    assert resources(engine)[0].retired_at is not None


def test_a_retired_pin_is_restored_from_the_retired_list(monkeypatch, world_db):
    _, world, engine = world_db
    ref = make_pin(engine, world.editor_a, "resource", world.area_a, LIBRARY, world.point_a)
    with Session(engine) as session, session.begin():
        pins.retire_pin(session, world.editor_a, ref)
    at = open_editor(monkeypatch, world_db)
    show_tab(at, "Tabela")
    at.button(key=f"calmap.editor.restore.resource.{ref.id}").click().run()
    assert not at.exception
    assert resources(engine)[0].retired_at is None
    assert "Przywrócono wpis na mapę." in texts(at.success)


def test_the_history_shows_who_changed_what_including_edits_made_in_qgis(
    monkeypatch, world_db
):
    _, world, engine = world_db
    ref = make_pin(engine, world.editor_a, "resource", world.area_a, LIBRARY, world.point_a)
    with Session(engine) as session, session.begin():
        set_app_user(session, None)  # a QGIS connection, not the app
        session.execute(text("UPDATE resource SET phone = '58 000 00 00' WHERE id = :id"),
                        {"id": ref.id})
    at = open_editor(monkeypatch, world_db)
    lon, lat = world.point_a
    tap_pin(at, lat, lon)
    show_tab(at, "Historia")
    history = at.dataframe[-1].value
    assert list(history["Operacja"]) == ["zmiana", "utworzenie"]
    assert history["Kto"].iloc[0].endswith("(QGIS/SQL)")
    assert history["Kto"].iloc[1] == "ewa"
    assert history["Co się zmieniło"].iloc[0] == "Telefon: — → 58 000 00 00"
    # Restoring the first version brings the old phone number back, as a new version.
    [button] = [b for b in at.button if b.key and b.key.startswith("calmap.editor.version.")]
    button.click().run()
    assert "Przywrócono wybraną wersję (jako nową zmianę)." in texts(at.success)
    assert resources(engine)[0].phone is None
    assert resources(engine)[0].version == 3


# --- the table and bulk actions ---------------------------------------------------------


def needs_table(monkeypatch, world_db, count=3):
    _, world, engine = world_db
    refs = [
        make_pin(engine, world.editor_a, "need", world.area_a,
                 {**NEED, "name": f"Potrzeba {i}"}, world.point_a)
        for i in range(count)
    ]
    at = open_editor(monkeypatch, world_db)
    at.radio(key=state.EDITOR_LAYER).set_value("need").run()
    show_tab(at, "Tabela")
    return at, refs


def select_rows(at, layer, rows):
    at.session_state[state.EDITOR_TABLE + layer] = {"selection": {"rows": rows, "columns": []}}
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_bulk_status_change_sets_the_status_of_the_selected_needs(monkeypatch, world_db):
    at, refs = needs_table(monkeypatch, world_db)
    _, _, engine = world_db
    table = at.dataframe[0].value
    assert list(table["Nazwa"]) == ["Potrzeba 0", "Potrzeba 1", "Potrzeba 2"]
    select_rows(at, "need", [0, 2])
    assert "Zaznaczone wiersze: 2" in " ".join(texts(at.caption))
    at.selectbox(key=state.EDITOR_BULK_STATUS).set_value("being_addressed")
    at.button(key="calmap.editor.bulk_status_button").click().run()
    assert not at.exception
    assert "Zmieniono status potrzeb: 2." in texts(at.success)
    with Session(engine) as session:
        statuses = session.scalars(select(Need.status).order_by(Need.id)).all()
    assert statuses == ["being_addressed", "identified", "being_addressed"]
    assert list(at.dataframe[0].value["Status"]) == [
        "w trakcie zaspokajania", "rozpoznana", "w trakcie zaspokajania",
    ]


def test_a_stale_row_refuses_the_whole_bulk_action_with_the_conflict(monkeypatch, world_db):
    at, refs = needs_table(monkeypatch, world_db)
    _, world, engine = world_db
    select_rows(at, "need", [0, 1])
    with Session(engine) as session, session.begin():
        pins.update_pin(session, world.admin, refs[1], {"priority": 3})
    at.selectbox(key=state.EDITOR_BULK_STATUS).set_value("met")
    at.button(key="calmap.editor.bulk_status_button").click().run()
    assert any(e.startswith("Ktoś inny (ada) zmienił ten wpis") for e in texts(at.error))
    with Session(engine) as session:
        assert set(session.scalars(select(Need.status))) == {"identified"}


def test_verified_today_marks_the_selected_resources_with_the_users_name(
    monkeypatch, world_db
):
    _, world, engine = world_db
    for name in ("Biblioteka", "Szkoła"):
        make_pin(engine, world.editor_a, "resource", world.area_a,
                 {**LIBRARY, "name": name}, world.point_a)
    at = open_editor(monkeypatch, world_db)
    show_tab(at, "Tabela")
    select_rows(at, "resource", [1])
    at.button(key="calmap.editor.bulk_verified_button").click().run()
    assert "Oznaczono zasoby jako sprawdzone dzisiaj: 1." in texts(at.success)
    by_name = {r.name: r for r in resources(engine)}
    assert (by_name["Szkoła"].verified_on, by_name["Szkoła"].verified_by) == (
        dt.date.today(), "ewa",
    )
    assert by_name["Biblioteka"].verified_on is None


def test_the_table_filters_by_text_and_status_and_opens_the_selected_row(
    monkeypatch, world_db
):
    at, refs = needs_table(monkeypatch, world_db)
    at.text_input(key="calmap.editor.find.need").input("potrzeba 1").run()
    assert list(at.dataframe[0].value["Nazwa"]) == ["Potrzeba 1"]
    at.multiselect(key="calmap.editor.statuses").set_value(["met"]).run()
    assert at.dataframe[0].value.empty
    at.multiselect(key="calmap.editor.statuses").set_value(["identified"]).run()
    select_rows(at, "need", [0])
    at.button(key="calmap.editor.open.need").click().run()
    assert at.session_state[state.EDITOR_OPEN] == pins.PinRef("need", refs[1].id, 1)


def test_the_editor_speaks_english_too(monkeypatch, world_db):
    at = open_editor(monkeypatch, world_db)
    at.sidebar.radio(key=state.LANGUAGE).set_value("en").run()
    assert not at.exception
    assert at.main.title[0].value == "Map editor: Brzeźno"
    assert at.button(key=new_form(at, "resource", "save")).label == "Save the new entry"


def test_an_admin_without_login_gets_the_editor(monkeypatch, world_db):
    url, world, _ = world_db
    at = start(monkeypatch, url, auth="none")
    at.switch_page(EDITOR).run()
    at.sidebar.selectbox(key=state.AREA_ID).set_value(world.area_b).run()
    assert not at.exception
    assert at.main.title[0].value == "Edytor mapy: Oliwa"
    assert not any("innego zespołu" in w for w in texts(at.warning))


# --- the pure helpers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("54.4075, 18.615", (54.4075, 18.615)),
        ("54,4075 18,615", (54.4075, 18.615)),
        ("54,4075, 18,615", (54.4075, 18.615)),
        ("54,4075;18,615", (54.4075, 18.615)),
        ("54,4075,18,615", (54.4075, 18.615)),
        (" 54.4075\u00a018.615 ", (54.4075, 18.615)),
    ],
)
def test_coordinates_are_read_as_people_type_them(typed, expected):
    assert positions.parse_coordinates(typed) == pytest.approx(expected)


@pytest.mark.parametrize("typed", ["", "54.4", "abc def", "54,4,18", "1 2 3", "nan nan"])
def test_anything_but_two_numbers_is_not_coordinates(typed):
    with pytest.raises(ValueError):
        positions.parse_coordinates(typed)


def test_a_tap_opens_the_nearest_pin_within_reach_only():
    frame = gpd.GeoDataFrame(
        {"id": [1, 2]}, geometry=[Point(18.60, 54.40), Point(18.6003, 54.40)], crs=4326
    )
    assert positions.nearest_pin({"resource": frame}, (18.60025, 54.40)) == ("resource", 2)
    assert positions.nearest_pin({"resource": frame}, (18.60, 54.41)) is None


def test_the_history_names_authors_by_display_name_to_the_second_with_distinct_restore_buttons(
    monkeypatch, world_db
):
    _, world, engine = world_db
    with Session(engine) as session, session.begin():
        session.execute(
            text("UPDATE app_user SET display_name = 'Ewa Nowak' WHERE username = 'ewa'")
        )
        # Three versions by one person within a second or so: alike to the minute.
        ref = pins.create_pin(session, world.editor_a, "resource", world.area_a, LIBRARY,
                              world.point_a)
        ref = pins.update_pin(session, world.editor_a, ref, {"phone": "58 000 00 00"})
        pins.update_pin(session, world.editor_a, ref, {"phone": "58 111 11 11"})
    at = open_editor(monkeypatch, world_db)
    lon, lat = world.point_a
    tap_pin(at, lat, lon)
    show_tab(at, "Historia")
    history = at.dataframe[-1].value
    # Read through the app's runtime role, which may read app_user's display name only.
    assert list(history["Kto"]) == ["Ewa Nowak"] * 3
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", w) for w in history["Kiedy"])
    labels = [b.label for b in at.button if b.key and b.key.startswith("calmap.editor.version.")]
    assert len(labels) == 2 and len(set(labels)) == 2
    assert all("Przywróć tę wersję" in label and "Ewa Nowak" in label for label in labels)


def test_versions_carry_the_authors_display_name_and_the_database_user_for_qgis_edits(session):
    world = build_world(session)
    session.execute(text("UPDATE app_user SET display_name = 'Ewa Nowak' WHERE username = 'ewa'"))
    ref = pins.create_pin(session, world.editor_a, "resource", world.area_a, LIBRARY,
                          world.point_a)
    set_app_user(session, None)  # as QGIS would: no app user
    session.execute(text("UPDATE resource SET phone = '58 000 00 00' WHERE id = :id"),
                    {"id": ref.id})
    newest, first = pins.versions(session, world.editor_a, "resource", ref.id)
    assert (first.changed_by, first.changed_by_name, first.author) == ("ewa", "Ewa Nowak",
                                                                       "Ewa Nowak")
    assert newest.changed_by_name is None and newest.author.endswith("(QGIS/SQL)")


def test_restore_buttons_never_share_a_label():
    rows = [{"when": "2026-06-01 12:00:00", "who": "Ewa"}] * 3 + [
        {"when": "2026-06-01 12:00:01", "who": "Ewa"}
    ]
    labels = pin_forms.restore_labels(rows, "pl")
    assert len(set(labels)) == 4


def test_history_rows_name_each_changed_field_with_before_and_after():
    now = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
    versions = [
        Version(2, now, "ewa", "UPDATE", {"status": "met", "priority": 3, "name": "A"}),
        Version(1, now, "ewa", "INSERT", {"status": "identified", "priority": 3, "name": "A"}),
    ]
    rows = pin_forms.history_rows("need", versions, "en", {})
    assert rows[0]["changes"] == "Status: identified → met"
    assert rows[0]["when"] == "2026-06-01 12:00:00"  # Warsaw time, to the second
    assert rows[1]["changes"] == "entry created"


# --- the reads and map pieces the editor added to the core ------------------------------


def test_pins_can_carry_the_version_an_editor_must_hold(session):
    world = build_world(session)
    ref = pins.create_pin(session, world.editor_a, "resource", world.area_a, LIBRARY,
                          world.point_a)
    pins.update_pin(session, world.editor_a, ref, {"phone": "58 000 00 00"})
    frame = layers.pins(session, "resource", [world.area_a], with_version=True)
    assert list(frame["version"]) == [2]
    assert "version" not in layers.pins(session, "resource", [world.area_a]).columns


def test_need_resources_lists_the_resources_linked_to_a_need(session):
    world = build_world(session)
    need = pins.create_pin(session, world.editor_a, "need", world.area_a, NEED, None)
    found = [
        pins.create_pin(session, world.editor_a, "resource", world.area_a,
                        {**LIBRARY, "name": name}, world.point_a).id
        for name in ("B", "A")
    ]
    assert layers.need_resources(session, need.id) == []
    pins.link_need_to_resources(session, world.editor_a, need, list(reversed(found)))
    assert layers.need_resources(session, need.id) == sorted(found)


def test_the_editor_map_lets_a_tap_inside_the_area_reach_the_map(demo_db_url):
    with Session(create_engine(demo_db_url)) as session:
        view = layers.overview(session, "Gdańsk")
    clickable = overview_map(view.areas, view.pins, view.catalogue).get_root().render()
    outlines = overview_map(
        view.areas, view.pins, view.catalogue, clickable_areas=False
    ).get_root().render()
    assert '"interactive": false' not in clickable
    assert '"interactive": false' in outlines
    # The pins keep their popups: each pin's popup rows travel with the layer
    # (calmap-pins.js builds the popup on click).
    assert outlines.count('"rowc"') == clickable.count('"rowc"') > 0


def test_the_editor_marks_are_a_dot_and_a_ring_that_never_catch_a_tap():
    both = _render(editor_marks((18.6, 54.4), (18.61, 54.41)))  # (lon, lat)
    assert both.count('"interactive": false') == 2
    assert "calmap-marked-point" in both and "calmap-selected-pin" in both
    assert "calmap-marked-point" not in _render(editor_marks(None, (18.61, 54.41)))


def _render(group):
    m = folium.Map()
    group.add_to(m)
    return m.get_root().render()
