"""Walking areas: 5/10/15 minutes along a known grid, straight circles without one, visibility."""

from __future__ import annotations

import math
import re

import pytest
from shapely.geometry import Point
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from mapping import db
from mapping.errors import UserError
from mapping.maps import gaps as gaps_map
from mapping.services import walking_areas
from tests.coverage_fixtures import METRES_PER_DEGREE_LAT, add_resource, offset, save_grid
from tests.editing_fixtures import build_world
from tests.test_coverage import ORIGIN, STEP


def test_the_walking_areas_of_a_resource_on_a_grid_follow_the_streets_and_nest(session):
    world = build_world(session)
    save_grid(session, world.admin, ORIGIN, size=8, step=STEP)
    club = add_resource(session, "Klub <Seniora>", "senior_club", ORIGIN, world.area_a)
    found = walking_areas.walking_areas(session, world.admin, club.id)
    assert found.distance_kind == "street"
    assert found.attribution == "© OpenStreetMap contributors (ODbL)"
    assert [(b.minutes, b.metres) for b in found.bands] == [(5, 375), (10, 750), (15, 1125)]
    five, ten, fifteen = (b.geometry for b in found.bands)
    # Each contains the shorter (to a millimetre: shared edges are rounded).
    assert five.difference(ten).area < 1e-12 and ten.difference(fifteen).area < 1e-12
    assert five.area < ten.area < fifteen.area
    # 240 m along the streets: inside five minutes. 640 m: beyond five, within ten.
    assert five.contains(Point(offset(ORIGIN, 2 * STEP, STEP)))
    assert not five.contains(Point(offset(ORIGIN, 4 * STEP, 4 * STEP)))
    assert ten.contains(Point(offset(ORIGIN, 4 * STEP, 4 * STEP)))
    # The corner of the grid is 1,120 m away: only the fifteen-minute walk reaches it.
    corner = Point(offset(ORIGIN, 7 * STEP, 7 * STEP))
    assert not ten.contains(corner) and fifteen.buffer(1e-6).contains(corner)


def test_without_a_street_network_the_walking_areas_are_straight_circles(session):
    world = build_world(session)
    club = add_resource(session, "Klub Seniora", "senior_club", ORIGIN, world.area_a)
    found = walking_areas.walking_areas(session, world.editor_a, club.id)
    assert found.distance_kind == "straight_line" and found.attribution is None
    five = found.bands[0].geometry
    # Square degrees to square metres at this latitude.
    scale = METRES_PER_DEGREE_LAT ** 2 * math.cos(math.radians(ORIGIN[1]))
    assert five.area * scale == pytest.approx(math.pi * 375 ** 2, rel=0.02)
    assert five.contains(Point(offset(ORIGIN, 0, 360)))
    assert not five.contains(Point(offset(ORIGIN, 0, 390)))


def test_a_viewer_never_gets_the_walking_areas_of_a_team_only_resource(session):
    world = build_world(session)
    hidden = add_resource(session, "Klub zespołu", "senior_club", ORIGIN, world.area_a,
                          visibility="team")
    assert walking_areas.walking_areas(session, world.editor_a, hidden.id).bands
    with pytest.raises(UserError) as refused:
        walking_areas.walking_areas(session, world.viewer, hidden.id)
    assert refused.value.key == "walking.not_found"
    assert hidden.id not in {c.id for c in walking_areas.choices(
        session, world.viewer, [world.area_a])}
    assert hidden.id in {c.id for c in walking_areas.choices(
        session, world.editor_a, [world.area_a])}


def test_the_database_rules_refuse_a_team_only_resources_walking_areas_to_a_viewer(
    fresh_db_url,
):
    owner = create_engine(fresh_db_url)
    with Session(owner) as session, session.begin():
        world = build_world(session)
        hidden = add_resource(session, "Klub zespołu", "senior_club", ORIGIN, world.area_a,
                              visibility="team").id
    # Even asked as an administrator would be, the viewer's session shows no such row.
    with db.session_scope(owner, world.viewer.username, restricted=True) as session:
        with pytest.raises(UserError):
            walking_areas.walking_areas(session, world.admin, hidden)
    owner.dispose()


def test_a_moved_resource_gets_new_walking_areas_and_an_unchanged_one_the_kept_answer(session):
    world = build_world(session)
    club = add_resource(session, "Klub Seniora", "senior_club", ORIGIN, world.area_a)
    first = walking_areas.walking_areas(session, world.admin, club.id)
    assert walking_areas.walking_areas(session, world.admin, club.id) is first
    moved = offset(ORIGIN, 500, 0)
    session.execute(
        text("UPDATE resource SET geom = ST_SetSRID(ST_MakePoint(:x, :y), 4326), "
             "version = version + 1 WHERE id = :i"),
        {"x": moved[0], "y": moved[1], "i": club.id},
    )
    again = walking_areas.walking_areas(session, world.admin, club.id)
    assert again is not first
    assert again.bands[0].geometry.contains(Point(moved))
    assert not again.bands[0].geometry.contains(Point(ORIGIN))


def test_the_gaps_map_draws_three_escaped_walking_areas_with_their_legend(session):
    world = build_world(session)
    club = add_resource(session, "Klub <b>Seniora</b>", "senior_club", ORIGIN, world.area_a)
    found = walking_areas.walking_areas(session, world.admin, club.id)
    from mapping.services import layers

    areas = layers.areas(session)
    page = gaps_map.gaps_map(areas, [], "pl", walking=found).get_root().render()
    assert {f"calmap-walk-{m}" for m in (5, 10, 15)} <= set(
        re.findall(r"calmap-walk-\d+", page))
    assert "calmap-walk-20" not in page
    assert "Klub <b>Seniora</b>" not in page
    legend = gaps_map.walking_legend_html(found, "pl")
    assert "Dojście pieszo: Klub &lt;b&gt;Seniora&lt;/b&gt;" in legend
    assert "15 min pieszo (1125 m)" in legend
    assert "Okręgi w linii prostej (brak sieci ulic), 4,5 km/h" in legend
