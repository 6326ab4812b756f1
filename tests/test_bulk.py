"""Organisers load a spreadsheet of resources or partners: every row checked, all or nothing.

The files are written the way people really export them (Polish Excel: CP1250,
semicolons, decimal commas; UTF-8 with a BOM; XLSX) into ``tmp_path`` and read
back as bytes, as the upload widget hands them over.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
import shapely
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from mapping import catalog, db
from mapping.db.models import LayerHistory, Partner, Resource
from mapping.errors import PermissionDenied, UserError
from mapping.io import bulk
from mapping.maps.overview import overview_map
from mapping.services import pins
from tests.editing_fixtures import DISTRICTS, build_world

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENUES = PROJECT_ROOT / "geodata" / "files" / "gdansk_instytucje_kultury.geojson"
# Points inside Brzeźno (team A's district): two real venues on ul. Dworska.
BRZEZNO_1 = ("54,4041", "18,6308")
BRZEZNO_2 = ("54,4042", "18,6293")
SEA = ("54,6", "18,9")  # the Gulf of Gdańsk

HEADER_PL = "Nazwa;Kategoria;Adres;Szerokość;Długość;Grupy docelowe;Telefon\r\n"


def cp1250_csv(tmp_path: Path, rows: list[str], header: str = HEADER_PL) -> bytes:
    """Write a CSV as Polish Excel does ("CSV (rozdzielany średnikami)") and read it back."""
    path = tmp_path / "zasoby.csv"
    path.write_bytes((header + "".join(rows)).encode("cp1250"))
    return path.read_bytes()


def good_rows() -> list[str]:
    return [
        f"Świetlica „Promyk”;Świetlica;ul. Dworska 29a;{BRZEZNO_1[0]};{BRZEZNO_1[1]};"
        "dzieci i młodzież, rodziny;58 301 22 33\r\n",
        f"Klub Seniora Złota Jesień;Klub seniora;ul. Gdańska 7;{BRZEZNO_2[0]};{BRZEZNO_2[1]};"
        "Seniorzy;\r\n",
    ]


@pytest.fixture()
def world(session):
    return build_world(session)


def count(session, model=Resource) -> int:
    return session.scalar(select(func.count()).select_from(model))


def errors_of(report) -> list[tuple[int, str, str]]:
    return [(e.row, e.field, e.key) for e in report.errors]


# --- reading files ------------------------------------------------------------------------


def test_a_polish_excel_csv_in_cp1250_with_semicolons_and_decimal_commas_is_read(tmp_path):
    parsed = bulk.parse(cp1250_csv(tmp_path, good_rows()), "zasoby.csv")
    assert (parsed.file_format, parsed.encoding, parsed.delimiter) == ("csv", "cp1250", ";")
    assert parsed.columns["lat"] == "Szerokość" and parsed.columns["lon"] == "Długość"
    assert parsed.errors == []
    first, second = parsed.rows
    assert first.values["name"] == "Świetlica „Promyk”"
    assert second.values["name"] == "Klub Seniora Złota Jesień"
    assert first.point == (18.6308, 54.4041)
    assert first.values["phone"] == "58 301 22 33"


def test_a_utf8_csv_with_a_bom_and_english_headings_is_read(tmp_path):
    path = tmp_path / "resources.csv"
    path.write_text(
        "name,category,address,latitude,longitude,email\n"
        '"Biblioteka Brzeźno",library,"ul. Dworska 27, Gdańsk","54,4102",18.619,bib@example.pl\n',
        encoding="utf-8-sig",
    )
    parsed = bulk.parse(path.read_bytes(), path.name)
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    assert (parsed.encoding, parsed.delimiter) == ("utf-8-sig", ",")
    # The BOM must not stick to the first heading, or "name" would go unrecognised.
    assert parsed.columns["name"] == "name"
    assert parsed.rows[0].values["address"] == "ul. Dworska 27, Gdańsk"
    assert parsed.rows[0].point == (18.619, 54.4102)


def test_an_xlsx_workbook_is_read_with_numbers_as_typed(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Nazwa", "Kategoria", "Adres", "lat", "lon", "Telefon", "WWW"])
    sheet.append(["Świetlica „Promyk”", "youth_club", "ul. Dworska 29a", 54.4102, 18.619,
                  583012233, "https://promyk.example.pl"])
    sheet.append([None] * 7)  # a blank row in the middle still counts in the row numbers
    sheet.append(["Klub Seniora Złota Jesień", "senior_club", "ul. Gdańska 7", "54,4089",
                  "18,6255", None, None])
    path = tmp_path / "zasoby.xlsx"
    workbook.save(path)
    parsed = bulk.parse(path.read_bytes(), path.name)
    assert parsed.file_format == "xlsx"
    assert [r.row for r in parsed.rows] == [2, 4]
    assert parsed.rows[0].values["phone"] == "583012233"  # not 583012233.0
    assert parsed.rows[1].point == (18.6255, 54.4089)


def test_a_tab_separated_utf16_export_from_excel_is_read(tmp_path):
    path = tmp_path / "zasoby.txt"
    path.write_bytes(
        "\ufeffnazwa\tkategoria\tadres\twkt\nŚwietlica\tyouth_club\tDworska\t"
        "POINT (18.619 54.4102)\n".encode("utf-16-le")
    )
    parsed = bulk.parse(path.read_bytes(), path.name)
    assert (parsed.encoding, parsed.delimiter) == ("utf-16", "\t")
    assert parsed.rows[0].point == (18.619, 54.4102)


def test_missing_required_columns_are_all_named_in_one_file_error(tmp_path):
    content = cp1250_csv(tmp_path, ["Promyk;Dworska 29a\r\n"], header="Nazwa;Adres\r\n")
    with pytest.raises(UserError) as info:
        bulk.parse(content, "zasoby.csv")
    assert info.value.key == "bulk.missing_columns"
    assert "kategoria/category" in info.value.params["columns"]
    assert "wkt" in info.value.params["columns"]
    assert "nazwa" not in info.value.params["columns"]


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (b"", "bulk.empty_file"),
        (codecs.BOM_UTF8 + b"\r\n\r\n", "bulk.empty_file"),
        ("Nazwa;Kategoria;Adres;lat;lon\r\n;;;;\r\n".encode("cp1250"), "bulk.no_rows"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "bulk.unsupported_format"),
        (b"PK\x03\x04 not really a zip", "bulk.bad_xlsx"),
        (
            "nazwa;lat;szerokość;kategoria;adres;lon\r\nx;1;1;y;z;2\r\n".encode(),
            "bulk.duplicate_columns",
        ),
    ],
    ids=["empty", "only-a-bom", "headings-only", "old-xls", "broken-xlsx", "two-latitudes"],
)
def test_a_file_that_cannot_be_used_gets_one_clear_error(content, key):
    with pytest.raises(UserError) as info:
        bulk.parse(content, "plik.csv")
    assert info.value.key == key


def test_a_huge_file_is_refused_before_it_is_read():
    with pytest.raises(UserError) as info:
        bulk.parse(b"x" * (bulk.MAX_BYTES + 1), "ogromny.csv")
    assert info.value.key == "bulk.too_big"


def test_too_many_rows_are_refused_with_the_limit_named():
    rows = "".join(f"R{i};library;A;54,41;18,62\n" for i in range(bulk.MAX_ROWS + 1))
    content = ("nazwa;kategoria;adres;lat;lon\n" + rows).encode()
    assert len(content) < bulk.MAX_BYTES
    with pytest.raises(UserError) as info:
        bulk.parse(content, "duzo.csv")
    assert (info.value.key, info.value.params) == ("bulk.too_many_rows", {"limit": bulk.MAX_ROWS})


def test_row_numbers_are_those_the_spreadsheet_shows(tmp_path):
    # A blank line and a cell spanning two lines: Excel shows each record as one row.
    rows = [
        f'Promyk;Świetlica;"ul. Dworska 29a\r\nIII piętro";{BRZEZNO_1[0]};{BRZEZNO_1[1]};;\r\n',
        "\r\n",
        f"Złota Jesień;Klub seniora;ul. Gdańska 7;54,41x;{BRZEZNO_2[1]};;\r\n",
        "Bez punktu;Klub seniora;ul. Gdańska 9;54,41;;;\r\n",
    ]
    parsed = bulk.parse(cp1250_csv(tmp_path, rows), "zasoby.csv")
    assert [r.row for r in parsed.rows] == [2, 4, 5]
    assert parsed.rows[0].values["address"] == "ul. Dworska 29a\r\nIII piętro"
    assert [(e.row, e.field, e.key, e.column, e.value) for e in parsed.errors] == [
        (4, "point", "error.point_not_number", "Szerokość / Długość", "54,41x"),
        (5, "point", "bulk.point_incomplete", "Szerokość / Długość", "54,41"),
    ]


def test_a_wkt_point_column_is_read_and_a_broken_one_is_reported():
    # An EWKT cell holds a semicolon, so it is quoted, as Excel would do.
    content = (
        b"nazwa;kategoria;adres;geometria\n"
        b"A;library;x;POINT (18.619 54.4102)\n"
        b'B;library;x;"SRID=4326;POINT(18.6255 54.4089)"\n'
        b"C;library;x;LINESTRING (18 54, 19 55)\n"
        b'D;library;x;"SRID=2180;POINT (470000 730000)"\n'
    )
    parsed = bulk.parse(content, "punkty.csv")
    assert [r.point for r in parsed.rows[:2]] == [(18.619, 54.4102), (18.6255, 54.4089)]
    assert [(e.row, e.key) for e in parsed.errors] == [(4, "bulk.bad_wkt"), (5, "bulk.wkt_srid")]


# --- checking rows with the editor's rules ------------------------------------------------


def test_the_preview_checks_each_row_with_the_editors_rules_and_writes_nothing(
    session, world, tmp_path
):
    rows = [
        *good_rows(),
        f"Kasyno „Fortuna”;Kasyno;ul. Morska 1;{BRZEZNO_1[0]};{BRZEZNO_1[1]};;\r\n",
        f"Statek;Świetlica;Zatoka;{SEA[0]};{SEA[1]};;\r\n",
        "Punkt w Oliwie;Świetlica;ul. Opata Jacka Rybińskiego 9;54,4110;18,5613;;\r\n",
        f"Zły telefon;Świetlica;ul. Dworska 1;{BRZEZNO_1[0]};{BRZEZNO_1[1]};;telefon\r\n",
    ]
    parsed = bulk.parse(cp1250_csv(tmp_path, rows), "zasoby.csv")
    before = count(session)
    report = bulk.preview(session, world.editor_a, "resource", world.area_a, parsed)
    assert count(session) == before
    assert [r.row for r in report.ready] == [2, 3]
    assert errors_of(report) == [
        (4, "category", "error.unknown_choice"),
        (5, "point", "error.point_outside_poland"),
        (6, "point", "error.point_outside_area"),
        (7, "phone", "error.phone"),
    ]
    unknown = report.errors[0]
    assert (unknown.column, unknown.value) == ("Kategoria", "Kasyno")
    assert unknown.message("pl") == "Tej wartości nie ma w katalogu."
    assert not report.ok and report.failed_rows == [4, 5, 6, 7]


def test_categories_and_target_groups_may_be_codes_or_labels_in_either_language(
    session, world, tmp_path
):
    rows = [
        f"A;LIBRARY;x;{BRZEZNO_1[0]};{BRZEZNO_1[1]};seniors;\r\n",
        f"B;Biblioteka;x;{BRZEZNO_1[0]};{BRZEZNO_1[1]};Seniorzy|rodziny;\r\n",
        f"C;library ;x;{BRZEZNO_1[0]};{BRZEZNO_1[1]};all residents;\r\n",
        f"D;Dzienny dom pomocy społecznej (DDPS);x;{BRZEZNO_1[0]};{BRZEZNO_1[1]};;\r\n",
        f"E;ddps;x;{BRZEZNO_1[0]};{BRZEZNO_1[1]};;\r\n",
    ]
    parsed = bulk.parse(cp1250_csv(tmp_path, rows), "zasoby.csv")
    report = bulk.preview(session, world.editor_a, "resource", world.area_a, parsed)
    assert report.errors == []
    assert [(r.data["category"], r.data["target_groups"]) for r in report.ready] == [
        ("library", ["seniors"]),
        ("library", ["seniors", "families"]),
        ("library", ["all_residents"]),
        ("day_care_home", []),
        ("day_care_home", []),
    ]


def test_an_empty_category_is_reported_as_required(session, world, tmp_path):
    rows = [f"A;;x;{BRZEZNO_1[0]};{BRZEZNO_1[1]};;\r\n"]
    parsed = bulk.parse(cp1250_csv(tmp_path, rows), "zasoby.csv")
    report = bulk.preview(session, world.editor_a, "resource", world.area_a, parsed)
    assert errors_of(report) == [(2, "category", "error.required")]


def test_a_viewer_or_another_team_is_refused_for_the_whole_file_not_row_by_row(
    session, world, tmp_path
):
    parsed = bulk.parse(cp1250_csv(tmp_path, good_rows()), "zasoby.csv")
    with pytest.raises(PermissionDenied) as info:
        bulk.preview(session, world.viewer, "resource", world.area_a, parsed)
    assert info.value.key == "error.read_only"
    with pytest.raises(PermissionDenied) as info:
        bulk.commit(session, world.editor_b, "resource", world.area_a, parsed)
    assert info.value.key == "error.not_your_team"
    with pytest.raises(UserError) as info:
        bulk.preview(session, world.editor_a, "resource", None, parsed)
    assert info.value.key == "error.choose_area"


def test_script_in_a_name_is_stored_as_typed_and_shown_escaped_on_the_preview_map(
    session, world, tmp_path
):
    name = "<script>alert('x')</script> Klub"
    rows = [f"{name};Świetlica;ul. Dworska 1;{BRZEZNO_1[0]};{BRZEZNO_1[1]};;\r\n"]
    parsed = bulk.parse(cp1250_csv(tmp_path, rows), "zasoby.csv")
    report = bulk.preview(session, world.editor_a, "resource", world.area_a, parsed)
    frame = bulk.preview_frame(report)
    page = overview_map(
        gpd.GeoDataFrame({"id": [], "parent_id": []}, geometry=[], crs=4326),
        {"resource": frame}, catalog.entries(session),
    ).get_root().render()
    # As typed, inside a JSON string whose closing tag is escaped: it cannot end the script.
    assert "<script>alert('x')</script>" not in page
    assert "<script>alert('x')<\\/script> Klub" in page
    (ref,) = bulk.commit(session, world.editor_a, "resource", world.area_a, parsed)
    assert session.get(Resource, ref.id).name == name


def test_template_syntax_in_a_name_is_shown_as_typed_and_never_evaluated(
    session, world, tmp_path
):
    # folium re-parses rendered scripts as Jinja templates; a name must not be run as one.
    name = "Klub {{ 7*7 }} {% if true %}tak{% endif %}"
    rows = [f"{name};Świetlica;ul. Dworska 1;{BRZEZNO_1[0]};{BRZEZNO_1[1]};;\r\n"]
    parsed = bulk.parse(cp1250_csv(tmp_path, rows), "zasoby.csv")
    report = bulk.preview(session, world.editor_a, "resource", world.area_a, parsed)
    page = overview_map(
        gpd.GeoDataFrame({"id": [], "parent_id": []}, geometry=[], crs=4326),
        {"resource": bulk.preview_frame(report)}, catalog.entries(session),
    ).get_root().render()
    assert name in page
    assert "Klub 49" not in page


def test_a_partner_file_uses_the_sector_and_leaves_out_resource_only_columns(
    session, world, tmp_path
):
    header = "Nazwa;Sektor;Adres;lat;lon;Grupy docelowe;Poza obszarem\r\n"
    rows = [
        f"Rada Dzielnicy Brzeźno;Radni / rada osiedla;ul. Dworska 1;{BRZEZNO_1[0]};"
        f"{BRZEZNO_1[1]};seniorzy;nie\r\n",
        # Oliwa lies outside Brzeźno: allowed because the partner serves it from outside.
        "Parafia w Oliwie;Kościół / związek wyznaniowy;ul. Cystersów 10;54,4110;18,5613;;tak\r\n",
        # Two problems in one row: both are reported.
        f"Firma;Kasyno;ul. Dworska 2;{BRZEZNO_1[0]};{BRZEZNO_1[1]};;może\r\n",
    ]
    parsed = bulk.parse(cp1250_csv(tmp_path, rows, header=header), "partnerzy.csv")
    used, ignored = bulk.column_use(parsed, "partner")
    assert used["category"] == "Sektor" and "Grupy docelowe" in ignored
    assert [(e.row, e.key) for e in parsed.errors] == [(4, "bulk.bad_yes_no")]
    report = bulk.preview(session, world.editor_a, "partner", world.area_a, parsed)
    assert [(r.row, r.data["sector"]) for r in report.ready] == [(2, "council"), (3, "church")]
    assert errors_of(report) == [
        (4, "category", "error.unknown_choice"),
        (4, "serves_from_outside", "bulk.bad_yes_no"),
    ]
    assert report.ready[1].data["serves_from_outside"] is True


def test_a_need_file_is_not_taken(session, world, tmp_path):
    parsed = bulk.parse(cp1250_csv(tmp_path, good_rows()), "zasoby.csv")
    with pytest.raises(UserError) as info:
        bulk.preview(session, world.editor_a, "need", world.area_a, parsed)
    assert info.value.key == "error.unknown_layer"


def test_the_template_has_every_heading_the_parser_needs():
    content = bulk.template_csv("resource")
    assert content.startswith(codecs.BOM_UTF8)
    assert b"szeroko\xc5\x9b\xc4\x87" in content
    with pytest.raises(UserError) as info:
        bulk.parse(content, "wzor.csv")
    # Headings found, only the rows are missing.
    assert info.value.key == "bulk.no_rows"


# --- saving: all or nothing, in a real transaction under row-level security ---------------


@pytest.fixture()
def committed_world(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
    yield engine, world
    engine.dispose()


def total(engine, model=Resource) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_one_bad_row_saves_nothing_and_the_fixed_file_saves_everything(
    committed_world, tmp_path
):
    engine, world = committed_world
    bad = [*good_rows(), f"Statek;Świetlica;Zatoka;{SEA[0]};{SEA[1]};;\r\n"]
    parsed = bulk.parse(cp1250_csv(tmp_path, bad), "zasoby.csv")
    before = total(engine)
    with pytest.raises(bulk.BulkImportError) as info:
        with db.session_scope(engine, "ewa", restricted=True) as session:
            bulk.commit(session, world.editor_a, "resource", world.area_a, parsed)
    assert total(engine) == before
    assert errors_of(info.value.report) == [(4, "point", "error.point_outside_poland")]
    assert info.value.key == "bulk.nothing_saved" and info.value.params == {"rows": 1}

    fixed = bulk.parse(cp1250_csv(tmp_path, good_rows()), "zasoby.csv")
    with db.session_scope(engine, "ewa", restricted=True) as session:
        refs = bulk.commit(session, world.editor_a, "resource", world.area_a, fixed)
    assert total(engine) == before + 2
    with Session(engine) as session:
        saved = [session.get(Resource, ref.id) for ref in refs]
        assert [r.name for r in saved] == ["Świetlica „Promyk”", "Klub Seniora Złota Jesień"]
        assert [r.category for r in saved] == ["youth_club", "senior_club"]
        assert saved[0].target_groups == ["children_youth", "families"]
        assert saved[0].source == "zasoby.csv, row 2"
        authors = session.scalars(
            select(LayerHistory.app_user).where(
                LayerHistory.table_name == "resource",
                LayerHistory.row_id.in_([ref.id for ref in refs]),
            )
        ).all()
        assert authors == ["ewa", "ewa"]


def test_saving_the_same_upload_twice_adds_nothing_the_second_time(committed_world, tmp_path):
    engine, world = committed_world
    parsed = bulk.parse(cp1250_csv(tmp_path, good_rows()), "zasoby.csv")
    with db.session_scope(engine, "ewa", restricted=True) as session:
        bulk.commit(session, world.editor_a, "resource", world.area_a, parsed, form_token="up-1")
    after_first = total(engine)
    with pytest.raises(UserError) as info:
        with db.session_scope(engine, "ewa", restricted=True) as session:
            bulk.commit(
                session, world.editor_a, "resource", world.area_a, parsed, form_token="up-1"
            )
    assert info.value.key == "error.form_already_saved"
    assert total(engine) == after_first


def test_the_real_gdansk_venues_of_one_district_import_cleanly(committed_world, tmp_path):
    """Happy path on real data: Oliwa's cultural venues, exported as Polish Excel would."""
    from geodata.points import read_projected_points

    engine, world = committed_world
    venues = read_projected_points(VENUES, east_field="X", north_field="Y", crs="EPSG:2177")
    districts = gpd.read_file(DISTRICTS).set_index("DZIELNICY")
    oliwa = shapely.make_valid(districts.loc["Oliwa"].geometry)
    inside = venues[venues.within(oliwa)]
    assert len(inside) >= 3
    labels = {"b": "Biblioteka", "m": "Muzeum / galeria", "d": "Dom kultury / centrum społeczne",
              "i": "Dom kultury / centrum społeczne"}
    lines = []
    for venue in inside.to_dict("records"):
        lat = f"{venue['geometry'].y:.6f}".replace(".", ",")
        lon = f"{venue['geometry'].x:.6f}".replace(".", ",")
        name = " ".join(venue["NAZWA"].replace('""', '"').split())
        address = f"ul. {venue['ULICA']} {venue['NUMER']}"
        lines.append(f'"{name}";{labels[venue["TYP"]]};{address};{lat};{lon};;\r\n')
    parsed = bulk.parse(cp1250_csv(tmp_path, lines), "instytucje_oliwa.csv")
    with db.session_scope(engine, "bartek", restricted=True) as session:
        report = bulk.preview(session, world.editor_b, "resource", world.area_b, parsed)
        assert report.errors == [] and len(report.ready) == len(inside)
    with db.session_scope(engine, "bartek", restricted=True) as session:
        refs = bulk.commit(session, world.editor_b, "resource", world.area_b, parsed)
    with Session(engine) as session:
        names = {session.get(Resource, ref.id).name for ref in refs}
        categories = {session.get(Resource, ref.id).category for ref in refs}
        frame = pins_frame(session, world.area_b)
    assert names == {" ".join(n.replace('""', '"').split()) for n in inside["NAZWA"]}
    assert categories <= {"library", "museum", "culture_centre"}
    assert set(frame["name"]) == names


def pins_frame(session, area_id):
    from mapping.services import layers

    return layers.pins(session, "resource", [area_id])


def test_the_progress_callback_counts_every_row(session, world, tmp_path):
    parsed = bulk.parse(cp1250_csv(tmp_path, good_rows()), "zasoby.csv")
    seen = []
    bulk.preview(session, world.editor_a, "resource", world.area_a, parsed,
                 progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]


def test_partners_can_be_imported_and_history_names_the_importer(session, world, tmp_path):
    header = "nazwa;sektor;adres;lat;lon\r\n"
    rows = [f"Stowarzyszenie Brzeźno;NGO;ul. Dworska 3;{BRZEZNO_1[0]};{BRZEZNO_1[1]}\r\n"]
    parsed = bulk.parse(cp1250_csv(tmp_path, rows, header=header), "partnerzy.csv")
    before = count(session, Partner)
    (ref,) = bulk.commit(session, world.editor_a, "partner", world.area_a, parsed)
    assert count(session, Partner) == before + 1
    history = pins.versions(session, world.editor_a, "partner", ref.id)
    assert [(v.operation, v.changed_by) for v in history] == [("INSERT", "ewa")]
