"""Teams' editors record local partnerships, their areas and members with role and dates."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from mapping.db.models import Area, LayerHistory, PartnershipMember
from mapping.errors import ConflictError, NotFound, PermissionDenied, UserError, ValidationError
from mapping.services import partnerships, pins
from tests.editing_fixtures import build_world


@pytest.fixture()
def world(session):
    return build_world(session)


def team_of(session, area_id):
    return session.get(Area, area_id).team_id


def partner(session, world, name="Rada Osiedla", visibility="public", area="a"):
    area_id, point = (world.area_a, world.point_a) if area == "a" else (world.area_b, world.point_b)
    return pins.create_pin(
        session, world.admin, "partner", area_id,
        {"name": name, "sector": "council", "visibility": visibility}, point,
    )


def make(session, world, **kwargs):
    values = {"name": "Partnerstwo dla Brzeźna", "formed_on": dt.date(2010, 4, 26),
              "team_id": team_of(session, world.area_a), "area_ids": [world.area_a]}
    values.update(kwargs)
    return partnerships.create_partnership(session, world.editor_a, **values)


def test_an_editor_records_a_partnership_of_their_team_with_its_areas(session, world):
    ref = make(session, world)
    view = partnerships.partnership_view(session, world.editor_a, ref.id)
    assert view.summary.name == "Partnerstwo dla Brzeźna"
    assert view.summary.formed_on == dt.date(2010, 4, 26)
    assert view.area_ids == [world.area_a]
    assert list(view.areas["name"]) == ["Brzeźno"]
    assert view.may_manage


def test_an_editor_cannot_create_a_partnership_for_another_team(session, world):
    with pytest.raises(PermissionDenied):
        make(session, world, team_id=team_of(session, world.area_b))


def test_viewers_cannot_manage_partnerships_and_partnerships_without_a_team_are_admins(
    session, world
):
    with pytest.raises(PermissionDenied):
        partnerships.create_partnership(session, world.viewer, name="X")
    with pytest.raises(PermissionDenied):
        partnerships.create_partnership(session, world.editor_a, name="X", team_id=None)
    ref = partnerships.create_partnership(session, world.admin, name="Teraz Sochaczew",
                                          formed_on=dt.date(2008, 1, 1))
    assert ref.version == 1


def test_a_partnership_needs_a_name(session, world):
    with pytest.raises(ValidationError) as caught:
        make(session, world, name="  ")
    assert caught.value.fields == {"name": "error.required"}


def test_members_have_a_role_and_a_joined_on_date_and_appear_on_the_map(session, world):
    ref = make(session, world)
    rada = partner(session, world)
    member = partnerships.add_member(session, world.editor_a, ref.id, rada.id, role="członek",
                                     joined_on=dt.date(2010, 5, 1))
    view = partnerships.partnership_view(session, world.viewer, ref.id)
    assert [(m.partner_name, m.role, m.joined_on) for m in view.members] == [
        ("Rada Osiedla", "członek", dt.date(2010, 5, 1))
    ]
    assert list(view.partners["id"]) == [rada.id]
    assert view.summary.members == 1
    assert not view.may_manage
    partnerships.end_membership(session, world.editor_a, member, dt.date(2012, 1, 31))
    view = partnerships.partnership_view(session, world.viewer, ref.id)
    assert view.members[0].left_on == dt.date(2012, 1, 31)
    assert view.summary.members == 0 and len(view.partners) == 0


def test_a_member_cannot_join_before_the_partnership_was_formed_or_leave_before_joining(
    session, world
):
    ref = make(session, world)
    rada = partner(session, world)
    with pytest.raises(ValidationError) as caught:
        partnerships.add_member(session, world.editor_a, ref.id, rada.id,
                                joined_on=dt.date(2009, 1, 1))
    assert caught.value.fields == {"joined_on": "partnership.joined_before_formed"}
    member = partnerships.add_member(session, world.editor_a, ref.id, rada.id,
                                     joined_on=dt.date(2011, 1, 1))
    with pytest.raises(ValidationError) as caught:
        partnerships.update_member(session, world.editor_a, member,
                                   {"left_on": dt.date(2010, 12, 31)})
    assert caught.value.fields == {"left_on": "partnership.left_before_joined"}
    with pytest.raises(UserError, match="already"):
        partnerships.add_member(session, world.editor_a, ref.id, rada.id)


def test_a_stale_member_form_is_refused(session, world):
    ref = make(session, world)
    member = partnerships.add_member(session, world.editor_a, ref.id, partner(session, world).id)
    newer = partnerships.update_member(session, world.editor_a, member, {"role": "lider"})
    assert newer.version == member.version + 1
    with pytest.raises(ConflictError) as caught:
        partnerships.update_member(session, world.editor_a, member, {"role": "sekretarz"})
    assert caught.value.changes["role"] == (None, "lider")
    assert caught.value.changed_by == "ewa"


def test_renaming_a_partnership_is_locked_and_recorded_in_history(session, world):
    ref = make(session, world)
    renamed = partnerships.update_partnership(session, world.editor_a, ref,
                                              {"name": "Razem dla Brzeźna"})
    with pytest.raises(ConflictError):
        partnerships.update_partnership(session, world.admin, ref, {"name": "x"})
    history = session.scalars(
        select(LayerHistory.app_user).where(
            LayerHistory.table_name == "partnership", LayerHistory.row_id == ref.id
        )
    ).all()
    assert history == ["ewa", "ewa"]
    assert renamed.version == 2


def test_another_teams_editor_cannot_change_the_partnership(session, world):
    ref = make(session, world)
    with pytest.raises(PermissionDenied):
        partnerships.update_partnership(session, world.editor_b, ref, {"name": "x"})
    with pytest.raises(PermissionDenied):
        partnerships.set_areas(session, world.editor_b, ref.id, [world.area_b])
    with pytest.raises(PermissionDenied):
        partnerships.add_member(session, world.editor_b, ref.id, partner(session, world).id)


def test_a_hidden_partner_can_neither_be_added_nor_be_seen_as_a_member(session, world):
    ref = make(session, world)
    hidden = partner(session, world, "Tylko zespół B", visibility="team", area="b")
    with pytest.raises(NotFound):
        partnerships.add_member(session, world.editor_a, ref.id, hidden.id)
    partnerships.add_member(session, world.admin, ref.id, hidden.id, role="tajny")
    assert partnerships.partnership_view(session, world.viewer, ref.id).members == []
    assert partnerships.list_partnerships(session, world.viewer)[0].members == 0
    assert partnerships.list_partnerships(session, world.admin)[0].members == 1


def test_the_areas_can_be_replaced_and_unknown_areas_are_refused(session, world):
    ref = make(session, world)
    partnerships.set_areas(session, world.editor_a, ref.id, [world.area_a, world.area_b])
    assert partnerships.partnership_view(session, world.admin, ref.id).area_ids == sorted(
        [world.area_a, world.area_b]
    )
    with pytest.raises(ValidationError):
        partnerships.set_areas(session, world.editor_a, ref.id, [999_999])


def test_a_retired_partnership_leaves_the_list_and_removing_a_member_keeps_history(
    session, world
):
    ref = make(session, world)
    member = partnerships.add_member(session, world.editor_a, ref.id, partner(session, world).id)
    partnerships.remove_member(session, world.editor_a, member)
    assert session.get(PartnershipMember, member.id) is None
    operations = session.scalars(
        select(LayerHistory.operation).where(
            LayerHistory.table_name == "partnership_member", LayerHistory.row_id == member.id
        ).order_by(LayerHistory.id)
    ).all()
    assert operations == ["INSERT", "DELETE"]
    partnerships.retire_partnership(session, world.editor_a, ref)
    assert partnerships.list_partnerships(session, world.admin) == []
    with pytest.raises(NotFound):
        partnerships.partnership_view(session, world.admin, ref.id)


def test_the_list_filters_by_team_and_city(session, world):
    make(session, world)
    team_a = team_of(session, world.area_a)
    assert len(partnerships.list_partnerships(session, world.viewer, team_id=team_a)) == 1
    assert partnerships.list_partnerships(session, world.viewer, team_id=team_a + 1000) == []


def test_the_demo_has_wroclaws_five_dated_partnerships_and_teraz_sochaczew(demo_db_url):
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from mapping.services import accounts

    engine = create_engine(demo_db_url)
    with Session(engine) as session:
        admin = accounts.Actor(id=0, username="t", role="admin")
        found = {p.name: p for p in partnerships.list_partnerships(session, admin)}
        dates = {name: p.formed_on for name, p in found.items()}
        assert dates["Partnerstwo Polanka"] == dt.date(2008, 3, 27)
        assert dates["Partnerstwo „Razem dla Nadodrza”"] == dt.date(2010, 4, 26)
        assert dates["Partnerstwo Gądów & Kosmonautów"] == dt.date(2010, 6, 10)
        assert dates["Partnerstwo dla Leśnicy"] == dt.date(2010, 10, 27)
        assert dates["Partnerstwo 8 Scen"] == dt.date(2011, 3, 16)
        sochaczew = found["Partnerstwo „Teraz Sochaczew”"]
        assert sochaczew.members == 12
        view = partnerships.partnership_view(session, admin, sochaczew.id)
        assert "„Caritas” Diecezji Łowickiej – Sochaczew" in {m.partner_name for m in view.members}
        wroclaw = partnerships.list_partnerships(session, admin, city="Wrocław")
        assert len(wroclaw) == 5
    engine.dispose()
