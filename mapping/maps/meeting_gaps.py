"""The gap view on the presenter's map: the unmet-needs choropleth behind a large switch.

``GapLayer`` adds the coverage-gaps choropleth of ``maps.gaps`` for the
areas of a presentation, and a switch in the top-right corner that shows or
hides it, with its classes at the top of the map's movable legend while it
is shown (the sequence keeps the legend off the area in focus). It all happens
in the browser: switching never reruns the app, and a share link's page has
it as well. Type and targets are large for a projector. The cells come from
``services.meeting_gaps`` (an audience with no team: nothing team-only,
small counts withheld); every name in them is escaped by ``maps.gaps``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template

from mapping.i18n import t
from mapping.maps.gaps import area_features, legend_html
from mapping.maps.json_text import script_json
from mapping.services.meeting_gaps import MeetingGaps


class GapLayer(MacroElement):
    """The choropleth as a layer the switch adds to and removes from the map."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .calmap-gap-switch { background: rgba(255, 255, 255, .95); border-radius: 6px;
            box-shadow: 0 1px 6px rgba(0, 0, 0, .4); padding: 8px 12px; color: #1d2a33;
            max-width: 380px;
            font: 20px/1.3 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }
        .calmap-gap-switch button { font: inherit; font-size: 22px; min-height: 48px;
            padding: 6px 14px; border: 2px solid #1d2a33; border-radius: 6px;
            background: #fff; cursor: pointer; }
        .calmap-gap-switch button[aria-pressed="true"] { background: #1d2a33; color: #fff; }
        .calmap-gap-legend { margin: 4px 0 8px; padding-bottom: 6px;
            border-bottom: 1px solid #c9d1d6; }
        .calmap-gap-legend[hidden] { display: none; }
        .calmap-gap-legend h4 { margin: 4px 0; }
        .calmap-gap-legend ul { list-style: none; margin: 0; padding: 0;
            display: grid; grid-template-columns: 1fr 1fr; column-gap: 10px; }
        .calmap-gap-legend li { display: flex; align-items: center; gap: 8px;
            cursor: default !important; }
        .calmap-gap-legend li span { width: 28px !important; height: 18px !important; }
        .calmap-gap-legend .calmap-note { font-size: 15px; margin: 4px 0 0; color: #3b4852; }
        .leaflet-tooltip.calmap-gap-tip { font-size: 20px; }
        @media (min-width: 2560px) {
            .calmap-gap-switch { font-size: 36px; max-width: 640px; }
            .calmap-gap-switch button { font-size: 38px; min-height: 88px; }
            .calmap-gap-legend .calmap-note { font-size: 26px; }
            .calmap-gap-legend li span { width: 48px !important; height: 30px !important; }
            .leaflet-tooltip.calmap-gap-tip { font-size: 34px; }
        }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map) {
            var words = {{ this.words_json }};
            var layer = L.geoJson({{ this.features_json }}, {
                style: function (feature) {
                    return Object.assign({className: "calmap-gap-area"}, feature.properties.style);
                },
                onEachFeature: function (feature, item) {
                    // Built and escaped by maps.gaps.area_features.
                    item.bindTooltip(feature.properties.tooltip,
                                     {sticky: true, className: "calmap-gap-tip"});
                }
            });
            var on = {{ this.on_json }};
            var control = L.control({position: "topright"});
            control.onAdd = function () {
                var box = L.DomUtil.create("div", "calmap-gap-switch");
                var button = L.DomUtil.create("button", "calmap-gap-button", box);
                button.type = "button";
                button.textContent = words.label;
                var legend = L.DomUtil.create("div", "calmap-gap-legend", box);
                legend.innerHTML = {{ this.legend_json }};
                // The gap legend goes into the map's movable legend, whose place the
                // sequence keeps free of the area in focus; else it stays under the switch.
                var home = map.getContainer().querySelector(".calmap-legend details")
                    || map.getContainer().querySelector(".calmap-legend");
                if (home) {
                    var summary = home.querySelector("summary");
                    home.insertBefore(legend, summary ? summary.nextSibling : home.firstChild);
                }
                function show(value) {
                    on = value;
                    button.setAttribute("aria-pressed", on ? "true" : "false");
                    button.title = on ? words.hide : words.show;
                    legend.hidden = !on;
                    // On top of the areas' outlines, so pointing at one shows its gaps.
                    if (on) { layer.addTo(map); } else { map.removeLayer(layer); }
                    // The legend changed size: the sequence fits the view again.
                    if (home && home.tagName === "DETAILS") {
                        home.dispatchEvent(new Event("toggle"));
                    }
                }
                L.DomEvent.on(button, "click", function (event) {
                    L.DomEvent.stop(event);
                    show(!on);
                    // Back to the map, so the clicker's keys keep stepping.
                    button.blur();
                });
                L.DomEvent.disableClickPropagation(box);
                L.DomEvent.disableScrollPropagation(box);
                show(on);
                return box;
            };
            control.addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict[str, Any]], legend: str, words: dict[str, str],
                 on: bool = False) -> None:
        """``features`` from ``area_features``, ``legend`` trusted (escaped) HTML."""
        super().__init__()
        self._name = "GapLayer"
        self.features_json = script_json({"type": "FeatureCollection", "features": features})
        self.legend_json = script_json(legend)
        self.words_json = script_json(words)
        self.on_json = "true" if on else "false"


def gap_layer(
    areas: gpd.GeoDataFrame, gaps: MeetingGaps, language: str = "pl", *, on: bool = False
) -> GapLayer:
    """The switchable gap view of these areas (shown at first when ``on``)."""
    features = area_features(areas, gaps.cells, language, labels=gaps.labels)
    legend = legend_html(language, attribution=gaps.attribution,
                         straight_line=gaps.straight_line)
    words = {key: t(f"presenter.{key}", language) for key in ("gaps", "gaps_show", "gaps_hide")}
    return GapLayer(features, legend, {"label": words["gaps"], "show": words["gaps_show"],
                                       "hide": words["gaps_hide"]}, on)
