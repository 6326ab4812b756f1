"""A walkable street network from a file: OpenStreetMap extracts or any line file, noded.

``.osm.pbf`` and ``.osm`` are read through GDAL's OSM driver (its ``lines``
layer); GeoJSON, GeoPackage, zipped Shapefile (e.g. BDOT10k) and the other GIS
formats through ``geodata.formats`` in any CRS. Ways people may not walk are
dropped (``foot=no``, ``access=private``/``no`` unless foot is allowed,
motorways, construction). The lines are then split at every vertex two of them
share (OSM ways meet at interior nodes, not only at their ends), which gives
the graph's vertices and edges; connected components are numbered, the
largest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geodata import formats
from geodata.features import FormatError, Limits
from mapping.errors import UserError

OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
# Ways no walking profile uses.
NOT_WALKABLE = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed",
    "raceway", "bus_guideway", "abandoned", "razed", "platform", "corridor_no",
})
FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "official"})
# Vertices closer than this (7 decimals of a degree: about 1 cm) are one vertex.
DECIMALS = 7
# A city's network is big: the shared Gdańsk file has 51,629 ways.
STREET_LIMITS = Limits(max_features=2_000_000, max_file_bytes=1024 * 1024 * 1024)
_TAG = re.compile(r'"([^"]+)"=>"([^"]*)"')


@dataclass
class Network:
    """A noded network: vertex coordinates, edges as vertex pairs with their geometry.

    ``component`` gives each vertex its connected part, 0 the largest.
    ``dropped`` counts the lines left out, by reason.
    """

    vertices: np.ndarray
    component: np.ndarray
    sources: np.ndarray
    targets: np.ndarray
    geometries: list[shapely.LineString]
    names: list[str | None]
    attribution: str
    dropped: dict[str, int] = field(default_factory=dict)
    # The coordinate system the file was in (the network itself is in WGS 84).
    source_crs: str = "EPSG:4326"

    @property
    def component_count(self) -> int:
        """How many connected parts the network has."""
        return int(self.component.max()) + 1 if len(self.component) else 0


def _tags(other: object) -> dict[str, str]:
    return dict(_TAG.findall(other)) if isinstance(other, str) else {}


def _walkable(props: dict[str, object]) -> str | None:
    """Why a way is not walkable, or None when it is."""
    highway = props.get("highway")
    if not isinstance(highway, str) or not highway:
        return "not_a_way" if "highway" in props else None
    foot = str(props.get("foot") or "").lower()
    access = str(props.get("access") or "").lower()
    if foot == "no":
        return "foot_no"
    if access in ("private", "no") and foot not in FOOT_ALLOWED:
        return "access_private"
    if highway in NOT_WALKABLE and foot not in FOOT_ALLOWED:
        return "not_walkable"
    return None


def _read_osm(path: Path) -> tuple[list[object], list[dict[str, object]]]:
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path, layer="lines")
    except Exception as exc:  # GDAL's errors have no common base  # noqa: BLE001
        raise UserError("streets.unreadable", name=path.name, reason=str(exc)[:200]) from None
    columns = [c for c in frame.columns if c != "geometry"]
    props = []
    for values in frame[columns].itertuples(index=False, name=None):
        row = dict(zip(columns, values, strict=True))
        row.update(_tags(row.pop("other_tags", None)))
        props.append(row)
    return list(frame.geometry), props


def _read_gis(path: Path, crs: str | None, layer: str | None) -> tuple[list, list, str]:
    try:
        found = formats.read_features(path, path.name, crs=crs, layer=layer, limits=STREET_LIMITS)
    except FormatError as exc:
        if exc.code == "no_features":
            raise UserError("streets.no_lines", name=path.name) from None
        raise UserError(f"import_file.{exc.code}", **exc.params) from None
    frame = found.frame
    columns = [c for c in frame.columns if c != frame.geometry.name]
    props = [
        {k: (None if v != v else v) for k, v in zip(columns, values, strict=True)}
        for values in frame[columns].itertuples(index=False, name=None)
    ]
    return list(frame.geometry), props, str(found.source_crs)


def read_streets(path: Path, crs: str | None = None, layer: str | None = None) -> Network:
    """Read, filter and node a street file; ``UserError`` when it holds no walkable line."""
    name = path.name.lower()
    is_osm = name.endswith((".osm.pbf", ".pbf", ".osm"))
    if not path.exists():
        raise UserError("streets.unreadable", name=path.name, reason="no such file")
    source_crs = "EPSG:4326"
    geoms: list[Any]
    props: list[dict[str, object]]
    if is_osm:
        geoms, props = _read_osm(path)
    else:
        geoms, props, source_crs = _read_gis(path, crs, layer)
    dropped: dict[str, int] = {}
    lines: list[np.ndarray] = []
    names: list[str | None] = []
    osm_like = is_osm
    for geom, row in zip(geoms, props, strict=True):
        osm_like = osm_like or "osm_id" in row or "highway" in row
        why = _walkable(row)
        if why is None and (geom is None or geom.is_empty):
            why = "no_geometry"
        if why is None and geom.geom_type not in ("LineString", "MultiLineString"):
            why = "not_a_line"
        if why is not None:
            dropped[why] = dropped.get(why, 0) + 1
            continue
        label = row.get("name")
        for part in getattr(geom, "geoms", [geom]):
            coords = np.round(shapely.get_coordinates(part), DECIMALS)
            if len(coords) >= 2:
                lines.append(coords)
                names.append(str(label)[:200] if isinstance(label, str) and label else None)
    if not lines:
        raise UserError("streets.no_lines", name=path.name)
    network = node(lines, names, OSM_ATTRIBUTION if osm_like else f"{path.name}", dropped)
    network.source_crs = source_crs
    return network


def node(
    lines: list[np.ndarray],
    names: list[str | None],
    attribution: str,
    dropped: dict[str, int] | None = None,
) -> Network:
    """Split lines at every vertex they share with another line (or themselves) and at ends."""
    # Each vertex's key, and how often it occurs anywhere.
    keys_per_line = [list(map(tuple, coords.tolist())) for coords in lines]
    seen: dict[tuple[float, float], int] = {}
    for keys in keys_per_line:
        for key in keys:
            seen[key] = seen.get(key, 0) + 1
    index: dict[tuple[float, float], int] = {}
    sources: list[int] = []
    targets: list[int] = []
    pieces: list[shapely.LineString] = []
    piece_names: list[str | None] = []

    def vertex(key: tuple[float, float]) -> int:
        found = index.get(key)
        if found is None:
            found = index[key] = len(index)
        return found

    for keys, label in zip(keys_per_line, names, strict=True):
        start = 0
        last = len(keys) - 1
        for i in range(1, last + 1):
            if i == last or seen[keys[i]] > 1:
                part = keys[start:i + 1]
                a, b = vertex(part[0]), vertex(part[-1])
                if a != b or len(part) > 2:
                    sources.append(a)
                    targets.append(b)
                    pieces.append(shapely.LineString(part))
                    piece_names.append(label)
                start = i
    vertices = np.array(list(index), dtype=float).reshape(-1, 2)
    src = np.array(sources, dtype=np.int64)
    tgt = np.array(targets, dtype=np.int64)
    return Network(
        vertices=vertices,
        component=components(len(vertices), src, tgt),
        sources=src,
        targets=tgt,
        geometries=pieces,
        names=piece_names,
        attribution=attribution,
        dropped=dict(dropped or {}),
    )


def components(count: int, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Connected parts of a graph (union-find), numbered by size: 0 is the largest."""
    parent = list(range(count))

    def root(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for a, b in zip(sources.tolist(), targets.tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    roots = np.array([root(v) for v in range(count)], dtype=np.int64)
    if count == 0:
        return roots
    unique, inverse, sizes = np.unique(roots, return_inverse=True, return_counts=True)
    rank = np.empty(len(unique), dtype=np.int64)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(len(unique))
    return rank[inverse]
