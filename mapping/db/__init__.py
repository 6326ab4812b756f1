"""Engine and sessions: the one place that knows which database is in use.

With ``CALMAP_DATABASE_URL`` set the app talks to that server; otherwise it
uses (and, when asked, starts) the embedded cluster under ``CALMAP_DATA_DIR``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from mapping import config as config_module
from mapping.db.embedded_postgres import Cluster
from mapping.errors import SetupError

# SQLAlchemy is imported by the functions that use it: `calmap db url`, `db status`
# and the other commands that only need to know which database is in use never
# load it (it takes longer to import than those commands take to run).
if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine
    from sqlalchemy.orm import Session

# Labels history written by the owner (CLI, QGIS); never an identity for the policies.
APP_USER_SETTING = "calmap.app_user"
# The token of the signed-in session: the policies find the acting user by it.
SESSION_SETTING = "calmap.session"
# Signed-in users' transactions run as this role, so row-level security applies.
APP_ROLE = "calmap_app"
# The login role the app connects as: a member of APP_ROLE and of nothing else.
RUNTIME_ROLE = "calmap_runtime"
# How long a session the owner opens for a user (the CLI's --user, tests) lasts.
OWNER_SESSION_MINUTES = 720

# The session token of the person the current thread acts for (a Streamlit
# script run sets it after sign-in); every transaction on our engines names it.
_UNSET: Any = object()  # "this thread was not told", as opposed to None, "act for nobody"
_session_token: ContextVar[str | None] = ContextVar("calmap_session_token", default=_UNSET)
# Where the token comes from when this thread has not been told (see set_token_provider).
_token_provider: Callable[[], str | None] | None = None
_owner_engines: dict[str, bool] = {}


class DatabaseError(SetupError, RuntimeError):
    """The database cannot be reached or is not usable; the message says what to do."""


def cluster_for(config: config_module.Config) -> Cluster:
    """The embedded cluster that belongs to this configuration."""
    return Cluster(config.data_dir)


def database_url(config: config_module.Config) -> str:
    """SQLAlchemy URL the app connects with: the runtime role (shared server or embedded)."""
    if config.database_url is not None:
        return config.database_url
    return cluster_for(config).runtime_url()


def owner_url(config: config_module.Config) -> str:
    """SQLAlchemy URL of the schema's owner: migrations, the demo, accounts, imports, backups."""
    if config.owner_database_url is not None:
        return config.owner_database_url
    if config.database_url is not None:
        return config.database_url
    return cluster_for(config).url()


def has_owner(config: config_module.Config) -> bool:
    """Whether this configuration names the owner (embedded, or CALMAP_OWNER_DATABASE_URL)."""
    return config.embedded or config.owner_database_url is not None


def session_key(config: config_module.Config) -> bytes:
    """The database's session key: from CALMAP_SESSION_KEY, else read with the owner's rights."""
    if config.session_key:
        return config.session_key
    if not has_owner(config):
        raise DatabaseError(
            "CALMAP_SESSION_KEY: not set; expected the key `calmap db session-key` prints "
            "(or CALMAP_OWNER_DATABASE_URL)",
            "setup.no_session_key",
        )
    # A short-lived engine: the app keeps no owner's connection open.
    owner = make_engine(owner_url(config))
    try:
        return read_session_key(owner)
    finally:
        owner.dispose()


