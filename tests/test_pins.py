"""Organisers pin, edit, move, retire and restore pins; nothing is ever lost or overwritten."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from mapping.db import restrict_to_app_role, set_app_user
from mapping.db.models import Resource
from mapping.errors import ConflictError, PermissionDenied, UserError, ValidationError
from mapping.services import pins
from tests.editing_fixtures import build_world

LIBRARY = {"name": "Biblioteka Brzeźno", "category": "library", "visibility": "public"}


@pytest.fixture()
def world(session):
    return build_world(session)


def count(session, layer="resource"):
    return session.scalar(select(func.count()).select_from(pins.MODELS[layer]))


def test_an_editor_pins_a_resource_in_their_teams_area_and_history_names_them(session, world):
    ref = pins.create_pin(session, world.editor_a, "resource", world.area_a, LIBRARY, world.point_a)
    row = session.get(Resource, ref.id)
    assert (row.name, row.kind, row.version) == ("Biblioteka Brzeźno", "institution_public", 1)
    history = pins.versions(session, world.editor_a, "resource", ref.id)
    assert [(v.operation, v.changed_by) for v in history] == [("INSERT", "ewa")]


def test_an_editor_cannot_pin_in_another_teams_area_and_nothing_is_written(session, world):
    before = count(session)
    with pytest.raises(PermissionDenied):
        pins.create_pin(session, world.editor_a, "resource", world.area_b, LIBRARY, world.point_b)
    assert count(session) == before


def test_a_viewer_cannot_pin_at_all(session, world):
    with pytest.raises(PermissionDenied):
        pins.create_pin(session, world.viewer, "resource", world.area_a, LIBRARY, world.point_a)


def test_the_database_refuses_a_write_outside_the_users_team_even_when_a_page_forgets(
    session, world
):
    restrict_to_app_role(session, "ewa")
    with pytest.raises(DBAPIError, match="row-level security"):
        with session.begin_nested():
            session.execute(
                text(
                    "INSERT INTO resource (name, kind, category, area_id, geom) VALUES "
                    "('Obca', 'ngo', 'ngo_organisation', :area, "
                    "ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
                ),
                {"area": world.area_b, "x": world.point_b[0], "y": world.point_b[1]},
            )


def test_viewers_never_receive_team_only_pins_from_the_database(session, world):
    for visibility in ("public", "partnership", "team"):
        pins.create_pin(
            session,
            world.admin,
            "resource",
            world.area_a,
            {**LIBRARY, "name": f"Zasób {visibility}", "visibility": visibility},
            world.point_a,
        )
    restrict_to_app_role(session, "wiktor")
    seen = session.scalars(text("SELECT visibility FROM resource ORDER BY id")).all()
    assert sorted(seen) == ["partnership", "public"]
    restrict_to_app_role(session, "ewa")
    assert "team" in session.scalars(text("SELECT visibility FROM resource")).all()
    restrict_to_app_role(session, "bartek")
    assert "team" not in session.scalars(text("SELECT visibility FROM resource")).all()


def test_a_pin_outside_the_area_needs_to_be_marked_as_serving_it_from_outside(session, world):
    with pytest.raises(ValidationError) as info:
        pins.create_pin(session, world.editor_a, "resource", world.area_a, LIBRARY, world.point_b)
    assert info.value.fields == {"point": "error.point_outside_area"}
    ref = pins.create_pin(
        session,
        world.editor_a,
        "resource",
        world.area_a,
        {**LIBRARY, "serves_from_outside": True},
        world.point_b,
    )
    assert session.get(Resource, ref.id).serves_from_outside


@pytest.mark.parametrize(
    ("point", "key"),
    [
        ((18.9, 54.6), "error.point_outside_poland"),  # Gulf of Gdańsk
        ((54.37, 18.66), "error.point_swapped"),  # lat/lon typed the wrong way round
        (("abc", 54.3), "error.point_not_number"),
        ((float("nan"), 54.3), "error.point_not_number"),
    ],
)
def test_a_point_in_the_sea_or_with_swapped_coordinates_is_refused(session, world, point, key):
    before = count(session)
    with pytest.raises(ValidationError) as info:
        pins.create_pin(session, world.editor_a, "resource", world.area_a, LIBRARY, point)
    assert info.value.fields == {"point": key}
    assert count(session) == before


@pytest.mark.parametrize(
    ("data", "field", "key"),
    [
        ({**LIBRARY, "category": "casino"}, "category", "error.unknown_choice"),
        ({**LIBRARY, "description": "x" * 10_000_000}, "description", "error.too_long"),
        ({**LIBRARY, "name": "   "}, "name", "error.required"),
        ({**LIBRARY, "name": "zero\x00byte"}, "name", "error.control_characters"),
        ({**LIBRARY, "email": "not-an-address"}, "email", "error.email"),
        ({**LIBRARY, "www": "javascript:alert(1)"}, "www", "error.www"),
        ({**LIBRARY, "target_groups": ["dragons"]}, "target_groups", "error.unknown_choice"),
        ({**LIBRARY, "visibility": "secret"}, "visibility", "error.unknown_choice"),
    ],
)
def test_bad_values_are_refused_field_by_field(session, world, data, field, key):
    with pytest.raises(ValidationError) as info:
        pins.create_pin(session, world.editor_a, "resource", world.area_a, data, world.point_a)
    assert info.value.fields[field] == key


def test_script_in_a_name_is_stored_as_typed_for_escaping_on_output(session, world):
    name = "<script>alert('x')</script> Klub"
    ref = pins.create_pin(
        session, world.editor_a, "resource", world.area_a, {**LIBRARY, "name": name}, world.point_a
    )
    assert session.get(Resource, ref.id).name == name


def test_a_whole_area_need_has_no_point(session, world):
    need = {
        "name": "Samotność seniorów",
        "category": "seniors_loneliness",
        "priority": 3,
        "status": "identified",
        "source_method": "survey",
        "visibility": "public",
        "target_groups": ["seniors"],
    }
    ref = pins.create_pin(session, world.editor_a, "need", world.area_a, need, None)
    values = pins.pin_values(pins.get_pin(session, world.editor_a, "need", ref.id), "need")
    assert values["lon"] is None and values["area_id"] == world.area_a


NEED = {
    "name": "Samotność seniorów", "category": "seniors_loneliness", "priority": 3,
    "status": "identified", "source_method": "survey", "visibility": "public",
}


def test_a_need_needs_a_point_unless_it_covers_the_whole_area(session, world):
    """The rule the editor's new and edit forms both leave to the service (pins.placement)."""
    with pytest.raises(ValidationError) as refused:
        pins.create_pin(session, world.editor_a, "need", world.area_a, NEED, None,
                        whole_area=False)
    assert refused.value.fields == {"point": "error.point_required"}
    # Ticking "whole area" wins over a point marked by mistake.
    ref = pins.create_pin(session, world.editor_a, "need", world.area_a, NEED, world.point_a,
                          whole_area=True)

    def position(ref):
        values = pins.pin_values(pins.get_pin(session, world.editor_a, "need", ref.id), "need")
        return values["lon"], values["lat"]

    assert position(ref) == (None, None)
    with pytest.raises(ValidationError) as refused:
        pins.update_pin(session, world.editor_a, ref, {}, point=None, whole_area=False)
    assert refused.value.fields == {"point": "error.point_required"}
    ref = pins.update_pin(session, world.editor_a, ref, {}, point=world.point_a,
                          whole_area=False)
    assert position(ref) == pytest.approx(world.point_a)
    # Kept where it is: the form's marked point only moves a need through "move here".
    ref = pins.update_pin(session, world.editor_a, ref, {"priority": 1},
                          point=(18.0, 54.0), whole_area=False)
    assert position(ref) == pytest.approx(world.point_a)
    ref = pins.update_pin(session, world.editor_a, ref, {}, point=None, whole_area=True)
    assert position(ref) == (None, None)


