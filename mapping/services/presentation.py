"""What a partnership meeting shows on the projector: the map and the order of its views.

A presentation is an overview map (areas and the three pin layers) plus a
*sequence* of views the presenter steps through with a clicker or the
keyboard: the city, then each area of the team or of the partnership, then
each of the partnership's members. With a partnership the map is in *focus
mode*: only its areas, its members' pins and the needs there.

Only what every viewer may see is read (``layers.DEFAULT_VISIBILITIES``):
the projector shows nothing team-only, whoever is signed in. Every function
takes the caller's session and only reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from mapping import catalog
from mapping.db.models import Partner, Partnership, PartnershipArea, PartnershipMember
from mapping.errors import NotFound
from mapping.services import layers

# Step kinds, in the order a sequence visits them.
STEP_KINDS = ("city", "area", "member")


@dataclass(frozen=True)
class Step:
    """One view of the sequence: what it is called and where the map goes.

    ``bounds`` is (west, south, east, north) in EPSG:4326, or None when the
    step has nothing to show (an area without a boundary never appears).
    """

    kind: str
    name: str
    bounds: tuple[float, float, float, float]
    area_id: int | None = None
    pin_id: int | None = None


@dataclass(frozen=True)
class PartnershipChoice:
    """A current partnership a presenter may focus on."""

    id: int
    name: str
    team_id: int | None


@dataclass
class Presentation:
    """The map's contents and the sequence through it."""

    areas: gpd.GeoDataFrame
    pins: dict[str, gpd.GeoDataFrame]
    catalogue: list[catalog.Entry]
    steps: list[Step]
    partnership: PartnershipChoice | None = None
    member_names: dict[int, str] = field(default_factory=dict)


def _bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the frame's geometries, or None without any."""
    present = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if present.empty:
        return None
    west, south, east, north = (float(v) for v in present.total_bounds)
    return west, south, east, north


def partnership_choices(
    session: Session, city: str | None = None, team_id: int | None = None
) -> list[PartnershipChoice]:
    """Current partnerships of a team, or covering an area of the city, by name."""
    shown = {int(i) for i in layers.areas(session, city=city, team_id=team_id)["id"]}
    covered: dict[int, set[int]] = {}
    for partnership_id, area_id in session.execute(
        select(PartnershipArea.partnership_id, PartnershipArea.area_id)
    ):
        covered.setdefault(partnership_id, set()).add(area_id)
    rows = session.execute(
        select(Partnership.id, Partnership.name, Partnership.team_id)
        .where(Partnership.retired_at.is_(None))
        .order_by(Partnership.name)
    ).all()
    return [
        PartnershipChoice(id=row.id, name=row.name, team_id=row.team_id)
        for row in rows
        if (team_id is not None and row.team_id == team_id)
        or covered.get(row.id, set()) & shown
        or (city is None and team_id is None)
    ]


def _members(session: Session, partnership_id: int) -> list[tuple[int, str]]:
    """(partner pin id, name) of the current members, in the order they joined."""
    rows = session.execute(
        select(Partner.id, Partner.name)
        .join(PartnershipMember, PartnershipMember.partner_id == Partner.id)
        .where(
            PartnershipMember.partnership_id == partnership_id,
            PartnershipMember.left_on.is_(None),
            Partner.retired_at.is_(None),
        )
        .order_by(PartnershipMember.joined_on.nulls_last(), Partner.name)
    ).all()
    return [(int(row.id), str(row.name)) for row in rows]


