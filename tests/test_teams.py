"""Admins create and rename district teams, choose their members and give them areas."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mapping.db.models import Area, LayerHistory
from mapping.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from mapping.services import accounts, pins, teams
from tests.editing_fixtures import build_world


@pytest.fixture()
def world(session):
    return build_world(session)


def test_an_admin_creates_a_team_and_renames_it(session, world):
    ref = teams.create_team(session, world.admin, code="WRO-ZTPS-11", name="ZTPS 11",
                            city="Wrocław")
    renamed = teams.update_team(session, world.admin, ref, {"name": "ZTPS 11 – Psie Pole"})
    assert renamed.version == ref.version + 1
    summary = next(t for t in teams.list_teams(session, "Wrocław") if t.id == ref.id)
    assert (summary.code, summary.name) == ("WRO-ZTPS-11", "ZTPS 11 – Psie Pole")
    users = session.scalars(
        select(LayerHistory.app_user).where(LayerHistory.table_name == "team",
                                            LayerHistory.row_id == ref.id)
    ).all()
    assert users == ["ada", "ada"]


def test_only_admins_manage_teams(session, world):
    for actor in (world.editor_a, world.viewer):
        with pytest.raises(PermissionDenied):
            teams.create_team(session, actor, code="x1", name="X")


def test_team_codes_are_checked_and_unique(session, world):
    with pytest.raises(ValidationError) as caught:
        teams.create_team(session, world.admin, code="zły kod!", name="X")
    assert caught.value.fields == {"code": "team.bad_code"}
    with pytest.raises(ValidationError) as caught:
        teams.create_team(session, world.admin, code="TEST-A", name="X")
    assert caught.value.fields == {"code": "team.code_taken"}
    with pytest.raises(ValidationError) as caught:
        teams.create_team(session, world.admin, code="ok-1", name=" ")
    assert caught.value.fields == {"name": "error.required"}


def test_a_stale_rename_is_refused(session, world):
    ref = teams.create_team(session, world.admin, code="t-1", name="Pierwsza")
    teams.update_team(session, world.admin, ref, {"name": "Druga"})
    with pytest.raises(ConflictError):
        teams.update_team(session, world.admin, ref, {"name": "Trzecia"})


def test_members_join_and_leave_and_their_rights_follow(session, world):
    team_b = session.get(Area, world.area_b).team_id
    teams.add_member(session, world.admin, team_b, "ewa")
    ewa = accounts.actor_for(session, "ewa")
    assert team_b in ewa.team_ids
    pins.create_pin(session, ewa, "resource", world.area_b,
                    {"name": "Biblioteka Oliwa", "category": "library", "visibility": "public"},
                    world.point_b)
    summary = next(t for t in teams.list_teams(session) if t.id == team_b)
    assert summary.members == ("bartek", "ewa")
    teams.remove_member(session, world.admin, team_b, "ewa")
    assert team_b not in accounts.actor_for(session, "ewa").team_ids
    with pytest.raises(PermissionDenied):
        teams.add_member(session, world.editor_a, team_b, "ewa")


def test_an_admin_gives_an_area_to_another_team(session, world):
    team_a = session.get(Area, world.area_a).team_id
    area = session.get(Area, world.area_b)
    version = teams.assign_area(session, world.admin, world.area_b, team_a, area.version)
    assert session.get(Area, world.area_b).team_id == team_a
    assert version == 2
    summary = next(t for t in teams.list_teams(session) if t.id == team_a)
    assert summary.area_ids == tuple(sorted((world.area_a, world.area_b)))
    with pytest.raises(ConflictError):
        teams.assign_area(session, world.admin, world.area_b, None, 1)
    with pytest.raises(PermissionDenied):
        teams.assign_area(session, world.editor_a, world.area_a, None)
    with pytest.raises(NotFound):
        teams.assign_area(session, world.admin, 999_999, None)
