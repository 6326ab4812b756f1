"""Folium builders for the resource-and-needs map: areas, three pin layers, legend.

Pure functions: GeoDataFrames and catalogue entries in, a folium map out; no
database here. Everything the browser loads comes from the app's own machine
(``OfflineMap`` links Leaflet from ``mapping.maps.assets``, no jQuery, Bootstrap or
Font Awesome); only the basemap tiles come from the configured tile server,
and with none configured or reachable the map still shows areas and pins.

Folium puts popup and tooltip text into the page as raw HTML, so every text a
user typed (names, descriptions, addresses…) goes through ``html.escape``
here, in Python, before it reaches the map.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import branca.colormap
import folium
import geopandas as gpd
import pandas as pd
import shapely
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.elements import JSCSSMixin
from folium.map import ElementAddToElement, Layer
from folium.template import Template
from folium.utilities import JsCode, get_obj_in_upper_tree

from mapping.catalog import Entry
from mapping.i18n import t
from mapping.maps import assets, pin_payload
from mapping.maps.assets import InlineAssets, LeafletLinks
from mapping.services.layers import CATEGORY_VOCABULARY, LAYERS

# Shown when there is nothing to fit the view to: Poland.
POLAND_CENTRE = (52.1, 19.4)
POLAND_ZOOM = 6
# Background of the map when no tiles are configured: light, like paper.
PLAIN_BACKGROUND = "#eef0ec"
FALLBACK_COLOUR = "#777777"
FALLBACK_ICON = "●"
PIN_SIZE = 22
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

AREA_STYLE = {"color": "#2f5d7c", "weight": 1.5, "fillColor": "#2f5d7c", "fillOpacity": 0.05}
CITY_STYLE = {"color": "#2f5d7c", "weight": 2, "dashArray": "6 4", "fill": False}
SELECTED_STYLE = {"color": "#c0392b", "weight": 4, "fillColor": "#c0392b", "fillOpacity": 0.08}
DIMMED_STYLE = {"color": "#5a6b78", "weight": 1, "fillColor": "#5a6b78", "fillOpacity": 0.02}


@dataclass(frozen=True)
class LegendRow:
    """One category of one layer as the legend lists it."""

    code: str
    label: str
    icon: str
    colour: str
    count: int
    pinned: int


@dataclass(frozen=True)
class LegendSection:
    """The categories present in one layer, with the layer's totals."""

    layer: str
    title: str
    rows: tuple[LegendRow, ...]
    total: int
    area_wide: int


@dataclass(frozen=True)
class LayerCount:
    """How many entries a layer has, and how many of them are pinned at a point."""

    layer: str
    total: int
    pinned: int

    @property
    def area_wide(self) -> int:
        """Entries that cover a whole area instead of a point (needs only, in practice)."""
        return self.total - self.pinned


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


class MapStyles(MacroElement):
    """The CSS of pins, legend and popups, in the page header."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        {% if this.background %}#{{ this._parent.get_name() }}.leaflet-container {
            background: {{ this.background }}; }{% endif %}
        .calmap-pin { background: none; border: none; }
        .calmap-pin > span {
            display: flex; align-items: center; justify-content: center;
            box-sizing: border-box; width: 20px; height: 20px; margin: 1px;
            border: 1.5px solid #fff;
            box-shadow: 0 0 0 1px rgba(0, 0, 0, .45), 0 1px 3px rgba(0, 0, 0, .35);
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
        </style>
        {% endmacro %}
        """
    )

    def __init__(self, background: str | None = None) -> None:
        """CSS for the map; ``background`` colours the map where no tiles are drawn."""
        super().__init__()
        self._name = "MapStyles"
        self.background = background


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


def _render_parts(element: MacroElement, kwargs: dict[str, Any]) -> None:
    """What branca's MacroElement.render does, keeping the rendered parts as text."""
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


