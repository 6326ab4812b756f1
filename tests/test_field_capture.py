"""Field workers pin offline in KoboCollect / ODK Collect; the export lands in the three layers.

The form is checked the way ODK checks it (pyxform converts it to an
XForm); the exports are written here the way KoboToolbox (``;``, UTF-8 with
a BOM or CP1250 after Polish Excel, XLSX) and ODK Central (``,``, geopoint
split into ``location-Latitude`` …) write them. The area of each row comes
from the team's real Gdańsk districts (``tests.editing_fixtures``).
"""

from __future__ import annotations

import csv
import io
import itertools
import uuid
import zipfile
from dataclasses import dataclass, field

import geopandas as gpd
import openpyxl
import pytest
import shapely
from geoalchemy2.shape import from_shape
from pyxform import xls2xform
from shapely.geometry import MultiPolygon
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from mapping import catalog, db
from mapping.cli import field as field_cli
from mapping.cli.main import app
from mapping.db.models import Area, Need, Partner, Resource
from mapping.errors import UserError
from mapping.io import export, field_capture, field_export, field_form, point_import
from mapping.io.bulk import BulkImportError
from mapping.io.feature_files import SourceOptions
from mapping.io.geopoints import GeopointColumns, geopoint_columns, table_point_options
from mapping.io.point_import import PointOptions
from mapping.services import export_rows
from surveys.xlsform import load_xlsform
from tests.conftest import point_app_at
from tests.editing_fixtures import DISTRICTS, build_world
from tests.test_cli_startup import HEAVY, probe

HYPERLINK = '=HYPERLINK("http://x.example/","klik")'
_ids = itertools.count(1)


@dataclass
class Pin:
    """One submission of the field form, as the worker filled it."""

    layer: str
    category: str  # the form's choice name, e.g. "need:homelessness"
    name: str
    point: tuple[float, float] | None  # (lon, lat)
    accuracy: float = 4.8
    groups: tuple[str, ...] = ()
    description: str = ""
    priority: str = ""
    visibility: str = "team"
    area: str = ""
    photo: str = ""
    uuid: str = field(default_factory=lambda: str(uuid.UUID(int=next(_ids))))


GROUPS = ("seniors", "homeless", "families")
KOBO_HEADINGS = [
    "start", "end", "layer", "category", "name", "description", "target_groups",
    *[f"target_groups/{g}" for g in GROUPS], "priority", "location", "_location_latitude",
    "_location_longitude", "_location_altitude", "_location_precision", "photo", "photo_URL",
    "visibility", "area", "__version__", "meta/instanceID", "_id", "_uuid", "_submission_time",
    "_validation_status", "_notes", "_status", "_submitted_by", "_tags", "_index",
]  # fmt: skip
ODK_HEADINGS = [
    "SubmissionDate", "layer", "category", "name", "description", "target_groups", "priority",
    "location-Latitude", "location-Longitude", "location-Altitude", "location-Accuracy",
    "photo", "visibility", "area", "meta-instanceID", "KEY", "SubmitterID", "SubmitterName",
    "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
    "FormVersion",
]  # fmt: skip


def kobo_rows(pins: list[Pin]) -> list[list[object]]:
    """Rows (heading first) as KoboToolbox exports the field form with XML values."""
    rows: list[list[object]] = [KOBO_HEADINGS]
    for number, pin in enumerate(pins, start=1):
        lon, lat = pin.point if pin.point else (None, None)
        geopoint = f"{lat} {lon} 112.0 {pin.accuracy}" if pin.point else ""
        rows.append([
            "2026-05-04T10:00:00.000+02:00", "2026-05-04T10:03:00.000+02:00", pin.layer,
            pin.category, pin.name, pin.description, " ".join(pin.groups),
            *[("1" if g in pin.groups else "0") for g in GROUPS], pin.priority, geopoint,
            lat if pin.point else "", lon if pin.point else "", 112.0 if pin.point else "",
            pin.accuracy if pin.point else "", pin.photo,
            f"https://kf.kobotoolbox.org/media/{pin.photo}" if pin.photo else "",
            pin.visibility, pin.area, "vGk3n8qQxWjZ", f"uuid:{pin.uuid}", 100_000 + number,
            pin.uuid, "2026-05-04T08:03:10", "", "[]", "submitted_via_web", "ewa", "[]", number,
        ])  # fmt: skip
    return rows