def read_session_key(engine: Engine) -> bytes:
    """The session key kept in the database (owner only)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        value = conn.execute(
            text("SELECT value FROM calmap_secret WHERE name = 'session_key'")
        ).scalar_one()
    return bytes(value)


def ensure_running(config: config_module.Config) -> None:
    """Start the embedded cluster if this configuration uses it and it is not up yet."""
    if config.embedded:
        config_module.ensure_writable_data_dir(config)
        cluster_for(config).start(already_running_ok=True)


def make_engine(url: str, **kwargs: object) -> Engine:
    """Create an engine; pool_pre_ping because the embedded server may be restarted.

    Every transaction begins by naming the current session token (if any), so
    plain reads run as the signed-in user without each caller remembering to.
    """
    from sqlalchemy import create_engine, event

    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    event.listen(engine, "begin", _name_session)
    return engine


def _name_session(conn: Connection) -> None:
    token = session_token()
    if token:
        conn.exec_driver_sql(
            f"SELECT set_config('{SESSION_SETTING}', %s, true)", (token,)
        )


def set_session_token(token: str | None) -> None:
    """Act for the session ``token`` in this thread from now on (None: for nobody)."""
    _session_token.set(token)


def session_token() -> str | None:
    """The session token this thread acts for, if any.

    Unless ``set_session_token``/``acting_for`` said otherwise in this thread,
    the provider answers: Streamlit runs widget callbacks before the page's
    own code, so the web app provides the token from the browser session.
    """
    token = _session_token.get()
    if token is _UNSET:
        return _token_provider() if _token_provider is not None else None
    return token or None


def set_token_provider(provider: Callable[[], str | None] | None) -> None:
    """Where a thread that was not told finds its session token (the web app's session)."""
    global _token_provider  # noqa: PLW0603 - one provider per process, set at import
    _token_provider = provider


@contextmanager
def acting_for(token: str | None) -> Iterator[None]:
    """Act for the session ``token`` inside the block, then as before."""
    reset = _session_token.set(token)
    try:
        yield
    finally:
        _session_token.reset(reset)


@lru_cache(maxsize=8)
def engine_for_url(url: str) -> Engine:
    """One shared engine per URL for the lifetime of the process."""
    return make_engine(url)


def check_connection(engine: Engine) -> None:
    """Connect once and check PostGIS is there; raise DatabaseError with a clear message."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    try:
        with engine.connect() as conn:
            has_postgis = conn.execute(
                text("SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")
            ).scalar_one()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(
            f"CALMAP_DATABASE_URL: cannot connect to {engine.url.render_as_string()} ({reason})",
            "setup.cannot_connect", url=engine.url.render_as_string(), reason=exc,
        ) from exc
    if not has_postgis:
        raise DatabaseError(
            "the database server has no PostGIS extension: install it on the server, "
            "e.g. 'apt-get install postgresql-15-postgis-3'",
            "setup.no_postgis",
        )


def check_runtime_role(engine: Engine) -> None:
    """Refuse a login role that could step around row-level security (the app's own URL)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT r.rolname, r.rolsuper, r.rolbypassrls, "
                "EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid "
                "AND c.relnamespace = 'public'::regnamespace) AS owns "
                "FROM pg_roles r WHERE r.rolname = session_user"
            )
        ).one()
    reason = (
        "is a superuser" if row.rolsuper
        else "bypasses row-level security" if row.rolbypassrls
        else "owns the tables" if row.owns
        else None
    )
    if reason:
        raise DatabaseError(
            f"CALMAP_DATABASE_URL: the app connects as '{row.rolname}', which {reason}; "
            f"expected the runtime role ('{RUNTIME_ROLE}', see the README's security section)"
        )


def set_app_user(conn: Connection | Session, username: str | None) -> None:
    """Record ``username`` as the acting app user for the rest of this transaction."""
    from sqlalchemy import text

    conn.execute(
        text("SELECT set_config(:name, :value, true)"),
        {"name": APP_USER_SETTING, "value": username or ""},
    )


def is_owner(conn: Connection | Session) -> bool:
    """Whether this connection logs in as the schema's owner (may open sessions for users)."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    bind = conn.get_bind() if isinstance(conn, Session) else conn
    key = bind.engine.url.render_as_string(hide_password=False)
    if key not in _owner_engines:
        _owner_engines[key] = bool(
            conn.execute(
                text(
                    "SELECT has_function_privilege(session_user, "
                    "'calmap_session_for(text, integer)', 'EXECUTE')"
                )
            ).scalar()
        )
    return _owner_engines[key]


def open_session_as_owner(conn: Connection | Session, username: str) -> str | None:
    """A new session token for ``username``, opened with the owner's rights (CLI, tests)."""
    from sqlalchemy import text

    conn.execute(text("RESET ROLE"))
    return conn.execute(
        text("SELECT calmap_session_for(:username, :minutes)"),
        {"username": username, "minutes": OWNER_SESSION_MINUTES},
    ).scalar()


def use_session(conn: Connection | Session, token: str | None) -> None:
    """Name ``token`` as this transaction's session (the policies read it)."""
    from sqlalchemy import text

    conn.execute(
        text("SELECT set_config(:name, :value, true)"),
        {"name": SESSION_SETTING, "value": token or ""},
    )


def restrict_to_app_role(conn: Connection | Session, username: str) -> None:
    """Run the rest of this transaction as ``username`` under row-level security.

    On an owner's connection a session is opened for ``username``; on the
    runtime role's connection the thread's own session token is used, whatever
    ``username`` says: the runtime role cannot choose whom it acts for.
    """
    from sqlalchemy import event, text
    from sqlalchemy.orm import Session

    if not is_owner(conn):
        # The runtime role is calmap_app already and history names the session's
        # user; all that may be missing is the token, on an engine of someone
        # else's making (ours name it when the transaction begins).
        bind = conn.get_bind() if isinstance(conn, Session) else conn
        if not event.contains(bind.engine, "begin", _name_session):
            use_session(conn, session_token())
        return
    token = open_session_as_owner(conn, username)
    conn.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
    use_session(conn, token)
    set_app_user(conn, username)


@contextmanager
def session_scope(
    engine: Engine, app_user: str | None = None, *, restricted: bool = False
) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back when it raises.

    ``restricted`` runs it as the signed-in ``app_user`` under row-level
    security; unrestricted sessions (CLI, demo loader) only label history.
    """
    from sqlalchemy.orm import sessionmaker

    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as session, session.begin():
        if restricted:
            if not app_user:
                raise ValueError("a restricted session needs the signed-in user")
            restrict_to_app_role(session, app_user)
        elif app_user:
            set_app_user(session, app_user)
        yield session
