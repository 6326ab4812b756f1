"""Walking the street graph from every source of many runs at once, on one or two connections.

One ``pgr_drivingDistance`` walks several runs (the graph built once): each
run has a virtual start vertex with a one-way edge to each of its sources'
junctions, as long as the source's walk to it. Its two million rows come as
one packed ``bytea`` into numpy, and each vertex's nearest source is the root
of its tree. Half the runs may be walked on a read-only sibling connection as
the caller's user (``mapping.db.sibling``): each connection's query runs on
one core. The sibling reads only the streets (the pins' positions come from
the caller), and only when it sees the layer as the caller's transaction does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError, TimeoutError
from sqlalchemy.orm import Session

from mapping.db.sibling import sibling

if TYPE_CHECKING:
    from mapping.services.coverage_reach import Source

# Virtual start vertices and edges are numbered from here (street ids stay far below).
VIRTUAL = 1 << 40
# Memory for one walk's rows (half the runs of a city: a million rows, some 80 MB).
WALK_WORK_MEM = "128MB"


_IMPORTED = text("SELECT CAST(imported_at AS text) FROM street_layer WHERE id = :l")


@contextmanager
def beside(session: Session, street_layer: int, runs: int) -> Iterator[Connection | None]:
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
    with ExitStack() as stack:
        other: Connection | None = None
        try:
            other = stack.enter_context(sibling(session))
            if other.scalar(_IMPORTED, {"l": street_layer}) != mine:
                other = None
        except (OperationalError, TimeoutError):
            # No connection to spare, or a lock held (by the caller?): walk alone.
            other = None
        yield other


def reach(
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
        return nothing(), by_run(line)
    street = packed(
        session, "SELECT int4send(id) || int4send(source) || int4send(target) "
        f"FROM street_edge WHERE {inside}", {},
        ("id", "source", "target"), (">i4", ">i4", ">i4"),
    )
    ids = np.array([s.id for _, s in walkers], dtype=np.int64)
    return _roots(found, street, ids), by_run(line)


def _lane(
    conn: Session | Connection, runs: list[int], *, street_layer: int, inside: str,
    walkers: list[tuple[int, Source]], flyers: list[tuple[int, Source]], limit_m: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The rows of these runs on one connection: the walk's, then the straight lines'."""
    wanted = set(runs)
    walked = sorted({g for g, _ in walkers} & wanted)
    found = _walk(conn, walked, inside=inside, walkers=walkers, limit_m=limit_m) if walked else {
        name: np.zeros(0, np.int64) for name in ("g", "vertex", "edge", "metres")}
    return found, lines(conn, street_layer, [(g, s) for g, s in flyers if g in wanted], limit_m)


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
        return nothing()
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


def by_run(found: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rows sorted by run, then vertex: each run's rows a slice, already in vertex order."""
    order = np.lexsort((found["vertex"], found["g"]))
    return {name: column[order] for name, column in found.items()}


def run_rows(found: dict[str, np.ndarray], g: int) -> dict[str, np.ndarray]:
    """One run's rows of rows sorted by ``by_run``."""
    lo, hi = np.searchsorted(found["g"], [g, g + 1])
    return {name: column[lo:hi] for name, column in found.items()}


def nothing() -> dict[str, np.ndarray]:
    """No rows, in the columns ``reach`` gives."""
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


def lines(
    conn: Session | Connection, street_layer: int, lines: list[tuple[int, Source]], limit_m: int
) -> dict[str, np.ndarray]:
    """Every (run, vertex) within the limit of a run's straight-line sources, in metres.

    The sources stand where the caller read them (``Source.x``, ``.y``): only
    the streets are read here, so that a sibling connection may measure them.
    """
    if not lines:
        return nothing()
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


def binary_rows(session: Session, sql: str, params: dict[str, object]) -> list[Any]:
    """A query's rows (named tuples) fetched in binary, on the caller's transaction.

    A run's arrays are a megabyte of bytea each: as text they come hex-encoded,
    twice the bytes and decoded again, which took three times as long.
    """
    with _driver(session).cursor(binary=True, row_factory=namedtuple_row) as cur:
        cur.execute(sql, params)
        return cur.fetchall()
