"""Opening the files people send: every format, any CRS and encoding, and the broken ones.

No database here: ``geodata.formats`` and ``mapping.io.feature_files`` on real
files from ``../shared/data`` and on conversions and bad files built in ``tmp_path``.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geodata import archives, formats, tables
from geodata.features import FormatError, Limits
from mapping import i18n
from mapping.errors import UserError
from mapping.io.feature_files import SourceOptions, note_text, open_features
from tests import import_fixtures as files
from tests.conftest import PROJECT_ROOT
from tests.import_fixtures import shared

MB = 1024 * 1024


def gdansk() -> gpd.GeoDataFrame:
    return gpd.read_file(shared(files.GDANSK_DISTRICTS))[["DZIELNICY", "L_MIESZK", "geometry"]]


def refused(code: str, *args, **kwargs) -> FormatError:
    with pytest.raises(FormatError) as raised:
        formats.read_features(*args, **kwargs)
    assert raised.value.code == code, raised.value
    return raised.value


# --- what comes back ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "count"),
    [("wroclaw_osiedla_48.geojson", 48), ("gdansk_dzielnice.geojson", 35),
     ("warszawa_dzielnice.geojson", 19)],
)
def test_the_shared_boundary_files_open_in_wgs84(name, count):
    found = formats.read_features(shared(files.BOUNDARIES[name]))
    assert (len(found.frame), found.file_format) == (count, "GeoJSON")
    assert found.source_crs == "EPSG:4326"
    assert found.frame.crs.to_epsg() == 4326
    assert found.rows == list(range(1, count + 1))


def test_a_geopackage_in_puwg_1992_is_reprojected_to_wgs84(tmp_path):
    found = formats.read_features(files.to_gpkg(gdansk(), tmp_path))
    assert (found.file_format, found.source_crs, found.layer) == ("GPKG", "EPSG:2180", "areas")
    west, south, east, north = found.frame.total_bounds
    assert 18.4 < west < east < 19.0 and 54.2 < south < north < 54.5
    # The source geometry stays in the file's CRS, for the swapped-axes check.
    assert found.source_geometry.crs.to_epsg() == 2180


@pytest.mark.parametrize("cpg", [True, False], ids=["with-cpg", "without-cpg"])
def test_a_zipped_shapefile_with_cp1250_attributes_keeps_polish_letters(tmp_path, cpg):
    found = formats.read_features(files.to_shapefile_zip(gdansk(), tmp_path, cpg=cpg))
    names = set(found.frame["DZIELNICY"])
    assert {"Brzeźno", "Młyniska", "Śródmieście", "Oliwa"} <= names
    guessed = [n for n in found.notes if n.code == "encoding_guessed"]
    assert bool(guessed) != cpg
    if guessed:
        assert "CP1250" in note_text(guessed[0], "pl")


def test_an_encoding_given_by_the_user_wins(tmp_path):
    path = files.to_shapefile_zip(gdansk(), tmp_path, cpg=False)
    latin = formats.read_features(path, encoding="latin-1")
    assert "Brzeźno" not in set(latin.frame["DZIELNICY"])
    with pytest.raises(FormatError) as raised:
        formats.read_features(path, encoding="klingon")
    assert raised.value.code == "bad_encoding"


def test_a_bare_shapefile_path_opens_beside_its_sidecars(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    gdansk().to_file(folder / "dzielnice.shp", encoding="utf-8")
    assert len(formats.read_features(folder / "dzielnice.shp").frame) == 35


def test_kml_and_kmz_read_every_folder_without_libkml_bookkeeping(tmp_path):
    kml = files.to_kml(gdansk(), tmp_path)
    found = formats.read_features(kml)
    assert (found.file_format, found.source_crs, len(found.frame)) == ("KML", "EPSG:4326", 35)
    assert "altitudeMode" not in found.frame.columns
    kmz = tmp_path / "dzielnice.kmz"
    with zipfile.ZipFile(kmz, "w") as packed:
        packed.write(kml, "doc.kml")
    assert len(formats.read_features(kmz).frame) == 35


def test_a_csv_with_wkt_is_decoded_as_the_spreadsheet_import_decodes_it(tmp_path):
    path = files.to_csv_wkt(gdansk(), tmp_path)
    found = open_features(path, path.name)
    assert (found.file_format, found.encoding) == ("CSV", "cp1250")
    assert "Brzeźno" in set(found.frame["DZIELNICY"])
    assert found.rows[:2] == [2, 3]
    assert [n.code for n in found.notes] == ["crs_assumed"]
    assert found.frame.geometry.iloc[0].geom_type == "Polygon"


def test_a_csv_of_metres_without_a_crs_is_refused_with_the_crs_it_fits(tmp_path):
    path = tmp_path / "metry.csv"
    metric = gdansk().to_crs("EPSG:2180")
    path.write_text("nazwa;WKT\n" + "".join(
        f"{n};{g.wkt}\n" for n, g in zip(metric["DZIELNICY"], metric.geometry, strict=True)),
        encoding="utf-8")
    with pytest.raises(UserError) as raised:
        open_features(path, path.name)
    assert raised.value.key == "import_file.looks_projected"
    assert raised.value.params["guess"] == "EPSG:2180"
    found = open_features(path, path.name, SourceOptions(crs="2180"))
    assert found.source_crs == "EPSG:2180" and found.frame.total_bounds[0] < 19


def test_ewkt_with_an_srid_sets_the_crs():
    point = Point(6542396.52, 6024557.36)
    found = tables.features_from_table(
        ["nazwa", "geom"], [(2, ["A", f"SRID=2177;{point.wkt}"])], wkt="geom")
    assert found.source_crs == "EPSG:2177"
    assert round(found.frame.geometry.iloc[0].x, 3) == 18.652


def test_rows_whose_coordinates_cannot_be_read_are_listed_not_fatal():
    found = tables.features_from_table(
        ["n", "x", "y"], [(2, ["a", "18,6", "54,4"]), (3, ["b", "brak", "54"]), (4, ["c", "", "1"]),
                          (5, ["d", "", ""])],
        x="x", y="y")
    assert found.row_problems == {1: ("bad_number", "brak; 54"), 2: ("incomplete", "1")}
    assert found.frame.geometry.iloc[0] == Point(18.6, 54.4)
    assert found.frame.geometry.iloc[3] is None


def test_a_shapefile_without_crs_names_the_polish_crs_its_coordinates_fit(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    gdansk().to_crs("EPSG:2177").to_file(folder / "d.shp")
    (folder / "d.prj").unlink()
    error = refused("no_crs", folder / "d.shp")
    assert error.params["guess"] == "EPSG:2177"
    assert formats.read_features(folder / "d.shp", crs="EPSG:2177").source_crs == "EPSG:2177"


@pytest.mark.parametrize(
    "name", ["granice!2024.geojson", "osiedla (kopia) #2.geojson", "a?b*.geojson"]
)
def test_an_uploaded_file_whose_name_gdal_would_misread_still_opens(name):
    # GDAL reads "a!b" as a path inside an archive; an upload keeps its name
    # only for messages, and is read from a plain one.
    found = formats.read_features(shared(files.WROCLAW_ESTATES).read_bytes(), name)
    assert len(found.frame) == 48

# --- bad files ------------------------------------------------------------------------------


def test_a_truncated_geojson_is_told_apart_from_a_malformed_one(tmp_path):
    content = shared(files.WROCLAW_ESTATES).read_bytes()
    error = refused("truncated", content[: len(content) // 3], "osiedla.geojson")
    assert "cut short" in str(error)
    refused("not_format", b'{"type": "FeatureCollection", "features": [}', "bad.geojson")


def test_a_zip_without_a_shp_lists_what_it_holds(tmp_path):
    path = tmp_path / "granice.zip"
    with zipfile.ZipFile(path, "w") as packed:
        packed.writestr("granice.dbf", b"x")
        packed.writestr("czytaj.txt", b"x")
    error = refused("zip_no_dataset", path)
    assert "granice.dbf" in error.params["found"]
    text = i18n.t("import_file.zip_no_dataset", "pl", **error.params)
    assert ".shp" in text and "czytaj.txt" in text


def test_a_shapefile_without_its_dbf_is_incomplete(tmp_path):
    path = files.to_shapefile_zip(gdansk(), tmp_path)
    broken = tmp_path / "bez_dbf.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            if not item.filename.endswith(".dbf"):
                target.writestr(item, source.read(item))
    assert refused("shapefile_incomplete", broken).params["missing"] == ".dbf"


def test_a_prj_that_cannot_be_parsed_is_refused_unless_a_crs_is_given(tmp_path):
    for prj in ("PROJCS[nonsense", "to nie jest układ"):
        folder = tmp_path / f"{len(prj)}"
        folder.mkdir()
        path = files.to_shapefile_zip(gdansk(), folder, prj=prj)
        error = refused("bad_prj", path)
        assert error.params["text"] == prj
        assert formats.read_features(path, crs="EPSG:2180").source_crs == "EPSG:2180"


def test_a_zip_bomb_is_refused_while_unpacking(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as packed:
        packed.writestr("granice.shp", b"\0" * (200 * MB))
    assert path.stat().st_size < MB
    error = refused("zip_bomb", path)
    assert error.params["ratio"] > 100
    assert not list(tmp_path.glob("**/granice.shp"))


def test_unpacked_sizes_are_limited_per_member_and_in_total(tmp_path):
    path = tmp_path / "duzy.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as packed:
        for part in ("a.shp", "a.shx", "a.dbf"):
            packed.writestr(part, b"x" * (3 * MB))
    refused("zip_too_big", path, limits=Limits(max_unpacked_bytes=8 * MB))
    refused("zip_too_big", path, limits=Limits(max_member_bytes=2 * MB))
    refused("zip_too_many", path, limits=Limits(max_members=2))


def test_a_zip_whose_headers_lie_about_sizes_is_refused(tmp_path):
    path = tmp_path / "klamstwo.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as packed:
        packed.writestr("a.shp", b"\0" * (20 * MB))
    data = bytearray(path.read_bytes())
    # Claim 1000 bytes unpacked, in the local header and the central directory.
    data[22:26] = struct.pack("<I", 1000)
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", 1000)
    path.write_bytes(bytes(data))
    target = tmp_path / "out"
    with pytest.raises(FormatError) as raised:
        archives.unpack_zip(path, target)
    assert raised.value.code == "bad_zip"
    assert sum(p.stat().st_size for p in target.iterdir()) <= 1000


def test_members_cannot_escape_the_unpacking_folder(tmp_path):
    path = tmp_path / "sciezki.zip"
    content = json.dumps({"type": "FeatureCollection", "features": []}).encode()
    with zipfile.ZipFile(path, "w") as packed:
        packed.writestr("../../escape.geojson", content)
    target = tmp_path / "deep" / "out"
    assert archives.unpack_zip(path, target) == ["escape.geojson"]
    assert (target / "escape.geojson").exists()
    assert not (tmp_path / "escape.geojson").exists()


def test_a_2_gb_file_is_refused_before_a_byte_is_read(tmp_path):
    path = tmp_path / "ogromny.geojson"
    with path.open("wb") as handle:
        handle.truncate(2 * 1024 * MB)  # sparse: no disk used
    error = refused("too_big", path)
    assert error.params["size"] == 2048
    assert "2048 MB" in i18n.t("import_file.too_big", "en", **error.params)


def test_unsupported_and_empty_files_say_so():
    refused("unsupported", b"0", "granice.dxf")
    refused("empty", b"", "granice.geojson")
    refused("bad_crs", shared(files.GDANSK_DISTRICTS), crs="EPSG:999999")


def test_a_points_file_read_as_areas_gets_the_wrong_type_per_feature(tmp_path):
    found = formats.read_features(shared(files.GDANSK_VENUES))
    assert set(found.frame.geom_type) == {"Point"}
    assert found.attribute_columns[:2] == ["ID", "NAZWA"]
    # The area import reports "not a polygon" per feature: tests/test_import_areas.py.


def test_every_file_error_code_has_a_message_in_both_languages():
    source = "".join(
        (PROJECT_ROOT / "geodata" / f"{name}.py").read_text(encoding="utf-8")
        for name in ("formats", "features", "crs", "archives", "tables")
    )
    codes = set(re.findall(r'FormatError\(\s*"([a-z_]+)"', source))
    codes |= set(re.findall(r'Note\(\s*"([a-z_]+)"', source))
    assert len(codes) > 20
    for code in codes:
        assert f"import_file.{code}" in i18n.MESSAGES, code
