"""Coverage: for every area and need category, whether someone in walking reach addresses it.

For each area × need category: ``covered`` (an addressing resource or partner
reaches part of the area within the walking limit), ``not_covered``, or
``no_rule`` (the catalogue says nothing yet about what addresses the category:
listed as such, never as covered); the nearest addresser and its distance;
the share of the area within the limit (of its street vertices on a network,
of its surface in a straight line) and of its residents: counted from the
population layer's points where one covers the area
(``mapping.services.population``), else the area's population assumed spread
evenly (``residents_kind`` says which); and the needs nobody addresses (no
hand link to a resource or partner, nothing in reach).

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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from mapping import catalog
from mapping.catalog_rules import EVERYONE_ELSE, Rule, default_limits
from mapping.db.plan_models import ADDRESSER_VOCABULARIES
from mapping.errors import UserError
from mapping.services import (
    addressing,
    coverage_answers,
    coverage_patch,
    coverage_reach,
    coverage_straight,
    population,
    streets,
)
from mapping.services.accounts import Actor
from mapping.services.coverage_reach import DEG_PER_M, Source
from mapping.services.coverage_straight import NEAREST_SEARCH_M as NEAREST_SEARCH_M  # callers

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
    # population.FROM_LAYER (its points) or EVEN_SPREAD (the area's field); None: unknown.
    residents_kind: str | None = None


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
    patched: int = 0  # of those computed: patched from the run stored before (coverage_patch)


@dataclass(frozen=True)
class Question:
    """Which addressers count, for whom, within what limit, on which network."""

    street_layer: int | None
    categories: tuple[str, ...]
    sectors: tuple[str, ...]
    groups: tuple[str, ...]
    limit_m: int


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
    area_wide: bool = False


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
    SELECT n.id, n.area_id, n.category, n.target_groups AS groups, n.geom IS NULL AS area_wide,
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
    if not areas or (area_ids and len(areas) < len(set(area_ids))):
        raise UserError("coverage.no_area")
    routing = streets.pgrouting_available(session)
    if not routing:
        for area in areas:
            area.street_layer = None
    visible = _visible(actor)
    needs = [
        _Need(row.id, row.area_id, row.category, tuple(row.groups or ()), bool(row.linked),
              bool(row.area_wide))
        for row in session.execute(_NEEDS, {"areas": [a.id for a in areas], **visible}).all()
    ]
    categories = sorted(catalog.by_code(session, "need_category"))
    limits = addressing.walking_limits(session)
    result = Coverage(cells=[], distance_kind=STRAIGHT_LINE, attribution=None, pgrouting=routing)
    plan: list[tuple[_Area, str, Question, bool, list[_Need]]] = []
    by_area: dict[int, list[_Need]] = {}
    for need in needs:
        by_area.setdefault(need.area_id, []).append(need)
    rules_for: dict[tuple[str, tuple[str, ...]], dict[str, list[str]]] = {}
    every_rule: dict[str, list[Rule]] = {}  # read once, not once per category and groups
    for rule in addressing.rules(session):
        every_rule.setdefault(rule.need_category, []).append(rule)
    for area in areas:
        for category in categories:
            mine = [n for n in by_area.get(area.id, []) if n.category == category]
            groups = tuple(sorted({g for n in mine for g in n.groups}))
            if (category, groups) not in rules_for:
                rules_for[(category, groups)] = _addressers(every_rule, category, groups)
            found = rules_for[(category, groups)]
            question = Question(
                street_layer=area.street_layer,
                categories=tuple(found["resource_category"]),
                sectors=tuple(found["partner_sector"]),
                groups=groups,
                limit_m=_limit(limits, groups),
            )
            plan.append((area, category, question, bool(found["resource_category"]
                                                         or found["partner_sector"]), mine))
    street: dict[tuple[Question, int], _Reach] = {}
    need_reach: dict[tuple[Question, int], bool] = {}
    layers_used = sorted({a.street_layer for a in areas if a.street_layer is not None})
    runs: dict[int, list[coverage_reach.Run]] = {}
    loaders = []
    for layer_id in layers_used:
        mine_plan = [p for p in plan if p[0].street_layer == layer_id and p[3]]
        runs[layer_id], load = _street(session, layer_id, mine_plan, needs, visible, limits,
                                       result, street, need_reach)
        loaders.append((load, len(runs[layer_id])))
    flat = _flat(session, plan, visible)
    people = population.Residents.load(session, [(a.id, a.street_layer) for a in areas])
    if any(people.layered(a.id) for a in areas if a.street_layer is not None):
        # Residents are counted from every run's arrays: read those not read yet.
        for load, count in loaders:
            load(range(count))
    names = _names(session, [r.nearest[:2] for r in street.values() if r.nearest])
    for area, category, question, has_rule, mine in plan:
        reach = street.get((question, area.id)) if area.street_layer is not None else None
        result.cells.append(_residents(session, actor, people, area, question, has_rule, reach,
                                       runs, visible, _cell(
            actor, area, category, question, has_rule, mine, reach,
            {n.id for n in mine if need_reach.get((question, n.id))}, names,
            flat.get((area.id, question)),
        )))
    if layers_used:
        result.distance_kind = STREET
        result.attribution = "; ".join(sorted({
            s.attribution for s in streets.layers(session) if s.layer_id in layers_used
        }))
    return result


def _flat(
    session: Session, plan: list[tuple[_Area, str, Question, bool, list[_Need]]],
    visible: dict[str, object],
) -> dict[tuple[int, Question], coverage_straight.Answer]:
    """Straight-line answers of every cell in an area without streets, in one statement."""
    needs: dict[tuple[int, Question], set[int]] = {}
    for area, _, question, has_rule, mine in plan:
        if has_rule and area.street_layer is None:
            needs.setdefault((area.id, question), set()).update(n.id for n in mine)
    keys = list(needs)
    asks = [coverage_straight.Ask(a, q.categories, q.sectors, q.groups, q.limit_m,
                                  tuple(sorted(needs[(a, q)]))) for a, q in keys]
    return dict(zip(keys, coverage_straight.answer_kept(session, asks, visible), strict=True))


def _addressers(every_rule: dict[str, list[Rule]], category: str, groups: Sequence[str],
                ) -> dict[str, list[str]]:
    """As ``addressing.addressers``, from the rules read once."""
    found: dict[str, list[str]] = {v: [] for v in ADDRESSER_VOCABULARIES}
    for rule in every_rule.get(category, []):
        if rule.applies_to(groups) and rule.code not in found[rule.vocabulary]:
            found[rule.vocabulary].append(rule.code)
    return found


def _limit(limits: dict[str, int], groups: Sequence[str]) -> int:
    """As ``addressing.limit_for``, from limits read once."""
    # Not limits.get(..., default_limits()[...]): that reads the defaults' file every call.
    fallback = limits[EVERYONE_ELSE] if EVERYONE_ELSE in limits else default_limits()[EVERYONE_ELSE]
    return min((limits.get(g, fallback) for g in groups), default=fallback)


def _compatible(run: coverage_reach.Run, question: Question) -> bool:
    """Whether a run's sources address the question (its rules and target groups)."""
    if run.layer == "partner":
        return run.code in question.sectors
    if run.code not in question.categories:
        return False
    return (not question.groups or not run.groups or addressing.ALL_RESIDENTS in run.groups
            or bool(set(run.groups) & set(question.groups)))


