"""The overview map (basemap, areas, pins, legend) and the editor's temporary marks.

Pure functions: GeoDataFrames and catalogue entries in, a folium map out; no
database here. Only the basemap tiles come from the configured tile server,
and with none configured or reachable the map still shows areas and pins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from folium.template import Template

from mapping.catalog import Entry
from mapping.geometry import leaflet_location
from mapping.maps.areas import area_layer
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
from mapping.maps.json_text import script_json
from mapping.maps.legend import layer_title, legend_html, legend_sections
from mapping.maps.markup import _has_point, _index, _missing
from mapping.maps.pin_store import PinStore
from mapping.maps.pins import _pin_scripts, pin_layer
from mapping.services.layers import LAYERS


def _bounds(frame: gpd.GeoDataFrame) -> list[list[float]] | None:
    present = frame[frame.geometry.notna() & ~frame.geometry.is_empty] if len(frame) else frame
    if not len(present):
        return None
    minx, miny, maxx, maxy = present.total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def overview_map(
    areas: gpd.GeoDataFrame,
    pins: Mapping[str, gpd.GeoDataFrame],
    catalogue: Iterable[Entry],
    language: str = "pl",
    *,
    selected_area_id: int | None = None,
    tiles_url: str | None = None,
    tiles_attribution: str = "",
    leaflet: LeafletLinks | InlineAssets | None = None,
    height: str | int = "100%",
    clickable_areas: bool = True,
    store: PinStore | None = None,
) -> OfflineMap:
    """The overview map: basemap (or a plain background), areas, three pin layers, legend.

    ``pins`` maps ``resource``/``partner``/``need`` to the frames from
    ``mapping.services.layers.pins``. The view fits the selected area, else all areas,
    else all pins, else Poland. ``clickable_areas`` False (the editor) lets a
    tap inside an area reach the map instead of opening the area's popup.
    ``store`` (the app's static folder): large layers' public pins travel as
    files the browser fetches once (``pin_layer``); without one (the offline
    HTML) everything is inline.
    """
    entries = list(catalogue)
    index = _index(entries)
    m = OfflineMap(
        location=POLAND_CENTRE,
        zoom_start=POLAND_ZOOM,
        leaflet=leaflet,
        height=height,
        # Quarter steps let the view fit an area snugly beside the legend.
        zoom_snap=0.25,
    )
    MetricScale().add_to(m)
    if tiles_url:
        folium.TileLayer(
            tiles=tiles_url, attr=tiles_attribution or " ", name="basemap", max_zoom=19,
            control=False,
        ).add_to(m)
    MapStyles(background=None if tiles_url else PLAIN_BACKGROUND, leaflet=leaflet).add_to(m)

    needs = pins.get("need")
    area_needs: dict[int, list[dict[str, Any]]] = {}
    if needs is not None and len(needs):
        for record in needs.loc[~_has_point(needs)].to_dict("records"):
            if not _missing(record.get("area_id")):
                area_needs.setdefault(int(record["area_id"]), []).append(record)
    if len(areas):
        area_layer(
            areas, index, language, selected_area_id, area_needs, clickable=clickable_areas
        ).add_to(m)
    for layer in LAYERS:
        frame = pins.get(layer)
        if frame is None or not _has_point(frame).any():
            continue
        # The same count as the legend's (see ``layer_title``), not only the pinned.
        name = layer_title(layer, len(frame), language)
        pin_layer(
            layer, frame, index, language, name=name, scripts=_pin_scripts(leaflet), store=store
        ).add_to(m)

    Legend(legend_html(legend_sections(pins, entries, language), language)).add_to(m)
    folium.LayerControl(position="topright", collapsed=False).add_to(m)

    selected = areas[areas["id"] == selected_area_id] if selected_area_id is not None else areas
    bounds = _bounds(selected) if len(selected) else None
    if bounds is None:
        bounds = _bounds(areas) if len(areas) else None
    if bounds is None:
        located = [f for f in pins.values() if f is not None and len(f)]
        bounds = _bounds(pd.concat(located)) if located else None
    if bounds is not None:
        FitView(bounds).add_to(m)
    return m


# The point a user marked (red) and the ring around the open pin (black).
MARKED_POINT_STYLE: dict[str, Any] = {
    "radius": 9, "color": "#ffffff", "weight": 3, "fill_color": "#c0392b", "fill_opacity": 1.0,
}
SELECTED_PIN_STYLE: dict[str, Any] = {
    "radius": 18, "color": "#111111", "weight": 3, "fill": False, "dash_array": "5 4",
}


def _mark(position: tuple[float, float], class_name: str, style: dict[str, Any]) -> Any:
    mark = folium.CircleMarker(leaflet_location(position), class_name=class_name, **style)
    # folium's path options know no "interactive"; Leaflet does.
    mark.options["interactive"] = False
    return mark


class TapMarks(folium.MacroElement):
    """In the editor's marks group: a tap on the map draws the marked point at once.

    ``CalmapPins.editorTaps`` (calmap-pins.js) draws the red mark where the
    map was tapped, in the browser, before the server has heard of the tap;
    the server's rerun then sends this group again with the mark at the same
    place, and the swap replaces the one with the other. A tap outside the
    chosen area's outline draws nothing (the server names the nearest area).
    ``handled``, the last tap the server took, makes each answer to a tap a
    new group, so a tap the server refused takes the browser's mark away.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        CalmapPins.editorTaps({{ this._parent._parent.get_name() }},
            {{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}
        """
    )

    def __init__(self, area_id: int | None, handled: Any = None) -> None:
        """Marks taps inside area ``area_id``'s outline; ``handled``: the last tap taken."""
        super().__init__()
        self._name = "TapMarks"
        options = _mark((0.0, 0.0), "calmap-marked-point", MARKED_POINT_STYLE).options
        self.options_json = script_json(
            {"area": area_id, "style": options, "handled": handled}
        )


def editor_marks(
    point: tuple[float, float] | None, selected: tuple[float, float] | None,
    *, area_id: int | None = None, handled: Any = None, taps: bool = False,
) -> folium.FeatureGroup:
    """The editor's temporary marks as one group: the marked point and the open pin's ring.

    Both are given as (lon, lat) and are not clickable, so a tap on them
    reaches the map (or the pin underneath). Drawn as streamlit-folium's
    ``feature_group_to_add``, they change without redrawing the map.
    ``taps``: a tap inside area ``area_id`` is drawn at once in the browser
    (``TapMarks``; ``handled`` is the last tap the server took).
    """
    group = folium.FeatureGroup(name="calmap-editor-marks", control=False)
    marks = [
        (selected, "calmap-selected-pin", SELECTED_PIN_STYLE),
        (point, "calmap-marked-point", MARKED_POINT_STYLE),
    ]
    for position, class_name, style in marks:
        if position is not None:
            _mark(position, class_name, style).add_to(group)
    if taps:
        TapMarks(area_id, handled).add_to(group)
    return group
