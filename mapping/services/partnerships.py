"""Local partnerships: name, formed-on date, the areas they cover and their members.

A member is a partner (a pin of the ``partner`` layer) with a role and the
dates it joined and (perhaps) left. Admins manage every partnership; editors
the partnerships of their own teams. Every function takes the caller's
session (the caller owns the transaction) and raises a ``UserError`` before
anything is written. Partnerships and memberships have a ``version`` that the
database bumps on every update, so a stale form never overwrites someone
else's change; their history is kept by the database like every layer's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mapping.db import set_app_user
from mapping.db.models import (
    Area,
    LayerHistory,
    Partner,
    Partnership,
    PartnershipArea,
    PartnershipMember,
    Team,
)
from mapping.errors import ConflictError, NotFound, PermissionDenied, UserError, ValidationError
from mapping.services import layers, pins, validation
from mapping.services.accounts import Actor

PARTNERSHIP_FIELDS = ("name", "formed_on", "description", "team_id", "source")
MEMBER_FIELDS = ("role", "joined_on", "left_on")
MAX_LENGTH = {"name": 300, "role": 200, "description": 5000, "source": 2000}


@dataclass(frozen=True)
class PartnershipRef:
    """A partnership and the version the caller now holds."""

    id: int
    version: int


@dataclass(frozen=True)
class MemberRef:
    """A membership and the version the caller now holds."""

    id: int
    version: int


@dataclass(frozen=True)
class Member:
    """A member as the partnership's list shows it."""

    id: int
    version: int
    partner_id: int
    partner_name: str
    sector: str
    role: str | None
    joined_on: dt.date | None
    left_on: dt.date | None

    @property
    def current(self) -> bool:
        """True while the partner has not left."""
        return self.left_on is None


@dataclass(frozen=True)
class PartnershipSummary:
    """One line of the partnerships list."""

    id: int
    version: int
    name: str
    formed_on: dt.date | None
    team_id: int | None
    team_name: str | None
    area_names: tuple[str, ...]
    members: int


@dataclass
class PartnershipView:
    """One partnership with what its map and member list need."""

    summary: PartnershipSummary
    description: str | None
    source: str | None
    area_ids: list[int]
    areas: gpd.GeoDataFrame
    partners: gpd.GeoDataFrame
    members: list[Member] = field(default_factory=list)
    may_manage: bool = False


def may_manage(actor: Actor, team_id: int | None) -> bool:
    """Admins manage every partnership; editors those of their own teams."""
    return actor.is_admin or (
        actor.role == "editor" and team_id is not None and team_id in actor.team_ids
    )


def _require(session: Session, actor: Actor, team_id: int | None) -> None:
    if not actor.can_edit:
        raise PermissionDenied("error.read_only")
    if not may_manage(actor, team_id):
        raise PermissionDenied("partnership.not_your_team")
    set_app_user(session, actor.username)


