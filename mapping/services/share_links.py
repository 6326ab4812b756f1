"""Read-only share links: a city's, team's, partnership's or area's public map, no account.

An admin, or an editor of the team that owns the scope, makes a link
(``create``); the token is shown once and the database keeps only its SHA-256.
Opening the link (``open_link``) is the database's work
(``calmap_open_share_link``, migration 0007_share_links): it refuses unknown,
revoked and expired links, throttles wrong PINs, logs every attempt and opens a
*share session*, which the policies treat as a viewer with no team that sees
public pins only and writes nothing. The pages act for that session like for a
signed-in one (``db.acting_for(token)``); the reads here then narrow the map to
the link's scope, which they take from the session itself
(``current_scope``), never from the caller.

The Python checks give friendly messages; row-level security is what holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, insert, literal, select, text, update
from sqlalchemy.orm import Session, aliased

from mapping import db
from mapping.db.models import (
    SHARE_SCOPES,
    AppUser,
    Area,
    Partnership,
    PartnershipArea,
    ShareLink,
    Team,
)
from mapping.errors import NotFound, PermissionDenied, UserError
from mapping.services.accounts import Actor

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from mapping.services.layers import Overview

DEFAULT_DAYS = 30
MAX_DAYS = 365
# 32 random bytes: 256 bits, URL-safe text of 43 characters.
TOKEN_BYTES = 32
MIN_PIN, MAX_PIN = 4, 32
# A share session lasts a meeting; opening the link again gives a new one.
SESSION_MINUTES = 480
# The query parameter of the app's address that carries the token.
URL_PARAMETER = "share"
# What a share session may see of the pins (the database allows nothing more).
PUBLIC = ("public",)
_MAX_DEPTH = 32

# The database's outcome of an opening → the message the person is shown.
REFUSALS = {
    "unknown": "share.unknown",
    "expired": "share.expired",
    "revoked": "share.revoked",
    "pin_needed": "share.pin_needed",
    "wrong_pin": "share.wrong_pin",
    "throttled": "share.throttled",
}


@dataclass(frozen=True)
class Scope:
    """What a link shows: a city by name, or a team, partnership or area by id."""

    kind: str
    id: int | None = None
    city: str | None = None

    def __post_init__(self) -> None:
        """Refuse a scope that names the wrong thing (a city needs a name, the rest an id)."""
        if self.kind == "city":
            named = bool(self.city) and self.id is None
        else:
            named = self.id is not None and self.city is None
        if self.kind not in SHARE_SCOPES or not named:
            raise UserError("share.bad_scope", kinds=", ".join(SHARE_SCOPES))


@dataclass(frozen=True)
class LinkInfo:
    """A share link as the list shows it (never its token or PIN)."""

    id: int
    scope: Scope
    scope_name: str | None
    label: str | None
    has_pin: bool
    created_by: str | None
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def status(self, now: dt.datetime | None = None) -> str:
        """``revoked``, ``expired`` or ``active``."""
        if self.revoked_at is not None:
            return "revoked"
        now = now or dt.datetime.now(dt.UTC)
        return "expired" if self.expires_at <= now else "active"


@dataclass(frozen=True)
class CreatedLink:
    """A new link and its token: the only time anyone sees the token."""

    link: LinkInfo
    token: str


@dataclass(frozen=True)
class OpenedLink:
    """An opened link: the share session's token and what it shows."""

    session_token: str
    link_id: int
    scope: Scope
    label: str | None
    expires_at: dt.datetime


@dataclass(frozen=True)
class Attempt:
    """What the database answered to one opening (``opened`` or why not)."""

    outcome: str
    retry_after: int = 0
    opened: OpenedLink | None = None


