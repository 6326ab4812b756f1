"""The folium map: rendered to HTML and searched, as geopandas tests its explore()."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pytest
from shapely.geometry import MultiPolygon, Point, box

from mapping import catalog
from mapping.maps import assets, elements, pin_columns, pin_payload
from mapping.maps.areas import DIMMED_STYLE, SELECTED_STYLE
from mapping.maps.elements import PLAIN_BACKGROUND, POLAND_CENTRE, FitView, linked_assets
from mapping.maps.legend import layer_counts, legend_sections
from mapping.maps.markup import (
    FALLBACK_COLOUR,
    _index,
    _link,
    _links,
    _multiline,
    _multilines,
    _text,
    _texts,
    arrow_text,
)
from mapping.maps.overview import overview_map
from mapping.maps.pins import _point_columns, pin_layer
from mapping.maps.popups import _PopupBuilder, pin_popup_html

TILES = "https://tiles.example.org/{z}/{x}/{y}.png"
XSS = "<script>alert(1)</script>"
COMMON = {"description": None, "address": None, "phone": None, "email": None, "www": None,
          "visibility": "public"}


@pytest.fixture(scope="module")
def catalogue():
    return catalog.default_entries()


def _frame(rows, points):
    return gpd.GeoDataFrame(rows, geometry=points, crs="EPSG:4326")


@pytest.fixture()
def areas():
    return _frame(
        [
            {"id": 1, "name": "Oliwa", "kind": "district", "parent_id": None, "team_id": 1,
             "team_name": "ZTPS 1", "population": 20000, "streets": None},
            {"id": 2, "name": "Zaspa & <Rozstaje>", "kind": "district", "parent_id": None,
             "team_id": None, "team_name": None, "population": None, "streets": None},
        ],
        [MultiPolygon([box(18.55, 54.40, 18.58, 54.42)]),
         MultiPolygon([box(18.58, 54.40, 18.61, 54.42)])],
    )


@pytest.fixture()
def pins():
    resources = _frame(
        [
            {**COMMON, "id": 1, "area_id": 1, "name": XSS, "category": "school",
             "description": f"opis {XSS}", "address": "ul. <b>Długa</b> 1",
             "www": "javascript:alert(2)", "kind": "institution_public",
             "opening_hours": None, "target_groups": ["seniors"], "verified_on": None},
            {**COMMON, "id": 2, "area_id": 1, "name": "SP 2", "category": "school",
             "www": "https://sp2.example.pl/?a=1&b=2", "kind": "institution_public",
             "opening_hours": None, "target_groups": [], "verified_on": None},
            {**COMMON, "id": 3, "area_id": 2, "name": "Biblioteka", "category": "library",
             "kind": "institution_public", "opening_hours": "pn–pt 10–18",
             "target_groups": [], "verified_on": None},
        ],
        [Point(18.56, 54.41), Point(18.57, 54.41), Point(18.59, 54.41)],
    )
    partners = _frame(
        [{**COMMON, "id": 1, "area_id": 1, "name": "Fundacja Oliwa", "category": "ngo",
          "partnerships": ["Partnerstwo <Oliwa>"]}],
        [Point(18.565, 54.415)],
    )
    needs = _frame(
        [
            {**COMMON, "id": 1, "area_id": 1, "name": "Samotni seniorzy",
             "category": "seniors_loneliness", "status": "identified", "priority": 1,
             "source_method": "survey", "target_groups": ["seniors"], "evidence": None},
            {**COMMON, "id": 2, "area_id": 2, "name": "Brak pracy w całej dzielnicy",
             "category": "unemployment", "status": "being_addressed", "priority": 2,
             "source_method": "statistics", "target_groups": [], "evidence": None},
        ],
        [Point(18.575, 54.405), None],
    )
    return {"resource": resources, "partner": partners, "need": needs}


def render(m) -> str:
    return m.get_root().render()


def as_javascript_sees_it(page: str) -> str:
    """Undo the escapes of JSON strings in the page, as the browser's JS parser does."""
    page = page.replace('\\"', '"')
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda match: chr(int(match.group(1), 16)), page)


