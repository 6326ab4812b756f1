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
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

import numpy as np
import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from mapping.db.sibling import sibling

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
    rows = binary_rows(
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


def binary_rows(session: Session, sql: str, params: dict[str, object]) -> list[Any]:
    """A query's rows (named tuples) fetched in binary, on the caller's transaction.

    A run's arrays are a megabyte of bytea each: as text they come hex-encoded,
    twice the bytes and decoded again, which took three times as long.
    """
    with _driver(session).cursor(binary=True, row_factory=namedtuple_row) as cur:
        cur.execute(sql, params)
        return cur.fetchall()


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


# Virtual start vertices and edges are numbered from here (street ids stay far below).
VIRTUAL = 1 << 40
# Memory for one walk's rows (half the runs of a city: a million rows, some 80 MB).
WALK_WORK_MEM = "128MB"


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
    with _beside(session, street_layer, len(jobs)) as other:
        street, line = _reach(session, street_layer,
                              [(g, s) for g, (_, found) in enumerate(jobs) for s in found],
                              limit_m, box, other)
    runs: list[Run] = []
    for g, (key, found) in enumerate(jobs):
        run = _merge(key, found[0], _slice(street, g), _slice(line, g), g)
        runs.append(run)
    store(session, street_layer, limit_m,
          [(run, found) for run, (_, found) in zip(runs, jobs, strict=True)])
    return runs


_IMPORTED = text("SELECT CAST(imported_at AS text) FROM street_layer WHERE id = :l")


@contextmanager
def _beside(session: Session, street_layer: int, runs: int) -> Iterator[Connection | None]:
    """A sibling connection for half the runs, or None (one run; streets not committed).

    The walk reads only the streets: the sibling is used when it sees the layer
    as the caller's transaction does (a layer is imported whole under a new id,
    so the same import time means the same edges). A layer the caller's own
    transaction imported is not there yet; nor anything, were the sibling not
    signed in as the caller (the streets are for the signed-in only).
    """
    if runs < 2:
        yield None
        return
    mine = session.scalar(_IMPORTED, {"l": street_layer})
    with sibling(session) as other:
        try:
            same = other.scalar(_IMPORTED, {"l": street_layer}) == mine
        except OperationalError:  # a lock held (by the caller?): walk alone
            same = False
        yield other if same else None


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


def _reach(
    session: Session, street_layer: int, sources: Sequence[tuple[int, Source]], limit_m: int,
    box: tuple[float, float, float, float] | None, beside: Connection | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every (run, vertex) within the limit of a run's sources: metres and nearest source.

    ``sources``: (run, source) pairs. Two sets of rows: from the walk on the
    streets, and from the sources measured in a straight line; each sorted by
    run, then vertex (each run's rows a slice, ``_slice``). With ``beside`` (a
    sibling connection that sees the same streets), every other run is
    measured there while the caller's connection measures the rest: each
    connection's query runs on one core.
    """
    walkers = [(g, s) for g, s in sources if not s.straight and s.vertex_id is not None]
    flyers = [(g, s) for g, s in sources if s.straight or s.vertex_id is None]
    inside = f"layer_id = {int(street_layer)}"
    if box is not None:
        inside += " AND geom && ST_MakeEnvelope({:f}, {:f}, {:f}, {:f}, 4326)".format(*box)
    runs = sorted({g for g, _ in sources})
    lane = partial(_lane, street_layer=street_layer, inside=inside, walkers=walkers,
                   flyers=flyers, limit_m=limit_m)
    if beside is None or len(runs) < 2:
        found, line = lane(session, runs)
    else:
        with ThreadPoolExecutor(1) as pool:
            theirs = pool.submit(lane, beside, runs[1::2])
            mine = lane(session, runs[::2])
            other = theirs.result()
        found, line = ({name: np.concatenate([a[name], b[name]]) for name in a}
                       for a, b in zip(mine, other, strict=True))
    if not len(found["g"]):
        return _nothing(), _by_run(line)
    street = packed(
        session, "SELECT int4send(id) || int4send(source) || int4send(target) "
        f"FROM street_edge WHERE {inside}", {},
        ("id", "source", "target"), (">i4", ">i4", ">i4"),
    )
    ids = np.array([s.id for _, s in walkers], dtype=np.int64)
    return _roots(found, street, ids), _by_run(line)


def _lane(
    conn: Session | Connection, runs: list[int], *, street_layer: int, inside: str,
    walkers: list[tuple[int, Source]], flyers: list[tuple[int, Source]], limit_m: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The rows of these runs on one connection: the walk's, then the straight lines'."""
    wanted = set(runs)
    walked = sorted({g for g, _ in walkers} & wanted)
    found = _walk(conn, walked, inside=inside, walkers=walkers, limit_m=limit_m) if walked else {
        name: np.zeros(0, np.int64) for name in ("g", "vertex", "edge", "metres")}
    return found, _lines(conn, street_layer, [(g, s) for g, s in flyers if g in wanted], limit_m)


def _roots(
    found: dict[str, np.ndarray], street: dict[str, np.ndarray], ids: np.ndarray
) -> dict[str, np.ndarray]:
    """The walk's rows with each vertex's nearest source, sorted by run, then vertex.

    A row was reached by an edge from its predecessor; the first vertex of a
    source by its virtual edge n (as -1 - n), whose source is ``ids[n]``. The
    nearest source is the root of the vertex's tree, found by pointer jumping.
    Rows are looked up in tables indexed by id (a layer's ids are consecutive:
    a table per run of the layer's vertex span), not by sorting and searching
    two million keys, which took seconds.
    """
    g, vertex, edge = found["g"], found["vertex"], found["edge"]
    if not len(g):
        return _nothing()
    first = edge < 0
    e_low = int(street["id"].min())
    edge_row = np.zeros(int(street["id"].max()) - e_low + 1, dtype=np.int64)
    edge_row[street["id"] - e_low] = np.arange(len(street["id"]))
    at = edge_row[np.where(first, e_low, edge) - e_low]
    # The vertex each one was reached from: the other end of the edge it was reached by.
    pred = np.where(street["source"][at] == vertex, street["target"][at], street["source"][at])
    v_low = int(vertex.min())
    span = int(vertex.max()) - v_low + 1
    row = np.full((int(g.max()) + 1) * span, -1, dtype=np.int64)
    row[g * span + (vertex - v_low)] = np.arange(len(g))
    up = row[g * span + (np.where(first, vertex, pred) - v_low)]
    up[first] = np.flatnonzero(first)
    while True:
        nxt = up[up]
        if np.array_equal(nxt, up):
            break
        up = nxt
    source = ids[-1 - edge[up]]
    order = row[row >= 0]  # by run, then vertex
    return {"g": g[order], "vertex": vertex[order], "metres": found["metres"][order],
            "source": source[order]}


def _walk(
    conn: Session | Connection, runs: list[int], *, inside: str,
    walkers: list[tuple[int, Source]], limit_m: int,
) -> dict[str, np.ndarray]:
    """The rows of one ``pgr_drivingDistance`` from the virtual starts of ``runs``.

    Per row: run, vertex, the edge it was reached by (virtual edge n as -1 - n)
    and metres; the streets are the edges ``inside`` and nothing the caller wrote.
    """
    wanted = set(runs)
    # Only numbers go into the edges' SQL (pgRouting takes it as text). Virtual edge n is
    # the n-th source of every run's, also when only some runs are walked here.
    virtual = ",".join(
        f"({VIRTUAL + n},{VIRTUAL + g},{int(s.vertex_id or 0)},{float(s.snap_m or 0.0)!r},-1)"
        for n, (g, s) in enumerate(walkers) if g in wanted
    )
    edges = (
        f"SELECT id, source, target, length_m AS cost, length_m AS reverse_cost "
        f"FROM street_edge WHERE {inside} UNION ALL "
        f"SELECT * FROM (VALUES {virtual}) AS v(id, source, target, cost, reverse_cost)"
    )
    starts = ",".join(str(VIRTUAL + g) for g in runs)
    # The function's rows are all kept before the first is read: in memory, not spilled
    # to a temporary file (a tenth of the walk), for this query only.
    raw = _driver(conn)
    before = raw.execute("SELECT current_setting('work_mem')").fetchone()
    raw.execute("SELECT set_config('work_mem', %s, true)", [WALK_WORK_MEM])
    # Two million rows as Python objects cost seconds: one packed bytea into numpy instead.
    found = packed(
        conn,
        "SELECT int4send(CAST(from_v - %(virtual)s AS integer)) || int4send(CAST(node AS integer))"
        " || int4send(CAST(CASE WHEN edge >= %(virtual)s THEN %(virtual)s - 1 - edge"
        " ELSE edge END AS integer)) || float4send(CAST(agg_cost AS real)) "
        "FROM pgr_drivingDistance(%(edges)s, CAST(%(starts)s AS bigint[]), "
        "CAST(%(limit)s AS float8), true, false) WHERE node < %(virtual)s",
        {"edges": edges, "starts": "{" + starts + "}", "limit": float(limit_m),
         "virtual": VIRTUAL},
        # Metres as float32, as a run stores them: a fifth fewer bytes to carry.
        ("g", "vertex", "edge", "metres"), (">i4", ">i4", ">i4", ">f4"),
    )
    assert before is not None
    raw.execute("SELECT set_config('work_mem', %s, true)", [before[0]])
    return found


def _by_run(found: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rows sorted by run, then vertex: each run's rows a slice, already in vertex order."""
    order = np.lexsort((found["vertex"], found["g"]))
    return {name: column[order] for name, column in found.items()}


def _slice(found: dict[str, np.ndarray], g: int) -> dict[str, np.ndarray]:
    """One run's rows of rows sorted by ``_by_run``."""
    lo, hi = np.searchsorted(found["g"], [g, g + 1])
    return {name: column[lo:hi] for name, column in found.items()}


def _nothing() -> dict[str, np.ndarray]:
    return {"g": np.zeros(0, np.int64), "vertex": np.zeros(0, np.int64),
            "metres": np.zeros(0, np.float64), "source": np.zeros(0, np.int64)}


def packed(
    conn: Session | Connection, rows_sql: str, params: dict[str, object], names: Sequence[str],
    types: Sequence[str],
) -> dict[str, np.ndarray]:
    """A query's rows, each one bytea of fixed-width fields, as numpy columns (int64, float64).

    (Binary COPY was tried instead of ``string_agg``: slower, the rows parsed in Python.)

    Two million rows as Python objects cost seconds: they come as one bytea
    instead, in binary, on the given connection and its transaction.
    """
    with _driver(conn).cursor(binary=True) as cur:
        cur.execute(f"SELECT coalesce(string_agg(r, ''), '') FROM ({rows_sql}) AS q(r)",
                    params or None)
        row = cur.fetchone()
        assert row is not None  # an aggregate: one row
        data = bytes(row[0])
    fields = np.dtype(list(zip(names, types, strict=True)))
    rows = np.frombuffer(data, dtype=fields)
    return {name: rows[name].astype(np.float64 if "f" in kind else np.int64)
            for name, kind in zip(names, types, strict=True)}


def _driver(conn: Session | Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under a session's (its transaction) or a connection."""
    bind = conn.connection() if isinstance(conn, Session) else conn
    raw = bind.connection.driver_connection
    assert raw is not None
    return cast("psycopg.Connection[Any]", raw)


def _lines(
    conn: Session | Connection, street_layer: int, lines: list[tuple[int, Source]], limit_m: int
) -> dict[str, np.ndarray]:
    """Every (run, vertex) within the limit of a run's straight-line sources, in metres.

    The sources stand where the caller read them (``Source.x``, ``.y``): only
    the streets are read here, so that a sibling connection may measure them.
    """
    if not lines:
        return _nothing()
    return packed(
        conn,
        """
        SELECT int4send(s.g) || int4send(CAST(v.id AS integer)) || int4send(s.id)
               || float8send(m.metres)
        FROM unnest(CAST(%(g)s AS integer[]), CAST(%(ids)s AS integer[]),
                    CAST(%(xs)s AS float8[]), CAST(%(ys)s AS float8[])) AS s(g, id, x, y)
        CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(s.x, s.y), 4326) AS geom) p
        -- A box as tall as the limit and as wide at the pin's latitude (a degree
        -- of latitude is over 110 km): a few vertices measured, each once.
        JOIN street_vertex v ON v.layer_id = %(layer)s
             AND v.geom && ST_Expand(p.geom, %(lat)s / cos(radians(ST_Y(p.geom))), %(lat)s)
        CROSS JOIN LATERAL (SELECT ST_Distance(CAST(v.geom AS geography),
                                               CAST(p.geom AS geography)) AS metres) m
        WHERE m.metres <= %(limit)s
        """,
        {"g": [g for g, _ in lines], "ids": [s.id for _, s in lines],
         "xs": [s.x for _, s in lines], "ys": [s.y for _, s in lines],
         "layer": street_layer, "limit": float(limit_m), "lat": limit_m / 110_000},
        ("g", "vertex", "source", "metres"), (">i4", ">i4", ">i4", ">f8"),
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
        # One street answer per vertex, in vertex order (a slice of ``_drive``'s): nothing to pick.
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