def token_hash(token: str) -> bytes:
    """The SHA-256 the database keeps of a token.

    >>> token_hash("abc").hex()[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(token.encode("utf-8")).digest()


def link_url(public_url: str, token: str) -> str:
    """The address to send: the app's public address with the token.

    >>> link_url("https://mapa.example.pl/", "tok")
    'https://mapa.example.pl/?share=tok'
    """
    return f"{public_url.rstrip('/')}/?{URL_PARAMETER}={token}"


def may_share(session: Session, actor: Actor, scope: Scope) -> bool:
    """Whether ``actor`` may make (and list, and revoke) links to ``scope``.

    Admins everything; an editor their teams, the areas of their teams and those
    inside them, and the partnerships their teams run; a city only an admin.
    """
    if actor.is_admin:
        return True
    if actor.role != "editor" or not actor.team_ids:
        return False
    if scope.kind == "team":
        return scope.id in actor.team_ids
    if scope.kind == "partnership":
        owner = session.scalar(select(Partnership.team_id).where(Partnership.id == scope.id))
        return owner in actor.team_ids
    if scope.kind == "area":
        return bool(_area_chain_teams(session, scope.id) & actor.team_ids)
    return False


def _area_chain_teams(session: Session, area_id: int | None) -> set[int]:
    """The teams owning the area or an area it lies in."""
    teams: set[int] = set()
    current = area_id
    for _ in range(_MAX_DEPTH):
        row = session.execute(
            select(Area.parent_id, Area.team_id).where(Area.id == current)
        ).first()
        if row is None:
            break
        if row.team_id is not None:
            teams.add(row.team_id)
        if row.parent_id is None:
            break
        current = row.parent_id
    return teams


def scope_name(session: Session, scope: Scope) -> str | None:
    """The name of what the scope shows, or None when it is gone (or was never there)."""
    if scope.kind == "city":
        from mapping.services import layers

        return scope.city if scope.city in layers.cities(session) else None
    if scope.kind == "team":
        return session.scalar(select(Team.name).where(Team.id == scope.id))
    if scope.kind == "partnership":
        return session.scalar(
            select(Partnership.name).where(
                Partnership.id == scope.id, Partnership.retired_at.is_(None)
            )
        )
    return session.scalar(
        select(Area.name).where(Area.id == scope.id, Area.retired_at.is_(None))
    )


def create(
    session: Session,
    actor: Actor,
    scope: Scope,
    expires_in_days: int = DEFAULT_DAYS,
    pin: str | None = None,
    label: str | None = None,
) -> CreatedLink:
    """Make a link to ``scope`` valid for ``expires_in_days`` (1–365), with an optional PIN."""
    if not may_share(session, actor, scope):
        raise PermissionDenied("share.not_allowed")
    if not 1 <= expires_in_days <= MAX_DAYS:
        raise UserError("share.bad_expiry", max=MAX_DAYS)
    pin = (pin or "").strip() or None
    if pin is not None and not MIN_PIN <= len(pin) <= MAX_PIN:
        raise UserError("share.bad_pin", min=MIN_PIN, max=MAX_PIN)
    name = scope_name(session, scope)
    if name is None:
        raise NotFound("share.unknown_scope", kind=scope.kind, scope=scope.city or scope.id)
    label = (label or "").strip()[:200] or None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    # bcrypt in the database (pgcrypto), which alone compares it when the link is opened.
    pin_hash = func.crypt(pin, func.gen_salt("bf", 8)) if pin is not None else None
    link_id = session.execute(
        insert(ShareLink)
        .values(
            token_hash=token_hash(token),
            scope_kind=scope.kind,
            scope_id=scope.id,
            scope_city=scope.city,
            label=label,
            pin_hash=pin_hash,
            expires_at=func.now() + func.make_interval(0, 0, 0, expires_in_days),
        )
        .returning(ShareLink.id)
    ).scalar_one()
    return CreatedLink(_info(session, link_id), token)


def _rows(session: Session, link_id: int | None = None) -> list[LinkInfo]:
    creator = aliased(AppUser)
    stmt = (
        select(
            ShareLink.id, ShareLink.scope_kind, ShareLink.scope_id, ShareLink.scope_city,
            ShareLink.label, ShareLink.has_pin,
            func.coalesce(creator.display_name, creator.username).label("creator"),
            ShareLink.created_at, ShareLink.expires_at, ShareLink.last_used_at,
            ShareLink.revoked_at,
        )
        .outerjoin(creator, creator.id == ShareLink.created_by)
        .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
    )
    if link_id is not None:
        stmt = stmt.where(ShareLink.id == link_id)
    found = []
    for row in session.execute(stmt):
        scope = Scope(row.scope_kind, row.scope_id, row.scope_city)
        found.append(
            LinkInfo(
                row.id, scope, scope_name(session, scope), row.label, row.has_pin, row.creator,
                row.created_at, row.expires_at, row.last_used_at, row.revoked_at,
            )
        )
    return found


def _info(session: Session, link_id: int) -> LinkInfo:
    found = _rows(session, link_id)
    if not found:
        raise NotFound("share.unknown_link", id=link_id)
    return found[0]


def list_links(session: Session, actor: Actor) -> list[LinkInfo]:
    """The links ``actor`` manages, newest first: scope, creator, expiry, last use, revoked."""
    if not actor.can_edit:
        raise PermissionDenied("share.not_allowed")
    return [link for link in _rows(session) if may_share(session, actor, link.scope)]


def revoke(session: Session, actor: Actor, link_id: int) -> LinkInfo:
    """Revoke a link for good: it and every session opened with it stop at once."""
    if not actor.can_edit:
        raise PermissionDenied("share.not_allowed")
    link = _info(session, link_id)
    if not may_share(session, actor, link.scope):
        raise PermissionDenied("share.not_allowed")
    if link.revoked_at is not None:
        raise UserError("share.already_revoked", id=link_id)
    changed = session.execute(
        update(ShareLink)
        .where(ShareLink.id == link_id, ShareLink.revoked_at.is_(None))
        .values(revoked_at=func.clock_timestamp(), revoked_by=func.calmap_user_id())
        .returning(ShareLink.id)
    ).scalar_one_or_none()
    if changed is None:
        raise PermissionDenied("share.not_allowed")
    return _info(session, link_id)


def attempt(
    session: Session, token: str, pin: str | None, client: str, minutes: int = SESSION_MINUTES
) -> Attempt:
    """Ask the database to open a link; the caller commits, so the attempt stays logged.

    Use ``open_link`` unless this is already inside a transaction that commits
    whatever the outcome.
    """
    row = session.execute(
        text(
            "SELECT outcome, token, retry_after, link_id, scope_kind, scope_id, scope_city, "
            "label, expires_at FROM calmap_open_share_link(:token, :pin, :client, :minutes)"
        ),
        {"token": token or "", "pin": pin or None, "client": client, "minutes": minutes},
    ).one()
    if row.outcome != "opened":
        return Attempt(row.outcome, row.retry_after or 0)
    opened = OpenedLink(
        row.token, row.link_id, Scope(row.scope_kind, row.scope_id, row.scope_city),
        row.label, row.expires_at,
    )
    return Attempt(row.outcome, 0, opened)


def open_link(
    engine: Engine, token: str, pin: str | None, client: str, minutes: int = SESSION_MINUTES
) -> OpenedLink:
    """Open a link in a transaction of its own; a UserError says why not.

    The one service that commits by itself: a refused attempt must stay in the
    log (it is what throttles the next guess), and a caller's rollback on the
    error would erase it.
    """
    # Nobody's session: opening a link is the same for a signed-in person.
    with db.acting_for(None), Session(engine) as session, session.begin():
        result = attempt(session, token, pin, client, minutes)
    if result.opened is None:
        raise UserError(REFUSALS[result.outcome], seconds=result.retry_after)
    return result.opened


def current_scope(session: Session) -> Scope | None:
    """The scope of the transaction's share session; None without one, or once it is over."""
    row = session.execute(
        text("SELECT scope_kind, scope_id, scope_city FROM calmap_share_scope()")
    ).first()
    return Scope(row.scope_kind, row.scope_id, row.scope_city) if row is not None else None


