"""A resource's 5, 10 and 15-minute walking areas, drawn on request on the gaps map.

At a walking pace of 4.5 km/h (75 m a minute) the three areas reach 375, 750
and 1,125 m. With pgRouting and the city's street network they are computed
in the database: ``pgr_drivingDistance`` from the junction nearest the
resource (the walk to that junction counted), then per area the reached
junctions and the points where the walk stops part-way along a street,
outlined with a concave hull and padded a little so the streets at the edge
lie inside. A resource off the network (farther than ``SNAP_MAX_M`` from any
street, or on an island of streets) or a city without a network gets circles
in a straight line, and the answer says so. Each area contains the shorter
ones, so the three polygons nest.

Only a resource the caller may see is answered (the same visibility rule as
coverage, and the database's row-level security under it): anyone else gets
"not found", never its outline. Answers are kept in the database
(``walking_area_cache``, one row per resource) under the resource's version
and the street layer (a re-import is a new layer), so another process or
session asks once and reads them after; a move bumps the version and the
next request walks again and replaces the row. The table's policies are the
resource's own, so the cache never hands a viewer a team-only outline. The
last answers are also kept in this process, so a rerun costs one visibility
check.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mapping.errors import UserError
from mapping.services import coverage, streets
from mapping.services.accounts import Actor
from mapping.services.coverage_reach import SNAP_MAX_M

# Metres walked in a minute at 4.5 km/h.
METRES_PER_MINUTE = 75
MINUTES = (5, 10, 15)
# How concave the outline is (0 hugs the points, 1 is the convex hull).
CONCAVITY = 0.8
# The outline's padding: half a street with its pavement and front gardens.
PAD_M = 30
_KEPT = 256
_cache: OrderedDict[tuple[object, ...], WalkingAreas] = OrderedDict()


@dataclass(frozen=True)
class Band:
    """One walking area: minutes, metres and the outline (EPSG:4326)."""

    minutes: int
    metres: int
    geometry: BaseGeometry


@dataclass(frozen=True)
class WalkingAreas:
    """A resource's walking areas, shortest first, and how they were measured."""

    resource_id: int
    name: str
    distance_kind: str
    attribution: str | None
    bands: tuple[Band, ...]


@dataclass(frozen=True)
class Choice:
    """A resource one may ask about: id, name, category code and where it is (EPSG:4326)."""

    id: int
    name: str
    category: str
    lon: float | None = None
    lat: float | None = None
    area_id: int | None = None


_VISIBLE = """
    r.retired_at IS NULL AND r.geom IS NOT NULL
    AND (:admin OR r.visibility = ANY (CAST(:visibilities AS text[]))
         OR a.team_id = ANY (CAST(:teams AS integer[])))
"""

_RESOURCE = text(
    f"""
    SELECT r.id, r.name, r.version, current_database() AS db, v.id AS vid, v.layer_id, v.component,
           ST_Distance(CAST(r.geom AS geography), CAST(v.geom AS geography)) AS snap_m
    FROM resource r LEFT JOIN area a ON a.id = r.area_id
    LEFT JOIN LATERAL (
        SELECT id, layer_id, component, geom FROM street_vertex
        ORDER BY geom <-> r.geom LIMIT 1
    ) v ON :routing
    WHERE r.id = :id AND {_VISIBLE}
    """
)

_CHOICES = text(
    f"""
    SELECT r.id, r.name, r.category, ST_X(r.geom) AS lon, ST_Y(r.geom) AS lat, r.area_id
    FROM resource r LEFT JOIN area a ON a.id = r.area_id
    WHERE r.area_id = ANY (CAST(:areas AS integer[])) AND {_VISIBLE}
    ORDER BY r.name, r.id
    """
)