def _script_json(value: object) -> str:
    """``value`` as compact JSON for inside a <script>: it cannot end the script.

    Only ``</`` and ``<!--`` can do that, so only those are escaped; escaping
    every ``<`` and ``>`` (as folium's ``tojson`` does) makes popup HTML half
    as long again, and these layers carry the popups of thousands of pins.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\u0021--")


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
            self._data_json = _script_json(self.data)
        return self._data_json

    def render(self, **kwargs: Any) -> None:
        """Render as folium.GeoJson and folium.map.Layer do, keeping the output as text."""
        if self.style or self.highlight or self.marker or not self.embed:
            raise ValueError("DataLayer takes embedded features without style functions")
        self.parent_map = get_obj_in_upper_tree(self, folium.Map)
        if self.show:
            self.add_child(
                ElementAddToElement(
                    element_name=self.get_name(), element_parent_name=self._parent.get_name()
                ),
                name=self.get_name() + "_add",
            )
        _render_parts(self, kwargs)


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

    def render(self, **kwargs: Any) -> None:
        """Render without parsing the legend's labels as a template (see ``RenderedText``)."""
        _render_parts(self, kwargs)


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


# --- small helpers -------------------------------------------------------------------


def _missing(value: object) -> bool:
    """None, NaN, NaT or pd.NA: what an empty cell of a data frame may hold."""
    # Text first: it is most of what a popup holds, and pd.isna is slow per value.
    if isinstance(value, str):
        return False
    if value is None or isinstance(value, (list, tuple, dict)):
        return value is None
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: object) -> str | None:
    """A user-entered value as escaped HTML, or None when empty."""
    if _missing(value):
        return None
    text = str(value).strip()
    return html.escape(text) if text else None


# Joins a column's texts so that one html.escape call escapes them all. Text
# from PostgreSQL cannot hold NUL, and validation refuses control characters.
_JOIN = "\x00"


def _texts(values: Iterable[object]) -> list[str | None]:
    """``_text`` of each value, for a whole column at once.

    One ``html.escape`` over the joined column instead of one call per value:
    the same five replacements, done in C over one string (a layer of
    thousands of pins has tens of thousands of texts).

    >>> _texts(["  Klub <Senior> ", "", None, 7])
    ['Klub &lt;Senior&gt;', None, None, '7']
    """
    plain = [
        value.strip() if type(value) is str else "" if _missing(value) else str(value).strip()
        for value in values
    ]
    if not plain:
        return []
    joined = _JOIN.join(plain)
    if joined.count(_JOIN) != len(plain) - 1:
        # A NUL inside a value (not from the database): one at a time.
        return [html.escape(text) if text else None for text in plain]
    return [text or None for text in html.escape(joined).split(_JOIN)]


def _multiline(value: object) -> str | None:
    escaped = _text(value)
    return escaped.replace("\n", "<br>") if escaped else None


def _multilines(values: Iterable[object]) -> list[str | None]:
    """``_multiline`` of each value, for a whole column at once."""
    return [text.replace("\n", "<br>") if text else None for text in _texts(values)]


def _colour(value: str | None) -> str:
    """A catalogue colour when it is a plain #RRGGBB, else grey: it goes into CSS."""
    return value if value and _COLOUR.match(value) else FALLBACK_COLOUR


