"""The coverage-gaps choropleth: how many need categories are not covered in each area.

Pure function over the areas' frame and the coverage cells
(``mapping.services.coverage``). The map counts need *categories* left
uncovered, never needs, so it discloses nothing the withheld counts hide.
Classes are fixed and few, with dark outlines, so a projector shows them.
Every name reaching the map is escaped here.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

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
from mapping.services.coverage import Cell

# Lower edges of the classes (uncovered categories) and their colours (ColorBrewer
# YlOrRd, the light end darkened a step: pale yellows wash out on a projector).
CLASSES = (0, 1, 2, 4)
COLOURS = ("#e8f1d9", "#fecc5c", "#fd8d3c", "#bd0026")
SELECTED_LINE = "#1f3a93"
LINE = "#333333"

_BIND = JsCode(
    """function (feature, layer) {
        if (feature.properties.tooltip) {
            layer.bindTooltip(feature.properties.tooltip, {sticky: true});
        }
    }"""
)


def gap_counts(cells: Sequence[Cell]) -> dict[int, int]:
    """Per area id: the need categories not covered there (areas with cells only).

    >>> from mapping.services.coverage import Cell
    >>> c = Cell(1, "A", "x", "not_covered", 500, "street", None, None, None, None, 1, 1)
    >>> gap_counts([c, Cell(1, "A", "y", "covered", 500, "street", None, None, None, None, 0, 0)])
    {1: 1}
    """
    counts: dict[int, int] = {}
    for cell in cells:
        counts.setdefault(cell.area_id, 0)
        if cell.status == "not_covered":
            counts[cell.area_id] += 1
    return counts


def gap_colour(count: int) -> str:
    """The fill colour of an area with ``count`` uncovered categories.

    >>> gap_colour(0), gap_colour(3), gap_colour(9)
    ('#e8f1d9', '#fd8d3c', '#bd0026')
    """
    colour = COLOURS[0]
    for lower, candidate in zip(CLASSES, COLOURS, strict=True):
        if count >= lower:
            colour = candidate
    return colour


def gaps_map(
    areas: gpd.GeoDataFrame,
    cells: Sequence[Cell],
    language: str = "pl",
    *,
    selected_area_id: int | None = None,
    labels: Mapping[str, str] | None = None,
    attribution: str | None = None,
    straight_line: bool = True,
    tiles_url: str | None = None,
    tiles_attribution: str = "",
    leaflet: LeafletLinks | InlineAssets | None = None,
) -> OfflineMap:
    """The areas coloured by their uncovered need categories, with a legend.

    ``labels`` names the categories in the tooltips; ``attribution`` (the
    street network's licence) is shown whenever distances are on streets, and
    ``straight_line`` says in the legend that distances are straight lines.
    """
    counts = gap_counts(cells)
    missing: dict[int, list[str]] = {}
    for cell in cells:
        if cell.status == "not_covered":
            missing.setdefault(cell.area_id, []).append(
                (labels or {}).get(cell.need_category, cell.need_category)
            )
    m = OfflineMap(location=POLAND_CENTRE, zoom_start=POLAND_ZOOM, leaflet=leaflet,
                   height="100%", zoom_snap=0.25)
    MetricScale().add_to(m)
    if tiles_url:
        folium.TileLayer(tiles=tiles_url, attr=tiles_attribution or " ", name="basemap",
                         max_zoom=19, control=False).add_to(m)
    MapStyles(background=None if tiles_url else PLAIN_BACKGROUND).add_to(m)
    features = []
    for record in areas.to_dict("records"):
        geometry = record.get("geometry")
        area_id = int(record["id"])
        if geometry is None or geometry.is_empty or area_id not in counts:
            continue
        count = counts[area_id]
        tip = f"<b>{html.escape(str(record['name']))}</b><br>" + html.escape(
            t("gaps.map_tooltip", language, count=count)
        )
        if missing.get(area_id):
            tip += "<br>" + html.escape(", ".join(missing[area_id][:6]))
        selected = area_id == selected_area_id
        features.append({
            "type": "Feature",
            "id": area_id,
            "geometry": geometry.__geo_interface__,
            "properties": {
                "area_id": area_id,
                "style": {
                    "color": SELECTED_LINE if selected else LINE,
                    "weight": 5 if selected else 1.5,
                    "fillColor": gap_colour(count), "fillOpacity": 0.7,
                },
                "tooltip": tip,
            },
        })
    if features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features}, name="gaps",
            style_function=lambda feature: feature["properties"]["style"],
            on_each_feature=_BIND,
        ).add_to(m)
    Legend(legend_html(language, attribution=attribution, straight_line=straight_line)).add_to(m)
    shown = areas[areas["id"].isin(list(counts))]
    shown = shown[shown.geometry.notna() & ~shown.geometry.is_empty]
    if len(shown):
        minx, miny, maxx, maxy = shown.total_bounds
        FitView([[float(miny), float(minx)], [float(maxy), float(maxx)]]).add_to(m)
    return m


def legend_html(
    language: str = "pl", *, attribution: str | None = None, straight_line: bool = True
) -> str:
    """The legend: the classes, how distances were measured and the network's licence."""
    uppers = [c - 1 for c in CLASSES[1:]]
    items = []
    for lower, upper, colour in zip(CLASSES, [*uppers, None], COLOURS, strict=True):
        span = str(lower) if upper == lower else (
            f"{lower}+" if upper is None else f"{lower}–{upper}")
        items.append(
            f"<li><span style='display:inline-block;width:18px;height:12px;"
            f"background:{colour};border:1px solid {LINE}'></span>{html.escape(span)}</li>"
        )
    notes = [t("gaps.legend_straight" if straight_line else "gaps.legend_street", language)]
    if attribution:
        notes.append(attribution)
    return (
        f"<h4>{html.escape(t('gaps.legend_title', language))}</h4><ul>{''.join(items)}</ul>"
        + "".join(f"<p class='calmap-note'>{html.escape(n)}</p>" for n in notes)
    )
