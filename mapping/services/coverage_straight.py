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

import hashlib
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


# The addressers of a cell (``q``) that the caller may see, as filters on the pin tables:
# every lookup below goes through the pins' spatial indexes, not a cells × pins product.
_RESOURCE = """
    r.retired_at IS NULL AND r.geom IS NOT NULL AND r.category = ANY (q.categories)
    AND (cardinality(q.groups) = 0 OR cardinality(r.target_groups) = 0
         OR CAST(r.target_groups AS text[]) && q.groups
         OR :everyone = ANY (CAST(r.target_groups AS text[])))
    AND (:admin OR r.visibility = ANY (CAST(:visibilities AS text[]))
         OR r.area_id IN (SELECT t.id FROM area t
                          WHERE t.team_id = ANY (CAST(:teams AS integer[]))))
"""
_PARTNER = """
    p.retired_at IS NULL AND p.geom IS NOT NULL AND p.sector = ANY (q.sectors)
    AND (:admin OR p.visibility = ANY (CAST(:visibilities AS text[]))
         OR p.area_id IN (SELECT t.id FROM area t
                          WHERE t.team_id = ANY (CAST(:teams AS integer[]))))
"""


def _within(target: str) -> str:
    """Every addresser of cell ``q`` within the cell's limit of ``target`` (layer, id, geom)."""
    return f"""
        SELECT 'resource' AS layer, r.id, r.geom FROM resource r
        WHERE r.geom && ST_Expand({target}, q.lim * :deg_per_m) AND {_RESOURCE}
          AND ST_DWithin(CAST(r.geom AS geography), CAST({target} AS geography), q.lim)
        UNION ALL
        SELECT 'partner', p.id, p.geom FROM partner p
        WHERE p.geom && ST_Expand({target}, q.lim * :deg_per_m) AND {_PARTNER}
          AND ST_DWithin(CAST(p.geom AS geography), CAST({target} AS geography), q.lim)
    """


