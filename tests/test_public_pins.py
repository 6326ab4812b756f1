"""Public pin files are forgotten when a pin stops being public, by whatever code changes it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from mapping import db
from mapping.maps import pin_store
from mapping.services import pins, public_pins
from tests.editing_fixtures import build_world


@pytest.fixture()
def store(tmp_path, monkeypatch):
    """A pin store in a folder of its own, the one the hook empties."""
    monkeypatch.setattr(public_pins, "directory", tmp_path)
    return pin_store.static_store(tmp_path, "/app/static")


@pytest.fixture()
def placed(fresh_db_url):
    """An engine, the world and refs of a public and a team-only resource, committed."""
    engine = create_engine(fresh_db_url)
    with db.session_scope(engine, "calmap-cli") as session:
        world = build_world(session)
        public = pins.create_pin(session, world.admin, "resource", world.area_a,
                                 {"name": "Biblioteka", "category": "library",
                                  "visibility": "public"}, world.point_a)
        team = pins.create_pin(session, world.admin, "resource", world.area_a,
                               {"name": "Świetlica", "category": "library",
                                "visibility": "team"}, world.point_a)
    yield engine, world, public, team
    engine.dispose()


def test_making_a_public_pin_team_only_empties_the_pin_files(store, placed):
    engine, world, public, _ = placed
    store.put('{"name":"Biblioteka"}')
    with db.session_scope(engine, "calmap-cli") as session:
        pins.update_pin(session, world.admin, public, {"visibility": "team"})
    assert store.files() == [] and store.purged_at() > 0


def test_retiring_a_public_pin_empties_the_pin_files(store, placed):
    engine, world, public, _ = placed
    store.put('{"name":"Biblioteka"}')
    with db.session_scope(engine, "calmap-cli") as session:
        pins.retire_pin(session, world.admin, public)
    assert store.files() == []


def test_a_change_that_keeps_pins_public_or_is_rolled_back_keeps_the_files(store, placed):
    engine, world, public, team = placed
    store.put('{"name":"Biblioteka"}')
    with db.session_scope(engine, "calmap-cli") as session:
        public = pins.update_pin(session, world.admin, public, {"name": "Biblioteka Główna"})
        pins.update_pin(session, world.admin, team, {"visibility": "partnership"})
    with pytest.raises(RuntimeError), db.session_scope(engine, "calmap-cli") as session:
        pins.update_pin(session, world.admin, public, {"visibility": "team"})
        raise RuntimeError("rolled back")
    assert len(store.files()) == 1 and store.purged_at() == 0.0