def kobo_csv(pins: list[Pin], encoding: str = "utf-8-sig") -> bytes:
    """KoboToolbox's CSV export: ``;``-separated."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(kobo_rows(pins))
    return buffer.getvalue().encode(encoding)


def kobo_xlsx(pins: list[Pin]) -> bytes:
    """KoboToolbox's XLSX export: the same table, numbers as numbers."""
    workbook = openpyxl.Workbook()
    for row in kobo_rows(pins):
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def odk_central_csv(pins: list[Pin]) -> bytes:
    """ODK Central's CSV export: ``,``-separated, the geopoint in four columns."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ODK_HEADINGS)
    for pin in pins:
        lon, lat = pin.point if pin.point else ("", "")
        accuracy = pin.accuracy if pin.point else ""
        writer.writerow([
            "2026-05-04T08:03:10.000Z", pin.layer, pin.category, pin.name, pin.description,
            " ".join(pin.groups), pin.priority, lat, lon, 112.0 if pin.point else "", accuracy,
            pin.photo, pin.visibility, pin.area, f"uuid:{pin.uuid}", f"uuid:{pin.uuid}", 7,
            "Ewa Terenowa", 0, 0, "", "", "collect:abc123", 0, "20260504",
        ])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


@pytest.fixture()
def field(session):
    """Team A owns Brzeźno and Nowy Port; Oliwa is team B's. Points inside each."""
    world = build_world(session)
    frame = gpd.read_file(DISTRICTS).set_index("DZIELNICY")
    geom = shapely.make_valid(frame.loc["Nowy Port"].geometry)
    geom = MultiPolygon([geom]) if geom.geom_type == "Polygon" else geom
    team_a = session.get(Area, world.area_a).team_id
    port = Area(name="Nowy Port", kind="district", team_id=team_a,
                geom=from_shape(geom, srid=4326))
    session.add(port)
    session.flush()
    inside = geom.representative_point()
    world.port = port.id  # type: ignore[attr-defined]
    world.point_port = (inside.x, inside.y)  # type: ignore[attr-defined]
    world.team_a = team_a  # type: ignore[attr-defined]
    return world


def three_layers(world) -> list[Pin]:
    return [
        Pin("resource", "resource:senior_club", "Klub Seniora „Promyk”", world.point_a,
            groups=("seniors",), description="Spotkania we wtorki", visibility="public",
            photo="1714816990123.jpg"),
        Pin("partner", "partner:church",
            "Parafia św. Antoniego", world.point_port),
        Pin("need", "need:homelessness", "Pustostan – noclegi osób w kryzysie bezdomności",
            world.point_port, groups=("homeless",), priority="3"),
    ]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- the form --------------------------------------------------------------------------------


def test_the_form_converts_to_an_xform_with_pyxform_as_odk_would(session):
    entries = field_form.form_entries(session)
    sheets = field_form.form_sheets(entries, ["Nowy Port", "Brzeźno"], version="20260504",
                                    team="test-a")
    content = field_form.form_xlsx(sheets)
    warnings: list[str] = []

    xform = xls2xform.convert(xlsform=content, warnings=warnings, validate=False,
                              file_type=".xlsx").xform

    assert warnings == []
    # The category list is filtered by the chosen layer, in ODK's own terms.
    assert "instance('category')/root/item[layer= /data/layer ]" in xform
    assert 'type="geopoint"' in xform
    assert 'accuracyThreshold="10" unacceptableAccuracyThreshold="50"' in xform
    assert '<translation lang="Polski (pl)" default="true()">' in xform
    assert '<translation lang="English (en)">' in xform
    assert '<visibility>team</visibility>' in xform and 'mediatype="image/*"' in xform
    assert 'id="calmap_teren_test_a" version="20260504"' in xform