def _clean(
    values: Mapping[str, Any], allowed: Iterable[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    unknown = set(values) - set(allowed)
    if unknown:
        raise UserError("error.unknown_fields", fields=", ".join(sorted(unknown)))
    cleaned = validation.clean_text(dict(values), errors)
    for key, limit in MAX_LENGTH.items():
        value = cleaned.get(key)
        if isinstance(value, str) and len(value) > limit and key not in errors:
            errors[key] = "error.too_long"
    for key in ("formed_on", "joined_on", "left_on"):
        value = cleaned.get(key)
        if value is not None and not isinstance(value, dt.date):
            try:
                cleaned[key] = dt.date.fromisoformat(str(value))
            except ValueError:
                errors[key] = "partnership.bad_date"
    return cleaned, errors


def _partnership(session: Session, partnership_id: int, lock: bool = False) -> Partnership:
    row = session.get(Partnership, partnership_id, with_for_update=lock)
    if row is None or row.retired_at is not None:
        raise NotFound("partnership.not_found")
    return row


def _check_team(session: Session, team_id: int | None) -> None:
    if team_id is not None and session.get(Team, team_id) is None:
        raise ValidationError({"team_id": "error.unknown_choice"})


def _check_areas(session: Session, area_ids: Iterable[int]) -> list[int]:
    ids = sorted({int(i) for i in area_ids})
    found = set(
        session.scalars(select(Area.id).where(Area.id.in_(ids), Area.retired_at.is_(None)))
    )
    if set(ids) - found:
        raise ValidationError({"area_ids": "partnership.unknown_area"})
    return ids


def _stale(session: Session, table: str, row: Any, fields: tuple[str, ...],
           seen_version: int) -> ConflictError:
    """What changed since the version the user saw, and who changed it."""
    history = session.scalars(
        select(LayerHistory)
        .where(LayerHistory.table_name == table, LayerHistory.row_id == row.id)
        .order_by(LayerHistory.id.desc())
    ).all()
    seen: dict[str, Any] = next(
        (h.row_data for h in history if h.row_data and h.row_data.get("version") == seen_version),
        {},
    )
    now: dict[str, Any] = (history[0].row_data or {}) if history else {}
    changes = {k: (seen.get(k), now.get(k)) for k in fields if seen.get(k) != now.get(k)}
    return ConflictError(changes, history[0].author if history else None)


def _bumped_version(session: Session, row: Any) -> int:
    session.flush()
    # The database trigger bumped the version; read it back.
    session.refresh(row, ["version"])
    return int(row.version)


def create_partnership(
    session: Session,
    actor: Actor,
    *,
    name: str,
    formed_on: dt.date | None = None,
    team_id: int | None = None,
    description: str | None = None,
    source: str | None = None,
    area_ids: Iterable[int] = (),
) -> PartnershipRef:
    """Record a new partnership, owned by ``team_id`` (editors: one of their teams)."""
    _require(session, actor, team_id)
    cleaned, errors = _clean(
        {"name": name, "formed_on": formed_on, "description": description, "source": source},
        PARTNERSHIP_FIELDS,
    )
    if not cleaned.get("name") and "name" not in errors:
        errors["name"] = "error.required"
    if errors:
        raise ValidationError(errors)
    _check_team(session, team_id)
    ids = _check_areas(session, area_ids)
    row = Partnership(**cleaned, team_id=team_id)
    session.add(row)
    session.flush()
    session.add_all(PartnershipArea(partnership_id=row.id, area_id=i) for i in ids)
    session.flush()
    return PartnershipRef(row.id, row.version or 1)


def update_partnership(
    session: Session, actor: Actor, ref: PartnershipRef, changes: Mapping[str, Any]
) -> PartnershipRef:
    """Rename a partnership or change its date, description, source or owning team."""
    row = _partnership(session, ref.id, lock=True)
    _require(session, actor, row.team_id)
    if "team_id" in changes:
        # Handing a partnership to another team needs rights in that team too.
        _require(session, actor, changes["team_id"])
        _check_team(session, changes["team_id"])
    if row.version != ref.version:
        raise _stale(session, "partnership", row, PARTNERSHIP_FIELDS, ref.version)
    cleaned, errors = _clean(changes, PARTNERSHIP_FIELDS)
    if "name" in cleaned and not cleaned["name"] and "name" not in errors:
        errors["name"] = "error.required"
    formed = cleaned.get("formed_on", row.formed_on)
    first_joined = session.scalar(
        select(func.min(PartnershipMember.joined_on)).where(
            PartnershipMember.partnership_id == row.id
        )
    )
    if formed is not None and first_joined is not None and first_joined < formed:
        errors.setdefault("formed_on", "partnership.formed_after_members")
    if errors:
        raise ValidationError(errors)
    for key, value in cleaned.items():
        setattr(row, key, value)
    return PartnershipRef(row.id, _bumped_version(session, row))


def set_areas(session: Session, actor: Actor, partnership_id: int, area_ids: Iterable[int]) -> None:
    """Replace the list of areas a partnership covers."""
    row = _partnership(session, partnership_id)
    _require(session, actor, row.team_id)
    ids = _check_areas(session, area_ids)
    session.execute(delete(PartnershipArea).where(PartnershipArea.partnership_id == row.id))
    session.add_all(PartnershipArea(partnership_id=row.id, area_id=i) for i in ids)
    session.flush()


def retire_partnership(session: Session, actor: Actor, ref: PartnershipRef) -> PartnershipRef:
    """Take a partnership off the lists (soft delete; history keeps it)."""
    row = _partnership(session, ref.id, lock=True)
    _require(session, actor, row.team_id)
    if row.version != ref.version:
        raise _stale(session, "partnership", row, PARTNERSHIP_FIELDS, ref.version)
    row.retired_at = session.scalar(select(func.now()))
    return PartnershipRef(row.id, _bumped_version(session, row))


def _check_member_dates(
    formed_on: dt.date | None, joined_on: dt.date | None, left_on: dt.date | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if formed_on is not None and joined_on is not None and joined_on < formed_on:
        errors["joined_on"] = "partnership.joined_before_formed"
    if left_on is not None and joined_on is not None and left_on < joined_on:
        errors["left_on"] = "partnership.left_before_joined"
    return errors


def add_member(
    session: Session,
    actor: Actor,
    partnership_id: int,
    partner_id: int,
    *,
    role: str | None = None,
    joined_on: dt.date | None = None,
) -> MemberRef:
    """Make a partner a member of a partnership, with its role and the date it joined."""
    row = _partnership(session, partnership_id)
    _require(session, actor, row.team_id)
    partner = pins.get_pin(session, actor, "partner", partner_id)
    if partner.retired_at is not None:
        raise NotFound("error.pin_not_found")
    cleaned, errors = _clean({"role": role, "joined_on": joined_on}, MEMBER_FIELDS)
    errors |= _check_member_dates(row.formed_on, cleaned.get("joined_on"), None)
    if errors:
        raise ValidationError(errors)
    exists = session.scalar(
        select(PartnershipMember.id).where(
            PartnershipMember.partnership_id == row.id,
            PartnershipMember.partner_id == partner.id,
        )
    )
    if exists is not None:
        raise UserError("partnership.already_member")
    member = PartnershipMember(partnership_id=row.id, partner_id=partner.id, **cleaned)
    session.add(member)
    session.flush()
    return MemberRef(member.id, member.version or 1)


def _member(
    session: Session, actor: Actor, ref: MemberRef
) -> tuple[PartnershipMember, Partnership]:
    member = session.get(PartnershipMember, ref.id, with_for_update=True)
    if member is None:
        raise NotFound("partnership.member_not_found")
    row = _partnership(session, member.partnership_id)
    _require(session, actor, row.team_id)
    # A member the actor may not see does not exist for them.
    pins.get_pin(session, actor, "partner", member.partner_id)
    if member.version != ref.version:
        raise _stale(session, "partnership_member", member, MEMBER_FIELDS, ref.version)
    return member, row


def update_member(
    session: Session, actor: Actor, ref: MemberRef, changes: Mapping[str, Any]
) -> MemberRef:
    """Change a member's role, the date it joined or the date it left."""
    member, row = _member(session, actor, ref)
    cleaned, errors = _clean(changes, MEMBER_FIELDS)
    joined = cleaned.get("joined_on", member.joined_on)
    left = cleaned.get("left_on", member.left_on)
    errors |= _check_member_dates(row.formed_on, joined, left)
    if errors:
        raise ValidationError(errors)
    for key, value in cleaned.items():
        setattr(member, key, value)
    return MemberRef(member.id, _bumped_version(session, member))


def end_membership(session: Session, actor: Actor, ref: MemberRef, left_on: dt.date) -> MemberRef:
    """Record that a member left the partnership on ``left_on`` (the row stays, as history)."""
    return update_member(session, actor, ref, {"left_on": left_on})


def remove_member(session: Session, actor: Actor, ref: MemberRef) -> None:
    """Delete a membership entered by mistake (history keeps the deleted row)."""
    member, _row = _member(session, actor, ref)
    session.delete(member)
    session.flush()


# --- reads ---------------------------------------------------------------------------


def _visible_partner_ids(session: Session, actor: Actor, partner_ids: Iterable[int]) -> set[int]:
    visible = set()
    for partner_id in set(partner_ids):
        try:
            row = pins.get_pin(session, actor, "partner", partner_id)
        except NotFound:
            continue
        if row.retired_at is None:
            visible.add(partner_id)
    return visible


def list_partnerships(
    session: Session, actor: Actor, city: str | None = None, team_id: int | None = None
) -> list[PartnershipSummary]:
    """Current partnerships, oldest first: of a team, of a city (by team or area) or all.

    Member counts include only members the actor may see and who have not left.
    """
    rows = session.execute(
        select(Partnership, Team.name, Team.city)
        .outerjoin(Team, Team.id == Partnership.team_id)
        .where(Partnership.retired_at.is_(None))
        .order_by(Partnership.formed_on.nulls_last(), Partnership.name)
    ).all()
    covered: dict[int, list[tuple[int, str]]] = {}
    for partnership_id, area_id, area_name in session.execute(
        select(PartnershipArea.partnership_id, Area.id, Area.name)
        .join(Area, Area.id == PartnershipArea.area_id)
        .where(Area.retired_at.is_(None))
        .order_by(Area.name)
    ):
        covered.setdefault(partnership_id, []).append((area_id, area_name))
    members: dict[int, list[int]] = {}
    for partnership_id, partner_id in session.execute(
        select(PartnershipMember.partnership_id, PartnershipMember.partner_id).where(
            PartnershipMember.left_on.is_(None)
        )
    ):
        members.setdefault(partnership_id, []).append(partner_id)
    visible = _visible_partner_ids(session, actor, (p for ps in members.values() for p in ps))
    city_areas: set[int] | None = None
    if city is not None:
        city_areas = {choice.id for choice in layers.area_choices(session, city)}
    summaries = []
    for partnership, team_name, team_city in rows:
        areas = covered.get(partnership.id, [])
        if team_id is not None and partnership.team_id != team_id:
            continue
        if city_areas is not None and team_city != city and not any(
            area_id in city_areas for area_id, _ in areas
        ):
            continue
        summaries.append(
            PartnershipSummary(
                id=partnership.id,
                version=partnership.version,
                name=partnership.name,
                formed_on=partnership.formed_on,
                team_id=partnership.team_id,
                team_name=team_name,
                area_names=tuple(name for _, name in areas),
                members=sum(1 for p in members.get(partnership.id, []) if p in visible),
            )
        )
    return summaries


def partnership_view(session: Session, actor: Actor, partnership_id: int) -> PartnershipView:
    """One partnership: its areas (with boundaries), members and their pins, for map and list."""
    row = _partnership(session, partnership_id)
    summary = next(
        (s for s in list_partnerships(session, actor) if s.id == partnership_id), None
    )
    if summary is None:
        raise NotFound("partnership.not_found")
    area_ids = sorted(
        session.scalars(
            select(PartnershipArea.area_id).where(PartnershipArea.partnership_id == row.id)
        )
    )
    all_areas = layers.areas(session)
    area_frame = all_areas[all_areas["id"].isin(area_ids)].reset_index(drop=True)
    member_rows = session.execute(
        select(PartnershipMember, Partner.name, Partner.sector)
        .join(Partner, Partner.id == PartnershipMember.partner_id)
        .where(PartnershipMember.partnership_id == row.id, Partner.retired_at.is_(None))
        .order_by(PartnershipMember.joined_on.nulls_last(), Partner.name)
    ).all()
    visible = _visible_partner_ids(session, actor, (m.partner_id for m, _, _ in member_rows))
    members = [
        Member(
            id=m.id, version=m.version, partner_id=m.partner_id, partner_name=name,
            sector=sector, role=m.role, joined_on=m.joined_on, left_on=m.left_on,
        )
        for m, name, sector in member_rows
        if m.partner_id in visible
    ]
    current = [m.partner_id for m in members if m.current]
    visibilities = ("public", "partnership", "team")
    partner_frame = layers.pins(session, "partner", None, visibilities)
    partner_frame = partner_frame[partner_frame["id"].isin(current)].reset_index(drop=True)
    return PartnershipView(
        summary=summary,
        description=row.description,
        source=row.source,
        area_ids=area_ids,
        areas=area_frame,
        partners=partner_frame,
        members=members,
        may_manage=actor.can_edit and may_manage(actor, row.team_id),
    )
