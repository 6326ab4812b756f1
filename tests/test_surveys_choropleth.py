"""The choropleth of one need: coloured by share, hidden areas grey, names escaped, no CDN."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box

from mapping.maps.elements import linked_assets
from surveys import choropleth
from surveys.indicators import Indicator


def row(area_id, name, share, count=None, respondents=40, kind="estate"):
    return Indicator(area_id, name, kind, None, 2, "need", "meeting_place", "Brak miejsca spotkań",
                     "No meeting place", False, 5, respondents, count, share, None, None, None)


def areas():
    return gpd.GeoDataFrame(
        {"id": [1, 2, 3], "name": ["<b>Nadodrze</b>", "Kleczków", "Ołbin"]},
        geometry=[box(17.03, 51.12, 17.05, 51.13), box(17.05, 51.12, 17.07, 51.13),
                  box(17.07, 51.12, 17.09, 51.13)],
        crs=4326,
    )


def rendered(m) -> str:
    return m.get_root().render()


def test_areas_are_coloured_by_share_and_a_hidden_one_is_grey_and_says_why():
    rows = [row(1, "<b>Nadodrze</b>", 38.3, 15), row(2, "Kleczków", None)]
    html = rendered(choropleth.choropleth_map(areas(), rows, "pl"))
    assert choropleth.share_colour(38.3) in html
    assert choropleth.SUPPRESSED_COLOUR in html
    assert "ukryte (ochrona danych)" in html
    assert "38.3% (15 z 40)" in html
    # Ołbin has no respondents: not drawn.
    assert "Ołbin" not in html


def test_names_are_escaped_and_nothing_comes_from_a_cdn():
    m = choropleth.choropleth_map(areas(), [row(1, "<b>Nadodrze</b>", 20.0, 8)], "en")
    html = rendered(m)
    # The name arrives as text (&lt;b&gt;), inside JSON that escapes < > & itself.
    assert "\\u0026lt;b\\u0026gt;Nadodrze" in html
    assert "<b>Nadodrze" not in html
    assert all(not link.startswith("http") for link in linked_assets(m)), (
        linked_assets(m)
    )
    assert "share of respondents" in html


def test_the_most_detailed_level_is_drawn_by_default():
    rows = [row(10, "Wrocław", 30.0, 30, kind="city"), row(1, "Nadodrze", 20.0, 8)]
    assert choropleth.level_of(rows) == "estate"