# The layer's fingerprint, and the box of every live area (rounded outward to
# 0.01°, so that redrawing an area rarely changes it) grown by the longest limit.
_STAMP = text(
    """
    SELECT l.id || '@' || l.imported_at,
           floor(ST_XMin(b.e) * 100) / 100 - :deg, floor(ST_YMin(b.e) * 100) / 100 - :deg,
           ceil(ST_XMax(b.e) * 100) / 100 + :deg, ceil(ST_YMax(b.e) * 100) / 100 + :deg
    FROM street_layer l,
         (SELECT ST_Extent(geom) AS e FROM area WHERE retired_at IS NULL) b
    WHERE l.id = :l
    """
)


def _street(
    session: Session,
    layer_id: int,
    plan: list[tuple[_Area, str, Question, bool, list[_Need]]],
    needs: list[_Need],
    visible: dict[str, object],
    limits: dict[str, int],
    result: Coverage,
    street: dict[tuple[Question, int], _Reach],
    need_reach: dict[tuple[Question, int], bool],
) -> tuple[list[coverage_reach.Run], Callable[[Sequence[int]], None]]:
    """Reach of every question on one street layer: runs from the cache or the database.

    Also returns a reader of the runs' arrays by position: only the runs
    combined by questions answered anew are read here (``coverage_answers``).
    """
    if not plan:
        return [], lambda positions: None
    longest = max([*limits.values(), *(q.limit_m for _, _, q, _, _ in plan)])
    cats = sorted({c for _, _, q, _, _ in plan for c in q.categories})
    sectors = sorted({c for _, _, q, _, _ in plan for c in q.sectors})
    found = coverage_reach.sources(session, layer_id, cats, sectors, visible,
                                   within_m=max(longest, NEAREST_SEARCH_M))
    for s in found:
        if s.straight:
            result.straight_sources.append((s.layer, s.id, s.name))
    stamp, *box = session.execute(_STAMP, {"l": layer_id, "deg": longest * DEG_PER_M}).one()
    # The box is part of every digest: a run knows only the streets inside it.
    stamp = f"{stamp}|{box}"
    groups: dict[tuple[str, str, tuple[str, ...]], list[Source]] = {}
    for s in found:
        groups.setdefault((s.layer, s.code, s.groups), []).append(s)
    families = {k: coverage_patch.family(stamp, longest, k) for k in groups}
    keys = {k: coverage_reach.digest(stamp, longest, v, families[k]) for k, v in groups.items()}
    # Which runs are kept: read below only those a question answered anew combines.
    have = set(session.scalars(
        text("SELECT digest FROM coverage_run WHERE digest = ANY (CAST(:keys AS text[]))"),
        {"keys": list(keys.values())},
    ))
    stored: dict[str, coverage_reach.Run] = {}
    missing = [k for k in groups if keys[k] not in have]
    extent = None if box[0] is None else (box[0], box[1], box[2], box[3])
    if missing:
        # A run stored before a few of its pins changed: patched where they reach.
        before = coverage_patch.previous(session, [families[k] for k in missing],
                                         list(keys.values()))
        patched = []
        for k in missing:
            if families[k] in before:
                old, old_ids = before[families[k]]
                run = coverage_patch.patch(session, layer_id, keys[k], old, old_ids, groups[k],
                                           longest, extent)
                if run is not None:
                    patched.append((run, groups[k]))
        coverage_reach.store(session, layer_id, longest, patched)
        stored.update({run.digest: run for run, _ in patched})
        result.patched += len(patched)
        rest = [k for k in missing if keys[k] not in stored]
        # Every other missing run at once: the street graph is built once, not once a run.
        if rest:
            made = coverage_reach.compute_many(
                session, layer_id, [(keys[k], groups[k]) for k in rest], longest, extent)
            stored.update({run.digest: run for run in made})
        coverage_reach.forget_stale(session, keep=list(keys.values()))
    result.computed += len(missing)
    result.reused += len(groups) - len(missing)
    empty = (np.zeros(0, np.int32), np.zeros(0, np.float32), np.zeros(0, np.int32),
             np.zeros(0, bool))
    runs = [stored.get(keys[k]) or coverage_reach.Run(keys[k], *k, *empty) for k in groups]
    for k, run in zip(groups, runs, strict=True):
        run.layer, run.code, run.groups = k
    unread = {run.digest for run in runs if run.digest not in stored}

    def load(positions: Sequence[int]) -> None:
        """Read the kept runs at these positions (once)."""
        wanted = [runs[i].digest for i in positions if runs[i].digest in unread]
        for digest, kept in coverage_reach.load(session, wanted).items():
            run = next(r for r in runs if r.digest == digest)
            run.vertices, run.metres, run.sources, run.straight = (
                kept.vertices, kept.metres, kept.sources, kept.straight)
            unread.discard(digest)

    area_ids = sorted({a.id for a, _, _, _, _ in plan})
    # Each question's limit, areas and needs, gathered once (a Question hashes slowly).
    asked: dict[Question, tuple[int, set[int], set[int]]] = {}
    for area, _, q, _, mine_needs in plan:
        _, areas_q, needs_q = asked.setdefault(q, (q.limit_m, set(), set()))
        areas_q.add(area.id)
        needs_q.update(n.id for n in mine_needs)
    in_scope = set(area_ids)
    reached, needs_reached = coverage_answers.answer(
        session, layer_id, runs, load, asked, area_ids,
        [n.id for n in needs if n.area_id in in_scope],
        lambda q: [i for i, run in enumerate(runs) if _compatible(run, q)],
    )
    for (q, area_id), (total, count, nearest) in reached.items():
        street[(q, area_id)] = _Reach(total, count, nearest)
    need_reach.update(needs_reached)
    return runs, load