def test_the_form_lists_the_catalogue_by_layer_and_the_team_s_areas(session):
    entries = field_form.form_entries(session)
    form = load_xlsform(field_form.form_xlsx(field_form.form_sheets(
        entries, ["Nowy Port", "Brzeźno"], version="1")))  # fmt: skip
    questions = {q.name: q for q in form.questions}

    assert set(field_form.QUESTIONS) <= set(questions)
    assert questions["location"].kind == "geopoint"
    assert questions["target_groups"].kind == "select_multiple"
    assert {c.name for c in questions["layer"].choices} == {"resource", "partner", "need"}
    expected = {
        f"{layer}:{e.code}" for layer, vocabulary in field_form.LAYER_VOCABULARY.items()
        for e in catalog.entries(session, vocabulary)
    }  # fmt: skip
    assert {c.name for c in questions["category"].choices} == expected
    assert "need:health" in expected and "resource:health" in expected
    assert {c.name for c in questions["target_groups"].choices} == set(
        catalog.by_code(session, "target_group"))
    assert [c.label_pl for c in questions["area"].choices] == ["Brzeźno", "Nowy Port"]
    assert {c.name for c in questions["visibility"].choices} == {"public", "team"}
    shelter = next(c for c in questions["category"].choices if c.name == "need:homelessness")
    assert (shelter.label_pl, shelter.label_en) == ("Bezdomność", "Homelessness")


def test_the_sheets_hold_every_list_they_use_and_english_can_be_the_default(session):
    sheets = field_form.form_sheets(field_form.form_entries(session), language="en")
    survey, choices = sheets["survey"], sheets["choices"]
    lists = {row[0] for row in choices[1:]}
    for row in survey[1:]:
        kind = row[0]
        if kind.startswith("select_"):
            assert kind.split()[1] in lists, kind
        assert row[2].strip() and row[3].strip(), row  # a Polish and an English label
    for row in choices[1:]:
        if row[0] == "category":
            assert row[4] in field_capture.LAYERS
    assert sheets["settings"][1][3] == "English (en)"
    # Without a team there is no area question: the point decides.
    assert "area" not in {row[1] for row in survey}
    with pytest.raises(ValueError, match="language"):
        field_form.form_sheets([], language="de")


def test_a_label_that_starts_a_formula_is_written_as_text(session):
    evil = catalog.Entry("need_category", "evil", None, HYPERLINK, HYPERLINK, "x", "#000000")
    workbook = openpyxl.load_workbook(io.BytesIO(field_form.form_xlsx(
        field_form.form_sheets([evil], version="1"))))  # fmt: skip
    labels = [row[2] for row in workbook["choices"].iter_rows(values_only=True)]
    assert "'" + HYPERLINK in labels and HYPERLINK not in labels


# --- finding the geopoint -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("headings", "expected"),
    [
        (KOBO_HEADINGS, GeopointColumns("location", "_location_latitude", "_location_longitude",
                                        "_location_altitude", "_location_precision")),
        (ODK_HEADINGS, GeopointColumns(None, "location-Latitude", "location-Longitude",
                                       "location-Altitude", "location-Accuracy")),
        (["teren/location", "_location_latitude", "_location_longitude"],
         GeopointColumns("teren/location", "_location_latitude", "_location_longitude")),
        (["teren-location-Latitude", "teren-location-Longitude", "teren-location-Accuracy"],
         GeopointColumns(None, "teren-location-Latitude", "teren-location-Longitude", None,
                         "teren-location-Accuracy")),
        (["name", "location"], GeopointColumns("location")),
        (["name", "_geolocation"], GeopointColumns("_geolocation")),
        (["punkt", "_punkt_latitude", "_punkt_longitude", "_punkt_precision"],
         GeopointColumns("punkt", "_punkt_latitude", "_punkt_longitude", None,
                         "_punkt_precision")),
        (["name", "category"], None),
    ],
    ids=["kobo", "odk-central", "kobo-group", "odk-group", "combined-only", "kobo-geolocation",
         "other-question-name", "none"],
)
def test_geopoint_columns_are_found_as_kobo_and_odk_central_split_them(headings, expected):
    assert geopoint_columns(headings) == expected


def test_a_named_geopoint_is_preferred_when_an_export_has_two():
    headings = ["_home_latitude", "_home_longitude", "_location_latitude", "_location_longitude"]
    assert geopoint_columns(headings).latitude == "_location_latitude"
    assert geopoint_columns(headings, "home").latitude == "_home_latitude"


