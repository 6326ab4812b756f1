"""What coverage keeps between questions (junctions, snaps, answers) never changes an answer."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from mapping import db
from mapping.services import coverage, pins
from tests.coverage_fixtures import add_resource, offset
from tests.editing_fixtures import build_world
from tests.test_coverage_batch import (
    ORIGIN,
    STEP,
    _cells,
    _generated_town,
    forget_everything,
)


def _both(session, world):
    return coverage.compute(session, world.admin, area_ids=[world.area_a, world.area_b])


def _fresh(session, world):
    """The answer of a database that never answered before."""
    forget_everything(session)
    return _both(session, world)


@pytest.mark.parametrize("change", [
    # A library moves two streets east.
    "UPDATE resource SET geom = ST_Translate(geom, 0.0025, 0) "
    "WHERE id = (SELECT min(id) FROM resource WHERE category = 'library')",
    # A senior club is retired.
    "UPDATE resource SET retired_at = now() "
    "WHERE id = (SELECT min(id) FROM resource WHERE category = 'senior_club')",
    # A partner moves near the district without streets.
    "UPDATE partner SET geom = (SELECT ST_PointOnSurface(geom) FROM area WHERE id = :b) "
    "WHERE id = (SELECT min(id) FROM partner)",
])
def test_a_moved_or_retired_pin_gives_every_cell_a_fresh_run_gives(session, change):
    world = build_world(session)
    _generated_town(session, world)
    _both(session, world)
    session.execute(text(change), {"b": world.area_b})

    kept = _both(session, world)
    again = _both(session, world)
    fresh = _fresh(session, world)

    assert kept.computed == 1 and kept.reused >= 1
    assert _cells(kept) == _cells(fresh)
    assert _cells(again) == _cells(fresh) and again.computed == 0


def test_an_added_pin_flips_its_cells_exactly_as_a_fresh_run_does(session):
    world = build_world(session)
    _generated_town(session, world)
    before = _both(session, world)
    # A day-care home where no one addressed loneliness of seniors, in both districts.
    add_resource(session, "Nowy dom dziennego pobytu", "day_care_home",
                 offset(ORIGIN, 3 * STEP + 30, 2 * STEP), world.area_a)
    inside_b = session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM area "
        "WHERE id = :b) x"), {"b": world.area_b}).one()
    add_resource(session, "Klub w dzielnicy bez ulic", "senior_club", tuple(inside_b),
                 world.area_b)

    after = _both(session, world)
    fresh = _fresh(session, world)

    assert _cells(after) == _cells(fresh)
    assert _cells(after) != _cells(before)


def test_an_area_redrawn_after_a_run_is_answered_for_its_new_outline(session):
    world = build_world(session)
    _generated_town(session, world)
    _both(session, world)
    stamp = session.execute(text(
        "SELECT stamp FROM coverage_area_vertex WHERE area_id = :a"), {"a": world.area_a}).scalar()
    # The district shrinks to the grid's south-west quarter.
    west, south = ORIGIN
    east, north = offset(ORIGIN, 3.5 * STEP, 3.5 * STEP)
    session.execute(text(
        "UPDATE area SET geom = ST_Multi(ST_MakeEnvelope(:w, :s, :e, :n, 4326)) WHERE id = :a"),
        {"w": west - 0.0003, "s": south - 0.0003, "e": east, "n": north, "a": world.area_a})

    redrawn = _both(session, world)
    fresh = _fresh(session, world)

    assert session.execute(text(
        "SELECT stamp FROM coverage_area_vertex WHERE area_id = :a"),
        {"a": world.area_a}).scalar() != stamp
    assert _cells(redrawn) == _cells(fresh)


def test_a_street_layer_imported_again_matches_junctions_and_pins_afresh(session):
    world = build_world(session)
    _generated_town(session, world)
    first = _both(session, world)
    stamps = dict(session.execute(text("SELECT area_id, stamp FROM coverage_area_vertex")).all())
    snaps = session.execute(text("SELECT count(*) FROM coverage_snap")).scalar()
    session.execute(text("UPDATE street_layer SET imported_at = imported_at + interval '1 day'"))

    again = _both(session, world)

    assert snaps and again.computed == first.computed
    now = dict(session.execute(text("SELECT area_id, stamp FROM coverage_area_vertex")).all())
    assert now.keys() == stamps.keys() and all(now[a] != stamps[a] for a in stamps)
    assert session.execute(text(
        "SELECT count(*) FROM coverage_snap WHERE stamp <> (SELECT CAST(imported_at AS text) "
        "FROM street_layer)")).scalar() == 0
    assert _cells(again) == _cells(first)


def test_a_viewer_reads_no_kept_answer_about_a_team_only_need_or_resource(fresh_db_url):
    owner = create_engine(fresh_db_url)
    with Session(owner) as session, session.begin():
        world = build_world(session)
        _generated_town(session, world)
        hidden_club = add_resource(session, "Klub zespołu", "senior_club",
                                   offset(ORIGIN, STEP, STEP), world.area_a,
                                   visibility="team").id
        hidden_need = pins.create_pin(
            session, world.admin, "need", world.area_a,
            {"name": "Potrzeba zespołu", "category": "seniors_loneliness",
             "source_method": "interview", "target_groups": ["seniors"],
             "visibility": "team", "status": "identified", "priority": 2},
            offset(ORIGIN, 2 * STEP + 20, STEP + 10),
        ).id
    with db.session_scope(owner, world.editor_a.username, restricted=True) as session:
        coverage.compute(session, world.editor_a, area_ids=[world.area_a])
    with Session(owner) as session:
        hidden_runs = session.scalars(text(
            "SELECT digest FROM coverage_run WHERE :r = ANY (source_ids) "
            "AND source_layer = 'resource'"), {"r": hidden_club}).all()
        about_hidden = session.scalars(text(
            "SELECT digest FROM coverage_answer WHERE :n = ANY (need_ids) "
            "OR CAST(run_digests AS text[]) && CAST(:runs AS text[])"),
            {"n": hidden_need, "runs": hidden_runs}).all()
    assert hidden_runs and about_hidden  # the editor's answers did use both

    with db.session_scope(owner, world.viewer.username, restricted=True) as session:
        seen = set(session.scalars(text("SELECT digest FROM coverage_answer")).all())
        assert not seen & set(about_hidden)
        # Nor can the viewer clear them; their own question is answered and kept.
        assert session.execute(text("DELETE FROM coverage_answer")).rowcount == len(seen)
        coverage.compute(session, world.viewer, area_ids=[world.area_a])
        assert session.scalars(text("SELECT count(*) FROM coverage_answer")).one() > 0
    with Session(owner) as session:
        left = set(session.scalars(text("SELECT digest FROM coverage_answer")).all())
    assert set(about_hidden) <= left
    owner.dispose()