def _residents(
    session: Session, actor: Actor, people: population.Residents, area: _Area,
    question: Question, has_rule: bool, reach: _Reach | None,
    runs: dict[int, list[coverage_reach.Run]], visible: dict[str, object], made: Cell,
) -> Cell:
    """The cell with its residents counted from the population layer where one covers the area."""
    on_streets = area.street_layer is not None
    found = [(r.vertices, r.metres) for r in runs.get(area.street_layer or 0, [])
             if _compatible(r, question)]
    return replace(made, **people.fields(  # type: ignore[arg-type]
        session, area.id, area.population, question.limit_m,
        measured=has_rule and (reach is not None or not on_streets),
        street=found if on_streets else None,
        straight=(_STRAIGHT_SOURCES, _question_params(question, visible)),
        withhold=partial(_withheld, actor, area)))


def _names(session: Session, pins: Sequence[tuple[str, int]]) -> dict[tuple[str, int], str]:
    found: dict[tuple[str, int], str] = {}
    for layer in ("resource", "partner"):
        ids = sorted({i for lay, i in pins if lay == layer})
        if ids:
            for pin_id, name in session.execute(
                text(f"SELECT id, name FROM {layer} WHERE id = ANY (CAST(:ids AS integer[]))"),
                {"ids": ids},
            ).all():
                found[(layer, pin_id)] = name
    return found