def test_the_import_page_can_place_a_kobo_export_at_its_geopoint(field):
    rows = kobo_rows([Pin("resource", "Biblioteka", "Filia nr 5", field.point_a)])
    # A Kobo export of another form whose geopoint is called "punkt": bulk takes
    # "punkt" for a WKT column; the split columns are the truth.
    rows[0] = [h.replace("location", "punkt").replace("category", "kategoria") for h in rows[0]]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";").writerows(rows)
    content = buffer.getvalue().encode()

    options = table_point_options(content, "kobo.csv")

    assert options == SourceOptions(x_field="_punkt_longitude", y_field="_punkt_latitude")
    points = point_import.read(content, "kobo.csv", PointOptions(), options)
    assert points.parsed.errors == []
    assert points.parsed.rows[0].point == pytest.approx(field.point_a)
    assert table_point_options(b"nazwa;lat;lon\nA;54;18\n", "a.csv") is None


# --- importing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "write",
    [lambda pins: (kobo_csv(pins), "teren.csv"),
     lambda pins: (kobo_csv(pins, "cp1250"), "teren.csv"),
     lambda pins: (odk_central_csv(pins), "calmap_teren.csv"),
     lambda pins: (kobo_xlsx(pins), "teren.xlsx")],
    ids=["kobo-csv-utf8-bom", "kobo-csv-cp1250", "odk-central-csv", "kobo-xlsx"],
)
def test_an_export_fills_resources_partners_and_needs_in_the_areas_their_points_lie_in(
    session, field, write
):
    content, name = write(three_layers(field))
    parsed = field_export.read(content, name)
    assert parsed.parsed.errors == []

    refs, report = field_capture.commit(session, field.editor_a, parsed, team_id=field.team_a)

    assert [r.layer for r in refs] == ["resource", "partner", "need"]
    assert report.counts() == {"resource": 1, "partner": 1, "need": 1}
    assert report.low_accuracy == [] and report.skipped == []
    resource = session.get(Resource, refs[0].id)
    assert (resource.name, resource.category, resource.kind) == (
        "Klub Seniora „Promyk”", "senior_club", "institution_public")
    assert resource.target_groups == ["seniors"] and resource.visibility == "public"
    assert resource.area_id == field.area_a
    assert resource.source.startswith(f"field capture (KoboCollect/ODK Collect): {name}, row 2")
    assert "±5 m" in resource.source and "photo 1714816990123.jpg" in resource.source
    partner = session.get(Partner, refs[1].id)
    assert (partner.sector, partner.area_id, partner.visibility) == ("church", field.port, "team")
    need = session.get(Need, refs[2].id)
    assert (need.category, need.source_method, need.priority, need.status) == (
        "homelessness", "field_capture", 3, "identified")
    assert need.target_groups == ["homeless"] and need.area_id == field.port
    x, y = session.execute(select(func.ST_X(Need.geom), func.ST_Y(Need.geom))
                           .where(Need.id == need.id)).one()
    assert (round(x, 6), round(y, 6)) == tuple(round(v, 6) for v in field.point_port)


def test_odk_central_s_zip_is_read_from_its_submissions_csv(session, field):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as packed:
        packed.writestr("calmap_teren-zdjecia.csv", "PARENT_KEY,photo\nuuid:1,a.jpg\n")
        packed.writestr("calmap_teren.csv", odk_central_csv(three_layers(field)))
        packed.writestr("media/1714816990123.jpg", b"\xff\xd8\xff")

    parsed = field_export.read(buffer.getvalue(), "calmap_teren.zip")

    assert parsed.parsed.filename == "calmap_teren.csv" and len(parsed.parsed.rows) == 3
    report = field_capture.check(session, field.admin, parsed, team_id=field.team_a)
    assert report.ok and report.counts() == {"resource": 1, "partner": 1, "need": 1}
    photos = io.BytesIO()
    with zipfile.ZipFile(photos, "w") as packed:
        packed.writestr("media/a.jpg", b"x")
    with pytest.raises(UserError) as caught:
        field_export.read(photos.getvalue(), "calmap_teren.zip")
    assert caught.value.key == "field_capture.zip_without_csv"
    with pytest.raises(UserError) as caught:
        field_export.read(b"PK\x03\x04 cut short", "calmap_teren.zip")
    assert caught.value.key == "import_file.bad_zip"


