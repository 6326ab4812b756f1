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


def test_a_run_begun_before_a_pin_stopped_being_public_publishes_no_file_with_it(store, placed):
    engine, world, public, _ = placed
    old = '{"name":"Biblioteka"}'
    with pin_store.run_began(store):
        # The viewer's run read the pin while it was public …
        with db.session_scope(engine, "calmap-cli") as session:
            pins.update_pin(session, world.admin, public, {"visibility": "team"})
        # … and writes its file only after the change emptied the folder.
        store.put(old)
    assert store.files() == []
    # A run begun after the change publishes what it read (the pin is no longer in it).
    with pin_store.run_began(store):
        store.put('{"name":"Inny zasób"}')
    assert len(store.files()) == 1


def test_an_emptying_between_the_check_and_the_rename_leaves_no_file(store, monkeypatch):
    # The folder is emptied after the writer checked it and before it renamed its file.
    real_replace = pin_store.os.replace

    def emptied_first(src, dst):
        if not str(dst).endswith(pin_store.PURGED_MARK):
            pin_store.forget_all(store.directory)
        real_replace(src, dst)

    with pin_store.run_began(store):
        monkeypatch.setattr(pin_store.os, "replace", emptied_first)
        store.put('{"name":"Biblioteka"}')
        monkeypatch.setattr(pin_store.os, "replace", real_replace)
    assert store.files() == []


def test_a_purge_mark_replaced_twice_gives_two_generations(store):
    store.put("[1]")
    first = (store.forget_all(), store.generation())
    second = (store.forget_all(), store.generation())
    assert first[1] is not None and first[1] != second[1]


def test_a_run_refused_a_file_says_so_and_the_next_run_starts_clean(store, placed):
    engine, world, public, _ = placed
    with pin_store.run_began(store):
        with db.session_scope(engine, "calmap-cli") as session:
            pins.update_pin(session, world.admin, public, {"visibility": "team"})
        store.put('{"name":"Biblioteka"}')
        assert pin_store.refused_in_run()
    with pin_store.run_began(store):
        assert not pin_store.refused_in_run()
