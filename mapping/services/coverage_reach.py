"""Walking reach of one category's resources (or one sector's partners), cached by digest.

A *run* answers: on this street layer, from every visible resource of one
category (with the same target groups) or partner of one sector, how far is
each street vertex within the longest walking limit, and which source is
nearest? pgRouting's ``pgr_drivingDistance`` answers it from all sources at once
(``equicost``: each vertex keeps its nearest source). A source whose nearest
vertex lies on a small island of streets, or too far from any street, is
measured in a straight line instead, and the answer says which. A run is stored
under a digest of its inputs (network, sources with their versions and snapped
vertices, limit), as packed arrays, so that it costs one lookup next time and a
changed pin recomputes only its own category's run. Coverage then combines the
runs a need category's rules name (``mapping.services.coverage``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

# A pin farther than this from every street is not on the network.
SNAP_MAX_M = 300
# Degrees of longitude per metre, generously (valid below 69° N): a bounding-box prefilter.
DEG_PER_M = 1 / 40_000


@dataclass(frozen=True)
class Source:
    """An addresser snapped to the network: its vertex, how far from it, island or not."""

    layer: str
    id: int
    name: str
    version: int
    code: str
    groups: tuple[str, ...]
    vertex_id: int | None
    snap_m: float | None
    straight: bool


@dataclass
class Run:
    """One run's parallel arrays: vertex ids, metres, nearest source's id, straight or not."""

    digest: str
    layer: str
    code: str
    groups: tuple[str, ...]
    vertices: np.ndarray
    metres: np.ndarray
    sources: np.ndarray
    straight: np.ndarray


# Every addresser the caller may see, with its nearest vertex of the layer.
_SOURCES = text(
    """
    WITH s AS (
        SELECT 'resource' AS layer, r.id, r.name, r.version, r.category AS code,
               CAST(r.target_groups AS text[]) AS groups, r.geom, r.visibility, ra.team_id
        FROM resource r LEFT JOIN area ra ON ra.id = r.area_id
        WHERE r.retired_at IS NULL AND r.geom IS NOT NULL
          AND r.category = ANY (CAST(:categories AS text[]))
        UNION ALL
        SELECT 'partner', p.id, p.name, p.version, p.sector, CAST('{}' AS text[]), p.geom,
               p.visibility, pa.team_id
        FROM partner p LEFT JOIN area pa ON pa.id = p.area_id
        WHERE p.retired_at IS NULL AND p.geom IS NOT NULL
          AND p.sector = ANY (CAST(:sectors AS text[]))
    )
    SELECT s.layer, s.id, s.name, s.version, s.code, s.groups, v.id AS vid, v.component,
           ST_Distance(CAST(s.geom AS geography), CAST(v.geom AS geography)) AS snap_m
    FROM s LEFT JOIN LATERAL (
        SELECT id, component, geom FROM street_vertex
        WHERE layer_id = :street_layer ORDER BY geom <-> s.geom LIMIT 1
    ) v ON true
    WHERE :admin OR s.visibility = ANY (CAST(:visibilities AS text[]))
          OR s.team_id = ANY (CAST(:teams AS integer[]))
    ORDER BY s.layer, s.id
    """
)


def sources(
    session: Session, street_layer: int, categories: Sequence[str], sectors: Sequence[str],
    visible: dict[str, object],
) -> list[Source]:
    """The addressers of these categories and sectors the caller may see, snapped to the layer."""
    rows = session.execute(
        _SOURCES,
        {"categories": list(categories), "sectors": list(sectors),
         "street_layer": street_layer, **visible},
    ).all()
    return [
        Source(
            layer=row.layer, id=row.id, name=row.name, version=row.version, code=row.code,
            groups=tuple(sorted(row.groups or ())), vertex_id=row.vid,
            snap_m=None if row.snap_m is None else float(row.snap_m),
            # An island (not the largest part) or off the streets: a straight line.
            straight=row.vid is None or row.component != 0 or float(row.snap_m) > SNAP_MAX_M,
        )
        for row in rows
    ]


def digest(stamp: str, limit_m: int, found: Sequence[Source]) -> str:
    """A fingerprint of every input of a run."""
    payload = [stamp, limit_m,
               [(s.layer, s.id, s.version, s.vertex_id, s.straight) for s in found]]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def load(session: Session, keys: Sequence[str]) -> dict[str, Run]:
    """The stored runs of these digests that the caller may see."""
    rows = session.execute(
        text("SELECT digest, source_layer, vertices, metres, sources, straight "
             "FROM coverage_run WHERE digest = ANY (CAST(:keys AS text[]))"),
        {"keys": list(keys)},
    ).all()
    return {
        row.digest: Run(
            row.digest, row.source_layer, "", (),
            np.frombuffer(row.vertices, dtype=np.int32),
            np.frombuffer(row.metres, dtype=np.float32),
            np.frombuffer(row.sources, dtype=np.int32),
            np.frombuffer(row.straight, dtype=np.uint8).astype(bool),
        )
        for row in rows
    }


def compute(
    session: Session, street_layer: int, key: str, limit_m: int, found: Sequence[Source]
) -> Run:
    """Compute one run in the database and store it (a concurrent twin's copy is kept)."""
    starts: dict[int, Source] = {}
    for s in found:
        if not s.straight and s.vertex_id is not None:
            best = starts.get(s.vertex_id)
            if best is None or (s.snap_m or 0) < (best.snap_m or 0):
                starts[s.vertex_id] = s
    vids = sorted(starts)
    straight = [s.id for s in found if s.straight]
    layer = found[0].layer
    table = "resource" if layer == "resource" else "partner"
    # One row of four parallel arrays: fetching 70,000 rows one by one costs seconds.
    row = session.execute(
        text(
            f"""
            WITH street AS (
                SELECT d.node AS vertex, d.agg_cost + st.snap AS metres, st.id, false AS straight
                FROM pgr_drivingDistance(
                         CAST(:edges AS text), CAST(:vids AS bigint[]), CAST(:limit AS float8),
                         false, true) d
                JOIN unnest(CAST(:vids AS bigint[]), CAST(:snaps AS float8[]),
                            CAST(:ids AS integer[])) AS st(vid, snap, id) ON st.vid = d.from_v
                WHERE cardinality(CAST(:vids AS bigint[])) > 0
            ), line AS (
                SELECT v.id AS vertex,
                       ST_Distance(CAST(v.geom AS geography), CAST(s.geom AS geography)) AS metres,
                       s.id, true AS straight
                FROM {table} s JOIN street_vertex v ON v.layer_id = :layer
                     AND v.geom && ST_Expand(s.geom, :deg)
                     AND ST_DWithin(CAST(v.geom AS geography), CAST(s.geom AS geography), :limit)
                WHERE s.id = ANY (CAST(:straight AS integer[]))
            ), best AS (
                SELECT * FROM street WHERE cardinality(CAST(:straight AS integer[])) = 0
                UNION ALL
                SELECT DISTINCT ON (vertex) * FROM (SELECT * FROM street UNION ALL
                                                    SELECT * FROM line) u
                WHERE cardinality(CAST(:straight AS integer[])) > 0
                ORDER BY vertex, metres, id
            )
            SELECT coalesce(array_agg(CAST(vertex AS integer)), '{{}}') AS vertices,
                   coalesce(array_agg(CAST(metres AS real)), '{{}}') AS metres,
                   coalesce(array_agg(id), '{{}}') AS ids,
                   coalesce(array_agg(straight), '{{}}') AS straight
            FROM best WHERE metres <= :limit
            """
        ),
        {
            "edges": "SELECT id, source, target, length_m AS cost, length_m AS reverse_cost "
                     f"FROM street_edge WHERE layer_id = {int(street_layer)}",
            "vids": vids, "snaps": [starts[v].snap_m or 0.0 for v in vids],
            "ids": [starts[v].id for v in vids], "limit": float(limit_m),
            "deg": limit_m * DEG_PER_M, "layer": street_layer, "straight": straight,
        },
    ).one()
    run = Run(
        key, layer, found[0].code, found[0].groups,
        np.array(row.vertices, dtype=np.int32),
        np.array(row.metres, dtype=np.float32),
        np.array(row.ids, dtype=np.int32),
        np.array(row.straight, dtype=bool),
    )
    session.execute(
        text(
            "INSERT INTO coverage_run (digest, layer_id, source_layer, limit_m, source_ids, "
            "vertices, metres, sources, straight) VALUES (:d, :l, :sl, :lim, :ids, :v, :m, "
            ":s, :st) ON CONFLICT DO NOTHING"
        ),
        {"d": key, "l": street_layer, "sl": layer, "lim": limit_m,
         "ids": sorted({s.id for s in found}), "v": run.vertices.tobytes(),
         "m": run.metres.tobytes(), "s": run.sources.tobytes(),
         "st": run.straight.astype(np.uint8).tobytes()},
    )
    return run


def forget_stale(session: Session, keep_hours: int = 24) -> None:
    """Drop cached runs older than ``keep_hours`` (those the caller may see)."""
    session.execute(
        text("DELETE FROM coverage_run WHERE created_at < now() - make_interval(hours => :h)"),
        {"h": keep_hours},
    )
