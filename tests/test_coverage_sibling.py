"""Half the runs walked on a second connection: as the caller's user, same answer, else alone."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import InternalError
from sqlalchemy.orm import Session

from mapping import db
from mapping.db.sibling import sibling
from mapping.services import coverage, coverage_walk
from tests.conftest import runtime_url
from tests.coverage_fixtures import add_resource, offset
from tests.editing_fixtures import build_world
from tests.test_coverage_batch import ORIGIN, STEP, _cells, _generated_town

_SEEN = text("SELECT calmap_user_id() AS user_id, current_user AS role, "
             "(SELECT count(*) FROM resource) AS resources, "
             "(SELECT count(*) FROM street_edge) AS edges")


def _town(url):
    """A committed generated town with a team-only club; the world and a viewer's token."""
    owner = create_engine(url)
    with Session(owner) as session, session.begin():
        world = build_world(session)
        _generated_town(session, world)
        add_resource(session, "Klub zespołu", "senior_club", offset(ORIGIN, STEP, STEP),
                     world.area_a, visibility="team")
        token = db.open_session_as_owner(session, world.viewer.username)
    return owner, world, token


def _arrays(session):
    """Every stored run's arrays (vertices, metres, nearest sources, straight), in vertex order."""
    found = []
    for run in session.execute(text("SELECT vertices, metres, sources, straight "
                                    "FROM coverage_run")):
        vertices = np.frombuffer(run.vertices, dtype=np.int32)
        order = np.argsort(vertices)
        found.append(tuple(np.frombuffer(data, dtype=kind)[order].tobytes() for data, kind in (
            (run.vertices, np.int32), (run.metres, np.float32), (run.sources, np.int32),
            (run.straight, np.uint8))))
    return sorted(found)


def test_a_sibling_sees_what_its_caller_s_transaction_sees_and_writes_nothing(fresh_db_url):
    owner, world, token = _town(fresh_db_url)
    runtime = db.make_engine(runtime_url(fresh_db_url))
    try:
        with db.acting_for(token), db.session_scope(
                runtime, world.viewer.username, restricted=True) as session:
            mine = session.execute(_SEEN).one()
            # The thread acts for nobody now: the sibling takes the transaction's user.
            with db.acting_for(None), sibling(session) as other:
                theirs = other.execute(_SEEN).one()
                with pytest.raises(InternalError, match="read-only"):
                    other.execute(text("DELETE FROM coverage_run"))
        with Session(owner) as session:
            everything = session.scalar(text("SELECT count(*) FROM resource"))
    finally:
        runtime.dispose()
        owner.dispose()
    assert tuple(theirs) == tuple(mine)
    assert mine.user_id is not None and mine.edges > 0
    assert mine.resources == everything - 1  # not the team-only club


def test_runs_walked_beside_give_every_cell_and_run_that_walking_alone_gives(fresh_db_url):
    owner, world, _ = _town(fresh_db_url)
    try:
        with Session(owner) as session, session.begin():
            layer = session.scalar(text("SELECT id FROM street_layer"))
            with coverage_walk.beside(session, layer, 2) as other:
                assert other is not None  # committed streets: half the runs go beside
            beside = coverage.compute(session, world.admin, area_ids=[world.area_a, world.area_b])
            beside_runs = _arrays(session)
            # The layer re-stamped in this transaction: the sibling sees another, walks nothing.
            session.execute(text("UPDATE street_layer SET imported_at = imported_at + "
                                 "interval '1 second'"))
            with coverage_walk.beside(session, layer, 2) as other:
                assert other is None
            session.execute(text("DELETE FROM coverage_run"))
            alone = coverage.compute(session, world.admin, area_ids=[world.area_a, world.area_b])
            alone_runs = _arrays(session)
            assert beside.computed == alone.computed > 2
            assert _cells(beside) == _cells(alone)
            assert beside_runs == alone_runs
    finally:
        owner.dispose()


def test_streets_the_caller_saved_and_has_not_committed_are_walked_alone(session):
    world = build_world(session)
    _generated_town(session, world)
    layer = session.scalar(text("SELECT id FROM street_layer"))
    with coverage_walk.beside(session, layer, 2) as other:
        assert other is None
    with coverage_walk.beside(session, layer, 1) as other:
        assert other is None  # one run: nothing to share