def external_links(page: str) -> list[str]:
    sources = re.findall(r"<script[^>]*\bsrc=[\"']([^\"']+)", page, flags=re.IGNORECASE)
    hrefs = re.findall(r"<link[^>]*\bhref=[\"']([^\"']+)", page, flags=re.IGNORECASE)
    return [url for url in sources + hrefs if re.match(r"^(https?:)?//", url)]


def test_the_map_loads_no_script_or_stylesheet_from_another_host(areas, pins, catalogue):
    page = render(overview_map(areas, pins, catalogue, tiles_url=None))
    assert external_links(page) == []
    assert '<script src="/app/static/vendor/leaflet/leaflet.js">' in page
    assert '<link rel="stylesheet" href="/app/static/vendor/leaflet/leaflet.css"/>' in page
    for library in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers"):
        assert library not in page.lower()


def test_with_tiles_the_tile_server_is_the_only_other_host(areas, pins, catalogue):
    for frame in pins.values():
        frame["www"] = None  # a pin's own website is a link to click, not something loaded
    page = render(overview_map(areas, pins, catalogue, tiles_url=TILES,
                                    tiles_attribution="© OSM"))
    assert external_links(page) == []
    addresses = set(re.findall(r"https?://[^\s\"'\\]+", page))
    assert addresses == {TILES}


def test_every_element_streamlit_folium_collects_links_to_this_machine(areas, pins, catalogue):
    m = overview_map(areas, pins, catalogue, tiles_url=TILES)
    links = linked_assets(m)
    assert links[:2] == [assets.LEAFLET_JS_URL, assets.LEAFLET_CSS_URL]
    # Then the map's own styles and the pin layer's scripts (Leaflet.markercluster,
    # calmap-pins.js), served alike.
    pins_links = assets.pin_script_links()
    assert links[2:] == [elements.MAP_STYLE.url("/app/static"), *pins_links.js, *pins_links.css]
    assert all(link.startswith("/app/static/vendor/") for link in links)


def test_a_plain_folium_map_would_have_used_cdns_so_the_check_can_fail():
    import folium

    assert any(url.startswith("https://") for url in linked_assets(folium.Map()))


def test_a_self_contained_map_links_nothing_at_all(areas, pins, catalogue):
    page = render(overview_map(areas, pins, catalogue, leaflet=assets.leaflet_inline()))
    assert re.findall(r"<script[^>]*\bsrc=", page) == []
    assert re.findall(r"<link[^>]*\bhref=", page) == []
    assert f"Leaflet {assets.LEAFLET_VERSION}" in page


def test_a_base_url_path_moves_the_leaflet_links(areas, pins, catalogue):
    m = overview_map(areas, pins, catalogue, leaflet=assets.leaflet_links("calmap"))
    links = linked_assets(m)
    assert links[:2] == [
        "/calmap/app/static/vendor/leaflet/leaflet.js",
        "/calmap/app/static/vendor/leaflet/leaflet.css",
    ]
    assert links[2:] and all(link.startswith("/calmap/app/static/vendor/") for link in links)


def test_a_script_in_a_name_reaches_the_browser_as_text_not_as_a_script(areas, pins, catalogue):
    page = render(overview_map(areas, pins, catalogue))
    # Nothing a user typed can end the script element it travels in.
    assert XSS not in page and "<script>alert(1)<\\/script>" in page
    seen = as_javascript_sees_it(page)
    # Texts made into HTML in Python arrive escaped: area and partnership names;
    assert "Zaspa &amp; &lt;Rozstaje&gt;" in seen
    assert "Partnerstwo &lt;Oliwa&gt;" in seen
    # the pins' own texts arrive as typed, and calmap-pins.js escapes them as it
    # shows them (tests/test_browser_pin_popups.py: the popups in a real browser).
    columns = pin_payload.columns_of(pin_layer("resource", pins["resource"], catalogue).payload)
    assert columns["tooltip"][0] == XSS and columns["text"][0] == f"opis {XSS}"
    assert "ul. <b>Długa</b> 1" in columns["rows"]


