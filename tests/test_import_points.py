"""Organisers import resources or partners from GIS files and tables: rows checked, all or nothing.

The real case: Gdańsk's 74 cultural venues, placed from their EPSG:2177
source coordinates written as text with decimal commas, categories mapped
from the file's ``TYP`` column; then the same venues in every format, and
the spreadsheet import's hooks this module builds on.
"""

from __future__ import annotations

import zipfile

import geopandas as gpd
import openpyxl
import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import LineString
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from geodata.boundaries import dissolve
from geodata.points import read_projected_points
from mapping import db
from mapping.cli.main import app
from mapping.db.models import Area, LayerHistory, Partner, Resource, Team
from mapping.errors import PermissionDenied, UserError, ValidationError
from mapping.io import bulk, bulk_reading, point_import
from mapping.io.bulk import BulkImportError
from mapping.io.feature_files import SourceOptions
from mapping.io.point_import import PointOptions
from mapping.services import accounts, pins
from tests import import_fixtures as files
from tests.conftest import point_app_at, runtime_url
from tests.editing_fixtures import build_world
from tests.import_fixtures import shared

TYP = {"b": "library", "m": "museum", "d": "culture_centre", "i": "culture_centre",
       "*": "culture_centre"}
VENUE_COLUMNS = ["ID", "NAZWA", "ULICA", "TYP", "X", "Y", "geometry"]


@pytest.fixture()
def gdansk(session):
    """Gdańsk as one area (the union of its 35 districts), its team, an admin and an editor."""
    districts = gpd.read_file(shared(files.GDANSK_DISTRICTS))
    team = Team(code="gda", name="Gdańsk")
    session.add(team)
    session.flush()
    city = Area(name="Gdańsk", kind="city", team_id=team.id,
                geom=from_shape(dissolve(districts.geometry, 50_000), srid=4326))
    session.add(city)
    session.flush()
    admin = accounts.add_user(session, "ada", None, "admin")
    editor = accounts.add_user(session, "ewa", None, "editor", ["gda"])
    return city.id, admin, editor


def venues() -> gpd.GeoDataFrame:
    return gpd.read_file(shared(files.GDANSK_VENUES))[VENUE_COLUMNS]


def count(session, model=Resource) -> int:
    return session.scalar(select(func.count()).select_from(model))


VENUE_OPTIONS = PointOptions(name_field="NAZWA", category_field="TYP", category_map=TYP)
XY_2177 = SourceOptions(crs="EPSG:2177", x_field="X", y_field="Y")


def test_gdansk_venues_are_placed_from_their_epsg2177_comma_strings(session, gdansk):
    area_id, _admin, editor = gdansk
    path = shared(files.GDANSK_VENUES)
    points = point_import.read(path, path.name, VENUE_OPTIONS, XY_2177)
    assert points.source_crs == "EPSG:2177"
    assert points.parsed.errors == []
    before = count(session)

    ids = point_import.commit(session, editor, points, area_id, VENUE_OPTIONS)

    assert len(ids) == 74 and count(session) == before + 74
    stored = session.execute(
        select(Resource.name, Resource.category, Resource.kind, Resource.area_id,
               func.ST_X(Resource.geom), func.ST_Y(Resource.geom), Resource.source)
        .where(Resource.id.in_(ids)).order_by(Resource.id)
    ).all()
    categories = [r.category for r in stored]
    assert categories.count("library") == 30 and categories.count("museum") == 24
    # The one venue without TYP falls back to the map's "*".
    assert categories.count("culture_centre") == 20
    assert {r.area_id for r in stored} == {area_id}
    assert stored[0].source == f"{path.name}, row 1"
    # Within a metre of what the proven reader makes of the same strings.
    expected = read_projected_points(path, "X", "Y", "EPSG:2177").geometry
    for row, point in zip(stored, expected, strict=True):
        assert abs(row[4] - point.x) < 1e-5 and abs(row[5] - point.y) < 1e-5
    history = session.scalars(
        select(LayerHistory.app_user).where(LayerHistory.table_name == "resource",
                                            LayerHistory.row_id.in_(ids))
    ).all()
    assert history == ["ewa"] * 74