def _withheld(actor: Actor, area: _Area, count: int | None) -> int | None:
    """A count, or None when it is below the threshold and the actor is outside the team."""
    if count is None or actor.is_admin or (area.team_id in actor.team_ids):
        return count
    return None if 0 < count < DISCLOSURE_THRESHOLD else count


@dataclass(frozen=True)
class _Reach:
    total: int
    reached: int
    nearest: tuple[str, int, bool, float] | None


def _cell(
    actor: Actor,
    area: _Area,
    category: str,
    question: Question,
    has_rule: bool,
    mine: list[_Need],
    reach: _Reach | None,
    street_in_reach: set[int],
    names: dict[tuple[str, int], str],
    flat: coverage_straight.Answer | None,
) -> Cell:
    nearest: Nearest | None = None
    share: float | None = None
    in_reach: set[int] = set()
    on_streets = area.street_layer is not None
    if has_rule and on_streets:
        if reach is not None:
            share = reach.reached / reach.total if reach.total else None
            if reach.nearest is not None:
                layer, pin_id, straight, metres = reach.nearest
                nearest = Nearest(layer, pin_id, names.get((layer, pin_id), "?"),
                                  round(metres, 1), STRAIGHT_LINE if straight else STREET)
        in_reach = set(street_in_reach)
        if share:
            # An area-wide need is in reach when any of its area is.
            in_reach |= {n.id for n in mine if n.area_wide}
    elif has_rule and flat is not None:
        share, in_reach = flat.share, set(flat.in_reach or ())
        if flat.nearest is not None:
            nearest = Nearest(*flat.nearest, STRAIGHT_LINE)
    kind = STREET if on_streets else STRAIGHT_LINE
    covered = bool(share) or (nearest is not None and nearest.metres <= question.limit_m)
    status = "no_rule" if not has_rule else ("covered" if covered else "not_covered")
    unmet = [n.id for n in mine if not n.linked and n.id not in in_reach]
    residents = None
    if area.population is not None and share is not None:
        residents = round(area.population * share)
    unmet_count = _withheld(actor, area, len(unmet))
    return Cell(
        area_id=area.id, area_name=area.name, need_category=category, status=status,
        limit_m=question.limit_m, distance_kind=nearest.distance_kind if nearest else kind,
        nearest=nearest, share_within=None if share is None else round(share, 4),
        population=area.population,
        residents_within=_withheld(actor, area, residents),
        needs=_withheld(actor, area, len(mine)), unmet=unmet_count,
        unmet_ids=tuple(unmet) if unmet_count is not None else (),
    )


_STRAIGHT_SOURCES = """
    SELECT s.layer, s.id, s.name, s.geom FROM (
        SELECT 'resource' AS layer, r.id, r.name, r.geom, r.visibility, ra.team_id
        FROM resource r LEFT JOIN area ra ON ra.id = r.area_id
        WHERE r.retired_at IS NULL AND r.geom IS NOT NULL
          AND r.category = ANY (CAST(:categories AS text[]))
          AND (cardinality(CAST(:groups AS text[])) = 0 OR cardinality(r.target_groups) = 0
               OR CAST(r.target_groups AS text[]) && CAST(:groups AS text[])
               OR :everyone = ANY (CAST(r.target_groups AS text[])))
        UNION ALL
        SELECT 'partner', p.id, p.name, p.geom, p.visibility, pa.team_id
        FROM partner p LEFT JOIN area pa ON pa.id = p.area_id
        WHERE p.retired_at IS NULL AND p.geom IS NOT NULL
          AND p.sector = ANY (CAST(:sectors AS text[]))
    ) s
    WHERE (:admin OR s.visibility = ANY (CAST(:visibilities AS text[]))
           OR s.team_id = ANY (CAST(:teams AS integer[])))
"""


def _question_params(question: Question, visible: dict[str, object]) -> dict[str, object]:
    return {
        "categories": list(question.categories), "sectors": list(question.sectors),
        "groups": list(question.groups), "limit": float(question.limit_m),
        "deg": question.limit_m * DEG_PER_M, **visible,
    }


def ranked(found: Coverage) -> list[Cell]:
    """The gaps, worst first: not covered, then no rule; more unmet needs, more people first."""
    order = {"not_covered": 0, "no_rule": 1}
    gaps = [c for c in found.cells if c.status != "covered" or c.unmet]
    return sorted(gaps, key=lambda c: (
        order.get(c.status, 2), -(c.unmet or 0), -(c.population or 0), c.area_name,
        c.need_category,
    ))