_STREET = text(
    """
    WITH reached AS (
        SELECT d.node, d.agg_cost + :snap AS cost
        FROM pgr_drivingDistance(CAST(:edges AS text), CAST(:vid AS bigint),
                                 CAST(:reach AS float8), false) d
    ), band AS (
        SELECT unnest(CAST(:limits AS float8[])) AS lim
    ), points AS (
        SELECT b.lim, v.geom FROM band b JOIN reached d ON d.cost <= b.lim
        JOIN street_vertex v ON v.id = d.node
        UNION ALL
        -- Where the walk stops part-way along a street, from either end.
        SELECT b.lim, ST_LineInterpolatePoint(e.geom, least(1, (b.lim - d.cost) / e.length_m))
        FROM band b JOIN reached d ON d.cost < b.lim
        JOIN street_edge e ON e.layer_id = :layer AND e.source = d.node AND e.length_m > 0
        UNION ALL
        SELECT b.lim,
               ST_LineInterpolatePoint(e.geom, greatest(0, 1 - (b.lim - d.cost) / e.length_m))
        FROM band b JOIN reached d ON d.cost < b.lim
        JOIN street_edge e ON e.layer_id = :layer AND e.target = d.node AND e.length_m > 0
        UNION ALL
        SELECT b.lim, r.geom FROM band b, resource r WHERE r.id = :id
    )
    SELECT lim, ST_AsBinary(CAST(ST_Buffer(CAST(ST_ConcaveHull(ST_Collect(geom), :concavity)
                                                AS geography), :pad) AS geometry)) AS wkb
    FROM points GROUP BY lim ORDER BY lim
    """
)

_STRAIGHT = text(
    """
    SELECT lim, ST_AsBinary(CAST(ST_Buffer(CAST(r.geom AS geography), lim) AS geometry)) AS wkb
    FROM resource r, unnest(CAST(:limits AS float8[])) AS lim WHERE r.id = :id ORDER BY lim
    """
)


def limits() -> tuple[int, ...]:
    """The walking areas' reach in metres, shortest first.

    >>> limits()
    (375, 750, 1125)
    """
    return tuple(m * METRES_PER_MINUTE for m in MINUTES)


def choices(session: Session, actor: Actor, area_ids: Sequence[int]) -> list[Choice]:
    """The located resources of these areas that the actor may see, by name."""
    rows = session.execute(
        _CHOICES, {"areas": list(area_ids), **_visible(actor)}
    ).all()
    return [Choice(int(r.id), str(r.name), str(r.category), float(r.lon), float(r.lat),
                   r.area_id) for r in rows]


_KEPT_ROW = text(
    """
    SELECT distance_kind, attribution, outline_5, outline_10, outline_15
    FROM walking_area_cache
    WHERE resource_id = :id AND resource_version = :version
      AND street_layer_id IS NOT DISTINCT FROM CAST(:layer AS integer)
    """
)

# One row per resource: another version or network replaces it. Two sessions
# walking at once both write the same answer; the second one wins.
_KEEP = text(
    """
    INSERT INTO walking_area_cache (resource_id, resource_version, street_layer_id,
                                    distance_kind, attribution, outline_5, outline_10,
                                    outline_15)
    VALUES (:id, :version, :layer, :kind, :attribution, :o5, :o10, :o15)
    ON CONFLICT (resource_id) DO UPDATE SET
        resource_version = excluded.resource_version,
        street_layer_id = excluded.street_layer_id,
        distance_kind = excluded.distance_kind, attribution = excluded.attribution,
        outline_5 = excluded.outline_5, outline_10 = excluded.outline_10,
        outline_15 = excluded.outline_15, computed_at = now()
    """
)


def _from_cache(
    session: Session, resource_id: int, name: str, version: int, layer: int | None
) -> WalkingAreas | None:
    """The areas kept in the database for this version and street layer, or None."""
    row = session.execute(
        _KEPT_ROW, {"id": resource_id, "version": version, "layer": layer}
    ).one_or_none()
    if row is None:
        return None
    outlines = (row.outline_5, row.outline_10, row.outline_15)
    bands = tuple(
        Band(minutes, metres, shapely.from_wkb(bytes(wkb)))
        for minutes, metres, wkb in zip(MINUTES, limits(), outlines, strict=True)
    )
    return WalkingAreas(resource_id, name, str(row.distance_kind), row.attribution, bands)


