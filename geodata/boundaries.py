"""Reading boundary files (estates, districts, cities) into valid MultiPolygons in EPSG:4326.

Real boundary files are often broken: rings that cross themselves after their
coordinates were rounded, a missing CRS, polygons and multipolygons mixed.
``read_boundaries`` returns geometries the database accepts as they are, and a
note for every feature it had to repair, so the caller can say so in ``source``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio.errors
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

WGS84 = "EPSG:4326"
# Metric CRS for areas and overlaps in Poland (PUWG 1992): equal-area enough
# for comparing shares, and it covers the whole country in one zone.
METRIC_CRS = "EPSG:2180"
# RFC 7946: GeoJSON coordinates are always WGS 84 longitude/latitude, so a
# GeoJSON file without a "crs" member is not ambiguous; other formats are.
GEOJSON_SUFFIXES = (".geojson", ".json")
_GEOD = Geod(ellps="WGS84")


class BoundaryError(ValueError):
    """A boundary file cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class RepairNote:
    """What was wrong with one feature's geometry and what the repair removed."""

    name: str
    problem: str
    dropped: tuple[str, ...] = ()

    def __str__(self) -> str:
        """One line for a log or a ``source`` field."""
        removed = f"; dropped {', '.join(self.dropped)}" if self.dropped else ""
        return f"{self.name}: {self.problem}; repaired with make_valid{removed}"


def read_boundaries(
    path: str | Path, name_field: str, crs: str | None = None
) -> tuple[gpd.GeoDataFrame, list[RepairNote]]:
    """Read a polygon file as valid MultiPolygons in EPSG:4326, with a note per repair.

    ``name_field`` names the attribute holding each feature's name; it is
    copied, stripped, to a ``name`` column. ``crs`` is assumed only when the
    file declares none; a GeoJSON file without one is EPSG:4326 (RFC 7946),
    any other file without one is an error. Invalid polygons are repaired
    with ``shapely.make_valid`` keeping only the polygonal parts.

    >>> from geodata import FILES
    >>> frame, notes = read_boundaries(FILES / "wroclaw_osiedla_48.geojson", "osiedle")
    >>> len(frame), len(notes), set(frame.geom_type), frame.crs.to_epsg()
    (48, 17, {'MultiPolygon'}, 4326)
    """
    path = Path(path)
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise BoundaryError(f"{path}: cannot read the file ({exc})") from exc
    frame = _in_wgs84(frame, path, crs)
    if name_field not in frame.columns:
        fields = ", ".join(str(c) for c in frame.columns if c != "geometry")
        raise BoundaryError(f"{path.name}: no field {name_field!r}; the fields are {fields}")
    names = [_name(value) for value in frame[name_field]]
    unnamed = [str(row) for row, name in enumerate(names) if not name]
    if unnamed:
        raise BoundaryError(f"{path.name}: features without a {name_field!r}: rows {unnamed}")
    geometries: list[MultiPolygon] = []
    notes: list[RepairNote] = []
    for name, geometry in zip(names, frame.geometry, strict=True):
        if geometry is None or geometry.is_empty:
            raise BoundaryError(f"{path.name}: feature {name!r} has no geometry")
        fixed, note = repair(geometry, name)
        geometries.append(fixed)
        if note is not None:
            notes.append(note)
    frame = frame.drop(columns="geometry").assign(name=names)
    return gpd.GeoDataFrame(frame, geometry=geometries, crs=WGS84), notes


def repair(geometry: BaseGeometry, name: str = "") -> tuple[MultiPolygon, RepairNote | None]:
    """A valid 2-D MultiPolygon for ``geometry`` and a note when it had to be repaired.

    >>> bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> fixed, note = repair(bowtie, "bowtie")
    >>> fixed.is_valid, len(fixed.geoms), note.problem
    (True, 2, 'Self-intersection[1 1]')
    """
    geometry = shapely.force_2d(geometry)
    if geometry.is_valid:
        return as_multipolygon(geometry, name), None
    problem = shapely.is_valid_reason(geometry)
    repaired = shapely.make_valid(geometry)
    dropped = tuple(part.geom_type for part in _parts(repaired) if not _polygonal(part))
    return as_multipolygon(repaired, name), RepairNote(name, problem, dropped)


