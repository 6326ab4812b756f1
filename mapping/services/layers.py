"""Reads of the map layers: areas and pins as GeoDataFrames in EPSG:4326.

Every function takes the caller's session and only reads; the caller owns the
transaction. Geometry crosses the database boundary through ``mapping.geometry``:
``_read_frame`` asks for WKB (``ST_AsBinary``) and ``geometry.from_wkb`` decodes it.

Privacy: retired rows are never returned, and team-only pins only when the
caller asks for the ``team`` visibility explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import ColumnElement, Executable, func, or_, select, type_coerce, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import NullType

from mapping import catalog
from mapping import geometry as geometries
from mapping.catalog import Entry
from mapping.db.models import (
    NEED_STATUSES,
    SRID,
    VISIBILITIES,
    Area,
    Need,
    NeedResource,
    Partner,
    Partnership,
    PartnershipMember,
    Resource,
    Team,
)

# The three pin layers, in the order they are drawn and listed.
LAYERS = ("resource", "partner", "need")
# Which catalogue vocabulary gives each layer's categories.
CATEGORY_VOCABULARY = {
    "resource": "resource_category",
    "partner": "partner_sector",
    "need": "need_category",
}
# What a viewer at a partnership meeting may see.
DEFAULT_VISIBILITIES = ("public", "partnership")
# Archived needs are history, not part of today's map.
CURRENT_NEED_STATUSES = tuple(s for s in NEED_STATUSES if s != "archived")

_MODELS = {"resource": Resource, "partner": Partner, "need": Need}
# How far up the parent chain we follow before assuming a loop in the data.
_MAX_DEPTH = 32


@dataclass(frozen=True)
class TeamChoice:
    """A team as the selectors show it."""

    id: int
    code: str
    name: str
    city: str | None


@dataclass(frozen=True)
class AreaChoice:
    """An area as the selectors show it; ``depth`` 0 for the top of a tree."""

    id: int
    name: str
    kind: str
    depth: int


@dataclass
class Overview:
    """Everything the overview map of one selection needs, read in one go."""

    areas: gpd.GeoDataFrame
    pins: dict[str, gpd.GeoDataFrame]
    catalogue: list[Entry]
    selected_area_id: int | None = None
    pin_area_ids: list[int] = field(default_factory=list)


def _read_frame(session: Session, stmt: Executable) -> gpd.GeoDataFrame:
    """Run ``stmt`` (whose ``geom`` column is WKB) and return a GeoDataFrame in EPSG:4326."""
    # On the session's connection, as a Core statement: the statement selects
    # columns, not entities, and the ORM's row loading only adds a per-row cost.
    # Core does not autoflush: pending changes are flushed as session.execute would.
    if session.autoflush:
        session.flush()
    result = session.connection().execute(stmt)
    columns = list(result.keys())
    # Column by column: handed whole rows, pandas probes each one for the
    # attributes of a named tuple, which costs more than the query itself
    # for a layer of thousands of pins.
    rows = result.all()
    values = dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True)) if rows else {}
    wkb = values.pop("geom", [])
    frame = pd.DataFrame(values, columns=[c for c in columns if c != "geom"])
    # NULL (a need that covers its whole area) becomes a missing geometry.
    geometry = geometries.from_wkb(wkb)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=SRID), crs=SRID)


def _wkb(column: Any) -> ColumnElement[bytes]:
    return func.ST_AsBinary(column).label("geom")


def _as_lists(column: Any, label: str) -> ColumnElement[Any]:
    """A text[] column as psycopg gives it (a list of str, or None).

    SQLAlchemy's ARRAY type would walk every array again in Python to apply
    its item type's conversion, which does nothing for text: for thousands of
    pins that costs more than reading them.
    """
    return type_coerce(column, NullType()).label(label)


@dataclass(frozen=True)
class _AreaOutline:
    id: int
    parent_id: int | None
    kind: str
    name: str
    team_id: int | None
    team_city: str | None


def _outlines(session: Session) -> dict[int, _AreaOutline]:
    """Every current area without its geometry: cheap, and enough to walk the hierarchy."""
    rows = session.execute(
        select(Area.id, Area.parent_id, Area.kind, Area.name, Area.team_id, Team.city)
        .outerjoin(Team, Team.id == Area.team_id)
        .where(Area.retired_at.is_(None))
    )
    return {row.id: _AreaOutline(*row) for row in rows}


def _ancestry(outlines: dict[int, _AreaOutline], area_id: int) -> list[_AreaOutline]:
    """The area itself, then its parent, grandparent… (current areas only)."""
    chain: list[_AreaOutline] = []
    current: int | None = area_id
    while current is not None and current in outlines and len(chain) < _MAX_DEPTH:
        chain.append(outlines[current])
        current = outlines[current].parent_id
    return chain


def _city_of(outlines: dict[int, _AreaOutline], area_id: int) -> str | None:
    """The nearest enclosing area of kind ``city``, else the city of the nearest owning team."""
    chain = _ancestry(outlines, area_id)
    for outline in chain:
        if outline.kind == "city":
            return outline.name
    for outline in chain:
        if outline.team_city:
            return outline.team_city
    return None


def _below(parents: Iterable[tuple[int, int | None]], roots: Iterable[int]) -> set[int]:
    """``roots`` and every area under them, given (area, parent) pairs."""
    children: dict[int, list[int]] = {}
    for area_id, parent in parents:
        if parent is not None:
            children.setdefault(parent, []).append(area_id)
    found: set[int] = set()
    stack = list(roots)
    while stack:
        area_id = stack.pop()
        if area_id not in found:  # a parent loop in the data must not hang us
            found.add(area_id)
            stack.extend(children.get(area_id, []))
    return found


def _descendants(outlines: dict[int, _AreaOutline], roots: Iterable[int]) -> set[int]:
    pairs = ((o.id, o.parent_id) for o in outlines.values())
    return _below(pairs, (r for r in roots if r in outlines))


def cities(session: Session) -> list[str]:
    """Names of the cities that have at least one current area, alphabetically."""
    outlines = _outlines(session)
    names = {_city_of(outlines, area_id) for area_id in outlines}
    return sorted((n for n in names if n), key=str.casefold)


def teams(session: Session, city: str | None = None) -> list[TeamChoice]:
    """Teams of ``city`` (by their own city or by an area they own there), by name."""
    rows = session.execute(select(Team.id, Team.code, Team.name, Team.city))
    # Natural order, so that "ZTPS 2" comes before "ZTPS 10".
    found = sorted((TeamChoice(*row) for row in rows), key=lambda team: _natural(team.name))
    if city is None:
        return found
    outlines = _outlines(session)
    owning = {o.team_id for o in outlines.values() if _city_of(outlines, o.id) == city}
    return [team for team in found if team.city == city or team.id in owning]


def _natural(text: str) -> list[tuple[int, int | str]]:
    return [(0, int(part)) if part.isdigit() else (1, part.casefold())
            for part in re.split(r"(\d+)", text) if part]


def areas(
    session: Session, city: str | None = None, team_id: int | None = None
) -> gpd.GeoDataFrame:
    """Current areas of ``city`` and/or ``team_id`` with their boundaries.

    A team's areas are those it owns and every area inside them (an estate of
    the team's district belongs to the team even when its own team is unset).
    Columns: id, name, kind, parent_id, team_id, team_name, population,
    streets, city, geometry; in tree order (as ``area_choices``).
    """
    outlines = _outlines(session)
    city_of = _select(outlines, city, team_id)
    stmt = (
        select(
            Area.id,
            Area.name,
            Area.kind,
            Area.parent_id,
            Area.team_id,
            Team.name.label("team_name"),
            Area.population,
            Area.streets,
            _wkb(Area.geom),
        )
        .outerjoin(Team, Team.id == Area.team_id)
        .where(Area.id.in_(sorted(city_of)))
    )
    frame = _read_frame(session, stmt)
    for column in ("parent_id", "team_id", "population"):
        frame[column] = frame[column].astype("Int64")
    frame["city"] = [city_of.get(area_id) for area_id in frame["id"]]
    position = {area_id: i for i, area_id in enumerate(_tree_order(outlines, city_of))}
    frame = frame.sort_values("id", key=lambda ids: ids.map(position))
    return frame.reset_index(drop=True)


def area_choices(
    session: Session, city: str | None = None, team_id: int | None = None
) -> list[AreaChoice]:
    """The areas ``areas`` would return, without boundaries: for a selector.

    In tree order (a city, its first district, that district's estates, the
    next district…), with ``depth`` for indenting.
    """
    outlines = _outlines(session)
    city_of = _select(outlines, city, team_id)
    ordered = _tree_order(outlines, city_of)
    depth: dict[int, int] = {}
    for area_id in ordered:
        parent = outlines[area_id].parent_id
        depth[area_id] = depth[parent] + 1 if parent in depth else 0
    return [
        AreaChoice(area_id, outlines[area_id].name, outlines[area_id].kind, depth[area_id])
        for area_id in ordered
    ]


def _select(
    outlines: dict[int, _AreaOutline], city: str | None, team_id: int | None
) -> dict[int, str | None]:
    """The ids of the areas of ``city``/``team_id``, each with its city."""
    wanted = set(outlines)
    if team_id is not None:
        wanted = _descendants(outlines, (o.id for o in outlines.values() if o.team_id == team_id))
    city_of = {area_id: _city_of(outlines, area_id) for area_id in wanted}
    if city is not None:
        city_of = {area_id: name for area_id, name in city_of.items() if name == city}
    return city_of


def _tree_order(outlines: dict[int, _AreaOutline], wanted: Iterable[int]) -> list[int]:
    """``wanted`` depth first: each area followed by the areas inside it, siblings by name."""
    chosen = set(wanted)
    children: dict[int | None, list[int]] = {}
    for area_id in chosen:
        parent = outlines[area_id].parent_id
        # An area whose parent is not shown starts a tree of its own.
        children.setdefault(parent if parent in chosen else None, []).append(area_id)
    kinds = {"city": 0, "district": 1, "estate": 2}
    for siblings in children.values():
        siblings.sort(
            key=lambda i: (kinds.get(outlines[i].kind, 3), outlines[i].name.casefold(), i)
        )
    ordered: list[int] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        area_id = stack.pop()
        if area_id in ordered:
            continue
        ordered.append(area_id)
        stack.extend(reversed(children.get(area_id, [])))
    return ordered


def descendant_ids(areas_frame: pd.DataFrame, area_id: int) -> list[int]:
    """``area_id`` and every area below it among ``areas_frame`` (by ``parent_id``)."""
    pairs = (
        (int(row_id), int(parent) if pd.notna(parent) else None)
        for row_id, parent in zip(areas_frame["id"], areas_frame["parent_id"], strict=True)
    )
    return sorted(_below(pairs, [area_id]))


def _check_visibilities(visibilities: Sequence[str]) -> tuple[str, ...]:
    unknown = [v for v in visibilities if v not in VISIBILITIES]
    if unknown:
        raise ValueError(f"visibilities: unknown {unknown}; expected some of {VISIBILITIES}")
    return tuple(visibilities)


def _model(layer: str) -> type[Resource] | type[Partner] | type[Need]:
    try:
        return _MODELS[layer]  # type: ignore[return-value]
    except KeyError:
        raise ValueError(f"layer: expected one of {LAYERS}, got {layer!r}") from None


def _pin_filter(
    model: type[Resource] | type[Partner] | type[Need],
    area_ids: Sequence[int] | None,
    visibilities: Sequence[str],
    need_statuses: Sequence[str],
) -> list[ColumnElement[bool]]:
    """WHERE clauses shared by the pin reads and the counts, so both always agree."""
    clauses: list[ColumnElement[bool]] = [
        model.retired_at.is_(None),
        model.visibility.in_(_check_visibilities(visibilities)),
    ]
    if model is Need:
        clauses.append(Need.status.in_(tuple(need_statuses)))
    if area_ids is not None:
        ids = sorted({int(i) for i in area_ids})
        inner = aliased(model)
        own = aliased(model)
        # A pin belongs to an area when it is assigned to it or lies inside it:
        # older pins and imported ones often have no area_id. One id list from
        # two index reads (area_id, the geometry's GiST), not ``area_id IN … OR
        # id IN (…)``: an OR over a sub-select can only be a filter, so every row
        # of the table was read, and pins in other cities made every area's map
        # slower (bench/bench_map.py, "crowded": 4.75× for 100× more rows).
        assigned = select(own.id).where(own.area_id.in_(ids))
        # Pins assigned to one of the areas are already in; the cheap test on
        # area_id runs before the geometric one, which they then skip.
        inside = (
            select(inner.id)
            .join(Area, func.ST_Intersects(Area.geom, inner.geom))
            .where(
                Area.id.in_(ids),
                Area.retired_at.is_(None),
                or_(inner.area_id.is_(None), inner.area_id.not_in(ids)),
            )
        )
        clauses.append(model.id.in_(union_all(assigned, inside)))
    return clauses


def pins(
    session: Session,
    layer: str,
    area_ids: Sequence[int] | None = None,
    visibilities: Sequence[str] = DEFAULT_VISIBILITIES,
    *,
    need_statuses: Sequence[str] = CURRENT_NEED_STATUSES,
    with_version: bool = False,
    only_ids: Sequence[int] | None = None,
) -> gpd.GeoDataFrame:
    """Current pins of one layer (``resource``, ``partner`` or ``need``) as a GeoDataFrame.

    ``area_ids`` None means every area; otherwise pins assigned to or lying in
    those areas. Only the given visibilities are returned (team-only pins
    never by default); retired pins never. Needs with status in
    ``need_statuses`` only (archived ones are left out by default).

    Columns shared by all layers: id, area_id, name, category (for partners:
    their sector), description, address, phone, email, www, visibility,
    geometry (missing for a need that covers its whole area). Resources add
    kind, opening_hours, target_groups, verified_on; partners add
    partnerships (names of current partnerships); needs add status, priority,
    source_method, target_groups, evidence. ``with_version`` adds the
    ``version`` an editor must hold to change the pin (optimistic locking),
    read in the same statement as the values it belongs to. ``only_ids``: of
    these pins only (a kept layer brought up to date with the pins that changed).
    """
    model = _model(layer)
    category = Partner.sector if model is Partner else model.category  # type: ignore[union-attr]
    columns: list[Any] = [
        model.id,
        model.area_id,
        model.name,
        category.label("category"),
        model.description,
        model.address,
        model.phone,
        model.email,
        model.www,
        model.visibility,
    ]
    if model is Resource:
        columns += [
            Resource.kind,
            Resource.opening_hours,
            _as_lists(Resource.target_groups, "target_groups"),
            Resource.verified_on,
        ]
    elif model is Partner:
        memberships = (
            select(func.array_agg(Partnership.name))
            .join(PartnershipMember, PartnershipMember.partnership_id == Partnership.id)
            .where(
                PartnershipMember.partner_id == Partner.id,
                PartnershipMember.left_on.is_(None),
                Partnership.retired_at.is_(None),
            )
            .scalar_subquery()
        )
        columns.append(_as_lists(memberships, "partnerships"))
    else:
        columns += [
            Need.status,
            Need.priority,
            Need.source_method,
            _as_lists(Need.target_groups, "target_groups"),
            Need.evidence,
        ]
    if with_version:
        columns.append(model.version)
    where = _pin_filter(model, area_ids, visibilities, need_statuses)
    if only_ids is not None:
        where.append(model.id.in_(sorted({int(i) for i in only_ids})))
    stmt = select(*columns, _wkb(model.geom)).where(*where).order_by(model.id)
    frame = _read_frame(session, stmt)
    frame["area_id"] = frame["area_id"].astype("Int64")
    if model is Partner:
        frame["partnerships"] = [list(v) if v is not None else [] for v in frame["partnerships"]]
    return frame


def need_resources(session: Session, need_id: int) -> list[int]:
    """Ids of the resources recorded as responding to a need, in id order."""
    return list(
        session.scalars(
            select(NeedResource.resource_id)
            .where(NeedResource.need_id == need_id)
            .order_by(NeedResource.resource_id)
        )
    )


def counts_by_category(
    session: Session,
    layer: str,
    area_ids: Sequence[int] | None = None,
    visibilities: Sequence[str] = DEFAULT_VISIBILITIES,
    *,
    need_statuses: Sequence[str] = CURRENT_NEED_STATUSES,
) -> pd.DataFrame:
    """How many pins of ``layer`` each category has, counted in the database.

    Same selection as ``pins`` (without loading any geometry). Columns:
    category, total, pinned (with a point; for needs the rest cover their
    whole area); ordered by category code.
    """
    model = _model(layer)
    category = Partner.sector if model is Partner else model.category  # type: ignore[union-attr]
    stmt = (
        select(
            category.label("category"),
            func.count().label("total"),
            func.count(model.geom).label("pinned"),
        )
        .where(*_pin_filter(model, area_ids, visibilities, need_statuses))
        .group_by(category)
        .order_by(category)
    )
    result = session.execute(stmt)
    return pd.DataFrame(result.all(), columns=["category", "total", "pinned"])


def overview(
    session: Session,
    city: str | None = None,
    team_id: int | None = None,
    area_id: int | None = None,
    visibilities: Sequence[str] = DEFAULT_VISIBILITIES,
) -> Overview:
    """The areas, the pins of every layer and the catalogue for one overview map.

    The areas are those of the city/team; with ``area_id`` (one of them) that
    area is highlighted and the pins are those of it and the areas inside it,
    otherwise the pins of every area shown.
    """
    area_frame = areas(session, city=city, team_id=team_id)
    shown = [int(i) for i in area_frame["id"]]
    selected = area_id if area_id is not None and area_id in shown else None
    pin_area_ids = descendant_ids(area_frame, selected) if selected is not None else shown
    everything = city is None and team_id is None and selected is None
    layer_frames = {
        layer: pins(session, layer, None if everything else pin_area_ids, visibilities)
        for layer in LAYERS
    }
    return Overview(
        areas=area_frame,
        pins=layer_frames,
        catalogue=catalog.entries(session),
        selected_area_id=selected,
        pin_area_ids=pin_area_ids,
    )
