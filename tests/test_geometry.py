"""The geometry boundary (mapping.geometry): (lon, lat) in, the same place out, in every form."""

from __future__ import annotations

import pytest
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import func, select

from mapping import geometry
from mapping.db.models import Area
from mapping.geometry import LonLat
from mapping.services import pins
from tests.editing_fixtures import build_world

# A library in Gdańsk (Wrzeszcz), longitude first.
LIBRARY = LonLat(18.615, 54.4075)


def test_a_browser_position_becomes_lon_lat_whichever_api_reported_it():
    tap = geometry.from_leaflet({"lat": LIBRARY.lat, "lng": LIBRARY.lon})
    gps = geometry.from_geolocation({"latitude": LIBRARY.lat, "longitude": LIBRARY.lon})
    assert tap == gps == LIBRARY
    assert geometry.leaflet_location(tap) == [LIBRARY.lat, LIBRARY.lon]


@pytest.mark.parametrize(
    "event", [{}, {"lat": None, "lng": 18.6}, {"lat": "abc", "lng": 18.6}, {"lat": "nan", "lng": 1}]
)
def test_an_event_without_a_position_is_refused(event):
    with pytest.raises((KeyError, TypeError, ValueError)):
        geometry.from_leaflet(event)


def test_a_shape_survives_geojson_and_the_database_form_unchanged():
    square = Polygon([(18.6, 54.4), (18.61, 54.4), (18.61, 54.41), (18.6, 54.41)])
    shapes = [geometry.point(LIBRARY), square, MultiPolygon([square])]
    for shape in shapes:
        assert geometry.from_geojson(geometry.to_geojson(shape)).equals(shape)
        stored = geometry.to_database(shape)
        assert stored.srid == geometry.SRID == 4326
        assert geometry.from_database(stored).equals(shape)
    assert geometry.from_database(None) is None and geometry.to_database(None) is None


def test_postgis_reads_the_stored_form_as_the_same_place_in_epsg_4326(session):
    stored = geometry.to_database(geometry.point(LIBRARY))
    x, y, srid = session.execute(
        select(
            func.ST_X(geometry.as_sql(stored)),
            func.ST_Y(geometry.as_sql(stored)),
            func.ST_SRID(geometry.as_sql(stored)),
        )
    ).one()
    assert (x, y, srid) == (LIBRARY.lon, LIBRARY.lat, 4326)
    [wkb] = session.execute(select(func.ST_AsBinary(geometry.as_sql(stored)))).one()
    assert geometry.lonlat(geometry.from_wkb([wkb])[0]) == LIBRARY


def test_a_pin_saved_at_a_lon_lat_is_read_back_at_the_same_lon_lat(session):
    world = build_world(session)
    point = LonLat(*world.point_a)
    ref = pins.create_pin(
        session, world.editor_a, "resource", world.area_a,
        {"name": "Biblioteka", "category": "library", "visibility": "public"}, point,
    )
    values = pins.pin_values(pins.get_pin(session, world.editor_a, "resource", ref.id), "resource")
    assert (values["lon"], values["lat"]) == pytest.approx(point)
    inside = session.scalar(
        select(func.ST_Covers(Area.geom, geometry.as_sql(geometry.to_database(
            geometry.point(point)))))
        .where(Area.id == world.area_a)
    )
    assert inside
