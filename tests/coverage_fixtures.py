"""Small street networks with known answers, for the coverage and street tests.

``grid`` lays a square grid of streets (``step`` metres apart) with its corner
at a given point; the distances along it are sums of the stored edge lengths,
so the tests can say exactly how far any junction is from any other.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import text

from mapping import catalog
from mapping.db.models import Partner, Resource
from mapping.io.street_files import node, read_streets
from mapping.services import streets

METRES_PER_DEGREE_LAT = 111_340


def offset(origin: tuple[float, float], east_m: float, north_m: float) -> tuple[float, float]:
    """A point ``east_m`` east and ``north_m`` north of ``origin`` (lon, lat)."""
    lat = origin[1] + north_m / METRES_PER_DEGREE_LAT
    lon = origin[0] + east_m / (METRES_PER_DEGREE_LAT * math.cos(math.radians(origin[1])))
    return lon, lat


def grid_lines(origin: tuple[float, float], size: int, step: float) -> list[np.ndarray]:
    """Full-length streets east–west and north–south with a vertex at every junction.

    As OSM ways do, they meet at interior vertices, so the reader must split them.
    """
    rows = [np.array([offset(origin, k * step, i * step) for k in range(size)])
            for i in range(size)]
    columns = [np.array([offset(origin, i * step, k * step) for k in range(size)])
               for i in range(size)]
    return rows + columns


def save_grid(session, actor, origin, size=5, step=100.0, extra=()):
    """Save a size × size grid (plus ``extra`` lines) as the network; its summary."""
    lines = grid_lines(origin, size, step) + [np.array(line) for line in extra]
    network = node([np.round(line, 7) for line in lines], [None] * len(lines),
                   "© OpenStreetMap contributors (ODbL)")
    return streets.save_network(session, actor, network, "grid.geojson")


def vertex_at(session, point):
    """The id of the street vertex nearest to ``point``."""
    return session.scalar(
        text("SELECT id FROM street_vertex ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:x, :y), "
             "4326) LIMIT 1"),
        {"x": point[0], "y": point[1]},
    )


def path_metres(session, a, b):
    """Exact walking metres between two vertices on an undirected grid (pgr_dijkstra)."""
    return session.scalar(
        text("SELECT max(agg_cost) FROM pgr_dijkstra('SELECT id, source, target, length_m AS cost,"
             " length_m AS reverse_cost FROM street_edge', :a, :b, false)"),
        {"a": a, "b": b},
    )


def add_resource(session, name, category, point, area_id, **extra):
    kind = catalog.by_code(session, "resource_category")[category].parent_code
    row = Resource(name=name, kind=kind, category=category, area_id=area_id,
                   geom=from_shape(Point(*point), srid=4326), **extra)
    session.add(row)
    session.flush()
    return row


def add_partner(session, name, sector, point, area_id, **extra):
    row = Partner(name=name, sector=sector, area_id=area_id,
                  geom=from_shape(Point(*point), srid=4326), **extra)
    session.add(row)
    session.flush()
    return row


def read(path: Path):
    return read_streets(path)
