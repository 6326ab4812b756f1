"""Hand links between needs and resources keep history (0010), visible per version.

Real PostGIS through the fixtures' database URL, as tests/test_action_plan_pages.py.
"""

from __future__ import annotations

from sqlalchemy import create_engine, select

from mapping import db
from mapping.db.models import LayerHistory
from mapping.services import addressing, pins
from tests.test_action_plan_pages import _run, plan_db  # noqa: F401


def _resource(url, world):
    return _run(url, lambda s: pins.create_pin(
        s, world.admin, "resource", world.area_a,
        {"name": "Biblioteka Brzeźno", "category": "library", "visibility": "public"},
        world.point_a,
    ).id)


def test_linking_and_unlinking_a_resource_writes_history_with_the_user(plan_db):  # noqa: F811
    url, world, public, _hidden, _partner = plan_db
    library = _resource(url, world)
    seen = _run(url, lambda s: addressing.need_links(s, world.editor_a, public))
    saved = _run(url, lambda s: addressing.set_need_links(
        s, world.editor_a, public, [library], [], seen))
    assert saved.resource_ids == (library,)
    _run(url, lambda s: addressing.set_need_links(s, world.admin, public, [], [], saved))
    history = _run(url, lambda s: addressing.link_history(s, world.admin, public))
    assert [(v.operation, v.changed_by, v.data["resource_id"]) for v in history] == [
        ("DELETE", "ada", library), ("INSERT", "ewa", library)
    ]


def test_a_team_only_needs_resource_link_never_shows_through_history(plan_db):  # noqa: F811
    url, world, _public, hidden, _partner = plan_db
    library = _resource(url, world)
    seen = _run(url, lambda s: addressing.need_links(s, world.editor_a, hidden))
    _run(url, lambda s: addressing.set_need_links(s, world.editor_a, hidden, [library], [], seen))
    assert len(_run(url, lambda s: addressing.link_history(s, world.editor_a, hidden))) == 1

    def outsiders_versions(s):
        return s.scalars(select(LayerHistory).where(
            LayerHistory.table_name == "need_resource")).all()

    def versions_for(actor):
        engine = create_engine(url)
        try:
            with db.session_scope(engine, actor.username, restricted=True) as s:
                return outsiders_versions(s)
        finally:
            engine.dispose()

    # The team sees its own link's version, so the empty lists below are the policy's doing.
    assert len(versions_for(world.editor_a)) == 1
    for outsider in (world.viewer, world.editor_b):
        engine = create_engine(url)
        try:
            with db.session_scope(engine, outsider.username, restricted=True) as s:
                assert outsiders_versions(s) == []
        finally:
            engine.dispose()


def test_the_downgrade_to_0009_and_upgrade_back_keep_the_existing_links(plan_db):  # noqa: F811
    from alembic import command

    from mapping.db import schema

    url, world, public, _hidden, _partner = plan_db
    library = _resource(url, world)
    seen = _run(url, lambda s: addressing.need_links(s, world.editor_a, public))
    _run(url, lambda s: addressing.set_need_links(s, world.editor_a, public, [library], [], seen))
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            command.downgrade(schema.alembic_config(conn), "0009_streets")
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT need_id, resource_id FROM need_resource").all()
            # The old policy has no case for link versions: they go with the downgrade.
            versions = conn.exec_driver_sql(
                "SELECT count(*) FROM layer_history WHERE table_name = 'need_resource'").scalar()
        assert [tuple(r) for r in rows] == [(public, library)]
        assert versions == 0
        schema.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT id IS NOT NULL, need_id, resource_id FROM need_resource").all()
        assert [tuple(r) for r in rows] == [(True, public, library)]
    finally:
        engine.dispose()
