"""The pin layers (resources, partners, needs): divIcons shaped per layer, sent by column."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import shapely
from folium.map import ElementAddToElement, Layer
from folium.template import Template
from folium.utilities import JsCode

from mapping.catalog import Entry
from mapping.i18n import t
from mapping.maps.elements import _parent_name, _render_parts, _script_json
from mapping.maps.markup import (
    FALLBACK_COLOUR,
    FALLBACK_ICON,
    _entry,
    _has_point,
    _index,
    _js,
    _texts,
    pin_html,
)
from mapping.maps.popups import _PopupBuilder
from mapping.services.layers import CATEGORY_VOCABULARY

# Width and height of a pin's divIcon, in pixels.
PIN_SIZE = 22

def _point_columns(
    layer: str, frame: gpd.GeoDataFrame, popups: _PopupBuilder
) -> dict[str, list[Any]]:
    """The pins with a point, column by column, as ``PinLayer`` sends them.

    Column lists, one vectorised coordinate read and popups converted column
    by column: per-row DataFrame access and a dict per feature cost more than
    the popups themselves for thousands of pins.
    """
    pinned = frame.loc[_has_point(frame)]
    count = len(pinned)
    values = {c: pinned[c].tolist() for c in pinned.columns if c != pinned.geometry.name}
    descriptions, rows, row_counts = popups.column_parts(values, count)
    statuses = values.get("status", [None] * count)
    return {
        "id": [int(v) for v in values.get("id", [])],
        "category": [str(v) for v in values.get("category", [])],
        # x, y of every pin in one flat list. Six decimals of a degree is about
        # 10 cm: plenty for a pin, and it keeps the page small.
        "xy": [
            round(v, 6) for v in shapely.get_coordinates(pinned.geometry.values).ravel().tolist()
        ],
        "tooltip": [v or "" for v in _texts(values.get("name", [None] * count))],
        "faded": [1 if layer == "need" and status == "met" else 0 for status in statuses],
        # Every pin's popup rows one after another; "rowc" says how many are whose.
        "rows": rows,
        "rowc": row_counts,
        "text": descriptions,
    }


class PinLayer(Layer):
    """One layer of pins as Leaflet GeoJSON, sent column by column.

    The browser gets one list per property (ids, categories, coordinates,
    tooltips, popup parts) and makes the GeoJSON features itself: for
    thousands of pins that is a quarter less to send and to serialise than a
    FeatureCollection. ``data`` gives the same pins as a FeatureCollection.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson(null, {
            pointToLayer: {{ this.point_to_layer.js_code }},
            onEachFeature: {{ this.on_each_feature.js_code }}
        });
        {{ this.get_name() }}.addData((function (c) {
            var features = [], at = 0;
            for (var i = 0; i < c.id.length; i++) {
                var end = at + 2 * c.rowc[i];
                features.push({type: "Feature",
                    geometry: {type: "Point", coordinates: [c.xy[2 * i], c.xy[2 * i + 1]]},
                    properties: {id: c.id[i], category: c.category[i], tooltip: c.tooltip[i],
                                 faded: c.faded[i] === 1, rows: c.rows.slice(at, end),
                                 text: c.text[i]}});
                at = end;
            }
            return {type: "FeatureCollection", features: features};
        })({{ this.columns_json }}));
        {% endmacro %}
        """
    )

    def __init__(
        self,
        columns: dict[str, list[Any]],
        name: str,
        point_to_layer: JsCode,
        on_each_feature: JsCode,
    ) -> None:
        """A layer of the pins in ``columns`` (see ``_point_columns``)."""
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "PinLayer"
        self.columns = columns
        self.point_to_layer = point_to_layer
        self.on_each_feature = on_each_feature
        self._columns_json: str | None = None

    @property
    def columns_json(self) -> str:
        """The columns as JSON for the script, serialised once however often it renders."""
        if self._columns_json is None:
            self._columns_json = _script_json(self.columns)
        return self._columns_json

    @property
    def data(self) -> dict[str, Any]:
        """The pins as a GeoJSON FeatureCollection (what the browser builds from the columns)."""
        c = self.columns
        features = []
        at = 0
        for i in range(len(c["id"])):
            end = at + 2 * c["rowc"][i]
            properties = {
                "id": c["id"][i],
                "category": c["category"][i],
                "tooltip": c["tooltip"][i],
                "faded": c["faded"][i] == 1,
                "rows": c["rows"][at:end],
                "text": c["text"][i],
            }
            at = end
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": c["xy"][2 * i : 2 * i + 2]},
                    "properties": properties,
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def _get_self_bounds(self) -> list[list[float | None]]:
        xy = self.columns["xy"]
        if not xy:
            return [[None, None], [None, None]]
        xs, ys = xy[0::2], xy[1::2]
        return [[min(ys), min(xs)], [max(ys), max(xs)]]

    def render(self, **kwargs: Any) -> str:
        """Render as folium.map.Layer does, keeping the output as text (see ``RenderedText``)."""
        if self.show:
            self.add_child(
                ElementAddToElement(
                    element_name=self.get_name(), element_parent_name=_parent_name(self)
                ),
                name=self.get_name() + "_add",
            )
        return _render_parts(self, kwargs)


def _pin_popups_js(heads: Mapping[str, str], labels: Sequence[str]) -> JsCode:
    """Leaflet onEachFeature for pins: the tooltip, and the popup assembled from its parts.

    The same assembly as ``_PopupBuilder.html``; every part was escaped in Python.
    """
    return JsCode(
        f"""(function () {{
            var heads = {_js(dict(heads))};
            var labels = {_js(list(labels))};
            return function (feature, layer) {{
                var p = feature.properties;
                if (p.tooltip) {{ layer.bindTooltip(p.tooltip, {{sticky: false}}); }}
                var html = '<div class="calmap-popup"><h4>' + p.tooltip + '</h4>'
                    + '<p class="calmap-category">' + heads[p.category] + '</p>';
                if (p.text) {{ html += '<p>' + p.text + '</p>'; }}
                if (p.rows.length) {{
                    html += '<table>';
                    for (var i = 0; i < p.rows.length; i += 2) {{
                        html += '<tr><th>' + labels[p.rows[i]] + '</th><td>'
                            + p.rows[i + 1] + '</td></tr>';
                    }}
                    html += '</table>';
                }}
                layer.bindPopup(html + '</div>', {{maxWidth: 340}});
            }};
        }})()"""
    )


def _point_to_layer(layer: str, styles: Mapping[str, str], fallback: str) -> JsCode:
    """Leaflet pointToLayer: a small divIcon per pin, its look chosen by category."""
    return JsCode(
        f"""(function () {{
            var styles = {_js(dict(styles))};
            var fallback = {_js(fallback)};
            return function (feature, latlng) {{
                var p = feature.properties;
                return L.marker(latlng, {{
                    icon: L.divIcon({{
                        className: "calmap-pin calmap-pin-{layer}"
                            + (p.faded ? " calmap-pin-faded" : ""),
                        html: styles[p.category] || fallback,
                        iconSize: [{PIN_SIZE}, {PIN_SIZE}],
                        iconAnchor: [{PIN_SIZE // 2}, {PIN_SIZE // 2}],
                        popupAnchor: [0, -{PIN_SIZE // 2}],
                        tooltipAnchor: [{PIN_SIZE // 2}, 0]
                    }}),
                    riseOnHover: true
                }});
            }};
        }})()"""
    )


def pin_layer(
    layer: str,
    frame: gpd.GeoDataFrame,
    catalogue: Iterable[Entry] | Mapping[tuple[str, str], Entry],
    language: str = "pl",
    name: str | None = None,
) -> PinLayer:
    """One GeoJson layer of pins (efficient for thousands): divIcons shaped per layer.

    Resources are circles, partners squares, needs diamonds, each filled with
    its category colour and showing the category glyph. Rows without a point
    (needs of a whole area) are left out here; the legend counts them.
    """
    index = catalogue if isinstance(catalogue, Mapping) else _index(catalogue)
    vocabulary = CATEGORY_VOCABULARY[layer]
    codes = sorted({str(c) for c in frame["category"]}) if len(frame) else []
    styles = {}
    for code in codes:
        entry = _entry(index, vocabulary, code)
        styles[code] = pin_html(entry.icon, entry.colour)
    fallback = pin_html(FALLBACK_ICON, FALLBACK_COLOUR)
    popups = _PopupBuilder(layer, index, language)
    return PinLayer(
        _point_columns(layer, frame, popups),
        name=name or t(f"layer.{layer}", language),
        point_to_layer=_point_to_layer(layer, styles, fallback),
        on_each_feature=_pin_popups_js({code: popups.head(code) for code in codes}, popups.labels),
    )
