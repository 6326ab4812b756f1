"""The resources on the gaps map, each a click away from its walking areas.

One marker per located resource the user may see (the page passes only
those), clustered with Leaflet.markercluster when there are many and the app
serves it. A click reaches the page through streamlit-folium: the marker's
GeoJSON feature, with ``resource_id`` in its properties, comes back as
``last_active_drawing``, as an area's does. Names are escaped here; the
marker's ``title`` (a DOM attribute Leaflet sets) is never parsed as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from folium.elements import JSCSSMixin
from jinja2 import Template

from mapping.i18n import t
from mapping.maps import assets
from mapping.maps.assets import InlineAssets, LeafletLinks
from mapping.maps.json_text import script_json
from mapping.services.walking_areas import Choice

# Fewer markers than this are drawn one by one: clusters would only hide them.
CLUSTER_MIN = 50
MARKER = "#08519c"
SHOWN = "#e6550d"


def resource_features(
    resources: Sequence[Choice], language: str, shown_id: int | None = None
) -> list[dict[str, Any]]:
    """GeoJSON points of the located resources, with an escaped tooltip and the click's id."""
    features = []
    for r in resources:
        if r.lon is None or r.lat is None:
            continue
        hint = t("gaps.walk_click_hint", language)
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
            "properties": {
                "resource_id": r.id,
                "name": r.name,
                "shown": r.id == shown_id,
                "tooltip": f"<b>{html.escape(r.name)}</b><br>{html.escape(hint)}",
            },
        })
    return features


def _cluster_links(leaflet: LeafletLinks | InlineAssets | None) -> assets.ScriptLinks | None:
    """Leaflet.markercluster's own files beside Leaflet, or None (not installed, or inline)."""
    if isinstance(leaflet, InlineAssets) or not assets.markercluster_available():
        return None
    links = assets.pin_script_links_beside(leaflet or assets.leaflet_links())
    keep = assets.MARKERCLUSTER_PATH
    return assets.ScriptLinks(js=tuple(u for u in links.js if keep in u),
                              css=tuple(u for u in links.css if keep in u))


class ResourceLayer(JSCSSMixin):
    """Markers for the resources, in a cluster group when there are many."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var data = {{ this.data_json }};
            var map = {{ this._parent.get_name() }};
            var cluster = {{ 'true' if this.cluster else 'false' }} && L.markerClusterGroup;
            // Clusters need the map's deepest zoom, which a map without tiles lacks.
            if (cluster && !isFinite(map.getMaxZoom())) { map.options.maxZoom = 19; }
            var group = cluster ? L.markerClusterGroup({
                maxClusterRadius: 40, showCoverageOnHover: false,
                iconCreateFunction: function (c) {
                    return L.divIcon({className: 'calmap-walk-cluster',
                        html: '<span>' + c.getChildCount() + '</span>',
                        iconSize: [34, 34]});
                }
            }) : L.featureGroup();
            L.geoJSON(data, {pointToLayer: function (feature, latlng) {
                var p = feature.properties;
                return L.marker(latlng, {title: p.name, icon: L.divIcon({
                    className: 'calmap-walk-resource' + (p.shown ? ' calmap-walk-shown' : ''),
                    iconSize: [22, 22]})}).bindTooltip(p.tooltip);
            }}).eachLayer(function (marker) { group.addLayer(marker); });
            group.addTo(map);
            var style = document.createElement('style');
            style.textContent = {{ this.css_json }};
            document.head.appendChild(style);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict[str, Any]],
                 links: assets.ScriptLinks | None) -> None:
        """The markers of ``features``; clustered with ``links`` (markercluster) when many."""
        super().__init__()
        self._name = "ResourceLayer"
        self.data_json = script_json({"type": "FeatureCollection", "features": features})
        self.cluster = links is not None and len(features) >= CLUSTER_MIN
        css = (
            f".calmap-walk-resource{{background:{MARKER};border:3px solid #fff;"
            "border-radius:50%;box-shadow:0 0 0 1.5px #333;cursor:pointer}"
            f".calmap-walk-shown{{background:{SHOWN}}}"
            f".calmap-walk-cluster{{background:{MARKER};color:#fff;border:3px solid #fff;"
            "border-radius:50%;box-shadow:0 0 0 1.5px #333;display:flex;"
            "align-items:center;justify-content:center;font:bold 14px sans-serif}"
        )
        self.css_json = script_json(css)
        # Instance lists: streamlit-folium collects them to load the scripts in order.
        self.default_js = [(f"calmap_walk_cluster_{i}", u)
                           for i, u in enumerate(links.js)] if self.cluster and links else []
        self.default_css = [(f"calmap_walk_cluster_css_{i}", u)
                            for i, u in enumerate(links.css)] if self.cluster and links else []


def add_resources(
    m: Any,
    resources: Sequence[Choice],
    language: str,
    *,
    shown_id: int | None = None,
    leaflet: LeafletLinks | InlineAssets | None = None,
) -> None:
    """Draw the resources on ``m`` (clustered when many); nothing when none is located."""
    features = resource_features(resources, language, shown_id)
    if not features:
        return
    ResourceLayer(features, _cluster_links(leaflet)).add_to(m)
