"""Exports in every format read back equal, follow their standards and never leak a hidden row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
import uuid
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from mapping import db
from mapping.io import export, hsds
from mapping.services import export_rows, partnerships, pins
from tests.conftest import TEMPLATE, TEST_DATA, _create_database, _drop_database
from tests.editing_fixtures import build_world
from tests.test_cli import calmap

PROMYK = "Świetlica „Promyk”"
PROMYK_TEXT = "Zajęcia dla dzieci: żółw, źrebię, łódź – ąęćńóśźż ĄĘĆŁŃÓŚŹŻ"
HSDS_EXAMPLES = TEST_DATA / "hsds"
SPATIAL = ("area", "resource", "partner", "need")


@pytest.fixture(scope="module")
def export_db(admin_url, template_url):
    """Two teams' districts with public, partnership and team-only pins, a partnership."""
    name = "calmap_test_export"
    url = _create_database(admin_url, name, template=TEMPLATE)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        admin = world.admin
        promyk = pins.create_pin(
            session, admin, "resource", world.area_a,
            {"name": PROMYK, "category": "youth_club", "visibility": "public",
             "description": PROMYK_TEXT, "address": "ul. Żeglarska 5", "phone": "58 123 45 67",
             "target_groups": ["children_youth", "families"],
             "verified_on": dt.date(2026, 5, 4), "verified_by": "Ewa Łęcka"},
            world.point_a,
        )
        partner = pins.create_pin(
            session, admin, "partner", world.area_a,
            {"name": "Rada Osiedla Brzeźno", "sector": "council", "visibility": "public"},
            world.point_a,
        )
        secret = pins.create_pin(
            session, admin, "resource", world.area_a,
            {"name": "Grupa wsparcia (tylko zespół)", "category": "self_help_group",
             "visibility": "team"},
            world.point_a,
        )
        hidden_partner = pins.create_pin(
            session, admin, "partner", world.area_a,
            {"name": "Partner tylko dla zespołu", "sector": "ngo", "visibility": "team"},
            world.point_a,
        )
        pins.create_pin(
            session, admin, "need", world.area_b,
            {"name": "Samotność seniorów", "category": "seniors_loneliness",
             "source_method": "survey", "priority": 1, "status": "identified",
             "visibility": "partnership", "target_groups": ["seniors"]},
            None,
        )
        pins.create_pin(
            session, admin, "need", world.area_b,
            {"name": "Przemoc – tylko zespół B", "category": "domestic_violence",
             "source_method": "statistics", "priority": 1, "status": "identified",
             "visibility": "team"},
            None,
        )
        ship = partnerships.create_partnership(
            session, admin, name="Partnerstwo dla Brzeźna", formed_on=dt.date(2024, 3, 1),
            team_id=_team_of_area(session, world.area_a), area_ids=[world.area_a],
        )
        partnerships.add_member(session, admin, ship.id, partner.id, role="członek",
                                joined_on=dt.date(2024, 3, 1))
        partnerships.add_member(session, admin, ship.id, hidden_partner.id, role="sekretarz",
                                joined_on=dt.date(2024, 4, 1))
        ids = {"promyk": promyk.id, "secret": secret.id, "partner": partner.id,
               "hidden_partner": hidden_partner.id, "partnership": ship.id}
    yield url, world, ids
    engine.dispose()
    _drop_database(admin_url, name)


def _team_of_area(session, area_id):
    from mapping.db.models import Area

    return session.get(Area, area_id).team_id


def read_as(url, actor, **kwargs):
    engine = create_engine(url)
    try:
        with db.session_scope(engine, actor.username, restricted=True) as session:
            return export_rows.read_export(session, actor, **kwargs)
    finally:
        engine.dispose()


def read_back(path: Path, fmt: str, layer: str) -> gpd.GeoDataFrame:
    if fmt == "gpkg":
        return gpd.read_file(path, layer=layer)
    suffix = {"geojson": ".geojson", "csv": ".csv", "shp": ".shp"}[fmt]
    return gpd.read_file(f"/vsizip/{path}/{layer}{suffix}")