def test_only_http_addresses_become_links():
    school = catalog.Entry("resource_category", "school", None, "Szkoła", "School", "✎", "#1f77b4")
    bad = pin_popup_html("resource", {"name": "X", "category": "school",
                                           "www": "javascript:alert(2)"}, [school])
    good = pin_popup_html("resource", {"name": "X", "category": "school",
                                            "www": 'https://a.pl/?q="x"&y=1'}, [school])
    assert "href" not in bad and "javascript:alert(2)" in bad
    assert 'href="https://a.pl/?q=&quot;x&quot;&amp;y=1"' in good


def test_popups_speak_the_chosen_language(pins, catalogue):
    record = pins["need"].iloc[0].to_dict()
    polish = pin_popup_html("need", record, catalogue, "pl")
    english = pin_popup_html("need", record, catalogue, "en")
    assert "Samotność i izolacja seniorów" in polish and "rozpoznana" in polish
    assert "Loneliness and isolation of seniors" in english and "identified" in english
    assert "Ankieta" in polish and "Survey" in english


def test_the_legend_lists_each_category_present_with_its_count(pins, catalogue):
    sections = legend_sections(pins, catalogue, "pl")
    assert [s.layer for s in sections] == ["resource", "partner", "need"]
    resources = sections[0]
    assert resources.title == "Zasoby" and resources.total == 3
    assert [(r.code, r.label, r.count) for r in resources.rows] == [
        ("school", "Szkoła", 2),
        ("library", "Biblioteka", 1),
    ]
    school = next(e for e in catalogue if e.code == "school")
    assert (resources.rows[0].icon, resources.rows[0].colour) == (school.icon, school.colour)


def test_the_legend_appears_in_the_rendered_map_in_english(areas, pins, catalogue):
    seen = as_javascript_sees_it(render(overview_map(areas, pins, catalogue, "en")))
    assert "<summary>Legend</summary>" in seen
    assert '<span>School</span><span class="calmap-count">2</span>' in seen
    assert '<span>Library</span><span class="calmap-count">1</span>' in seen
    assert "<h4>Needs (2)</h4>" in seen


def test_a_need_of_a_whole_area_is_counted_but_not_pinned(areas, pins, catalogue):
    sections = {s.layer: s for s in legend_sections(pins, catalogue, "pl")}
    assert sections["need"].total == 2 and sections["need"].area_wide == 1
    m = overview_map(areas, pins, catalogue)
    need_layer = next(
        child for child in m._children.values()
        if getattr(child, "layer_name", "").startswith("Potrzeby")
    )
    assert len(need_layer.data["features"]) == 1
    seen = as_javascript_sees_it(render(m))
    assert "w tym dla całego obszaru (bez punktu): 1" in seen
    # The whole-area need is listed in its area's popup instead.
    assert "Brak pracy w całej dzielnicy" in seen
    counts = {c.layer: (c.total, c.pinned, c.area_wide) for c in layer_counts(pins)}
    assert counts == {"resource": (3, 3, 0), "partner": (1, 1, 0), "need": (2, 1, 1)}


def test_each_layer_has_its_own_pin_shape_coloured_by_category(areas, pins, catalogue):
    seen = as_javascript_sees_it(render(overview_map(areas, pins, catalogue)))
    for layer in ("resource", "partner", "need"):
        assert f'calmap-pin calmap-pin-{layer}"' in seen
    library = next(e for e in catalogue if e.code == "library")
    assert f"background:{library.colour}" in seen
    assert "L.divIcon" in seen and "L.AwesomeMarkers" not in seen


