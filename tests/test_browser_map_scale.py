"""10,000 pins in a real browser: clustered, a popup built on click, escaped, offline.

The map is the overview map's self-contained HTML (Leaflet, Leaflet.markercluster
and calmap-pins.js inline, as the June pack's offline file), opened from a file
in Debian's Chromium with the network cut off (``tests/browser.py``).
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, Point, box

from mapping import catalog
from mapping.maps import assets, pin_payload
from mapping.maps.overview import overview_map
from tests.browser import ARTIFACTS, offline_tab

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>"
COUNT = 10_000


def many_resources(count: int) -> gpd.GeoDataFrame:
    """``count`` resources on a grid over part of Gdańsk; the first one has a hostile name."""
    side = int(count ** 0.5) + 1
    rows, points = [], []
    for i in range(count):
        rows.append({
            "id": i + 1, "area_id": 1, "name": XSS if i == 0 else f"Zasób {i}",
            "category": ("school", "library", "sports")[i % 3],
            "description": "Opis & <b>pogrubiony</b>" if i == 0 else f"opis {i}",
            "address": f"ul. Długa {i % 120}", "phone": None, "email": None, "www": None,
            "visibility": "public", "kind": "institution_public", "opening_hours": None,
            "target_groups": [], "verified_on": None,
        })
        points.append(Point(18.55 + (i % side) * 0.08 / side, 54.34 + (i // side) * 0.06 / side))
    return gpd.GeoDataFrame(rows, geometry=points, crs="EPSG:4326")


@pytest.fixture(scope="module")
def big_map(tmp_path_factory):
    if not assets.markercluster_available():
        pytest.skip("leaflet.markercluster not installed (scripts/setup.sh installs it)")
    areas = gpd.GeoDataFrame(
        [{"id": 1, "name": "Śródmieście", "kind": "district", "parent_id": None,
          "team_id": None, "team_name": None, "population": None, "streets": None}],
        geometry=[MultiPolygon([box(18.55, 54.34, 18.63, 54.40)])], crs="EPSG:4326",
    )
    m = overview_map(areas, {"resource": many_resources(COUNT)},
                             catalog.default_entries(), "pl", tiles_url=None,
                             leaflet=assets.leaflet_inline())
    path = tmp_path_factory.mktemp("scale") / "map.html"
    path.write_text(m.get_root().render(), encoding="utf-8")
    return path


# The page's map and its clustered layer, for the scripts of the tests below.
MAP_AND_GROUP = """const map = Object.values(window).find(v => v instanceof L.Map);
    const group = Object.values(map._layers).find(l => l._gridClusters);
"""


def in_map(tab, body):
    """Run ``body`` (statements ending in a ``return``) with ``map`` and ``group`` set."""
    return tab.evaluate("() => {" + MAP_AND_GROUP + body + "}")


def open_map(tab, path):
    tab.goto(path.as_uri(), wait_until="load")
    tab.wait_for_selector(".leaflet-marker-pane .calmap-cluster", timeout=60_000)
    tab.wait_for_function("window.CalmapPins.pending === 0", timeout=60_000)


def test_ten_thousand_pins_are_far_fewer_elements_in_the_page(big_map):
    requests = []
    with offline_tab(viewport={"width": 1920, "height": 1080}) as tab:
        tab.on("request", lambda request: requests.append(request.url))
        open_map(tab, big_map)
        markers = tab.locator(".leaflet-marker-pane > *").count()
        clusters = tab.locator(".leaflet-marker-pane .calmap-cluster-resource").count()
        elements = tab.evaluate("document.getElementsByTagName('*').length")
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "map-10000-pins.png"))
        errors, blocked = tab.page_errors, tab.blocked
    assert 0 < markers < COUNT / 20
    assert clusters > 0
    assert elements < 2_000
    assert errors == [] and blocked == []
    # Offline: nothing but the file itself (and data: images) was loaded.
    assert all(url.startswith(("file:", "data:")) for url in requests)


def test_clusters_are_made_down_to_a_whole_countrys_view_and_hold_every_pin(big_map):
    with offline_tab(viewport={"width": 1366, "height": 900}) as tab:
        open_map(tab, big_map)
        found = in_map(tab, """
            map.setZoom(0, {animate: false});
            const levels = Object.keys(group._gridClusters).map(Number);
            return {floor: window.CalmapPins.minZoom, zoom: map.getZoom(),
                    lowest: Math.min(...levels), highest: Math.max(...levels),
                    held: group._topClusterLevel.getChildCount()};
        """)
        errors = tab.page_errors
    # No cluster levels are made below the floor, and the map does not zoom out past it.
    assert found["lowest"] == found["floor"] == found["zoom"] == 5
    assert found["highest"] == 19
    assert found["held"] == COUNT
    assert errors == []


# Every icon of the marker pane: placed by a flat translate, and its centre on the
# screen where the map puts its place (within a pixel).
PLACED_JS = """
    const box = map.getContainer().getBoundingClientRect();
    const shown = [];
    group._featureGroup.eachLayer(l => shown.push(l));
    const worst = Math.max(...shown.map(l => {
        const at = map.latLngToContainerPoint(l.getLatLng());
        const r = l._icon.getBoundingClientRect();
        return Math.max(Math.abs(r.left + r.width / 2 - box.left - at.x),
                        Math.abs(r.top + r.height / 2 - box.top - at.y));
    }));
    const icons = [...document.querySelectorAll('.leaflet-marker-pane > *')];
    return {shown: shown.length, icons: icons.length, worst,
            flat: icons.filter(el => el.style.transform.startsWith('translate(')).length};
