"""Population layer: residents in reach counted from points or grid cells; bad files refused."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import sqlalchemy.exc
from shapely.geometry import Point, box
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from mapping import db
from mapping.errors import PermissionDenied, UserError
from mapping.i18n import t
from mapping.io.population_files import read_population
from mapping.services import coverage, pins, population
from tests.conftest import app_env, runtime_url
from tests.coverage_fixtures import add_resource, offset, save_grid
from tests.editing_fixtures import build_world

STEP = 80.0
# In Brzeźno, with room for a kilometre of streets to the north-east (as test_coverage).
ORIGIN = (18.6275, 54.4025)
# Residents a few metres east of grid junctions (east, north in steps): walking
# metres from a club at the origin are (east + north) × 80; the seniors' limit is 500.
HOMES = {(1, 1): 10, (3, 2): 20, (4, 3): 40, (4, 4): 80}


def add_need(session, world, point):
    return pins.create_pin(
        session, world.admin, "need", world.area_a,
        {"name": "Samotność seniorów", "category": "seniors_loneliness",
         "source_method": "interview", "target_groups": ["seniors"], "visibility": "public",
         "status": "identified", "priority": 2},
        point,
    ).id


def seniors(found, area_id):
    (match,) = [c for c in found.cells
                if c.area_id == area_id and c.need_category == "seniors_loneliness"]
    return match


def write_points(path, homes, crs="EPSG:4326", field="mieszkancy"):
    """Address points with residents as a file, in ``crs``."""
    frame = gpd.GeoDataFrame(
        {field: list(homes.values())},
        geometry=[Point(*offset(ORIGIN, e * STEP + 5, n * STEP)) for e, n in homes],
        crs="EPSG:4326",
    ).to_crs(crs)
    frame.to_file(path)
    return path


def stored(session):
    return session.execute(
        text("SELECT count(*), coalesce(sum(residents), 0) FROM population_point")
    ).one()


def test_residents_in_reach_on_the_streets_are_those_whose_junction_is_within_the_limit(
    session, tmp_path
):
    world = build_world(session)
    save_grid(session, world.admin, ORIGIN, size=5, step=STEP)
    add_resource(session, "Klub Seniora", "senior_club", ORIGIN, world.area_a)
    add_need(session, world, offset(ORIGIN, STEP, 0))
    # A GeoPackage in the Polish national CRS: read in any CRS.
    data = read_population(write_points(tmp_path / "adresy.gpkg", HOMES, "EPSG:2180"))
    assert data.kind == "points" and data.field == "mieszkancy" and data.total == 150
    population.save(session, world.admin, data, "Gdańsk")

    cell = seniors(coverage.compute(session, world.admin, area_ids=[world.area_a]),
                   world.area_a)
    assert cell.distance_kind == "street" and cell.limit_m == 500
    # (1, 1) is 160 m and (3, 2) 400 m away: in reach; (4, 3) 560 m and (4, 4) 640 m: not.
    assert cell.population == 150
    assert cell.residents_within == 10 + 20
    assert cell.residents_kind == population.FROM_LAYER
    # The other district has no point of the layer inside the layer's box: even spread.
    other = coverage.compute(session, world.admin, area_ids=[world.area_b])
    assert {c.residents_kind for c in other.cells} <= {population.EVEN_SPREAD, None}


def test_a_category_nobody_addresses_reaches_no_resident_of_the_layer(session, tmp_path):
    world = build_world(session)
    save_grid(session, world.admin, ORIGIN, size=5, step=STEP)
    add_need(session, world, offset(ORIGIN, STEP, 0))
    population.save(session, world.admin,
                    read_population(write_points(tmp_path / "adresy.geojson", HOMES)))
    cell = seniors(coverage.compute(session, world.admin, area_ids=[world.area_a]),
                   world.area_a)
    assert cell.status == "not_covered"
    assert (cell.population, cell.residents_within) == (150, 0)


def test_without_streets_grid_cells_count_whole_within_the_straight_line_limit(
    session, tmp_path
):
    world = build_world(session)
    add_resource(session, "Klub Seniora", "senior_club", ORIGIN, world.area_a)
    add_need(session, world, offset(ORIGIN, 0, 100))
    # 100 m cells centred 300 m and 700 m north of the club (a GUS-like grid, field TOT).
    cells = []
    for north in (300, 700):
        x0, y0 = offset(ORIGIN, -50, north - 50)
        x1, y1 = offset(ORIGIN, 50, north + 50)
        cells.append(box(x0, y0, x1, y1))
    path = tmp_path / "siatka.geojson"
    gpd.GeoDataFrame({"TOT": [120, 340]}, geometry=cells, crs="EPSG:4326").to_file(path)
    data = read_population(path)
    assert data.kind == "grid" and data.field == "TOT"
    population.save(session, world.admin, data)

    found = coverage.compute(session, world.admin, area_ids=[world.area_a])
    cell = seniors(found, world.area_a)
    assert found.distance_kind == "straight_line"
    assert cell.population == 460
    assert cell.residents_within == 120
    assert cell.residents_kind == population.FROM_LAYER


def test_without_a_layer_residents_are_the_areas_population_spread_evenly(session):
    world = build_world(session)
    session.execute(text("UPDATE area SET population = 1000 WHERE id = :a"), {"a": world.area_a})
    add_resource(session, "Klub Seniora", "senior_club", ORIGIN, world.area_a)
    add_need(session, world, offset(ORIGIN, 0, 100))
    cell = seniors(coverage.compute(session, world.admin, area_ids=[world.area_a]),
                   world.area_a)
    assert cell.residents_kind == population.EVEN_SPREAD
    assert cell.residents_within == round(1000 * cell.share_within)


def _bad_files(tmp_path):
    """(file, --field, message key) for every kind of bad population file."""
    def points(name, values, field="mieszkancy", crs="EPSG:4326"):
        homes = {(i, 0): v for i, v in enumerate(values)}
        frame = gpd.GeoDataFrame(
            {field: list(homes.values())},
            geometry=[Point(*offset(ORIGIN, e * STEP, n * STEP)) for e, n in homes],
            crs="EPSG:4326",
        ).to_crs(crs)
        frame.to_file(tmp_path / name)
        return tmp_path / name

    no_place = tmp_path / "bez_miejsca.csv"
    no_place.write_text("lat;lon;mieszkancy\n54.40;18.63;5\n;;7\n", encoding="utf-8")
    empty = tmp_path / "pusty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    lines = tmp_path / "linie.geojson"
    lines.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"TOT": 5},
        "geometry": {"type": "LineString", "coordinates": [list(ORIGIN),
                                                           list(offset(ORIGIN, 50, 0))]},
    }]}), encoding="utf-8")
    projected = tmp_path / "bez_ukladu.csv"
    projected.write_text("lon;lat;TOT\n470000;730000;5\n", encoding="utf-8")
    wroclaw = tmp_path / "wroclaw.geojson"
    gpd.GeoDataFrame({"TOT": [5]}, geometry=[Point(17.03, 51.11)], crs="EPSG:4326").to_file(
        wroclaw)
    return [
        (points("ujemne.geojson", [5, -3]), None, "population.negative_count"),
        (points("tekst.geojson", ["5", "dużo"]), None, "population.bad_count"),
        (points("ulamek.geojson", [5, 2.5]), None, "population.bad_count"),
        (points("inne_pole.geojson", [5], field="osoby"), None, "population.no_usual_field"),
        (points("pole.geojson", [5]), "ludnosc", "population.no_field"),
        (no_place, None, "population.no_geometry"),
        (empty, None, "import_file.no_features"),
        (lines, None, "population.bad_geometry"),
        (projected, None, "import_file.looks_projected"),
        (wroclaw, None, "population.far_from_areas"),
    ]


def test_every_bad_file_is_refused_with_a_clear_message_and_the_layer_stays(session, tmp_path):
    world = build_world(session)
    population.save(session, world.admin,
                    read_population(write_points(tmp_path / "adresy.geojson", HOMES)))
    before = stored(session)
    assert tuple(before) == (4, 150)
    for path, field, key in _bad_files(tmp_path):
        with pytest.raises(UserError) as refused:
            with session.begin_nested():
                population.save(session, world.admin, read_population(path, field))
        assert refused.value.key == key, path.name
        polish = t(refused.value.key, "pl", **refused.value.params)
        assert polish != refused.value.key and "{" not in polish, path.name
        assert stored(session) == before, path.name


def test_only_an_admin_saves_a_population_layer(session, tmp_path):
    world = build_world(session)
    data = read_population(write_points(tmp_path / "adresy.geojson", HOMES))
    for actor in (world.viewer, world.editor_a):
        with pytest.raises(PermissionDenied):
            population.save(session, actor, data)
    assert tuple(stored(session)) == (0, 0)


def test_a_viewer_reads_the_layer_but_the_database_refuses_their_writes(fresh_db_url, tmp_path):
    owner = create_engine(fresh_db_url)
    with Session(owner) as session, session.begin():
        world = build_world(session)
        save_grid(session, world.admin, ORIGIN, size=5, step=STEP)
        add_resource(session, "Klub Seniora", "senior_club", ORIGIN, world.area_a)
        add_need(session, world, offset(ORIGIN, STEP, 0))
    with owner.begin() as conn:
        token = conn.execute(text("SELECT calmap_session_for('wiktor', 60)")).scalar_one()
    owner.dispose()
    from mapping.cli.main import app

    env = {**app_env(fresh_db_url), "CALMAP_DATA_DIR": "/nonexistent"}
    runner = CliRunner()
    loaded = runner.invoke(app, ["import", "population",
                                 str(write_points(tmp_path / "adresy.geojson", HOMES)),
                                 "--city", "Gdańsk"], env=env)
    assert loaded.exit_code == 0, loaded.output
    assert "150" in loaded.output
    refused = runner.invoke(app, ["import", "population", str(tmp_path / "adresy.geojson"),
                                  "--field", "ludnosc"], env=env)
    assert refused.exit_code == 1
    assert "nie ma pola „ludnosc”" in refused.output, refused.output

    runtime = create_engine(runtime_url(fresh_db_url))
    try:
        with runtime.begin() as conn:
            db.use_session(conn, token)
            assert tuple(stored(conn)) == (4, 150)
            # Row-level security: a viewer's delete touches nothing.
            assert conn.execute(text("DELETE FROM population_point")).rowcount == 0
        with pytest.raises(sqlalchemy.exc.DBAPIError), runtime.begin() as conn:
            db.use_session(conn, token)
            conn.execute(text(
                "INSERT INTO population_point (city, geom, residents, source) "
                "VALUES ('', ST_SetSRID(ST_MakePoint(18.63, 54.40), 4326), 5, 'x')"))
        with runtime.begin() as conn:
            db.use_session(conn, token)
            assert tuple(stored(conn)) == (4, 150)
    finally:
        runtime.dispose()

    shown = runner.invoke(app, ["gaps", "--area", str(world.area_a), "--all", "--format",
                                "json", "--user", "wiktor"], env=env)
    assert shown.exit_code == 0, shown.output
    (row,) = [c for c in json.loads(shown.output)["cells"]
              if c["need_category"] == "seniors_loneliness"]
    assert row["residents_kind"] == "population_layer"
    assert row["population"] == 150 and row["residents_within"] == 30
    text_out = runner.invoke(app, ["gaps", "--area", str(world.area_a), "--all"], env=env)
    assert "residents within: 30 of 150 (population layer)" in text_out.output


def test_the_gaps_page_says_which_residents_come_from_the_layer_and_which_are_estimated(
    monkeypatch, fresh_db_url, tmp_path
):
    from tests.test_gaps_page import PAGE, area_detail, captions, start

    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        session.execute(text("UPDATE area SET population = 1000 WHERE id = :a"),
                        {"a": world.area_b})
        save_grid(session, world.admin, ORIGIN, size=5, step=STEP)
        add_resource(session, "Klub Seniora", "senior_club", ORIGIN, world.area_a)
        add_need(session, world, offset(ORIGIN, STEP, 0))
        population.save(session, world.admin,
                        read_population(write_points(tmp_path / "adresy.geojson", HOMES)))
    engine.dispose()
    at = start(monkeypatch, fresh_db_url).switch_page(PAGE).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Mieszkańcy w zasięgu: z warstwy ludności" in captions(at)
    at, shown = area_detail(at, "Brzeźno")
    reached = shown[shown["Najbliżej"] == "Klub Seniora"]
    # Seniors' loneliness (500 m): 30 of the layer's 150 residents; wider limits reach more.
    assert "30 (z warstwy ludności)" in set(reached["Mieszkańcy w zasięgu"])
    assert all(v.endswith("(z warstwy ludności)") for v in shown["Mieszkańcy w zasięgu"] if v)
    at, shown = area_detail(at, "Oliwa")
    estimates = set(shown["Mieszkańcy w zasięgu"]) - {""}
    assert estimates and all(e.endswith("(szacunek: równomiernie)") for e in estimates)
