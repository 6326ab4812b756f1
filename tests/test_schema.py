"""The schema: Alembic creates the layers QGIS opens, and the database keeps history."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from mapping.db import schema, set_app_user
from mapping.db.models import HISTORY_TABLES, Base

HEAD = ScriptDirectory.from_config(schema.alembic_config()).get_current_head()
LAYERS = {"area": "MULTIPOLYGON", "resource": "POINT", "partner": "POINT", "need": "POINT",
          # The walking street network (0009_streets).
          "street_edge": "LINESTRING", "street_vertex": "POINT",
          # The population layer's points (0011_population).
          "population_point": "POINT"}


def test_models_and_migrations_do_not_drift(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": schema.include_object, "compare_type": True}
        )
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_on_an_empty_postgis_database_creates_every_layer_in_epsg_4326(admin_url):
    from tests.conftest import _create_database, _drop_database

    url = _create_database(admin_url, "calmap_test_empty_upgrade")
    engine = create_engine(url)
    try:
        assert schema.current_revision(engine) is None
        schema.upgrade(engine)
        assert schema.current_revision(engine) == HEAD
        with engine.connect() as conn:
            columns = dict(
                conn.execute(
                    text("SELECT f_table_name, type FROM geometry_columns WHERE srid = 4326")
                ).all()
            )
            gist = {
                row.tablename
                for row in conn.execute(
                    text(
                        "SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%USING gist (geom)%'"
                    )
                )
            }
            tables = set(
                conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                ).scalars()
            )
    finally:
        engine.dispose()
        _drop_database(admin_url, "calmap_test_empty_upgrade")
    assert columns == LAYERS
    assert gist == set(LAYERS)
    assert {"team", "partnership", "partnership_member", "app_user", "category"} <= tables


def test_upgrade_twice_changes_nothing(fresh_db_url):
    engine = create_engine(fresh_db_url)
    schema.upgrade(engine)
    assert schema.current_revision(engine) == HEAD
    engine.dispose()


def test_every_layer_table_has_an_integer_primary_key(session: Session):
    rows = session.execute(
        text(
            """
            SELECT c.relname, a.atttypid::regtype::text
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
            WHERE i.indisprimary AND c.relname = ANY(:tables)
            """
        ),
        {"tables": list(LAYERS) + ["team", "partnership"]},
    ).all()
    assert {name for name, _ in rows} == set(LAYERS) | {"team", "partnership"}
    assert {kind for _, kind in rows} == {"integer"}


def test_an_update_made_directly_in_sql_appears_in_history(session: Session):
    session.execute(text("INSERT INTO team (code, name) VALUES ('ztps1', 'ZTPS 1')"))
    session.execute(text("UPDATE team SET name = 'ZTPS 1 – Nadodrze' WHERE code = 'ztps1'"))
    rows = session.execute(
        text(
            "SELECT operation, app_user, row_data->>'name' AS name, row_data->>'version' AS v "
            "FROM layer_history WHERE table_name = 'team' ORDER BY id"
        )
    ).all()
    assert [(r.operation, r.name, r.v) for r in rows] == [
        ("INSERT", "ZTPS 1", "1"),
        ("UPDATE", "ZTPS 1 – Nadodrze", "2"),
    ]
    # No app user was set: the change came from outside the app (psql, QGIS).
    assert rows[-1].app_user is None


def test_history_records_the_acting_app_user_and_deletions_with_geometry(session: Session):
    set_app_user(session, "anna")
    session.execute(
        text(
            "INSERT INTO resource (name, kind, category, geom) VALUES "
            "('Biblioteka', 'institution_public', 'library', "
            "ST_SetSRID(ST_MakePoint(18.65, 54.35), 4326))"
        )
    )
    session.execute(text("DELETE FROM resource WHERE name = 'Biblioteka'"))
    rows = session.execute(
        text(
            "SELECT operation, app_user, changed_at, row_data FROM layer_history "
            "WHERE table_name = 'resource' ORDER BY id"
        )
    ).all()
    assert [r.operation for r in rows] == ["INSERT", "DELETE"]
    assert {r.app_user for r in rows} == {"anna"}
    assert rows[-1].row_data["name"] == "Biblioteka"
    assert rows[-1].row_data["geom"]["coordinates"] == [18.65, 54.35]
    assert rows[0].changed_at <= rows[1].changed_at


def test_every_layer_table_has_a_history_trigger(session: Session):
    triggers = set(
        session.execute(
            text(
                "SELECT event_object_table FROM information_schema.triggers "
                "WHERE trigger_name LIKE '%\\_history'"
            )
        ).scalars()
    )
    assert triggers == set(HISTORY_TABLES)


def test_a_database_without_postgis_rights_gets_a_clear_message(admin_url):
    import pytest

    from mapping.db import DatabaseError
    from tests.conftest import _create_database, _drop_database, db_url

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP ROLE IF EXISTS calmap_plain"))
        conn.execute(text("CREATE ROLE calmap_plain LOGIN"))
    _create_database(admin_url, "calmap_test_nopostgis")
    with admin.connect() as conn:
        conn.execute(text('ALTER DATABASE "calmap_test_nopostgis" OWNER TO calmap_plain'))
    from sqlalchemy.engine import make_url

    url = make_url(db_url(admin_url, "calmap_test_nopostgis")).set(username="calmap_plain")
    engine = create_engine(url)
    try:
        with pytest.raises(DatabaseError, match="CREATE EXTENSION postgis"):
            schema.upgrade(engine)
        assert schema.current_revision(engine) is None
    finally:
        engine.dispose()
        _drop_database(admin_url, "calmap_test_nopostgis")
        with admin.connect() as conn:
            conn.execute(text("DROP ROLE IF EXISTS calmap_plain"))
        admin.dispose()
