"""The folium elements every calmap map is made of: offline map, styles, scale, data, view.

Nothing here knows about resources, partners or needs; ``pins``, ``areas``,
``legend`` and ``overview`` build on these. Everything the browser loads comes
from the app's own machine (``OfflineMap`` links Leaflet from
``mapping.maps.assets``, no jQuery, Bootstrap or Font Awesome).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import branca.colormap
import folium
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.map import ElementAddToElement
from folium.template import Template
from folium.utilities import get_obj_in_upper_tree

from mapping.maps import assets, cluster_style, static_files
from mapping.maps.assets import InlineAssets, LeafletLinks
from mapping.maps.json_text import script_json

# Shown when there is nothing to fit the view to: Poland.
POLAND_CENTRE = (52.1, 19.4)
POLAND_ZOOM = 6
# Background of the map when no tiles are configured: light, like paper.
PLAIN_BACKGROUND = "#eef0ec"


class OfflineMap(folium.Map):
    """A folium Map that links only Leaflet, from the app itself, and nothing from a CDN.

    folium.Map also pulls jQuery, Bootstrap, Font Awesome and awesome-markers
    from CDNs; this map uses none of them (divIcon pins, popups bound in plain
    Leaflet), so they are dropped. Pass ``leaflet=assets.leaflet_inline()`` for
    a self-contained HTML file (not for streamlit-folium, which inserts the
    header with innerHTML, where inline scripts never run), or
    ``assets.leaflet_links(base)`` when the app is served under a base URL path.
    """

    default_js = [("leaflet", assets.LEAFLET_JS_URL)]
    default_css = [("leaflet_css", assets.LEAFLET_CSS_URL)]

    def __init__(
        self, *args: Any, leaflet: LeafletLinks | InlineAssets | None = None, **kwargs: Any
    ) -> None:
        """Create the map; ``tiles`` defaults to None (the caller adds its own TileLayer)."""
        kwargs.setdefault("tiles", None)
        super().__init__(*args, **kwargs)
        # Instance lists: folium's add_js_link mutates the list in place, and a
        # class-level list would then change every map in the process.
        if isinstance(leaflet, InlineAssets):
            self.default_js = []
            self.default_css = []
            # folium.Map puts itself in a Figure, whose header is the <head>.
            figure = cast(Figure, self.get_root())
            figure.header.add_child(Element(leaflet.style + leaflet.script), name="leaflet_inline")
        else:
            links = leaflet or assets.leaflet_links()
            self.default_js = [("leaflet", links.js)]
            self.default_css = [("leaflet_css", links.css)]


# Pins, legend and popups: the same for every map, so a linked map loads it as a
# static file named by its digest (MAP_STYLE) and a self-contained one carries it.
MAP_CSS = """.calmap-pin { background: none; border: none; }
.calmap-pin > span {
    display: flex; align-items: center; justify-content: center;
    box-sizing: border-box; width: 20px; height: 20px; margin: 1px;
    border: 1.5px solid #fff;
    outline: 1px solid rgba(0, 0, 0, .45);
    font: 12px/1 "DejaVu Sans", "Segoe UI Symbol", "Noto Sans Symbols 2",
          "Noto Sans Symbols", sans-serif;
}
.calmap-pin > span > b { font-weight: normal; display: block; }
.calmap-pin-resource > span { border-radius: 50%; }
.calmap-pin-partner > span { border-radius: 3px; }
.calmap-pin-need > span {
    width: 17px; height: 17px; margin: 2.5px; border-radius: 2px;
    transform: rotate(45deg);
}
.calmap-pin-need > span > b { transform: rotate(-45deg); font-size: 11px; }
.calmap-pin-faded { opacity: .5; }
.calmap-legend {
    background: rgba(255, 255, 255, .95); border-radius: 4px;
    box-shadow: 0 1px 5px rgba(0, 0, 0, .4); padding: 6px 10px;
    font: 12px/1.35 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif;
    max-height: 60vh; max-width: 280px; overflow-y: auto; color: #222;
}
.calmap-legend summary { font-weight: bold; cursor: pointer; font-size: 13px; }
.calmap-legend h4 { margin: 8px 0 3px; font-size: 12px; }
.calmap-legend ul { list-style: none; margin: 0; padding: 0; }
.calmap-legend li { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.calmap-legend li .calmap-pin { flex: 0 0 22px; height: 22px; }
.calmap-legend .calmap-count { margin-left: auto; padding-left: 8px; font-weight: bold; }
.calmap-legend .calmap-note { margin: 2px 0 0 28px; color: #555; font-style: italic; }
.calmap-popup { font-size: 13px; line-height: 1.35; }
.calmap-popup h4 { margin: 0 0 4px; font-size: 14px; }
.calmap-popup p { margin: 4px 0; }
.calmap-popup table { border-collapse: collapse; }
.calmap-popup th { text-align: left; padding: 1px 8px 1px 0; color: #555;
                   font-weight: normal; vertical-align: top; white-space: nowrap; }
.calmap-popup td { padding: 1px 0; vertical-align: top; }
.calmap-popup .calmap-category { display: flex; align-items: center; gap: 6px;
                                 color: #444; }
""" + cluster_style.base_css()
MAP_STYLE = static_files.DigestNamedFile(
    "calmap-map", ".css", lambda: MAP_CSS,
    (Path(__file__).resolve(), Path(cluster_style.__file__).resolve()),
)


class MapStyles(JSCSSMixin, MacroElement):
    """The CSS of pins, legend and popups: linked beside Leaflet, or in the page header."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        {% if this.background %}#{{ this._parent.get_name() }}.leaflet-container {
            background: {{ this.background }}; }{% endif %}
        {{ this.inline_css }}
        </style>
        {% endmacro %}
        """
    )

    def __init__(
        self, background: str | None = None, leaflet: LeafletLinks | InlineAssets | None = None
    ) -> None:
        """CSS for the map; ``background`` colours the map where no tiles are drawn.

        ``leaflet`` as the map's (``OfflineMap``): inline for a self-contained
        file, else the rules are linked from the same static route.
        """
        super().__init__()
        self._name = "MapStyles"
        self.background = background
        if isinstance(leaflet, InlineAssets):
            self.inline_css = MAP_CSS
            self.default_css = []
        else:
            self.inline_css = ""
            prefix = assets.static_prefix_beside(leaflet or assets.leaflet_links())
            # An instance list: streamlit-folium collects it to load the file with the map.
            self.default_css = [("calmap_map_css", MAP_STYLE.url(prefix))]


class MetricScale(MacroElement):
    """A scale bar in metres and kilometres only: no feet and miles on a Polish map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        """A metric scale bar for the parent map."""
        super().__init__()
        self._name = "MetricScale"


class RenderedText(Element):
    """Text a template has already produced, put into the page as it is.

    branca wraps the rendered header, html and script of every element in a
    new Jinja template and renders that again. For a layer that carries the
    data of thousands of pins the second parse costs seconds; worse, text a
    user typed ("{{ 7*7 }}" in a name, from the editor, a file or QGIS) would
    be evaluated there as a template expression, on the server. Our elements
    that carry data hand their output over as this instead.
    """

    def __init__(self, text: str) -> None:
        """Keep ``text``; it is never parsed again."""
        super().__init__()
        self._name = "RenderedText"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """The text, unchanged."""
        return self.text


def _render_parts(element: MacroElement, kwargs: dict[str, Any]) -> str:
    """What branca's MacroElement.render does, keeping the rendered parts as text.

    The parts go into the figure, so the element itself renders to no text.
    """
    figure = element.get_root()
    module = element._template.module
    for part in ("header", "html", "script"):
        macro = module.__dict__.get(part)
        if macro is not None:
            getattr(figure, part).add_child(
                RenderedText(macro(element, kwargs)), name=element.get_name()
            )
    for child in element._children.values():
        child.render(**kwargs)
    return ""


def _parent_name(element: MacroElement) -> str:
    """The JavaScript name of the element's parent (a layer is added to its map first)."""
    if element._parent is None:
        raise ValueError(f"{element.get_name()} is rendered before it was added to a map")
    return element._parent.get_name()


class DataLayer(folium.GeoJson):
    """A GeoJson layer of ready-made features: the data serialised once, compactly.

    The JavaScript is folium.GeoJson's for what these maps use (features
    with ``properties.style``, ``point_to_layer``, ``on_each_feature``;
    no style or highlight function, no remote data). The data is serialised
    once however often the map is rendered (streamlit-folium renders it
    twice), and the rendered script is handed over as ``RenderedText``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson(null, {
            {%- if this.on_each_feature %}
            onEachFeature: {{ this.on_each_feature.js_code }},
            {%- endif %}
            ...{{ this.options | tojavascript }}
        });
        {{ this.get_name() }}.addData({{ this.data_json }});
        {{ this.get_name() }}.setStyle(function (feature) { return feature.properties.style; });
        {% endmacro %}
        """
    )

    _data_json: str | None = None

    @property
    def data_json(self) -> str:
        """The features as JSON for the script, computed on first use."""
        if self._data_json is None:
            self._data_json = script_json(self.data)
        return self._data_json

    def render(self, **kwargs: Any) -> str:
        """Render as folium.GeoJson and folium.map.Layer do, keeping the output as text."""
        if self.style or self.highlight or self.marker or not self.embed:
            raise ValueError("DataLayer takes embedded features without style functions")
        # folium's __init__ sets parent_map to None, which mypy takes as its type.
        self.parent_map = get_obj_in_upper_tree(self, folium.Map)  # type: ignore[assignment]
        if self.show:
            self.add_child(
                ElementAddToElement(
                    element_name=self.get_name(), element_parent_name=_parent_name(self)
                ),
                name=self.get_name() + "_add",
            )
        return _render_parts(self, kwargs)


class Legend(MacroElement):
    """A Leaflet control in a map corner holding ready-made (already escaped) HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "calmap-legend");
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, position: str = "bottomright") -> None:
        """Show ``html_text`` (trusted: built by ``legend_html``) at ``position``."""
        super().__init__()
        self._name = "Legend"
        self.html = html_text
        self.position = position

    def render(self, **kwargs: Any) -> str:
        """Render without parsing the legend's labels as a template (see ``RenderedText``)."""
        return _render_parts(self, kwargs)


class FitView(MacroElement):
    """Fit the view to ``bounds``, leaving room for the legend when the map is wide enough.

    Added after the legend, so the legend's width is known when this runs.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var pad = {{ this.padding|tojson }};
            var right = pad;
            var legend = map.getContainer().querySelector(".calmap-legend");
            // On a wide map keep the areas clear of the legend; on a narrow
            // one that would leave too little map, so the legend overlaps.
            if (legend && map.getSize().x > 2.5 * legend.offsetWidth) {
                right += legend.offsetWidth;
            }
            map.fitBounds({{ this.bounds|tojson }}, {
                paddingTopLeft: [pad, pad], paddingBottomRight: [right, pad]
            });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: Sequence[Sequence[float]], padding: int = 12) -> None:
        """``bounds`` as [[south, west], [north, east]]."""
        super().__init__()
        self._name = "FitView"
        self.bounds = [list(corner) for corner in bounds]
        self.padding = padding

    def _get_self_bounds(self) -> list[list[float | None]]:
        return [list(corner) for corner in self.bounds]


def _walk(element: Any) -> Iterator[Any]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def linked_assets(m: folium.Map) -> list[str]:
    """Every script and stylesheet URL the map's elements ask the browser to load.

    The same walk streamlit-folium does to collect ``js_links``/``css_links``,
    so a test can prove that no element of our maps needs a CDN.
    """
    links: list[str] = []
    for element in _walk(m):
        if isinstance(element, branca.colormap.ColorMap):
            # streamlit-folium adds d3 from a CDN for every colormap it meets.
            links.append("d3 (CDN, added by streamlit-folium for a colormap)")
        links += [url for _, url in getattr(element, "default_js", [])]
        links += [url for _, url in getattr(element, "default_css", [])]
    return list(dict.fromkeys(links))