def _ink(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (WCAG relative luminance)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#111111" if luminance > 0.35 else "#ffffff"


# Public names for the renderers that draw pins outside the web map (static
# image, poster, deck), so every output uses the same colours and ink.
safe_colour = _colour
ink = _ink


def _glyph(icon: str | None) -> str:
    # U+FE0E asks for the text form of symbols such as ☕ ⚽ ♿, which some
    # systems would otherwise draw as colour emoji that ignore the pin colour.
    return html.escape(icon or FALLBACK_ICON) + "\ufe0e"


def _js(value: object) -> str:
    """``value`` as a JavaScript literal that cannot close the surrounding <script>."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def _index(catalogue: Iterable[Entry]) -> dict[tuple[str, str], Entry]:
    return {(entry.vocabulary, entry.code): entry for entry in catalogue}


def _entry(index: Mapping[tuple[str, str], Entry], vocabulary: str, code: str) -> Entry:
    found = index.get((vocabulary, code))
    if found is not None:
        return found
    # A code the catalogue does not know (deactivated, or imported from elsewhere)
    # still gets a pin and a legend row, labelled with its code.
    return Entry(vocabulary, code, None, code, code, FALLBACK_ICON, FALLBACK_COLOUR)


@lru_cache(maxsize=1024)
def pin_html(icon: str | None, colour: str | None) -> str:
    """The inner HTML of a pin (and of a legend swatch): category colour and glyph.

    The shape (circle, square, diamond) comes from the layer's CSS class.
    """
    fill = _colour(colour)
    return f'<span style="background:{fill};color:{_ink(fill)}"><b>{_glyph(icon)}</b></span>'


@lru_cache(maxsize=1024)
def _swatch(layer: str, icon: str | None, colour: str | None) -> str:
    return f'<span class="calmap-pin calmap-pin-{layer}">{pin_html(icon, colour)}</span>'


def _labels(index: Mapping[tuple[str, str], Entry], vocabulary: str, codes: object,
            language: str) -> str | None:
    if _missing(codes) or not isinstance(codes, (list, tuple)) or not codes:
        return None
    labels = [_entry(index, vocabulary, str(code)).label(language) for code in codes]
    return html.escape(", ".join(labels))


def _rows_table(rows: Iterable[tuple[str, str | None]]) -> str:
    cells = [f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows if value]
    return f"<table>{''.join(cells)}</table>" if cells else ""


def _links(urls: Sequence[object]) -> list[str | None]:
    """``_link`` of each value, for a whole column at once."""
    out: list[str | None] = []
    for text in _texts(urls):
        # The escaped text is the escaped address: html.escape quotes by default.
        if text is not None and _HTTP.match(text):
            text = f'<a href="{text}" target="_blank" rel="noopener noreferrer">{text}</a>'
        out.append(text)
    return out


_HTTP = re.compile(r"^https?://", re.IGNORECASE)


def _link(url: object) -> str | None:
    """A clickable link for http(s) addresses only; anything else is shown as text."""
    text = _text(url)
    if text is None:
        return None
    raw = str(url).strip()
    if re.match(r"^https?://", raw, flags=re.IGNORECASE):
        href = html.escape(raw, quote=True)
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{text}</a>'
    return text


class _PopupBuilder:
    """The popups of one layer's pins: labels and category lines worked out once.

    ``parts`` gives what differs per pin (escaped here, in Python); ``html``
    assembles them. The pin layers send the parts and assemble the very same
    HTML in the browser (``popupHtml`` in calmap-pins.js), which keeps the page of a
    layer with thousands of pins about half as big.
    """

    # Rows of each layer's popup table, in order (the category is the heading line).
    ROWS = {
        "resource": ("address", "opening_hours", "target_groups", "phone", "email", "www",
                     "visibility"),
        "partner": ("address", "partnerships", "phone", "email", "www", "visibility"),
        "need": ("address", "target_groups", "status", "priority", "source_method", "evidence",
                 "phone", "email", "www", "visibility"),
    }

    def __init__(
        self, layer: str, index: Mapping[tuple[str, str], Entry], language: str
    ) -> None:
        self.layer = layer
        self.index = index
        self.language = language
        self.fields = self.ROWS[layer]
        self.labels = [t(f"popup.{name}", language) for name in self.fields]
        self._heads: dict[str, str] = {}
        self._groups: dict[tuple[str, ...], str | None] = {}

    def head(self, code: str) -> str:
        """The category line: the layer's pin shape in the category colour, and its label."""
        found = self._heads.get(code)
        if found is None:
            entry = _entry(self.index, CATEGORY_VOCABULARY[self.layer], code)
            found = (
                f"{_swatch(self.layer, entry.icon, entry.colour)} "
                f"{html.escape(entry.label(self.language))}"
            )
            self._heads[code] = found
        return found

    def _convert(self, name: str) -> Any:
        """How one field's value becomes the HTML of its row (None: no row)."""
        if name in ("opening_hours", "evidence"):
            return _multiline
        if name == "target_groups":
            return self._target_groups
        if name == "status":
            return lambda value: t(f"status.{value}", self.language) if value else None
        if name == "source_method":
            return self._source_method
        if name == "partnerships":
            return lambda value: "<br>".join(html.escape(str(n)) for n in value or [])
        if name == "www":
            return _link
        if name == "visibility":
            return self._visibility
        return _text

    def _target_groups(self, value: Any) -> str | None:
        if _missing(value) or not isinstance(value, (list, tuple)) or not value:
            return None
        key = tuple(str(code) for code in value)
        if key not in self._groups:
            self._groups[key] = _labels(self.index, "target_group", value, self.language)
        return self._groups[key]

    def _source_method(self, value: Any) -> str | None:
        if not value:
            return None
        return html.escape(_entry(self.index, "source_method", str(value)).label(self.language))

    def _visibility(self, value: Any) -> str | None:
        if value and value != "public":
            return t(f"visibility.{value}", self.language)
        return None

    def parts(self, pin: Mapping[str, Any]) -> tuple[str | None, list[Any]]:
        """The description and the non-empty table rows, flat: [label number, value HTML, …]."""
        columns = {name: [pin.get(name)] for name in (*self.fields, "description")}
        descriptions, rows, _ = self.column_parts(columns, 1)
        return descriptions[0], rows

    def column_parts(
        self, columns: Mapping[str, Sequence[Any]], count: int
    ) -> tuple[list[str | None], list[Any], list[int]]:
        """``parts`` for ``count`` pins given column by column (a field missing: all empty).

        Returns the descriptions, every pin's rows one after another in one
        flat list, and how many rows each pin has. Column by column and flat,
        because a layer has thousands of pins: the same conversion applied
        down a column costs a fraction of a per-pin dispatch, and thousands
        of small lists would keep the garbage collector busy.
        """
        empty = [None] * count
        converted = []
        for number, name in enumerate(self.fields):
            convert = self._convert(name)
            values = columns.get(name, empty)
            if convert is _text:
                converted.append((number, _texts(values)))
            elif convert is _multiline:
                converted.append((number, _multilines(values)))
            elif convert is _link:
                converted.append((number, _links(values)))
            else:
                converted.append((number, [convert(v) for v in values]))
        rows: list[Any] = []
        counts = []
        for i in range(count):
            before = len(rows)
            for number, values in converted:
                if values[i]:
                    rows += (number, values[i])
            counts.append((len(rows) - before) // 2)
        descriptions = _multilines(columns.get("description", empty))
        return descriptions, rows, counts

    def html(self, pin: Mapping[str, Any]) -> str:
        """The whole popup of ``pin``."""
        description, rows = self.parts(pin)
        cells = "".join(
            f"<tr><th>{self.labels[number]}</th><td>{value}</td></tr>"
            for number, value in zip(rows[::2], rows[1::2], strict=True)
        )
        return (
            '<div class="calmap-popup">'
            f"<h4>{_text(pin.get('name')) or ''}</h4>"
            f'<p class="calmap-category">{self.head(str(pin.get("category")))}</p>'
            + (f"<p>{description}</p>" if description else "")
            + (f"<table>{cells}</table>" if cells else "")
            + "</div>"
        )


def pin_popup_html(
    layer: str,
    pin: Mapping[str, Any],
    catalogue: Iterable[Entry] | Mapping[tuple[str, str], Entry],
    language: str = "pl",
) -> str:
    """The popup of one pin as HTML, every user-entered text escaped.

    >>> from mapping.catalog import Entry
    >>> school = Entry("resource_category", "school", None, "Szkoła", "School", "✎", "#1f77b4")
    >>> pin = {"name": "<b>SP 1</b>", "category": "school", "address": "ul. Długa 1"}
    >>> "&lt;b&gt;SP 1&lt;/b&gt;" in pin_popup_html("resource", pin, [school])
    True
    """
    index = catalogue if isinstance(catalogue, Mapping) else _index(catalogue)
    return _PopupBuilder(layer, index, language).html(pin)


def area_popup_html(
    area: Mapping[str, Any],
    area_needs: Sequence[Mapping[str, Any]],
    catalogue: Iterable[Entry] | Mapping[tuple[str, str], Entry],
    language: str = "pl",
) -> str:
    """The popup of one area: name, kind, team, population and the needs of the whole area."""
    index = catalogue if isinstance(catalogue, Mapping) else _index(catalogue)
    kind = area.get("kind")
    population = area.get("population")
    rows: list[tuple[str, str | None]] = [
        (t("popup.kind", language), t(f"kind.{kind}", language) if kind else None),
        (t("sidebar.team", language), _text(area.get("team_name"))),
        (
            t("popup.population", language),
            # Polish groups thousands with a (non-breaking) space: 12 889.
            f"{int(population):,}".replace(",", "\u00a0")  # type: ignore[arg-type]
            if not _missing(population)
            else None,
        ),
    ]
    needs = ""
    if area_needs:
        items = []
        for need in area_needs:
            entry = _entry(index, "need_category", str(need.get("category")))
            items.append(
                f"<li>{html.escape(entry.label(language))}: {_text(need.get('name')) or ''}</li>"
            )
        needs = (
            f"<p><b>{t('popup.area_needs', language)} ({len(area_needs)})</b></p>"
            f"<ul>{''.join(items)}</ul>"
        )
    return (
        f'<div class="calmap-popup"><h4>{_text(area.get("name")) or ""}</h4>'
        f"{_rows_table(rows)}{needs}</div>"
    )


# --- counts and legend -----------------------------------------------------------------


def _has_point(frame: gpd.GeoDataFrame) -> pd.Series:
    return frame.geometry.notna() & ~frame.geometry.is_empty


def layer_counts(pins: Mapping[str, gpd.GeoDataFrame]) -> list[LayerCount]:
    """Entries per layer: total and pinned at a point, in the usual layer order."""
    counts = []
    for layer in LAYERS:
        frame = pins.get(layer)
        if frame is None:
            continue
        counts.append(LayerCount(layer, len(frame), int(_has_point(frame).sum())))
    return counts


def legend_sections(
    pins: Mapping[str, gpd.GeoDataFrame], catalogue: Iterable[Entry], language: str = "pl"
) -> list[LegendSection]:
    """For each layer with entries: every category present, with its count, in catalogue order."""
    entries = list(catalogue)
    index = _index(entries)
    order = {(e.vocabulary, e.code): (e.sort_order, i) for i, e in enumerate(entries)}
    sections = []
    for layer in LAYERS:
        frame = pins.get(layer)
        if frame is None or frame.empty:
            continue
        vocabulary = CATEGORY_VOCABULARY[layer]
        pinned = _has_point(frame)
        totals = frame["category"].astype(str).value_counts()
        pinned_totals = frame.loc[pinned, "category"].astype(str).value_counts()
        codes = sorted(
            totals.index, key=lambda c: order.get((vocabulary, c), (math.inf, math.inf))
        )
        rows = []
        for code in codes:
            entry = _entry(index, vocabulary, code)
            rows.append(
                LegendRow(
                    code=code,
                    label=entry.label(language),
                    icon=entry.icon,
                    colour=_colour(entry.colour),
                    count=int(totals[code]),
                    pinned=int(pinned_totals.get(code, 0)),
                )
            )
        sections.append(
            LegendSection(
                layer=layer,
                title=t(f"layer.{layer}", language),
                rows=tuple(rows),
                total=len(frame),
                area_wide=int((~pinned).sum()),
            )
        )
    return sections


def legend_html(sections: Sequence[LegendSection], language: str = "pl") -> str:
    """The legend as HTML: per layer, a swatch, label and count for each category."""
    parts = [f'<details open><summary>{html.escape(t("legend.title", language))}</summary>']
    if not sections:
        parts.append(f"<p>{html.escape(t('legend.empty', language))}</p>")
    for section in sections:
        parts.append(f"<h4>{html.escape(section.title)} ({section.total})</h4><ul>")
        for row in section.rows:
            parts.append(
                f'<li data-category="{html.escape(row.code, quote=True)}">'
                f"{_swatch(section.layer, row.icon, row.colour)}"
                f"<span>{html.escape(row.label)}</span>"
                f'<span class="calmap-count">{row.count}</span></li>'
            )
        parts.append("</ul>")
        if section.area_wide:
            key = "legend.area_wide" if section.layer == "need" else "legend.unpinned"
            note = t(key, language, count=section.area_wide)
            parts.append(f'<p class="calmap-note">{html.escape(note)}</p>')
    parts.append("</details>")
    return "".join(parts)


# --- layers ----------------------------------------------------------------------------


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


# --- scalable pin layer (issue 15): begin ---------------------------------------------
# The browser side is mapping/maps/js/calmap-pins.js (clusters above
# pin_payload.CLUSTER_THRESHOLD pins, popups assembled on click); the payload
# and its cache are mapping/maps/pin_payload.py.


class PinLayer(JSCSSMixin, Layer):
    """One layer of pins, sent as the compact payload of ``mapping.maps.pin_payload``.

    The browser (``CalmapPins.layer`` in calmap-pins.js) draws one marker per
    pin up to ``pin_payload.CLUSTER_THRESHOLD`` pins and clusters above it,
    and assembles a popup only when its pin is clicked. The payload is
    serialised once and shared by every map that shows the same pins
    (``pin_payload.PAYLOADS``). ``data`` gives the pins as a FeatureCollection.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = CalmapPins.layer({{ this.payload.json }}, {
            threshold: {{ this.threshold }},
            icon: function (className, html) {
                return L.divIcon({
                    className: className, html: html,
                    iconSize: [{{ this.size }}, {{ this.size }}],
                    iconAnchor: [{{ this.size // 2 }}, {{ this.size // 2 }}],
                    popupAnchor: [0, -{{ this.size // 2 }}],
                    tooltipAnchor: [{{ this.size // 2 }}, 0]
                });
            }
        });
        {% endmacro %}
        """
    )

    def __init__(
        self,
        payload: pin_payload.PinPayload,
        name: str,
        scripts: assets.ScriptLinks | InlineAssets | None = None,
    ) -> None:
        """A layer of the pins in ``payload``; ``scripts`` linked or inline (default: linked)."""
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "PinLayer"
        self.payload = payload
        self.threshold = pin_payload.CLUSTER_THRESHOLD
        self.size = PIN_SIZE
        self.inline = scripts if isinstance(scripts, InlineAssets) else None
        links = scripts if isinstance(scripts, assets.ScriptLinks) else None
        if self.inline is None and links is None:
            links = assets.pin_script_links()
        # Instance lists: streamlit-folium collects them to load the scripts in order.
        self.default_js = [(f"calmap_pins_{i}", url) for i, url in enumerate(links.js)] if (
            links) else []
        self.default_css = [(f"calmap_pins_css_{i}", url) for i, url in enumerate(links.css)] if (
            links) else []

    @property
    def columns_json(self) -> str:
        """The payload as JSON for the script (serialised once, when it was built)."""
        return self.payload.json

    @property
    def data(self) -> dict[str, Any]:
        """The pins as a GeoJSON FeatureCollection (what the browser draws)."""
        c = json.loads(self.payload.json)
        features = []
        at = 0
        for i in range(len(c["id"])):
            end = at + 2 * c["rowc"][i]
            properties = {
                "id": c["id"][i],
                "category": c["cats"][c["cat"][i]],
                "tooltip": c["tooltip"][i],
                "faded": i in set(c["faded"]),
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
        if self.payload.bounds is None:
            return [[None, None], [None, None]]
        return [list(corner) for corner in self.payload.bounds]

    def render(self, **kwargs: Any) -> str:
        """Render as folium.map.Layer does, keeping the output as text (see ``RenderedText``).

        The parts go into the figure, so the layer itself renders to no text.
        """
        figure = cast(Figure, self.get_root())
        if self.inline is not None:
            # One copy of the scripts in the page, however many pin layers it has.
            figure.header.add_child(
                RenderedText(self.inline.style + self.inline.script), name="calmap_pins_inline"
            )
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        if self.show:
            self.add_child(
                ElementAddToElement(
                    element_name=self.get_name(), element_parent_name=self._parent.get_name()
                ),
                name=self.get_name() + "_add",
            )
        _render_parts(self, kwargs)
        return ""


def pin_layer(
    layer: str,
    frame: gpd.GeoDataFrame,
    catalogue: Iterable[Entry] | Mapping[tuple[str, str], Entry],
    language: str = "pl",
    name: str | None = None,
    scripts: assets.ScriptLinks | InlineAssets | None = None,
    viewer: str | None = None,
) -> PinLayer:
    """One layer of pins (quick from 10 to 50,000): the catalogue's shapes, clustered when many.

    Resources are circles, partners squares, needs diamonds, each filled with
    its category colour and showing the category glyph; above
    ``pin_payload.CLUSTER_THRESHOLD`` pins they gather into clusters of the
    layer's shape. Rows without a point (needs of a whole area) are left out
    here; the legend counts them. The payload is cached by
    ``pin_payload.payload_key`` (``viewer``: the viewer's visibility class,
    by default the levels the pins hold).
    """
    index = catalogue if isinstance(catalogue, Mapping) else _index(catalogue)
    key = pin_payload.payload_key(
        layer, frame, language, _catalogue_digest(index), viewer=viewer
    )

    def build() -> pin_payload.PinPayload:
        vocabulary = CATEGORY_VOCABULARY[layer]
        codes = sorted({str(c) for c in frame["category"]}) if len(frame) else []
        styles = {}
        for code in codes:
            entry = _entry(index, vocabulary, code)
            styles[code] = pin_html(entry.icon, entry.colour)
        popups = _PopupBuilder(layer, index, language)
        columns = _point_columns(layer, frame, popups)
        compact = pin_payload.compact(
            layer, columns, styles, {code: popups.head(code) for code in codes},
            popups.labels, pin_html(FALLBACK_ICON, FALLBACK_COLOUR),
        )
        return pin_payload.PinPayload(
            layer=layer, count=len(columns["id"]), json=pin_payload.script_json(compact),
            bounds=pin_payload.bounds_of(columns["xy"]),
        )

    return PinLayer(
        pin_payload.PAYLOADS.get_or_build(key, build),
        name=name or t(f"layer.{layer}", language),
        scripts=scripts,
    )


def _catalogue_digest(index: Mapping[tuple[str, str], Entry]) -> str:
    return pin_payload.catalogue_digest(index.values())


def _pin_scripts(leaflet: LeafletLinks | InlineAssets | None) -> assets.ScriptLinks | InlineAssets:
    """The pin layer's scripts the same way as Leaflet: inline, or linked beside it."""
    if isinstance(leaflet, InlineAssets):
        return assets.pin_scripts_inline()
    return assets.pin_script_links_beside(leaflet or assets.leaflet_links())


# --- scalable pin layer (issue 15): end -----------------------------------------------


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
) -> OfflineMap:
    """The overview map: basemap (or a plain background), areas, three pin layers, legend.

    ``pins`` maps ``resource``/``partner``/``need`` to the frames from
    ``mapping.services.layers.pins``. The view fits the selected area, else all areas,
    else all pins, else Poland. ``clickable_areas`` False (the editor) lets a
    tap inside an area reach the map instead of opening the area's popup.
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
    MapStyles(background=None if tiles_url else PLAIN_BACKGROUND).add_to(m)

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
        # The layer control shows how many pins each layer puts on the map.
        name = f"{t(f'layer.{layer}', language)} ({int(_has_point(frame).sum())})"
        pin_layer(layer, frame, index, language, name=name,
                  scripts=_pin_scripts(leaflet)).add_to(m)

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
MARKED_POINT_STYLE = {"radius": 9, "color": "#ffffff", "weight": 3, "fill_color": "#c0392b",
                      "fill_opacity": 1.0}
SELECTED_PIN_STYLE = {"radius": 18, "color": "#111111", "weight": 3, "fill": False,
                      "dash_array": "5 4"}


def editor_marks(
    point: tuple[float, float] | None, selected: tuple[float, float] | None
) -> folium.FeatureGroup:
    """The editor's temporary marks as one group: the marked point and the open pin's ring.

    Both are given as (lat, lon) and are not clickable, so a tap on them
    reaches the map (or the pin underneath). Drawn as streamlit-folium's
    ``feature_group_to_add``, they change without redrawing the map.
    """
    group = folium.FeatureGroup(name="calmap-editor-marks", control=False)
    marks = [
        (selected, "calmap-selected-pin", SELECTED_PIN_STYLE),
        (point, "calmap-marked-point", MARKED_POINT_STYLE),
    ]
    for position, class_name, style in marks:
        if position is None:
            continue
        mark = folium.CircleMarker(list(position), class_name=class_name, **style)
        # folium's path options know no "interactive"; Leaflet does.
        mark.options["interactive"] = False
        mark.add_to(group)
    return group


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
