"""The street junctions inside each area: matched once per network and outline, kept.

Coverage counts, per area, the junctions within the walking limit. Matching
some 70,000 junctions to 35 districts (``ST_Subdivide`` and an index probe)
took the better part of a second on every question, though it changes only
when the network is re-imported or an area is redrawn. The match is kept in
``coverage_area_vertex`` under a stamp of the layer's import time and the
area's outline; a row with another stamp is rebuilt, only for its area.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from mapping.services.coverage_walk import packed

# Each area's stamp now, and its kept junctions when the kept stamp is the same.
_KEPT = text(
    """
    SELECT a.id, s.stamp, CASE WHEN c.stamp = s.stamp THEN c.vertices END AS vertices
    FROM area a CROSS JOIN street_layer l
    CROSS JOIN LATERAL (SELECT md5(CAST(l.imported_at AS text) || md5(ST_AsEWKB(a.geom)))
                        AS stamp) s
    LEFT JOIN coverage_area_vertex c ON c.layer_id = l.id AND c.area_id = a.id
    WHERE l.id = :l AND a.id = ANY (CAST(:areas AS integer[]))
    """
)

_KEEP = text(
    """
    INSERT INTO coverage_area_vertex (layer_id, area_id, stamp, vertices)
    VALUES (:l, :a, :s, :v)
    ON CONFLICT (layer_id, area_id) DO UPDATE SET stamp = excluded.stamp,
                                                  vertices = excluded.vertices
    """
)


def junctions(
    session: Session, layer_id: int, area_ids: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, str]:
    """(area id, junction id) of every junction of the layer inside each area, and their stamp.

    The arrays are parallel; the stamp changes when any area's junctions may.

    Kept rows are read; those of an area redrawn (or a network re-imported)
    since are matched again and kept, in the caller's transaction.
    """
    rows = session.execute(_KEPT, {"l": layer_id, "areas": list(area_ids)}).all()
    found: dict[int, np.ndarray] = {
        row.id: np.frombuffer(row.vertices, dtype=np.int32).astype(np.int64)
        for row in rows if row.vertices is not None
    }
    stale = {row.id: row.stamp for row in rows if row.vertices is None}
    if stale:
        pairs = packed(
            session,
            "SELECT int4send(a.id) || int4send(CAST(v.id AS integer)) FROM area a "
            "CROSS JOIN LATERAL ST_Subdivide(a.geom, 128) AS part(g) "
            "JOIN street_vertex v ON v.layer_id = %(l)s AND ST_Intersects(part.g, v.geom) "
            "WHERE a.id = ANY (CAST(%(areas)s AS integer[]))",
            {"l": layer_id, "areas": sorted(stale)}, ("area", "vertex"), (">i4", ">i4"),
        )
        for area_id, stamp in stale.items():
            mine = pairs["vertex"][pairs["area"] == area_id]
            found[area_id] = mine
            session.execute(_KEEP, {"l": layer_id, "a": area_id, "s": stamp,
                                    "v": mine.astype(np.int32).tobytes()})
    stamp = hashlib.sha256(json.dumps(sorted((row.id, row.stamp) for row in rows)).encode())
    ordered = [a for a in area_ids if a in found]
    if not ordered:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), stamp.hexdigest()
    area_of = np.concatenate([np.full(len(found[a]), a, dtype=np.int64) for a in ordered])
    vertex_of = np.concatenate([found[a] for a in ordered])
    return area_of, vertex_of, stamp.hexdigest()
