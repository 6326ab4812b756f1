"""The presenter's map: the overview map made for a projector and a presentation clicker.

``presenter_map`` takes a ``services.presentation.Presentation`` and draws
the overview map with large type and three additions:

- a *sequence* box (top left) naming the current view, "3 / 12", with
  previous/next buttons; PageDown, →, ↓ and Space go forward, PageUp, ← and ↑
  back, Home to the first view and End to the last: the keys a presentation
  clicker sends, heard in the map and in the page around it;
- a legend that can be folded (its title) and dragged anywhere; the view is
  fitted so that the legend, wherever it stands, never covers the area in focus;
- category toggles: a click on a legend row hides or shows that category's pins.

Every name reaches the page as JSON and is put in with ``textContent``, never
as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from branca.element import MacroElement
from jinja2 import Template

from mapping.i18n import t
from mapping.maps import cluster_style
from mapping.maps.areas import SELECTED_STYLE
from mapping.maps.assets import InlineAssets, LeafletLinks
from mapping.maps.elements import OfflineMap
from mapping.maps.json_text import script_json
from mapping.maps.meeting_gaps import gap_layer
from mapping.maps.overview import overview_map
from mapping.maps.pin_store import PinStore
from mapping.services.meeting_gaps import MeetingGaps
from mapping.services.presentation import Presentation, Step

# How much larger than on a desk screen the presenter's pins and type are.
PIN_SCALE = 1.45
# Clusters' sides on a projector, and on a 4K one shown at 100 %.
CLUSTER_SCALE = 1.35
CLUSTER_SCALE_4K = 2.4


def step_label(step: Step, language: str) -> str:
    """What the sequence box calls a step, e.g. "Obszar: Zaspa" or "Partner: Caritas"."""
    kind = t(f"presenter.step_{step.kind}", language)
    return f"{kind}: {step.name}" if step.name else kind


class PresenterStyles(MacroElement):
    """Large type and large controls, readable from the back of a community room."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        /* The map fills its frame, and the page makes the frame fill the screen. */
        html, body { height: 100%; margin: 0; }
        /* streamlit-folium draws into #map_div, an offline HTML file into .folium-map. */
        #map_div, .folium-map { height: 100vh !important; }
        .leaflet-container { font-size: 18px; }
        .calmap-legend { font-size: 17px; line-height: 1.4; max-width: 360px;
                         max-height: 70vh; touch-action: none; }
        .calmap-legend summary { font-size: 19px; padding: 4px 0; }
        .calmap-legend h4 { font-size: 17px; }
        .calmap-legend li { cursor: pointer; border-radius: 3px; padding: 1px 3px; }
        .calmap-legend li:hover { background: #eef3f7; }
        .calmap-legend li.calmap-off { opacity: .35; text-decoration: line-through; }
        .calmap-legend .calmap-drag { float: right; cursor: move; color: #666;
                                      padding: 0 4px; user-select: none; }
        .leaflet-control-layers { font-size: 17px; }
        .leaflet-control-layers label { padding: 3px 0; }
        .leaflet-control-zoom a { width: 44px !important; height: 44px !important;
                                  line-height: 44px !important; font-size: 26px !important; }
        .calmap-popup { font-size: 17px; }
        .calmap-popup h4 { font-size: 19px; }
        .leaflet-marker-icon.calmap-pin > span { transform: scale({{ this.scale }}); }
        .leaflet-marker-icon.calmap-pin-need > span {
            transform: rotate(45deg) scale({{ this.scale }}); }
        {{ this.clusters }}
        .calmap-legend li .calmap-pin { flex: 0 0 26px; }
        .calmap-legend .calmap-pin > span { transform: scale(1.15); }
        .calmap-legend .calmap-pin-need > span { transform: rotate(45deg) scale(1.15); }
        .calmap-sequence { background: rgba(255, 255, 255, .95); border-radius: 6px;
            box-shadow: 0 1px 6px rgba(0, 0, 0, .4); padding: 8px 12px; color: #1d2a33;
            display: flex; align-items: center; gap: 12px; max-width: 60vw;
            font: 24px/1.25 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }
        .calmap-sequence button { font: inherit; font-size: 26px; min-width: 48px;
            min-height: 48px; border: 1px solid #9aa7b0; border-radius: 6px;
            background: #fff; cursor: pointer; }
        .calmap-sequence button:disabled { opacity: .35; cursor: default; }
        .calmap-sequence .calmap-step-name { font-weight: bold; }
        .calmap-sequence .calmap-step-count { color: #55636d; font-size: 18px;
            white-space: nowrap; }
        /* A 4K projector shown at 100 %: everything twice as large again. */
        @media (min-width: 2560px) {
            .leaflet-container, .calmap-legend, .leaflet-control-layers { font-size: 32px; }
            .calmap-legend { max-width: 640px; }
            .calmap-legend summary { font-size: 36px; }
            .calmap-legend h4 { font-size: 32px; }
            .calmap-legend li { gap: 14px; }
            .calmap-legend li .calmap-pin { flex: 0 0 44px; height: 44px; }
            .calmap-legend .calmap-pin > span { transform: translate(11px, 11px) scale(2); }
            .calmap-legend .calmap-pin-need > span {
                transform: translate(11px, 11px) rotate(45deg) scale(2); }
            .calmap-popup { font-size: 30px; }
            .calmap-popup h4 { font-size: 34px; }
            .leaflet-marker-icon.calmap-pin > span { transform: scale({{ this.scale * 1.9 }}); }
            .leaflet-marker-icon.calmap-pin-need > span {
                transform: rotate(45deg) scale({{ this.scale * 1.9 }}); }
            {{ this.clusters_4k }}
            .calmap-sequence { font-size: 46px; }
            .calmap-sequence button { font-size: 48px; min-width: 88px; min-height: 88px; }
            .calmap-sequence .calmap-step-count { font-size: 34px; }
            .leaflet-control-zoom a { width: 80px !important; height: 80px !important;
                                      line-height: 80px !important; font-size: 46px !important; }
            .leaflet-control-scale-line { font-size: 26px; }
        }
        </style>
        {% endmacro %}
        """
    )

    def __init__(self, scale: float = PIN_SCALE) -> None:
        """Styles for the parent map; pins drawn ``scale`` times their desk size."""
        super().__init__()
        self._name = "PresenterStyles"
        self.scale = scale
        # Clusters in large type, as the pins (the cluster's own rules, scaled).
        self.clusters = cluster_style.cluster_css(CLUSTER_SCALE, ".leaflet-container")
        self.clusters_4k = cluster_style.cluster_css(CLUSTER_SCALE_4K, ".leaflet-container")


class SequenceControl(MacroElement):
    """The sequence box, the keys that drive it, the movable legend and category toggles."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var steps = {{ this.steps_json }};
            var words = {{ this.words_json }};
            var selectedStyle = {{ this.selected_json }};
            var container = map.getContainer();
            var at = 0;
            // Arrow keys step through the sequence instead of panning.
            map.keyboard.disable();

            var areaFeatures = [];
            var pinGroups = [];
            map.eachLayer(function (group) {
                if (group.calmapShow) { pinGroups.push(group); return; }
                if (!(group instanceof L.GeoJSON)) { return; }
                group.eachLayer(function (item) {
                    var p = item.feature && item.feature.properties;
                    if (p && p.style && p.id !== undefined) { areaFeatures.push(item); }
                });
            });

            var box = L.control({position: "topleft"});
            var prev, next, name, count;
            box.onAdd = function () {
                var div = L.DomUtil.create("div", "calmap-sequence");
                prev = L.DomUtil.create("button", "", div);
                prev.textContent = "\u2039";
                prev.title = words.previous;
                name = L.DomUtil.create("span", "calmap-step-name", div);
                count = L.DomUtil.create("span", "calmap-step-count", div);
                next = L.DomUtil.create("button", "", div);
                next.textContent = "\u203a";
                next.title = words.next;
                L.DomEvent.on(prev, "click", function () { go(at - 1); });
                L.DomEvent.on(next, "click", function () { go(at + 1); });
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            box.addTo(map);

            function legendBox() {
                var legend = container.querySelector(".calmap-legend");
                if (!legend || !legend.offsetWidth) { return null; }
                var outer = container.getBoundingClientRect();
                var r = legend.getBoundingClientRect();
                return {left: r.left - outer.left, right: outer.right - r.right,
                        top: r.top - outer.top, bottom: outer.bottom - r.bottom,
                        width: r.width, height: r.height};
            }

            // Room kept free around the view: the sequence box on top, and the
            // legend on whichever side it stands, so it never covers the focus.
            function padding() {
                var size = map.getSize();
                var top = 16, left = 16, right = 16, bottom = 16;
                var seq = container.querySelector(".calmap-sequence");
                if (seq) { top += seq.offsetHeight + 10; }
                var lg = legendBox();
                if (lg && size.x > 2.2 * lg.width) {
                    if (lg.left + lg.width / 2 > size.x / 2) {
                        right = Math.max(right, lg.right + lg.width + 16);
                    } else {
                        left = Math.max(left, lg.left + lg.width + 16);
                    }
                } else if (lg && size.y > 2.2 * lg.height) {
                    if (lg.top + lg.height / 2 > size.y / 2) {
                        bottom = Math.max(bottom, lg.bottom + lg.height + 16);
                    } else {
                        top = Math.max(top, lg.top + lg.height + 16);
                    }
                }
                return {paddingTopLeft: [left, top], paddingBottomRight: [right, bottom]};
            }

            function highlight(step) {
                areaFeatures.forEach(function (item) {
                    var p = item.feature.properties;
                    item.setStyle(step.area !== null && p.id === step.area
                        ? selectedStyle : p.style);
                    if (step.area !== null && p.id === step.area) { item.bringToFront(); }
                });
            }

            // A ring around the member a step is about, so the room finds the pin.
            var ring = null;
            function mark(step) {
                if (ring) { map.removeLayer(ring); ring = null; }
                if (step.kind !== "member") { return; }
                var b = step.bounds;
                ring = L.circleMarker([(b[0][0] + b[1][0]) / 2, (b[0][1] + b[1][1]) / 2], {
                    radius: 30, color: "#111", weight: 4, fill: false, dashArray: "6 5",
                    interactive: false, className: "calmap-member-ring"}).addTo(map);
            }

            function go(i, instant) {
                if (!steps.length) { name.textContent = words.empty; return; }
                at = Math.max(0, Math.min(steps.length - 1, i));
                var step = steps[at];
                name.textContent = step.label;
                count.textContent = (at + 1) + " / " + steps.length;
                prev.disabled = at === 0;
                next.disabled = at === steps.length - 1;
                highlight(step);
                mark(step);
                var options = padding();
                options.maxZoom = step.kind === "member" ? 17 : 18;
                if (instant) {
                    map.fitBounds(step.bounds, options);
                } else {
                    options.duration = 0.8;
                    map.flyToBounds(step.bounds, options);
                }
            }

            function onKey(event) {
                var target = event.target || {};
                if (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName || "")) { return; }
                var forward = ["PageDown", "ArrowRight", "ArrowDown", " "];
                var back = ["PageUp", "ArrowLeft", "ArrowUp"];
                if (forward.indexOf(event.key) >= 0) { go(at + 1); }
                else if (back.indexOf(event.key) >= 0) { go(at - 1); }
                else if (event.key === "Home") { go(0); }
                else if (event.key === "End") { go(steps.length - 1); }
                else { return; }
                event.preventDefault();
            }
            document.addEventListener("keydown", onKey);
            // A clicker talks to the page that has the focus: usually the
            // app around this map's frame. The map is redrawn on every
            // rerun, so the previous map's listener is taken away first.
            try {
                var host = window.parent;
                if (host && host !== window) {
                    if (host.calmapPresenterKeys) {
                        host.document.removeEventListener("keydown", host.calmapPresenterKeys);
                    }
                    host.calmapPresenterKeys = onKey;
                    host.document.addEventListener("keydown", onKey);
                }
            } catch (e) { /* another origin: the map's own keys still work */ }

            var legend = container.querySelector(".calmap-legend");
            if (legend) {
                var summary = legend.querySelector("summary");
                var grip = L.DomUtil.create("span", "calmap-drag");
                grip.textContent = "\u2725";
                grip.title = words.move_legend;
                if (summary) { summary.appendChild(grip); }
                var dx = 0, dy = 0, start = null;
                L.DomEvent.on(grip, "pointerdown", function (event) {
                    start = [event.clientX - dx, event.clientY - dy];
                    grip.setPointerCapture(event.pointerId);
                    L.DomEvent.preventDefault(event);
                });
                L.DomEvent.on(grip, "pointermove", function (event) {
                    if (!start) { return; }
                    dx = event.clientX - start[0];
                    dy = event.clientY - start[1];
                    legend.style.transform = "translate(" + dx + "px," + dy + "px)";
                });
                L.DomEvent.on(grip, "pointerup pointercancel", function () {
                    if (!start) { return; }
                    start = null;
                    go(at, true);
                });
                L.DomEvent.on(grip, "click", L.DomEvent.preventDefault);
                // Folding or unfolding the legend changes what it covers.
                legend.querySelector("details") && legend.querySelector("details")
                    .addEventListener("toggle", function () { go(at, true); });
                legend.querySelectorAll("ul").forEach(function (list) {
                    list.querySelectorAll("li[data-category]").forEach(function (row) {
                        var swatch = row.querySelector(".calmap-pin");
                        var match = swatch && /calmap-pin-(resource|partner|need)/.exec(
                            swatch.className);
                        if (!match) { return; }
                        var layer = match[1], code = row.getAttribute("data-category");
                        row.title = words.toggle;
                        row.setAttribute("role", "switch");
                        row.setAttribute("aria-checked", "true");
                        row.addEventListener("click", function () {
                            var off = !row.classList.contains("calmap-off");
                            row.classList.toggle("calmap-off", off);
                            row.setAttribute("aria-checked", off ? "false" : "true");
                            pinGroups.forEach(function (group) {
                                if (group.calmapLayer === layer) { group.calmapShow(code, !off); }
                            });
                        });
                    });
                });
            }
            go(0, true);
            // The legend's stylesheet and fonts, its place in the map's corner and
            // the frame's own height may all come after the first fit: whenever
            // the map's size or the legend's box changes, the step is fitted
            // again around the legend as it stands then.
            function shape() {
                var lg = legendBox();
                return [map.getSize().x, map.getSize().y].concat(lg ? [
                    lg.left, lg.top, lg.width, lg.height].map(Math.round) : []).join();
            }
            var seen = shape();
            function refit() {
                var now = shape();
                if (now === seen) { return; }
                seen = now;
                map.invalidateSize({animate: false});
                go(at, true);
            }
            if (window.ResizeObserver) {
                var observer = new ResizeObserver(refit);
                observer.observe(container);
                if (legend) { observer.observe(legend); }
            }
            // A move of the legend into its corner changes no size. It moves when
            // Leaflet's stylesheet arrives, which a mounted map loads after its
            // scripts (late under load): look again every frame until the legend
            // stands inside the map (10 s at most), and whenever a stylesheet loads.
            var frames = 0;
            function inside() {
                var lg = legendBox();
                return !lg || (lg.left >= 0 && lg.top >= 0 && lg.right >= 0 && lg.bottom >= 0);
            }
            (function look() {
                refit();
                frames += 1;
                if (frames < 600 && (!inside() || frames < 30)) { requestAnimationFrame(look); }
            })();
            // A stylesheet's load event does not bubble; the capture phase sees it.
            document.addEventListener("load", refit, true);
            window.addEventListener("load", refit);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, steps: Sequence[dict[str, Any]], words: dict[str, str]) -> None:
        """Steps as ``{kind, label, bounds, area}`` dicts and the box's translated words."""
        super().__init__()
        self._name = "Sequence"
        self.steps_json = script_json(list(steps))
        self.words_json = script_json(words)
        self.selected_json = script_json(SELECTED_STYLE)


def presenter_map(
    show: Presentation,
    language: str = "pl",
    *,
    tiles_url: str | None = None,
    tiles_attribution: str = "",
    leaflet: LeafletLinks | InlineAssets | None = None,
    store: PinStore | None = None,
    gaps: MeetingGaps | None = None,
    gaps_on: bool = False,
) -> OfflineMap:
    """The overview map of ``show`` with large type, the sequence and the movable legend.

    ``store``: large layers' public pins as files (see ``overview_map``).
    ``gaps``: the unmet needs of the areas, behind a switch (shown at first
    when ``gaps_on``); see ``maps.meeting_gaps``.
    """
    m = overview_map(
        show.areas,
        show.pins,
        show.catalogue,
        language,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        leaflet=leaflet,
        store=store,
    )
    PresenterStyles().add_to(m)
    steps = [
        {
            "kind": step.kind,
            "label": step_label(step, language),
            # Leaflet wants [[south, west], [north, east]].
            "bounds": [[step.bounds[1], step.bounds[0]], [step.bounds[3], step.bounds[2]]],
            "area": step.area_id,
        }
        for step in show.steps
    ]
    words = {
        key: t(f"presenter.{key}", language)
        for key in ("previous", "next", "empty", "move_legend", "toggle")
    }
    SequenceControl(steps, words).add_to(m)
    if gaps is not None:
        # After the sequence: it looks for the areas among the layers already on the map.
        gap_layer(show.areas, gaps, language, on=gaps_on).add_to(m)
    return m
