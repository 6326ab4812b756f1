"""Walking reach of one coverage question, computed in the database and cached by digest.

A *question* is: on this street layer, from these resources and partners
(the addressers the rules name, visible to the caller), how far is every
street vertex within the walking limit? pgRouting's ``pgr_drivingDistance``
answers it from all sources at once (``equicost``: each vertex keeps its
nearest source). A source whose nearest vertex lies on a small island of
streets, or too far from any street, is measured in a straight line instead,
and the answer says which. The rows are stored under a digest of the inputs
(network, sources with their versions and snapped vertices, limit), so the
same question costs a lookup next time, and a changed pin recomputes only the
questions it takes part in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

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
    vertex_id: int | None
    snap_m: float | None
    straight: bool


@dataclass(frozen=True)
class Question:
    """Which addressers count, for whom, within what limit, on which network."""

    street_layer: int | None
    categories: tuple[str, ...]
    sectors: tuple[str, ...]
    groups: tuple[str, ...]
    limit_m: int


# The addressers of a question the caller may see, each with its nearest vertex.
_SOURCES = text(
    """
    SELECT 'resource' AS layer, r.id, r.name, r.version, r.geom, r.visibility, ra.team_id
    FROM resource r LEFT JOIN area ra ON ra.id = r.area_id
    WHERE r.retired_at IS NULL AND r.geom IS NOT NULL
      AND r.category = ANY (CAST(:categories AS text[]))
      AND (cardinality(CAST(:groups AS text[])) = 0 OR cardinality(r.target_groups) = 0
           OR CAST(r.target_groups AS text[]) && CAST(:groups AS text[])
           OR :everyone = ANY (CAST(r.target_groups AS text[])))
    UNION ALL
    SELECT 'partner', p.id, p.name, p.version, p.geom, p.visibility, pa.team_id
    FROM partner p LEFT JOIN area pa ON pa.id = p.area_id
    WHERE p.retired_at IS NULL AND p.geom IS NOT NULL
      AND p.sector = ANY (CAST(:sectors AS text[]))
    """
)

_SNAPPED = text(
    """
    WITH s AS ({sources})
    SELECT s.layer, s.id, s.name, s.version, v.id AS vid, v.component,
           ST_Distance(CAST(s.geom AS geography), CAST(v.geom AS geography)) AS snap_m
    FROM s LEFT JOIN LATERAL (
        SELECT id, component, geom FROM street_vertex
        WHERE layer_id = :street_layer ORDER BY geom <-> s.geom LIMIT 1
    ) v ON true
    WHERE :admin OR s.visibility = ANY (CAST(:visibilities AS text[]))
          OR s.team_id = ANY (CAST(:teams AS integer[]))
    ORDER BY s.layer, s.id
    """.replace("{sources}", _SOURCES.text)
)


def sources(session: Session, question: Question, visible: dict[str, object]) -> list[Source]:
    """The question's addressers the caller may see, snapped to the question's network."""
    rows = session.execute(
        _SNAPPED,
        {
            "categories": list(question.categories),
            "sectors": list(question.sectors),
            "groups": list(question.groups),
            "street_layer": question.street_layer or -1,
            **visible,
        },
    ).all()
    return [
        Source(
            layer=row.layer, id=row.id, name=row.name, version=row.version,
            vertex_id=row.vid, snap_m=None if row.snap_m is None else float(row.snap_m),
            # An island (not the largest part) or off the streets: a straight line.
            straight=row.vid is None or row.component != 0 or float(row.snap_m) > SNAP_MAX_M,
        )
        for row in rows
    ]


def digest(question: Question, network_stamp: str, found: Sequence[Source]) -> str:
    """A fingerprint of every input of a question's answer."""
    payload = [
        network_stamp, question.limit_m,
        [(s.layer, s.id, s.version, s.vertex_id, s.straight) for s in found],
    ]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def ensure(session: Session, question: Question, key: str, found: Sequence[Source]) -> bool:
    """Compute and store the reach of a question unless stored already; True when computed."""
    if session.scalar(text("SELECT 1 FROM coverage_run WHERE digest = :d"), {"d": key}):
        return False
    # Another session computing the same question at once: its rows will do.
    created = session.scalar(
        text("INSERT INTO coverage_run (digest, layer_id) VALUES (:d, :l) "
             "ON CONFLICT DO NOTHING RETURNING 1"),
        {"d": key, "l": question.street_layer},
    )
    if not created:
        return False
    starts: dict[int, Source] = {}
    for s in found:
        if not s.straight and s.vertex_id is not None:
            best = starts.get(s.vertex_id)
            if best is None or (s.snap_m or 0) < (best.snap_m or 0):
                starts[s.vertex_id] = s
    if starts:
        vids = sorted(starts)
        edges = (
            "SELECT id, source, target, length_m AS cost, length_m AS reverse_cost "
            f"FROM street_edge WHERE layer_id = {int(question.street_layer or -1)}"
        )
        session.execute(
            text(
                """
                INSERT INTO coverage_reach
                    (digest, vertex_id, metres, straight, source_layer, source_id)
                SELECT :d, d.node, d.agg_cost + st.snap, false, st.layer, st.id
                FROM pgr_drivingDistance(:edges, CAST(:vids AS bigint[]), :limit,
                                         false, true) d
                JOIN unnest(CAST(:vids AS bigint[]), CAST(:snaps AS float8[]),
                            CAST(:layers AS text[]), CAST(:ids AS integer[]))
                     AS st(vid, snap, layer, id) ON st.vid = d.from_v
                WHERE d.agg_cost + st.snap <= :limit
                """
            ),
            {
                "d": key, "edges": edges, "vids": vids, "limit": float(question.limit_m),
                "snaps": [starts[v].snap_m or 0.0 for v in vids],
                "layers": [starts[v].layer for v in vids],
                "ids": [starts[v].id for v in vids],
            },
        )
    straight = [s for s in found if s.straight]
    if straight:
        _straight_reach(session, question, key, straight)
    return True