def test_the_promyk_club_is_exported_with_its_polish_text(export_db):
    url, world, ids = export_db
    data = read_as(url, world.admin)
    row = data.frames["resource"].set_index("id").loc[ids["promyk"]]
    assert row["name"] == PROMYK
    assert row["description"] == PROMYK_TEXT
    assert row["target_groups"] == "children_youth;families"
    assert row["verified_on"] == dt.date(2026, 5, 4)


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "csv", "shp"])
def test_every_format_reads_back_with_equal_geometries_and_attributes(export_db, tmp_path, fmt):
    url, world, ids = export_db
    data = read_as(url, world.admin)
    path = export.write_export(data, fmt, tmp_path / f"out{export.SUFFIXES[fmt]}")
    for layer in SPATIAL:
        original = data.frames[layer]
        back = read_back(path, fmt, layer)
        if fmt == "shp":
            back = back.rename(columns={v: k for k, v in export.SHAPEFILE_FIELDS.items()})
        assert len(back) == len(original), layer
        back = back.sort_values("id").reset_index(drop=True)
        for name in ("id", "name"):
            assert [str(v) for v in back[name]] == [str(v) for v in original[name]], (layer, name)
        for mine, theirs in zip(original.geometry, back.geometry, strict=True):
            if mine is None:
                assert theirs is None or theirs.is_empty
            else:
                if fmt == "shp" and theirs.geom_type == "Polygon":
                    # A Shapefile does not tell a polygon from a one-part multipolygon.
                    theirs = shapely.MultiPolygon([theirs])
                # RFC 7946 turns rings counterclockwise: compare canonical forms.
                assert shapely.equals_exact(
                    shapely.normalize(mine), shapely.normalize(theirs), tolerance=1e-7
                ), layer
                assert mine.geom_type == theirs.geom_type
    resources = read_back(path, fmt, "resource")
    if fmt == "shp":
        resources = resources.rename(columns={v: k for k, v in export.SHAPEFILE_FIELDS.items()})
    promyk = resources[resources["id"].astype(int) == ids["promyk"]].iloc[0]
    assert promyk["name"] == PROMYK
    assert promyk["description"] == PROMYK_TEXT
    assert promyk["address"] == "ul. Żeglarska 5"
    assert promyk["verified_by"] == "Ewa Łęcka"
    assert str(promyk["verified_on"])[:10] == "2026-05-04"
    assert promyk["target_groups"] == "children_youth;families"


def test_geojson_follows_rfc_7946(export_db, tmp_path):
    url, world, _ = export_db
    path = export.write_export(read_as(url, world.admin), "geojson", tmp_path / "x.zip")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert {f"{layer}.geojson" for layer in export.COLUMNS} <= names
        for layer in SPATIAL:
            document = json.loads(archive.read(f"{layer}.geojson").decode("utf-8"))
            assert document["type"] == "FeatureCollection"
            # RFC 7946 removed "crs": coordinates are always WGS 84 longitude, latitude.
            assert "crs" not in document
            for feature in document["features"]:
                geometry = feature["geometry"]
                if geometry is None:
                    continue
                shape = shapely.geometry.shape(geometry)
                minx, miny, maxx, maxy = shape.bounds
                assert 14 < minx <= maxx < 24.2 and 49 < miny <= maxy < 55, layer
                if geometry["type"] == "MultiPolygon":
                    for polygon in geometry["coordinates"]:
                        exterior = shapely.LinearRing(polygon[0])
                        # RFC 7946 §3.1.6: exterior rings counterclockwise.
                        assert exterior.is_ccw


def test_the_shapefile_zip_says_utf8_and_keeps_field_names_short(export_db, tmp_path):
    url, world, _ = export_db
    path = export.write_export(read_as(url, world.admin), "shp", tmp_path / "x.zip")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for layer in SPATIAL:
            assert {f"{layer}.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")} <= names
            assert archive.read(f"{layer}.cpg").decode().strip() == "UTF-8"
            assert f"{layer}.qml" in names
        assert "FIELDS.txt" in names and "partnership.dbf" in names
    for layer in export.COLUMNS:
        suffix = "shp" if layer in SPATIAL else "dbf"
        fields = pyogrio.read_info(f"/vsizip/{path}/{layer}.{suffix}")["fields"]
        assert all(len(name) <= 10 for name in fields), (layer, fields)


def test_a_long_text_is_cut_for_the_shapefile_at_a_whole_letter():
    cut = export._fit_dbf("ż" * 400)
    assert len(cut.encode("utf-8")) <= export.DBF_TEXT_BYTES
    assert cut.endswith("…") and set(cut[:-1]) == {"ż"}