def _keep(session: Session, found: WalkingAreas, version: int, layer: int | None) -> None:
    """Store the areas for the next process or session (only a full set of three)."""
    if len(found.bands) != len(MINUTES):
        return
    o5, o10, o15 = (shapely.to_wkb(b.geometry) for b in found.bands)
    # A savepoint: a refused write (e.g. the resource retired meanwhile) only
    # costs the next request a walk, never the answer of this one.
    try:
        with session.begin_nested():
            session.execute(_KEEP, {
                "id": found.resource_id, "version": version, "layer": layer,
                "kind": found.distance_kind, "attribution": found.attribution,
                "o5": o5, "o10": o10, "o15": o15,
            })
    except DBAPIError:
        pass


def walking_areas(session: Session, actor: Actor, resource_id: int) -> WalkingAreas:
    """The 5/10/15-minute walking areas of a resource the actor may see.

    Raises UserError ``walking.not_found`` for a resource that does not
    exist, is retired or unlocated, or that the actor may not see.
    """
    routing = streets.pgrouting_available(session)
    row = session.execute(
        _RESOURCE, {"id": resource_id, "routing": routing, **_visible(actor)}
    ).one_or_none()
    if row is None:
        raise UserError("walking.not_found", id=resource_id)
    on_streets = (routing and row.vid is not None and row.component == 0
                  and float(row.snap_m) <= SNAP_MAX_M)
    layer = int(row.layer_id) if on_streets else None
    key: tuple[object, ...] = (row.db, resource_id, row.version, layer)
    kept = _cache.get(key)
    if kept is not None:
        _cache.move_to_end(key)
        return kept
    version = int(row.version)
    stored = _from_cache(session, resource_id, str(row.name), version, layer)
    if stored is not None:
        return _remember(key, stored)
    reach = limits()
    if layer is None:
        shapes = session.execute(_STRAIGHT, {"id": resource_id, "limits": list(reach)}).all()
        kind, attribution = coverage.STRAIGHT_LINE, None
    else:
        snap = float(row.snap_m)
        shapes = session.execute(_STREET, {
            "edges": "SELECT id, source, target, length_m AS cost, length_m AS reverse_cost "
                     f"FROM street_edge WHERE layer_id = {layer}",
            "vid": int(row.vid), "reach": max(reach[-1] - snap, 0.0), "snap": snap,
            "limits": list(reach), "layer": layer, "id": resource_id,
            "concavity": CONCAVITY, "pad": PAD_M,
        }).all()
        kind = coverage.STREET
        attribution = streets.summary(session, layer).attribution or None
    outlines = {int(s.lim): shapely.from_wkb(bytes(s.wkb)) for s in shapes}
    bands: list[Band] = []
    for minutes, metres in zip(MINUTES, reach, strict=True):
        outline = outlines.get(metres)
        if outline is None:
            continue
        if bands:
            # A longer walk reaches at least as far: the outlines nest.
            outline = shapely.union(outline, bands[-1].geometry)
        bands.append(Band(minutes, metres, outline))
    found = WalkingAreas(resource_id, str(row.name), kind, attribution, tuple(bands))
    _keep(session, found, version, layer)
    return _remember(key, found)


def _remember(key: tuple[object, ...], found: WalkingAreas) -> WalkingAreas:
    """Keep an answer in this process too (the newest last, the oldest dropped)."""
    _cache[key] = found
    while len(_cache) > _KEPT:
        _cache.popitem(last=False)
    return found


def _visible(actor: Actor) -> dict[str, object]:
    return {
        "admin": actor.is_admin,
        "visibilities": list(actor.visibilities()),
        "teams": sorted(actor.team_ids),
    }