def test_an_export_with_labels_instead_of_codes_is_read_too(session, field):
    lon, lat = field.point_a
    table = (
        "Co zaznaczasz?;Kategoria;Nazwa;Dla kogo?;Kto może to zobaczyć?;location;"
        "_location_latitude;_location_longitude;_location_altitude;_location_precision\n"
        f"Zasób;Biblioteka;Filia nr 5;Seniorzy, Rodziny;Publiczna;{lat} {lon} 9 6;{lat};{lon};9;6\n"
        "Need;Poverty;Głód;;;;;;;\n"
    ).encode("cp1250")

    refs, _ = field_capture.commit(session, field.admin, field_export.read(table, "etykiety.csv"),
                                   area_id=field.area_a)

    resource = session.get(Resource, refs[0].id)
    assert (resource.category, resource.target_groups, resource.visibility) == (
        "library", ["seniors", "families"], "public")
    assert session.get(Need, refs[1].id).category == "poverty"


def test_one_area_takes_every_row_and_a_need_may_have_no_point(session, field):
    pins = [Pin("need", "need:meeting_place", "Brak miejsca spotkań", None),
            Pin("resource", "resource:playground", "Plac zabaw", field.point_a)]
    parsed = field_export.read(odk_central_csv(pins), "odk.csv")

    refs, _ = field_capture.commit(session, field.admin, parsed, area_id=field.area_a)

    need = session.get(Need, refs[0].id)
    assert need.geom is None and need.area_id == field.area_a and need.priority == 2
    assert need.visibility == "team"  # the form's default: the team checks before sharing


def test_every_bad_row_is_reported_with_its_number_and_nothing_is_saved(session, field):
    pins = [
        Pin("resource", "resource:library", "Biblioteka", field.point_a),
        Pin("resource", "resource:no_such_thing", "Coś", field.point_a),
        Pin("resource", "resource:school", "Szkoła bez punktu", None),
        Pin("need", "need:safety", "Ciemne przejście", field.point_b),  # Oliwa: team B's
        Pin("partner", "partner:ngo", "Fundacja", (21.0, 60.0)),  # the Baltic, not Poland
        Pin("zwierzę", "resource:library", "Zła warstwa", field.point_a),
        Pin("need", "need:safety", "Obszar spoza zespołu", field.point_a, area="Oliwa"),
    ]
    before = {model: count(session, model) for model in (Resource, Partner, Need)}
    parsed = field_export.read(kobo_csv(pins), "teren.csv")

    savepoint = session.begin_nested()
    with pytest.raises(BulkImportError) as caught:
        field_capture.commit(session, field.admin, parsed, team_id=field.team_a)
    savepoint.rollback()

    report = caught.value.report
    assert report.failed_rows == [3, 4, 5, 6, 7, 8]
    found = {(e.row, e.field, e.key) for e in report.errors}
    assert (3, "category", "error.unknown_choice") in found
    assert (4, "point", "error.point_required") in found
    assert (5, "point", "field_capture.outside_areas") in found
    assert (6, "point", "error.point_outside_poland") in found
    assert (7, "layer", "field_capture.unknown_layer") in found
    assert (8, "area", "field_capture.unknown_area") in found
    outside = next(e for e in report.errors if e.row == 5)
    assert outside.column == "_location_latitude / _location_longitude"
    assert outside.params["nearest"] in ("Brzeźno", "Nowy Port")
    assert outside.message("pl").startswith("Punkt leży poza obszarami zespołu (najbliższy: ")
    assert outside.message("en").startswith("The point lies outside the team's areas (nearest: ")
    assert "Brzeźno, Nowy Port" in report.errors[-1].message("en")
    assert caught.value.key == "bulk.nothing_saved"
    assert {model: count(session, model) for model in before} == before


def test_check_writes_nothing_and_reports_like_commit(session, field):
    parsed = field_export.read(kobo_csv(three_layers(field)), "teren.csv")
    before = count(session, Resource)

    report = field_capture.check(session, field.admin, parsed, team_id=field.team_a)

    assert report.ok and report.counts() == {"resource": 1, "partner": 1, "need": 1}
    assert count(session, Resource) == before