def test_the_geopackage_holds_every_layer_and_qgis_styles(export_db, tmp_path):
    url, world, _ = export_db
    data = read_as(url, world.admin)
    path = export.write_export(data, "gpkg", tmp_path / "calmap.gpkg")
    layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    assert set(export.COLUMNS) | {"layer_styles"} <= layers
    with sqlite3.connect(path) as conn:
        styles = conn.execute(
            "SELECT f_table_name, f_table_schema, f_geometry_column, styleQML, useAsDefault "
            "FROM layer_styles"
        ).fetchall()
        geometry_columns = dict(
            conn.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
        )
    by_layer = {row[0]: row for row in styles}
    assert set(by_layer) == set(SPATIAL)
    for layer, (_, schema, geom_column, qml, default) in by_layer.items():
        assert schema == "" and default == 1
        assert geom_column == geometry_columns[layer]
        root = ElementTree.fromstring(qml.split("\n", 1)[1])
        assert root.tag == "qgis"
    resource_qml = ElementTree.fromstring(by_layer["resource"][3].split("\n", 1)[1])
    renderer = resource_qml.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "category"
    values = {c.get("value"): c.get("label") for c in renderer.iter("category")}
    assert values["youth_club"] == next(
        e.label_pl for e in data.catalogue if e.code == "youth_club"
    )
    school = next(e for e in data.catalogue if e.code == "school")
    red, green, blue = (int(school.colour[i : i + 2], 16) for i in (1, 3, 5))
    assert f"{red},{green},{blue},255" in by_layer["resource"][3]


def test_the_hsds_package_has_the_columns_of_the_hsds_3_examples(export_db, tmp_path):
    url, world, ids = export_db
    path = export.write_export(read_as(url, world.admin), "hsds", tmp_path / "hsds.zip")
    with zipfile.ZipFile(path) as archive:
        package = json.loads(archive.read("datapackage.json"))
        tables = {
            name: list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode("utf-8"))))
            for name in hsds.TABLES
        }
        headers = {
            name: next(csv.reader(io.StringIO(archive.read(f"{name}.csv").decode("utf-8"))))
            for name in hsds.TABLES
        }
    assert [r["path"] for r in package["resources"]] == [f"{n}.csv" for n in hsds.TABLES]
    for name, header in headers.items():
        example = next(csv.reader((HSDS_EXAMPLES / f"{name}.csv").open(encoding="utf-8")))
        assert header == example, name
        resource = next(r for r in package["resources"] if r["name"] == name)
        assert [f["name"] for f in resource["schema"]["fields"]] == example
    all_ids = {name: {row["id"] for row in rows} for name, rows in tables.items()}
    for name, rows in tables.items():
        for row in rows:
            uuid.UUID(row["id"])
            for required in hsds.REQUIRED[name]:
                assert row[required], (name, required, row)
        assert len(all_ids[name]) == len(rows), f"{name}: ids not unique"
        for column, target in hsds.FOREIGN_KEYS.get(name, ()):
            for row in rows:
                assert not row[column] or row[column] in all_ids[target], (name, column)
    service = next(s for s in tables["services"] if s["name"] == PROMYK)
    assert service["id"] == hsds.stable_id("resource", ids["promyk"])
    location = next(
        loc for loc in tables["locations"]
        if loc["external_identifier"] == f"calmap:resource:{ids['promyk']}"
    )
    assert location["description"] == "ul. Żeglarska 5"
    assert 18 < float(location["longitude"]) < 19 and 54 < float(location["latitude"]) < 55
    terms = {t["id"]: t for t in tables["taxonomy_terms"]}
    linked = {terms[a["taxonomy_term_id"]]["code"] for a in tables["attributes"]
              if a["link_id"] == service["id"]}
    assert linked == {"youth_club", "children_youth", "families"}
    assert all(r["name"] != "Grupa wsparcia (tylko zespół)" for r in tables["services"])


def test_hsds_ids_are_the_same_in_every_export(export_db, tmp_path):
    url, world, _ = export_db
    first = hsds.build_tables(read_as(url, world.admin).frames, [], "pl")
    second = hsds.build_tables(read_as(url, world.admin).frames, [], "pl")
    assert list(first["services"]["id"]) == list(second["services"]["id"])


def names(data, layer):
    return set(data.frames[layer]["name"])


def test_a_viewers_export_has_no_team_only_rows(export_db):
    url, world, _ = export_db
    data = read_as(url, world.viewer)
    for layer in ("resource", "partner", "need"):
        assert set(data.frames[layer]["visibility"]) <= {"public", "partnership"}, layer
    assert PROMYK in names(data, "resource")
    assert "Samotność seniorów" in names(data, "need")
    # Not even the membership of a hidden partner may show that it exists.
    members = data.frames["partnership_member"]
    assert set(members["partner_id"]) <= set(data.frames["partner"]["id"])
    assert list(members["role"]) == ["członek"]


