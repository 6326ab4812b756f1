"""Admins import estates and districts from real files: each feature checked, all or nothing.

Real files from ``../shared/data``: Wrocław's 48 estates (17 invalid
polygons, name typos), Gdańsk's 35 districts (population), Warsaw's 18
districts plus the whole-city outline; and the same data converted into
GeoPackage, zipped Shapefile, KML and CSV with WKT.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from geodata.boundaries import geodesic_area_m2, swap_axes
from mapping import db
from mapping.cli.main import app
from mapping.db.models import Area, LayerHistory, Team
from mapping.errors import PermissionDenied, UserError
from mapping.io import area_import
from mapping.io.area_import import AreaImportError, AreaOptions
from mapping.io.feature_files import SourceOptions, open_features
from mapping.services import accounts
from tests import import_fixtures as files
from tests.conftest import point_app_at
from tests.import_fixtures import shared


@pytest.fixture()
def admin(session):
    session.add_all([Team(code="wro-7", name="ZTPS 7 – Nadodrze"),
                     Team(code="gda-1", name="Gdańsk – Północ")])
    session.flush()
    return accounts.add_user(session, "ada", None, "admin")


def count_areas(session) -> int:
    return session.scalar(select(func.count()).select_from(Area))


def plan_file(session, actor, path, options=None, source=None, **read):
    features = open_features(path, path.name, SourceOptions(**read))
    return area_import.plan(session, actor, features, options or AreaOptions(), path.name)


def messages(planned, key):
    return [a for a in planned.areas if any(m.key == key for m in a.messages)]


# --- real files -----------------------------------------------------------------------------


def test_wroclaw_estates_are_imported_with_17_repairs_reported_and_names_kept(session, admin):
    path = shared(files.WROCLAW_ESTATES)
    planned = plan_file(session, admin, path, AreaOptions(name_field="osiedle", team="wro-7"))

    assert planned.ok
    assert len(planned.areas) == 48
    repaired = messages(planned, "area_import.repaired")
    assert len(repaired) == 17
    assert all(m.level == "warning" for a in repaired for m in a.messages
               if m.key == "area_import.repaired")
    assert "Self-intersection" in repaired[0].messages[0].text("en")
    # The file's spelling is kept; typos are the city's to fix, not ours to guess.
    assert "Przedmiescie Oławskie" in {a.name for a in planned.areas}

    before = count_areas(session)
    ids = area_import.commit(session, admin, planned)
    assert len(ids) == 48 and count_areas(session) == before + 48
    rows = session.execute(
        select(Area.name, Area.kind, Area.team_id, Area.source,
               func.ST_IsValid(Area.geom), func.GeometryType(Area.geom))
        .where(Area.id.in_(ids))
    ).all()
    team = session.scalar(select(Team.id).where(Team.code == "wro-7"))
    assert {(r.kind, r.team_id, r[4], r[5]) for r in rows} == {
        ("estate", team, True, "MULTIPOLYGON")
    }
    assert sum("make_valid" in r.source for r in rows) == 17
    area_km2 = session.scalar(
        select(func.sum(func.ST_Area(func.Geography(Area.geom)))).where(Area.id.in_(ids))
    ) / 1e6
    assert area_km2 == pytest.approx(292.6, abs=0.3)
    history = session.scalars(
        select(LayerHistory.app_user).where(LayerHistory.table_name == "area",
                                            LayerHistory.row_id.in_(ids))
    ).all()
    assert history == ["ada"] * 48


def test_estates_go_under_the_district_they_overlap_most_and_take_its_team(session, admin):
    districts = plan_file(
        session, admin, shared(files.WROCLAW_DISTRICTS),
        AreaOptions(name_field="dzielnica", kind="district", team="wro-7"),
    )
    assert districts.ok and len(districts.areas) == 5
    district_ids = dict(zip([a.name for a in districts.areas],
                            area_import.commit(session, admin, districts), strict=True))

    estates = plan_file(session, admin, shared(files.WROCLAW_ESTATES))

    assert estates.ok, [m.text("en") for a in estates.failed for m in a.messages]
    assert estates.name_field == "osiedle"
    placed = {a.name: a.parent_id for a in estates.areas}
    assert placed["Nadodrze"] == district_ids["Śródmieście"]
    assert placed["Leśnica"] == district_ids["Fabryczna"]
    assert set(placed.values()) == set(district_ids.values())
    assert all(a.team_id is not None for a in estates.areas)
    assert messages(estates, "area_import.team_from_parent")
    note = next(m for m in estates.areas[0].messages if m.key == "area_import.placed")
    assert note.params["share"] >= 99


def test_gdansk_districts_keep_their_population_and_zero_means_unknown(session, admin):
    planned = plan_file(session, admin, shared(files.GDANSK_DISTRICTS),
                        AreaOptions(kind="district", team="gda-1"))

    assert planned.ok
    assert (planned.name_field, planned.population_field) == ("DZIELNICY", "L_MIESZK")
    assert len(planned.areas) == 35
    population = {a.name: a.population for a in planned.areas}
    assert population["Brzeźno"] == 12889
    assert population["Chełm"] is None
    assert len(messages(planned, "area_import.population_zero")) == 2
    assert sum(p for p in population.values() if p) > 400_000

    ids = area_import.commit(session, admin, planned)
    stored = session.scalar(select(func.sum(Area.population)).where(Area.id.in_(ids)))
    assert stored == sum(p for p in population.values() if p)


def test_warsaw_s_whole_city_outline_becomes_the_parent_city_of_the_18_districts(session, admin):
    planned = plan_file(session, admin, shared(files.WARSAW_DISTRICTS),
                        AreaOptions(name_field="name", kind="district"))

    assert planned.ok
    city = next(a for a in planned.areas if a.name == "Warszawa")
    assert city.kind == "city" and city.parent_row is None
    districts = [a for a in planned.areas if a is not city]
    assert len(districts) == 18
    assert {(a.kind, a.parent_row) for a in districts} == {("district", city.row)}

    ids = area_import.commit(session, admin, planned)
    rows = {r.name: r for r in session.execute(
        select(Area.id, Area.name, Area.kind, Area.parent_id).where(Area.id.in_(ids)))}
    assert rows["Warszawa"].kind == "city" and rows["Warszawa"].parent_id is None
    assert {r.parent_id for name, r in rows.items() if name != "Warszawa"} == {
        rows["Warszawa"].id
    }


def test_importing_the_same_file_twice_is_refused_feature_by_feature(session, admin):
    path = shared(files.GDANSK_DISTRICTS)
    area_import.commit(session, admin, plan_file(session, admin, path,
                                                 AreaOptions(kind="district")))
    before = count_areas(session)

    again = plan_file(session, admin, path, AreaOptions(kind="district"))

    assert not again.ok
    assert len(messages(again, "area_import.exists")) == 35
    with pytest.raises(AreaImportError) as raised:
        area_import.commit(session, admin, again)
    assert len(raised.value.plan.failed) == 35
    assert count_areas(session) == before


def test_a_misspelt_estate_is_recognised_as_the_stored_one(session, admin):
    path = shared(files.WROCLAW_ESTATES)
    frame = gpd.read_file(path)
    official = frame.copy()
    official["osiedle"] = official["osiedle"].replace(
        {"Przedmiescie Oławskie": "Przedmieście Oławskie"})
    area_import.commit(session, admin, area_import.plan(
        session, admin, _features(official), AreaOptions(name_field="osiedle"), "official"))

    again = plan_file(session, admin, path, AreaOptions(name_field="osiedle"))

    typo = next(a for a in again.areas if a.name == "Przedmiescie Oławskie")
    exists = next(m for m in typo.messages if m.key == "area_import.exists")
    assert exists.params["name"] == "Przedmieście Oławskie"
    assert "Przedmieście Oławskie" in exists.text("pl")


def _features(frame):
    from geodata.tables import features_from_table

    headings = [c for c in frame.columns if c != "geometry"]
    rows = [(i + 1, [*record[:-1], record[-1].wkt])
            for i, record in enumerate(frame[[*headings, "geometry"]].itertuples(index=False))]
    return features_from_table([*headings, "WKT"], rows, wkt="WKT")


# --- every format ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("convert", "encoding_note"),
    [
        (files.to_gpkg, False),
        (lambda f, d: files.to_shapefile_zip(f, d, cpg=True), False),
        (lambda f, d: files.to_shapefile_zip(f, d, cpg=False), True),
        (files.to_kml, False),
        (files.to_csv_wkt, False),
    ],
    ids=["gpkg-2180", "shp-zip-cpg", "shp-zip-no-cpg-cp1250", "kml", "csv-wkt-cp1250"],
)
def test_gdansk_districts_import_the_same_from_every_format(
    session, admin, tmp_path, convert, encoding_note
):
    original = gpd.read_file(shared(files.GDANSK_DISTRICTS))[["DZIELNICY", "L_MIESZK", "geometry"]]
    path = convert(original, tmp_path)

    planned = plan_file(session, admin, path, AreaOptions(name_field="DZIELNICY", kind="district"))

    assert planned.ok, [(a.name, [m.key for m in a.messages]) for a in planned.failed]
    assert sorted(a.name for a in planned.areas) == sorted(original["DZIELNICY"])
    assert any(n.key == "import_file.encoding_guessed" for n in planned.notes) == encoding_note
    by_name = {a.name: a for a in planned.areas}
    for name, shape in zip(original["DZIELNICY"], original.geometry, strict=True):
        assert geodesic_area_m2(by_name[name].geometry) == pytest.approx(
            geodesic_area_m2(shape), rel=1e-3
        )
    assert area_import.commit(session, admin, planned)


def test_a_shapefile_with_a_broken_prj_imports_once_the_crs_is_given(session, admin, tmp_path):
    original = gpd.read_file(shared(files.GDANSK_DISTRICTS))[["DZIELNICY", "geometry"]]
    path = files.to_shapefile_zip(original, tmp_path, prj="PROJCS[nonsense")

    with pytest.raises(UserError) as raised:
        open_features(path, path.name)
    assert raised.value.key == "import_file.bad_prj"

    planned = plan_file(session, admin, path, AreaOptions(kind="district"), crs="EPSG:2180")
    assert planned.ok and planned.source_crs == "EPSG:2180"


# --- bad input: a clear message, and the database unchanged --------------------------------


def _feature_collection(features):
    return {"type": "FeatureCollection", "features": features}


def _polygon(ring, name="Kwadrat"):
    return {"type": "Feature", "properties": {"name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


SQUARE = [[18.60, 54.35], [18.62, 54.35], [18.62, 54.36], [18.60, 54.36], [18.60, 54.35]]


def test_latitude_and_longitude_swapped_are_detected_and_nothing_is_saved(
    session, admin, tmp_path
):
    frame = gpd.read_file(shared(files.GDANSK_DISTRICTS))
    data = json.loads(frame.to_json())
    for feature in data["features"]:
        feature["geometry"]["coordinates"] = [
            [[y, x] for x, y in ring] for ring in feature["geometry"]["coordinates"]
        ]
    path = tmp_path / "swapped.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = count_areas(session)

    planned = plan_file(session, admin, path, AreaOptions(kind="district"))

    assert len(messages(planned, "area_import.swapped_axes")) == 35
    summary = next(n for n in planned.notes if n.key == "area_import.all_swapped")
    assert "Indian Ocean" in summary.text("en") and "Oceanie Indyjskim" in summary.text("pl")
    with pytest.raises(AreaImportError):
        area_import.commit(session, admin, planned)
    assert count_areas(session) == before


def test_northing_and_easting_swapped_in_a_pl2000_file_are_detected(session, admin, tmp_path):
    # In PL-2000 the easting carries the zone number (6 542 396 in zone 6), so
    # swapped axes leave the zone. (In PUWG 1992, EPSG:2180, Gdańsk swapped
    # lands near Siedlce, still in Poland: only the preview map shows that.)
    frame = gpd.read_file(shared(files.GDANSK_DISTRICTS))[["DZIELNICY", "geometry"]].head(3)
    metric = frame.to_crs("EPSG:2177")
    metric.geometry = metric.geometry.map(swap_axes)
    path = files.to_gpkg(metric, tmp_path, crs="EPSG:2177")

    planned = plan_file(session, admin, path, AreaOptions(kind="district"))

    assert len(messages(planned, "area_import.swapped_axes_source")) == 3
    assert not planned.ok


def test_every_problem_of_single_features_gets_its_own_message(session, admin, tmp_path):
    far = [[x + 20, y] for x, y in SQUARE]  # Ukraine is not in Poland either
    features = [
        _polygon(SQUARE, "Dobre"),
        _polygon([[x, y - 0.05] for x, y in SQUARE], "  "),
        {"type": "Feature", "properties": {"name": "Pusty"}, "geometry": None},
        {"type": "Feature", "properties": {"name": "Punkt"},
         "geometry": {"type": "Point", "coordinates": [18.6, 54.35]}},
        _polygon([[x, y + 0.05] for x, y in SQUARE], "dobre"),
        _polygon(SQUARE, "Kopia granicy"),
        _polygon(far, "Daleko"),
    ]
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps(_feature_collection(features)), encoding="utf-8")
    before = count_areas(session)

    planned = plan_file(session, admin, path)

    keys = {a.row: [m.key for m in a.messages if m.level == "error"] for a in planned.areas}
    assert keys == {
        1: [],
        2: ["area_import.no_name"],
        3: ["area_import.empty_geometry"],
        4: ["area_import.not_polygon"],
        5: ["area_import.duplicate_name"],
        6: ["area_import.duplicate_geometry"],
        7: ["area_import.outside_poland"],
    }
    texts = [m.text("pl") for a in planned.areas for m in a.messages]
    assert all(texts)
    assert "Point" in planned.areas[3].messages[0].text("en")
    with pytest.raises(AreaImportError) as raised:
        area_import.commit(session, admin, planned)
    assert "6" in raised.value.__str__()
    assert count_areas(session) == before


@pytest.mark.parametrize(
    ("content", "name", "key"),
    [
        (None, "cut.geojson", "import_file.truncated"),
        (b"PK\x05\x06" + b"\0" * 18, "empty.zip", "import_file.zip_no_dataset"),
        (b"not a zip at all", "broken.zip", "import_file.bad_zip"),
        (b"{}", "areas.dxf", "import_file.unsupported"),
    ],
)
def test_a_broken_file_is_refused_with_a_clear_message_and_nothing_changes(
    session, admin, content, name, key
):
    if content is None:
        content = shared(files.GDANSK_DISTRICTS).read_bytes()[:20_000]
    before = count_areas(session)
    with pytest.raises(UserError) as raised:
        features = open_features(content, name)
        area_import.commit(session, admin, area_import.plan(session, admin, features))
    assert raised.value.key == key
    assert str(raised.value)
    assert count_areas(session) == before


def test_a_missing_name_field_lists_the_fields_there_are(session, admin):
    with pytest.raises(UserError) as raised:
        plan_file(session, admin, shared(files.WROCLAW_ESTATES), AreaOptions(name_field="nazwa"))
    assert raised.value.key == "area_import.no_name_field"
    assert "osiedle" in str(raised.value)


def test_only_an_administrator_imports_areas(session, admin):
    editor = accounts.add_user(session, "ewa", None, "editor", ["wro-7"])
    features = open_features(shared(files.WROCLAW_ESTATES))
    with pytest.raises(PermissionDenied):
        area_import.plan(session, editor, features)


def test_an_unknown_team_is_refused(session, admin):
    with pytest.raises(UserError) as raised:
        plan_file(session, admin, shared(files.WROCLAW_ESTATES), AreaOptions(team="nope"))
    assert raised.value.key == "account.unknown_team"


def test_the_import_runs_under_row_level_security_as_the_signed_in_admin(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        admin = accounts.add_user(session, "ada", None, "admin")
        editor = accounts.add_user(session, "ewa", None, "editor")
    features = open_features(shared(files.WARSAW_DISTRICTS))
    with db.session_scope(engine, "ada", restricted=True) as session:
        planned = area_import.plan(session, admin, features, AreaOptions(kind="district"))
        area_import.commit(session, admin, planned)
    with pytest.raises(Exception, match="row-level security"):  # noqa: B017
        with db.session_scope(engine, "ewa", restricted=True) as session:
            # Even past the service's own check, the database refuses an editor.
            session.execute(text(
                "INSERT INTO area (name, kind, geom) VALUES ('X', 'estate', "
                "ST_Multi(ST_MakeEnvelope(18, 54, 18.1, 54.1, 4326)))"))
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Area)) == 19
    del editor
    engine.dispose()


# --- the command ----------------------------------------------------------------------------


def test_the_command_checks_saves_and_dry_runs(monkeypatch, fresh_db_url, tmp_path):
    point_app_at(monkeypatch, fresh_db_url)
    monkeypatch.setenv("CALMAP_LANGUAGE", "en")
    runner = CliRunner()
    path = str(shared(files.WARSAW_DISTRICTS))
    engine = create_engine(fresh_db_url)

    def stored():
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(Area))

    dry = runner.invoke(app, ["import", "areas", path, "--kind", "district", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Covers 18 other areas" in dry.output and "rolled back" in dry.output
    assert stored() == 0

    saved = runner.invoke(app, ["import", "areas", path, "--kind", "district"])
    assert saved.exit_code == 0, saved.output
    assert "saved 19 areas" in saved.output
    assert stored() == 19

    again = runner.invoke(app, ["import", "areas", path, "--kind", "district"])
    assert again.exit_code == 1
    assert "already stored" in again.output and "No area was saved" in again.output
    assert stored() == 19

    cut = tmp_path / "cut.geojson"
    cut.write_bytes(shared(files.WARSAW_DISTRICTS).read_bytes()[:5000])
    broken = runner.invoke(app, ["import", "areas", str(cut)])
    assert broken.exit_code == 1
    assert "stops half-way" in broken.output
    assert stored() == 19
    engine.dispose()