def _straight_reach(
    session: Session, question: Question, key: str, straight: Sequence[Source]
) -> None:
    """Vertices within the limit of the straight-line sources, where nearer than the streets'."""
    session.execute(
        text(
            """
            INSERT INTO coverage_reach
                (digest, vertex_id, metres, straight, source_layer, source_id)
            SELECT DISTINCT ON (v.id) :d, v.id,
                   ST_Distance(CAST(v.geom AS geography), CAST(s.geom AS geography)),
                   true, s.layer, s.id
            FROM (SELECT 'resource' AS layer, id, geom FROM resource
                  WHERE id = ANY (CAST(:resources AS integer[]))
                  UNION ALL
                  SELECT 'partner', id, geom FROM partner
                  WHERE id = ANY (CAST(:partners AS integer[]))) s
            JOIN street_vertex v ON v.layer_id = :l
                 AND v.geom && ST_Expand(s.geom, :deg)
                 AND ST_DWithin(CAST(v.geom AS geography), CAST(s.geom AS geography), :limit)
            ORDER BY v.id, 3
            ON CONFLICT (digest, vertex_id) DO UPDATE
                SET metres = excluded.metres, straight = true,
                    source_layer = excluded.source_layer, source_id = excluded.source_id
                WHERE excluded.metres < coverage_reach.metres
            """
        ),
        {
            "d": key, "l": question.street_layer, "limit": float(question.limit_m),
            "deg": question.limit_m * DEG_PER_M,
            "resources": [s.id for s in straight if s.layer == "resource"],
            "partners": [s.id for s in straight if s.layer == "partner"],
        },
    )


def forget_stale(session: Session, keep_hours: int = 24) -> None:
    """Drop cached runs older than ``keep_hours`` (those the caller may delete)."""
    session.execute(
        text("DELETE FROM coverage_run WHERE created_at < now() - make_interval(hours => :h)"),
        {"h": keep_hours},
    )