def test_an_editor_sees_the_team_only_rows_of_their_own_team_only(export_db):
    url, world, _ = export_db
    ewa = read_as(url, world.editor_a)
    assert "Grupa wsparcia (tylko zespół)" in names(ewa, "resource")
    assert "Przemoc – tylko zespół B" not in names(ewa, "need")
    bartek = read_as(url, world.editor_b)
    assert "Grupa wsparcia (tylko zespół)" not in names(bartek, "resource")
    assert "Przemoc – tylko zespół B" in names(bartek, "need")
    admin = read_as(url, world.admin)
    assert {"Grupa wsparcia (tylko zespół)"} <= names(admin, "resource")


def test_no_written_format_of_a_viewers_export_holds_a_team_only_name(export_db, tmp_path):
    url, world, _ = export_db
    data = read_as(url, world.viewer)
    for fmt in export.FORMATS:
        content = export.export_bytes(data, fmt)
        if fmt != "gpkg":
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                content = b"".join(archive.read(n) for n in archive.namelist())
        # Full names: "Przemoc" alone is also a catalogue label, which every export holds.
        for secret in ("Grupa wsparcia (tylko", "Partner tylko dla", "Przemoc – tylko"):
            assert secret.encode("utf-8") not in content, (fmt, secret)


def test_a_team_export_holds_that_teams_areas_and_pins_only(export_db):
    url, world, ids = export_db
    with Session(create_engine(url)) as session:
        team_a = _team_of_area(session, world.area_a)
    data = read_as(url, world.admin, team_id=team_a)
    assert set(data.frames["area"]["id"]) == {world.area_a}
    assert PROMYK in names(data, "resource")
    assert names(data, "need") == set()
    assert list(data.frames["partnership"]["id"]) == [ids["partnership"]]
    assert set(data.frames["team"]["id"]) == {team_a}
    by_area = read_as(url, world.admin, area_id=world.area_b)
    assert set(by_area.frames["area"]["id"]) == {world.area_b}
    assert names(by_area, "resource") == set()


