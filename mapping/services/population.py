"""The population layer: where residents live, and how many of them a need's addressers reach.

``save`` replaces a city's population points (admins only; the caller owns the
transaction, so a refused file leaves the old layer as it was). ``Residents``
answers coverage's question "how many of this area's residents live within
the walking limit?": where an area lies in a city's population layer
(inside the box of its points) the area's residents are the sum of its points
and a point is reached when its nearest street junction is within the limit
of an addresser (the distances of ``coverage_reach``'s runs), or, without a
street network, when it lies within the straight-line limit. Elsewhere the
area's population field is assumed spread evenly over the area (its share
within the limit). Each cell says which it used (``residents_kind``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from mapping.db import set_app_user
from mapping.errors import PermissionDenied, UserError
from mapping.io.population_files import PopulationFile
from mapping.services.accounts import Actor

# Residents counted from the population layer's points, or the area's
# population assumed spread evenly over the area.
FROM_LAYER = "population_layer"
EVEN_SPREAD = "even_spread"
# A layer none of whose points comes this close to an area is another city's,
# or a file read in the wrong CRS (as for streets).
NEAR_AREAS_M = 2_000
_CHUNK = 20_000
# Degrees per metre, generously (valid below 69° N): a bounding-box prefilter.
_DEG_PER_M = 1 / 40_000

@dataclass(frozen=True)
class LayerSummary:
    """One city's population layer as stored."""

    city: str
    points: int
    residents: int
    source: str
    imported_by: str | None
    imported_at: Any
    # What the file was read as (migration 0012); empty for a layer loaded before.
    field: str = ""
    kind: str = ""
    crs: str = ""
    attribution: str = ""


