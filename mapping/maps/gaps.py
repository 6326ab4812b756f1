"""The coverage-gaps choropleth: the unmet needs in each area.

Pure function over the areas' frame and the coverage cells
(``mapping.services.coverage``). An area's colour is the sum of its unmet
needs over the categories whose counts the user may see; where the service
withheld a count (fewer than five, outside the area's team) the area is
outlined dashed and says so, and where every count is withheld it is grey.
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
from mapping.maps.walk_resources import add_resources
from mapping.services.coverage import STRAIGHT_LINE, Cell
from mapping.services.walking_areas import Choice, WalkingAreas

# Lower edges of the classes (unmet needs) and their colours (ColorBrewer YlOrRd,
# the light end darkened a step: pale yellows wash out on a projector).
CLASSES = (0, 1, 5, 10, 20)
COLOURS = ("#e8f1d9", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
WITHHELD_COLOUR = "#bdbdbd"
SELECTED_LINE = "#1f3a93"
LINE = "#333333"
# The walking areas, 5 minutes darkest: blues stand apart from the reds of the gaps.
WALK_COLOURS = {5: "#08519c", 10: "#3182bd", 15: "#6baed6"}

_BIND = JsCode(
    """function (feature, layer) {
        if (feature.properties.tooltip) {
            layer.bindTooltip(feature.properties.tooltip, {sticky: true});
        }
    }"""
)


def gap_counts(cells: Sequence[Cell]) -> dict[int, tuple[int | None, bool]]:
    """Per area id: (unmet needs over the shown counts, whether some count was withheld).

    The sum is None when every count of the area was withheld.

    >>> from mapping.services.coverage import Cell
    >>> def c(cat, unmet): return Cell(1, "A", cat, "not_covered", 500, "street", None,
    ...                                 None, None, None, unmet, unmet)
    >>> gap_counts([c("x", 6), c("y", 0)]), gap_counts([c("x", 6), c("y", None)])
    ({1: (6, False)}, {1: (6, True)})
    """
    sums: dict[int, int | None] = {}
    withheld: dict[int, bool] = {}
    for cell in cells:
        sums.setdefault(cell.area_id, None)
        withheld.setdefault(cell.area_id, False)
        if cell.unmet is None:
            withheld[cell.area_id] = True
        else:
            sums[cell.area_id] = (sums[cell.area_id] or 0) + cell.unmet
    return {a: (sums[a], withheld[a]) for a in sums}


def gap_colour(count: int) -> str:
    """The fill colour of an area with ``count`` unmet needs.

    >>> gap_colour(0), gap_colour(7), gap_colour(25)
    ('#e8f1d9', '#fd8d3c', '#800026')
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
    walking: WalkingAreas | None = None,
    resources: Sequence[Choice] = (),
) -> OfflineMap:
    """The areas coloured by their uncovered need categories, with a legend.

    ``labels`` names the categories in the tooltips; ``attribution`` (the
    street network's licence) is shown whenever distances are on streets, and
    ``straight_line`` says in the legend that distances are straight lines.
    ``walking``: one resource's walking areas, drawn over the areas as three
    nested outlines (the longest first, so the shortest stays on top).
    ``resources``: the located resources the user may see, as markers to click
    for their walking areas (``mapping.maps.walk_resources``).
    """
    counts = gap_counts(cells)
    m = OfflineMap(location=POLAND_CENTRE, zoom_start=POLAND_ZOOM, leaflet=leaflet,
                   height="100%", zoom_snap=0.25)
    MetricScale().add_to(m)
    if tiles_url:
        folium.TileLayer(tiles=tiles_url, attr=tiles_attribution or " ", name="basemap",
                         max_zoom=19, control=False).add_to(m)
    MapStyles(background=None if tiles_url else PLAIN_BACKGROUND, leaflet=leaflet).add_to(m)
    features = area_features(areas, cells, language, selected_area_id=selected_area_id,
                             labels=labels)
    if features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features}, name="gaps",
            style_function=lambda feature: feature["properties"]["style"],
            on_each_feature=_BIND,
        ).add_to(m)
    if walking is not None and walking.bands:
        _draw_walking(m, walking, language)
    add_resources(m, resources, language,
                  shown_id=walking.resource_id if walking is not None else None, leaflet=leaflet)
    legend = legend_html(language, attribution=attribution, straight_line=straight_line)
    if walking is not None and walking.bands:
        legend += walking_legend_html(walking, language)
    if any(r.lon is not None for r in resources):
        legend += (f"<ul><li><span class='calmap-walk-resource' style='display:inline-block;"
                   f"width:12px;height:12px;vertical-align:middle'></span> "
                   f"{html.escape(t('gaps.walk_markers', language))}</li></ul>")
    Legend(legend).add_to(m)
    shown = areas[areas["id"].isin(list(counts))]
    shown = shown[shown.geometry.notna() & ~shown.geometry.is_empty]
    if walking is not None and walking.bands:
        # The view takes in the resource's longest walk too.
        minx, miny, maxx, maxy = walking.bands[-1].geometry.bounds
        FitView([[miny, minx], [maxy, maxx]]).add_to(m)
    elif len(shown):
        minx, miny, maxx, maxy = shown.total_bounds
        FitView([[float(miny), float(minx)], [float(maxy), float(maxx)]]).add_to(m)
    return m


