"""Coverage: walking distances on a known grid, flips, the straight-line fallback, visibility."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from mapping.db.street_models import StreetLayer
from mapping.services import coverage, pins
from tests.conftest import app_env
from tests.coverage_fixtures import (
    add_resource,
    offset,
    path_metres,
    save_grid,
    vertex_at,
)
from tests.editing_fixtures import build_world

STEP = 80.0
# In Brzeźno, with room for a kilometre of streets to the north-east (on a junction exactly).
ORIGIN = (18.6275, 54.4025)


def add_need(session, world, point, visibility="public", category="seniors_loneliness"):
    return pins.create_pin(
        session, world.admin, "need", world.area_a,
        {"name": "Samotność seniorów", "category": category, "source_method": "interview",
         "target_groups": ["seniors"], "visibility": visibility, "status": "identified",
         "priority": 2},
        point,
    ).id


def cell(found, area_id, category="seniors_loneliness"):
    (match,) = [c for c in found.cells if c.area_id == area_id and c.need_category == category]
    return match


def stored_reach(session, vertex, source_id):
    """(metres, straight) of every stored run where ``source_id`` is nearest to ``vertex``."""
    found = []
    for run in session.execute(text("SELECT * FROM coverage_run WHERE source_layer = 'resource'")):
        vertices = np.frombuffer(run.vertices, dtype=np.int32)
        sources = np.frombuffer(run.sources, dtype=np.int32)
        straight = np.frombuffer(run.straight, dtype=np.uint8)
        for i in np.flatnonzero((vertices == vertex) & (sources == source_id)):
            found.append((float(np.frombuffer(run.metres, dtype=np.float32)[i]),
                          bool(straight[i])))
    return found


def reach_at(session, vertex, source_id):
    return sorted({metres for metres, _ in stored_reach(session, vertex, source_id)})


def test_walking_distances_on_a_grid_are_the_sums_of_its_street_lengths(session):
    world = build_world(session)
    origin = ORIGIN
    save_grid(session, world.admin, origin, size=5, step=STEP)
    club = add_resource(session, "Klub Seniora", "senior_club", origin, world.area_a)
    near = add_need(session, world, offset(origin, 3 * STEP, 2 * STEP))
    far = add_need(session, world, offset(origin, 4 * STEP, 4 * STEP))
    found = coverage.compute(session, world.admin, area_ids=[world.area_a])

    start = vertex_at(session, origin)
    junction = vertex_at(session, offset(origin, 3 * STEP, 2 * STEP))
    exact = path_metres(session, start, junction)
    assert exact == pytest.approx(5 * STEP, abs=1.0)
    assert reach_at(session, junction, club.id) == [pytest.approx(exact, abs=1e-3)]
    # 640 m along the streets: beyond the seniors' 500 m (in reach only of wider limits).
    corner = vertex_at(session, offset(origin, 4 * STEP, 4 * STEP))
    farther = path_metres(session, start, corner)
    assert farther == pytest.approx(8 * STEP, abs=1.0)
    assert reach_at(session, corner, club.id) == [pytest.approx(farther, abs=1e-3)]
    seniors = cell(found, world.area_a)
    assert seniors.status == "covered"
    assert seniors.limit_m == 500
    assert seniors.distance_kind == "street"
    assert seniors.nearest.id == club.id and seniors.nearest.metres == 0
    assert 0 < seniors.share_within < 1
    assert seniors.unmet_ids == (far,) and near not in seniors.unmet_ids
    assert found.distance_kind == "street"
    assert found.attribution == "© OpenStreetMap contributors (ODbL)"


def test_the_reader_splits_ways_at_the_junctions_they_share(session):
    world = build_world(session)
    summary = save_grid(session, world.admin, ORIGIN, size=5, step=STEP)
    assert summary.vertex_count == 25
    assert summary.edge_count == 2 * 5 * 4
    assert summary.component_count == 1
    assert summary.length_km == pytest.approx(40 * STEP / 1000, rel=0.01)


def test_a_category_flips_to_covered_when_a_resource_comes_and_back_when_it_retires(session):
    world = build_world(session)
    origin = ORIGIN
    save_grid(session, world.admin, origin, size=5, step=STEP)
    need = add_need(session, world, offset(origin, 2 * STEP, 2 * STEP))
    before = coverage.compute(session, world.admin, area_ids=[world.area_a])
    assert cell(before, world.area_a).status == "not_covered"
    assert cell(before, world.area_a).unmet_ids == (need,)

    club = add_resource(session, "Klub Seniora", "senior_club", offset(origin, STEP, 0),
                        world.area_a)
    during = coverage.compute(session, world.admin, area_ids=[world.area_a])
    assert cell(during, world.area_a).status == "covered"
    assert cell(during, world.area_a).unmet_ids == ()
    assert during.computed > 0
    # Nothing changed: every answer comes from the cache.
    again = coverage.compute(session, world.admin, area_ids=[world.area_a])
    assert again.computed == 0 and again.reused == during.computed + during.reused

    session.execute(text("UPDATE resource SET retired_at = now() WHERE id = :i"), {"i": club.id})
    after = coverage.compute(session, world.admin, area_ids=[world.area_a])
    assert cell(after, world.area_a).status == "not_covered"
    assert cell(after, world.area_a).unmet_ids == (need,)


def test_without_a_street_network_distances_are_straight_lines_and_say_so(session):
    world = build_world(session)
    origin = ORIGIN
    add_resource(session, "Klub Seniora", "senior_club", origin, world.area_a)
    near = add_need(session, world, offset(origin, 0, 300))
    far = add_need(session, world, offset(origin, 0, 700))
    found = coverage.compute(session, world.admin, area_ids=[world.area_a])
    seniors = cell(found, world.area_a)
    assert found.distance_kind == "straight_line" and found.attribution is None
    assert seniors.distance_kind == "straight_line"
    assert seniors.status == "covered" and 0 < seniors.share_within < 1
    assert seniors.unmet_ids == (far,) and near not in seniors.unmet_ids



def test_a_resource_in_another_city_is_not_offered_as_the_nearest(session):
    world = build_world(session)
    add_need(session, world, offset(ORIGIN, 0, 300))
    # A senior club in Wrocław, some 370 km from Brzeźno: no answer for Gdańsk.
    add_resource(session, "Klub Seniora we Wrocławiu", "senior_club", (17.03, 51.11),
                 world.area_a)
    seniors = cell(coverage.compute(session, world.admin, area_ids=[world.area_a]),
                   world.area_a)
    assert seniors.status == "not_covered" and seniors.nearest is None
    add_resource(session, "Klub Seniora w Oliwie", "senior_club", offset(ORIGIN, 0, 5_000),
                 world.area_a)
    seniors = cell(coverage.compute(session, world.admin, area_ids=[world.area_a]),
                   world.area_a)
    assert seniors.nearest is not None and seniors.nearest.name == "Klub Seniora w Oliwie"
    assert 0 < seniors.nearest.metres <= 5_000  # from the area's edge

def test_on_streets_a_resource_in_another_city_is_left_out_of_the_runs(session):
    world = build_world(session)
    save_grid(session, world.admin, ORIGIN, size=5, step=STEP)
    add_resource(session, "Klub przy ulicy", "senior_club", ORIGIN, world.area_a)
    add_need(session, world, offset(ORIGIN, STEP, 0))
    before = coverage.compute(session, world.admin, area_ids=[world.area_a])
    runs = session.execute(text("SELECT count(*) FROM coverage_run")).scalar_one()
    # A club in Wrocław, some 370 km away: it reaches no street of Gdańsk, so it is not
    # named as measured in a straight line, and adding it leaves Gdańsk's runs as they were.
    far = add_resource(session, "Klub Seniora we Wrocławiu", "senior_club", (17.03, 51.11),
                       world.area_a)
    after = coverage.compute(session, world.admin, area_ids=[world.area_a])
    assert ("resource", far.id, "Klub Seniora we Wrocławiu") not in after.straight_sources
    assert session.execute(text("SELECT count(*) FROM coverage_run")).scalar_one() == runs
    assert cell(after, world.area_a) == cell(before, world.area_a)


def test_a_resource_on_an_island_of_streets_is_measured_in_a_straight_line_and_named(session):
    world = build_world(session)
    origin = ORIGIN
    island = [offset(origin, 4 * STEP + 150, 0), offset(origin, 4 * STEP + 150, 60)]
    save_grid(session, world.admin, origin, size=5, step=STEP, extra=[island])
    club = add_resource(session, "Klub na wyspie", "senior_club", island[0], world.area_a)
    need = add_need(session, world, offset(origin, 4 * STEP, 0))
    found = coverage.compute(session, world.admin, area_ids=[world.area_a])
    assert ("resource", club.id, "Klub na wyspie") in found.straight_sources
    corner = vertex_at(session, offset(origin, 4 * STEP, 0))
    assert [straight for _, straight in stored_reach(session, corner, club.id)] == [True]
    assert reach_at(session, corner, club.id) == [pytest.approx(150, abs=2)]
    assert need not in cell(found, world.area_a).unmet_ids


def test_a_category_without_rules_is_listed_as_no_rule_yet_not_as_covered(session):
    world = build_world(session)
    session.execute(text("UPDATE addressing_rule SET active = false "
                         "WHERE need_category = 'seniors_loneliness'"))
    need = add_need(session, world, ORIGIN)
    found = coverage.compute(session, world.admin, area_ids=[world.area_a])
    seniors = cell(found, world.area_a)
    assert seniors.status == "no_rule" and seniors.nearest is None
    assert seniors.unmet_ids == (need,)
    assert seniors in coverage.ranked(found)


def test_a_viewer_never_counts_a_team_only_resource_and_small_counts_are_withheld(session):
    world = build_world(session)
    save_grid(session, world.admin, ORIGIN, size=5, step=STEP)
    add_resource(session, "Klub zespołu", "senior_club", ORIGIN, world.area_a,
                 visibility="team")
    add_need(session, world, offset(ORIGIN, STEP, STEP))
    for_admin = cell(coverage.compute(session, world.admin, area_ids=[world.area_a]),
                     world.area_a)
    for_viewer = cell(coverage.compute(session, world.viewer, area_ids=[world.area_a]),
                      world.area_a)
    for_team = cell(coverage.compute(session, world.editor_a, area_ids=[world.area_a]),
                    world.area_a)
    assert for_admin.status == "covered" and for_team.status == "covered"
    assert for_viewer.status == "not_covered" and for_viewer.nearest is None
    # One need, one unmet: fewer than five, so withheld outside the area's team.
    assert for_viewer.needs is None and for_viewer.unmet is None
    assert for_viewer.unmet_ids == ()
    assert for_team.needs == 1


def test_an_unknown_area_is_refused_with_a_clear_message(session):
    world = build_world(session)
    with pytest.raises(coverage.UserError) as refused:
        coverage.compute(session, world.admin, area_ids=[world.area_b + 1000])
    assert "No such area" in str(refused.value)


def test_gaps_through_the_database_rules_hide_a_team_only_resource_from_a_viewer(fresh_db_url):
    owner = create_engine(fresh_db_url)
    with Session(owner) as session, session.begin():
        world = build_world(session)
        save_grid(session, world.admin, ORIGIN, size=4, step=STEP)
        add_resource(session, "=Klub zespołu", "senior_club", ORIGIN, world.area_a,
                     visibility="team")
        add_need(session, world, offset(ORIGIN, STEP, 0))
    owner.dispose()
    from mapping.cli.main import app

    env = {**app_env(fresh_db_url), "CALMAP_DATA_DIR": "/nonexistent"}
    runner = CliRunner()

    def seniors(user):
        shown = runner.invoke(app, ["gaps", "--area", str(world.area_a), "--all", "--format",
                                    "json", "--user", user], env=env)
        assert shown.exit_code == 0, shown.output
        found = json.loads(shown.output)
        (row,) = [c for c in found["cells"] if c["need_category"] == "seniors_loneliness"]
        return found, row

    found, row = seniors("ada")
    assert row["status"] == "covered" and row["distance_kind"] == "street"
    assert found["attribution"] == "© OpenStreetMap contributors (ODbL)"
    found, row = seniors("wiktor")
    assert row["status"] == "not_covered" and row["nearest"] is None
    listed = runner.invoke(app, ["gaps", "--area", str(world.area_a), "--all", "--format",
                                 "csv"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "'=Klub zespołu" in listed.output
    assert "© OpenStreetMap contributors (ODbL)" in listed.output
    shown = runner.invoke(app, ["gaps", "--area", str(world.area_a), "--user", "wiktor"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "seniors_loneliness\tnot covered\tlimit 500 m\tnothing in reach" in shown.output
    assert "distances: street" in shown.output
    assert "street network: © OpenStreetMap contributors (ODbL)" in shown.output
    engine = create_engine(fresh_db_url)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(StreetLayer)) == 1
    engine.dispose()
