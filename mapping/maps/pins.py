"""The pin layers (resources, partners, needs): divIcons shaped per layer, sent by column."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from branca.element import CssLink, Figure, JavascriptLink
from folium.elements import JSCSSMixin
from folium.map import ElementAddToElement, Layer
from folium.template import Template

from mapping.catalog import Entry
from mapping.i18n import t
from mapping.maps import assets, pin_columns, pin_parts, pin_payload
from mapping.maps.assets import InlineAssets, LeafletLinks
from mapping.maps.elements import RenderedText, _parent_name, _render_parts
from mapping.maps.json_text import script_json
from mapping.maps.markup import (
    FALLBACK_COLOUR,
    FALLBACK_ICON,
    _entry,
    _index,
    arrow_text,
    pin_html,
    plain_texts,
)
from mapping.maps.pin_store import PinStore
from mapping.maps.popups import _PopupBuilder
from mapping.services.layers import CATEGORY_VOCABULARY

# Width and height of a pin's divIcon, in pixels.
PIN_SIZE = 22
# Above this many public pins a layer with a store sends them as files (see pin_layer).
STORE_THRESHOLD = pin_payload.CLUSTER_THRESHOLD

def _point_columns(
    layer: str, frame: gpd.GeoDataFrame, popups: _PopupBuilder, rows: np.ndarray | None = None
) -> dict[str, list[Any]]:
    """The pins with a point (among ``rows``, a mask), column by column, as ``PinLayer`` sends them.

    Column lists, one vectorised coordinate read and popups converted column
    by column: per-row DataFrame access and a dict per feature cost more than
    the popups themselves for thousands of pins. Only the columns the map
    shows are turned into Python values, and the frame is not copied.
    """
    geometry = frame.geometry.values
    keep = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    if rows is not None:
        keep &= rows
    whole = bool(keep.all())
    count = int(keep.sum())
    shown = [c for c in _SHOWN[layer] if c in frame.columns]
    if not whole and count * 8 < len(frame):
        # A few rows (a save's): those rows first, not every row of each column.
        frame = frame.iloc[np.flatnonzero(keep)]
        keep, whole = np.ones(count, dtype=bool), True
    mask = None if whole else pa.array(keep)

    def column(name: str) -> Any:
        # Texts stay in Arrow (trimmed there as a column, ``markup.plain_texts``);
        # codes and lists become Python values for their converters.
        series = frame[name]
        if name in popups.text_fields:
            text = arrow_text(series)
            if text is not None:
                return text if mask is None else text.filter(mask)
        values = series.to_numpy()
        return (values if whole else values[keep]).tolist()

    values = {c: column(c) for c in shown}
    # The users' texts go unescaped: calmap-pins.js escapes each as it shows it.
    descriptions, popup_rows, row_counts = popups.column_parts(values, count, plain=True)
    statuses = values.get("status", [None] * count)
    geometry = frame.geometry.values
    xy = shapely.get_coordinates(geometry if whole else geometry[keep])
    return {
        "id": [int(v) for v in values.get("id", [])],
        "category": [str(v) for v in values.get("category", [])],
        # x, y of every pin in one flat list. Six decimals of a degree is about
        # 10 cm: plenty for a pin, and it keeps the page small.
        "xy": np.round(xy, 6).ravel().tolist(),
        "tooltip": [v or "" for v in plain_texts(values.get("name", [None] * count))],
        "faded": [1 if layer == "need" and status == "met" else 0 for status in statuses],
        # Every pin's popup rows one after another; "rowc" says how many are whose.
        "rows": popup_rows,
        "rowc": row_counts,
        "text": descriptions,
    }


# The columns a layer's pins and popups show (the rest of the frame never reaches the map).
_SHOWN = {
    layer: ("id", "category", "name", "description", *fields)
    + (("status",) if "status" not in fields else ())
    for layer, fields in _PopupBuilder.ROWS.items()
}


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
        var {{ this.get_name() }} = CalmapPins.layer({{ this.payload_json }}, {
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
        # A live map (``mapping.maps.live.hold_parts``) sends the inline parts by digest.
        self.parts_by_digest = False
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
    def payload_json(self) -> str:
        """The payload for the script; with ``parts_by_digest``, its inline parts by digest."""
        if self.parts_by_digest and self.payload.held_json is not None:
            return self.payload.held_json
        return self.payload.json

    @property
    def data(self) -> dict[str, Any]:
        """The pins as a GeoJSON FeatureCollection (what the browser draws)."""
        c = pin_payload.columns_of(self.payload)
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
                    element_name=self.get_name(), element_parent_name=_parent_name(self)
                ),
                name=self.get_name() + "_add",
            )
        return _render_parts(self, kwargs)


def pin_layer(
    layer: str,
    frame: gpd.GeoDataFrame,
    catalogue: Iterable[Entry] | Mapping[tuple[str, str], Entry],
    language: str = "pl",
    name: str | None = None,
    scripts: assets.ScriptLinks | InlineAssets | None = None,
    viewer: str | None = None,
    store: PinStore | None = None,
) -> PinLayer:
    """One layer of pins (quick from 10 to 50,000): the catalogue's shapes, clustered when many.

    Resources are circles, partners squares, needs diamonds, each filled with
    its category colour and showing the category glyph; above
    ``pin_payload.CLUSTER_THRESHOLD`` pins they gather into clusters of the
    layer's shape. Rows without a point (needs of a whole area) are left out
    here; the legend counts them. The payload is cached by
    ``pin_payload.payload_key`` (``viewer``: the viewer's visibility class,
    by default the levels the pins hold).

    With a ``store`` and more than ``STORE_THRESHOLD`` public pins, those
    pins go to content-named files of the app's static folder (positions, and
    popup texts in blocks fetched on click): the map itself then carries only
    their URLs, and the pins visible to a team or partnership, inline.
    """
    index = catalogue if isinstance(catalogue, Mapping) else _index(catalogue)
    public = _public_rows(frame) if store is not None else None
    stored = public is not None and int(public.sum()) > STORE_THRESHOLD
    # A large layer of a map with a store travels in parts even when its public
    # pins stay inline: its other pins are then a part a live map sends once.
    parted = public is not None and (stored or len(frame) > STORE_THRESHOLD)
    digest = pin_payload.content_digest(frame)
    catalogue_digest = _catalogue_digest(index)
    form = "|stored" if stored else "|parted" if parted else ""
    viewer_class = (viewer or pin_payload.visibility_class(frame)) + form
    key = pin_payload.payload_key(
        layer, frame, language, catalogue_digest, viewer=viewer_class, digest=digest,
    )

    def build() -> pin_payload.PinPayload:
        vocabulary = CATEGORY_VOCABULARY[layer]
        codes = sorted({str(c) for c in frame["category"].unique()}) if len(frame) else []
        styles = {}
        for code in codes:
            entry = _entry(index, vocabulary, code)
            styles[code] = pin_html(entry.icon, entry.colour)
        popups = _PopupBuilder(layer, index, language)
        heads = {code: popups.head(code) for code in codes}
        fallback = pin_html(FALLBACK_ICON, FALLBACK_COLOUR)

        # Which rows have a point, once for the frame (the parts' counts and rows).
        geometry = frame.geometry.values
        pinned = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry)) if len(frame) else (
            np.zeros(0, dtype=bool))

        def kept_columns(part: np.ndarray, name: str) -> dict[str, list[Any]]:
            # Kept by content: a save's new frame patches its older frame's columns,
            # so the part's rows are taken from the frame only when built.
            def make(ids: Sequence[int] | None) -> dict[str, list[Any]]:
                wanted = part if ids is None else part & frame["id"].isin(list(ids)).to_numpy()
                return _point_columns(layer, frame, popups, wanted)

            return pin_columns.columns(
                (layer, language, catalogue_digest, viewer_class, name), digest,
                int((part & pinned).sum()), make,
            )

        if not parted:
            columns = kept_columns(np.ones(len(frame), dtype=bool), "all")
            compact = pin_payload.compact(
                layer, columns, styles, heads, popups.labels, fallback, popups.kinds(),
            )
            return pin_payload.PinPayload(
                layer=layer, count=len(columns["id"]), json=script_json(compact),
                bounds=pin_payload.bounds_of(columns["xy"]),
            )
        assert public is not None and store is not None
        # Built whole (and kept whole for the editor's patches), then parted:
        # the public pins for files (when there are enough of them), the others inline.
        columns = kept_columns(np.ones(len(frame), dtype=bool), "all")
        to_files = public.to_numpy(dtype=bool)[pinned] if stored else np.zeros(
            len(columns["id"]), dtype=bool)
        shared, inline = pin_columns.split(columns, to_files)
        split = pin_payload.split_payload(
            layer, shared, inline, styles, heads, popups.labels, fallback, popups.kinds(),
        )
        # The head names the inline parts by digest (what a live map sends); the
        # payload's own JSON has them in (what any other map sends).
        held = script_json(split.head)
        return pin_payload.PinPayload(
            layer=layer, count=len(shared["id"]) + len(inline["id"]),
            json=pin_parts.put_in(held, split.parts),
            bounds=pin_payload.bounds_of(columns["xy"]),
            files=split.files,
            parts=split.parts,
            held_json=held if split.parts else None,
        )

    payload = pin_payload.PAYLOADS.get_or_build(key, build)
    if payload.files and store is not None:
        payload = pin_payload.stored(payload, store)
    return PinLayer(payload, name=name or t(f"layer.{layer}", language), scripts=scripts)


def _public_rows(frame: gpd.GeoDataFrame) -> pd.Series | None:
    """Which rows anyone may see (visibility ``public``); None when the frame does not say."""
    if "visibility" not in frame.columns:
        return None
    # A missing visibility is not public (pd.NA compares as NA: filled).
    return (frame["visibility"] == "public").fillna(False).astype(bool)


def _catalogue_digest(index: Mapping[tuple[str, str], Entry]) -> str:
    return pin_payload.catalogue_digest(index.values())


def _pin_scripts(leaflet: LeafletLinks | InlineAssets | None) -> assets.ScriptLinks | InlineAssets:
    """The pin layer's scripts the same way as Leaflet: inline, or linked beside it."""
    if isinstance(leaflet, InlineAssets):
        return assets.pin_scripts_inline()
    return assets.pin_script_links_beside(leaflet or assets.leaflet_links())