def keep_open(session: Session, minutes: int = SESSION_MINUTES) -> Scope | None:
    """Keep the transaction's share session open ``minutes`` more; its scope, or None if over.

    Never past the link's expiry; a revoked or expired link ends it at once.
    """
    if session.scalar(text("SELECT calmap_touch_share_session(:m)"), {"m": minutes}) is None:
        return None
    return current_scope(session)


def _require_scope(session: Session) -> Scope:
    scope = current_scope(session)
    if scope is None:
        raise UserError("share.session_over")
    return scope


def scope_area_ids(session: Session, scope: Scope) -> list[int]:
    """The current areas ``scope`` covers, and those inside them, in id order.

    A city's are those ``layers.areas`` gives for it; a team's those it owns
    and the areas inside them; a partnership's the areas it covers and those
    inside them. A scope that is gone covers nothing.
    """
    if scope.kind == "city":
        from mapping.services import layers

        return sorted(choice.id for choice in layers.area_choices(session, city=scope.city))
    roots: Select[Any]
    if scope.kind == "team":
        roots = select(Area.id).where(Area.team_id == scope.id)
    elif scope.kind == "partnership":
        roots = (
            select(PartnershipArea.area_id)
            .join(Partnership, Partnership.id == PartnershipArea.partnership_id)
            .where(Partnership.id == scope.id, Partnership.retired_at.is_(None))
        )
    else:
        roots = select(Area.id).where(Area.id == scope.id)
    below = (
        select(Area.id, literal(0).label("depth"))
        .where(Area.id.in_(roots), Area.retired_at.is_(None))
        .cte("below", recursive=True)
    )
    child = aliased(Area)
    # UNION, not UNION ALL, and a depth limit: a parent loop in the data must not hang us.
    below = below.union(
        select(child.id, below.c.depth + 1)
        .join(below, child.parent_id == below.c.id)
        .where(child.retired_at.is_(None), below.c.depth < _MAX_DEPTH)
    )
    return list(session.scalars(select(below.c.id).distinct().order_by(below.c.id)))


def shared_area_ids(session: Session) -> list[int]:
    """The areas the transaction's share session may show (its link's scope)."""
    return scope_area_ids(session, _require_scope(session))


def shared_overview(session: Session) -> Overview:
    """The map of the transaction's share session: its scope's areas and public pins.

    The scope comes from the session, so a page cannot show another scope by
    mistake; the database withholds every pin that is not public anyway.
    """
    from mapping import catalog
    from mapping.services import layers

    ids = shared_area_ids(session)
    areas = layers.areas(session)
    areas = areas[areas["id"].isin(ids)].reset_index(drop=True)
    pins = {layer: layers.pins(session, layer, ids, PUBLIC) for layer in layers.LAYERS}
    return layers.Overview(
        areas=areas, pins=pins, catalogue=catalog.entries(session), pin_area_ids=ids
    )