def test_a_category_missing_from_the_catalogue_still_gets_a_grey_pin(pins, catalogue):
    pins["resource"].loc[0, "category"] = "repair_cafe"
    sections = legend_sections(pins, catalogue, "pl")
    row = next(r for r in sections[0].rows if r.code == "repair_cafe")
    assert (row.label, row.colour, row.count) == ("repair_cafe", FALLBACK_COLOUR, 1)


def test_the_view_fits_the_selected_area_and_highlights_it(areas, pins, catalogue):
    m = overview_map(areas, pins, catalogue, selected_area_id=2)
    fit = next(c for c in m._children.values() if isinstance(c, FitView))
    assert fit.bounds == [[54.40, 18.58], [54.42, 18.61]]
    area_layer = next(c for c in m._children.values() if getattr(c, "layer_name", "") == "Obszary")
    styles = {f["properties"]["id"]: f["properties"]["style"] for f in area_layer.data["features"]}
    assert styles[2] == SELECTED_STYLE
    assert styles[1]["color"] == DIMMED_STYLE["color"]


def test_without_a_selection_the_view_fits_all_areas(areas, pins, catalogue):
    m = overview_map(areas, pins, catalogue)
    fit = next(c for c in m._children.values() if isinstance(c, FitView))
    assert fit.bounds == [[54.40, 18.55], [54.42, 18.61]]


def test_without_tiles_there_is_no_tile_layer_and_the_background_is_plain(areas, pins, catalogue):
    page = render(overview_map(areas, pins, catalogue, tiles_url=None))
    assert "L.tileLayer" not in page
    assert f"background: {PLAIN_BACKGROUND}" in page
    with_tiles = render(overview_map(areas, pins, catalogue, tiles_url=TILES))
    assert "L.tileLayer" in with_tiles and PLAIN_BACKGROUND not in with_tiles


def test_an_empty_selection_still_renders_a_map_of_poland(catalogue):
    empty = gpd.GeoDataFrame({"id": [], "name": [], "kind": []}, geometry=[], crs="EPSG:4326")
    m = overview_map(empty, {}, catalogue, "pl")
    page = as_javascript_sees_it(render(m))
    assert "Brak punktów na mapie." in page
    assert json.dumps(list(POLAND_CENTRE)) in page.replace("\n", "")


# Every kind of value a popup cell may hold, a NUL (never from the database) included.
TRICKY = ["  Klub <b>Senior</b> & co ", "", "   ", None, float("nan"), 7, "O'Hara \"x\"",
          "linia 1\nlinia 2", 'https://a.pl/?q="x"&y=1', "HTTP://A.PL", "javascript:alert(2)",
          "a\x00b", XSS]


def test_popup_columns_are_converted_exactly_as_one_value_at_a_time():
    assert _texts(TRICKY) == [_text(v) for v in TRICKY]
    assert _multilines(TRICKY) == [_multiline(v) for v in TRICKY]
    assert _links(TRICKY) == [_link(v) for v in TRICKY]
    assert _texts([]) == [] and _texts(["", ""]) == [None, None]


# Texts as a database column holds them (no numbers or NaN), with every kind of
# space str.strip removes: the Arrow path trims what the per-value path trims.
TRICKY_TEXTS = [v for v in TRICKY if v is None or isinstance(v, str)] + [
    "\u00a0 niełamliwa \u00a0", "\u2028wiersz\u2029", "\x1c x \x1f", "\u3000ideograficzna",
]


def test_a_text_column_in_arrow_is_escaped_exactly_as_one_value_at_a_time():
    column = pa.array(TRICKY_TEXTS, type=pa.large_string())
    assert _texts(column) == [_text(v) for v in TRICKY_TEXTS]
    assert _multilines(column) == [_multiline(v) for v in TRICKY_TEXTS]
    assert _links(column) == [_link(v) for v in TRICKY_TEXTS]
    assert _texts(pa.chunked_array([column[:3], column[3:]])) == [_text(v) for v in TRICKY_TEXTS]
    assert _texts([None, None]) == [None, None] and _texts([None, 0]) == [None, "0"]


