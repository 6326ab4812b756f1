"""The map on which an area's boundary is drawn and edited (Leaflet.draw, served locally).

``OfflineDraw`` is folium's Draw control linking Leaflet.draw from the app
itself (``mapping.maps.assets``), never from a CDN. ``area_draw_map`` puts the
area's current boundary into the control's editable group, so the edit tool
moves its vertices; streamlit-folium reports every drawn shape (the edited
boundary included) as ``all_drawings``, which ``mapping.services.areas`` turns into the
new boundary. Pure: shapes in, a folium map out; no database here.
"""

from __future__ import annotations

import json
from typing import Any

import folium
import folium.plugins
from branca.element import MacroElement
from folium.template import Template
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from mapping.maps import assets
from mapping.maps.assets import LeafletLinks
from mapping.maps.elements import (
    POLAND_CENTRE,
    POLAND_ZOOM,
    FitView,
    MapStyles,
    MetricScale,
    OfflineMap,
)

DRAWN_STYLE: dict[str, Any] = {
    "color": "#c0392b", "weight": 3, "fillColor": "#c0392b", "fillOpacity": 0.12,
}
CONTEXT_STYLE = {"color": "#5a6b78", "weight": 1, "fillOpacity": 0.0}
# Polish texts of the drawing toolbar (Leaflet.draw's L.drawLocal); English is its own.
POLISH_TOOLBAR: dict[str, Any] = {
    "draw": {
        "toolbar": {
            "actions": {"title": "Anuluj rysowanie", "text": "Anuluj"},
            "finish": {"title": "Zakończ rysowanie", "text": "Zakończ"},
            "undo": {"title": "Usuń ostatni punkt", "text": "Usuń ostatni punkt"},
            "buttons": {"polygon": "Narysuj wielokąt", "rectangle": "Narysuj prostokąt"},
        },
        "handlers": {
            "polygon": {
                "tooltip": {
                    "start": "Kliknij, aby zacząć rysować granicę.",
                    "cont": "Kliknij, aby dodać kolejny punkt.",
                    "end": "Kliknij pierwszy punkt, aby zamknąć granicę.",
                }
            },
            "rectangle": {"tooltip": {"start": "Kliknij i przeciągnij, aby narysować prostokąt."}},
            "simpleshape": {"tooltip": {"end": "Puść przycisk myszy, aby zakończyć."}},
        },
    },
    "edit": {
        "toolbar": {
            "actions": {
                "save": {"title": "Zachowaj zmiany", "text": "Zachowaj"},
                "cancel": {"title": "Anuluj zmiany", "text": "Anuluj"},
                "clearAll": {"title": "Usuń wszystko", "text": "Usuń wszystko"},
            },
            "buttons": {
                "edit": "Przesuń punkty granicy",
                "editDisabled": "Nie ma czego edytować",
                "remove": "Usuń kształt",
                "removeDisabled": "Nie ma czego usuwać",
            },
        },
        "handlers": {
            "edit": {
                "tooltip": {
                    "text": "Przeciągnij punkty, aby zmienić granicę.",
                    "subtext": "Kliknij „Anuluj”, aby cofnąć zmiany.",
                }
            },
            "remove": {"tooltip": {"text": "Kliknij kształt, aby go usunąć."}},
        },
    },
}


class OfflineDraw(folium.plugins.Draw):
    """folium's Draw control with Leaflet.draw served by the app, not by a CDN."""

    default_js = [("leaflet_draw_js", assets.leaflet_draw_links().js)]
    default_css = [("leaflet_draw_css", assets.leaflet_draw_links().css)]

    def __init__(self, *args: Any, links: LeafletLinks | None = None, **kwargs: Any) -> None:
        """The control; ``links`` when the app is served under a base URL path."""
        super().__init__(*args, **kwargs)
        found = links or assets.leaflet_draw_links()
        # Instance lists: folium mutates them, a class-level list would change every map.
        self.default_js = [("leaflet_draw_js", found.js)]
        self.default_css = [("leaflet_draw_css", found.css)]


class DrawTexts(MacroElement):
    """Leaflet.draw's toolbar and tooltips in Polish (merged into ``L.drawLocal``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (texts) {
            function merge(target, source) {
                for (var key in source) {
                    if (typeof source[key] === "object" && target[key]) {
                        merge(target[key], source[key]);
                    } else {
                        target[key] = source[key];
                    }
                }
            }
            if (window.L && L.drawLocal) { merge(L.drawLocal, texts); }
        })({{ this.texts|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, texts: dict[str, Any]) -> None:
        """Texts shaped like ``L.drawLocal``."""
        super().__init__()
        self._name = "DrawTexts"
        self.texts = texts


def _polygons(geometry: BaseGeometry | None) -> list[Polygon]:
    if geometry is None or geometry.is_empty:
        return []
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return [geometry] if isinstance(geometry, Polygon) else []


def _latlng(ring: Any) -> list[list[float]]:
    return [[y, x] for x, y, *_ in ring.coords]


def area_draw_map(
    boundary: BaseGeometry | None,
    *,
    context: BaseGeometry | None = None,
    language: str = "pl",
    tiles_url: str | None = None,
    tiles_attribution: str = "",
    leaflet: LeafletLinks | None = None,
    draw_links: LeafletLinks | None = None,
    height: str | int = "100%",
    editable: bool = True,
) -> OfflineMap:
    """A map with ``boundary`` editable and tools to draw polygons and rectangles.

    ``context`` (e.g. the current boundary beside a proposed one) is drawn as
    thin grey outlines that cannot be edited. Markers, lines and circles are
    switched off: an area is polygons only. ``editable`` False shows
    ``boundary`` without any tools (a preview).
    """
    m = OfflineMap(location=POLAND_CENTRE, zoom_start=POLAND_ZOOM, leaflet=leaflet, height=height)
    MetricScale().add_to(m)
    if tiles_url:
        folium.TileLayer(
            tiles=tiles_url, attr=tiles_attribution or " ", name="basemap", max_zoom=19,
            control=False,
        ).add_to(m)
    MapStyles(background=None if tiles_url else "#eef0ec", leaflet=leaflet).add_to(m)
    if context is not None and not context.is_empty:
        folium.GeoJson(
            json.loads(json.dumps(context.__geo_interface__)),
            style_function=lambda _feature: CONTEXT_STYLE,
            interactive=False,
            name="context",
        ).add_to(m)
    group = folium.FeatureGroup(name="calmap-drawn", control=False)
    for polygon in _polygons(boundary):
        rings = [_latlng(polygon.exterior), *(_latlng(r) for r in polygon.interiors)]
        folium.Polygon(rings if len(rings) > 1 else rings[0], **DRAWN_STYLE).add_to(group)
    group.add_to(m)
    if editable:
        if language == "pl":
            DrawTexts(POLISH_TOOLBAR).add_to(m)
        OfflineDraw(
            links=draw_links,
            feature_group=group,
            show_geometry_on_click=False,
            draw_options={
                "polyline": False,
                "marker": False,
                "circle": False,
                "circlemarker": False,
                "polygon": {"allowIntersection": False, "showArea": True,
                            "shapeOptions": DRAWN_STYLE},
                "rectangle": {"shapeOptions": DRAWN_STYLE},
            },
            edit_options={"poly": {"allowIntersection": False}},
        ).add_to(m)
    shown = boundary if boundary is not None and not boundary.is_empty else context
    if shown is not None and not shown.is_empty:
        minx, miny, maxx, maxy = shown.bounds
        FitView([[miny, minx], [maxy, maxx]]).add_to(m)
    return m
