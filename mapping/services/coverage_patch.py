"""A stored run patched after a few of its sources changed: only what they can reach is redone.

A moved, added or retired pin changes its run's digest. Instead of walking
from every source of the category again, the run stored before (same network,
box, limit and category: the digest's first ``FAMILY`` characters) is patched:

1. *What changed*: sources gone from the run, new ones, and those whose stored
   reach no longer fits where they stand now (a source that owns vertices has
   its own vertex among them at its snap distance; one that owns none stood
   where someone else was at least as near). A straight-line source is always
   redone (its reach cannot be checked from the vertices alone); so is any
   source when in doubt, which only costs time.
2. *Orphans*: the vertices whose nearest source changed; every other vertex's
   stored distance is still its distance from the unchanged sources.
3. One ``pgr_drivingDistance`` over the streets near the orphans and the new
   positions only, from a virtual start with an edge to every vertex bordering
   the orphans (as long as its stored distance), to each unchanged source
   standing among them and to each changed source's new vertex. An orphan gets
   the nearest of these; any other vertex takes a changed source only where it
   is now nearer than before.

The answer equals a full recompute's (tests/test_coverage_batch.py proves it on
a generated grid); more than ``MAX_CHANGED`` changed sources make a full
recompute instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from mapping.services.coverage_reach import Run, Source, _merge
from mapping.services.coverage_walk import binary_rows, lines, nothing, packed, reach

# Characters of a digest naming its family: network and box, limit, layer, category, groups.
FAMILY = 16
# More changed sources than this: a full recompute is as quick.
MAX_CHANGED = 16
# Float32 metres stored: a source "at its snap distance" within a centimetre.
TOLERANCE_M = 0.01


def family(stamp: str, limit_m: int, key: tuple[str, str, tuple[str, ...]]) -> str:
    """The digest prefix shared by every run of one category on one network, box and limit."""
    payload = [stamp, limit_m, key[0], key[1], list(key[2])]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:FAMILY]


def previous(
    session: Session, families: Sequence[str], skip: Sequence[str]
) -> dict[str, tuple[Run, set[int]]]:
    """The newest stored run of each family but those in ``skip``, with its source ids."""
    rows = binary_rows(
        session,
        "SELECT DISTINCT ON (left(digest, %(n)s)) left(digest, %(n)s) AS family, digest, "
        "source_layer, source_ids, vertices, metres, sources, straight FROM coverage_run "
        "WHERE left(digest, %(n)s) = ANY (CAST(%(families)s AS text[])) "
        "AND digest <> ALL (CAST(%(skip)s AS text[])) "
        "ORDER BY left(digest, %(n)s), created_at DESC",
        {"n": FAMILY, "families": list(families), "skip": list(skip)},
    )
    return {
        row.family: (Run(
            row.digest, row.source_layer, "", (),
            np.frombuffer(row.vertices, dtype=np.int32),
            np.frombuffer(row.metres, dtype=np.float32),
            np.frombuffer(row.sources, dtype=np.int32),
            np.frombuffer(row.straight, dtype=np.uint8).astype(bool),
        ), set(row.source_ids))
        for row in rows
    }


def changed(old: Run, old_ids: set[int], found: Sequence[Source]) -> set[int]:
    """Ids of the sources whose reach may differ from the stored run's (gone, new or moved)."""
    current = {s.id for s in found}
    out = (old_ids - current) | {int(i) for i in np.unique(old.sources[old.straight])}
    order = np.argsort(old.vertices)
    vertices = old.vertices[order]
    for s in found:
        if s.straight or s.vertex_id is None or s.id not in old_ids:
            out.add(s.id)
            continue
        snap = s.snap_m or 0.0
        owned = old.sources == s.id
        if owned.any():
            metres = old.metres[owned]
            here = metres[old.vertices[owned] == s.vertex_id]
            fits = (len(here) == 1 and abs(float(here[0]) - snap) < TOLERANCE_M
                    and float(metres.min()) >= snap - TOLERANCE_M)
        else:
            # Owning nothing, it stood where another source was at least as near.
            at = int(np.searchsorted(vertices, s.vertex_id))
            fits = (at < len(vertices) and vertices[at] == s.vertex_id
                    and float(old.metres[order[at]]) <= snap + TOLERANCE_M)
        if not fits:
            out.add(s.id)
    return out


