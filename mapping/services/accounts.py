"""Local accounts: argon2-hashed passwords, roles and team membership.

Roles: ``admin`` (everything), ``editor`` (edits the areas of their own
teams), ``viewer`` (read-only; sees public and partnership pins, never
team-only ones). The same rules are enforced again by row-level security in
the database (migrations 0002 and 0006), so a page that forgets to check still
cannot write outside the user's team.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mapping.db import sessions
from mapping.db.models import ROLES, AppUser, Team, TeamMember
from mapping.errors import NotFound, UserError

LOCAL_ADMIN = "local-admin"
MIN_PASSWORD_LENGTH = 10
# '@' is allowed so that OpenID Connect users can be matched by their e-mail.
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Actor:
    """The person on whose behalf a service acts."""

    id: int
    username: str
    role: str
    team_ids: frozenset[int] = field(default_factory=frozenset)
    display_name: str | None = None

    @property
    def is_admin(self) -> bool:
        """True for administrators."""
        return self.role == "admin"

    @property
    def can_edit(self) -> bool:
        """True for roles that may change data at all."""
        return self.role in ("admin", "editor")

    def may_edit_team(self, team_id: int | None) -> bool:
        """Whether this actor may change data that belongs to ``team_id``."""
        if self.is_admin:
            return True
        return self.role == "editor" and team_id is not None and team_id in self.team_ids

    def visibilities(self) -> tuple[str, ...]:
        """The visibility levels this actor may see outside their own teams."""
        return ("public", "partnership", "team") if self.is_admin else ("public", "partnership")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def add_user(
    session: Session,
    username: str,
    password: str | None,
    role: str,
    team_codes: list[str] | None = None,
    display_name: str | None = None,
) -> Actor:
    """Create an account; ``password`` None makes an account that cannot sign in with one."""
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise UserError("account.bad_username")
    if role not in ROLES:
        raise UserError("account.bad_role", roles=", ".join(ROLES))
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("account.short_password", n=MIN_PASSWORD_LENGTH)
    if session.scalar(select(AppUser.id).where(AppUser.username == username)) is not None:
        raise UserError("account.exists", username=username)
    user = AppUser(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password) if password is not None else None,
        role=role,
    )
    session.add(user)
    session.flush()
    for code in team_codes or []:
        add_to_team(session, username, code)
    return actor_for(session, username)


def add_to_team(session: Session, username: str, team_code: str) -> None:
    """Make a user a member of a team."""
    user = _user(session, username)
    team_id = session.scalar(select(Team.id).where(Team.code == team_code))
    if team_id is None:
        raise UserError("account.unknown_team", team=team_code)
    exists = session.get(TeamMember, (team_id, user.id))
    if exists is None:
        session.add(TeamMember(team_id=team_id, user_id=user.id))
        session.flush()


def set_password(session: Session, username: str, password: str) -> None:
    """Replace a user's password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("account.short_password", n=MIN_PASSWORD_LENGTH)
    _user(session, username).password_hash = hash_password(password)
    session.flush()


def set_active(session: Session, username: str, active: bool) -> None:
    """Disable (or re-enable) an account; a disabled account cannot sign in or act."""
    _user(session, username).active = active
    session.flush()


def list_users(session: Session) -> list[tuple[AppUser, list[str]]]:
    """Every account with the codes of its teams, by username."""
    users = session.scalars(select(AppUser).order_by(AppUser.username)).all()
    teams = session.execute(
        select(TeamMember.user_id, Team.code).join(Team, Team.id == TeamMember.team_id)
    ).all()
    by_user: dict[int, list[str]] = {}
    for user_id, code in teams:
        by_user.setdefault(user_id, []).append(code)
    return [(user, sorted(by_user.get(user.id, []))) for user in users]


def actor_for(session: Session, username: str) -> Actor:
    """The actor of an active account."""
    user = _user(session, username)
    if not user.active:
        raise NotFound("account.unknown", username=username)
    actor = actor_by_id(session, user.id)
    assert actor is not None  # active, checked above
    return actor


def actor_by_id(session: Session, user_id: int) -> Actor | None:
    """The actor of the active account ``user_id``, or None."""
    user = session.get(AppUser, user_id)
    if user is None or not user.active:
        return None
    team_ids = session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user.id))
    return Actor(user.id, user.username, user.role, frozenset(team_ids), user.display_name)


def current_actor(session: Session) -> Actor | None:
    """The actor of the transaction's session, or None when it names no open session."""
    user_id = sessions.current_user_id(session)
    return actor_by_id(session, user_id) if user_id is not None else None


def ensure_local_admin(session: Session) -> None:
    """Create the single-user mode's administrator (no password) unless it exists.

    Needs the owner's rights; the app's runtime role cannot create accounts.
    """
    if session.scalar(select(AppUser.id).where(AppUser.username == LOCAL_ADMIN)) is None:
        session.add(AppUser(username=LOCAL_ADMIN, display_name="Local administrator", role="admin"))
        session.flush()


def remove_from_team(session: Session, username: str, team_code: str) -> None:
    """End a user's membership of a team."""
    user = _user(session, username)
    session.execute(
        delete(TeamMember).where(
            TeamMember.user_id == user.id,
            TeamMember.team_id == select(Team.id).where(Team.code == team_code).scalar_subquery(),
        )
    )


def _user(session: Session, username: str) -> AppUser:
    user = session.scalar(select(AppUser).where(AppUser.username == username.strip().lower()))
    if user is None:
        raise NotFound("account.unknown", username=username)
    return user
