"""What every ``calmap`` command shares: one-line errors, the database engine, the CLI's actor.

Every failure the user can fix ends in one line on stderr that names what is
wrong and what is expected, and exit code 1.

Lazy imports: ``calmap --help``, ``calmap db url`` and ``calmap db status``
must answer at once, so the CLI modules import at their top only typer and the
light modules (``mapping.config``, ``mapping.db``, ``mapping.db.embedded_postgres``,
``mapping.errors``, ``mapping.i18n``); SQLAlchemy's ORM, the models, pandas,
geopandas, shapely and the rest are imported inside the commands that use them
(and under ``TYPE_CHECKING`` for the type hints). ``tests/test_cli_startup.py``
fails when a light command loads a heavy module again.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from mapping import config, db
from mapping.config import ConfigError
from mapping.db.embedded_postgres import ClusterError
from mapping.errors import SetupError, UserError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from mapping.services.accounts import Actor

T = TypeVar("T")
# The errors a user can fix, from modules every command loads. Two more come from
# modules the light commands never load: see raised_by.
USER_ERRORS = (ConfigError, ClusterError, db.DatabaseError, UserError)
LAZY_USER_ERRORS = (("mapping.catalog", "CatalogError"),)
CLI_ACTOR_NAME = "calmap-cli"


def __getattr__(name: str) -> Any:
    """``CLI_ACTOR``, made on first use: ``mapping.services.accounts`` loads the models."""
    if name == "CLI_ACTOR":
        return cli_actor()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def cli_actor() -> Actor:
    """Who the command line acts as: the database owner's rights, everything, like an admin.

    History records its name, ``calmap-cli``.
    """
    from mapping.services.accounts import Actor

    return Actor(id=0, username=CLI_ACTOR_NAME, role="admin")


def raised_by(exc: BaseException, module: str, name: str) -> bool:
    """Whether ``exc`` is a ``module.name`` (a class), without importing ``module``.

    An error class whose module was never imported cannot have been raised, so
    the light commands do not load the module just to compare.
    """
    found = sys.modules.get(module)
    return found is not None and isinstance(exc, getattr(found, name))


def is_user_error(exc: BaseException) -> bool:
    """Whether ``exc`` is one the user can fix (a setting, the database, a value given)."""
    return isinstance(exc, USER_ERRORS) or any(
        raised_by(exc, module, name) for module, name in LAZY_USER_ERRORS
    )


def language() -> str:
    """The language of the CLI's messages: CALMAP_LANGUAGE, Polish when unset or unusable."""
    try:
        return config.load().language
    except ConfigError:
        return "pl"


def setup_message(exc: BaseException, lang: str) -> str:
    """A set-up error (a setting, the data folder, the database server) in ``lang``.

    A ``reason`` that is an exception is named as the app names it (refused
    connection, no permission…), else by its first line; an error without a
    message key keeps its English text.
    """
    from mapping.i18n import reasons, t

    key = getattr(exc, "key", None)
    if key is None:
        found = reasons.known(exc) if isinstance(exc, ConfigError) else None
        return t(found.key, lang, **found.params) if found is not None else str(exc)
    params = dict(getattr(exc, "params", {}))
    for name, value in params.items():
        if isinstance(value, BaseException):
            params[name] = reasons.known(value) or _first_line(value)
    return t(key, lang, **params)


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's text (a driver's message runs on with details)."""
    orig = getattr(exc, "orig", None)
    return (str(orig or exc).strip().splitlines() or [""])[0]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``calmap: message`` on stderr and exit with ``code``."""
    typer.echo(f"calmap: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can fix into one line and exit code 1."""
    try:
        yield
    except Exception as exc:
        if isinstance(exc, SetupError):
            fail(setup_message(exc, language()))
        if is_user_error(exc):
            fail(str(exc))
        if raised_by(exc, "sqlalchemy.exc", "OperationalError"):
            # The server went away mid-command (a restart, a crash): the transaction
            # was rolled back, so nothing half-done is left; say so in one line.
            fail(setup_message(SetupError(str(exc), "setup.connection_lost",
                                          reason=_first_line(exc)), language()))
        raise


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
    from mapping.services import accounts

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


UserOption = Annotated[
    str | None, typer.Option("--user", help="act as this account (default: the owner, everything)")
]


@contextmanager
def acting(user: str | None) -> Iterator[tuple[Session, Actor]]:
    """One transaction as ``user`` under row-level security, or as the owner (no user)."""
    cfg = config.load()
    engine = ready_engine(cfg)
    try:
        if user:
            with as_user(cfg, engine, user) as acting_as:
                yield acting_as
        else:
            with db.session_scope(engine, app_user=cli_actor().username) as session:
                yield session, cli_actor()
    finally:
        engine.dispose()


def run_as(user: str | None, work: Callable[[Session, Actor], T]) -> T:
    """``work(session, actor)`` in one transaction as ``user`` (or as the owner, no user)."""
    with acting(user) as (session, actor):
        return work(session, actor)


def in_transaction(cfg: config.Config, work: Callable[[Session], T]) -> T:
    """Run ``work(session)`` in one transaction of the database in use, as the CLI."""
    engine = ready_engine(cfg)
    try:
        with db.session_scope(engine, app_user=CLI_ACTOR_NAME) as session:
            return work(session)
    finally:
        engine.dispose()


def team_id(session: Session, value: str | None) -> int | None:
    """A team given by its code (or its id)."""
    if not value:
        return None
    from sqlalchemy import select

    from mapping.db.models import Team

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
    from sqlalchemy import func, select

    from mapping.db.models import Area

    found = session.scalars(
        select(Area.id).where(
            func.lower(Area.name) == value.strip().lower(), Area.retired_at.is_(None)
        )
    ).all()
    if len(found) != 1:
        raise UserError("export.area_name", name=value, count=len(found))
    return found[0]