def presentation(
    session: Session,
    city: str | None = None,
    team_id: int | None = None,
    partnership_id: int | None = None,
    area_id: int | None = None,
) -> Presentation:
    """The map and its sequence for a city, a team's areas, one area or one partnership.

    A partnership puts the map in focus mode. Raises NotFound when the
    partnership does not exist or is retired, or the area does not exist.
    """
    focus: PartnershipChoice | None = None
    member_names: dict[int, str] = {}
    if area_id is not None:
        everywhere = layers.areas(session)
        if area_id not in set(everywhere["id"]):
            raise NotFound("area.not_found")
        inside = layers.descendant_ids(everywhere, area_id)
        areas = everywhere[everywhere["id"].isin(inside)].reset_index(drop=True)
        pins = {layer: layers.pins(session, layer, inside) for layer in layers.LAYERS}
    elif partnership_id is None:
        overview = layers.overview(session, city, team_id)
        areas, pins = overview.areas, overview.pins
    else:
        row = session.get(Partnership, partnership_id)
        if row is None or row.retired_at is not None:
            raise NotFound("partnership.not_found")
        focus = PartnershipChoice(id=row.id, name=row.name, team_id=row.team_id)
        area_ids = set(
            session.scalars(
                select(PartnershipArea.area_id).where(
                    PartnershipArea.partnership_id == partnership_id
                )
            )
        )
        everywhere = layers.areas(session)
        inside = sorted(
            {a for root in area_ids for a in layers.descendant_ids(everywhere, root)}
        )
        areas = everywhere[everywhere["id"].isin(area_ids)].reset_index(drop=True)
        member_names = dict(_members(session, partnership_id))
        partners = layers.pins(session, "partner", None)
        # Focus mode, as the partnership sees itself: its members and what its areas need.
        pins = {
            "resource": layers.pins(session, "resource", []),
            "partner": partners[partners["id"].isin(member_names)].reset_index(drop=True),
            "need": layers.pins(session, "need", inside),
        }
    steps = _steps(areas, pins, city, focus, member_names)
    return Presentation(
        areas=areas,
        pins=pins,
        catalogue=catalog.entries(session),
        steps=steps,
        partnership=focus,
        member_names=member_names,
    )


def shared_presentation(session: Session) -> Presentation:
    """The presentation of the transaction's share session: its link's scope, nothing else.

    The scope is read from the session (``share_links.current_scope``), never
    from the caller; the database shows such a session public pins only.
    Raises NotFound when the session has no scope (it ended).
    """
    from mapping.services import share_links

    scope = share_links.current_scope(session)
    if scope is None:
        raise NotFound("share.session_over")
    if scope.kind == "city":
        return presentation(session, city=scope.city)
    if scope.kind == "team":
        return presentation(session, team_id=scope.id)
    if scope.kind == "partnership":
        return presentation(session, partnership_id=scope.id)
    return presentation(session, area_id=scope.id)


def _steps(
    areas: gpd.GeoDataFrame,
    pins: dict[str, gpd.GeoDataFrame],
    city: str | None,
    focus: PartnershipChoice | None,
    member_names: dict[int, str],
) -> list[Step]:
    """The whole view first, then each area in tree order, then each member's pin."""
    steps: list[Step] = []
    whole = _bounds(areas)
    if whole is None:
        located = [f for f in pins.values() if len(f)]
        whole = _bounds(pd.concat(located)) if located else None
    if whole is not None:
        title = focus.name if focus is not None else (city or "")
        steps.append(Step(kind="city", name=title, bounds=whole))
    for record in areas.to_dict("records"):
        box = _record_bounds(record)
        if box is not None:
            steps.append(Step(kind="area", name=str(record["name"]), bounds=box,
                              area_id=int(record["id"])))
    partners = pins.get("partner")
    if focus is not None and partners is not None and len(partners):
        by_id = {int(r["id"]): r for r in partners.to_dict("records")}
        for partner_id, name in member_names.items():
            record = by_id.get(partner_id)
            box = _record_bounds(record) if record is not None else None
            if box is not None:
                steps.append(Step(kind="member", name=name, bounds=box, pin_id=partner_id))
    return steps


def _record_bounds(record: dict[str, Any]) -> tuple[float, float, float, float] | None:
    geometry = record.get("geometry")
    if geometry is None or geometry.is_empty:
        return None
    west, south, east, north = (float(v) for v in geometry.bounds)
    return west, south, east, north