def test_as_of_shows_the_state_before_a_later_edit(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        ref = pins.create_pin(
            session, world.admin, "resource", world.area_a,
            {"name": PROMYK, "category": "youth_club", "visibility": "public"}, world.point_a,
        )
        gone = pins.create_pin(
            session, world.admin, "resource", world.area_a,
            {"name": "Klub zamknięty w maju", "category": "senior_club", "visibility": "public"},
            world.point_a,
        )
        # Everything so far happened "in January"; history is written by the database,
        # so the test moves it back in time instead of waiting for months.
        session.execute(text(
            "UPDATE layer_history SET changed_at = '2026-01-15 10:00+01'"
        ))
    with Session(engine) as session, session.begin():
        pins.update_pin(session, world.admin, ref, {"name": "Świetlica „Promyk” – nowa nazwa"})
        pins.retire_pin(session, world.admin, pins.PinRef("resource", gone.id, gone.version))
        pins.create_pin(
            session, world.admin, "resource", world.area_a,
            {"name": "Nowy zasób", "category": "library", "visibility": "public"},
            world.point_a,
        )
    now = read_as(fresh_db_url, world.viewer)
    assert names(now, "resource") == {"Świetlica „Promyk” – nowa nazwa", "Nowy zasób"}
    before = read_as(fresh_db_url, world.viewer, as_of="2026-02-01")
    assert names(before, "resource") == {PROMYK, "Klub zamknięty w maju"}
    assert names(before, "area") == {"Brzeźno", "Oliwa"}
    assert before.selection.as_of.isoformat() == "2026-02-02T00:00:00+01:00"
    long_ago = read_as(fresh_db_url, world.viewer, as_of=dt.date(2025, 12, 31))
    assert len(long_ago.frames["resource"]) == 0 and len(long_ago.frames["area"]) == 0
    assert export.file_name(before, "gpkg") == "calmap-as-of-2026-02-01.gpkg"
    engine.dispose()


def test_as_of_never_shows_a_viewer_an_old_team_only_version(fresh_db_url):
    engine = create_engine(fresh_db_url)
    with Session(engine) as session, session.begin():
        world = build_world(session)
        ref = pins.create_pin(
            session, world.admin, "resource", world.area_a,
            {"name": "Najpierw tajne", "category": "library", "visibility": "team"},
            world.point_a,
        )
        session.execute(text("UPDATE layer_history SET changed_at = '2026-01-15 10:00+01'"))
    with Session(engine) as session, session.begin():
        pins.update_pin(session, world.admin, ref, {"visibility": "public"})
    assert names(read_as(fresh_db_url, world.viewer), "resource") == {"Najpierw tajne"}
    assert names(read_as(fresh_db_url, world.viewer, as_of="2026-02-01"), "resource") == set()
    assert names(read_as(fresh_db_url, world.admin, as_of="2026-02-01"), "resource") == {
        "Najpierw tajne"
    }
    engine.dispose()


def test_a_bad_as_of_date_is_a_user_error():
    from mapping.errors import UserError

    with pytest.raises(UserError) as caught:
        export_rows.as_of_moment("1 czerwca")
    assert caught.value.key == "export.bad_date"


def test_the_cli_exports_a_geopackage_and_qgis_styles(export_db, tmp_path):
    url, world, _ = export_db
    out = tmp_path / "calmap.gpkg"
    result = calmap(url, "export", "layers", "--format", "gpkg", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "resource 2" in result.stdout
    assert len(gpd.read_file(out, layer="resource")) == 2
    as_viewer = calmap(url, "export", "layers", "--format", "csv", "--out",
                       str(tmp_path / "v.zip"), "--user", "wiktor", "--area", "Brzeźno")
    assert as_viewer.returncode == 0, as_viewer.stderr
    assert "resource 1" in as_viewer.stdout
    styles = calmap(url, "export", "qgis-styles", "--out", str(tmp_path / "qml"))
    assert styles.returncode == 0, styles.stderr
    assert sorted(p.name for p in (tmp_path / "qml").iterdir()) == [
        "area.qml", "need.qml", "partner.qml", "resource.qml"
    ]
    bad = calmap(url, "export", "layers", "--format", "kml", "--out", str(tmp_path / "x"))
    assert bad.returncode == 1 and "gpkg" in bad.stderr


def test_csv_puts_the_geometry_first_as_wkt_and_says_utf8(export_db, tmp_path):
    url, world, ids = export_db
    path = export.write_export(read_as(url, world.admin), "csv", tmp_path / "x.zip")
    with zipfile.ZipFile(path) as archive:
        raw = archive.read("resource.csv")
        types = archive.read("resource.csvt").decode()
    assert raw.startswith(b"\xef\xbb\xbfWKT,id,")
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert re.match(r"POINT \(18\.\d+ 54\.\d+\)", frame["WKT"].iloc[0])
    assert types.startswith("WKT,Integer64,")


def test_the_import_reader_reads_an_export_back_with_its_polish_text(export_db, tmp_path):
    formats = pytest.importorskip("geodata.formats")
    url, world, ids = export_db
    data = read_as(url, world.admin)
    gpkg = export.write_export(data, "gpkg", tmp_path / "calmap.gpkg")
    found = formats.read_features(gpkg, layer="resource")
    assert found.source_crs == "EPSG:4326"
    names = dict(zip(found.frame["id"].astype(int), found.frame["name"], strict=True))
    assert names[ids["promyk"]] == PROMYK
    areas = formats.read_features(gpkg, layer="area").frame
    assert set(areas["name"]) == {"Brzeźno", "Oliwa"}
    for mine, theirs in zip(data.frames["area"].geometry, areas.geometry, strict=True):
        assert shapely.equals_exact(shapely.normalize(mine), shapely.normalize(theirs), 1e-9)
    archive = export.write_export(data, "geojson", tmp_path / "g.zip")
    with zipfile.ZipFile(archive) as opened:
        single = tmp_path / "resource.geojson"
        single.write_bytes(opened.read("resource.geojson"))
    back = formats.read_features(single).frame
    assert PROMYK in set(back["name"]) and PROMYK_TEXT in set(back["description"])


def test_geometries_read_at_once_are_those_read_one_by_one():
    # What history and to_jsonb hold: GeoJSON points (2-D and 3-D, empty),
    # other shapes, hex WKB, nothing.
    values = [
        {"type": "Point", "coordinates": [17.0312, 51.1107]},
        None,
        {"type": "Point", "coordinates": [17.0, 51.1, 120.0]},
        {"type": "Point", "coordinates": []},
        {"type": "MultiPolygon", "coordinates": [[[[17, 51], [17.1, 51], [17.1, 51.1], [17, 51]]]]},
        shapely.Point(18.6, 54.35).wkb_hex,
        "",
        {"type": "Point", "coordinates": [18.6466, 54.3520]},
    ]
    at_once = export_rows._geometries(values)
    one_by_one = [export_rows._geometry(v) for v in values]
    assert len(at_once) == len(values)
    for got, expected in zip(at_once, one_by_one, strict=True):
        if expected is None:
            assert got is None
        else:
            assert got.geom_type == expected.geom_type
            assert got.has_z == expected.has_z and got.is_empty == expected.is_empty
            assert got.wkb == expected.wkb