def test_the_second_save_of_the_same_pin_is_refused_and_shows_what_the_other_person_changed(
    session, world
):
    ref = pins.create_pin(session, world.admin, "resource", world.area_a, LIBRARY, world.point_a)
    pins.update_pin(session, world.editor_a, ref, {"opening_hours": "pon.–pt. 10–18"})
    with pytest.raises(ConflictError) as info:
        pins.update_pin(session, world.admin, ref, {"name": "Filia nr 5"})
    assert info.value.changed_by == "ewa"
    assert info.value.changes["opening_hours"] == (None, "pon.–pt. 10–18")
    assert session.get(Resource, ref.id).name == "Biblioteka Brzeźno"


def test_an_edit_made_in_qgis_also_makes_a_stale_form_conflict(session, world):
    ref = pins.create_pin(session, world.editor_a, "resource", world.area_a, LIBRARY, world.point_a)
    set_app_user(session, None)  # what follows is a QGIS connection, not the app
    session.execute(
        text("UPDATE resource SET phone = '58 123 45 67' WHERE id = :id"), {"id": ref.id}
    )
    with pytest.raises(ConflictError) as info:
        pins.update_pin(session, world.editor_a, ref, {"name": "Nowa nazwa"})
    assert info.value.changed_by.endswith("(QGIS/SQL)")
    assert "phone" in info.value.changes


