"""A choropleth of one category across areas: the share of respondents who named it.

Pure function over data frames; the map is ``mapping.maps.elements.OfflineMap`` (Leaflet
from the app itself, no CDN) with its scale, styles and legend. Areas whose
share is suppressed are grey and say so; areas without respondents are left
blank. Classes are fixed (not quantiles), so maps of two waves compare.
Every name reaching the map is escaped here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import folium
import geopandas as gpd
from folium.utilities import JsCode

from mapping.i18n import t
from mapping.maps.assets import InlineAssets, LeafletLinks
from mapping.maps.elements import (
    PLAIN_BACKGROUND,
    POLAND_CENTRE,
    POLAND_ZOOM,
    FitView,
    Legend,
    MapStyles,
    MetricScale,
    OfflineMap,
)
from surveys.indicators import Indicator

# Lower edges (percent) of the share classes and their colours (ColorBrewer Reds).
CLASSES = (0.0, 10.0, 20.0, 35.0, 50.0)
COLOURS = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
SUPPRESSED_COLOUR = "#bdbdbd"
LINE = "#555555"
_KIND_DEPTH = {"city": 0, "district": 1, "estate": 2}

_TOOLTIPS = JsCode(
    """function (feature, layer) {
        if (feature.properties.tooltip) {
            layer.bindTooltip(feature.properties.tooltip, {sticky: true});
        }
    }"""
)


def share_colour(share: float) -> str:
    """The fill colour of a share (percent).

    >>> share_colour(0.0), share_colour(37.5)
    ('#fee5d9', '#de2d26')
    """
    colour = COLOURS[0]
    for lower, candidate in zip(CLASSES, COLOURS, strict=True):
        if share >= lower:
            colour = candidate
    return colour


def level_of(rows: Sequence[Indicator]) -> str | None:
    """The most detailed kind of area among ``rows`` (estates, else districts, else the city)."""
    kinds = {row.area_kind for row in rows if row.area_id is not None}
    return max(kinds, key=lambda k: _KIND_DEPTH.get(k, -1), default=None)


def choropleth_map(
    areas: gpd.GeoDataFrame,
    rows: Sequence[Indicator],
    language: str = "pl",
    *,
    kind: str | None = None,
    tiles_url: str | None = None,
    tiles_attribution: str = "",
    leaflet: LeafletLinks | InlineAssets | None = None,
    height: str | int = "100%",
) -> OfflineMap:
    """The share of one category's ``rows`` over the ``areas`` of one ``kind``.

    ``areas`` has id, name and geometry (``mapping.services.layers.areas``); ``rows``
    are one category's indicators (``WaveIndicators.for_category``).
    """
    kind = kind or level_of(rows)
    by_area = {row.area_id: row for row in rows if row.area_kind == kind}
    m = OfflineMap(
        location=POLAND_CENTRE, zoom_start=POLAND_ZOOM, leaflet=leaflet,
        height=height, zoom_snap=0.25,
    )
    MetricScale().add_to(m)
    if tiles_url:
        folium.TileLayer(
            tiles=tiles_url, attr=tiles_attribution or " ", name="basemap", max_zoom=19,
            control=False,
        ).add_to(m)
    MapStyles(background=None if tiles_url else PLAIN_BACKGROUND).add_to(m)
    features = []
    for record in areas.to_dict("records"):
        geometry = record.get("geometry")
        row = by_area.get(int(record["id"]))
        if geometry is None or geometry.is_empty or row is None:
            continue
        name = html.escape(str(record["name"]))
        if row.share is None:
            style = {"fillColor": SUPPRESSED_COLOUR, "fillOpacity": 0.6, "dashArray": "4 3"}
            tip = f"<b>{name}</b><br>{html.escape(t('survey.suppressed_note', language))}"
        else:
            style = {"fillColor": share_colour(row.share), "fillOpacity": 0.75}
            tip = (
                f"<b>{name}</b><br>"
                + html.escape(
                    t("survey.share_of", language, share=row.share, count=row.count,
                      respondents=row.respondents)
                )
            )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry.__geo_interface__,
                "properties": {
                    "style": {"color": LINE, "weight": 1, **style},
                    "tooltip": tip,
                },
            }
        )
    label = rows[0].label(language) if rows else ""
    if features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name=label or "survey",
            style_function=lambda feature: feature["properties"]["style"],
            on_each_feature=_TOOLTIPS,
        ).add_to(m)
    Legend(legend_html(label, language)).add_to(m)
    shown = areas[areas["id"].isin([k for k in by_area if k is not None])]
    shown = shown[shown.geometry.notna() & ~shown.geometry.is_empty]
    if len(shown):
        minx, miny, maxx, maxy = shown.total_bounds
        FitView([[float(miny), float(minx)], [float(maxy), float(maxx)]]).add_to(m)
    return m


def legend_html(label: str, language: str = "pl") -> str:
    """The legend: the category, the share classes, suppressed and empty areas."""
    items = []
    uppers = [*CLASSES[1:], 100.0]
    for lower, upper, colour in zip(CLASSES, uppers, COLOURS, strict=True):
        items.append(_swatch(colour, f"{lower:.0f}–{upper:.0f}%"))
    items.append(_swatch(SUPPRESSED_COLOUR, t("survey.legend_suppressed", language)))
    return (
        f"<h4>{html.escape(label)}</h4>"
        f"<p class='calmap-note'>{html.escape(t('survey.legend_share', language))}</p>"
        f"<ul>{''.join(items)}</ul>"
    )


def _swatch(colour: str, text: str) -> str:
    return (
        f"<li><span style='display:inline-block;width:18px;height:12px;background:{colour};"
        f"border:1px solid {LINE}'></span>{html.escape(text)}</li>"
    )
