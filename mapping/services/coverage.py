"""Coverage: for every area and need category, whether someone in walking reach addresses it.

For each area × need category: ``covered`` (an addressing resource or partner
reaches part of the area within the walking limit), ``not_covered``, or
``no_rule`` (the catalogue says nothing yet about what addresses the category:
listed as such, never as covered); the nearest addresser and its distance;
the share of the area within the limit (of its street vertices on a network,
of its surface in a straight line) and so of its residents, where the area has
a population (assumed spread evenly); and the needs nobody addresses (no hand
link to a resource or partner, nothing in reach).

Distances are walking distances on the city's street network when one is
imported and pgRouting is installed (``distance_kind`` ``"street"``, with the
network's attribution), else straight lines (``"straight_line"``); an
addresser on an island of streets is measured in a straight line and named in
``straight_sources``. The walking reach is computed in the database and cached
(``mapping.services.coverage_reach``). The caller's session decides what is
counted: a viewer's coverage never includes team-only resources or needs, and
counts of needs and residents below the disclosure threshold are withheld.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from mapping import catalog
from mapping.errors import UserError
from mapping.services import addressing, coverage_reach, streets
from mapping.services.accounts import Actor
from mapping.services.coverage_reach import DEG_PER_M, Question, Source

STREET = "street"
STRAIGHT_LINE = addressing.STRAIGHT_LINE
# As the survey indicators (surveys.disclosure_tables.DEFAULT_THRESHOLD).
DISCLOSURE_THRESHOLD = 5
STATUSES = ("covered", "not_covered", "no_rule")


@dataclass(frozen=True)
class Nearest:
    """The nearest addressing resource or partner, and how it was measured."""

    layer: str
    id: int
    name: str
    metres: float
    distance_kind: str


@dataclass(frozen=True)
class Cell:
    """Coverage of one need category in one area.

    ``needs`` / ``unmet`` / ``residents_within`` are None when withheld (fewer
    than the disclosure threshold, for someone outside the area's team).
    ``unmet_ids``: the needs with no hand link and nothing in reach (empty when withheld).
    """

    area_id: int
    area_name: str
    need_category: str
    status: str
    limit_m: int
    distance_kind: str
    nearest: Nearest | None
    share_within: float | None
    population: int | None
    residents_within: int | None
    needs: int | None
    unmet: int | None
    unmet_ids: tuple[int, ...] = ()


@dataclass
class Coverage:
    """Every cell, and how distances were measured."""

    cells: list[Cell]
    distance_kind: str
    attribution: str | None
    pgrouting: bool
    straight_sources: list[tuple[str, int, str]] = field(default_factory=list)
    computed: int = 0
    reused: int = 0


@dataclass
class _Area:
    id: int
    name: str
    population: int | None
    team_id: int | None
    street_layer: int | None


@dataclass
class _Need:
    id: int
    area_id: int
    category: str
    groups: tuple[str, ...]
    linked: bool


_AREAS = text(
    """
    WITH RECURSIVE up AS (
        SELECT a.id AS area_id, a.id, a.parent_id, a.kind, a.name FROM area a
        UNION ALL
        SELECT up.area_id, p.id, p.parent_id, p.kind, p.name
        FROM up JOIN area p ON p.id = up.parent_id
    )
    SELECT a.id, a.name, a.population, a.team_id,
           (SELECT v.layer_id FROM street_vertex v
            WHERE ST_Intersects(a.geom, v.geom) LIMIT 1) AS street_layer
    FROM area a LEFT JOIN team t ON t.id = a.team_id
    WHERE a.retired_at IS NULL AND a.kind <> 'city'
      AND (CAST(:areas AS integer[]) IS NULL OR a.id = ANY (CAST(:areas AS integer[])))
      AND (CAST(:team AS text) IS NULL OR t.code = :team)
      AND (CAST(:city AS text) IS NULL OR t.city = :city
           OR EXISTS (SELECT 1 FROM up WHERE up.area_id = a.id AND up.kind = 'city'
                      AND up.name = :city))
    ORDER BY a.name, a.id
    """
)

_NEEDS = text(
    """
    SELECT n.id, n.area_id, n.category, n.target_groups AS groups,
           (EXISTS (SELECT 1 FROM need_resource l JOIN resource r ON r.id = l.resource_id
                    LEFT JOIN area ra ON ra.id = r.area_id
                    WHERE l.need_id = n.id AND r.retired_at IS NULL
                      AND (:admin OR r.visibility = ANY (CAST(:visibilities AS text[]))
                           OR ra.team_id = ANY (CAST(:teams AS integer[]))))
            OR EXISTS (SELECT 1 FROM need_partner l JOIN partner p ON p.id = l.partner_id
                       LEFT JOIN area pa ON pa.id = p.area_id
                       WHERE l.need_id = n.id AND p.retired_at IS NULL
                         AND (:admin OR p.visibility = ANY (CAST(:visibilities AS text[]))
                              OR pa.team_id = ANY (CAST(:teams AS integer[]))))) AS linked
    FROM need n JOIN area a ON a.id = n.area_id
    WHERE n.retired_at IS NULL AND n.area_id = ANY (CAST(:areas AS integer[]))
      AND (:admin OR n.visibility = ANY (CAST(:visibilities AS text[]))
           OR a.team_id = ANY (CAST(:teams AS integer[])))
    """
)


def _visible(actor: Actor) -> dict[str, object]:
    return {
        "admin": actor.is_admin,
        "visibilities": list(actor.visibilities()),
        "teams": sorted(actor.team_ids),
        "everyone": addressing.ALL_RESIDENTS,
    }


def compute(
    session: Session,
    actor: Actor,
    *,
    area_ids: Sequence[int] | None = None,
    team: str | None = None,
    city: str | None = None,
) -> Coverage:
    """Coverage of every need category in every area in scope that the actor may see."""
    areas = [
        _Area(*row)
        for row in session.execute(
            _AREAS,
            {"areas": list(area_ids) if area_ids else None, "team": team, "city": city},
        ).all()
    ]
    if area_ids and len(areas) < len(set(area_ids)):
        raise UserError("coverage.no_area")
    if not areas:
        raise UserError("coverage.no_area")
    routing = streets.pgrouting_available(session)
    if not routing:
        for area in areas:
            area.street_layer = None
    visible = _visible(actor)
    needs = [
        _Need(row.id, row.area_id, row.category, tuple(row.groups or ()), bool(row.linked))
        for row in session.execute(_NEEDS, {"areas": [a.id for a in areas], **visible}).all()
    ]
    categories = sorted(catalog.by_code(session, "need_category"))
    result = Coverage(cells=[], distance_kind=STRAIGHT_LINE, attribution=None, pgrouting=routing)
    if any(a.street_layer is not None for a in areas):
        _collect_area_vertices(session, [a.id for a in areas if a.street_layer is not None])
    layers_used: set[int] = set()
    straight_named: dict[tuple[str, int], str] = {}
    answers: dict[Question, tuple[str | None, list[Source]]] = {}
    plan: list[tuple[_Area, str, Question, bool, list[_Need]]] = []
    for area in areas:
        for category in categories:
            mine = [n for n in needs if n.area_id == area.id and n.category == category]
            groups = tuple(sorted({g for n in mine for g in n.groups}))
            found = addressing.addressers(session, category, groups)
            question = Question(
                street_layer=area.street_layer,
                categories=tuple(found["resource_category"]),
                sectors=tuple(found["partner_sector"]),
                groups=groups,
                limit_m=addressing.limit_for(session, groups),
            )
            has_rule = bool(question.categories or question.sectors)
            if has_rule and question not in answers:
                answers[question] = _answer(session, question, visible, result)
            plan.append((area, category, question, has_rule, mine))
    street: dict[tuple[str, int], _Reach] = {}
    for question, (key, used) in answers.items():
        for s in used:
            if s.straight and key is not None:
                straight_named[(s.layer, s.id)] = s.name
        if key is not None:
            layers_used.add(int(question.street_layer or 0))
            wanted = sorted({a.id for a, _, q, _, _ in plan if q == question})
            for area_id, reach in _street_cells(session, key, wanted).items():
                street[(key, area_id)] = reach
    for area, category, question, has_rule, mine in plan:
        key = answers[question][0] if has_rule else None
        result.cells.append(_cell(
            session, actor, area, category, question, has_rule, key, mine, visible,
            street.get((key, area.id)) if key is not None else None,
        ))
    result.straight_sources = sorted((k[0], k[1], v) for k, v in straight_named.items())
    if layers_used:
        result.distance_kind = STREET
        result.attribution = "; ".join(sorted({
            s.attribution for s in streets.layers(session) if s.layer_id in layers_used
        }))
    return result


def _answer(
    session: Session, question: Question, visible: dict[str, object], result: Coverage
) -> tuple[str | None, list[Source]]:
    """The cached reach of a street question (its digest), or None for a straight-line one."""
    found = coverage_reach.sources(session, question, visible)
    if question.street_layer is None:
        return None, found
    stamp = session.scalar(
        text("SELECT id || '@' || imported_at FROM street_layer WHERE id = :l"),
        {"l": question.street_layer},
    )
    key = coverage_reach.digest(question, str(stamp), found)
    if coverage_reach.ensure(session, question, key, found):
        result.computed += 1
    else:
        result.reused += 1
    return key, found


def _withheld(actor: Actor, area: _Area, count: int | None) -> int | None:
    """A count, or None when it is below the threshold and the actor is outside the team."""
    if count is None or actor.is_admin or (area.team_id in actor.team_ids):
        return count
    return None if 0 < count < DISCLOSURE_THRESHOLD else count


def _cell(
    session: Session,
    actor: Actor,
    area: _Area,
    category: str,
    question: Question,
    has_rule: bool,
    key: str | None,
    mine: list[_Need],
    visible: dict[str, object],
    reach: _Reach | None,
) -> Cell:
    nearest: Nearest | None = None
    share: float | None = None
    in_reach: set[int] = set()
    kind = STREET if key is not None else STRAIGHT_LINE
    if has_rule and key is not None:
        share, nearest, in_reach = _street_cell(session, area, question, key, mine, reach)
    elif has_rule:
        share, nearest, in_reach = _straight_cell(session, area, question, mine, visible)
    if has_rule and nearest is None:
        nearest = _nearest_straight(session, area, question, visible)
    covered = bool(share) or (nearest is not None and nearest.metres <= question.limit_m)
    status = "no_rule" if not has_rule else ("covered" if covered else "not_covered")
    unmet = [n.id for n in mine if not n.linked and n.id not in in_reach]
    residents = None
    if area.population is not None and share is not None:
        residents = round(area.population * share)
    needs_count = _withheld(actor, area, len(mine))
    unmet_count = _withheld(actor, area, len(unmet))
    return Cell(
        area_id=area.id, area_name=area.name, need_category=category, status=status,
        limit_m=question.limit_m, distance_kind=nearest.distance_kind if nearest else kind,
        nearest=nearest, share_within=None if share is None else round(share, 4),
        population=area.population,
        residents_within=_withheld(actor, area, residents),
        needs=needs_count, unmet=unmet_count,
        unmet_ids=tuple(unmet) if unmet_count is not None else (),
    )


@dataclass(frozen=True)
class _Reach:
    total: int
    reached: int
    nearest: tuple[str, int, bool, float] | None


def _collect_area_vertices(session: Session, area_ids: list[int]) -> None:
    """The street vertices inside each area in scope, once per call (a temporary table)."""
    session.execute(text(
        "CREATE TEMP TABLE IF NOT EXISTS coverage_area_vertex "
        "(area_id integer, vertex_id integer) ON COMMIT DROP"
    ))
    session.execute(text("TRUNCATE coverage_area_vertex"))
    session.execute(
        text(
            """
            INSERT INTO coverage_area_vertex
            SELECT a.id, v.id FROM area a
            CROSS JOIN LATERAL ST_Subdivide(a.geom, 128) AS part(g)
            JOIN street_vertex v ON ST_Intersects(part.g, v.geom)
            WHERE a.id = ANY (CAST(:areas AS integer[]))
            """
        ),
        {"areas": area_ids},
    )
    session.execute(text(
        "CREATE INDEX IF NOT EXISTS coverage_area_vertex_area ON coverage_area_vertex (area_id)"
    ))
    session.execute(text("ANALYZE coverage_area_vertex"))


def _street_cells(session: Session, key: str, area_ids: list[int]) -> dict[int, _Reach]:
    """For each area: its street vertices, those in reach, and the nearest source."""
    rows = session.execute(
        text(
            """
            SELECT DISTINCT ON (av.area_id) av.area_id,
                   count(*) OVER w AS total, count(r.metres) OVER w AS reached,
                   r.source_layer, r.source_id, r.straight, r.metres
            FROM coverage_area_vertex av
            LEFT JOIN coverage_reach r ON r.digest = :d AND r.vertex_id = av.vertex_id
            WHERE av.area_id = ANY (CAST(:areas AS integer[]))
            WINDOW w AS (PARTITION BY av.area_id)
            ORDER BY av.area_id, r.metres NULLS LAST, r.source_id
            """
        ),
        {"d": key, "areas": area_ids},
    ).all()
    return {
        row.area_id: _Reach(
            int(row.total), int(row.reached),
            None if row.metres is None
            else (row.source_layer, int(row.source_id), bool(row.straight), float(row.metres)),
        )
        for row in rows
    }


def _street_cell(
    session: Session, area: _Area, question: Question, key: str, mine: list[_Need],
    reach: _Reach | None,
) -> tuple[float | None, Nearest | None, set[int]]:
    if reach is None:
        return None, None, set()
    share = reach.reached / reach.total if reach.total else None
    nearest = None
    if reach.nearest is not None:
        layer, pin_id, straight, metres = reach.nearest
        nearest = Nearest(
            layer, pin_id, _name(session, layer, pin_id), round(metres, 1),
            STRAIGHT_LINE if straight else STREET,
        )
    pointed = [n.id for n in mine]
    in_reach: set[int] = set()
    if pointed:
        in_reach = set(session.scalars(
            text(
                """
                SELECT n.id FROM need n
                JOIN area a ON a.id = n.area_id
                CROSS JOIN LATERAL (
                    SELECT v.id FROM street_vertex v WHERE v.layer_id = :l
                    ORDER BY v.geom <-> coalesce(n.geom, ST_PointOnSurface(a.geom)) LIMIT 1
                ) v
                JOIN coverage_reach r ON r.digest = :d AND r.vertex_id = v.id
                WHERE n.id = ANY (CAST(:needs AS integer[])) AND r.metres <= :limit
                """
            ),
            {"l": area.street_layer, "d": key, "needs": pointed, "limit": question.limit_m},
        ))
        if share:
            # An area-wide need is in reach when any of its area is.
            in_reach |= set(session.scalars(
                text("SELECT id FROM need WHERE id = ANY (CAST(:needs AS integer[])) "
                     "AND geom IS NULL"),
                {"needs": pointed},
            ))
    return share, nearest, in_reach


_STRAIGHT_SOURCES = f"""
    WITH s AS ({coverage_reach._SOURCES.text})
    SELECT s.layer, s.id, s.name, s.geom FROM s
    WHERE (:admin OR s.visibility = ANY (CAST(:visibilities AS text[]))
           OR s.team_id = ANY (CAST(:teams AS integer[])))
"""


def _question_params(question: Question, visible: dict[str, object]) -> dict[str, object]:
    return {
        "categories": list(question.categories), "sectors": list(question.sectors),
        "groups": list(question.groups), "limit": float(question.limit_m),
        "deg": question.limit_m * DEG_PER_M, **visible,
    }


def _straight_cell(
    session: Session, area: _Area, question: Question, mine: list[_Need],
    visible: dict[str, object],
) -> tuple[float | None, Nearest | None, set[int]]:
    params = {**_question_params(question, visible), "a": area.id}
    share = session.scalar(
        text(
            f"""
            WITH near AS (
                SELECT src.geom FROM ({_STRAIGHT_SOURCES}) src, area a
                WHERE a.id = :a AND src.geom && ST_Expand(a.geom, :deg)
                  AND ST_DWithin(CAST(src.geom AS geography), CAST(a.geom AS geography), :limit)
            )
            SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM near) THEN 0 ELSE
                ST_Area(CAST(ST_Intersection(a.geom, (
                    SELECT ST_Union(CAST(ST_Buffer(CAST(geom AS geography), :limit) AS geometry))
                    FROM near)) AS geography)) / nullif(ST_Area(CAST(a.geom AS geography)), 0)
                END
            FROM area a WHERE a.id = :a
            """
        ),
        params,
    )
    in_reach: set[int] = set()
    if mine:
        in_reach = set(session.scalars(
            text(
                f"""
                SELECT n.id FROM need n JOIN area a ON a.id = n.area_id
                WHERE n.id = ANY (CAST(:needs AS integer[])) AND EXISTS (
                    SELECT 1 FROM ({_STRAIGHT_SOURCES}) src
                    WHERE ST_DWithin(CAST(src.geom AS geography),
                                     CAST(coalesce(n.geom, a.geom) AS geography), :limit))
                """
            ),
            {**params, "needs": [n.id for n in mine]},
        ))
    return (None if share is None else min(1.0, float(share))), None, in_reach


def _nearest_straight(
    session: Session, area: _Area, question: Question, visible: dict[str, object]
) -> Nearest | None:
    row = session.execute(
        text(
            f"""
            SELECT src.layer, src.id, src.name,
                   ST_Distance(CAST(src.geom AS geography), CAST(a.geom AS geography)) AS metres
            FROM ({_STRAIGHT_SOURCES}) src, area a WHERE a.id = :a
            ORDER BY 4, src.layer, src.id LIMIT 1
            """
        ),
        {**_question_params(question, visible), "a": area.id},
    ).first()
    if row is None:
        return None
    return Nearest(row.layer, row.id, row.name, round(float(row.metres), 1), STRAIGHT_LINE)


def _name(session: Session, layer: str, pin_id: int) -> str:
    table = "resource" if layer == "resource" else "partner"
    return str(session.scalar(text(f"SELECT name FROM {table} WHERE id = :i"), {"i": pin_id}))


def ranked(found: Coverage) -> list[Cell]:
    """The gaps, worst first: not covered, then no rule; more unmet needs, more people first."""
    order = {"not_covered": 0, "no_rule": 1}
    gaps = [c for c in found.cells if c.status != "covered" or c.unmet]
    return sorted(gaps, key=lambda c: (
        order.get(c.status, 2), -(c.unmet or 0), -(c.population or 0), c.area_name,
        c.need_category,
    ))