def test_the_same_venues_from_a_polish_excel_csv_with_comma_decimals(session, gdansk, tmp_path):
    area_id, admin, _editor = gdansk
    table = venues().drop(columns="geometry")
    path = tmp_path / "instytucje.csv"
    table.to_csv(path, sep=";", index=False, encoding="cp1250")
    assert "6542396,52" in path.read_text(encoding="cp1250")

    points = point_import.read(path, path.name, VENUE_OPTIONS, XY_2177)

    assert (points.parsed.file_format, points.parsed.encoding) == ("csv", "cp1250")
    assert points.parsed.rows[0].row == 2  # the spreadsheet's own numbering
    assert len(point_import.commit(session, admin, points, area_id, VENUE_OPTIONS)) == 74


@pytest.mark.parametrize(
    "convert",
    [
        lambda f, d: files.to_gpkg(f, d, crs="EPSG:2180"),
        lambda f, d: files.to_shapefile_zip(f, d, cpg=False, crs="EPSG:2177"),
        files.to_kml,
        lambda f, d: files.to_csv_wkt(f, d, column="geometria"),
    ],
    ids=["gpkg-2180", "shp-zip-cp1250-no-cpg", "kml", "csv-wkt"],
)
def test_venues_from_every_gis_format_keep_their_names_and_places(
    session, gdansk, tmp_path, convert
):
    area_id, admin, _editor = gdansk
    frame = venues()
    path = convert(frame, tmp_path)

    points = point_import.read(path, path.name, VENUE_OPTIONS)
    ids = point_import.commit(session, admin, points, area_id, VENUE_OPTIONS)

    assert len(ids) == 74
    names = session.scalars(select(Resource.name).where(Resource.id.in_(ids))).all()
    assert sorted(names) == sorted(frame["NAZWA"].str.strip())
    assert any("Błękitny" in n for n in names)


def test_a_csv_with_lat_lon_decimal_commas_and_polish_headings_needs_no_options(
    session, gdansk, tmp_path
):
    area_id, admin, _editor = gdansk
    path = tmp_path / "zasoby.csv"
    path.write_bytes(
        "Nazwa;Kategoria;Adres;Szerokość;Długość;Widoczność\r\n"
        "Świetlica „Promyk”;Świetlica;ul. Dworska 29a;54,4041;18,6308;publiczny\r\n"
        "Klub Seniora;Klub seniora;ul. Gdańska 7;54,4042;18,6293;\r\n".encode("cp1250")
    )
    points = point_import.read(path, path.name)
    ids = point_import.commit(session, admin, points, area_id)
    rows = session.execute(
        select(Resource.name, Resource.category, func.ST_Y(Resource.geom))
        .where(Resource.id.in_(ids)).order_by(Resource.id)
    ).all()
    assert [(r[0], r[1], round(r[2], 4)) for r in rows] == [
        ("Świetlica „Promyk”", "youth_club", 54.4041),
        ("Klub Seniora", "senior_club", 54.4042),
    ]


def test_partners_from_an_xlsx_take_their_sector_from_a_mapped_column(session, gdansk, tmp_path):
    area_id, admin, _editor = gdansk
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Organizacja", "Typ", "lat", "lon"])
    sheet.append(["Parafia św. Jana", "kościół", 54.3495, 18.6560])
    sheet.append(["Rada Dzielnicy", "rada", 54.3520, 18.6490])
    path = tmp_path / "partnerzy.xlsx"
    workbook.save(path)
    options = PointOptions(layer="partner", name_field="Organizacja", category_field="Typ",
                           category_map={"kościół": "church", "rada": "council"})

    points = point_import.read(path, path.name, options)
    ids = point_import.commit(session, admin, points, area_id, options)

    sectors = session.scalars(select(Partner.sector).where(Partner.id.in_(ids))
                              .order_by(Partner.id)).all()
    assert sectors == ["church", "council"]