"""


def test_pins_and_clusters_are_placed_flat_where_their_places_are_and_a_hovered_pin_rises(
    big_map,
):
    with offline_tab(viewport={"width": 1280, "height": 800}) as tab:
        open_map(tab, big_map)
        before = in_map(tab, PLACED_JS)
        tab.evaluate("""() => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            map.setZoom(map.getZoom() + 1, {animate: false});
        }""")
        zoomed = in_map(tab, PLACED_JS)
        risen = in_map(tab, """
            const pin = group.getLayers()[4321];
            map.setView(pin.getLatLng(), 19, {animate: false});
            const z = () => Number(pin._icon.style.zIndex);
            const resting = z();
            const hover = type => pin._icon.dispatchEvent(new MouseEvent(type, {bubbles: true}));
            hover('mouseover');
            const up = z();
            hover('mouseout');
            return {resting, up, back: z(), offset: pin.options.riseOffset};
        """)
        errors = tab.page_errors
    # Pins and clusters in view: each a flat translate, each where its place is
    # (a 3-D one gives every icon a compositing layer of its own: a slow zoom).
    for placed in (before, zoomed):
        assert placed["shown"] == placed["icons"] > 20
        assert placed["flat"] == placed["icons"]
        assert placed["worst"] <= 1
    assert risen["up"] == risen["resting"] + risen["offset"]
    assert risen["back"] == risen["resting"]
    assert errors == []


def test_pins_follow_a_zoom_within_a_cluster_level_and_the_zooms_animation(big_map):
    with offline_tab(viewport={"width": 1280, "height": 800}) as tab:
        open_map(tab, big_map)
        # A quarter zoom keeps markercluster's level (its rounded zoom): the pins
        # in view stay, and only their following the map puts them right.
        level = in_map(tab, """
            map.options.zoomSnap = 0;
            map.setZoom(Math.round(map.getZoom()) + 0.25, {animate: false});
            return {level: group._zoom, zoom: map.getZoom()};
        """)
        within = in_map(tab, PLACED_JS)
        # An animated zoom: at its start every pin in view is where the zoom will
        # take its place (the map's own zoomanim listener, added after the layer's).
        animated = tab.evaluate("""() => new Promise(done => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            const group = Object.values(map._layers).find(l => l._gridClusters);
            map.once('zoomanim', e => {
                const shown = [];
                group._featureGroup.eachLayer(l => { if (l._icon) shown.push(l); });
                const off = shown.filter(l => {
                    const to = map._latLngToNewLayerPoint(l.getLatLng(), e.zoom, e.center).round();
                    const at = l._icon._leaflet_pos;
                    return !at || at.x !== to.x || at.y !== to.y;
                }).length;
                const animatedIcons = shown.filter(
                    l => l._icon.classList.contains('leaflet-zoom-animated')).length;
                const listening = (map._events.zoomanim || []).length
                    + (map._events.zoom || []).length;
                done({shown: shown.length, off, animatedIcons, listening});
            });
            map.setZoom(Math.round(map.getZoom()) + 1);
        })""")
        tab.wait_for_function("""() => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            return !map._animatingZoom;
        }""", timeout=10_000)
        after = in_map(tab, PLACED_JS)
        errors = tab.page_errors
    assert level["level"] == round(level["zoom"] - 0.25)
    assert within["shown"] > 20 and within["worst"] <= 1
    assert animated["shown"] > 20
    assert animated["off"] == 0
    assert animated["animatedIcons"] == animated["shown"]
    # The layer follows the map once, not with two listeners per pin in view.
    assert animated["listening"] < 20
    assert after["shown"] > 20 and after["worst"] <= 1
    assert errors == []


def test_only_half_a_view_around_the_view_is_kept_in_the_page(big_map):
    with offline_tab(viewport={"width": 1280, "height": 800}) as tab:
        open_map(tab, big_map)
        kept = in_map(tab, """
            map.setZoom(17, {animate: false});
            const margin = window.CalmapPins.margin;
            const shown = [];
            group._featureGroup.eachLayer(l => shown.push(l.getLatLng()));
            const near = map.getBounds().pad(margin), wide = map.getBounds().pad(1);
            // Pins markercluster's own margin (a whole view on every side) would add.
            const beyond = group.getLayers().filter(
                m => wide.contains(m.getLatLng()) && !near.contains(m.getLatLng())).length;
            const outside = shown.filter(p => !near.contains(p)).length;
            return {margin, shown: shown.length, outside, beyond};
        """)
        errors = tab.page_errors
    assert kept["margin"] == 0.5
    assert kept["shown"] > 20 and kept["outside"] == 0
    assert kept["beyond"] > kept["shown"]
    assert errors == []


def test_clicking_a_pin_opens_its_popup_with_the_escaped_text(big_map):
    with offline_tab(viewport={"width": 1400, "height": 900}) as tab:
        open_map(tab, big_map)
        # Zoom until the hostile pin stands on its own, then click it like a person.
        tab.evaluate("""() => new Promise(done => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            let group = null;
            map.eachLayer(l => { if (l instanceof L.MarkerClusterGroup) group = l; });
            const marker = group.getLayers().find(m => m.options.calmapId === 1);
            group.zoomToShowLayer(marker, () => {
                marker.getElement().id = 'calmap-target';
                done();
            });
        })""")
        assert tab.locator("#calmap-target .calmap-pin").count() == 0  # the icon is the target
        tab.locator("#calmap-target").click()
        popup = tab.locator(".leaflet-popup-content .calmap-popup")
        popup.wait_for(timeout=10_000)
        heading = popup.locator("h4").inner_text()
        body = popup.inner_text()
        popup_html = popup.inner_html()
        pwned = tab.evaluate("window.__pwned === undefined")
        errors = tab.page_errors
    assert heading == XSS
    assert "Opis & <b>pogrubiony</b>" in body
    assert "Szkoła" in body and "ul. Długa 0" in body
    assert "<script" not in popup_html and "<img" not in popup_html
    assert pwned
    assert errors == []


def test_a_small_layer_keeps_one_marker_per_pin(tmp_path):
    frame = many_resources(pin_payload.CLUSTER_THRESHOLD)
    m = overview_map(gpd.GeoDataFrame({"id": [], "name": [], "kind": []}, geometry=[],
                                              crs="EPSG:4326"),
                             {"resource": frame}, catalog.default_entries(), "pl",
                             tiles_url=None, leaflet=assets.leaflet_inline())
    path = tmp_path / "small.html"
    path.write_text(m.get_root().render(), encoding="utf-8")
    with offline_tab(viewport={"width": 1400, "height": 900}) as tab:
        tab.goto(path.as_uri(), wait_until="load")
        tab.wait_for_selector(".leaflet-marker-pane .calmap-pin", timeout=30_000)
        pins = tab.locator(".leaflet-marker-pane .calmap-pin-resource").count()
        clusters = tab.locator(".calmap-cluster").count()
        errors = tab.page_errors
    assert pins == pin_payload.CLUSTER_THRESHOLD
    assert clusters == 0
    assert errors == []
