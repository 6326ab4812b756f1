"""The compact pin payload and its cache: what is sent once, and who may share it."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import Point

from mapping import catalog
from mapping.maps import assets, json_text, pin_payload
from mapping.maps.overview import overview_map
from mapping.maps.pins import PinLayer, pin_layer

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def catalogue():
    return catalog.default_entries()


@pytest.fixture(autouse=True)
def empty_cache():
    pin_payload.PAYLOADS.clear()
    yield
    pin_payload.PAYLOADS.clear()


def resources(count: int, visibility: str = "public", name: str = "Zasób") -> gpd.GeoDataFrame:
    rows = [
        {"id": i + 1, "area_id": 1, "name": f"{name} {i}" if i else XSS,
         "category": ("school", "library")[i % 2], "description": f"opis {i}",
         "address": f"ul. Długa {i}", "phone": None, "email": None, "www": None,
         "visibility": visibility, "kind": "institution_public", "opening_hours": None,
         "target_groups": ["seniors"] if i % 3 == 0 else [], "verified_on": None}
        for i in range(count)
    ]
    points = [Point(18.55 + (i % 100) * 0.0005, 54.40 + (i // 100) * 0.0005)
              for i in range(count)]
    return gpd.GeoDataFrame(rows, geometry=points, crs="EPSG:4326")


def payload_of(layer: PinLayer) -> dict:
    return json.loads(layer.payload.json)


def test_each_category_look_and_heading_is_sent_once_not_per_pin(catalogue):
    layer = pin_layer("resource", resources(1000), catalogue)
    text = layer.payload.json
    payload = payload_of(layer)
    assert payload["cats"] == ["library", "school"]
    # Per category: its pin and the swatch of its popup heading; never per pin.
    assert text.count("background:") == 2 * 2
    assert len(payload["cat"]) == len(payload["id"]) == 1000
    assert set(payload["cat"]) == {0, 1}


def test_no_popup_is_assembled_up_front(catalogue):
    text = pin_layer("resource", resources(50), catalogue).payload.json
    assert 'class="calmap-popup"' not in text
    assert "<table>" not in text


def test_texts_travel_as_typed_inside_a_script_they_cannot_end(catalogue):
    # The browser escapes them as it shows them (tests/test_browser_pin_popups.py).
    layer = pin_layer("resource", resources(5), catalogue)
    assert payload_of(layer)["tooltip"][0] == XSS
    assert XSS not in layer.payload.json and "<!--" not in layer.payload.json
    # Each popup row says how the browser shows it: the users' texts are escaped.
    assert payload_of(layer)["kinds"] == ["t", "m", "h", "t", "t", "l", "h"]


def test_the_payload_cannot_close_the_script_it_sits_in():
    assert "</" not in json_text.script_json({"a": "</script>", "b": "<!-- x"})
    assert "<!--" not in json_text.script_json({"a": "</script>", "b": "<!-- x"})


def test_the_fast_json_writes_the_text_the_standard_library_writes(catalogue):
    # A whole layer's payload: pin files are named by their text, so the text must
    # not change with the encoder (a kept file would get a second name).
    value = payload_of(pin_layer("resource", resources(50), catalogue))
    value["odd"] = ["Łódź \u2028 \x01 \"x\" \\", 1e16, -0.5, 54.362396, {"7": None}, (1, 2)]
    assert json_text.compact_json(value) == json.dumps(
        value, ensure_ascii=False, separators=(",", ":"))
    assert json_text.compact_json({1: 2**70}) == '{"1":1180591620717411303424}'  # json's way


def test_the_browser_gets_the_same_pins_as_a_feature_collection(catalogue):
    frame = resources(4)
    layer = pin_layer("resource", frame, catalogue)
    features = layer.data["features"]
    assert [f["properties"]["id"] for f in features] == [1, 2, 3, 4]
    assert [f["properties"]["category"] for f in features] == list(frame["category"])
    assert features[1]["geometry"]["coordinates"] == [18.5505, 54.4]
    assert layer._get_self_bounds() == [[54.4, 18.55], [54.4, 18.5515]]


def test_a_met_need_is_sent_as_faded_by_its_number_only(catalogue):
    needs = gpd.GeoDataFrame(
        [{"id": 1, "name": "A", "category": "unemployment", "status": "met",
          "visibility": "public"},
         {"id": 2, "name": "B", "category": "unemployment", "status": "identified",
          "visibility": "public"}],
        geometry=[Point(18.6, 54.4), Point(18.61, 54.41)], crs="EPSG:4326",
    )
    payload = payload_of(pin_layer("need", needs, catalogue))
    assert payload["faded"] == [0]


def test_a_second_viewer_of_the_same_pins_gets_the_stored_payload(catalogue):
    first = pin_layer("resource", resources(300), catalogue)
    second = pin_layer("resource", resources(300), catalogue)
    assert second.payload is first.payload
    assert (pin_payload.PAYLOADS.hits, pin_payload.PAYLOADS.misses) == (1, 1)


def test_a_different_visibility_class_gives_a_different_key(catalogue):
    frame = resources(10)
    digest = pin_payload.catalogue_digest(catalogue)
    public = pin_payload.payload_key("resource", frame, "pl", digest, viewer="public")
    team = pin_payload.payload_key("resource", frame, "pl", digest, viewer="team:7")
    assert public != team


def test_team_only_pins_never_share_a_key_with_public_ones(catalogue):
    digest = pin_payload.catalogue_digest(catalogue)
    public = resources(10, "public")
    team_only = resources(10, "team")
    assert pin_payload.visibility_class(public) == "public"
    assert pin_payload.visibility_class(team_only) == "team"
    assert (pin_payload.payload_key("resource", public, "pl", digest)
            != pin_payload.payload_key("resource", team_only, "pl", digest))


def test_a_viewer_without_the_team_only_pins_never_receives_them(catalogue):
    mixed = resources(10)
    mixed.loc[3, ["visibility", "name"]] = ["team", "Tylko dla zespołu"]
    pin_layer("resource", mixed, catalogue)
    public_only = mixed[mixed["visibility"] != "team"].reset_index(drop=True)
    seen = pin_layer("resource", public_only, catalogue).payload.json
    assert "Tylko dla zespołu" not in seen
    assert pin_payload.PAYLOADS.hits == 0


def test_an_edit_a_move_the_language_or_the_catalogue_change_the_key(catalogue):
    digest = pin_payload.catalogue_digest(catalogue)
    frame = resources(10)
    key = pin_payload.payload_key("resource", frame, "pl", digest)
    assert pin_payload.payload_key("resource", resources(10), "pl", digest) == key
    edited = resources(10)
    edited.loc[4, "address"] = "ul. Krótka 2"
    moved = resources(10)
    moved.loc[4, "geometry"] = Point(18.7, 54.5)
    other_catalogue = pin_payload.catalogue_digest(catalogue[:-1])
    assert len({
        key,
        pin_payload.payload_key("resource", edited, "pl", digest),
        pin_payload.payload_key("resource", moved, "pl", digest),
        pin_payload.payload_key("resource", frame, "en", digest),
        pin_payload.payload_key("resource", frame, "pl", other_catalogue),
        pin_payload.payload_key("partner", frame, "pl", digest),
    }) == 6


def test_the_cache_forgets_the_oldest_payload_beyond_its_size():
    cache = pin_payload.PayloadCache(max_entries=2)
    made = []

    def build(name):
        def make():
            made.append(name)
            return pin_payload.PinPayload(name, 0, "{}", None)
        return make

    for name in ("a", "b", "a", "c", "b"):
        cache.get_or_build(name, build(name))
    assert made == ["a", "b", "c", "b"] and len(cache) == 2


def test_the_offline_map_carries_the_cluster_script_inline(catalogue):
    m = overview_map(
        gpd.GeoDataFrame({"id": [], "name": [], "kind": []}, geometry=[], crs="EPSG:4326"),
        {"resource": resources(400)}, catalogue, leaflet=assets.leaflet_inline(),
    )
    page = m.get_root().render()
    assert "window.CalmapPins" in page
    assert page.count("window.CalmapPins = CalmapPins") == 1
    if assets.markercluster_available():
        assert "MarkerClusterGroup" in page
    assert "<script src=" not in page