def as_multipolygon(geometry: BaseGeometry, name: str = "") -> MultiPolygon:
    """The polygonal parts of ``geometry`` as one valid MultiPolygon.

    Lines and points (what ``make_valid`` leaves of collapsed spikes) are
    dropped; a geometry without any area is an error.

    >>> as_multipolygon(Polygon([(0, 0), (1, 0), (1, 1)])).geom_type
    'MultiPolygon'
    """
    polygons = [
        polygon
        for part in _parts(geometry)
        if _polygonal(part)
        for polygon in _parts(part)
        if isinstance(polygon, Polygon) and not polygon.is_empty
    ]
    if not polygons:
        label = f"{name!r}" if name else "the geometry"
        raise BoundaryError(f"{label} has no area ({geometry.geom_type})")
    result = MultiPolygon(polygons)
    if not result.is_valid:
        # Parts that touch along an edge are valid alone but not together.
        result = as_multipolygon(shapely.union_all(polygons), name)
    return result


def dissolve(geometries: Iterable[BaseGeometry], fill_gaps_below_m2: float = 0.0) -> MultiPolygon:
    """The union of ``geometries`` (EPSG:4326) as one MultiPolygon.

    Holes smaller than ``fill_gaps_below_m2`` are filled: neighbouring
    polygons digitised separately leave slivers between them, which would
    otherwise become holes in the outline of a city.

    >>> a = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    >>> b = Polygon([(1, 0), (2, 0), (2, 1), (1, 1)])
    >>> len(dissolve([a, b]).geoms)
    1
    """
    union = as_multipolygon(shapely.union_all([shapely.force_2d(g) for g in geometries]))
    if fill_gaps_below_m2 <= 0:
        return union
    filled = [
        Polygon(
            part.exterior,
            [
                ring
                for ring in part.interiors
                if geodesic_area_m2(Polygon(ring)) >= fill_gaps_below_m2
            ],
        )
        for part in union.geoms
    ]
    return as_multipolygon(shapely.union_all(filled))


def largest_overlaps(
    children: gpd.GeoSeries, parents: gpd.GeoSeries, min_share: float = 0.5
) -> list[tuple[int | None, float]]:
    """For each child, the position of the parent it overlaps most, and the share it lies in.

    Shares are computed in metres (EPSG:2180): the area of the child inside
    the parent over the child's area. A child whose best share is below
    ``min_share`` gets ``(None, share)``: it lies in no parent. Both series
    need a CRS; ``parents`` may be empty.

    >>> square = Polygon([(18.0, 54.0), (18.2, 54.0), (18.2, 54.1), (18.0, 54.1)])
    >>> west = Polygon([(17.9, 53.9), (18.15, 53.9), (18.15, 54.2), (17.9, 54.2)])
    >>> east = Polygon([(18.15, 53.9), (18.4, 53.9), (18.4, 54.2), (18.15, 54.2)])
    >>> found = largest_overlaps(gpd.GeoSeries([square], crs=WGS84),
    ...                          gpd.GeoSeries([west, east], crs=WGS84))
    >>> found[0][0], round(found[0][1], 2)
    (0, 0.75)
    """
    if not len(parents):
        return [(None, 0.0)] * len(children)
    kids = list(children.to_crs(METRIC_CRS))
    hosts = list(parents.to_crs(METRIC_CRS))
    tree = shapely.STRtree(hosts)
    shapely.prepare(hosts)
    found: list[tuple[int | None, float]] = []
    for child in kids:
        best, share = None, 0.0
        area = child.area if child is not None else 0.0
        if area > 0:
            candidates = tree.query(child, predicate="intersects")
            # A parent that covers the child has it all: no intersection to
            # compute, and no other parent can have more (most estates lie
            # wholly in their district and merely touch the neighbours).
            covering = [p for p in candidates if hosts[p].covers(child)]
            if covering:
                best, share = int(min(covering)), 1.0
            else:
                for position in candidates:
                    inside = shapely.intersection(child, hosts[position]).area / area
                    if inside > share:
                        best, share = int(position), inside
        found.append((best if share >= min_share else None, share))
    return found


