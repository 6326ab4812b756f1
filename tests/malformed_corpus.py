"""Malformed files, generated: each one a way a real upload goes wrong, and what should happen.

Every file is written by code (no binary fixtures in the repository) into a
folder the test module owns, once. The good content they break is placed in
Wrocław's Nadodrze estate (``tests.survey_fixtures.build_wroclaw``), so that
a file which is legitimately accepted really could be saved there.

Each ``Case`` names, for every import path that accepts its kind of file,
the ``Outcome`` expected: a refusal (the message key of the error raised,
and the feature or row messages that must be among the reasons) or an
acceptance as documented in README "Importing areas and points" (how many
rows it would add, and the remarks it must carry, e.g. a repaired polygon).

Big files are made without writing their size to disk: a 201 MB file is
sparse (``truncate``), and the zip bombs are written by hand from one
deflated megabyte repeated (zeros, or spaces inside a valid sheet; a full
flush makes the blocks identical), so that 600 MB unpack from 600 KB. The
writers are in ``tests.malformed_writers``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import GeometryCollection, LineString, Point, Polygon

from tests.malformed_writers import (
    FORMULA_NAMES,
    GOOD_ROWS,
    HTML,
    OVER_LIMIT,
    POINT_A,
    POINT_A_2180,
    POINT_B,
    SQUARE_A,
    SQUARE_B,
    TABLE_HEADER,
    XLSX_ROWS,
    Filler,
    _attribute_gpkg,
    _csv,
    _drop_columns,
    _feature,
    _feature_collection,
    _frame,
    _garbage,
    _geojson,
    _gpkg,
    _kml,
    _kml_text,
    _kmz,
    _kobo,
    _lat_lon,
    _no_estate_nan_point,
    _over_table_limit,
    _placemark,
    _plain_sqlite,
    _polygon_json,
    _set_column,
    _shapefile_zip,
    _sparse,
    _truncated,
    _write_bytes,
    _write_json,
    _write_text,
    _xlsx,
    _xlsx_formula_text,
    _xlsx_formulas,
    _xlsx_with_sheet,
    good_areas,
    write_zip,
)

# --- outcomes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one import path must do with one file.

    ``key`` is the message key of the error raised (a refusal), or None for
    a file accepted as documented. ``rows`` are feature/row message keys
    that must be among the reasons of a refusal; ``added`` is how many rows
    an accepted file adds; ``remarks`` are message keys an accepted file
    must carry (a repair, a guessed encoding), ``names`` what its rows are
    saved as.
    """

    key: str | None
    rows: tuple[str, ...] = ()
    added: int = 0
    remarks: tuple[str, ...] = ()
    # The names an accepted file's rows are saved under, exactly (text is not evaluated).
    names: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        """True when the file is to be accepted rather than refused."""
        return self.key is None


def refused(key: str, *rows: str) -> Outcome:
    """A refusal with message ``key``; ``rows`` must be among the per-row reasons."""
    return Outcome(key, rows)


def accepted(added: int, *remarks: str, names: tuple[str, ...] = ()) -> Outcome:
    """Accepted as documented: ``added`` rows, carrying the ``remarks`` message keys."""
    return Outcome(None, added=added, remarks=remarks, names=names)


AREAS_REFUSED = "area_import.nothing_saved"
ROWS_REFUSED = "bulk.nothing_saved"
SURVEY_REFUSED = "survey.nothing_imported"
# A bulk-shaped table has no answers to survey questions.
SURVEY_NO_COLUMNS = refused("survey.missing_columns")


@dataclass(frozen=True)
class Case:
    """One malformed (or awkward) file: its name, how to write it, what each path must do."""

    id: str
    filename: str
    write: Callable[[Path], None]
    expect: dict[str, Outcome] = field(default_factory=dict)
    # Must be refused without being read or unpacked: memory is watched.
    big: bool = False
    # Where a zip-slip member would land if unpacked as named: must not exist afterwards.
    escapes: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """``table`` (CSV, XLSX: every path) or ``gis`` (areas and points only)."""
        return "table" if self.filename.endswith((".csv", ".xlsx")) else "gis"