def test_a_category_map_is_read_from_a_csv(tmp_path):
    path = tmp_path / "mapa.csv"
    path.write_bytes(b"TYP;kategoria\r\nb;library\r\nm;Muzeum\r\n*;culture_centre\r\n")
    assert point_import.read_category_map(path) == {
        "b": "library", "m": "Muzeum", "*": "culture_centre"}
    path.write_bytes(b"TYP;kategoria\r\nb;\r\n")
    with pytest.raises(UserError) as raised:
        point_import.read_category_map(path)
    assert raised.value.params == {"row": 2}


def test_awkward_text_survives_the_set_based_save_unchanged(session, gdansk, tmp_path):
    area_id, admin, _editor = gdansk
    names = ['Klub "Pod Kasztanem"', "Świetlica {Promyk}, ul. Długa", "C:\\Dom\\kultury",
             "NULL", "Ognisko – „Iskra” (ŚDS); tel. 58 301"]
    rows = "".join(
        f'"{n.replace(chr(34), chr(34) * 2)}";Świetlica;ul. {i};54,4041;18,6308;'
        f"{'seniorzy, rodziny' if i % 2 else ''};{'' if i % 2 else 'tak'}\r\n"
        for i, n in enumerate(names)
    )
    path = tmp_path / "dziwne.csv"
    path.write_bytes(("Nazwa;Kategoria;Adres;lat;lon;Grupy docelowe;Poza obszarem\r\n"
                      + rows).encode("utf-8"))
    points = point_import.read(path, path.name)
    ids = point_import.commit(session, admin, points, area_id)
    stored = session.execute(
        select(Resource.name, Resource.target_groups, Resource.serves_from_outside,
               Resource.description).where(Resource.id.in_(ids)).order_by(Resource.id)
    ).all()
    assert [r.name for r in stored] == names
    assert [r.target_groups for r in stored] == [
        [], ["seniors", "families"], [], ["seniors", "families"], []]
    assert [r.serves_from_outside for r in stored] == [True, False, True, False, True]
    assert {r.description for r in stored} == {None}


# --- bad rows: every one reported, nothing saved --------------------------------------------


def test_swapped_x_and_y_columns_are_reported_on_every_row(session, gdansk):
    area_id, admin, _editor = gdansk
    path = shared(files.GDANSK_VENUES)
    swapped = SourceOptions(crs="EPSG:2177", x_field="Y", y_field="X")
    points = point_import.read(path, path.name, VENUE_OPTIONS, swapped)
    before = count(session)

    with pytest.raises(BulkImportError) as raised:
        point_import.commit(session, admin, points, area_id, VENUE_OPTIONS)

    report = raised.value.report
    assert len(report.failed_rows) == 74
    assert {e.key for e in report.errors} == {"point_import.columns_swapped"}
    assert "X i Y" in report.errors[0].message("pl")
    assert count(session) == before