_CELLS = text(
    f"""
    WITH q AS MATERIALIZED (
        SELECT * FROM jsonb_to_recordset(CAST(:cells AS jsonb)) AS q(
            k integer, a integer, categories text[], sectors text[], groups text[],
            lim float8, needs integer[])
    ), near AS MATERIALIZED (
        SELECT q.k, q.lim, c.layer, c.id, c.geom
        FROM q JOIN area a ON a.id = q.a CROSS JOIN LATERAL ({_within("a.geom")}) c
    ), buffer AS MATERIALIZED (
        -- One buffer per addresser and limit, whichever cells it serves.
        SELECT b.layer, b.id, b.lim,
               CAST(ST_Buffer(CAST(b.geom AS geography), b.lim) AS geometry) AS g
        FROM (SELECT DISTINCT ON (layer, id, lim) layer, id, lim, geom FROM near) b
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
        SELECT c.*, ST_Distance(CAST(c.geom AS geography), CAST(a.geom AS geography)) AS metres
        FROM (
            -- The nearest in degrees first: metres on the spheroid for a few only.
            (SELECT 'resource' AS layer, r.id, r.name, r.geom FROM resource r
             WHERE r.geom && ST_Expand(a.geom, :far_deg) AND {_RESOURCE}
             ORDER BY r.geom <-> a.geom LIMIT 10)
            UNION ALL
            (SELECT 'partner', p.id, p.name, p.geom FROM partner p
             WHERE p.geom && ST_Expand(a.geom, :far_deg) AND {_PARTNER}
             ORDER BY p.geom <-> a.geom LIMIT 10)
        ) c
        WHERE ST_DWithin(CAST(c.geom AS geography), CAST(a.geom AS geography), :far)
        ORDER BY metres, c.layer, c.id LIMIT 1
    ) n
    UNION ALL
    SELECT 'need', q.k, NULL, n.id, NULL, NULL
    FROM q CROSS JOIN LATERAL unnest(q.needs) AS x(id)
    JOIN need n ON n.id = x.id JOIN area a ON a.id = n.area_id
    WHERE EXISTS ({_within("coalesce(n.geom, a.geom)")})
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


# Every input of a straight-line cell but the ask itself: each addresser category's and
# sector's pins (versions, visibility, team), each area's outline, each need's version.
_PRINTS = text(
    """
    SELECT 'resource' AS kind, r.category AS key,
           md5(string_agg(concat_ws(':', r.id, r.version, r.retired_at, r.visibility, ra.team_id),
                          ',' ORDER BY r.id)) AS print
    FROM resource r LEFT JOIN area ra ON ra.id = r.area_id
    WHERE r.category = ANY (CAST(:categories AS text[])) GROUP BY r.category
    UNION ALL
    SELECT 'partner', p.sector,
           md5(string_agg(concat_ws(':', p.id, p.version, p.retired_at, p.visibility, pa.team_id),
                          ',' ORDER BY p.id))
    FROM partner p LEFT JOIN area pa ON pa.id = p.area_id
    WHERE p.sector = ANY (CAST(:sectors AS text[])) GROUP BY p.sector
    UNION ALL
    SELECT 'area', CAST(a.id AS text), md5(ST_AsEWKB(a.geom)) FROM area a
    WHERE a.id = ANY (CAST(:areas AS integer[]))
    UNION ALL
    SELECT 'need', CAST(n.id AS text), CAST(n.version AS text) FROM need n
    WHERE n.id = ANY (CAST(:needs AS integer[]))
    """
)


def answer_kept(session: Session, asks: Sequence[Ask], visible: dict[str, object]) -> list[Answer]:
    """As ``answer``, each ask kept under a digest of its inputs: only changed ones computed.

    A moved pin changes the digests of the cells its category serves; the
    other cells are read back (their nearest addresser's name from the pin).
    """
    if not asks:
        return []
    rows = session.execute(_PRINTS, {
        "categories": sorted({c for a in asks for c in a.categories}),
        "sectors": sorted({c for a in asks for c in a.sectors}),
        "areas": sorted({a.area_id for a in asks}),
        "needs": sorted({n for a in asks for n in a.need_ids}),
    }).all()
    prints = {(row.kind, row.key): row.print for row in rows}
    keys = [_digest(ask, prints, visible) for ask in asks]
    kept = {row.digest: row for row in session.execute(
        text("SELECT digest, share, nearest_layer, nearest_id, metres, in_reach "
             "FROM coverage_flat WHERE digest = ANY (CAST(:keys AS text[]))"),
        {"keys": keys},
    ).all()}
    missing = [i for i, key in enumerate(keys) if key not in kept]
    fresh = dict(zip(missing, answer(session, [asks[i] for i in missing], visible), strict=True))
    if fresh:
        session.execute(
            text("INSERT INTO coverage_flat (digest, area_id, share, nearest_layer, nearest_id, "
                 "metres, in_reach) VALUES (:d, :a, :s, :l, :n, :m, :r) "
                 "ON CONFLICT DO NOTHING"),
            [{"d": keys[i], "a": asks[i].area_id, "s": found.share,
              "l": found.nearest[0] if found.nearest else None,
              "n": found.nearest[1] if found.nearest else None,
              "m": found.nearest[3] if found.nearest else None,
              "r": sorted(found.in_reach or ())} for i, found in fresh.items()],
        )
        # Cells of pins since moved are asked for no more; kept a day, as runs are.
        session.execute(
            text("DELETE FROM coverage_flat WHERE created_at < now() - interval '24 hours' "
                 "AND digest <> ALL (CAST(:keys AS text[]))"), {"keys": keys})
    names = _names(session, [(row.nearest_layer, row.nearest_id) for row in kept.values()
                             if row.nearest_id is not None])
    out: list[Answer] = []
    for i, key in enumerate(keys):
        if i in fresh:
            out.append(fresh[i])
            continue
        row = kept[key]
        nearest = None
        if row.nearest_id is not None:
            nearest = (row.nearest_layer, row.nearest_id,
                       names.get((row.nearest_layer, row.nearest_id), "?"), row.metres)
        out.append(Answer(share=row.share, nearest=nearest, in_reach=set(row.in_reach)))
    return out


def _digest(ask: Ask, prints: dict[tuple[str, str], str], visible: dict[str, object]) -> str:
    """A fingerprint of every input of one straight-line cell."""
    payload = [
        ask.area_id, list(ask.categories), list(ask.sectors), list(ask.groups), ask.limit_m,
        prints.get(("area", str(ask.area_id))),
        [[n, prints.get(("need", str(n)))] for n in ask.need_ids],
        [prints.get(("resource", c)) for c in ask.categories],
        [prints.get(("partner", s)) for s in ask.sectors],
        sorted(visible.items()), NEAREST_SEARCH_M,
    ]
    return hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()


def _names(session: Session, pins: Sequence[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The names of these pins the caller may see."""
    found: dict[tuple[str, int], str] = {}
    for layer in ("resource", "partner"):
        ids = sorted({i for lay, i in pins if lay == layer})
        if ids:
            rows = session.execute(
                text(f"SELECT id, name FROM {layer} WHERE id = ANY (CAST(:ids AS integer[]))"),
                {"ids": ids},
            ).all()
            found.update({(layer, pin_id): name for pin_id, name in rows})
    return found
