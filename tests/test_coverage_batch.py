"""Coverage runs: one batched graph pass answers as a pass per run did; stale runs are dropped."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sqlalchemy import text

from mapping.services import coverage, coverage_reach, pins
from tests.coverage_fixtures import (
    add_partner,
    add_resource,
    offset,
    path_metres,
    save_grid,
    vertex_at,
)
from tests.editing_fixtures import build_world

STEP = 80.0
ORIGIN = (18.6275, 54.4025)
SIZE = 8
CATEGORIES = ["senior_club", "social_welfare", "library", "health", "volunteer",
              "culture_centre", "youth_club"]
GROUPS = [[], ["seniors"], ["families"], ["children_youth", "disabled"]]
NEEDS = ["seniors_loneliness", "youth_leisure", "after_school", "disability_barriers"]


# Every table coverage caches in: emptied, nothing is found computed before.
CACHES = ("coverage_run", "coverage_answer", "coverage_flat", "coverage_snap",
          "coverage_area_vertex")


def forget_everything(session):
    """Empty every coverage cache, as on a database that never answered."""
    for table in CACHES:
        session.execute(text(f"DELETE FROM {table}"))


def _one_run_at_a_time(session, street_layer, jobs, limit_m, box=None):
    """The way before: a pgr_drivingDistance over every edge for each run (equicost)."""
    return [coverage_reach.compute_equicost(session, street_layer, key, limit_m, found)
            for key, found in jobs]


def _cells(found):
    return sorted(
        (c.area_id, c.need_category, c.status, c.limit_m, c.distance_kind, c.share_within,
         c.residents_within, c.needs, c.unmet, c.unmet_ids,
         None if c.nearest is None else (c.nearest.layer, c.nearest.metres,
                                         c.nearest.distance_kind))
        for c in found.cells
    )


def _runs(session):
    """Every stored run: per vertex (in vertex order) its metres and whether in a straight line."""
    found = {}
    for run in session.execute(text("SELECT * FROM coverage_run")):
        vertices = np.frombuffer(run.vertices, dtype=np.int32)
        order = np.argsort(vertices)
        found[run.digest] = (
            vertices[order],
            np.frombuffer(run.metres, dtype=np.float32)[order],
            np.frombuffer(run.straight, dtype=np.uint8)[order],
        )
    return found


def _generated_town(session, world, seed=16):
    """A grid of streets with resources of several categories and groups, partners and needs."""
    save_grid(session, world.admin, ORIGIN, size=SIZE, step=STEP,
              extra=[[offset(ORIGIN, SIZE * STEP + 150, 0), offset(ORIGIN, SIZE * STEP + 150, 60)]])
    session.execute(text("UPDATE area SET population = 12000 WHERE id = :a"), {"a": world.area_a})
    rng = random.Random(seed)
    junctions = rng.sample([(i, j) for i in range(SIZE) for j in range(SIZE)], 24)
    for n, (i, j) in enumerate(junctions[:18]):
        add_resource(session, f"Zasób {n}", CATEGORIES[n % len(CATEGORIES)],
                     offset(ORIGIN, i * STEP, j * STEP), world.area_a,
                     target_groups=GROUPS[n % len(GROUPS)])
    # One on an island of streets: measured in a straight line by both ways.
    add_resource(session, "Klub na wyspie", "senior_club",
                 offset(ORIGIN, SIZE * STEP + 150, 0), world.area_a)
    for n, (i, j) in enumerate(junctions[18:]):
        add_partner(session, f"Partner {n}", ("ngo", "public", "church")[n % 3],
                    offset(ORIGIN, i * STEP, j * STEP), world.area_a)
    for n in range(16):
        i, j = rng.randrange(SIZE), rng.randrange(SIZE)
        pins.create_pin(
            session, world.admin, "need", world.area_a,
            {"name": f"Potrzeba {n}", "category": NEEDS[n % len(NEEDS)],
             "source_method": "interview", "target_groups": GROUPS[n % len(GROUPS)] or ["seniors"],
             "visibility": "public", "status": "identified", "priority": 2},
            offset(ORIGIN, i * STEP + 20, j * STEP + 10),
        )


def test_one_graph_pass_for_every_run_gives_each_area_what_a_pass_per_run_gave(
    session, monkeypatch
):
    world = build_world(session)
    _generated_town(session, world)
    batched = coverage.compute(session, world.admin, area_ids=[world.area_a, world.area_b])
    batched_runs = _runs(session)
    assert batched.computed >= 8 and batched.reused == 0

    forget_everything(session)
    monkeypatch.setattr(coverage_reach, "compute_many", _one_run_at_a_time)
    one_by_one = coverage.compute(session, world.admin, area_ids=[world.area_a, world.area_b])

    assert batched.computed == one_by_one.computed
    assert _cells(batched) == _cells(one_by_one)
    # Partly reached areas (the shares are the check) and a district without streets.
    assert any(0 < (c.share_within or 0) < 1 for c in batched.cells)
    assert any(c.area_id == world.area_b and c.distance_kind == "straight_line"
               for c in batched.cells)
    runs = _runs(session)
    assert runs.keys() == batched_runs.keys()
    for digest, (vertices, metres, straight) in runs.items():
        mine = batched_runs[digest]
        assert np.array_equal(mine[0], vertices)
        assert mine[1] == pytest.approx(metres, abs=1e-3)
        assert np.array_equal(mine[2], straight)


def test_a_moved_pin_recomputes_its_run_alone_and_its_former_run_is_forgotten(session):
    world = build_world(session)
    _generated_town(session, world)
    coverage.compute(session, world.admin, area_ids=[world.area_a])
    before = set(_runs(session))
    # A day later, one library moves a street further.
    session.execute(text("UPDATE coverage_run SET created_at = now() - interval '25 hours'"))
    session.execute(text(
        "UPDATE resource SET geom = ST_Translate(geom, 0.0012, 0), version = version + 1 "
        "WHERE id = (SELECT min(id) FROM resource WHERE category = 'library')"))
    moved = coverage.compute(session, world.admin, area_ids=[world.area_a])
    after = set(_runs(session))

    assert moved.computed == 1 and moved.reused == len(before) - 1
    (new,) = after - before
    (former,) = before - after
    assert former != new
    # The runs still in use stay, however old.
    assert after == (before - {former}) | {new}
    warm = coverage.compute(session, world.admin, area_ids=[world.area_a])
    assert warm.computed == 0 and set(_runs(session)) == after
    assert _cells(warm) == _cells(moved)


def test_forget_stale_keeps_recent_runs_and_those_named(session):
    world = build_world(session)
    _generated_town(session, world)
    coverage.compute(session, world.admin, area_ids=[world.area_a])
    digests = sorted(_runs(session))
    assert coverage_reach.forget_stale(session) == 0
    session.execute(text("UPDATE coverage_run SET created_at = now() - interval '25 hours'"))
    assert coverage_reach.forget_stale(session, keep=digests[:1]) == len(digests) - 1
    assert sorted(_runs(session)) == digests[:1]


def test_a_vertex_is_reached_from_the_source_nearest_on_foot_its_walk_to_the_street_counted(
    session,
):
    world = build_world(session)
    save_grid(session, world.admin, ORIGIN, size=6, step=STEP)
    # 100 m off the street, two junctions (160 m) from the vertex: 260 m on foot.
    aside = add_resource(session, "Klub obok", "senior_club", offset(ORIGIN, -100, 0),
                         world.area_a)
    # On a junction three streets (240 m) away: nearer on foot, though farther along streets.
    club = add_resource(session, "Klub Seniora", "senior_club", offset(ORIGIN, 5 * STEP, 0),
                        world.area_a)
    coverage.compute(session, world.admin, area_ids=[world.area_a])
    vertex = vertex_at(session, offset(ORIGIN, 2 * STEP, 0))
    assert path_metres(session, vertex_at(session, offset(ORIGIN, 5 * STEP, 0)), vertex) == (
        pytest.approx(3 * STEP, abs=1.0))
    (run,) = session.execute(text("SELECT * FROM coverage_run")).all()
    vertices = np.frombuffer(run.vertices, dtype=np.int32)
    (at,) = np.flatnonzero(vertices == vertex)
    assert int(np.frombuffer(run.sources, dtype=np.int32)[at]) == club.id != aside.id
    assert float(np.frombuffer(run.metres, dtype=np.float32)[at]) == pytest.approx(3 * STEP,
                                                                                    abs=1.0)


def _full_recompute(session, world):
    """Coverage and runs with nothing cached: the answer a patch must equal."""
    forget_everything(session)
    found = coverage.compute(session, world.admin, area_ids=[world.area_a, world.area_b])
    assert found.patched == 0
    return found, _runs(session)


@pytest.mark.parametrize("change", [
    # A library moves a street east.
    "UPDATE resource SET geom = ST_Translate(geom, 0.0012, 0), version = version + 1 "
    "WHERE id = (SELECT min(id) FROM resource WHERE category = 'library')",
    # A senior club moves half a street north-west, off the junctions.
    "UPDATE resource SET geom = ST_Translate(geom, -0.0007, 0.0004), version = version + 1 "
    "WHERE id = (SELECT max(id) FROM resource WHERE category = 'senior_club' "
    "AND name <> 'Klub na wyspie')",
    # The club on the island of streets moves onto the grid.
    "UPDATE resource SET geom = ST_Translate(geom, -0.004, 0.0003), version = version + 1 "
    "WHERE name = 'Klub na wyspie'",
    # A senior club is retired.
    "UPDATE resource SET retired_at = now(), version = version + 1 "
    "WHERE id = (SELECT min(id) FROM resource WHERE category = 'senior_club')",
    # A new volunteer centre opens in the middle of the grid.
    "INSERT INTO resource (name, kind, category, area_id, geom) SELECT 'Nowy', kind, category, "
    "area_id, ST_Translate(geom, 0.0006, 0.0002) FROM resource WHERE category = 'volunteer' "
    "ORDER BY id LIMIT 1",
    # A partner moves and another is retired, in one go.
    "UPDATE partner SET geom = ST_Translate(geom, 0.0011, -0.0007), version = version + 1 "
    "WHERE id = (SELECT min(id) FROM partner); "
    "UPDATE partner SET retired_at = now(), version = version + 1 "
    "WHERE id = (SELECT max(id) FROM partner)",
])
def test_a_run_patched_where_a_changed_pin_reaches_equals_the_run_computed_afresh(
    session, change
):
    world = build_world(session)
    _generated_town(session, world)
    coverage.compute(session, world.admin, area_ids=[world.area_a, world.area_b])
    for statement in change.split("; "):
        session.execute(text(statement))

    patched = coverage.compute(session, world.admin, area_ids=[world.area_a, world.area_b])
    patched_runs = _runs(session)
    full, full_runs = _full_recompute(session, world)

    assert patched.patched >= 1 and patched.patched == patched.computed
    assert _cells(patched) == _cells(full)
    for digest, (vertices, metres, straight) in full_runs.items():
        mine = patched_runs[digest]
        assert np.array_equal(mine[0], vertices)
        assert mine[1] == pytest.approx(metres, abs=1e-2)
        assert np.array_equal(mine[2], straight)


def test_pins_moved_one_after_another_keep_every_patched_run_equal_to_a_fresh_one(session):
    world = build_world(session)
    _generated_town(session, world)
    coverage.compute(session, world.admin, area_ids=[world.area_a, world.area_b])
    ids = session.execute(text("SELECT id FROM resource ORDER BY id")).scalars().all()
    rng = random.Random(5)
    for pin_id in rng.sample(ids, 6):
        session.execute(
            text("UPDATE resource SET geom = ST_Translate(geom, :dx, :dy), version = version + 1 "
                 "WHERE id = :id"),
            {"dx": rng.uniform(-0.002, 0.002), "dy": rng.uniform(-0.001, 0.001), "id": pin_id})
        patched = coverage.compute(session, world.admin, area_ids=[world.area_a, world.area_b])
        assert patched.patched == patched.computed
    patched_runs = _runs(session)
    full, full_runs = _full_recompute(session, world)

    assert _cells(patched) == _cells(full)
    for digest, (vertices, metres, straight) in full_runs.items():
        mine = patched_runs[digest]
        assert np.array_equal(mine[0], vertices)
        assert mine[1] == pytest.approx(metres, abs=1e-2)
        assert np.array_equal(mine[2], straight)