def test_every_bad_row_is_reported_and_none_is_saved(session, gdansk, tmp_path):
    area_id, admin, _editor = gdansk
    frame = gpd.GeoDataFrame(
        {
            "nazwa": ["Dobra", "Na morzu", "Odwrócona", "Kasyno", "Linia", "Poza obszarem", ""],
            "kategoria": ["library", "library", "library", "kasyno", "library", "library",
                          "library"],
        },
        geometry=[
            gpd.points_from_xy([18.6308], [54.4041])[0],
            gpd.points_from_xy([18.9], [54.6])[0],  # the Gulf of Gdańsk
            gpd.points_from_xy([54.4041], [18.6308])[0],  # latitude first
            gpd.points_from_xy([18.6308], [54.4041])[0],
            LineString([(18.63, 54.40), (18.64, 54.41)]),
            gpd.points_from_xy([17.03], [51.11])[0],  # Wrocław, not Gdańsk
            gpd.points_from_xy([18.6308], [54.4041])[0],
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "punkty.geojson"
    frame.to_file(path)
    points = point_import.read(path, path.name)
    before = count(session)

    report = point_import.check(session, admin, points, area_id)
    with pytest.raises(BulkImportError):
        point_import.commit(session, admin, points, area_id)

    assert [(e.row, e.key) for e in report.errors] == [
        (2, "error.point_outside_poland"),
        (3, "error.point_swapped"),
        (4, "error.unknown_choice"),
        (5, "point_import.not_a_point"),
        (6, "error.point_outside_area"),
        (7, "error.required"),
    ]
    assert [r.row for r in report.ready] == [1]
    assert "LineString" in report.errors[3].message("en")
    assert count(session) == before


def test_an_editor_may_not_import_into_another_team_s_area(session, gdansk, tmp_path):
    area_id, _admin, _editor = gdansk
    outsider = accounts.add_user(session, "olek", None, "editor")
    path = shared(files.GDANSK_VENUES)
    points = point_import.read(path, path.name, VENUE_OPTIONS, XY_2177)
    with pytest.raises(PermissionDenied):
        point_import.commit(session, outsider, points, area_id, VENUE_OPTIONS)
    viewer = accounts.add_user(session, "wiktor", None, "viewer")
    with pytest.raises(PermissionDenied):
        point_import.check(session, viewer, points, area_id, VENUE_OPTIONS)


def test_a_file_without_a_name_column_says_which_columns_it_has(tmp_path):
    path = tmp_path / "bez_nazwy.csv"
    path.write_text("kategoria;lat;lon\nlibrary;54,4;18,6\n", encoding="utf-8")
    with pytest.raises(UserError) as raised:
        point_import.read(path, path.name)
    assert raised.value.key == "point_import.no_name_column"
    assert "kategoria" in raised.value.params["columns"]


def test_a_zip_bomb_of_points_is_refused_before_anything_is_read(tmp_path):
    path = tmp_path / "punkty.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as packed:
        packed.writestr("punkty.shp", b"\0" * (64 * 1024 * 1024))
    with pytest.raises(UserError) as raised:
        point_import.read(path, path.name)
    assert raised.value.key == "import_file.zip_bomb"


def test_the_import_runs_under_row_level_security_as_the_signed_in_editor(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
    area = world.point_a
    table = ("Nazwa;Kategoria;Adres;lat;lon\n"
             f"Świetlica;Świetlica;ul. Dworska;{area[1]};{area[0]}\n").encode()
    points = point_import.read(table, "zasoby.csv")
    with db.session_scope(engine, "ewa", restricted=True) as session:
        ids = point_import.commit(session, world.editor_a, points, world.area_a)
        # The rest of the transaction is restricted again.
        assert session.scalar(text("SELECT current_user")) == db.APP_ROLE
    assert len(ids) == 1
    with pytest.raises(PermissionDenied):
        with db.session_scope(engine, "ewa", restricted=True) as session:
            point_import.commit(session, world.editor_a, points, world.area_b)
    # Ewa leaves team A while her page still holds the old rights: the
    # database's own rule, asked once before the insert, refuses.
    with Session(engine) as session, session.begin():
        accounts.remove_from_team(session, "ewa", "test-a")
    with pytest.raises(PermissionDenied):
        with db.session_scope(engine, "ewa", restricted=True) as session:
            point_import.commit(session, world.editor_a, points, world.area_a)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Resource)) == 1
    engine.dispose()


def test_through_the_runtime_role_an_editor_outside_the_team_is_refused_before_writing(
    fresh_db_url,
):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        accounts.remove_from_team(session, "ewa", "test-a")
        token = db.open_session_as_owner(session, "ewa")
    area = world.point_a
    table = ("Nazwa;Kategoria;Adres;lat;lon\n"
             f"Świetlica;Świetlica;ul. Dworska;{area[1]};{area[0]}\n").encode()
    points = point_import.read(table, "zasoby.csv")
    runtime = db.make_engine(runtime_url(fresh_db_url))
    with pytest.raises(PermissionDenied):
        with db.acting_for(token), db.session_scope(runtime, "ewa", restricted=True) as session:
            point_import.commit(session, world.editor_a, points, world.area_a)
    runtime.dispose()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Resource)) == 0
    engine.dispose()


# --- the hooks in pins and bulk this import is built on -------------------------------------


def test_check_fields_with_choices_read_once_applies_the_editor_s_rules(session):
    choices = pins.field_choices(session, "resource")
    data = {"name": " Biblioteka ", "category": "library", "visibility": "public"}
    assert pins.check_fields(session, "resource", data, choices)["kind"] == "institution_public"
    assert pins.check_fields(session, "resource", data) == pins.check_fields(
        session, "resource", data, choices)
    with pytest.raises(ValidationError) as raised:
        pins.check_fields(session, "resource", {**data, "category": "kasyno"}, choices)
    assert raised.value.fields == {"category": "error.unknown_choice"}