def test_only_a_column_of_arrow_strings_takes_the_arrow_path():
    assert arrow_text(pd.Series(["a", None], dtype="str")).to_pylist() == ["a", None]
    assert arrow_text(pd.Series([None, None], dtype=object)) is None
    assert arrow_text(pd.Series([1, 2])) is None


@pytest.mark.parametrize(("layer", "name"), [
    ("need", "target_groups"), ("need", "status"), ("need", "source_method"),
    ("need", "visibility"), ("partner", "partnerships"),
])
def test_code_and_list_columns_are_converted_exactly_as_one_value_at_a_time(
    catalogue, layer, name,
):
    popups = _PopupBuilder(layer, _index(catalogue), "pl")
    convert = popups._convert(name)
    values = {
        "target_groups": [["seniors"], None, [], ["seniors", "families"], ["seniors"],
                          float("nan"), ("families",), ["<b>nieznana</b>"]],
        "status": ["identified", "met", None, "identified", "", "being_addressed"],
        "source_method": ["survey", None, "survey", "walk", "<nieznana>"],
        "visibility": ["public", "team", "partnership", None, "public"],
        # A list that cannot be a key (not from the database): converted as it is.
        "partnerships": [["Rada <Osiedla>"], [], None, ["Rada <Osiedla>"], [{"x": 1}]],
    }[name]
    assert popups._column(name, values) == [convert(v) for v in values]


def test_a_layer_read_as_arrow_strings_gives_the_very_columns_of_one_read_as_objects(
    pins, catalogue,
):
    arrow, objects = pins["resource"].copy(), pins["resource"].copy()
    for name in ("name", "description", "address", "phone", "email", "www", "category",
                 "visibility", "opening_hours"):
        arrow[name] = arrow[name].astype("str")
        objects[name] = objects[name].astype(object)
    assert arrow_text(arrow["name"]) is not None and arrow_text(objects["name"]) is None
    popups = _PopupBuilder("resource", _index(catalogue), "pl")
    assert _point_columns("resource", arrow, popups) == _point_columns("resource", objects, popups)
    few = objects["id"].isin([2]).to_numpy()  # a save's rows: the Arrow columns filtered
    assert _point_columns("resource", arrow, popups, few) == (
        _point_columns("resource", objects, popups, few))


def test_the_layer_control_and_the_legend_count_a_layer_the_same(areas, pins, catalogue):
    # Two needs, one of a whole area (no pin): both places say "Potrzeby (2)".
    m = overview_map(areas, pins, catalogue)
    names = [getattr(c, "layer_name", "") for c in m._children.values()]
    assert "Potrzeby (2)" in names and "Zasoby (3)" in names and "Partnerzy (1)" in names
    seen = as_javascript_sees_it(render(m))
    assert "<h4>Potrzeby (2)</h4>" in seen and "<h4>Zasoby (3)</h4>" in seen
    # The layer control's labels are in the page as the user reads them.
    assert '"Potrzeby (2)"' in seen and "Potrzeby (1)" not in seen


def test_a_layer_built_whole_then_parted_equals_each_part_built_alone(pins, catalogue):
    # The stored path builds a layer once and parts it (public pins to files, the
    # rest inline): each part must be what building that part alone gives.
    frame = pins["resource"].copy()
    frame["visibility"] = ["public", "team", "public"]
    popups = _PopupBuilder("resource", _index(catalogue), "pl")
    public = (frame["visibility"] == "public").to_numpy()
    shared, inline = pin_columns.split(_point_columns("resource", frame, popups), public)
    assert shared == _point_columns("resource", frame, popups, public)
    assert inline == _point_columns("resource", frame, popups, ~public)
    assert shared["id"] == [1, 3] and inline["id"] == [2]
