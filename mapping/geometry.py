"""Geometry at the boundary: shapely ↔ PostGIS (WKB, EPSG:4326) ↔ GeoJSON, points as (lon, lat).

Inside the app a point is a ``LonLat`` (x first, as PostGIS, shapely and
GeoJSON have it). The two places that speak another order convert here and
nowhere else: what a browser reports (Leaflet's ``{"lat", "lng"}``, the
Geolocation API's ``{"latitude", "longitude"}``) becomes a ``LonLat`` as it
arrives, and a ``LonLat`` becomes Leaflet's ``[lat, lon]`` only as a mark is
drawn. Every geometry stored or compared in the database is EPSG:4326
(``SRID``), converted by ``to_database``/``from_database`` (or
``from_wkb`` for a whole column read as ``ST_AsBinary``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, overload

import numpy as np
import shapely
import shapely.geometry
from geoalchemy2 import Geometry
from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, literal

from mapping.db.models import SRID

__all__ = [
    "SRID",
    "LonLat",
    "as_sql",
    "from_database",
    "from_geojson",
    "from_geolocation",
    "from_leaflet",
    "from_wkb",
    "leaflet_location",
    "point",
    "to_database",
    "to_geojson",
]


class LonLat(NamedTuple):
    """A position in EPSG:4326, longitude first (x, y) as PostGIS and GeoJSON have it.

    >>> LonLat(18.615, 54.4075)
    LonLat(lon=18.615, lat=54.4075)
    >>> lon, lat = LonLat(18.615, 54.4075)
    >>> lat
    54.4075
    """

    lon: float
    lat: float


def _finite(lon: Any, lat: Any) -> LonLat:
    value = LonLat(float(lon), float(lat))
    if not (math.isfinite(value.lon) and math.isfinite(value.lat)):
        raise ValueError(f"not a position: {lon!r}, {lat!r}")
    return value


def from_leaflet(event: Mapping[str, Any]) -> LonLat:
    """The position of a Leaflet event (a map tap as streamlit-folium reports it).

    Raises KeyError, TypeError or ValueError when the event holds no position.

    >>> from_leaflet({"lat": 54.4075, "lng": 18.615})
    LonLat(lon=18.615, lat=54.4075)
    """
    return _finite(event["lng"], event["lat"])


def from_geolocation(coords: Mapping[str, Any]) -> LonLat:
    """The position the browser's Geolocation API reported (its ``coords``).

    Raises KeyError, TypeError or ValueError when the answer holds no position.

    >>> from_geolocation({"latitude": 54.4075, "longitude": 18.615, "accuracy": 12})
    LonLat(lon=18.615, lat=54.4075)
    """
    return _finite(coords["longitude"], coords["latitude"])


def leaflet_location(position: tuple[float, float]) -> list[float]:
    """A (lon, lat) position as Leaflet and folium take it: ``[lat, lon]``.

    >>> leaflet_location(LonLat(18.615, 54.4075))
    [54.4075, 18.615]
    """
    lon, lat = position
    return [float(lat), float(lon)]


def point(position: tuple[float, float]) -> Point:
    """A shapely point at a (lon, lat) position.

    >>> point(LonLat(18.615, 54.4075)).wkt
    'POINT (18.615 54.4075)'
    """
    lon, lat = position
    return Point(float(lon), float(lat))


def lonlat(geom: BaseGeometry) -> LonLat:
    """The (lon, lat) of a shapely point; TypeError for any other shape.

    >>> lonlat(Point(18.615, 54.4075))
    LonLat(lon=18.615, lat=54.4075)
    """
    if not isinstance(geom, Point):
        raise TypeError(f"expected a point, got a {geom.geom_type}")
    return LonLat(float(geom.x), float(geom.y))


@overload
def to_database(geom: BaseGeometry) -> WKBElement: ...
@overload
def to_database(geom: None) -> None: ...
def to_database(geom: BaseGeometry | None) -> WKBElement | None:
    """A shapely geometry as the value of a geometry column (EPSG:4326); None stays None.

    >>> to_database(Point(18.615, 54.4075)).srid
    4326
    >>> to_database(None) is None
    True
    """
    return from_shape(geom, srid=SRID) if geom is not None else None


@overload
def from_database(value: WKBElement) -> BaseGeometry: ...
@overload
def from_database(value: None) -> None: ...
def from_database(value: WKBElement | None) -> BaseGeometry | None:
    """A geometry column's value as shapely; None (a need of the whole area) stays None.

    >>> from_database(to_database(Point(18.615, 54.4075))).wkt
    'POINT (18.615 54.4075)'
    """
    return to_shape(value) if value is not None else None


def as_sql(value: WKBElement) -> ColumnElement[Any]:
    """A stored-form geometry as an SQL value, to compare with columns in a query.

    The same ``to_database`` value is stored and queried: the point is
    converted once.
    """
    return literal(value, type_=Geometry(srid=SRID))


def from_wkb(values: Iterable[bytes | memoryview | None]) -> np.ndarray:
    """Shapely geometries from a column read as ``ST_AsBinary``; NULL gives None.

    >>> [g.wkt for g in from_wkb([Point(1, 2).wkb])]
    ['POINT (1 2)']
    >>> list(from_wkb([None]))
    [None]
    """
    return shapely.from_wkb([bytes(v) if v is not None else None for v in values])


def from_geojson(value: Mapping[str, Any]) -> BaseGeometry:
    """A GeoJSON geometry object (a dict) as shapely.

    >>> from_geojson({"type": "Point", "coordinates": [18.615, 54.4075]}).wkt
    'POINT (18.615 54.4075)'
    """
    return shapely.geometry.shape(dict(value))


def to_geojson(geom: BaseGeometry) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON geometry object (a dict, coordinates as lists).

    >>> to_geojson(Point(18.615, 54.4075))
    {'type': 'Point', 'coordinates': [18.615, 54.4075]}
    """
    mapped = shapely.geometry.mapping(geom)
    if "coordinates" not in mapped:  # a collection: its members as given
        return dict(mapped)
    return {"type": mapped["type"], "coordinates": _lists(mapped["coordinates"])}


def _lists(value: Any) -> Any:
    if isinstance(value, tuple | list) and value and isinstance(value[0], tuple | list):
        return [_lists(v) for v in value]
    return [float(v) for v in value] if isinstance(value, tuple | list) else value