def find_outlines(
    geometries: gpd.GeoSeries,
    min_share: float = 0.9,
    min_children: int = 2,
    min_fraction: float = 0.5,
) -> dict[int, list[int]]:
    """Features that outline many of the others (a whole-city boundary among its districts).

    A feature is an outline when at least ``min_children`` others, and at
    least ``min_fraction`` of all others, lie in it with ``min_share`` of
    their area. Returns outline position → the positions of the features
    inside it; a feature inside several outlines is given to the smallest.

    >>> city = Polygon([(18.0, 54.0), (18.4, 54.0), (18.4, 54.2), (18.0, 54.2)])
    >>> west = Polygon([(18.0, 54.0), (18.2, 54.0), (18.2, 54.2), (18.0, 54.2)])
    >>> east = Polygon([(18.2, 54.0), (18.4, 54.0), (18.4, 54.2), (18.2, 54.2)])
    >>> find_outlines(gpd.GeoSeries([west, city, east], crs=WGS84))
    {1: [0, 2]}
    """
    metric = list(geometries.to_crs(METRIC_CRS))
    present = [i for i, g in enumerate(metric) if g is not None and not g.is_empty and g.area > 0]
    if len(present) < min_children + 1:
        return {}
    others = len(present) - 1
    needed = max(min_children, min_fraction * others)
    # A feature nine tenths inside another has its representative point
    # inside it too: counting points first spares the areas of all the
    # neighbours that merely touch (most files have no outline at all).
    points = [metric[i].representative_point() for i in present]
    point_tree = shapely.STRtree(points)
    tree = shapely.STRtree([metric[i] for i in present])
    inside: dict[int, list[int]] = {}
    for outer in present:
        if len(point_tree.query(metric[outer], predicate="contains")) - 1 < needed:
            continue
        hits = [present[j] for j in tree.query(metric[outer], predicate="intersects")]
        contained = [
            i
            for i in hits
            if i != outer
            and metric[i].area < metric[outer].area
            and shapely.intersection(metric[i], metric[outer]).area >= min_share * metric[i].area
        ]
        if len(contained) >= needed:
            inside[outer] = contained
    outlines: dict[int, list[int]] = {outer: [] for outer in inside}
    for child in sorted({i for members in inside.values() for i in members} - set(inside)):
        hosts = [outer for outer, members in inside.items() if child in members]
        outlines[min(hosts, key=lambda outer: metric[outer].area)].append(child)
    return {outer: members for outer, members in outlines.items() if members}


def share_inside(geometry: BaseGeometry, region: BaseGeometry) -> float:
    """The share (0–1) of ``geometry``'s area that lies in ``region``; for points, 1 or 0.

    Both in the same lon/lat CRS; the ratio of two areas needs no projection
    at this scale.

    >>> share_inside(Polygon([(0, 0), (2, 0), (2, 1), (0, 1)]),
    ...              Polygon([(0, 0), (1, 0), (1, 1), (0, 1)]))
    0.5
    """
    if region.covers(geometry):
        return 1.0
    if geometry.area == 0:
        return 0.0
    return shapely.intersection(geometry, region).area / geometry.area


def swap_axes(geometry: BaseGeometry) -> BaseGeometry:
    """The geometry with x and y exchanged (latitude/longitude read the wrong way round).

    >>> swap_axes(Polygon([(54.3, 18.6), (54.4, 18.6), (54.4, 18.7)])).exterior.coords[0]
    (18.6, 54.3)
    """
    return shapely.transform(geometry, lambda xy: xy[:, ::-1])


def geodesic_area_m2(geometry: BaseGeometry) -> float:
    """Area in square metres of a longitude/latitude geometry, on the WGS 84 ellipsoid."""
    area, _perimeter = _GEOD.geometry_area_perimeter(geometry)
    return abs(area)


def _in_wgs84(frame: gpd.GeoDataFrame, path: Path, crs: str | None) -> gpd.GeoDataFrame:
    if frame.crs is None:
        if crs is not None:
            frame = frame.set_crs(crs)
        elif path.suffix.lower() in GEOJSON_SUFFIXES:
            frame = frame.set_crs(WGS84)
        else:
            raise BoundaryError(
                f"{path.name}: the file declares no CRS; pass the one it uses, e.g. crs='EPSG:2180'"
            )
    return frame.to_crs(WGS84)


def _name(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN from pandas
        return ""
    return str(value).strip()


def _parts(geometry: BaseGeometry) -> list[BaseGeometry]:
    return list(getattr(geometry, "geoms", [geometry]))


def _polygonal(geometry: BaseGeometry) -> bool:
    return geometry.geom_type in ("Polygon", "MultiPolygon")