def test_a_weak_gps_fix_is_flagged_but_the_point_is_saved(session, field):
    pins = [Pin("resource", "resource:green_space", "Ogród społeczny", field.point_a,
                accuracy=120.0),
            Pin("resource", "resource:playground", "Boisko", field.point_a, accuracy=49.0)]
    parsed = field_export.read(kobo_csv(pins), "teren.csv")
    stricter = field_capture.check(session, field.admin, parsed, area_id=field.area_a,
                                   accuracy_limit=20)

    refs, report = field_capture.commit(session, field.admin, parsed, area_id=field.area_a)

    assert [f.row for f in stricter.low_accuracy] == [2, 3]
    assert len(refs) == 2
    assert [(f.row, f.key, f.column) for f in report.low_accuracy] == [
        (2, "field_capture.low_accuracy", "_location_precision")]
    assert report.low_accuracy[0].message("pl").startswith("Dokładność GPS 120 m, gorsza niż 50")
    assert "±120 m" in session.get(Resource, refs[0].id).source
    assert field_cli.DEFAULT_ACCURACY_LIMIT_M == field_form.ACCURACY_LIMIT_M == 50


def test_the_same_export_imported_again_adds_only_new_submissions(session, field):
    pins = three_layers(field)
    first = field_export.read(kobo_csv(pins), "tydzien1.csv")
    field_capture.commit(session, field.admin, first, team_id=field.team_a)
    before = count(session, Resource) + count(session, Need) + count(session, Partner)
    later = [*pins, Pin("resource", "resource:library", "Filia biblioteki", field.point_a)]

    refs, report = field_capture.commit(session, field.admin,
                                        field_export.read(kobo_csv(later), "tydzien2.csv"),
                                        team_id=field.team_a)

    assert [r.layer for r in refs] == ["resource"]
    assert [s.row for s in report.skipped] == [2, 3, 4]
    assert report.skipped[0].message("en") == "This submission was imported before: skipped."
    assert count(session, Resource) + count(session, Need) + count(session, Partner) == before + 1


def test_a_name_that_starts_a_formula_is_stored_as_text_and_exported_safely(session, field):
    pins = [Pin("resource", "resource:library", HYPERLINK, field.point_a, visibility="public")]
    refs, _ = field_capture.commit(session, field.admin,
                                   field_export.read(kobo_csv(pins), "teren.csv"),
                                   area_id=field.area_a)

    assert session.get(Resource, refs[0].id).name == HYPERLINK
    data = export_rows.read_export(session, field.admin, area_id=field.area_a)
    written = export.csv_text(data.frames["resource"], "resource")
    rows = list(csv.DictReader(io.StringIO(written)))
    assert [r["name"] for r in rows if r["id"] == str(refs[0].id)] == ["'" + HYPERLINK]


def test_the_template_filled_as_kobo_would_round_trips_into_a_need(session, field):
    sheets = field_form.form_sheets(field_form.form_entries(session), ["Brzeźno", "Nowy Port"],
                                    version="1", team="test-a")
    form = load_xlsform(field_form.form_xlsx(sheets))
    choice = {q.name: {c.label_pl: c.name for c in q.choices} for q in form.questions}
    lon, lat = field.point_port
    answers = {
        "layer": choice["layer"]["Potrzeba"],
        "category": choice["category"]["Samotność i izolacja seniorów"],
        "name": "Samotni seniorzy w kamienicach przy Wolności",
        "description": "Zgłoszenie sąsiadki",
        "target_groups": " ".join([choice["target_groups"]["Seniorzy"]]),
        "priority": choice["priority"]["Wysoki"],
        "location": f"{lat} {lon} 11.0 7.5",
        "visibility": choice["visibility"]["Tylko zespół"],
        "area": choice["area"]["Nowy Port"],
    }
    headings = [q.xpath for q in form.questions if q.name in answers]
    headings += ["_location_latitude", "_location_longitude", "_location_altitude",
                 "_location_precision", "meta/instanceID", "_uuid"]
    row = [answers[h] for h in headings[:-6]] + [lat, lon, 11.0, 7.5, "uuid:abc", "abc"]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";").writerows([headings, row])

    refs, report = field_capture.commit(
        session, field.editor_a, field_export.read(buffer.getvalue().encode(), "export.csv"),
        team_id=field.team_a,
    )

    need = session.get(Need, refs[0].id)
    assert (need.category, need.target_groups, need.priority, need.area_id) == (
        "seniors_loneliness", ["seniors"], 3, field.port)
    assert need.source_method == "field_capture" and "uuid:abc" in need.source
    assert report.low_accuracy == []