def test_editable_area_checks_rights_like_create_pin(session):
    world = build_world(session)
    assert pins.editable_area(session, world.editor_a, world.area_a).id == world.area_a
    with pytest.raises(PermissionDenied):
        pins.editable_area(session, world.editor_a, world.area_b)
    with pytest.raises(UserError):
        pins.editable_area(session, world.admin, None)


def test_bulk_reads_a_table_and_its_rows_as_parse_does():
    content = "Nazwa;Kategoria;Adres;Szerokość;Długość\r\nA;Świetlica;ul. X;54,4;18,6\r\n"
    table = bulk_reading.read_table(content.encode("cp1250"), "a.csv")
    assert (table.file_format, table.encoding, table.delimiter) == ("csv", "cp1250", ";")
    assert table.rows[1] == (2, ["A", "Świetlica", "ul. X", "54,4", "18,6"])
    assert bulk_reading.read_table(content.encode("utf-8"), "a.csv", "utf-8").encoding == "utf-8"
    assert [bulk_reading.field_of_heading(h) for h in table.rows[0][1]] == [
        "name", "category", "address", "lat", "lon"]
    parsed = bulk.parse(content.encode("cp1250"), "a.csv")
    row = bulk_reading.read_row(parsed, 9, {"name": " B ", "serves_from_outside": "tak"})
    assert (row.row, row.values, row.point) == (9, {"name": "B", "serves_from_outside": True},
                                                None)


def test_bulk_pin_inputs_and_row_errors_speak_the_report_s_language(session):
    content = (
        "Nazwa;Kategoria;Adres;lat;lon\r\nA;Świetlica;ul. X;54,4;18,6\r\nB;;ul. Y;54,4;18,6\r\n"
    )
    parsed = bulk.parse(content.encode(), "a.csv")
    (_first, data), (second, empty) = bulk.pin_inputs(session, "resource", parsed)
    assert data["category"] == "youth_club" and data["source"] == "a.csv, row 2"
    errors = bulk.row_errors(parsed, "resource", second, empty,
                             {"category": "error.unknown_choice"})
    assert [(e.row, e.field, e.key, e.column) for e in errors] == [
        (3, "category", "error.required", "Kategoria")]


# --- the command ----------------------------------------------------------------------------


def test_the_command_imports_venues_with_a_category_map(monkeypatch, fresh_db_url, tmp_path):
    engine = create_engine(fresh_db_url)
    districts = gpd.read_file(shared(files.GDANSK_DISTRICTS))
    with Session(engine) as session, session.begin():
        session.add(Area(name="Gdańsk", kind="city",
                         geom=from_shape(dissolve(districts.geometry, 50_000), srid=4326)))
    mapping = tmp_path / "typ.csv"
    mapping.write_text("TYP,kategoria\n" + "".join(f"{k},{v}\n" for k, v in TYP.items()))
    point_app_at(monkeypatch, fresh_db_url)
    monkeypatch.setenv("CALMAP_LANGUAGE", "en")
    args = ["import", "points", str(shared(files.GDANSK_VENUES)), "--area", "Gdańsk",
            "--name-field", "NAZWA", "--category-field", "TYP", "--category-map", str(mapping),
            "--x-field", "X", "--y-field", "Y", "--crs", "EPSG:2177"]
    runner = CliRunner()

    def stored():
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(Resource))

    dry = runner.invoke(app, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "74 resources checked" in dry.output and stored() == 0
    saved = runner.invoke(app, args)
    assert saved.exit_code == 0, saved.output
    assert "saved 74 resources" in saved.output and stored() == 74

    bad = runner.invoke(app, [*args[:-6], "--x-field", "Y", "--y-field", "X", "--crs",
                              "EPSG:2177"])
    assert bad.exit_code == 1
    assert "coordinate columns are swapped" in bad.output
    assert stored() == 74
    engine.dispose()
