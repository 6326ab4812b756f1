"""History keeps team-only versions inside the team: the services, as the app runs them.

Team A records a team-only need whose description names a person and an
address, then makes it public with a harmless description. Through the app's
runtime role, team B's editor and a viewer must never meet the first
version: not in *Historia*, not by restoring it, not in an ``--as-of`` export,
not in a snapshot comparison.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from mapping import db
from mapping.errors import NotFound, PermissionDenied
from mapping.io import export
from mapping.services import accounts, export_rows, pins, snapshots
from mapping.services.accounts import Actor
from tests.test_trust_database import world  # noqa: F401 - the shared fixture

SECRET = "Jan Kowalski, ul. Długa 1, nadużywa alkoholu"
NEED = {
    "name": "Uzależnienia w rodzinie K.",
    "category": "addiction",
    "priority": 3,
    "status": "identified",
    "source_method": "interview",
    "visibility": "team",
    "description": SECRET,
}


@contextmanager
def _as(place, username: str) -> Iterator[tuple[Session, Actor]]:
    """A transaction as ``username`` through the runtime role, as the app runs one."""
    with db.session_scope(place.owner) as owner_session:
        actor = accounts.actor_for(owner_session, username)
    with db.acting_for(place.tokens[username]), db.session_scope(
        place.runtime, username, restricted=True
    ) as session:
        yield session, actor


@pytest.fixture(scope="module")
def story(world):  # noqa: F811 - pytest's fixture by name
    with _as(world, "edit-a") as (session, editor):
        ref = pins.create_pin(session, editor, "need", world.area_a, NEED, None)
    time.sleep(0.05)
    with db.session_scope(world.owner) as session:
        hidden_moment = session.scalar(text("SELECT clock_timestamp()"))
    time.sleep(0.05)
    with _as(world, "edit-a") as (session, editor):
        ref = pins.update_pin(
            session, editor, ref, {"visibility": "public", "description": "Grupa wsparcia AA"}
        )
    return ref, hidden_moment


@pytest.mark.parametrize("user", ["edit-b", "viewer1"])
def test_historia_shows_only_the_public_versions_outside_the_team(world, story, user):  # noqa: F811
    ref, _ = story
    with _as(world, user) as (session, actor):
        shown = pins.versions(session, actor, "need", ref.id)
    descriptions = [v.data.get("description") for v in shown]
    assert descriptions == ["Grupa wsparcia AA"]
    assert SECRET not in json.dumps([v.data for v in shown], default=str)


def test_the_team_sees_every_version(world, story):  # noqa: F811
    ref, _ = story
    with _as(world, "edit-a") as (session, actor):
        shown = pins.versions(session, actor, "need", ref.id)
    assert [v.data.get("description") for v in shown] == ["Grupa wsparcia AA", SECRET]


def test_a_hidden_version_cannot_be_restored_or_undone_into_view(world, story):  # noqa: F811
    ref, _ = story
    with db.session_scope(world.owner) as session:
        hidden_id = session.scalar(
            text("SELECT min(id) FROM layer_history WHERE table_name = 'need' AND row_id = :id"),
            {"id": ref.id},
        )
    with pytest.raises((NotFound, PermissionDenied)):
        with _as(world, "edit-b") as (session, actor):
            pins.restore_version(session, actor, ref, hidden_id)
    with pytest.raises((NotFound, PermissionDenied)):
        with _as(world, "edit-b") as (session, actor):
            pins.undo_last(session, actor, ref)


@pytest.mark.parametrize("user", ["edit-b", "viewer1"])
def test_an_as_of_export_leaves_the_team_only_version_out(world, story, user):  # noqa: F811
    ref, hidden_moment = story
    with _as(world, user) as (session, actor):
        then = export_rows.read_export(session, actor, as_of=hidden_moment)
        now = export_rows.read_export(session, actor)
    assert ref.id not in set(then.frames["need"]["id"])
    assert SECRET not in export.to_json(then) + export.to_json(now)
    assert ref.id in set(now.frames["need"]["id"])


def test_a_snapshot_comparison_never_names_the_team_only_version(world, story):  # noqa: F811
    _, hidden_moment = story
    with _as(world, "admin1") as (session, admin):
        snapshots.create_snapshot(session, admin, "Przed", hidden_moment)
        snapshots.create_snapshot(
            session, admin, "Po", dt.datetime.now(dt.UTC)
        )
    for user in ("edit-b", "viewer1"):
        with _as(world, user) as (session, actor):
            report = snapshots.compare_snapshots(session, actor, "Przed", "Po")
        text_of_report = json.dumps(report.to_dict(), default=str, ensure_ascii=False)
        assert SECRET not in text_of_report
        assert "Uzależnienia w rodzinie K." in text_of_report  # now public: a new need
