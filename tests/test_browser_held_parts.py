"""A pin layer's inline part, sent once and then named by its digest, in Debian's Chromium.

A live map's content sends a layer's team and partnership pins once, before
its script (``CalmapPins.parts``); the layers name them by digest and
``CalmapPins`` finds them in its frame or, for a map remounted in a new
iframe, in the page (Streamlit's window). Here a page served from this
machine plays Streamlit's window and the overview map's offline HTML (every
script inline) plays the map's iframe, removed and added again as Streamlit
does when the user goes to another page and back.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, Point, box

from mapping import catalog
from mapping.maps import assets
from mapping.maps.overview import overview_map
from tests.browser import offline_tab

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><body><script>
function addMap(id) {
    return new Promise(done => {
        const frame = document.createElement("iframe");
        frame.id = id; frame.src = "map.html"; frame.onload = done;
        document.body.appendChild(frame);
    });
}
</script></body></html>"""

# Parts sent before a content, as a live map sends them: {digest: columns}.
SEND_JS = "(given) => CalmapPins.parts(given)"

# A layer of two pins whose only part is named by ``digest``: its pins and the misses.
LAYER_JS = """(digest) => new Promise(done => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    const d = {layer: "resource", cats: ["school"], styles: ["<b>s</b>"], heads: [""],
               labels: [], kinds: [], count: 2, parts: [{calmapPart: digest}]};
    const group = CalmapPins.layer(d, {icon: (c, h) => L.divIcon({className: c, html: h})});
    group.addTo(map);
    const wait = () => CalmapPins.pending === 0 ? done({pins: group.getLayers().length,
        missing: CalmapPins.missing}) : setTimeout(wait, 20);
    wait();
})"""


def part(*digests: str) -> dict[str, object]:
    """Inline parts of two pins each, by digest."""
    return {digest: {
        "id": [1, 2], "cat": [0, 0], "xy": [18.60, 54.35, 18.61, 54.36],
        "tooltip": ["Zespół A", "Zespół B"], "faded": [], "text": ["a", "b"], "rows": [],
        "rowc": [0, 0]} for digest in digests}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    """The page and the map (with a small pin layer, so the pin scripts are in it), served."""
    if not assets.markercluster_available():
        pytest.skip("leaflet.markercluster not installed (scripts/setup.sh installs it)")
    folder = tmp_path_factory.mktemp("held")
    areas = gpd.GeoDataFrame(
        [{"id": 1, "name": "Śródmieście", "kind": "district", "parent_id": None,
          "team_id": None, "team_name": None, "population": None, "streets": None}],
        geometry=[MultiPolygon([box(18.55, 54.34, 18.63, 54.40)])], crs="EPSG:4326",
    )
    pins = gpd.GeoDataFrame(
        [{"id": 1, "area_id": 1, "name": "Szkoła", "category": "school", "description": None,
          "address": None, "phone": None, "email": None, "www": None, "visibility": "public",
          "kind": "institution_public", "opening_hours": None, "target_groups": [],
          "verified_on": None}],
        geometry=[Point(18.6, 54.37)], crs="EPSG:4326",
    )
    m = overview_map(areas, {"resource": pins}, catalog.default_entries(), "pl",
                     tiles_url=None, leaflet=assets.leaflet_inline())
    (folder / "map.html").write_text(m.get_root().render(), encoding="utf-8")
    (folder / "page.html").write_text(PAGE, encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def map_in(tab, frame_id: str):
    """The map iframe ``frame_id``, added to the page."""
    tab.evaluate(f"addMap({frame_id!r})")
    return tab.locator(f"#{frame_id}").element_handle().content_frame()


def test_a_part_sent_once_is_found_by_its_digest_in_the_frame_and_after_a_remount(site):
    with offline_tab(f"{site}/page.html") as tab:
        first = map_in(tab, "a")
        first.evaluate(SEND_JS, part("p1"))
        sent = first.evaluate(LAYER_JS, "p1")
        # A later content of the same frame names it by digest only.
        named = first.evaluate(LAYER_JS, "p1")
        kept = tab.evaluate("typeof window.calmapParts.values.p1")
        # Another page and back: Streamlit removes the map's iframe and makes a new one.
        tab.evaluate("document.getElementById('a').remove()")
        second = map_in(tab, "b")
        remounted = second.evaluate(LAYER_JS, "p1")
        errors = tab.page_errors
    assert sent == {"pins": 2, "missing": 0}
    assert named == {"pins": 2, "missing": 0}
    assert kept == "string"  # the page keeps text, never a removed frame's objects
    assert remounted == {"pins": 2, "missing": 0}
    assert not errors


def test_the_page_keeps_the_last_64_parts_sent_and_a_part_it_lost_draws_nothing(site):
    with offline_tab(f"{site}/page.html") as tab:
        frame = map_in(tab, "a")
        unknown = frame.evaluate(LAYER_JS, "never-sent")
        frame.evaluate(SEND_JS, part("old", "again"))
        frame.evaluate(SEND_JS, part(*(f"new{i}" for i in range(62))))
        frame.evaluate(SEND_JS, part("again"))  # sent again: the newest now
        frame.evaluate(SEND_JS, part("newest"))  # the 65th: the oldest goes
        kept = tab.evaluate("window.calmapParts.order")
        tab.evaluate("document.getElementById('a').remove()")
        again = map_in(tab, "b")
        lost = again.evaluate(LAYER_JS, "old")
        resent = again.evaluate(LAYER_JS, "again")
    assert unknown == {"pins": 0, "missing": 1}
    assert len(kept) == 64 and "old" not in kept and kept[-2:] == ["again", "newest"]
    assert lost == {"pins": 0, "missing": 1}  # a new frame counts from 0
    assert resent == {"pins": 2, "missing": 1}


TWO_PARTS_JS = """() => new Promise(done => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    const d = {layer: "need", cats: ["a", "b"], styles: ["<b>a</b>", "<b>b</b>"],
               heads: ["", ""], labels: [], kinds: [], count: 4,
               parts: [{calmapPart: "q1"}, {calmapPart: "q2"}]};
    const group = CalmapPins.layer(d, {icon: (c, h) => L.divIcon({className: c, html: h})});
    group.addTo(map);
    const wait = () => {
        if (CalmapPins.pending !== 0) { setTimeout(wait, 20); return; }
        const pins = group.getLayers();
        done({pins: pins.length,
              faded: pins.filter(m => m.options.icon.options.className.includes("faded"))
                         .map(m => m.options.calmapCat)});
    };
    wait();
})"""


def test_a_layers_parts_are_drawn_together_with_their_faded_pins_in_place(site):
    first = part("q1")["q1"]
    second = {**part("q2")["q2"], "id": [3, 4], "cat": [1, 1], "faded": [1]}
    with offline_tab(f"{site}/page.html") as tab:
        frame = map_in(tab, "a")
        frame.evaluate(SEND_JS, {"q1": first, "q2": second})
        drawn = frame.evaluate(TWO_PARTS_JS)
        errors = tab.page_errors
    assert drawn == {"pins": 4, "faded": [1]}  # the second part's second pin, category "b"
    assert not errors
