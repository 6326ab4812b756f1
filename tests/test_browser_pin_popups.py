"""The pins' popups and tooltips as Chromium builds them, against the ones Python would build.

The pin layers send their users' texts as typed (``mapping/maps/pin_payload.py``)
and ``calmap-pins.js`` escapes each as it assembles a popup or a tooltip. Here
hostile and awkward texts sit in every text field of all three layers, a few
pins each and a clustered layer of hundreds, in a self-contained map opened
from disk. Every pin's popup and tooltip must be exactly what
``popups.pin_popup_html`` and ``markup._text`` make in Python (html.escape),
and opening them all must run nothing and fetch nothing.
"""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from mapping import catalog
from mapping.maps import assets
from mapping.maps.markup import _text
from mapping.maps.overview import overview_map
from mapping.maps.pin_payload import CLUSTER_THRESHOLD
from mapping.maps.popups import pin_popup_html
from tests.browser import offline_tab

HOSTILE = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    "  O'Hara & \"Syn\" <b>pogrubiony</b>  ",
    "linia 1\nlinia 2 <i>x</i>",
    "{{ 7*7 }} ${alert(3)}",
    "https://promyk.example.pl/?a=\"1\"&b=<2>",
    "HTTP://WIELKIE.EXAMPLE.PL",
    "javascript:window.__xss = 3",
    "\u00a0niełamliwa spacja\u2028wiersz\u00a0",
    "&lt;już&gt; &amp; zakodowane",
    "",
    None,
]


def hostile(i: int) -> str | None:
    return HOSTILE[i % len(HOSTILE)]


def frames(resources: int) -> dict[str, gpd.GeoDataFrame]:
    """The three layers, every text field hostile, read as the database gives them."""
    def point(i: int) -> Point:
        return Point(18.60 + (i % 40) * 0.001, 54.35 + (i // 40) * 0.001)

    common = {"visibility": "public", "area_id": 1}
    resource_rows = [
        {**common, "id": i + 1, "name": hostile(i) or "bez nazwy", "category": "school",
         "description": hostile(i + 1), "address": hostile(i + 2), "phone": hostile(i + 3),
         "email": hostile(i + 4), "www": hostile(i + 5), "kind": "institution_public",
         "opening_hours": hostile(i + 3), "target_groups": ["seniors"] if i % 2 else [],
         "verified_on": None}
        for i in range(resources)
    ]
    partner_rows = [
        {**common, "id": i + 1, "name": hostile(i + 6) or "partner", "category": "ngo",
         "description": hostile(i), "address": hostile(i + 1), "phone": None,
         "email": hostile(i + 2), "www": hostile(i + 5),
         "partnerships": ["Partnerstwo <Oliwa>"] if i % 2 else []}
        for i in range(len(HOSTILE))
    ]
    need_rows = [
        {**common, "id": i + 1, "name": hostile(i + 3) or "potrzeba",
         "category": "seniors_loneliness", "description": hostile(i + 4),
         "address": hostile(i), "phone": None, "email": None, "www": hostile(i + 5),
         "status": ("identified", "met", "being_addressed")[i % 3], "priority": i % 3 + 1,
         "source_method": "survey", "target_groups": ["seniors", "families"],
         "evidence": hostile(i + 1)}
        for i in range(len(HOSTILE))
    ]
    out = {}
    for layer, rows in (("resource", resource_rows), ("partner", partner_rows),
                        ("need", need_rows)):
        frame = gpd.GeoDataFrame(rows, geometry=[point(i) for i in range(len(rows))],
                                 crs="EPSG:4326")
        out[layer] = frame
    return out


# Bind every pin's popup and tooltip (calmap-pins.js binds on first use), open
# each popup so its HTML is in the page, and read what a click would show.
READ_ALL = """() => {
    const found = {};
    for (const name of Object.keys(window)) {
        const group = window[name];
        if (!group || !group.calmapLayer) { continue; }
        const layer = group.calmapLayer;
        found[layer] = found[layer] || {};
        for (const pin of group.getLayers()) {
            pin.options.calmapBind(pin);
            const popup = pin.getPopup().getContent();
            const tooltip = pin.getTooltip();
            found[layer][pin.options.calmapId] = [
                typeof popup === "function" ? popup(pin) : popup,
                tooltip ? tooltip.getContent() : null,
            ];
        }
    }
    return found;
}"""

OPEN_ALL = """() => {
    const box = document.createElement("div");
    document.body.appendChild(box);
    for (const name of Object.keys(window)) {
        const group = window[name];
        if (!group || !group.calmapLayer || !group.getLayers) { continue; }
        for (const pin of group.getLayers()) {
            const popup = pin.getPopup().getContent();
            const tooltip = pin.getTooltip();
            // Into the page as Leaflet would put them: images load, handlers fire.
            box.insertAdjacentHTML("beforeend",
                (typeof popup === "function" ? popup(pin) : popup)
                + (tooltip ? tooltip.getContent() : ""));
        }
    }
    return box.querySelectorAll("a").length;
}"""


def test_every_popup_and_tooltip_is_the_one_python_escapes_and_nothing_runs(tmp_path):
    entries = catalog.default_entries()
    pins = frames(CLUSTER_THRESHOLD + 40)  # the resources clustered, the others one by one
    empty = gpd.GeoDataFrame({"id": [], "parent_id": []}, geometry=[], crs=4326)
    page = tmp_path / "mapa.html"
    page.write_text(
        overview_map(empty, pins, entries, "pl", leaflet=assets.leaflet_inline())
        .get_root().render(),
        encoding="utf-8",
    )
    with offline_tab(page.as_uri()) as tab:
        tab.wait_for_function("typeof L !== 'undefined' && typeof CalmapPins !== 'undefined'")
        tab.wait_for_function(
            "Object.keys(window).filter(k => window[k] && window[k].calmapLayer"
            " && window[k].getLayers && window[k].getLayers().length).length === 3"
        )
        seen = tab.evaluate(READ_ALL)
        links = tab.evaluate(OPEN_ALL)
        tab.wait_for_timeout(300)  # an image that got through would have failed by now
        ran = tab.evaluate("window.__xss === undefined ? null : window.__xss")
        errors, blocked = tab.page_errors, tab.blocked
    assert ran is None and errors == [] and blocked == []
    for layer, frame in pins.items():
        assert len(seen[layer]) == len(frame)
        for record in frame.to_dict("records"):
            popup, tooltip = seen[layer][str(record["id"])]
            assert popup == pin_popup_html(layer, record, entries, "pl"), (layer, record["id"])
            assert tooltip == _text(record["name"])
    # Only the http(s) addresses became links (javascript: stayed text).
    assert links > 0
    first = seen["resource"]["1"][0]
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in first
