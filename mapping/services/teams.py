"""District teams: create and rename them, their members, and which areas they own.

Only admins manage teams. Every function takes the caller's session (the
caller owns the transaction) and raises a ``UserError`` before anything is
written. The database enforces the same rule (migration 0006): only an
admin's session may write ``team``, ``team_member`` or give an area to a team.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mapping.db import set_app_user
from mapping.db.models import AppUser, Area, LayerHistory, Team, TeamMember
from mapping.errors import ConflictError, NotFound, PermissionDenied, UserError, ValidationError
from mapping.services import accounts, validation
from mapping.services.accounts import Actor

TEAM_FIELDS = ("code", "name", "city", "description", "source")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
MAX_LENGTH = {"name": 200, "city": 100, "description": 5000, "source": 2000}


@dataclass(frozen=True)
class TeamRef:
    """A team and the version the caller now holds."""

    id: int
    version: int


@dataclass(frozen=True)
class TeamSummary:
    """A team as the teams page lists it."""

    id: int
    version: int
    code: str
    name: str
    city: str | None
    description: str | None
    members: tuple[str, ...]
    area_ids: tuple[int, ...]


def _require_admin(session: Session, actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("team.admins_only")
    set_app_user(session, actor.username)


def _team(session: Session, team_id: int, lock: bool = False) -> Team:
    team = session.get(Team, team_id, with_for_update=lock)
    if team is None:
        raise NotFound("team.not_found")
    return team


def _clean(session: Session, values: Mapping[str, Any], team_id: int | None) -> dict[str, Any]:
    unknown = set(values) - set(TEAM_FIELDS)
    if unknown:
        raise UserError("error.unknown_fields", fields=", ".join(sorted(unknown)))
    errors: dict[str, str] = {}
    cleaned = validation.clean_text(dict(values), errors)
    for key, limit in MAX_LENGTH.items():
        value = cleaned.get(key)
        if isinstance(value, str) and len(value) > limit and key not in errors:
            errors[key] = "error.too_long"
    if "code" in cleaned and "code" not in errors:
        code = cleaned["code"] or ""
        if not _CODE.match(code):
            errors["code"] = "team.bad_code"
        else:
            taken = session.scalar(select(Team.id).where(func.lower(Team.code) == code.lower()))
            if taken is not None and taken != team_id:
                errors["code"] = "team.code_taken"
    if "name" in cleaned and not cleaned["name"] and "name" not in errors:
        errors["name"] = "error.required"
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_team(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    city: str | None = None,
    description: str | None = None,
) -> TeamRef:
    """Create a district team, e.g. code ``WRO-ZTPS-11`` named "ZTPS 11 – Psie Pole"."""
    _require_admin(session, actor)
    cleaned = _clean(
        session, {"code": code, "name": name, "city": city, "description": description}, None
    )
    team = Team(**cleaned)
    session.add(team)
    session.flush()
    return TeamRef(team.id, team.version or 1)


def update_team(
    session: Session, actor: Actor, ref: TeamRef, changes: Mapping[str, Any]
) -> TeamRef:
    """Rename a team (or change its code, city or description) if nobody changed it since."""
    _require_admin(session, actor)
    team = _team(session, ref.id, lock=True)
    if team.version != ref.version:
        latest = session.execute(
            select(LayerHistory.row_data, LayerHistory.app_user)
            .where(LayerHistory.table_name == "team", LayerHistory.row_id == team.id)
            .order_by(LayerHistory.id.desc())
            .limit(1)
        ).first()
        now = latest.row_data if latest else {}
        changes_seen = {k: (None, now.get(k)) for k in TEAM_FIELDS if k in now}
        raise ConflictError(changes_seen, latest.app_user if latest else None)
    cleaned = _clean(session, changes, team.id)
    for key, value in cleaned.items():
        setattr(team, key, value)
    session.flush()
    # The database trigger bumped the version; read it back.
    session.refresh(team, ["version"])
    return TeamRef(team.id, team.version)


def add_member(session: Session, actor: Actor, team_id: int, username: str) -> None:
    """Make an account a member of a team."""
    _require_admin(session, actor)
    team = _team(session, team_id)
    accounts.add_to_team(session, username, team.code)


def remove_member(session: Session, actor: Actor, team_id: int, username: str) -> None:
    """End an account's membership of a team."""
    _require_admin(session, actor)
    team = _team(session, team_id)
    accounts.remove_from_team(session, username, team.code)
    session.flush()


def assign_area(
    session: Session, actor: Actor, area_id: int, team_id: int | None, version: int | None = None
) -> int:
    """Give an area to a team (None: to no team); return the area's new version.

    With ``version`` the change is refused when someone changed the area since.
    """
    _require_admin(session, actor)
    area = session.get(Area, area_id, with_for_update=True)
    if area is None or area.retired_at is not None:
        raise NotFound("area.not_found")
    if team_id is not None:
        _team(session, team_id)
    if version is not None and area.version != version:
        raise ConflictError({"team_id": (None, area.team_id)}, None)
    area.team_id = team_id
    session.flush()
    session.refresh(area, ["version"])
    return int(area.version)


def list_teams(session: Session, city: str | None = None) -> list[TeamSummary]:
    """Every team (of ``city``: by its own city), with member usernames and owned areas."""
    query = select(Team).order_by(Team.name)
    if city is not None:
        query = query.where(Team.city == city)
    members: dict[int, list[str]] = {}
    for member_team, username in session.execute(
        select(TeamMember.team_id, AppUser.username)
        .join(AppUser, AppUser.id == TeamMember.user_id)
        .order_by(AppUser.username)
    ):
        members.setdefault(member_team, []).append(username)
    owned: dict[int, list[int]] = {}
    for owner, area_id in session.execute(
        select(Area.team_id, Area.id).where(Area.team_id.is_not(None), Area.retired_at.is_(None))
    ):
        if owner is not None:
            owned.setdefault(owner, []).append(area_id)
    return [
        TeamSummary(
            id=team.id,
            version=team.version,
            code=team.code,
            name=team.name,
            city=team.city,
            description=team.description,
            members=tuple(members.get(team.id, [])),
            area_ids=tuple(sorted(owned.get(team.id, []))),
        )
        for team in session.scalars(query)
    ]


def usernames(session: Session) -> list[str]:
    """Active accounts' usernames, for choosing a new team member."""
    return list(
        session.scalars(select(AppUser.username).where(AppUser.active).order_by(AppUser.username))
    )
