"""Street files: walkable ways kept, bad files refused with nothing saved, real Gdańsk data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from mapping.db.street_models import StreetEdge, StreetLayer
from mapping.errors import PermissionDenied, UserError
from mapping.io.street_files import read_streets
from mapping.services import streets
from tests.conftest import SHARED_DATA
from tests.coverage_fixtures import save_grid
from tests.editing_fixtures import build_world

ORIGIN = (18.6275, 54.4025)
NODED = SHARED_DATA / "streets" / "gdansk_srodmiescie_wrzeszcz_walk_edges_noded.geojson"


def feature(coords, kind="LineString", **props):
    return {"type": "Feature", "properties": props,
            "geometry": {"type": kind, "coordinates": coords}}


def write(tmp_path, name, features):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def line(x, y, east=0.002):
    return [[x, y], [x + east / 2, y], [x + east, y]]


def test_ways_people_may_not_walk_are_left_out(tmp_path):
    path = write(tmp_path, "ways.geojson", [
        feature(line(*ORIGIN), highway="footway"),
        feature(line(ORIGIN[0], ORIGIN[1] + 0.001), highway="residential", foot="no"),
        feature(line(ORIGIN[0], ORIGIN[1] + 0.002), highway="service", access="private"),
        feature(line(ORIGIN[0], ORIGIN[1] + 0.003), highway="service", access="private",
                foot="yes"),
        feature(line(ORIGIN[0], ORIGIN[1] + 0.004), highway="motorway"),
    ])
    network = read_streets(path)
    assert network.dropped == {"foot_no": 1, "access_private": 1, "not_walkable": 1}
    # Two ways kept; a middle vertex no other way shares splits nothing.
    assert len(network.sources) == 2
    assert network.component_count == 2
    assert network.attribution == "© OpenStreetMap contributors (ODbL)"


def test_ways_crossing_at_a_shared_vertex_become_four_edges_of_one_component():
    from mapping.io.street_files import node

    x, y = ORIGIN
    across = np.array([[x - 0.001, y], [x, y], [x + 0.001, y]])
    along = np.array([[x, y - 0.001], [x, y], [x, y + 0.001]])
    network = node([across, along], [None, None], "test")
    assert len(network.vertices) == 5 and len(network.sources) == 4
    assert network.component_count == 1


@pytest.mark.parametrize(
    "features",
    [
        [feature(ORIGIN, "Point", name="Klub")],
        [feature(line(*ORIGIN), highway="residential", foot="no")],
        [],
    ],
    ids=["only points", "only ways closed to walking", "empty"],
)
def test_a_file_without_walkable_lines_is_refused_and_nothing_is_saved(session, tmp_path,
                                                                        features):
    world = build_world(session)
    save_grid(session, world.admin, ORIGIN, size=3, step=50)
    with pytest.raises(UserError) as refused:
        streets.save_network(session, world.admin, read_streets(
            write(tmp_path, "bad.geojson", features)), "bad.geojson")
    assert "Nothing was saved" in str(refused.value)
    assert session.scalar(select(func.count()).select_from(StreetLayer)) == 1
    assert session.scalar(select(func.count()).select_from(StreetEdge)) == 12


def test_streets_far_from_every_area_are_refused_and_the_old_network_stays(session, tmp_path):
    world = build_world(session)
    save_grid(session, world.admin, ORIGIN, size=3, step=50)
    krakow = write(tmp_path, "krakow.geojson", [feature(line(19.94, 50.06), highway="footway")])
    with pytest.raises(UserError) as refused:
        streets.save_network(session, world.admin, read_streets(krakow), "krakow.geojson")
    assert "far from every area" in str(refused.value)
    assert session.scalar(select(func.count()).select_from(StreetEdge)) == 12


def test_a_file_that_is_not_a_street_file_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "streets.geojson"
    path.write_text("<html>not found</html>")
    with pytest.raises(UserError):
        read_streets(path)


def test_only_an_admin_loads_streets(session):
    world = build_world(session)
    with pytest.raises(PermissionDenied):
        save_grid(session, world.editor_a, ORIGIN)


def test_a_new_network_for_a_city_replaces_the_old_one(session):
    world = build_world(session)
    save_grid(session, world.admin, ORIGIN, size=3, step=50)
    second = save_grid(session, world.admin, ORIGIN, size=4, step=50)
    assert [s.layer_id for s in streets.layers(session)] == [second.layer_id]
    assert session.scalar(select(func.count()).select_from(StreetEdge)) == 24


def test_the_shared_gdansk_network_loads_as_one_routable_graph(session):
    world = build_world(session)
    saved = streets.save_network(session, world.admin, read_streets(NODED), NODED.name, "Gdańsk")
    assert saved.edge_count > 35_000
    assert saved.largest_share > 0.98
    assert saved.attribution == "© OpenStreetMap contributors (ODbL)"


def test_the_cli_imports_streets_and_refuses_an_empty_file(fresh_db_url, tmp_path):
    from mapping.cli.main import app
    from tests.conftest import app_env

    env = {**app_env(fresh_db_url), "CALMAP_DATA_DIR": "/nonexistent"}
    good = write(tmp_path, "ulice.geojson", [feature(line(*ORIGIN), highway="footway")])
    shown = CliRunner().invoke(app, ["import", "streets", str(good), "--city", "Gdańsk"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "saved 1 street edges, 2 junctions" in shown.output
    assert "© OpenStreetMap contributors" in shown.output
    empty = write(tmp_path, "puste.geojson", [])
    refused = CliRunner().invoke(app, ["import", "streets", str(empty)], env=env)
    assert refused.exit_code == 1
    assert "no line people can walk along" in refused.output
