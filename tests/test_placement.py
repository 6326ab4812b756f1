"""Cutting one team's or one area's map out of an export of everything (map_units)."""

from __future__ import annotations

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point
from sqlalchemy.orm import Session

from mapping.analysis import map_units
from mapping.db.models import Area, Resource
from mapping.errors import UserError
from mapping.services import export_rows, pins
from tests.editing_fixtures import build_world


def test_a_pin_without_an_area_goes_with_the_smallest_area_it_lies_in(session: Session) -> None:
    world = build_world(session)
    district = session.get(Area, world.area_a)
    # An estate inside district A (a small square around the district's inner point).
    x, y = world.point_a
    estate = Area(name="Osiedle Testowe", kind="estate", parent_id=world.area_a,
                  team_id=district.team_id,
                  geom=from_shape(MultiPolygon([Point(x, y).buffer(0.002).envelope]), srid=4326))
    session.add(estate)
    session.flush()
    loose = Resource(name="Świetlica bez obszaru", kind="institution_public",
                     category="culture_centre", visibility="public",
                     geom=from_shape(Point(x, y), srid=4326))
    session.add(loose)
    pinned = pins.create_pin(session, world.admin, "resource", world.area_b,
                             {"name": "Biblioteka", "category": "library",
                              "visibility": "public"}, world.point_b)
    session.flush()
    data = export_rows.read_export(session, world.admin)
    assigned = map_units.pin_area_ids(data)["resource"]
    by_id = dict(zip(data.frames["resource"]["id"], assigned, strict=True))
    assert by_id[loose.id] == estate.id
    assert by_id[pinned.id] == world.area_b

    district_map = map_units.select(data, area_id=world.area_a)
    assert set(district_map.frames["area"]["id"]) == {world.area_a, estate.id}
    assert set(district_map.frames["resource"]["id"]) == {loose.id}
    team_b_map = map_units.select(data, team_id=session.get(Area, world.area_b).team_id)
    assert set(team_b_map.frames["resource"]["id"]) == {pinned.id}
    assert set(team_b_map.frames["area"]["id"]) == {world.area_b}
    # The cut is what read_export's own filter gives.
    filtered = export_rows.read_export(session, world.admin, area_id=world.area_a)
    assert set(filtered.frames["resource"]["id"]) == {loose.id}


def test_an_unknown_area_is_a_user_error(session: Session) -> None:
    world = build_world(session)
    data = export_rows.read_export(session, world.admin)
    with pytest.raises(UserError) as caught:
        map_units.select(data, area_id=10**9)
    assert caught.value.key == "export.unknown_area"