def test_a_stale_form_submitted_twice_creates_one_pin(session, world):
    pins.create_pin(
        session, world.editor_a, "resource", world.area_a, LIBRARY, world.point_a, form_token="f1"
    )
    before = count(session)
    with pytest.raises(UserError) as info:
        with session.begin_nested():
            pins.create_pin(
                session,
                world.editor_a,
                "resource",
                world.area_a,
                LIBRARY,
                world.point_a,
                form_token="f1",
            )
    assert info.value.key == "error.form_already_saved"
    assert count(session) == before


def test_move_retire_restore_and_undo_keep_every_version(session, world):
    ref = pins.create_pin(session, world.editor_a, "resource", world.area_a, LIBRARY, world.point_a)
    moved_to = (world.point_a[0] + 0.001, world.point_a[1])
    ref = pins.move_pin(session, world.editor_a, ref, moved_to)
    ref = pins.retire_pin(session, world.editor_a, ref)
    assert [
        r.id for r in pins.retired_pins(session, world.editor_a, "resource", [world.area_a])
    ] == [ref.id]
    ref = pins.restore_pin(session, world.editor_a, ref)
    ref = pins.undo_last(session, world.editor_a, ref)  # undoes the restore
    assert session.get(Resource, ref.id).retired_at is not None
    history = pins.versions(session, world.editor_a, "resource", ref.id)
    assert [v.operation for v in history] == ["UPDATE"] * 4 + ["INSERT"]
    first = history[-1]
    ref = pins.restore_version(session, world.editor_a, ref, first.history_id)
    values = pins.pin_values(session.get(Resource, ref.id), "resource")
    assert values["retired_at"] is None
    assert (values["lon"], values["lat"]) == pytest.approx(world.point_a)
    assert ref.version == 6


def test_undoing_a_new_pin_retires_it(session, world):
    ref = pins.create_pin(session, world.editor_a, "resource", world.area_a, LIBRARY, world.point_a)
    pins.undo_last(session, world.editor_a, ref)
    assert session.get(Resource, ref.id).retired_at is not None


def test_bulk_status_change_is_all_or_nothing_when_one_row_is_stale(session, world):
    need = {
        "name": "Brak świetlicy",
        "category": "meeting_place",
        "priority": 2,
        "status": "identified",
        "source_method": "diagnostic_walk",
        "visibility": "public",
    }
    refs = [
        pins.create_pin(
            session, world.editor_a, "need", world.area_a, {**need, "name": f"N{i}"}, None
        )
        for i in range(3)
    ]
    pins.update_pin(session, world.admin, refs[2], {"priority": 3})
    with pytest.raises(ConflictError):
        with session.begin_nested():
            pins.bulk_set_status(session, world.editor_a, refs, "being_addressed")
    statuses = session.scalars(text("SELECT status FROM need ORDER BY id")).all()
    assert statuses == ["identified"] * 3


def test_bulk_verified_today_marks_every_resource(session, world):
    refs = [
        pins.create_pin(
            session,
            world.editor_a,
            "resource",
            world.area_a,
            {**LIBRARY, "name": f"R{i}"},
            world.point_a,
        )
        for i in range(2)
    ]
    today = dt.date(2026, 11, 24)
    pins.bulk_mark_verified(session, world.editor_a, refs, today, "Ewa")
    rows = session.execute(text("SELECT verified_on, verified_by FROM resource")).all()
    assert set(rows) == {(today, "Ewa")}
