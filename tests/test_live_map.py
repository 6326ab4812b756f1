"""Public pins as static files (pin_store) and the map split into a mounted base and content."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
from shapely.geometry import MultiPolygon, Point, box
from streamlit_folium import _get_map_string, generate_js_hash

from mapping import catalog
from mapping.maps import assets, live, pin_parts, pin_payload, pin_store
from mapping.maps.overview import overview_map
from mapping.maps.pins import STORE_THRESHOLD, pin_layer
from mapping.ui import live_map

SECRET = "tajny-opis-zespołu-5521"
XSS = "<script>alert(1)</script>"


def resources(count: int, team_only: int = 0, area_id: int = 1) -> gpd.GeoDataFrame:
    """``count`` public resources (the first with a hostile name) and ``team_only`` more."""
    rows, points = [], []
    for i in range(count + team_only):
        team = i >= count
        rows.append({
            "id": i + 1, "area_id": area_id, "name": XSS if i == 0 else f"Zasób {i}",
            "category": ("school", "library")[i % 2],
            "description": SECRET if team else f"opis {i}",
            "address": f"ul. Długa {i}", "phone": None, "email": None, "www": None,
            "visibility": "team" if team else "public", "kind": "institution_public",
            "opening_hours": None, "target_groups": [], "verified_on": None,
        })
        points.append(Point(18.55 + (i % 50) * 0.001, 54.34 + (i // 50) * 0.001))
    return gpd.GeoDataFrame(rows, geometry=points, crs="EPSG:4326")


def area(area_id: int, west: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        [{"id": area_id, "name": f"Obszar {area_id}", "kind": "district", "parent_id": None,
          "team_id": None, "team_name": None, "population": None, "streets": None}],
        geometry=[MultiPolygon([box(west, 54.3, west + 0.1, 54.4)])], crs="EPSG:4326",
    )


def test_a_large_layers_public_pins_go_to_files_and_team_pins_stay_inline(tmp_path):
    pin_payload.PAYLOADS.clear()
    store = pin_store.static_store(tmp_path, "/app/static")
    frame = resources(STORE_THRESHOLD + 700, team_only=3)
    layer = pin_layer("resource", frame, catalog.default_entries(), "pl", store=store)
    head = json.loads(layer.payload.json)
    files = store.files()
    assert len(files) == 1 + 2  # positions and two blocks of popup texts
    assert all(part["src"].startswith("/app/static/cache/pins/") for part in head["parts"][:1])
    assert SECRET in layer.payload.json  # the team's pins travel inline, with the map
    assert all(SECRET not in path.read_text(encoding="utf-8") for path in files)
    # JSON files (fetched, never run or shown as a page): the names as typed, for
    # calmap-pins.js to escape as it shows them.
    texts = [json.loads(p.read_text(encoding="utf-8")) for p in files]
    assert "<script>alert(1)</script>" in [t for block in texts for t in block.get("tooltip", [])]
    # What the browser puts together is every pin, as the inline payload had it.
    features = layer.data["features"]
    assert sorted(f["properties"]["id"] for f in features) == list(range(1, len(frame) + 1))
    assert features[0]["properties"]["tooltip"] == "<script>alert(1)</script>"  # as typed
    # The map carries only names of files, not the public pins.
    assert len(layer.payload.json) < sum(p.stat().st_size for p in files) / 5


def test_a_small_layer_and_a_frame_without_visibility_stay_inline(tmp_path):
    pin_payload.PAYLOADS.clear()
    store = pin_store.static_store(tmp_path, "/app/static")
    small = pin_layer("resource", resources(20), catalog.default_entries(), store=store)
    unknown = resources(STORE_THRESHOLD + 10).drop(columns="visibility")
    unknown_layer = pin_layer("resource", unknown, catalog.default_entries(), store=store)
    assert store.files() == []
    assert "parts" not in json.loads(small.payload.json)
    assert "parts" not in json.loads(unknown_layer.payload.json)


def test_the_store_keeps_a_bounded_number_of_files(tmp_path):
    store = pin_store.PinStore(tmp_path, "/x", max_files=5)
    urls = [store.put(json.dumps({"n": i})) for i in range(12)]
    store.prune()
    assert len(store.files()) == 5
    assert urls[0] == "/x/" + pin_store.file_name(json.dumps({"n": 0}))
    # A file asked for again is written again when it was pruned.
    store.put(json.dumps({"n": 0}))
    assert (tmp_path / pin_store.file_name(json.dumps({"n": 0}))).is_file()


def split(areas, pins, language="pl"):
    m = overview_map(areas, {"resource": pins}, catalog.default_entries(), language,
                     selected_area_id=int(areas["id"].iloc[0]), leaflet=assets.leaflet_links())
    return live.split(m, assets.pin_script_links())


def test_another_area_or_language_keeps_the_base_map_and_changes_only_the_content():
    base_a, content_a = split(area(1, 18.5), resources(5, area_id=1))
    base_b, content_b = split(area(2, 18.7), resources(7, area_id=2), "en")
    base_a2, content_a2 = split(area(1, 18.5), resources(5, area_id=1))
    # streamlit-folium keys its component by this hash: the same one keeps the map mounted.
    keys = {generate_js_hash(_get_map_string(b), "overview_map", False)
            for b in (base_a, base_b, base_a2)}
    assert len(keys) == 1
    assert content_a.digest == content_a2.digest != content_b.digest
    assert "calmap-pin" not in _get_map_string(base_b)
    assert "Zasób 6" in content_b.code
    assert assets.pin_script_links().js[-1] in (url for _, url in base_b._children[
        next(k for k in base_b._children if k.startswith("script_links"))].default_js)


def test_a_template_in_a_name_is_shown_as_typed_in_the_live_content():
    pins = resources(3)
    pins.loc[1, "name"] = "{% raw %}{{ 7*7 }}"
    base, content = split(area(1, 18.5), pins)
    content.add_to(base)  # as streamlit-folium adds it, then renders it
    content.render()
    assert "{{ 7*7 }}" in content.code


def test_a_live_map_names_a_layers_inline_part_by_digest_and_puts_it_in_when_not_held(tmp_path):
    pin_payload.PAYLOADS.clear()
    store = pin_store.static_store(tmp_path, "/app/static")
    pins = resources(STORE_THRESHOLD + 10, team_only=3)
    m = overview_map(area(1, 18.5), {"resource": pins}, catalog.default_entries(), "pl",
                     selected_area_id=1, leaflet=assets.leaflet_links(), store=store)
    offline = m.get_root().render()  # any other use of the map: the part inline
    parts = live.hold_parts(m)
    _, content = live.split(m, assets.pin_script_links())
    (digest, text), = parts.items()
    assert SECRET in offline and SECRET in text
    assert SECRET not in content.code and pin_parts.part_ref(digest) in content.code
    # Sent with its data before the content's script, when the page does not hold it.
    sending = live.LiveContent(content.code, content._base, parts={digest: text})
    sending.add_to(content._base)
    assert sending.render() == ""
    script = content._base.get_root().script.render()
    assert f'CalmapPins.parts({{"{digest}":{text}}});' in script
    assert script.index("CalmapPins.parts(") < script.index("CalmapPins.content(")
    # A public pin saved beside them: another content, the same part.
    pin_payload.PAYLOADS.clear()
    saved = {**pins.iloc[2].to_dict(), "id": 1_000, "name": "Nowy zasób"}
    more = gpd.GeoDataFrame([*pins.to_dict("records"), saved], geometry="geometry",
                            crs="EPSG:4326")
    m2 = overview_map(area(1, 18.5), {"resource": more}, catalog.default_entries(), "pl",
                      selected_area_id=1, leaflet=assets.leaflet_links(), store=store)
    assert live.hold_parts(m2) == parts


def test_the_session_takes_fewer_contents_and_parts_to_be_held_than_the_page_keeps():
    script = (Path(live.__file__).parent / "js" / "calmap-pins.js").read_text(encoding="utf-8")
    kept_scripts = int(re.search(r"var KEPT_SCRIPTS = (\d+);", script).group(1))
    kept_parts = int(re.search(r"var KEPT_PARTS = (\d+);", script).group(1))
    assert 0 < live_map.HELD_DIGESTS < kept_scripts
    assert 0 < live_map.HELD_PARTS < kept_parts


def test_a_saved_team_pin_changes_only_the_inline_part_of_its_block_of_ids(tmp_path):
    store = pin_store.static_store(tmp_path, "/app/static")

    def parts_of(frame):
        pin_payload.PAYLOADS.clear()
        layer = pin_layer("resource", frame, catalog.default_entries(), "pl", store=store)
        return [part.digest for part in layer.payload.parts]

    pins = resources(STORE_THRESHOLD + 10, team_only=900)
    before = parts_of(pins)
    # A new team pin (the highest id) and, apart, an edit of the first team pin.
    added = {**pins.iloc[-1].to_dict(), "id": int(pins["id"].max()) + 1, "name": "Nowy"}
    after_add = parts_of(gpd.GeoDataFrame([*pins.to_dict("records"), added],
                                          geometry="geometry", crs="EPSG:4326"))
    edited = pins.copy()
    edited.loc[edited["visibility"] == "team", "name"] = ["Zmieniony", *edited.loc[
        edited["visibility"] == "team", "name"].iloc[1:]]
    after_edit = parts_of(edited)
    assert 3 <= len(before) <= pin_parts.PART_MOST
    assert after_add[:-1] == before[:-1] and after_add[-1] != before[-1]
    assert after_edit[1:] == before[1:] and after_edit[0] != before[0]
    # Every team pin is in exactly one part, in order.
    texts = {part.digest: json.loads(part.text) for part in pin_layer(
        "resource", pins, catalog.default_entries(), "pl", store=store).payload.parts}
    ids = [i for digest in before for i in texts[digest]["id"]]
    assert ids == sorted(pins.loc[pins["visibility"] == "team", "id"])
