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
changed pin changes only its own category's run, patched where the pin reaches
(``mapping.services.coverage_patch``). Coverage then combines the runs a need
category's rules name (``mapping.services.coverage``).

Runs computed anew are walked together, half of them on a second connection
and core (``mapping.services.coverage_walk``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from mapping.services import coverage_walk

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
    # Where the pin stands (longitude, latitude), as the caller's transaction reads it.
    x: float = 0.0
    y: float = 0.0


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


# Every addresser the caller may see, with its nearest vertex of the layer: kept in
# coverage_snap per pin version (2,000 nearest-vertex probes took half a second).
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
    SELECT s.layer, s.id, s.name, s.version, s.code, s.groups,
           coalesce(c.vertex_id, v.id) AS vid, coalesce(c.component, v.component) AS component,
           coalesce(c.snap_m, v.snap_m) AS snap_m, c.pin_id IS NULL AS fresh, l.stamp,
           ST_X(s.geom) AS x, ST_Y(s.geom) AS y
    FROM s CROSS JOIN (SELECT CAST(imported_at AS text) AS stamp FROM street_layer
                       WHERE id = :street_layer) l
    -- Snapped before, at this version of the pin and this import of the layer.
    LEFT JOIN coverage_snap c ON c.layer_id = :street_layer AND c.pin_layer = s.layer
         AND c.pin_id = s.id AND c.version = s.version AND c.stamp = l.stamp
    LEFT JOIN LATERAL (
        SELECT id, component,
               ST_Distance(CAST(s.geom AS geography), CAST(geom AS geography)) AS snap_m
        FROM street_vertex
        -- Only the pins not snapped before: the condition gates the whole probe.
        WHERE layer_id = :street_layer AND c.pin_id IS NULL ORDER BY geom <-> s.geom LIMIT 1
    ) v ON true
    WHERE (:admin OR s.visibility = ANY (CAST(:visibilities AS text[]))
           OR s.team_id = ANY (CAST(:teams AS integer[])))
    ORDER BY s.layer, s.id
    """
)


def sources(
    session: Session, street_layer: int, categories: Sequence[str], sectors: Sequence[str],
    visible: dict[str, object], within_m: float,
) -> list[Source]:
    """The addressers of these categories and sectors the caller may see, snapped to the layer.

    Only those within ``within_m`` of the layer's nearest junction: one farther away
    (in another city) can reach no junction of the layer.
    """
    rows = session.execute(
        _SOURCES,
        {"categories": list(categories), "sectors": list(sectors),
         "street_layer": street_layer, "within_m": float(within_m), **visible},
    ).all()
    fresh = [row for row in rows if row.fresh]
    if fresh:
        session.execute(_SNAPPED, [
            {"l": street_layer, "pl": row.layer, "id": row.id, "v": row.version,
             "st": row.stamp, "vid": row.vid, "c": row.component, "m": row.snap_m}
            for row in fresh])
    return [
        Source(
            layer=row.layer, id=row.id, name=row.name, version=row.version, code=row.code,
            groups=tuple(sorted(row.groups or ())), vertex_id=row.vid,
            snap_m=None if row.snap_m is None else float(row.snap_m),
            # An island (not the largest part) or off the streets: a straight line.
            straight=row.vid is None or row.component != 0 or float(row.snap_m) > SNAP_MAX_M,
            x=row.x, y=row.y,
        )
        for row in rows
        # Far from every street of the layer (another city): it reaches nothing here,
        # and a change to it must not make this city's runs stale.
        if row.vid is None or float(row.snap_m) <= within_m
    ]


_SNAPPED = text(
    """
    INSERT INTO coverage_snap (layer_id, pin_layer, pin_id, version, stamp, vertex_id,
                               component, snap_m)
    VALUES (:l, :pl, :id, :v, :st, :vid, :c, :m)
    ON CONFLICT (layer_id, pin_layer, pin_id) DO UPDATE SET
        version = excluded.version, stamp = excluded.stamp, vertex_id = excluded.vertex_id,
        component = excluded.component, snap_m = excluded.snap_m
    """
)


def digest(stamp: str, limit_m: int, found: Sequence[Source], prefix: str = "") -> str:
    """A fingerprint of every input of a run, after ``prefix`` (its family, to find it again)."""
    payload = [stamp, limit_m,
               [(s.layer, s.id, s.version, s.vertex_id, s.straight,
                 None if s.snap_m is None else round(s.snap_m, 2)) for s in found]]
    return prefix + hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:64 - len(prefix)]


def load(session: Session, keys: Sequence[str]) -> dict[str, Run]:
    """The stored runs of these digests that the caller may see."""
    rows = coverage_walk.binary_rows(
        session,
        "SELECT digest, source_layer, vertices, metres, sources, straight "
        "FROM coverage_run WHERE digest = ANY (CAST(%(keys)s AS text[]))",
        {"keys": list(keys)},
    )
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


def compute_equicost(
    session: Session, street_layer: int, key: str, limit_m: int, found: Sequence[Source]
) -> Run:
    """Compute and store one run with its own ``pgr_drivingDistance`` over every edge (equicost).

    The first way, kept as the reference the batched ``compute_many`` is
    checked against: it builds the whole graph for every run, and picks each
    vertex's source by the walk from the source's vertex alone (its snap added
    after). A concurrent twin's copy is kept.
    """
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
                -- In parentheses: an ORDER BY after the UNION would sort the union, and
                -- DISTINCT ON would keep any row of a vertex, not its nearest.
                (SELECT DISTINCT ON (vertex) * FROM (SELECT * FROM street UNION ALL
                                                     SELECT * FROM line) u
                 WHERE cardinality(CAST(:straight AS integer[])) > 0
                 ORDER BY vertex, metres, id)
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


def compute_many(
    session: Session, street_layer: int, jobs: Sequence[tuple[str, Sequence[Source]]],
    limit_m: int, box: tuple[float, float, float, float] | None = None,
) -> list[Run]:
    """Compute several runs with one ``pgr_drivingDistance`` (the graph built once), store them.

    Each run gets a virtual start vertex with a one-way edge to every source's
    vertex, as long as the source's distance to it: one Dijkstra per run from
    there gives every vertex its nearest source and the metres to it (snap
    included). The edges are those inside ``box`` (west, south, east, north),
    when given: the areas' extent grown by the limit, outside of which no path
    within the limit to a vertex inside can pass.
    """
    with coverage_walk.beside(session, street_layer, len(jobs)) as other:
        street, line = coverage_walk.reach(session, street_layer,
                              [(g, s) for g, (_, found) in enumerate(jobs) for s in found],
                              limit_m, box, other)
    runs: list[Run] = []
    for g, (key, found) in enumerate(jobs):
        run = _merge(key, found[0], coverage_walk.run_rows(street, g),
                     coverage_walk.run_rows(line, g), g)
        runs.append(run)
    store(session, street_layer, limit_m,
          [(run, found) for run, (_, found) in zip(runs, jobs, strict=True)])
    return runs


def store(
    session: Session, street_layer: int, limit_m: int, runs: Sequence[tuple[Run, Sequence[Source]]]
) -> None:
    """Store runs with their sources' ids (a concurrent twin's copy is kept)."""
    if not runs:
        return
    session.execute(
        text(
            "INSERT INTO coverage_run (digest, layer_id, source_layer, limit_m, source_ids, "
            "vertices, metres, sources, straight) VALUES (:d, :l, :sl, :lim, :ids, :v, :m, "
            ":s, :st) ON CONFLICT DO NOTHING"
        ),
        [{"d": run.digest, "l": street_layer, "sl": run.layer, "lim": limit_m,
          "ids": sorted({s.id for s in found}), "v": run.vertices.tobytes(),
          "m": run.metres.tobytes(), "s": run.sources.tobytes(),
          "st": run.straight.astype(np.uint8).tobytes()}
         for run, found in runs],
    )


def _merge(
    key: str, first: Source, street: dict[str, np.ndarray], line: dict[str, np.ndarray], g: int
) -> Run:
    """One run's arrays: per vertex the nearer of its street and straight-line answers."""
    on_street = street["g"] == g
    on_line = line["g"] == g
    vertex = np.concatenate([street["vertex"][on_street], line["vertex"][on_line]])
    metres = np.concatenate([street["metres"][on_street], line["metres"][on_line]])
    source = np.concatenate([street["source"][on_street], line["source"][on_line]])
    flat = np.concatenate([np.zeros(int(on_street.sum()), bool), np.ones(int(on_line.sum()), bool)])
    if not on_line.any() and (len(vertex) < 2 or bool((vertex[1:] > vertex[:-1]).all())):
        # One street answer per vertex, in vertex order (a slice of ``reach``'s): nothing to pick.
        return Run(key, first.layer, first.code, first.groups, vertex.astype(np.int32),
                   metres.astype(np.float32), source.astype(np.int32), flat)
    # As ORDER BY vertex, metres, id: the first of each vertex is its nearest.
    order = np.lexsort((source, metres, vertex))
    keep = order[np.r_[True, vertex[order][1:] != vertex[order][:-1]]] if len(order) else order
    return Run(key, first.layer, first.code, first.groups,
               vertex[keep].astype(np.int32), metres[keep].astype(np.float32),
               source[keep].astype(np.int32), flat[keep])


def forget_stale(session: Session, keep_hours: int = 24, keep: Sequence[str] = ()) -> int:
    """Drop cached runs older than ``keep_hours`` but those in ``keep``; how many went.

    Called after a recompute, with the runs just used kept: a moved pin leaves
    its category's former run behind, which nobody asks for again (only the
    runs the caller may see are dropped, as row security wants).
    """
    gone = session.execute(
        text("DELETE FROM coverage_run WHERE created_at < now() - make_interval(hours => :h) "
             "AND digest <> ALL (CAST(:keep AS text[]))"),
        {"h": keep_hours, "keep": list(keep)},
    )
    return int(getattr(gone, "rowcount", 0) or 0)
