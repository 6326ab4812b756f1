"""Reading real boundary and point files: CRS, comma decimals, broken polygons."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Polygon

from geodata import boundaries
from geodata.boundaries import BoundaryError, dissolve, geodesic_area_m2, read_boundaries
from geodata.points import PointsError, parse_decimal, read_projected_points

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FILES = PROJECT_ROOT / "geodata" / "files"
WROCLAW = FILES / "wroclaw_osiedla_48.geojson"
GDANSK = FILES / "gdansk_dzielnice.geojson"
VENUES = FILES / "gdansk_instytucje_kultury.geojson"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6542396,52", 6542396.52),
        ("6542396.52", 6542396.52),
        ("  12,5 ", 12.5),
        ("6 542 396,52", 6542396.52),
        ("6\u00a0542\u00a0396,52", 6542396.52),
        ("6\u202f542\u202f396,52", 6542396.52),
        ("6.542.396,52", 6542396.52),
        ("6,542,396.52", 6542396.52),
        ("-0,5", -0.5),
        ("\u22120,5", -0.5),
        (",5", 0.5),
        ("7", 7.0),
        (7, 7.0),
        (6024557.36, 6024557.36),
    ],
)
def test_comma_and_dot_decimals_parse_as_the_same_number(text, expected):
    assert parse_decimal(text) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    "text", ["", "  ", "abc", "1,2,3", "12 34", "1.234.5", "nan", "inf", "--1", "1,5e3", True]
)
def test_text_that_is_not_a_number_is_refused(text):
    with pytest.raises(ValueError):
        parse_decimal(text)


def test_not_a_finite_float_is_refused():
    with pytest.raises(ValueError):
        parse_decimal(math.nan)


def test_wroclaw_estates_come_back_valid_with_a_note_for_each_of_the_17_repairs():
    raw = gpd.read_file(WROCLAW)
    invalid = set(raw.loc[~raw.is_valid, "osiedle"])
    assert len(invalid) == 17

    frame, notes = read_boundaries(WROCLAW, "osiedle")

    assert len(frame) == 48
    assert frame.crs.to_epsg() == 4326
    assert set(frame.geom_type) == {"MultiPolygon"}
    assert frame.is_valid.all()
    assert {note.name for note in notes} == invalid
    assert all("Self-intersection" in note.problem for note in notes)
    assert all(note.dropped and "Polygon" not in note.dropped for note in notes)
    assert "make_valid" in str(notes[0])


def test_repairs_keep_the_area_of_wroclaw():
    frame, _notes = read_boundaries(WROCLAW, "osiedle")
    # The data README gives 292.6 km² for these 48 estates (official 292.8).
    total_km2 = sum(geodesic_area_m2(shape) for shape in frame.geometry) / 1e6
    assert total_km2 == pytest.approx(292.6, abs=0.3)


def test_gdansk_districts_need_no_repair_and_keep_their_attributes():
    frame, notes = read_boundaries(GDANSK, "DZIELNICY")
    assert notes == []
    assert len(frame) == 35
    assert "Śródmieście" in set(frame["name"])
    assert frame["L_MIESZK"].sum() > 400_000


def test_a_missing_name_field_is_reported_with_the_fields_there_are():
    with pytest.raises(BoundaryError, match="no field 'nazwa'.*osiedle"):
        read_boundaries(WROCLAW, "nazwa")


def test_a_geojson_without_crs_is_wgs84(tmp_path):
    square = [[[18.6, 54.3], [18.7, 54.3], [18.7, 54.4], [18.6, 54.4], [18.6, 54.3]]]
    path = tmp_path / "no_crs.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": " Kwadrat "},
                        "geometry": {"type": "Polygon", "coordinates": square},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    frame, _notes = read_boundaries(path, "name")
    assert frame.crs.to_epsg() == 4326
    assert frame["name"].tolist() == ["Kwadrat"]
    assert frame.geometry.iloc[0].bounds == pytest.approx((18.6, 54.3, 18.7, 54.4))


def test_a_shapefile_without_crs_is_refused_unless_the_caller_names_one(tmp_path):
    districts = gpd.read_file(GDANSK).to_crs("EPSG:2180")
    path = tmp_path / "dzielnice.shp"
    districts[["DZIELNICY", "geometry"]].to_file(path)
    path.with_suffix(".prj").unlink()

    with pytest.raises(BoundaryError, match="declares no CRS"):
        read_boundaries(path, "DZIELNICY")

    frame, _notes = read_boundaries(path, "DZIELNICY", crs="EPSG:2180")
    assert frame.crs.to_epsg() == 4326
    original = gpd.read_file(GDANSK).geometry.iloc[0]
    assert frame.geometry.iloc[0].hausdorff_distance(original) < 1e-6


def test_a_file_in_a_metric_crs_is_reprojected_to_wgs84(tmp_path):
    path = tmp_path / "dzielnice.gpkg"
    gpd.read_file(GDANSK).to_crs("EPSG:2180").to_file(path)
    frame, _notes = read_boundaries(path, "DZIELNICY")
    assert frame.crs.to_epsg() == 4326
    assert frame.total_bounds == pytest.approx(gpd.read_file(GDANSK).total_bounds, abs=1e-6)


def test_dissolving_gdansk_fills_the_slivers_between_districts_but_not_real_holes():
    frame, _notes = read_boundaries(GDANSK, "DZIELNICY")
    raw = dissolve(frame.geometry)
    filled = dissolve(frame.geometry, fill_gaps_below_m2=50_000)
    assert sum(len(part.interiors) for part in raw.geoms) > 0
    assert sum(len(part.interiors) for part in filled.geoms) == 0

    # At 54.5°N a 0.001° square is about 0.7 ha, below 5 ha; a 0.01° one about 73 ha.
    outer = [(18.0, 54.0), (19.0, 54.0), (19.0, 55.0), (18.0, 55.0)]
    small = [(18.5, 54.5), (18.501, 54.5), (18.501, 54.501), (18.5, 54.501)]
    large = [(18.2, 54.2), (18.21, 54.2), (18.21, 54.21), (18.2, 54.21)]
    holed = dissolve([Polygon(outer, [small, large])], fill_gaps_below_m2=50_000)
    assert [round(geodesic_area_m2(Polygon(r)) / 1e4) for r in holed.geoms[0].interiors] == [73]


def test_a_geometry_without_area_is_refused():
    with pytest.raises(BoundaryError, match="no area"):
        boundaries.as_multipolygon(shapely.LineString([(0, 0), (1, 1)]))


def test_venues_from_their_source_coordinates_agree_with_the_file_geometry_within_metres():
    venues = read_projected_points(VENUES, east_field="X", north_field="Y", crs="EPSG:2177")
    original = gpd.read_file(VENUES)
    assert len(venues) == len(original) == 74
    assert venues.crs.to_epsg() == 4326
    _az, _back, metres = Geod(ellps="WGS84").inv(
        venues.geometry.x.to_numpy(),
        venues.geometry.y.to_numpy(),
        original.geometry.x.to_numpy(),
        original.geometry.y.to_numpy(),
    )
    assert max(metres) < 3.0


def test_the_x_string_holds_the_easting_and_the_y_string_the_northing():
    # The README's src_* columns name the axes; the X/Y strings do not.
    original = gpd.read_file(VENUES)
    for x, y, east, north in zip(
        original["X"],
        original["Y"],
        original["src_epsg2177_y_east"],
        original["src_epsg2177_x_north"],
        strict=True,
    ):
        assert parse_decimal(x) == pytest.approx(east, abs=0.01)
        assert parse_decimal(y) == pytest.approx(north, abs=0.01)


def test_swapped_coordinate_columns_are_reported():
    with pytest.raises(PointsError, match="swapped"):
        read_projected_points(VENUES, east_field="Y", north_field="X", crs="EPSG:2177")


def test_a_coordinate_that_is_not_a_number_is_reported_with_its_row(tmp_path):
    path = tmp_path / "pins.geojson"
    rows = [("6542396,52", "6024557,36"), ("brak", "6024306,34")]
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"X": x, "Y": y}, "geometry": None}
                    for x, y in rows
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(PointsError, match="X is not a number in row 1: 'brak'"):
        read_projected_points(path, east_field="X", north_field="Y", crs="EPSG:2177")


def test_a_missing_coordinate_field_is_reported():
    with pytest.raises(PointsError, match="no field 'EAST'"):
        read_projected_points(VENUES, east_field="EAST", north_field="Y", crs="EPSG:2177")
