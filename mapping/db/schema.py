"""Schema management through Alembic: upgrade a database to the newest revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from geoalchemy2 import alembic_helpers
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mapping.db import APP_ROLE, RUNTIME_ROLE, DatabaseError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class SchemaMissing(DatabaseError):
    """The database has never been upgraded: the app's tables are not there."""


def include_object(obj, name, type_, reflected, compare_to):
    """Tell Alembic which database objects are ours when comparing with the models."""
    # PostGIS ships its own tables (spatial_ref_sys, tiger, topology); they are not ours.
    if type_ == "table" and reflected and compare_to is None:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def alembic_config(connection: Connection | None = None, url: str | None = None) -> AlembicConfig:
    """An Alembic configuration pointing at our migrations and a connection or URL."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def ensure_postgis(conn: Connection) -> None:
    """Enable PostGIS in this database, or explain who must do it when we may not."""
    if conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first():
        return
    available = conn.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
    ).first()
    if not available:
        raise DatabaseError(
            "the database server has no PostGIS extension: install it on the server, "
            "e.g. 'apt-get install postgresql-15-postgis-3'"
        )
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION postgis"))
    except DBAPIError as exc:
        database = conn.execute(text("SELECT current_database()")).scalar_one()
        raise DatabaseError(
            f"PostGIS is not enabled in database '{database}' and this user may not enable it: "
            "ask the database administrator to run 'CREATE EXTENSION postgis' there"
        ) from exc


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` in one transaction (PostGIS enabled first)."""
    with engine.begin() as conn:
        ensure_postgis(conn)
        command.upgrade(alembic_config(connection=conn), revision)
        grant_runtime_role(conn)


def grant_runtime_role(conn: Connection) -> None:
    """Make the runtime login role a member of the app role, if it exists by now.

    The DBA of a shared server may create the role after the first upgrade;
    every upgrade (and ``calmap serve``) grants it again, which is idempotent.
    """
    conn.execute(
        text(
            f"""
            DO $$ BEGIN
                IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{RUNTIME_ROLE}')
                   AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                    GRANT {APP_ROLE} TO {RUNTIME_ROLE};
                END IF;
            END $$
            """
        )
    )


def require_schema(engine: Engine) -> None:
    """Raise SchemaMissing when `calmap db upgrade` has never run on this database."""
    if current_revision(engine) is None:
        raise SchemaMissing("the database has no calmap tables: run 'calmap db upgrade'")


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first upgrade."""
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT to_regclass('alembic_version')")).scalar_one()
        if exists is None:
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def store_session_key(conn: Connection | Session, key: bytes) -> None:
    """Make ``key`` the database's session key (owner only; CALMAP_SESSION_KEY on upgrade)."""
    conn.execute(
        text("UPDATE calmap_secret SET value = :key WHERE name = 'session_key'"), {"key": key}
    )
