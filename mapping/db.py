"""Engine and sessions: the one place that knows which database is in use.

With ``CALMAP_DATABASE_URL`` set the app talks to that server; otherwise it
uses (and, when asked, starts) the embedded cluster under ``CALMAP_DATA_DIR``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mapping import config as config_module
from mapping.cluster import Cluster

# The database trigger reads this setting to record who made a change.
APP_USER_SETTING = "calmap.app_user"
# Signed-in users' transactions run as this role, so row-level security applies.
APP_ROLE = "calmap_app"


class DatabaseError(RuntimeError):
    """The database cannot be reached or is not usable; the message says what to do."""


def cluster_for(config: config_module.Config) -> Cluster:
    """The embedded cluster that belongs to this configuration."""
    return Cluster(config.data_dir)


def database_url(config: config_module.Config) -> str:
    """SQLAlchemy URL of the database in use (shared server or embedded cluster)."""
    if config.database_url is not None:
        return config.database_url
    return cluster_for(config).url()


def ensure_running(config: config_module.Config) -> None:
    """Start the embedded cluster if this configuration uses it and it is not up yet."""
    if config.embedded:
        config_module.ensure_writable_data_dir(config)
        cluster_for(config).start(already_running_ok=True)


def make_engine(url: str, **kwargs: object) -> Engine:
    """Create an engine; pool_pre_ping because the embedded server may be restarted."""
    return create_engine(url, pool_pre_ping=True, **kwargs)


@lru_cache(maxsize=8)
def engine_for_url(url: str) -> Engine:
    """One shared engine per URL for the lifetime of the process."""
    return make_engine(url)


def check_connection(engine: Engine) -> None:
    """Connect once and check PostGIS is there; raise DatabaseError with a clear message."""
    try:
        with engine.connect() as conn:
            has_postgis = conn.execute(
                text("SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")
            ).scalar_one()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(
            f"CALMAP_DATABASE_URL: cannot connect to {engine.url.render_as_string()} ({reason})"
        ) from exc
    if not has_postgis:
        raise DatabaseError(
            "the database server has no PostGIS extension: install it on the server, "
            "e.g. 'apt-get install postgresql-15-postgis-3'"
        )


def set_app_user(conn: Connection | Session, username: str | None) -> None:
    """Record ``username`` as the acting app user for the rest of this transaction."""
    conn.execute(
        text("SELECT set_config(:name, :value, true)"),
        {"name": APP_USER_SETTING, "value": username or ""},
    )


def restrict_to_app_role(conn: Connection | Session, username: str) -> None:
    """Run the rest of this transaction as ``username`` under row-level security."""
    conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
    set_app_user(conn, username)


@contextmanager
def session_scope(
    engine: Engine, app_user: str | None = None, *, restricted: bool = False
) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back when it raises.

    ``restricted`` runs it as the signed-in ``app_user`` under row-level
    security; unrestricted sessions (CLI, demo loader) only label history.
    """
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as session, session.begin():
        if restricted:
            if not app_user:
                raise ValueError("a restricted session needs the signed-in user")
            restrict_to_app_role(session, app_user)
        elif app_user:
            set_app_user(session, app_user)
        yield session