def patch(
    session: Session, street_layer: int, key: str, old: Run, old_ids: set[int],
    found: Sequence[Source], limit_m: int, box: tuple[float, float, float, float] | None,
) -> Run | None:
    """The run of ``found`` made from the stored ``old`` one; None when a full recompute is due."""
    moved = changed(old, old_ids, found)
    if len(moved) > MAX_CHANGED:
        return None
    by_id = {s.id: s for s in found}
    fresh = [by_id[i] for i in sorted(moved) if i in by_id]
    walkers = [s for s in fresh if not s.straight and s.vertex_id is not None]
    flyers = [s for s in fresh if s.straight or s.vertex_id is None]
    orphan = np.isin(old.sources, np.fromiter(moved, dtype=np.int64, count=len(moved)))
    orphans = np.sort(old.vertices[orphan]).astype(np.int64)
    # Unchanged sources standing on an orphan may now be their own nearest.
    stay = [s for s in found if s.id not in moved and s.vertex_id is not None
            and _member(orphans, np.array([s.vertex_id]))[0]]
    region = _region(session, orphans, [s.vertex_id or 0 for s in walkers], limit_m, box)
    starts = walkers + stay
    if region is not None and len(orphans):
        # A vertex bordering the orphans walks on as its stored nearest source, from its
        # stored distance.
        starts += [replace(found[0], id=source, vertex_id=vertex, snap_m=metres, straight=False)
                   for vertex, metres, source in zip(
                       *_border(session, street_layer, region, orphans, old), strict=True)]
    if region is None:
        street, line = nothing(), lines(session, street_layer, [(0, s) for s in flyers],
                                          limit_m)
    else:
        street, line = reach(session, street_layer, [(0, s) for s in starts + flyers],
                              limit_m, region)
    # Elsewhere only a changed source can do better than the stored distance.
    counts = _member(orphans, street["vertex"]) | np.isin(street["source"], [s.id for s in fresh])
    keep = ~orphan
    merged = {
        "g": np.zeros(int(keep.sum()) + int(counts.sum()), dtype=np.int64),
        "vertex": np.concatenate([old.vertices[keep].astype(np.int64), street["vertex"][counts]]),
        "metres": np.concatenate([old.metres[keep].astype(np.float64), street["metres"][counts]]),
        "source": np.concatenate([old.sources[keep].astype(np.int64), street["source"][counts]]),
    }
    return _merge(key, found[0], merged, line, 0)


def _member(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is in ``sorted_values``."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return np.asarray(sorted_values[at] == values)


def _region(
    session: Session, orphans: np.ndarray, starts: list[int], limit_m: int,
    box: tuple[float, float, float, float] | None,
) -> tuple[float, float, float, float] | None:
    """The box of the orphans and of every changed source's vertex grown by the limit, in ``box``.

    A path from the border to an orphan runs through orphans; one from a
    changed source within the limit stays within the limit of it.
    """
    if not len(orphans) and not starts:
        return None
    row = session.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(g) AS e "
            "FROM (SELECT geom AS g FROM street_vertex WHERE id = ANY (CAST(:o AS integer[])) "
            "UNION ALL SELECT ST_Expand(geom, :lat / cos(radians(ST_Y(geom))), :lat) "
            "FROM street_vertex "
            "WHERE id = ANY (CAST(:s AS integer[]))) x) b"
        ),
        # A degree of latitude is over 110 km; of longitude, that times its cosine.
        {"o": orphans.tolist(), "s": starts, "lat": limit_m / 110_000},
    ).one()
    if row[0] is None:
        return None
    west, south, east, north = (float(x) for x in row)
    if box is not None:
        west, south = max(west, box[0]), max(south, box[1])
        east, north = min(east, box[2]), min(north, box[3])
        if west > east or south > north:
            return None
    return west, south, east, north


def _border(
    session: Session, street_layer: int, region: tuple[float, float, float, float],
    orphans: np.ndarray, old: Run,
) -> tuple[list[int], list[float], list[int]]:
    """Vertices next to an orphan but not one: vertex, stored metres, stored nearest source."""
    edges = packed(
        session,
        "SELECT int4send(source) || int4send(target) FROM street_edge WHERE layer_id = %(l)s "
        "AND geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)",
        {"l": street_layer, "w": region[0], "s": region[1], "e": region[2], "n": region[3]},
        ("source", "target"), (">i4", ">i4"),
    )
    a, b = edges["source"], edges["target"]
    in_a, in_b = _member(orphans, a), _member(orphans, b)
    border = np.unique(np.concatenate([b[in_a & ~in_b], a[in_b & ~in_a]]))
    order = np.argsort(old.vertices)
    vertices = old.vertices[order].astype(np.int64)
    at = np.minimum(np.searchsorted(vertices, border), max(len(vertices) - 1, 0))
    known = (vertices[at] == border) if len(vertices) else np.zeros(len(border), dtype=bool)
    rows = order[at[known]]
    return (border[known].tolist(), old.metres[rows].astype(np.float64).tolist(),
            old.sources[rows].astype(np.int64).tolist())