def save(
    session: Session, actor: Actor, data: PopulationFile, city: str = "", attribution: str = ""
) -> LayerSummary:
    """Store a file's points as ``city``'s population layer, replacing the old one; admins only.

    ``attribution`` is the credit the data's publisher asks for (e.g. "GUS").

    Refuses a layer that comes near no area while areas exist (another city's
    file, or one in the wrong CRS), with nothing changed.
    """
    if not actor.is_admin:
        raise PermissionDenied("population.admins_only")
    set_app_user(session, actor.username)
    if not len(data.residents):
        raise UserError("population.empty", name=data.name)
    has_areas, near = session.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM area WHERE retired_at IS NULL), "
            "EXISTS (SELECT 1 FROM area WHERE retired_at IS NULL AND ST_DWithin("
            "CAST(geom AS geography), CAST(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326) "
            "AS geography), :near))"
        ),
        {"x0": float(data.lons.min()), "y0": float(data.lats.min()),
         "x1": float(data.lons.max()), "y1": float(data.lats.max()), "near": NEAR_AREAS_M},
    ).one()
    if has_areas and not near:
        raise UserError("population.far_from_areas", name=data.name)
    # Two imports for one city at once: the second waits, then replaces the first.
    session.execute(text("LOCK TABLE population_point IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(text("DELETE FROM population_point WHERE city = :c"), {"c": city})
    xs, ys, counts = data.lons.tolist(), data.lats.tolist(), data.residents.tolist()
    for start in range(0, len(xs), _CHUNK):
        stop = start + _CHUNK
        session.execute(
            text(
                "INSERT INTO population_point (city, geom, residents, source, imported_by) "
                "SELECT :c, ST_SetSRID(ST_MakePoint(x, y), 4326), n, :s, :u "
                "FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[]), "
                "CAST(:ns AS integer[])) AS t(x, y, n)"
            ),
            {"c": city, "s": data.name[:300], "u": actor.username, "xs": xs[start:stop],
             "ys": ys[start:stop], "ns": counts[start:stop]},
        )
    session.execute(
        text(
            "INSERT INTO population_layer (city, source, field, kind, crs, attribution, "
            "imported_by) VALUES (:c, :s, :f, :k, :crs, :a, :u) ON CONFLICT (city) DO UPDATE "
            "SET source = excluded.source, field = excluded.field, kind = excluded.kind, "
            "crs = excluded.crs, attribution = excluded.attribution, "
            "imported_by = excluded.imported_by, imported_at = now()"
        ),
        {"c": city, "s": data.name[:300], "f": data.field[:200], "k": data.kind,
         "crs": data.source_crs[:200], "a": attribution.strip()[:300], "u": actor.username},
    )
    found = layers(session, city)
    return found[0]


def remove(session: Session, actor: Actor, city: str = "") -> bool:
    """Forget ``city``'s population layer (residents go back to the areas' own field); admins only.

    Returns whether there was one.
    """
    if not actor.is_admin:
        raise PermissionDenied("population.admins_only")
    set_app_user(session, actor.username)
    session.execute(text("DELETE FROM population_layer WHERE city = :c"), {"c": city})
    gone = session.scalars(
        text("DELETE FROM population_point WHERE city = :c RETURNING id"), {"c": city}
    ).all()
    return bool(gone)


def layers(session: Session, city: str | None = None) -> list[LayerSummary]:
    """Every city's population layer (or ``city``'s), with its totals."""
    rows = session.execute(
        text(
            "SELECT p.city, p.points, p.residents, p.source, p.imported_by, p.imported_at, "
            "coalesce(m.field, '') AS field, coalesce(m.kind, '') AS kind, "
            "coalesce(m.crs, '') AS crs, coalesce(m.attribution, '') AS attribution FROM ("
            "SELECT city, count(*) AS points, coalesce(sum(residents), 0) AS residents, "
            "min(source) AS source, min(imported_by) AS imported_by, "
            "max(imported_at) AS imported_at FROM population_point "
            "WHERE CAST(:city AS text) IS NULL OR city = :city GROUP BY city"
            ") p LEFT JOIN population_layer m ON m.city = p.city ORDER BY p.city"
        ),
        {"city": city},
    ).all()
    return [LayerSummary(r.city, int(r.points), int(r.residents), r.source, r.imported_by,
                         r.imported_at, r.field, r.kind, r.crs, r.attribution) for r in rows]


# The areas inside a layer's box, each with its points (one row per area:
# arrays, as fetching 60,000 rows one by one costs more than the rest).
_POINTS = text(
    """
    WITH box AS (
        SELECT ST_SetSRID(CAST(ST_Extent(geom) AS geometry), 4326) AS g
        FROM population_point GROUP BY city
    ), scope AS (
        SELECT a.id, a.geom, s.layer FROM area a
        JOIN unnest(CAST(:areas AS integer[]), CAST(:layers AS integer[])) AS s(id, layer)
             ON s.id = a.id
        WHERE EXISTS (SELECT 1 FROM box WHERE box.g && a.geom)
    )
    SELECT s.id, s.layer,
           coalesce(array_agg(p.residents) FILTER (WHERE p.id IS NOT NULL), '{}') AS residents,
           coalesce(array_agg(ST_X(p.geom)) FILTER (WHERE p.id IS NOT NULL), '{}') AS xs,
           coalesce(array_agg(ST_Y(p.geom)) FILTER (WHERE p.id IS NOT NULL), '{}') AS ys,
           coalesce(array_agg(p.id) FILTER (WHERE p.id IS NOT NULL), '{}') AS ids
    FROM scope s LEFT JOIN population_point p ON ST_Intersects(s.geom, p.geom)
    GROUP BY s.id, s.layer
    """
)
_VERTICES = text(
    "SELECT coalesce(array_agg(id), '{}') AS ids, coalesce(array_agg(ST_X(geom)), '{}') AS xs, "
    "coalesce(array_agg(ST_Y(geom)), '{}') AS ys FROM street_vertex WHERE layer_id = :l"
)


def _nearest(session: Session, layer: int, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The id of the layer's junction nearest to each point (-1 when the layer has none).

    Found here with a tree rather than one index probe per point in the
    database (60,000 probes take seconds); longitudes are scaled by the
    cosine of the latitude so that "nearest" is nearest in metres.
    """
    row = session.execute(_VERTICES, {"l": layer}).one()
    if not row.ids or not len(xs):
        return np.full(len(xs), -1, dtype=np.int64)
    scale = math.cos(math.radians(float(np.mean(ys))))
    tree = shapely.STRtree(np.asarray(shapely.points(np.array(row.xs) * scale, np.array(row.ys))))
    found = tree.query_nearest(shapely.points(xs * scale, ys), all_matches=False)
    nearest = np.full(len(xs), -1, dtype=np.int64)
    nearest[found[0]] = np.array(row.ids, dtype=np.int64)[found[1]]
    return nearest


class Residents:
    """The population layer's points in the areas in scope, ready for coverage's cells."""

    def __init__(
        self, points: dict[int, tuple[np.ndarray, np.ndarray]], ids: dict[int, np.ndarray]
    ) -> None:
        """Per area in a layer: its points' residents, nearest junctions (-1: none) and ids."""
        self._points = points
        self._ids = ids
        self._sorted: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._reached: dict[str, np.ndarray] = {}

    @classmethod
    def load(cls, session: Session, areas: Sequence[tuple[int, int | None]]) -> Residents:
        """The points of every area (id, street layer or None) that a population layer covers."""
        rows = session.execute(
            _POINTS,
            {"areas": [a for a, _ in areas], "layers": [layer for _, layer in areas]},
        ).all()
        points: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        ids = {row.id: np.array(row.ids, dtype=np.int64) for row in rows if row.layer is None}
        # One tree per street layer, for the points of all its areas at once.
        for layer in {row.layer for row in rows}:
            mine = [row for row in rows if row.layer == layer]
            xs = np.concatenate([np.array(row.xs, dtype=float) for row in mine])
            ys = np.concatenate([np.array(row.ys, dtype=float) for row in mine])
            vertices = (np.full(len(xs), -1, dtype=np.int64) if layer is None
                        else _nearest(session, layer, xs, ys))
            parts = np.split(vertices, np.cumsum([len(row.xs) for row in mine])[:-1])
            for row, part in zip(mine, parts, strict=True):
                points[row.id] = (np.array(row.residents, dtype=np.int64), part)
        return cls(points, ids)

    def layered(self, area_id: int) -> bool:
        """Whether a population layer covers the area."""
        return area_id in self._points

    def population(self, area_id: int) -> int:
        """The area's residents: the sum of its points."""
        return int(self._points[area_id][0].sum())

    def _metres(self, run: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        key = id(run[0])
        if key not in self._sorted:
            order = np.argsort(run[0], kind="stable")
            self._sorted[key] = (run[0][order].astype(np.int64), run[1][order])
        return self._sorted[key]

    def within_street(
        self, area_id: int, runs: Sequence[tuple[np.ndarray, np.ndarray]], limit_m: int
    ) -> int:
        """Residents whose nearest junction is within ``limit_m`` of an addresser.

        ``runs``: (vertex ids, metres) of each run that addresses the question.
        """
        counts, vertices = self._points[area_id]
        best = np.full(len(vertices), np.inf)
        for run in runs:
            ids, metres = self._metres(run)
            if not len(ids):
                continue
            pos = np.minimum(np.searchsorted(ids, vertices), len(ids) - 1)
            hit = ids[pos] == vertices
            best = np.where(hit, np.minimum(best, metres[pos]), best)
        return int(counts[best <= limit_m].sum())

    def within_straight(
        self, session: Session, area_id: int, sources_sql: str, params: dict[str, object]
    ) -> int:
        """Residents of the area's points within the straight-line limit of an addresser.

        ``sources_sql`` selects the addressers (with ``geom``) under ``params``,
        which also give ``limit`` (metres). One query per question answers for
        the points of every area without streets, from each addresser to the
        points around it (a query per cell, or a probe per point, took as long
        as the rest of coverage).
        """
        key = json.dumps([sources_sql, params], sort_keys=True, default=str)
        if key not in self._reached:
            self._reached[key] = np.array(sorted(session.scalars(
                text(
                    f"""
                    SELECT DISTINCT p.id FROM ({sources_sql}) src
                    JOIN population_point p ON p.geom && ST_Expand(src.geom, :population_deg)
                         AND ST_DWithin(CAST(src.geom AS geography),
                                        CAST(p.geom AS geography), :limit)
                    """
                ),
                # Every point near an addresser: each area keeps its own below.
                {**params, "population_deg": float(params["limit"]) * _DEG_PER_M},  # type: ignore[arg-type]
            )), dtype=np.int64)
        counts = self._points[area_id][0]
        return int(counts[np.isin(self._ids[area_id], self._reached[key])].sum())

    def fields(
        self,
        session: Session,
        area_id: int,
        population: int | None,
        limit_m: int,
        *,
        measured: bool,
        street: Sequence[tuple[np.ndarray, np.ndarray]] | None,
        straight: tuple[str, dict[str, object]],
        withhold: Callable[[int | None], int | None],
    ) -> dict[str, object]:
        """A coverage cell's resident fields: from the layer's points when it covers the area.

        ``population`` is the area's own field. ``measured``: whether the cell
        has a reach to count (a rule, and junctions in the area on a network).
        ``street``: (vertex ids, metres) of every run that addresses the cell,
        None without a network; then ``straight`` gives the addressers' query
        and its parameters. ``withhold`` applies the disclosure threshold.
        """
        if not self.layered(area_id):
            return {"residents_kind": EVEN_SPREAD if population is not None else None}
        within: int | None = None
        if measured and street is not None:
            within = self.within_street(area_id, street, limit_m)
        elif measured:
            within = self.within_straight(session, area_id, *straight)
        return {"population": self.population(area_id), "residents_kind": FROM_LAYER,
                "residents_within": withhold(within)}
