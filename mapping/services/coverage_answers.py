"""Each coverage question's answer on a street layer, kept under a digest of the runs it combines.

A question (who addresses a need category, for which groups, within what
limit) is answered, per area, by the junctions inside it: how many, how many
within the limit of the nearest addresser of any run the question combines,
and which addresser is nearest; per need, whether its junction is within the
limit. The answer depends only on the digests of those runs (each a
fingerprint of its sources and network), the limit, the areas' junctions (their
stamp, ``mapping.services.coverage_areas``) and the needs' junctions. It is kept
in ``coverage_answer`` under a digest of exactly these, so that after one pin
moves only the questions combining its category's run are answered again, and
only the runs they combine are read (a run is some 70,000 vertices; reading all
thirty took most of a warm answer).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from mapping.services import coverage_areas
from mapping.services.coverage_reach import Run

# Per area: junctions, junctions within the limit, and the nearest addresser
# (layer, id, measured in a straight line, metres) or None.
# A question: any hashable key (coverage's Question).
Q = TypeVar("Q", bound=Hashable)
AreaReach = tuple[int, int, tuple[str, int, bool, float] | None]

_NEED_JUNCTIONS = text(
    """
    SELECT n.id, v.id FROM need n JOIN area a ON a.id = n.area_id
    CROSS JOIN LATERAL (
        SELECT id FROM street_vertex WHERE layer_id = :l
        ORDER BY geom <-> coalesce(n.geom, ST_PointOnSurface(a.geom)) LIMIT 1) v
    WHERE n.id = ANY (CAST(:needs AS integer[]))
    """
)


def answer(
    session: Session,
    layer_id: int,
    runs: Sequence[Run],
    load: Callable[[Sequence[int]], None],
    asked: dict[Q, tuple[int, set[int], set[int]]],
    area_ids: Sequence[int],
    need_ids: Sequence[int],
    rows_of: Callable[[Q], list[int]],
) -> tuple[dict[tuple[Q, int], AreaReach], dict[tuple[Q, int], bool]]:
    """Every question's reach per area and per need, kept answers read, the rest computed.

    ``runs``: every run of the layer, in a fixed order (their arrays may be
    empty until ``load`` fills those at the given positions). ``asked``: per
    question its limit, areas and needs. ``rows_of``: the positions of the
    runs a question combines.
    """
    area_of, vertex_of, stamp = coverage_areas.junctions(session, layer_id, area_ids)
    need_pairs = [tuple(p) for p in session.execute(
        _NEED_JUNCTIONS, {"l": layer_id, "needs": list(need_ids)}).all()]
    need_vertex = dict(need_pairs)
    rows = {q: rows_of(q) for q in asked}
    keys = {q: _digest(layer_id, stamp, limit, areas, needs, need_vertex,
                       [runs[i].digest for i in rows[q]])
            for q, (limit, areas, needs) in asked.items()}
    kept: dict[str, str] = dict(session.execute(
        text("SELECT digest, answer FROM coverage_answer "
             "WHERE digest = ANY (CAST(:keys AS text[]))"),
        {"keys": sorted(set(keys.values()))},
    ).all())
    street: dict[tuple[Q, int], AreaReach] = {}
    need_reach: dict[tuple[Q, int], bool] = {}
    todo = {q: v for q, v in asked.items() if keys[q] not in kept}
    for q in asked:
        if q in todo:
            continue
        found = json.loads(kept[keys[q]])
        for area_id, total, reached, nearest in found["areas"]:
            street[(q, area_id)] = (total, reached, None if nearest is None else (
                nearest[0], nearest[1], nearest[2], nearest[3]))
        for nid, yes in found["needs"]:
            need_reach[(q, nid)] = yes
    if not todo:
        return street, need_reach
    needed = sorted({i for q in todo for i in rows[q]})
    load(needed)
    fresh = _compute(runs, needed, todo, rows, area_ids, area_of, vertex_of, need_pairs)
    for q, (areas_found, needs_found) in fresh.items():
        for area_id, reach in areas_found.items():
            street[(q, area_id)] = reach
        for nid, yes in needs_found.items():
            need_reach[(q, nid)] = yes
    session.execute(
        text("INSERT INTO coverage_answer (digest, layer_id, answer, run_digests, need_ids) "
             "VALUES (:d, :l, :a, :runs, :needs) ON CONFLICT DO NOTHING"),
        [{"d": keys[q], "l": layer_id,
          # Kept for the row's policy: readable only where every run and need is.
          "runs": [runs[i].digest for i in rows[q]], "needs": sorted(todo[q][2]),
          "a": json.dumps({
            "areas": [[a, *r[:2], None if r[2] is None else list(r[2])] for a, r in af.items()],
            "needs": sorted(nf.items())})} for q, (af, nf) in fresh.items()],
    )
    # Answers of runs since changed are asked for no more; kept a day, as runs are.
    session.execute(
        text("DELETE FROM coverage_answer WHERE created_at < now() - interval '24 hours' "
             "AND digest <> ALL (CAST(:keys AS text[]))"), {"keys": sorted(set(keys.values()))})
    return street, need_reach


def _digest(layer_id: int, stamp: str, limit: int, areas: set[int], needs: set[int],
            need_vertex: dict[int, int], run_digests: list[str]) -> str:
    """A fingerprint of every input of one question's answer."""
    payload = [layer_id, stamp, limit, sorted(areas),
               sorted((n, need_vertex.get(n)) for n in needs), run_digests]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def _compute(
    runs: Sequence[Run], needed: list[int],
    todo: dict[Q, tuple[int, set[int], set[int]]], rows: dict[Q, list[int]],
    area_ids: Sequence[int], area_of: np.ndarray, vertex_of: np.ndarray,
    need_pairs: list[tuple[int, int]],
) -> dict[Q, tuple[dict[int, AreaReach], dict[int, bool]]]:
    """The answers of ``todo`` from the runs at positions ``needed`` (loaded)."""
    # Every vertex that matters: those in the areas asked about, and the one nearest each
    # need asked about (after one pin moved, the few areas whose needs' groups it serves).
    areas_asked = sorted({a for _, areas_q, _ in todo.values() for a in areas_q})
    needs_asked = {n for _, _, needs_q in todo.values() for n in needs_q}
    need_pairs = [(nid, vid) for nid, vid in need_pairs if nid in needs_asked]
    space = np.unique(np.concatenate([vertex_of[np.isin(area_of, areas_asked)],
                                      [p[1] for p in need_pairs]]).astype(np.int64))
    line = {i: n for n, i in enumerate(needed)}
    dist = np.full((len(needed), len(space)), np.inf, dtype=np.float32)
    src = np.zeros((len(needed), len(space)), dtype=np.int32)
    flat = np.zeros((len(needed), len(space)), dtype=bool)
    for n, i in enumerate(needed):
        run = runs[i]
        pos = np.searchsorted(space, run.vertices)
        ok = (pos < len(space)) & (space[np.minimum(pos, len(space) - 1)] == run.vertices)
        dist[n, pos[ok]] = run.metres[ok]
        src[n, pos[ok]] = run.sources[ok]
        flat[n, pos[ok]] = run.straight[ok]
    area_pos = np.searchsorted(space, vertex_of)
    need_pos = {nid: int(np.searchsorted(space, vid)) for nid, vid in need_pairs}
    order = np.argsort(area_of, kind="stable")
    bounds = {a: (int(lo), int(hi)) for a, lo, hi in zip(
        area_ids, np.searchsorted(area_of[order], area_ids, "left"),
        np.searchsorted(area_of[order], area_ids, "right"), strict=True)}
    # Questions that differ only in their limit share the same runs: one argmin each.
    nearest_of: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}
    out: dict[Q, tuple[dict[int, AreaReach], dict[int, bool]]] = {}
    for question, (limit, areas_q, needs_q) in todo.items():
        mine_rows = [line[i] for i in rows[question]]
        if tuple(mine_rows) not in nearest_of:
            if mine_rows:
                sub = dist[mine_rows]
                pick = np.argmin(sub, axis=0)
                nearest_of[tuple(mine_rows)] = (pick, sub[pick, np.arange(len(space))])
            else:
                nearest_of[tuple(mine_rows)] = (np.zeros(len(space), dtype=np.int64),
                                                np.full(len(space), np.inf, dtype=np.float32))
        which, best = nearest_of[tuple(mine_rows)]
        areas_found: dict[int, AreaReach] = {}
        for area_id in areas_q:
            lo, hi = bounds[area_id]
            mine = area_pos[order[lo:hi]]
            if not len(mine):
                continue
            values = best[mine]
            reached = int((values <= limit).sum())
            nearest = None
            at = int(np.argmin(values))
            if np.isfinite(values[at]):
                r = mine_rows[int(which[mine[at]])]
                nearest = (runs[needed[r]].layer, int(src[r, mine[at]]), bool(flat[r, mine[at]]),
                           float(values[at]))
            areas_found[area_id] = (len(mine), reached, nearest)
        needs_found = {nid: bool(best[need_pos[nid]] <= limit)
                       for nid in needs_q if nid in need_pos}
        out[question] = (areas_found, needs_found)
    return out