def test_an_editor_may_not_import_into_another_team_s_areas(session, field):
    parsed = field_export.read(kobo_csv(three_layers(field)), "teren.csv")
    with pytest.raises(UserError) as caught:
        field_capture.check(session, field.editor_b, parsed, area_id=field.area_a)
    assert caught.value.key == "error.not_your_team"
    with pytest.raises(UserError) as caught:
        field_capture.check(session, field.editor_b, parsed, team_id=field.team_a)
    assert caught.value.key == "error.not_your_team"
    with pytest.raises(UserError) as caught:
        field_capture.check(session, field.viewer, parsed, team_id=field.team_a)
    assert caught.value.key == "error.read_only"
    with pytest.raises(UserError) as caught:
        field_capture.check(session, field.admin, parsed)
    assert caught.value.key == "field_capture.no_target"


def test_the_import_runs_under_row_level_security_as_the_signed_in_editor(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        team_a = session.get(Area, world.area_a).team_id
    pins = [Pin("resource", "resource:library", "Biblioteka", world.point_a),
            Pin("need", "need:safety", "Ciemne przejście", world.point_a)]
    parsed = field_export.read(kobo_csv(pins), "teren.csv")

    with db.session_scope(engine, "ewa", restricted=True) as session:
        refs, _ = field_capture.commit(session, world.editor_a, parsed, team_id=team_a)
        assert session.scalar(text("SELECT current_user")) == db.APP_ROLE
    with db.session_scope(engine, "ewa", restricted=True) as session:
        # Imported again through the runtime role: the submissions are known.
        again, report = field_capture.commit(session, world.editor_a, parsed, team_id=team_a)

    assert [r.layer for r in refs] == ["resource", "need"] and again == []
    assert [s.row for s in report.skipped] == [2, 3]
    with Session(engine) as session:
        assert count(session, Resource) == 1 and count(session, Need) == 1
    engine.dispose()


def test_a_table_that_is_not_a_field_export_names_the_missing_columns():
    with pytest.raises(UserError) as caught:
        field_export.read(b"nazwa;adres\nKlub;Rynek 1\n", "lista.csv")
    assert caught.value.key == "field_capture.missing_columns"
    assert caught.value.params["columns"] == "category, location"


# --- the commands -------------------------------------------------------------------------


def test_the_commands_write_the_form_and_import_its_export(monkeypatch, fresh_db_url, tmp_path):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
    point_app_at(monkeypatch, fresh_db_url)
    monkeypatch.setenv("CALMAP_LANGUAGE", "pl")
    runner = CliRunner()
    out = tmp_path / "pinezki.xlsx"

    made = runner.invoke(app, ["field", "template", "--out", str(out), "--team", "test-a",
                               "--version", "20260504"])

    assert made.exit_code == 0, made.output
    assert "Zapisano formularz" in made.output and "1 obszarów" in made.output
    assert {q.name for q in load_xlsform(out.read_bytes()).questions} >= {"area", "location"}

    good = tmp_path / "teren.csv"
    good.write_bytes(kobo_csv([
        Pin("resource", "resource:library", "Biblioteka", world.point_a, accuracy=80.0),
        Pin("need", "need:safety", "Ciemne przejście", world.point_a),
    ]))
    dry = runner.invoke(app, ["field", "import", str(good), "--team", "test-a", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Próba" in dry.output and "wiersz 2 [_location_precision] '80': uwaga:" in dry.output
    saved = runner.invoke(app, ["field", "import", str(good), "--area", "Brzeźno",
                                "--language", "en"])
    assert saved.exit_code == 0, saved.output
    assert "Saved: resources 1, partners 0, needs 1; skipped (imported before) 0" in saved.output

    bad = tmp_path / "zle.csv"
    bad.write_bytes(kobo_csv([Pin("resource", "resource:x", "Zła", world.point_b)]))
    refused = runner.invoke(app, ["field", "import", str(bad), "--team", "test-a"])
    assert refused.exit_code == 1
    assert "wiersz 2 [category] 'resource:x': BŁĄD:" in refused.output
    assert "Nic nie zapisano" in refused.output
    with Session(engine) as session:
        assert count(session, Resource) == 1 and count(session, Need) == 1
    engine.dispose()


def test_field_help_loads_no_heavy_library(tmp_path):
    output, code, loaded = probe({"CALMAP_DATA_DIR": str(tmp_path)}, "field", "--help")
    assert code == 0 and " template " in output and " import " in output
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    output, _, _ = probe({"CALMAP_DATA_DIR": str(tmp_path)}, "--help")
    assert " field " in output
