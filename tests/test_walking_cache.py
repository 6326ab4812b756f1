"""The walking-area cache in the database: kept across sessions, renewed on a move, under RLS."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import Point, box
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mapping import db
from mapping.services import streets, walking_areas
from tests.coverage_fixtures import add_resource, offset, save_grid
from tests.editing_fixtures import build_world
from tests.test_coverage import ORIGIN, STEP

# A shape no walk could give: a tiny square far away, to tell a kept answer from a new one.
SENTINEL = box(0.0, 0.0, 0.001, 0.001)


def _forget_this_process() -> None:
    """What another process would start with: nothing kept in memory."""
    walking_areas._cache.clear()


def _plant_sentinel(owner, resource_id: int) -> None:
    """Overwrite the kept outlines, so that reading them again is visible."""
    with Session(owner) as session, session.begin():
        session.execute(
            text("UPDATE walking_area_cache SET outline_5 = :w, outline_10 = :w, "
                 "outline_15 = :w WHERE resource_id = :r"),
            {"w": shapely.to_wkb(SENTINEL), "r": resource_id},
        )


def test_another_session_reads_the_kept_walking_areas_and_a_move_walks_again(fresh_db_url):
    owner = create_engine(fresh_db_url)
    with Session(owner) as session, session.begin():
        world = build_world(session)
        save_grid(session, world.admin, ORIGIN, size=8, step=STEP)
        club = add_resource(session, "Klub Seniora", "senior_club", ORIGIN, world.area_a).id
    with db.session_scope(owner, world.editor_a.username, restricted=True) as session:
        first = walking_areas.walking_areas(session, world.editor_a, club)
    assert first.distance_kind == "street"
    with Session(owner) as session:
        kept = session.execute(text(
            "SELECT resource_version, street_layer_id IS NOT NULL AS on_streets "
            "FROM walking_area_cache WHERE resource_id = :r"), {"r": club}).one()
    assert kept.on_streets
    _plant_sentinel(owner, club)
    _forget_this_process()
    # A viewer in a new session and process gets the kept row, not a new walk.
    with db.session_scope(owner, world.viewer.username, restricted=True) as session:
        again = walking_areas.walking_areas(session, world.viewer, club)
    assert [b.geometry.equals(SENTINEL) for b in again.bands] == [True, True, True]
    assert again.distance_kind == "street"
    assert again.attribution == "© OpenStreetMap contributors (ODbL)"
    # The resource moves: its version changes, the next request walks again.
    moved = offset(ORIGIN, 4 * STEP, 4 * STEP)
    with db.session_scope(owner, world.admin.username) as session:
        session.execute(
            text("UPDATE resource SET geom = ST_SetSRID(ST_MakePoint(:x, :y), 4326) "
                 "WHERE id = :i"), {"x": moved[0], "y": moved[1], "i": club})
    _forget_this_process()
    with db.session_scope(owner, world.viewer.username, restricted=True) as session:
        renewed = walking_areas.walking_areas(session, world.viewer, club)
    assert renewed.bands[0].geometry.contains(Point(moved))
    assert not renewed.bands[0].geometry.contains(Point(ORIGIN))
    with Session(owner) as session:
        rows = session.execute(text(
            "SELECT resource_version FROM walking_area_cache WHERE resource_id = :r"),
            {"r": club}).scalars().all()
    # One row per resource, now of the moved version.
    assert rows == [kept.resource_version + 1]
    owner.dispose()


def test_a_new_street_network_walks_again_and_a_removed_one_takes_its_areas_along(session):
    world = build_world(session)
    club = add_resource(session, "Klub Seniora", "senior_club", ORIGIN, world.area_a)
    straight = walking_areas.walking_areas(session, world.admin, club.id)
    assert straight.distance_kind == "straight_line"
    _forget_this_process()
    save_grid(session, world.admin, ORIGIN, size=8, step=STEP)
    walked = walking_areas.walking_areas(session, world.admin, club.id)
    assert walked.distance_kind == "street"
    layer = session.scalar(text(
        "SELECT street_layer_id FROM walking_area_cache WHERE resource_id = :r"), {"r": club.id})
    assert layer is not None
    streets.remove_network(session, world.admin)
    assert session.scalar(text("SELECT count(*) FROM walking_area_cache")) == 0
    _forget_this_process()
    assert walking_areas.walking_areas(
        session, world.admin, club.id).distance_kind == "straight_line"


def test_a_viewer_can_neither_read_nor_write_the_kept_areas_of_a_team_only_resource(
    fresh_db_url,
):
    owner = create_engine(fresh_db_url)
    with Session(owner) as session, session.begin():
        world = build_world(session)
        hidden = add_resource(session, "Klub zespołu", "senior_club", ORIGIN, world.area_a,
                              visibility="team").id
        shown = add_resource(session, "Klub otwarty", "senior_club", ORIGIN, world.area_a).id
    for resource in (hidden, shown):
        with db.session_scope(owner, world.editor_a.username, restricted=True) as session:
            walking_areas.walking_areas(session, world.editor_a, resource)
    count = text("SELECT resource_id FROM walking_area_cache ORDER BY resource_id")
    with db.session_scope(owner, world.editor_a.username, restricted=True) as session:
        assert session.scalars(count).all() == sorted([hidden, shown])
    with db.session_scope(owner, world.viewer.username, restricted=True) as session:
        assert session.scalars(count).all() == [shown]
        # Nor can the viewer's session overwrite (or plant) the hidden resource's outline.
        assert session.execute(text(
            "UPDATE walking_area_cache SET outline_5 = outline_10 WHERE resource_id = :r"),
            {"r": hidden}).rowcount == 0
    with pytest.raises(DBAPIError):
        with db.session_scope(owner, world.viewer.username, restricted=True) as session:
            session.execute(text(
                "INSERT INTO walking_area_cache (resource_id, resource_version, distance_kind, "
                "outline_5, outline_10, outline_15) VALUES (:r, 99, 'street', '', '', '')"),
                {"r": hidden})
    owner.dispose()
