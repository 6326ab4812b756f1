"""Snapshots name a date whose map is read from history; two of them give the evidence of change."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mapping import db
from mapping.analysis import changes
from mapping.analysis.export_data import LOCAL_TIMEZONE
from mapping.db.models import Area
from mapping.errors import NotFound, PermissionDenied, UserError
from mapping.services import export_rows, partnerships, pins, snapshots
from mapping.services.accounts import Actor
from tests.editing_fixtures import build_world
from tests.test_cli import calmap

TODAY = dt.datetime.now(LOCAL_TIMEZONE).date()


def names(data, layer):
    return set(data.frames[layer]["name"])


def resource(session, actor, area_id, point, name, visibility="public", category="library"):
    return pins.create_pin(
        session, actor, "resource", area_id,
        {"name": name, "category": category, "visibility": visibility}, point,
    )


def partner(session, actor, area_id, point, name, sector="ngo"):
    return pins.create_pin(
        session, actor, "partner", area_id,
        {"name": name, "sector": sector, "visibility": "public"}, point,
    )


def need(session, actor, area_id, name, status="identified", category="seniors_loneliness"):
    return pins.create_pin(
        session, actor, "need", area_id,
        {"name": name, "category": category, "source_method": "survey", "priority": 2,
         "status": status, "visibility": "public"},
        None,
    )


# --- the service's rules and every bad input ----------------------------------------------


@pytest.fixture()
def world(session):
    found = build_world(session)
    resource(session, found.admin, found.area_a, found.point_a, "Biblioteka Brzeźno")
    return found


def test_an_editor_names_today_and_the_snapshot_reads_as_of_the_end_of_today(session, world):
    made = snapshots.create_snapshot(session, world.editor_a, "  Czerwiec 2026  ", TODAY)
    assert made.name == "Czerwiec 2026"
    assert made.on_date == TODAY
    assert made.taken_at == export_rows.as_of_moment(TODAY)
    assert made.created_by == "ewa"
    assert [s.name for s in snapshots.list_snapshots(session)] == ["Czerwiec 2026"]
    assert snapshots.get_snapshot(session, "czerwiec 2026").id == made.id
    assert names(snapshots.read_snapshot(session, world.viewer, made), "resource") == {
        "Biblioteka Brzeźno"
    }


def test_a_snapshot_without_a_date_is_the_moment_it_was_made(session, world):
    before = session.scalar(text("SELECT clock_timestamp()"))
    made = snapshots.create_snapshot(session, world.editor_a, "Spotkanie w świetlicy")
    after = session.scalar(text("SELECT clock_timestamp()"))
    assert before < made.taken_at < after
    assert made.on_date == made.taken_at.astimezone(LOCAL_TIMEZONE).date()


def test_a_snapshot_can_be_an_exact_moment(session, world):
    moment = dt.datetime.now(dt.UTC)
    made = snapshots.create_snapshot(session, world.admin, "Spotkanie partnerstwa", moment)
    assert made.taken_at == moment
    assert made.on_date == moment.astimezone(LOCAL_TIMEZONE).date()


@pytest.mark.parametrize("name", ["", "   ", None])
def test_an_empty_name_is_refused(session, world, name):
    with pytest.raises(UserError) as caught:
        snapshots.create_snapshot(session, world.admin, name)
    assert caught.value.key == "snapshot.empty_name"


def test_a_name_of_200_characters_is_refused_and_one_of_100_is_taken(session, world):
    with pytest.raises(UserError) as caught:
        snapshots.create_snapshot(session, world.admin, "Ż" * 200)
    assert caught.value.key == "snapshot.name_too_long"
    assert "100" in str(caught.value) and "200" in str(caught.value)
    with pytest.raises(UserError):
        snapshots.create_snapshot(session, world.admin, "x" * 101)
    assert snapshots.create_snapshot(session, world.admin, "ą" * 100).name == "ą" * 100


def test_a_duplicate_name_is_refused_whatever_its_letter_case(session, world):
    snapshots.create_snapshot(session, world.admin, "Czerwiec 2026")
    with pytest.raises(UserError) as caught:
        snapshots.create_snapshot(session, world.editor_b, "CZERWIEC 2026 ")
    assert caught.value.key == "snapshot.duplicate"
    assert caught.value.params == {"name": "Czerwiec 2026"}


def test_the_database_also_refuses_a_duplicate_name_in_another_case(session, world):
    snapshots.create_snapshot(session, world.admin, "Czerwiec 2026")
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(text(
            "INSERT INTO snapshot (name, on_date, taken_at) VALUES ('czerwiec 2026', now(), now())"
        ))


def test_an_unknown_snapshot_names_the_known_ones(session, world):
    with pytest.raises(NotFound) as caught:
        snapshots.get_snapshot(session, "Czerwiec 2025")
    assert caught.value.key == "snapshot.unknown_none"
    snapshots.create_snapshot(session, world.admin, "Czerwiec 2026")
    snapshots.create_snapshot(session, world.admin, "Grudzień 2026")
    with pytest.raises(NotFound) as caught:
        snapshots.read_snapshot(session, world.admin, "Czerwiec 2025")
    assert caught.value.key == "snapshot.unknown"
    assert caught.value.params["known"] == "Czerwiec 2026; Grudzień 2026"
    assert "Grudzień 2026" in str(caught.value)


def test_a_date_in_the_future_is_refused(session, world):
    tomorrow = TODAY + dt.timedelta(days=1)
    for value in (tomorrow, tomorrow.isoformat(), dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)):
        with pytest.raises(UserError) as caught:
            snapshots.create_snapshot(session, world.admin, "Jutro", value)
        assert caught.value.key == "snapshot.future_date"


def test_a_date_before_any_data_names_the_date_of_the_first_record(session, world):
    with pytest.raises(UserError) as caught:
        snapshots.create_snapshot(session, world.admin, "Dawno temu", "2000-01-01")
    assert caught.value.key == "snapshot.before_data"
    assert caught.value.params == {"date": "2000-01-01", "first": TODAY.isoformat()}
    with pytest.raises(UserError) as caught:
        snapshots.create_snapshot(session, world.admin, "Wczoraj", TODAY - dt.timedelta(days=1))
    assert caught.value.key == "snapshot.before_data"


def test_a_bad_date_is_refused(session, world):
    with pytest.raises(UserError) as caught:
        snapshots.create_snapshot(session, world.admin, "Czerwiec", "1 czerwca")
    assert caught.value.key == "export.bad_date"


def test_an_empty_database_has_nothing_to_snapshot(session):
    admin = Actor(id=0, username="calmap-cli", role="admin")
    with pytest.raises(UserError) as caught:
        snapshots.create_snapshot(session, admin, "Pusto")
    assert caught.value.key == "snapshot.no_data"


def test_a_viewer_may_not_create_and_only_an_admin_deletes(session, world):
    with pytest.raises(PermissionDenied) as caught:
        snapshots.create_snapshot(session, world.viewer, "Czerwiec 2026")
    assert caught.value.key == "snapshot.viewer_cannot_create"
    snapshots.create_snapshot(session, world.editor_a, "Czerwiec 2026")
    with pytest.raises(PermissionDenied) as caught:
        snapshots.delete_snapshot(session, world.editor_a, "Czerwiec 2026")
    assert caught.value.key == "snapshot.admin_only_delete"
    snapshots.delete_snapshot(session, world.admin, "czerwiec 2026")
    assert snapshots.list_snapshots(session) == []
    # The layers are untouched.
    assert session.query(Area).count() == 2


def test_the_database_lets_every_user_read_editors_create_and_nobody_update(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with db.session_scope(engine, "calmap-cli") as session:
        world = build_world(session)
        resource(session, world.admin, world.area_a, world.point_a, "Biblioteka")
    with db.session_scope(engine, "ewa", restricted=True) as session:
        snapshots.create_snapshot(session, world.editor_a, "Czerwiec 2026")
    with db.session_scope(engine, "wiktor", restricted=True) as session:
        assert [s.name for s in snapshots.list_snapshots(session)] == ["Czerwiec 2026"]
    for user, statement in (
        ("wiktor", "INSERT INTO snapshot (name, on_date, taken_at) VALUES ('X', now(), now())"),
        ("ewa", "UPDATE snapshot SET name = 'Lipiec 2026'"),
    ):
        with pytest.raises(DBAPIError), db.session_scope(engine, user, restricted=True) as s:
            s.execute(text(statement))
    with db.session_scope(engine, "ewa", restricted=True) as session:
        # The policy hides the row from an editor's delete: nothing is deleted.
        assert session.execute(text("DELETE FROM snapshot")).rowcount == 0
    with db.session_scope(engine, "ada", restricted=True) as session:
        snapshots.delete_snapshot(session, world.admin, "Czerwiec 2026")
        assert snapshots.list_snapshots(session) == []
    engine.dispose()


# --- a snapshot taken before an edit does not show the edit -------------------------------


def test_a_snapshot_taken_before_an_edit_does_not_show_the_edit(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with db.session_scope(engine, "calmap-cli") as session:
        world = build_world(session)
        ref = resource(session, world.admin, world.area_a, world.point_a, "Świetlica „Promyk”")
    # History is stamped by the database's clock: this moment lies between the two edits.
    between = dt.datetime.now(dt.UTC)
    with db.session_scope(engine, "ada", restricted=True) as session:
        pins.update_pin(session, world.admin, ref, {"name": "Świetlica „Promyk” – nowa nazwa"})
        resource(session, world.admin, world.area_a, world.point_a, "Nowa biblioteka")
    with db.session_scope(engine, "ada", restricted=True) as session:
        snapshots.create_snapshot(session, world.admin, "Przed zmianą", between)
        snapshots.create_snapshot(session, world.admin, "Dziś")
    with db.session_scope(engine, "wiktor", restricted=True) as session:
        before = snapshots.read_snapshot(session, world.viewer, "Przed zmianą")
        today = snapshots.read_snapshot(session, world.viewer, "Dziś")
        now = export_rows.read_export(session, world.viewer)
    assert names(before, "resource") == {"Świetlica „Promyk”"}
    assert names(today, "resource") == {"Świetlica „Promyk” – nowa nazwa", "Nowa biblioteka"}
    assert names(now, "resource") == names(today, "resource")
    assert before.selection.as_of == between
    engine.dispose()


def test_a_snapshot_made_now_does_not_show_an_edit_made_later_the_same_day(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with db.session_scope(engine, "calmap-cli") as session:
        world = build_world(session)
        ref = resource(session, world.admin, world.area_a, world.point_a, "Świetlica „Promyk”")
    with db.session_scope(engine, "ada", restricted=True) as session:
        snapshots.create_snapshot(session, world.admin, "Teraz")
        snapshots.create_snapshot(session, world.admin, "Cały dzień", TODAY)
    # Later the same day: a rename and a new pin.
    with db.session_scope(engine, "ada", restricted=True) as session:
        pins.update_pin(session, world.admin, ref, {"name": "Świetlica „Promyk” – nowa nazwa"})
        resource(session, world.admin, world.area_a, world.point_a, "Nowa biblioteka")
    with db.session_scope(engine, "wiktor", restricted=True) as session:
        frozen = snapshots.read_snapshot(session, world.viewer, "Teraz")
        whole_day = snapshots.read_snapshot(session, world.viewer, "Cały dzień")
        report = snapshots.compare_snapshots(session, world.viewer, "Teraz", "Cały dzień")
    assert names(frozen, "resource") == {"Świetlica „Promyk”"}
    # A date still means the whole day: the later edits are in it.
    assert names(whole_day, "resource") == {"Świetlica „Promyk” – nowa nazwa", "Nowa biblioteka"}
    assert report.city.names("new_resources") == ("Nowa biblioteka",)
    engine.dispose()


def test_the_command_without_a_date_freezes_the_moment_it_was_run(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with db.session_scope(engine, "calmap-cli") as session:
        world = build_world(session)
        resource(session, world.admin, world.area_a, world.point_a, "Biblioteka Brzeźno")
    engine.dispose()
    made = calmap(fresh_db_url, "snapshot", "create", "Teraz")
    assert made.returncode == 0, made.stderr
    engine = create_engine(fresh_db_url)
    with db.session_scope(engine, "calmap-cli") as session:
        resource(session, world.admin, world.area_a, world.point_a, "Świetlica „Promyk”")
    with db.session_scope(engine, "wiktor", restricted=True) as session:
        frozen = snapshots.read_snapshot(session, world.viewer, "Teraz")
    assert names(frozen, "resource") == {"Biblioteka Brzeźno"}
    # The moment printed is the one stored, to the microsecond, not midnight.
    assert "T00:00:00" not in made.stdout
    engine.dispose()


# --- the evidence of change ---------------------------------------------------------------


@pytest.fixture(scope="module")
def two_junes(admin_url, template_url):
    """Two teams' districts mapped "last June", then a year of changes, and two snapshots.

    Brzeźno (team A) and Oliwa (team B). Between the snapshots: a club closes
    in Brzeźno; a repair café opens and a parish joins in Oliwa while a
    foundation leaves; one need moves on to being addressed, one is met, one
    is withdrawn, two are new (one already being addressed); a day centre is
    moved from Oliwa to Brzeźno (neither new nor closed anywhere); a team-only
    resource opens (admins see it, viewers never do).
    """
    from tests.conftest import TEMPLATE, _create_database, _drop_database

    name = "calmap_test_snapshots_changes"
    url = _create_database(admin_url, name, template=TEMPLATE)
    engine = create_engine(url)
    with db.session_scope(engine, "calmap-cli") as s:
        w = build_world(s)
        admin = w.admin
        resource(s, admin, w.area_a, w.point_a, "Biblioteka Brzeźno")
        club = resource(s, admin, w.area_a, w.point_a, "Klub seniora", category="senior_club")
        centre = resource(s, admin, w.area_b, w.point_b, "Dzienny dom pomocy")
        partner(s, admin, w.area_a, w.point_a, "Rada Osiedla Brzeźno", sector="council")
        foundation = partner(s, admin, w.area_b, w.point_b, "Fundacja Oliwa")
        need(s, admin, w.area_a, "Samotność seniorów")
        places = need(s, admin, w.area_a, "Brak miejsc dla dzieci", category="domestic_violence")
        jobs = need(s, admin, w.area_b, "Bezrobocie", status="being_addressed")
        homeless = need(s, admin, w.area_b, "Bezdomność")
    with db.session_scope(engine, "calmap-cli") as s:
        snapshots.create_snapshot(s, admin, "Czerwiec 2025", dt.datetime.now(dt.UTC))
    with db.session_scope(engine, "calmap-cli") as s:
        pins.retire_pin(s, admin, club)
        resource(s, admin, w.area_b, w.point_b, "Kawiarenka naprawcza")
        resource(s, admin, w.area_b, w.point_b, "Grupa wsparcia (tylko zespół)",
                 visibility="team", category="self_help_group")
        partner(s, admin, w.area_b, w.point_b, "Parafia Oliwa")
        pins.retire_pin(s, admin, foundation)
        pins.update_pin(s, admin, places, {"status": "being_addressed"})
        pins.update_pin(s, admin, jobs, {"status": "met"})
        pins.retire_pin(s, admin, homeless)
        need(s, admin, w.area_a, "Przemoc w rodzinie", category="domestic_violence")
        need(s, admin, w.area_b, "Dostęp do lekarza", status="being_addressed")
        # As QGIS would: the centre moves across the district boundary.
        s.execute(
            text("UPDATE resource SET area_id = :a, geom = ST_SetSRID(ST_MakePoint(:x, :y), 4326) "
                 "WHERE id = :id"),
            {"a": w.area_a, "x": w.point_a[0], "y": w.point_a[1], "id": centre.id},
        )
    with db.session_scope(engine, "calmap-cli") as s:
        snapshots.create_snapshot(s, admin, "Czerwiec 2026", dt.datetime.now(dt.UTC))
        teams = {a.name: a.team_id for a in s.query(Area)}
    yield url, w, teams
    engine.dispose()
    _drop_database(admin_url, name)


def report_as(url, actor, *args, **kwargs):
    engine = create_engine(url)
    try:
        with db.session_scope(engine, actor.username, restricted=True) as session:
            return snapshots.compare_snapshots(session, actor, *args, **kwargs)
    finally:
        engine.dispose()


def test_the_city_totals_list_every_kind_of_change_by_name(two_junes):
    url, w, _ = two_junes
    report = report_as(url, w.viewer, "Czerwiec 2025", "Czerwiec 2026")
    city = report.city
    assert city.new_resources == ("Kawiarenka naprawcza",)
    assert city.closed_resources == ("Klub seniora",)
    assert city.new_partners == ("Parafia Oliwa",)
    assert city.departed_partners == ("Fundacja Oliwa",)
    assert city.needs_identified == ("Dostęp do lekarza", "Przemoc w rodzinie")
    assert city.needs_being_addressed == ("Brak miejsc dla dzieci", "Dostęp do lekarza")
    assert city.needs_met == ("Bezrobocie",)
    assert city.needs_still_open == ("Samotność seniorów",)
    assert city.counts() == {
        "new_resources": 1, "closed_resources": 1, "new_partners": 1, "departed_partners": 1,
        "needs_identified": 2, "needs_being_addressed": 2, "needs_met": 1, "needs_still_open": 1,
    }
    assert (report.before_label, report.after_label) == ("Czerwiec 2025", "Czerwiec 2026")
    assert report.before_as_of < report.after_as_of


def test_each_area_and_team_gets_its_own_changes_and_a_moved_pin_is_neither_new_nor_closed(
    two_junes,
):
    url, w, teams = two_junes
    report = report_as(url, w.viewer, "Czerwiec 2025", "Czerwiec 2026")
    brzezno, oliwa = report.by_area[w.area_a], report.by_area[w.area_b]
    assert (brzezno.name, oliwa.name) == ("Brzeźno", "Oliwa")
    assert brzezno.counts() == {
        "new_resources": 0, "closed_resources": 1, "new_partners": 0, "departed_partners": 0,
        "needs_identified": 1, "needs_being_addressed": 1, "needs_met": 0, "needs_still_open": 1,
    }
    assert oliwa.new_resources == ("Kawiarenka naprawcza",)
    assert oliwa.closed_resources == ()  # the day centre moved to Brzeźno
    assert oliwa.new_partners == ("Parafia Oliwa",)
    assert oliwa.departed_partners == ("Fundacja Oliwa",)
    assert oliwa.needs_met == ("Bezrobocie",)
    assert oliwa.needs_still_open == ()
    assert report.by_team[teams["Brzeźno"]].counts() == brzezno.counts()
    assert report.by_team[teams["Oliwa"]].counts() == oliwa.counts()
    assert report.by_team[teams["Oliwa"]].name == "Zespół B"
    assert [row["name"] for row in report.rows(changes.AREA)] == ["Brzeźno", "Oliwa"]


@pytest.fixture(scope="module")
def partnership_year(admin_url, template_url):
    """A partnership in Brzeźno over a year: one member leaves, one joins, two stay.

    All four partners are on both maps. "Rada Osiedla" leaves (its left_on is
    a day before the second snapshot); "Stowarzyszenie Sąsiedzi" joins; "Szkoła
    nr 1" stays; "Klub Sportowy" has announced it will leave next month, so on
    the second map it is still a member.
    """
    from tests.conftest import TEMPLATE, _create_database, _drop_database

    name = "calmap_test_snapshots_partnership_year"
    url = _create_database(admin_url, name, template=TEMPLATE)
    engine = create_engine(url)
    yesterday = TODAY - dt.timedelta(days=1)
    with db.session_scope(engine, "calmap-cli") as s:
        w = build_world(s)
        team = s.get(Area, w.area_a).team_id
        ref = partnerships.create_partnership(s, w.admin, name="Razem dla Brzeźna",
                                              team_id=team, area_ids=[w.area_a])
        members = {}
        for label in ("Rada Osiedla", "Stowarzyszenie Sąsiedzi", "Szkoła nr 1", "Klub Sportowy"):
            pin = partner(s, w.admin, w.area_a, w.point_a, label)
            if label != "Stowarzyszenie Sąsiedzi":
                members[label] = partnerships.add_member(s, w.admin, ref.id, pin.id)
            else:
                joining = pin
    with db.session_scope(engine, "calmap-cli") as s:
        snapshots.create_snapshot(s, w.admin, "Czerwiec 2025", dt.datetime.now(dt.UTC))
    with db.session_scope(engine, "calmap-cli") as s:
        partnerships.end_membership(s, w.admin, members["Rada Osiedla"], yesterday)
        partnerships.end_membership(s, w.admin, members["Klub Sportowy"],
                                    TODAY + dt.timedelta(days=30))
        partnerships.add_member(s, w.admin, ref.id, joining.id)
    with db.session_scope(engine, "calmap-cli") as s:
        snapshots.create_snapshot(s, w.admin, "Czerwiec 2026", dt.datetime.now(dt.UTC))
    yield url, w
    engine.dispose()
    _drop_database(admin_url, name)


def test_leaving_or_joining_a_partnership_counts_as_a_departed_or_new_partner(
    partnership_year,
):
    url, w = partnership_year
    report = report_as(url, w.viewer, "Czerwiec 2025", "Czerwiec 2026")
    for unit in (report.city, report.by_area[w.area_a]):
        assert unit.departed_partners == ("Rada Osiedla",)
        assert unit.new_partners == ("Stowarzyszenie Sąsiedzi",)
    assert report.by_area[w.area_b].departed_partners == ()
    backward = report_as(url, w.viewer, "Czerwiec 2026", "Czerwiec 2025")
    assert backward.city == report.city


def test_the_order_of_the_two_snapshots_does_not_matter(two_junes):
    url, w, _ = two_junes
    forward = report_as(url, w.viewer, "Czerwiec 2025", "Czerwiec 2026")
    backward = report_as(url, w.viewer, "czerwiec 2026", "czerwiec 2025")
    assert backward.city == forward.city
    assert backward.by_area == forward.by_area


def test_a_team_only_resource_is_new_for_an_admin_and_never_shown_to_a_viewer(two_junes):
    url, w, _ = two_junes
    report = report_as(url, w.admin, "Czerwiec 2025", "Czerwiec 2026")
    assert report.city.new_resources == ("Grupa wsparcia (tylko zespół)", "Kawiarenka naprawcza")
    viewer = report_as(url, w.viewer, "Czerwiec 2025", "Czerwiec 2026")
    assert "Grupa wsparcia (tylko zespół)" not in str(viewer.to_dict())


def test_a_team_or_an_area_narrows_the_report_to_it(two_junes):
    url, w, teams = two_junes
    report = report_as(url, w.viewer, "Czerwiec 2025", "Czerwiec 2026",
                       team_id=teams["Oliwa"])
    assert set(report.by_team) == {teams["Oliwa"]}
    assert set(report.by_area) == {w.area_b}
    assert report.city.name == "Zespół B"
    assert report.city == dataclass_renamed(report.by_area[w.area_b], report.city)
    by_area = report_as(url, w.viewer, "Czerwiec 2025", "Czerwiec 2026", area_id=w.area_a)
    assert set(by_area.by_area) == {w.area_a}
    assert set(by_area.by_team) == {teams["Brzeźno"]}
    assert by_area.city.closed_resources == ("Klub seniora",)
    with pytest.raises(UserError) as caught:
        report_as(url, w.viewer, "Czerwiec 2025", "Czerwiec 2026", area_id=999999)
    assert caught.value.key == "export.unknown_area"


def dataclass_renamed(unit, like):
    import dataclasses

    return dataclasses.replace(unit, level=like.level, id=like.id, name=like.name)


def test_two_maps_with_no_change_give_an_empty_report(two_junes):
    url, w, _ = two_junes
    engine = create_engine(url)
    with db.session_scope(engine, "wiktor", restricted=True) as session:
        june = snapshots.read_snapshot(session, w.viewer, "Czerwiec 2026")
    engine.dispose()
    report = changes.compare(june, june)
    # Every need identified on that map is still open against itself.
    assert report.city.needs_still_open == ("Przemoc w rodzinie", "Samotność seniorów")
    assert all(n == 0 for k, n in report.city.counts().items() if k != "needs_still_open")
    assert report.to_dict()["areas"][0]["name"] == "Brzeźno"


# --- the command line ---------------------------------------------------------------------


def test_the_snapshot_commands_create_list_compare_and_delete(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with db.session_scope(engine, "calmap-cli") as session:
        world = build_world(session)
        resource(session, world.admin, world.area_a, world.point_a, "Biblioteka Brzeźno")
    between = dt.datetime.now(LOCAL_TIMEZONE).isoformat()
    with db.session_scope(engine, "calmap-cli") as session:
        resource(session, world.admin, world.area_a, world.point_a, "Świetlica „Promyk”")
    engine.dispose()

    made = calmap(fresh_db_url, "snapshot", "create", "Czerwiec 2025", "--date", between)
    assert made.returncode == 0, made.stderr
    assert "Czerwiec 2025" in made.stdout
    assert calmap(fresh_db_url, "snapshot", "create", "Czerwiec 2026").returncode == 0
    listed = calmap(fresh_db_url, "snapshot", "list").stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["Czerwiec 2025", "Czerwiec 2026"]
    assert listed[1].split("\t")[1] == TODAY.isoformat()

    text_out = calmap(fresh_db_url, "snapshot", "compare", "Czerwiec 2025", "Czerwiec 2026")
    assert text_out.returncode == 0, text_out.stderr
    assert "new_resources: 1 (Świetlica „Promyk”)" in text_out.stdout
    as_json = calmap(fresh_db_url, "snapshot", "compare", "Czerwiec 2026", "Czerwiec 2025",
                     "--team", "test-a", "--format", "json")
    import json

    found = json.loads(as_json.stdout)
    assert found["city"]["new_resources"] == ["Świetlica „Promyk”"]
    assert [t["name"] for t in found["teams"]] == ["Zespół A"]
    as_csv = calmap(fresh_db_url, "snapshot", "compare", "Czerwiec 2025", "Czerwiec 2026",
                    "--area", "Oliwa", "--format", "csv").stdout.splitlines()
    assert as_csv[0].startswith("level,id,name,new_resources,closed_resources")
    assert as_csv[1].startswith("city,,Oliwa,0,")

    deleted = calmap(fresh_db_url, "snapshot", "delete", "czerwiec 2025")
    assert deleted.returncode == 0, deleted.stderr
    assert [line.split("\t")[0] for line in
            calmap(fresh_db_url, "snapshot", "list").stdout.splitlines()] == ["Czerwiec 2026"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # Each run starts the whole CLI; the service tests above cover every other rule.
        (("create", "Czerwiec 2026"), "already exists"),
        (("create", "x" * 200), "at most 100 characters (this one has 200)"),
        (("compare", "Czerwiec 2026", "Czerwiec 2030"), "Existing snapshots: Czerwiec 2026"),
        (("compare", "Czerwiec 2026", "Czerwiec 2026", "--team", "nie-ma"), "nie-ma"),
        (("compare", "Czerwiec 2026", "Czerwiec 2026", "--format", "pdf"), "--format"),
    ],
)
def test_bad_input_to_the_snapshot_commands_is_one_line_and_exit_code_1(
    cli_db, args, message
):
    result = calmap(cli_db, "snapshot", *args)
    assert result.returncode == 1
    assert result.stderr.startswith("calmap: ")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def cli_db(admin_url, template_url):
    """A database with one pin and the snapshot "Czerwiec 2026"."""
    from tests.conftest import TEMPLATE, _create_database, _drop_database

    name = "calmap_test_snapshots_cli"
    url = _create_database(admin_url, name, template=TEMPLATE)
    engine = create_engine(url)
    with db.session_scope(engine, "calmap-cli") as session:
        world = build_world(session)
        resource(session, world.admin, world.area_a, world.point_a, "Biblioteka")
        snapshots.create_snapshot(session, world.admin, "Czerwiec 2026")
    engine.dispose()
    yield url
    _drop_database(admin_url, name)


def test_a_session_sees_the_same_first_record_as_the_error_reports(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        assert snapshots.first_record(session) is None
        build_world(session)
        assert snapshots.first_record(session) is not None
    engine.dispose()
