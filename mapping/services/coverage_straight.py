"""Straight-line coverage of areas with no street junction inside, every cell in one statement.

An area the street network does not reach inside (a harbour, a forest, a
district beyond the imported streets) is measured in straight lines: the share
of its surface within the walking limit of an addresser, its nearest addresser
(within ``NEAREST_SEARCH_M``), and which of its needs are in reach. Every such
cell is answered by one statement, each addresser's buffer drawn once per limit
and shared by every cell it serves (``mapping.services.coverage`` assembles the
cells).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from mapping.services.coverage_reach import DEG_PER_M

# The farthest a "nearest" addresser is looked for (a club in another city is no answer).
NEAREST_SEARCH_M = 10_000


@dataclass(frozen=True)
class Ask:
    """One cell to answer: the area, who addresses it, for whom, how far, and its needs."""

    area_id: int
    categories: tuple[str, ...]
    sectors: tuple[str, ...]
    groups: tuple[str, ...]
    limit_m: int
    need_ids: tuple[int, ...]


@dataclass
class Answer:
    """Share of the area within the limit, the nearest addresser and the needs in reach."""

    share: float | None = None
    nearest: tuple[str, int, str, float] | None = None
    in_reach: set[int] | None = None


_CELLS = text(
    """
    WITH q AS MATERIALIZED (
        SELECT * FROM jsonb_to_recordset(CAST(:cells AS jsonb)) AS q(
            k integer, a integer, categories text[], sectors text[], groups text[],
            lim float8, needs integer[])
    ), src AS MATERIALIZED (
        SELECT s.* FROM (
            SELECT 'resource' AS layer, r.id, r.name, r.geom, r.visibility, ra.team_id,
                   r.category AS code, CAST(r.target_groups AS text[]) AS groups
            FROM resource r LEFT JOIN area ra ON ra.id = r.area_id
            WHERE r.retired_at IS NULL AND r.geom IS NOT NULL
            UNION ALL
            SELECT 'partner', p.id, p.name, p.geom, p.visibility, pa.team_id, p.sector,
                   CAST('{}' AS text[])
            FROM partner p LEFT JOIN area pa ON pa.id = p.area_id
            WHERE p.retired_at IS NULL AND p.geom IS NOT NULL
        ) s
        WHERE (:admin OR s.visibility = ANY (CAST(:visibilities AS text[]))
               OR s.team_id = ANY (CAST(:teams AS integer[])))
          AND s.geom && (SELECT ST_Expand(ST_Extent(a.geom), :far_deg) FROM area a
                         WHERE a.id IN (SELECT q.a FROM q))
    ), pair AS MATERIALIZED (
        SELECT q.k, q.a, q.lim, s.layer, s.id, s.name, s.geom
        FROM q JOIN src s ON
            (s.layer = 'resource' AND s.code = ANY (q.categories)
             AND (cardinality(q.groups) = 0 OR cardinality(s.groups) = 0
                  OR s.groups && q.groups OR :everyone = ANY (s.groups)))
            OR (s.layer = 'partner' AND s.code = ANY (q.sectors))
    ), near AS MATERIALIZED (
        SELECT p.k, p.layer, p.id, p.lim FROM pair p JOIN area a ON a.id = p.a
        WHERE p.geom && ST_Expand(a.geom, p.lim * :deg_per_m)
          AND ST_DWithin(CAST(p.geom AS geography), CAST(a.geom AS geography), p.lim)
    ), buffer AS MATERIALIZED (
        -- One buffer per addresser and limit, whichever cells it serves.
        SELECT b.layer, b.id, b.lim,
               CAST(ST_Buffer(CAST(s.geom AS geography), b.lim) AS geometry) AS g
        FROM (SELECT DISTINCT layer, id, lim FROM near) b
        JOIN src s ON s.layer = b.layer AND s.id = b.id
    ), reach AS (
        SELECT n.k, ST_Union(b.g) AS g FROM near n
        JOIN buffer b ON b.layer = n.layer AND b.id = n.id AND b.lim = n.lim
        GROUP BY n.k
    )
    SELECT 'share' AS kind, q.k, CAST(NULL AS text) AS layer, CAST(NULL AS integer) AS id,
           CAST(NULL AS text) AS name,
           CASE WHEN r.g IS NULL THEN 0 ELSE
               ST_Area(CAST(ST_Intersection(a.geom, r.g) AS geography))
               / nullif(ST_Area(CAST(a.geom AS geography)), 0) END AS value
    FROM q JOIN area a ON a.id = q.a LEFT JOIN reach r ON r.k = q.k
    UNION ALL
    SELECT 'nearest', q.k, n.layer, n.id, n.name, n.metres
    FROM q JOIN area a ON a.id = q.a CROSS JOIN LATERAL (
        SELECT * FROM (
            SELECT p.layer, p.id, p.name,
                   ST_Distance(CAST(p.geom AS geography), CAST(a.geom AS geography)) AS metres
            FROM pair p WHERE p.k = q.k AND p.geom && ST_Expand(a.geom, :far_deg)
            -- The nearest in degrees first: metres on the spheroid for a few only.
            ORDER BY p.geom <-> a.geom LIMIT 10
        ) c WHERE c.metres <= :far ORDER BY c.metres, c.layer, c.id LIMIT 1
    ) n
    UNION ALL
    SELECT 'need', q.k, NULL, n.id, NULL, NULL
    FROM q CROSS JOIN LATERAL unnest(q.needs) AS x(id)
    JOIN need n ON n.id = x.id JOIN area a ON a.id = n.area_id
    WHERE EXISTS (
        SELECT 1 FROM pair p WHERE p.k = q.k
          AND p.geom && ST_Expand(coalesce(n.geom, a.geom), q.lim * :deg_per_m)
          AND ST_DWithin(CAST(p.geom AS geography),
                         CAST(coalesce(n.geom, a.geom) AS geography), q.lim))
    """
)


def answer(session: Session, asks: Sequence[Ask], visible: dict[str, object]) -> list[Answer]:
    """Every ask's answer, in order, from one statement."""
    found = [Answer(in_reach=set()) for _ in asks]
    if not asks:
        return found
    cells = [
        {"k": k, "a": ask.area_id, "categories": list(ask.categories),
         "sectors": list(ask.sectors), "groups": list(ask.groups), "lim": float(ask.limit_m),
         "needs": list(ask.need_ids)}
        for k, ask in enumerate(asks)
    ]
    rows = session.execute(
        _CELLS,
        {"cells": json.dumps(cells), "deg_per_m": DEG_PER_M, "far": float(NEAREST_SEARCH_M),
         "far_deg": NEAREST_SEARCH_M * DEG_PER_M, **visible},
    ).all()
    for row in rows:
        cell = found[row.k]
        if row.kind == "share":
            cell.share = None if row.value is None else min(1.0, float(row.value))
        elif row.kind == "nearest":
            cell.nearest = (row.layer, row.id, row.name, round(float(row.value), 1))
        else:
            assert cell.in_reach is not None
            cell.in_reach.add(row.id)
    return found