def _draw_walking(m: OfflineMap, walking: WalkingAreas, language: str) -> None:
    """The resource's walking areas as nested outlines, each with its tooltip."""
    name = html.escape(walking.name)
    features = []
    for band in reversed(walking.bands):
        tip = (f"<b>{name}</b><br>"
               + html.escape(t("gaps.walk_band", language, minutes=band.minutes,
                               metres=band.metres)))
        features.append({
            "type": "Feature",
            "geometry": band.geometry.__geo_interface__,
            "properties": {
                "style": {
                    "color": WALK_COLOURS.get(band.minutes, LINE), "weight": 3,
                    "fillColor": WALK_COLOURS.get(band.minutes, LINE), "fillOpacity": 0.12,
                    "className": f"calmap-walk calmap-walk-{band.minutes}",
                },
                "tooltip": tip,
            },
        })
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features}, name="walking",
        style_function=lambda feature: feature["properties"]["style"],
        on_each_feature=_BIND,
    ).add_to(m)


def walking_legend_html(walking: WalkingAreas, language: str) -> str:
    """The walking areas' part of the legend: whose they are, the bands, how measured."""
    items = "".join(
        _swatch(WALK_COLOURS.get(b.minutes, LINE),
                t("gaps.walk_band", language, minutes=b.minutes, metres=b.metres))
        for b in walking.bands
    )
    how = t("gaps.walk_straight" if walking.distance_kind == STRAIGHT_LINE
            else "gaps.walk_street", language)
    return (f"<h4>{html.escape(t('gaps.walk_legend', language, name=walking.name))}</h4>"
            f"<ul>{items}</ul><p class='calmap-note'>{html.escape(how)}</p>")


def area_features(
    areas: gpd.GeoDataFrame,
    cells: Sequence[Cell],
    language: str = "pl",
    *,
    selected_area_id: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[dict[str, object]]:
    """GeoJSON features of the areas with cells, styled by their unmet needs, with tooltips.

    Each tooltip names the area (escaped), its unmet needs (or that they are
    withheld) and the first few categories nobody addresses.
    """
    counts = gap_counts(cells)
    missing: dict[int, list[str]] = {}
    for cell in cells:
        if cell.status == "not_covered":
            missing.setdefault(cell.area_id, []).append(
                (labels or {}).get(cell.need_category, cell.need_category)
            )
    features = []
    for record in areas.to_dict("records"):
        geometry = record.get("geometry")
        area_id = int(record["id"])
        if geometry is None or geometry.is_empty or area_id not in counts:
            continue
        count, withheld = counts[area_id]
        lines = [t("gaps.map_unmet", language, count=count) if count is not None
                 else t("gaps.map_all_withheld", language)]
        if withheld and count is not None:
            lines.append(t("gaps.map_some_withheld", language))
        lines.append(t("gaps.map_tooltip", language, count=len(missing.get(area_id, []))))
        if missing.get(area_id):
            lines.append(", ".join(missing[area_id]))
        if len(missing.get(area_id, [])) > 3:
            lines[-1] = ", ".join(missing[area_id][:3]) + ", …"
        # Leaflet's tooltips do not wrap: a fixed width keeps a long list on the map.
        tip = (f"<div style='white-space:normal;width:260px'>"
               f"<b>{html.escape(str(record['name']))}</b><br>"
               + "<br>".join(html.escape(line) for line in lines) + "</div>")
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
                    "fillColor": WITHHELD_COLOUR if count is None else gap_colour(count),
                    "fillOpacity": 0.7, **({"dashArray": "6 4"} if withheld else {}),
                },
                "tooltip": tip,
            },
        })
    return features


def legend_html(
    language: str = "pl", *, attribution: str | None = None, straight_line: bool = True
) -> str:
    """The legend: the classes, how distances were measured and the network's licence."""
    uppers: list[int | None] = [c - 1 for c in CLASSES[1:]]
    items = []
    for lower, upper, colour in zip(CLASSES, [*uppers, None], COLOURS, strict=True):
        span = str(lower) if upper == lower else (
            f"{lower}+" if upper is None else f"{lower}–{upper}")
        items.append(_swatch(colour, span))
    items.append(_swatch(WITHHELD_COLOUR, t("gaps.legend_withheld", language)))
    notes = [t("gaps.legend_straight" if straight_line else "gaps.legend_street", language)]
    if attribution:
        notes.append(attribution)
    return (
        f"<h4>{html.escape(t('gaps.legend_unmet', language))}</h4><ul>{''.join(items)}</ul>"
        + "".join(f"<p class='calmap-note'>{html.escape(n)}</p>" for n in notes)
    )


def _swatch(colour: str, text: str) -> str:
    return (
        f"<li><span style='display:inline-block;width:18px;height:12px;background:{colour};"
        f"border:1px solid {LINE}'></span>{html.escape(text)}</li>"
    )
