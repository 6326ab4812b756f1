"""The area boundaries as one layer: the selected area stands out, the rest recede."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
from folium.utilities import JsCode

from mapping.catalog import Entry
from mapping.i18n import t
from mapping.maps.elements import DataLayer
from mapping.maps.markup import _index, _text
from mapping.maps.popups import area_popup_html

AREA_STYLE = {"color": "#2f5d7c", "weight": 1.5, "fillColor": "#2f5d7c", "fillOpacity": 0.05}
CITY_STYLE = {"color": "#2f5d7c", "weight": 2, "dashArray": "6 4", "fill": False}
SELECTED_STYLE = {"color": "#c0392b", "weight": 4, "fillColor": "#c0392b", "fillOpacity": 0.08}
DIMMED_STYLE = {"color": "#5a6b78", "weight": 1, "fillColor": "#5a6b78", "fillOpacity": 0.02}


# Popups and tooltips are HTML strings prepared (and escaped) in Python.
_BIND_POPUPS = JsCode(
    """function (feature, layer) {
        var p = feature.properties;
        if (p.tooltip) { layer.bindTooltip(p.tooltip, {sticky: false}); }
        if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 340}); }
    }"""
)


def area_layer(
    areas: gpd.GeoDataFrame,
    catalogue: Iterable[Entry] | Mapping[tuple[str, str], Entry],
    language: str = "pl",
    selected_area_id: int | None = None,
    area_needs: Mapping[int, Sequence[Mapping[str, Any]]] | None = None,
    clickable: bool = True,
) -> folium.GeoJson:
    """Area boundaries as one GeoJson layer; the selected area stands out, the rest recede.

    ``clickable`` False draws outlines only, without popups: on the editor's
    map a tap inside the area must place a pin, not open the area's popup.
    """
    index = catalogue if isinstance(catalogue, Mapping) else _index(catalogue)
    needs_by_area = area_needs or {}
    features = []
    for record in areas.to_dict("records"):
        geometry = record.get("geometry")
        if geometry is None or geometry.is_empty:
            continue
        area_id = int(record["id"])
        if selected_area_id is None:
            style = CITY_STYLE if record.get("kind") == "city" else AREA_STYLE
        elif area_id == selected_area_id:
            style = SELECTED_STYLE
        else:
            style = {**DIMMED_STYLE, "fill": record.get("kind") != "city"}
        features.append(
            {
                "type": "Feature",
                "geometry": geometry.__geo_interface__,
                "properties": {
                    "id": area_id,
                    "style": style,
                    "tooltip": _text(record.get("name")) or "",
                    "popup": area_popup_html(
                        record, needs_by_area.get(area_id, []), index, language
                    ),
                },
            }
        )
    # The selected area last, so its outline is drawn on top of its neighbours'.
    features.sort(key=lambda f: f["properties"]["id"] == selected_area_id)
    if not clickable:
        for feature in features:
            del feature["properties"]["popup"], feature["properties"]["tooltip"]
        return DataLayer(
            {"type": "FeatureCollection", "features": features},
            name=t("layer.area", language),
            interactive=False,
        )
    return DataLayer(
        {"type": "FeatureCollection", "features": features},
        name=t("layer.area", language),
        on_each_feature=_BIND_POPUPS,
    )
