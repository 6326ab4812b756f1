"""What every ``calmap`` command shares: one-line errors, the database engine, the CLI's actor.

Every failure the user can fix ends in one line on stderr that names what is
wrong and what is expected, and exit code 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import typer
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from mapping import accounts, config, db
from mapping.accounts import Actor
from mapping.catalog import CatalogError
from mapping.cluster import ClusterError
from mapping.config import ConfigError
from mapping.errors import UserError
from mapping.models import Area, Team

T = TypeVar("T")
USER_ERRORS = (ConfigError, ClusterError, db.DatabaseError, CatalogError, UserError)
# The command line acts with the database owner's rights: everything, like an admin.
# History records this name.
CLI_ACTOR = Actor(id=0, username="calmap-cli", role="admin")


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``calmap: message`` on stderr and exit with ``code``."""
    typer.echo(f"calmap: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can fix into one line and exit code 1."""
    try:
        yield
    except USER_ERRORS as exc:
        fail(str(exc))
    except OperationalError as exc:
        # The server went away mid-command (a restart, a crash): the transaction
        # was rolled back, so nothing half-done is left; say so in one line.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        fail(
            f"the database connection was lost ({reason}); "
            "its unfinished transaction was rolled back"
        )


def ready_engine(cfg: config.Config, start: bool = True) -> Engine:
    """An engine on the database in use as its owner, starting the embedded cluster if asked."""
    if start:
        db.ensure_running(cfg)
    engine = db.make_engine(db.owner_url(cfg))
    db.check_connection(engine)
    return engine


@contextmanager
def as_user(cfg: config.Config, owner: Engine, username: str) -> Iterator[tuple[Session, Actor]]:
    """One transaction as ``username`` through the runtime role, under row-level security.

    The owner opens a session for the account; the work itself runs on the
    app's own connection (CALMAP_DATABASE_URL or the embedded runtime role), so
    the database applies that account's rules and nothing more.
    """
    with db.session_scope(owner) as session:
        actor = accounts.actor_for(session, username)
        token = db.open_session_as_owner(session, actor.username)
    runtime = db.make_engine(db.database_url(cfg))
    try:
        with db.acting_for(token), db.session_scope(
            runtime, actor.username, restricted=True
        ) as session:
            yield session, actor
    finally:
        runtime.dispose()


def in_transaction(cfg: config.Config, work: Callable[[Session], T]) -> T:
    """Run ``work(session)`` in one transaction of the database in use, as the CLI."""
    engine = ready_engine(cfg)
    try:
        with db.session_scope(engine, app_user=CLI_ACTOR.username) as session:
            return work(session)
    finally:
        engine.dispose()


def team_id(session: Session, value: str | None) -> int | None:
    """A team given by its code (or its id)."""
    if not value:
        return None
    team = session.scalar(select(Team.id).where(Team.code == value))
    if team is None and value.isdigit():
        team = session.scalar(select(Team.id).where(Team.id == int(value)))
    if team is None:
        raise UserError("account.unknown_team", team=value)
    return team


def area_id(session: Session, value: str | None) -> int | None:
    """An area given by its id, or by a name that only one current area has."""
    if not value:
        return None
    if value.isdigit():
        return int(value)
    found = session.scalars(
        select(Area.id).where(
            func.lower(Area.name) == value.strip().lower(), Area.retired_at.is_(None)
        )
    ).all()
    if len(found) != 1:
        raise UserError("export.area_name", name=value, count=len(found))
    return found[0]
