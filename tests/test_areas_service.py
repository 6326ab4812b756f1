"""Areas are drawn, described by their streets and built from a street layer."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import LineString, Polygon, box

from mapping.db.models import Area
from mapping.errors import ConflictError, PermissionDenied, UserError, ValidationError
from mapping.services import areas
from tests.editing_fixtures import build_world

# A small square in Brzeźno (Gdańsk), drawn the way Leaflet.draw reports it.
DRAWN = {
    "type": "Feature",
    "properties": {},
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[18.62, 54.40], [18.63, 54.40], [18.63, 54.41], [18.62, 54.41],
                         [18.62, 54.40]]],
    },
}


@pytest.fixture()
def world(session):
    return build_world(session)


def ref(session, area_id):
    return areas.area_ref(session, area_id)


def test_an_editor_redraws_their_teams_area_and_it_becomes_a_multipolygon(session, world):
    new = areas.update_geometry(session, world.editor_a, ref(session, world.area_a), [DRAWN])
    shape = to_shape(session.get(Area, world.area_a).geom)
    assert shape.geom_type == "MultiPolygon"
    assert shape.equals(shapely.MultiPolygon([shapely.geometry.shape(DRAWN["geometry"])]))
    assert new.version == 2


def test_a_self_crossing_drawing_is_repaired(session, world):
    bowtie = {"type": "Polygon", "coordinates": [[[18.62, 54.40], [18.63, 54.41],
                                                  [18.63, 54.40], [18.62, 54.41],
                                                  [18.62, 54.40]]]}
    areas.update_geometry(session, world.editor_a, ref(session, world.area_a), json.dumps(bowtie))
    shape = to_shape(session.get(Area, world.area_a).geom)
    assert shape.is_valid and len(shape.geoms) == 2


@pytest.mark.parametrize(
    ("drawing", "key"),
    [
        ("not json", "area.bad_geojson"),
        ({"type": "Point", "coordinates": [18.62, 54.40]}, "area.no_polygon"),
        ({"type": "Polygon", "coordinates": [[[13.0, 52.5], [13.1, 52.5], [13.1, 52.6],
                                              [13.0, 52.5]]]}, "area.outside_poland"),
        ({"type": "Polygon", "coordinates": [[[54.40, 18.62], [54.40, 18.63], [54.41, 18.63],
                                              [54.40, 18.62]]]}, "area.swapped"),
    ],
)
def test_a_bad_drawing_is_refused_with_a_reason(session, world, drawing, key):
    before = to_shape(session.get(Area, world.area_a).geom)
    with pytest.raises(ValidationError) as caught:
        areas.update_geometry(session, world.editor_a, ref(session, world.area_a), drawing)
    assert caught.value.fields == {"geometry": key}
    assert to_shape(session.get(Area, world.area_a).geom).equals(before)


def test_another_teams_editor_and_viewers_cannot_redraw(session, world):
    with pytest.raises(PermissionDenied):
        areas.update_geometry(session, world.editor_b, ref(session, world.area_a), DRAWN)
    with pytest.raises(PermissionDenied):
        areas.update_geometry(session, world.viewer, ref(session, world.area_a), DRAWN)


def test_a_stale_drawing_is_refused(session, world):
    old = ref(session, world.area_a)
    areas.set_streets(session, world.admin, old, "ul. Sienkiewicza")
    with pytest.raises(ConflictError) as caught:
        areas.update_geometry(session, world.editor_a, old, DRAWN)
    assert caught.value.changed_by == "ada"


def test_the_street_list_is_recorded_as_written(session, world):
    text = "Hutnik – ul. Sienkiewicza i Śniadeckich"
    areas.set_streets(session, world.editor_a, ref(session, world.area_a), text)
    assert session.get(Area, world.area_a).streets == text
    assert areas.parse_streets(text) == ["Sienkiewicza", "Śniadeckich"]
    areas.set_streets(session, world.editor_a, ref(session, world.area_a), "  ")
    assert session.get(Area, world.area_a).streets is None


@pytest.mark.parametrize(
    ("text", "streets"),
    [
        ("Kopernika (Neptuna, Herkulesa, Orbitalna)", ["Neptuna", "Herkulesa", "Orbitalna"]),
        ("Piastów Śl. – Budziszyńska, Królowej Jadwigi, Ziemowita, Pl. Mieszka I",
         ["Budziszyńska", "Królowej Jadwigi", "Ziemowita", "Pl. Mieszka I"]),
        ("ul. Połaniecka oraz ul. Długosza", ["Połaniecka", "Długosza"]),
        ("al. Wojska Polskiego - Kościuszki", ["al. Wojska Polskiego - Kościuszki"]),
        ("", []),
    ],
)
def test_glogow_style_street_lists_are_read(text, streets):
    assert areas.parse_streets(text) == streets


def street_layer():
    """Głogów-like streets: two segments of one street, one other street, one far away."""
    return gpd.GeoDataFrame(
        {"NAZWA": ["ul. Henryka Sienkiewicza", "Henryka Sienkiewicza",
                   "ul. Jana i Jędrzeja ŚNIADECKICH", "Kościelna"]},
        geometry=[
            LineString([(16.080, 51.660), (16.085, 51.661)]),
            LineString([(16.085, 51.661), (16.090, 51.662)]),
            LineString([(16.085, 51.655), (16.086, 51.662)]),
            LineString([(16.100, 51.650), (16.101, 51.651)]),
        ],
        crs="EPSG:4326",
    ).to_crs("EPSG:2180")


def test_an_area_is_built_from_its_streets_with_a_report_of_what_was_not_found():
    match = areas.build_from_streets(
        ["Sienkiewicza", "śniadeckich", "Kościuszki"], street_layer(), buffer_m=50
    )
    assert match.found == {
        "Sienkiewicza": ["Henryka Sienkiewicza", "ul. Henryka Sienkiewicza"],
        "śniadeckich": ["ul. Jana i Jędrzeja ŚNIADECKICH"],
    }
    assert match.missing == ["Kościuszki"]
    assert match.segments == 3 and not match.complete
    shape = match.geometry
    assert shape.geom_type == "MultiPolygon" and shape.is_valid
    assert shape.contains(shapely.Point(16.085, 51.661))
    assert not shape.intersects(shapely.Point(16.1005, 51.6505))
    # About 50 m either side of the streets (EPSG:2180 is in metres).
    metric = gpd.GeoSeries([shape], crs=4326).to_crs(2180).iloc[0]
    streets = street_layer().geometry.iloc[:3].union_all()
    assert metric.buffer(-45).intersects(streets)
    assert not metric.contains(streets.buffer(60))


def test_no_street_found_leaves_the_area_as_it_was(session, world):
    areas.set_streets(session, world.admin, ref(session, world.area_a), "ul. Nieistniejąca")
    before = to_shape(session.get(Area, world.area_a).geom)
    layer = street_layer().to_crs(4326)
    with pytest.raises(UserError) as caught:
        areas.build_area_from_streets(session, world.admin, ref(session, world.area_a), layer)
    assert caught.value.key == "area.streets_not_found"
    assert to_shape(session.get(Area, world.area_a).geom).equals(before)


def test_building_from_streets_saves_the_new_boundary(session, world):
    layer = gpd.GeoDataFrame(
        {"name": ["Zamknięta", "Spacerowa"]},
        geometry=[LineString([(18.62, 54.40), (18.63, 54.40)]),
                  LineString([(18.62, 54.41), (18.63, 54.41)])],
        crs="EPSG:4326",
    )
    areas.set_streets(session, world.editor_a, ref(session, world.area_a),
                      "Brzeźno – ul. Zamknięta i Spacerowa")
    new, match = areas.build_area_from_streets(
        session, world.editor_a, ref(session, world.area_a), layer, buffer_m=30
    )
    assert match.complete and match.segments == 2
    shape = to_shape(session.get(Area, world.area_a).geom)
    assert len(shape.geoms) == 2
    assert new.version == 3


def test_a_street_layer_without_a_name_column_or_crs_is_explained():
    layer = gpd.GeoDataFrame({"x": [1]}, geometry=[LineString([(0, 0), (1000, 1000)])])
    with pytest.raises(UserError) as caught:
        areas.build_from_streets(["A"], layer)
    assert caught.value.key == "area.no_name_column"
    layer = gpd.GeoDataFrame({"name": ["A"]},
                             geometry=[LineString([(500000, 600000), (500100, 600000)])])
    with pytest.raises(UserError) as caught:
        areas.build_from_streets(["A"], layer)
    assert caught.value.key == "area.street_layer_crs"


def test_a_rectangle_drawing_and_a_feature_collection_are_accepted():
    square = box(18.6, 54.4, 18.61, 54.41).__geo_interface__
    marker = {"type": "Point", "coordinates": [18.6, 54.4]}
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": square},
        {"type": "Feature", "properties": {}, "geometry": marker},
    ]}
    shape = areas.check_geometry(areas.geometry_from_geojson(collection))
    assert shape.equals(shapely.MultiPolygon([Polygon(box(18.6, 54.4, 18.61, 54.41))]))