# --- the corpus -----------------------------------------------------------------------------

NOT_POINT = refused(ROWS_REFUSED, "point_import.not_a_point")
NOT_POLYGON = refused(AREAS_REFUSED, "area_import.not_polygon")
TWO_AREAS = accepted(2)
TWO_POINTS = accepted(2, names=("Osiedle Próbne", "Osiedle Drugie"))
# The diacritics read back right prove the encoding was.
TWO_ROWS = accepted(2, names=("Świetlica Próbna", "Klub Seniora Żółty"))


def _gis(id: str, filename: str, write: Callable[[Path], None], areas: Outcome,
         points: Outcome | None = None) -> Case:
    return Case(id, filename, write, {"areas": areas, "points": points or areas})


def _table(id: str, filename: str, write: Callable[[Path], None], *, areas: Outcome,
           points: Outcome, bulk: Outcome | None = None, survey: Outcome | None = None) -> Case:
    return Case(id, filename, write, {
        "areas": areas, "points": points, "bulk": bulk or points,
        "survey": survey or SURVEY_NO_COLUMNS,
    })


def _same(outcome: Outcome) -> dict[str, Outcome]:
    return {"areas": outcome, "points": outcome, "bulk": outcome, "survey": outcome}


def _cases() -> list[Case]:
    areas = good_areas()
    bowtie = [(17.025, 51.116), (17.030, 51.120), (17.030, 51.116), (17.025, 51.120)]
    metres = [(359_000.0, 364_000.0), (359_300.0, 364_000.0), (359_300.0, 364_300.0),
              (359_000.0, 364_300.0)]
    swapped = [(lat, lon) for lon, lat in SQUARE_A]
    cases = [
        # GeoJSON
        _gis("geojson-truncated", "osiedla.geojson", _truncated(_geojson(areas)),
             refused("import_file.truncated")),
        _gis("geojson-empty-0-bytes", "osiedla.geojson", _write_bytes(b""),
             refused("import_file.empty")),
        _gis("geojson-only-whitespace", "osiedla.geojson", _write_bytes(b" \r\n\t\r\n"),
             refused("import_file.empty")),
        _gis("geojson-no-features", "osiedla.geojson", _write_json(_feature_collection([])),
             refused("import_file.no_features")),
        _gis("geojson-binary-garbage", "osiedla.geojson", _write_bytes(_garbage()),
             refused("import_file.not_format")),
        _gis("json-not-geojson", "osiedla.json",
             _write_json({"osiedla": ["Nadodrze", "Kleczków"], "liczba": 2}),
             refused("import_file.not_format")),
        _gis("geojson-json-array", "osiedla.geojson", _write_json([17.03, 51.12]),
             refused("import_file.not_format")),
        _gis("geojson-html-page", "osiedla.geojson", _write_text(HTML),
             refused("import_file.html")),
        _gis("geojson-deeply-nested", "osiedla.geojson",
             _write_bytes(b'{"type": "FeatureCollection", "features": ' + b"[" * 50_000
                          + b"]" * 50_000 + b"}"),
             refused("import_file.not_format")),
        _gis("geojson-bowtie-repaired", "osiedla.geojson",
             _write_json(_feature_collection([_feature(_polygon_json(bowtie))])),
             accepted(1, "area_import.repaired"), NOT_POINT),
        _gis("geojson-lat-lon-swapped", "osiedla.geojson",
             _write_json(_feature_collection([_feature(_polygon_json(swapped))])),
             refused(AREAS_REFUSED, "area_import.swapped_axes"), NOT_POINT),
        _gis("geojson-points-lat-lon-swapped", "punkty.geojson",
             _write_json(_feature_collection([
                 _feature({"type": "Point", "coordinates": [POINT_A[1], POINT_A[0]]})])),
             NOT_POLYGON, refused(ROWS_REFUSED, "error.point_swapped")),
        _gis("geojson-metres-as-degrees", "osiedla.geojson",
             _write_json(_feature_collection([_feature(_polygon_json(metres))])),
             refused("import_file.looks_projected")),
        _gis("geojson-crs-member-lies", "osiedla.geojson",
             _write_json(_feature_collection(
                 [_feature(_polygon_json(SQUARE_A))],
                 crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2180"}})),
             refused(AREAS_REFUSED, "area_import.outside_poland"),
             refused(ROWS_REFUSED, "point_import.not_a_point")),
        _gis("geojson-nan-coordinates", "osiedla.geojson",
             _write_json(_feature_collection([
                 _feature(_polygon_json(SQUARE_A)),
                 _feature({"type": "Polygon", "coordinates": [[[float("nan"), 51.1],
                           [17.03, float("nan")], [17.04, 51.12], [float("nan"), 51.1]]]},
                          "Osiedle NaN")])),
             refused("import_file.bad_geometry")),
        _gis("geojson-infinite-coordinates", "punkty.geojson",
             _write_json(_feature_collection([
                 _feature({"type": "Point", "coordinates": list(POINT_A)}),
                 _feature({"type": "Point", "coordinates": [float("inf"), 51.12]}, "Daleko")])),
             refused("import_file.not_finite")),
        _gis("geojson-3d-polygons", "osiedla.geojson",
             _geojson(_frame([shapely.force_3d(Polygon(SQUARE_A), 120.0),
                              shapely.force_3d(Polygon(SQUARE_B), 121.5)])),
             TWO_AREAS, NOT_POINT),
        _gis("geojson-3d-points", "punkty.geojson",
             _geojson(_frame([Point(*POINT_A, 120.0), Point(*POINT_B, 118.0)])),
             NOT_POLYGON, TWO_POINTS),
        _gis("geojson-geometrycollection", "osiedla.geojson",
             _geojson(_frame([GeometryCollection([Polygon(SQUARE_A), Point(POINT_A)])])),
             accepted(1, "area_import.other_parts_dropped"), NOT_POINT),
        _gis("geojson-mixed-geometry-types", "osiedla.geojson",
             _geojson(_frame([Polygon(SQUARE_A), LineString(SQUARE_B), Point(POINT_B)])),
             refused(AREAS_REFUSED, "area_import.not_polygon"), NOT_POINT),
        _gis("geojson-null-geometries", "osiedla.geojson",
             _write_json(_feature_collection([_feature(_polygon_json(SQUARE_A)),
                                              _feature(None, "Bez granic")])),
             refused(AREAS_REFUSED, "area_import.empty_geometry"), NOT_POINT),
        _gis("geojson-without-name-field", "osiedla.geojson",
             _geojson(gpd.GeoDataFrame({"kod": ["A1", "A2"]},
                                       geometry=[Polygon(SQUARE_A), Polygon(SQUARE_B)],
                                       crs="EPSG:4326")),
             refused("area_import.name_field_needed"), refused("point_import.no_name_column")),
        _gis("geojson-cp1250-text", "osiedla.geojson",
             _write_bytes(json.dumps(_feature_collection([_feature(_polygon_json(SQUARE_A),
                                                                   "Osiedle Łąkowe")]),
                                     ensure_ascii=False).encode("cp1250")),
             refused("import_file.bad_encoding")),
        _gis("geojson-201-mb", "osiedla.geojson", _sparse(OVER_LIMIT),
             refused("import_file.too_big")),
        # GeoPackage
        _gis("gpkg-truncated", "osiedla.gpkg", _truncated(_gpkg(areas)),
             refused("import_file.not_format")),
        _gis("gpkg-empty-0-bytes", "osiedla.gpkg", _write_bytes(b""),
             refused("import_file.empty")),
        _gis("gpkg-no-features", "osiedla.gpkg", _gpkg(areas.iloc[0:0]),
             refused("import_file.no_features")),
        _gis("gpkg-binary-garbage", "osiedla.gpkg", _write_bytes(_garbage(seed=2)),
             refused("import_file.not_format")),
        _gis("gpkg-plain-sqlite", "osiedla.gpkg", _plain_sqlite,
             refused("import_file.not_format")),
        _gis("gpkg-attribute-table", "osiedla.gpkg", _attribute_gpkg,
             refused("import_file.no_geometry")),
        _gis("gpkg-3d-puwg1992", "osiedla.gpkg",
             _gpkg(_frame([shapely.force_3d(Polygon(SQUARE_A), 120.0),
                           shapely.force_3d(Polygon(SQUARE_B), 120.0)])),
             accepted(2, "area_import.reprojected"), NOT_POINT),
        # Zipped shapefiles and zips
        _gis("shp-zip-truncated", "osiedla.zip", _truncated(_shapefile_zip(areas)),
             refused("import_file.bad_zip")),
        _gis("shp-zip-empty-0-bytes", "osiedla.zip", _write_bytes(b""),
             refused("import_file.empty")),
        _gis("shp-zip-no-features", "osiedla.zip", _shapefile_zip(areas.iloc[0:0]),
             refused("import_file.no_features")),
        _gis("zip-bomb-600-mb", "osiedla.zip",
             lambda p: write_zip(p, [("osiedla.shp", Filler(600)), ("osiedla.shx", b"\0" * 100),
                                     ("osiedla.dbf", b"\0" * 100)]),
             refused("import_file.zip_too_big")),
        _gis("zip-bomb-ratio", "osiedla.zip",
             lambda p: write_zip(p, [("osiedla.shp", Filler(60)), ("osiedla.shx", b"\0" * 100),
                                     ("osiedla.dbf", b"\0" * 100)]),
             refused("import_file.zip_bomb")),
        # Documented: members are unpacked under their bare names into a private folder,
        # so the shapefile is read and nothing lands where its path points.
        Case("zip-slip-relative", "osiedla.zip",
             _shapefile_zip(areas, prefix="../../etc/calmap-zip-slip"),
             {"areas": TWO_AREAS, "points": NOT_POINT}, escapes=("etc/calmap-zip-slip",)),
        Case("zip-slip-absolute", "osiedla.zip",
             _shapefile_zip(areas, prefix="/etc/calmap-zip-slip"),
             {"areas": TWO_AREAS, "points": NOT_POINT}, escapes=("/etc/calmap-zip-slip",)),
        _gis("shp-zip-prj-lies-wgs84-over-metres", "osiedla.zip",
             _shapefile_zip(areas, change=lambda parts: {
                 **parts, ".prj": gpd.GeoSeries([], crs="EPSG:4326").crs.to_wkt("WKT1_ESRI")
                 .encode()}),
             refused("import_file.looks_projected")),
        _gis("shp-zip-prj-garbage", "osiedla.zip",
             _shapefile_zip(areas, change=lambda parts: {**parts, ".prj": b"PROJCS[nonsense"}),
             refused("import_file.bad_prj")),
        _gis("shp-zip-missing-dbf", "osiedla.zip",
             _shapefile_zip(areas, change=lambda parts: {
                 s: d for s, d in parts.items() if s != ".dbf"}),
             refused("import_file.shapefile_incomplete")),
        _gis("shp-zip-cp1250-without-cpg", "osiedla.zip",
             _shapefile_zip(areas, encoding="cp1250", change=lambda parts: {
                 s: d for s, d in parts.items() if s != ".cpg"}),
             accepted(2, "import_file.encoding_guessed"), NOT_POINT),
        _gis("shp-zip-truncated-shp-inside", "osiedla.zip",
             _shapefile_zip(areas, change=lambda parts: {
                 **parts, ".shp": parts[".shp"][: len(parts[".shp"]) - 60]}),
             refused("import_file.not_format")),
        _gis("shp-zip-garbage-parts", "osiedla.zip",
             _shapefile_zip(areas, change=lambda parts: {
                 s: _garbage(len(d), seed=3) if s in (".shp", ".shx", ".dbf") else d
                 for s, d in parts.items()}),
             refused("import_file.not_format")),
        _gis("shp-zip-password-protected", "osiedla.zip", _shapefile_zip(areas, flags=0x1),
             refused("import_file.zip_encrypted")),
        _gis("zip-without-dataset", "osiedla.zip",
             lambda p: write_zip(p, [("czytaj.txt", b"Granice osiedli"),
                                     ("mapa.png", _garbage(200))]),
             refused("import_file.zip_no_dataset")),
        _gis("zip-two-datasets", "osiedla.zip",
             lambda p: write_zip(p, [("a.geojson", areas.to_json().encode()),
                                     ("b.geojson", areas.to_json().encode())]),
             refused("import_file.zip_several")),
        _gis("zip-not-a-zip", "osiedla.zip", _write_bytes(_garbage(seed=4)),
             refused("import_file.bad_zip")),
        # KML and KMZ
        _gis("kml-truncated", "osiedla.kml", _truncated(_kml(areas)),
             refused("import_file.not_format")),
        _gis("kml-empty-0-bytes", "osiedla.kml", _write_bytes(b""),
             refused("import_file.empty")),
        _gis("kml-no-placemarks", "osiedla.kml", _write_text(_kml_text("")),
             refused("import_file.no_features")),
        _gis("kml-binary-garbage", "osiedla.kml", _write_bytes(_garbage(seed=5)),
             refused("import_file.not_format")),
        _gis("kml-3d-with-altitude", "osiedla.kml",
             _write_text(_kml_text(
                 _placemark("Osiedle Próbne", [(*p, 120.0) for p in [*SQUARE_A, SQUARE_A[0]]])
                 + _placemark("Osiedle Drugie",
                              [(*p, 120.0) for p in [*SQUARE_B, SQUARE_B[0]]]))),
             TWO_AREAS, refused("point_import.no_category_column")),
        _gis("kml-lat-lon-swapped", "osiedla.kml",
             _write_text(_kml_text(_placemark("Osiedle Próbne", [*swapped, swapped[0]]))),
             refused(AREAS_REFUSED, "area_import.swapped_axes"),
             refused("point_import.no_category_column")),
        _gis("kmz-truncated", "osiedla.kmz",
             _truncated(_kmz(_kml_text(_placemark("Osiedle Próbne", [*SQUARE_A, SQUARE_A[0]])))),
             refused("import_file.bad_zip")),
        _gis("kmz-without-kml", "osiedla.kmz",
             lambda p: write_zip(p, [("files/ikona.png", _garbage(300))]),
             refused("import_file.zip_no_dataset")),
        _gis("kmz-bomb", "osiedla.kmz", lambda p: write_zip(p, [("doc.kml", Filler(600))]),
             refused("import_file.zip_too_big")),
        _gis("kmz-that-is-plain-kml", "osiedla.kmz",
             _write_text(_kml_text(_placemark("Osiedle Próbne", [*SQUARE_A, SQUARE_A[0]]))),
             refused("import_file.bad_zip")),
        # CSV
        _table("csv-truncated-in-quotes", "zasoby.csv",
               _write_text(f"{TABLE_HEADER}\r\n{GOOD_ROWS[0]}\r\n\"Klub „Pod Lipą;Klub seniora"),
               areas=refused("bulk.truncated"), points=refused("bulk.truncated"),
               survey=refused("survey.truncated")),
        _table("csv-empty-0-bytes", "zasoby.csv", _write_bytes(b""),
               areas=refused("import_file.empty"), points=refused("import_file.empty"),
               bulk=refused("bulk.empty_file"), survey=refused("survey.empty_file")),
        _table("csv-only-a-bom", "zasoby.csv", _write_bytes(b"\xef\xbb\xbf\r\n"),
               areas=refused("bulk.empty_file"), points=refused("bulk.empty_file"),
               survey=refused("survey.empty_file")),
        _table("csv-headings-only", "zasoby.csv", _csv([]),
               areas=refused("bulk.no_rows"), points=refused("bulk.no_rows"),
               survey=refused("survey.no_answers")),
        _table("csv-utf8-bom", "zasoby.csv", _csv(GOOD_ROWS, bom=True),
               areas=NOT_POLYGON, points=TWO_ROWS),
        _table("csv-cp1250", "zasoby.csv", _csv(GOOD_ROWS, encoding="cp1250"),
               areas=NOT_POLYGON, points=TWO_ROWS),
        _table("csv-html-page", "zasoby.csv", _write_text(HTML),
               areas=refused("bulk.html"), points=refused("bulk.html"),
               survey=refused("survey.html")),
        _table("csv-missing-columns", "zasoby.csv",
               _csv(["Świetlica Próbna;ul. Próbna 1"], header="Nazwa;Adres"),
               areas=refused(AREAS_REFUSED, "area_import.empty_geometry"),
               points=refused("point_import.no_category_column"),
               bulk=refused("bulk.missing_columns")),
        _table("csv-formula-looking-cells", "zasoby.csv",
               _csv([f'"{n.replace(chr(34), chr(34) * 2)}";Świetlica;ul. Próbna {i};'
                     f"{_lat_lon(POINT_A)}" for i, n in enumerate(FORMULA_NAMES)]),
               areas=NOT_POLYGON, points=accepted(4, names=tuple(FORMULA_NAMES))),
        _table("csv-binary-garbage", "zasoby.csv", _write_bytes(_garbage(seed=6)),
               areas=refused("bulk.encoding"), points=refused("bulk.encoding"),
               survey=refused("survey.encoding")),
        _table("csv-utf16-without-bom", "zasoby.csv",
               _csv(GOOD_ROWS, encoding="utf-16-le"),
               areas=refused("bulk.encoding"), points=refused("bulk.encoding"),
               survey=refused("survey.encoding")),
        _table("csv-cell-over-field-limit", "zasoby.csv",
               _csv([f"{'Ś' * 200_000};Świetlica;ul. Próbna 1;{_lat_lon(POINT_A)}"]),
               areas=refused("bulk.cell_too_long"), points=refused("bulk.cell_too_long"),
               survey=refused("survey.cell_too_long")),
        _table("csv-nan-inf-coordinates", "zasoby.csv",
               _csv([GOOD_ROWS[0], "Klub NaN;Klub seniora;ul. Łąkowa 2;NaN;nan",
                     "Klub Inf;Klub seniora;ul. Łąkowa 3;inf;-Infinity"]),
               areas=NOT_POLYGON,
               points=refused(ROWS_REFUSED, "error.point_not_number")),
        _table("csv-lat-lon-swapped", "zasoby.csv",
               _csv([f"Świetlica Próbna;Świetlica;ul. Próbna 1;{_lat_lon(POINT_A[::-1])}"]),
               areas=NOT_POLYGON, points=refused(ROWS_REFUSED, "error.point_swapped")),
        _table("csv-metres-as-degrees", "zasoby.csv",
               _csv([f"Świetlica Próbna;Świetlica;ul. Próbna 1;{POINT_A_2180[1]:.0f};"
                     f"{POINT_A_2180[0]:.0f}"]),
               areas=refused("import_file.looks_projected"),
               points=refused("import_file.looks_projected"),
               bulk=refused(ROWS_REFUSED, "error.point_not_number")),
        _table("csv-wkt-3d-points", "zasoby.csv",
               _csv([f"Świetlica Próbna;Świetlica;ul. Próbna 1;POINT Z ({POINT_A[0]} "
                     f"{POINT_A[1]} 120)"], header="Nazwa;Kategoria;Adres;WKT"),
               areas=NOT_POLYGON, points=accepted(1)),
        _table("csv-wkt-mixed-and-collection", "zasoby.csv",
               _csv([f"Osiedle Próbne;Świetlica;ul. 1;{Polygon(SQUARE_A).wkt}",
                     f"Osiedle Drugie;Świetlica;ul. 2;{LineString(SQUARE_B).wkt}",
                     f"Osiedle Trzecie;Świetlica;ul. 3;"
                     f"{GeometryCollection([Point(POINT_A), Polygon(SQUARE_B)]).wkt}"],
                    header="Nazwa;Kategoria;Adres;WKT"),
               areas=refused(AREAS_REFUSED, "area_import.not_polygon"),
               points=refused(ROWS_REFUSED, "point_import.not_a_point"),
               bulk=refused(ROWS_REFUSED, "bulk.bad_wkt")),
        _table("csv-broken-wkt", "zasoby.csv",
               _csv(["Osiedle Próbne;Świetlica;ul. 1;POLYGON((17.02 51.11, 17.03"],
                    header="Nazwa;Kategoria;Adres;WKT"),
               areas=refused(AREAS_REFUSED, "area_import.bad_wkt"),
               points=refused(ROWS_REFUSED, "bulk.bad_wkt")),
        _table("csv-control-characters", "zasoby.csv",
               _csv([f"Świetlica\x07Próbna;Świetlica;ul. Próbna 1;{_lat_lon(POINT_A)}"]),
               areas=refused(AREAS_REFUSED, "error.control_characters"),
               points=refused(ROWS_REFUSED, "error.control_characters")),
        _table("csv-pipe-delimited", "zasoby.csv",
               _write_text("\r\n".join([TABLE_HEADER.replace(";", "|"),
                                        *[r.replace(";", "|") for r in GOOD_ROWS]])),
               areas=refused("area_import.name_field_needed"),
               points=refused("point_import.no_name_column"),
               bulk=refused("bulk.missing_columns")),
        _table("csv-6-mb-over-table-limit", "zasoby.csv", _over_table_limit,
               areas=refused("bulk.too_big"), points=refused("bulk.too_big"),
               survey=SURVEY_NO_COLUMNS),
        _table("csv-201-mb", "zasoby.csv", _sparse(OVER_LIMIT),
               areas=refused("import_file.too_big"), points=refused("import_file.too_big"),
               bulk=refused("bulk.too_big"), survey=refused("survey.file_too_big")),
        # Survey exports
        _table("kobo-truncated-in-quotes", "odpowiedzi.csv",
               _kobo(tail='uuid-ucięty;"Nadodrze'),
               areas=refused("bulk.truncated"), points=refused("bulk.truncated"),
               survey=refused("survey.truncated")),
        _table("kobo-utf8-bom", "odpowiedzi.csv", _kobo(bom=True),
               areas=refused("area_import.name_field_needed"),
               points=refused("point_import.no_name_column"),
               bulk=refused("bulk.missing_columns"), survey=accepted(12)),
        _table("kobo-cp1250", "odpowiedzi.csv", _kobo(encoding="cp1250"),
               areas=refused("area_import.name_field_needed"),
               points=refused("point_import.no_name_column"),
               bulk=refused("bulk.missing_columns"), survey=accepted(12)),
        _table("kobo-nan-inf-geopoints", "odpowiedzi.csv", _kobo(_no_estate_nan_point),
               areas=refused("area_import.name_field_needed"),
               points=refused("point_import.no_name_column"),
               bulk=refused("bulk.missing_columns"),
               survey=refused(SURVEY_REFUSED, "survey.bad_point")),
        _table("kobo-formula-looking-answers", "odpowiedzi.csv",
               _kobo(_set_column("braki", '=HYPERLINK("http://zly.example";"x")')),
               areas=refused("area_import.name_field_needed"),
               points=refused("point_import.no_name_column"),
               bulk=refused("bulk.missing_columns"),
               survey=refused(SURVEY_REFUSED, "survey.not_a_choice")),
        _table("kobo-missing-question-columns", "odpowiedzi.csv",
               _kobo(_drop_columns("braki", "cenione")),
               areas=refused("area_import.name_field_needed"),
               points=refused("point_import.no_name_column"),
               bulk=refused("bulk.missing_columns"), survey=refused("survey.missing_columns")),
        # XLSX
        _table("xlsx-truncated", "zasoby.xlsx", _truncated(_xlsx(XLSX_ROWS)),
               areas=refused("bulk.bad_xlsx"), points=refused("bulk.bad_xlsx"),
               survey=refused("survey.bad_xlsx")),
        _table("xlsx-empty-0-bytes", "zasoby.xlsx", _write_bytes(b""),
               areas=refused("import_file.empty"), points=refused("import_file.empty"),
               bulk=refused("bulk.empty_file"), survey=refused("survey.empty_file")),
        _table("xlsx-headings-only", "zasoby.xlsx", _xlsx([]),
               areas=refused("bulk.no_rows"), points=refused("bulk.no_rows"),
               survey=refused("survey.no_answers")),
        _table("xlsx-not-a-zip", "zasoby.xlsx", _csv(GOOD_ROWS),
               areas=refused("bulk.not_xlsx"), points=refused("bulk.not_xlsx"),
               survey=refused("survey.not_xlsx")),
        _table("xlsx-zip-bomb", "zasoby.xlsx", _xlsx_with_sheet(Filler(
                   600, b" ", b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxml'
                   b'formats.org/spreadsheetml/2006/main"><sheetData>',
                   b"</sheetData></worksheet>")),
               areas=refused("bulk.xlsx_bomb"), points=refused("bulk.xlsx_bomb"),
               survey=refused("survey.xlsx_bomb")),
        _table("xlsx-zip-without-workbook", "zasoby.xlsx",
               lambda p: write_zip(p, [("czytaj.txt", b"Arkusz"), ("dane.csv", b"a;b")]),
               areas=refused("bulk.bad_xlsx"), points=refused("bulk.bad_xlsx"),
               survey=refused("survey.bad_xlsx")),
        _table("xlsx-broken-sheet-xml", "zasoby.xlsx",
               _xlsx_with_sheet(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.'
                                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                                b'<row r="1"><c r="A1" t="inlineStr"><is><t>Naz'),
               areas=refused("bulk.bad_xlsx"), points=refused("bulk.bad_xlsx"),
               survey=refused("survey.bad_xlsx")),
        _table("xlsx-formulas-without-values", "zasoby.xlsx", _xlsx_formulas,
               areas=NOT_POLYGON, points=refused(ROWS_REFUSED, "error.required")),
        _table("xlsx-formula-looking-text", "zasoby.xlsx", _xlsx_formula_text,
               areas=NOT_POLYGON, points=accepted(4, names=tuple(FORMULA_NAMES))),
        _table("xlsx-missing-columns", "zasoby.xlsx",
               _xlsx([["Świetlica Próbna", "ul. Próbna 1"]], header=["Nazwa", "Adres"]),
               areas=refused(AREAS_REFUSED, "area_import.empty_geometry"),
               points=refused("point_import.no_category_column"),
               bulk=refused("bulk.missing_columns")),
        _table("xlsx-old-xls-inside", "zasoby.xlsx",
               _write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + _garbage(1024)),
               areas=refused("bulk.unsupported_format"),
               points=refused("bulk.unsupported_format"), survey=refused("survey.old_excel")),
        _table("xlsx-201-mb", "zasoby.xlsx", _sparse(OVER_LIMIT),
               areas=refused("import_file.too_big"), points=refused("import_file.too_big"),
               bulk=refused("bulk.too_big"), survey=refused("survey.file_too_big")),
    ]
    # Refused by their size (on disk or unpacked) before they are read: memory is watched.
    cases = [
        dataclasses.replace(c, big=True) if any(w in c.id for w in ("bomb", "-mb")) else c
        for c in cases
    ]
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


CASES = _cases()


def write_case(case: Case, folder: Path) -> Path:
    """Write ``case``'s file into a folder of its own under ``folder`` (once) and return it."""
    own = folder / case.id
    path = own / case.filename
    if not path.exists():
        own.mkdir(parents=True, exist_ok=True)
        case.write(path)
    return path
