"""The map in the field: fingers instead of a mouse, a small screen, and the device's position.

``for_the_field`` adds to a folium map what a tablet or phone needs and a
laptop does not notice:

- ``TouchTargets``: on a coarse pointer (touch) every control and pin is at
  least 44 px across (Apple's and Google's touch-target minimum; the issue
  measured pins 22, zoom 30, layer toggles 26 and the legend toggle 18). A
  pin's icon grows an invisible margin, so the drawing keeps its size; a
  cluster, one drawn element (``cluster_style``), is drawn at least that large.
- the legend starts folded on a touch device or a narrow map, so it does
  not cover half of a phone's map (a tap on its title unfolds it);
- ``LocateControl``: a button that follows the device's position with an
  accuracy circle (``js/calmap-locate.js``, from the app: nothing from a CDN).

The rules and scripts are the same for every map, so they are static files named
by their digest (``mapping.maps.static_files``), linked: a rerun of the mounted
map sends their links, not their text.

``accuracy_ring`` draws a GPS fix's accuracy around the point it marked.
"""

from __future__ import annotations

from pathlib import Path

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from mapping.geometry import leaflet_location
from mapping.i18n import t
from mapping.maps import assets, cluster_style, static_files
from mapping.maps.assets import LeafletLinks
from mapping.maps.json_text import script_json

JS_DIR = Path(__file__).resolve().parent / "js"
LOCATE_JS = "calmap-locate.js"
# Apple's Human Interface Guidelines and Material both ask for 44–48 px.
TOUCH_TARGET_PX = 44
# A GPS fix worse than this is flagged (amber): the field imports' limit,
# mapping.io.field_form.ACCURACY_LIMIT_M (tests/test_field_map.py checks they agree).
LOW_ACCURACY_M = 50.0
# A map narrower than this is a phone's (or a tablet's in a narrow column): fold the legend.
NARROW_MAP_PX = 700

TOUCH_CSS = """
@media (pointer: coarse) {
  .leaflet-bar a, .leaflet-touch .leaflet-bar a {
    width: 44px !important; height: 44px !important; line-height: 44px !important;
    font-size: 22px !important;
  }
  .leaflet-touch .leaflet-control-layers-toggle, .leaflet-control-layers-toggle {
    width: 44px !important; height: 44px !important;
  }
  .leaflet-control-layers label { display: flex; align-items: center; min-height: 44px; }
  .leaflet-control-layers-selector { width: 22px; height: 22px; }
  .calmap-legend summary { display: flex; align-items: center; min-height: 44px;
                           min-width: 44px; box-sizing: border-box; }
  .leaflet-marker-icon.calmap-pin {
    min-width: 44px !important; min-height: 44px !important;
    display: flex !important; align-items: center; justify-content: center;
  }
  /* A cluster is one drawn element (cluster_style.py): the small ones grow to a target. */
CLUSTERS
  .leaflet-marker-icon.calmap-pin { width: 44px !important; height: 44px !important;
                                    margin-left: -22px !important; margin-top: -22px !important; }
}
.calmap-locate { display: flex; align-items: center; background: #fff; }
.calmap-locate a { display: flex; align-items: center; justify-content: center; color: #333; }
.calmap-locate a.calmap-locate-on { color: #1a73e8; }
.calmap-locate-note.calmap-locate-low { color: #8a4b00; font-weight: 700; }
.calmap-locate-note { padding: 0 8px; font: 13px/1.2 "DejaVu Sans", Arial, sans-serif;
                      color: #222; white-space: nowrap; }
path.calmap-accuracy, path.calmap-position { pointer-events: none; }
""".replace("CLUSTERS", cluster_style.cluster_css(1.0, ".leaflet-container", TOUCH_TARGET_PX))


# The legend arrives after the base map's script: with the mounted map's content
# (mapping.maps.live), and again when that content is swapped. Fold what is added;
# a legend the worker opened stays open.
FOLD_JS = """(function () {
    var fold = window.matchMedia("(pointer: coarse), (max-width: NARROW_MAP_PXpx)");
    function foldLegend(root) {
        if (!fold.matches) { return; }
        root.querySelectorAll(".calmap-legend details[open]").forEach(
            function (d) { d.removeAttribute("open"); });
    }
    foldLegend(document);
    new MutationObserver(function (changes) {
        changes.forEach(function (change) {
            change.addedNodes.forEach(function (node) {
                if (!node.querySelectorAll) { return; }
                if (fold.matches && node.matches(".calmap-legend details[open]")) {
                    node.removeAttribute("open");
                }
                foldLegend(node);
            });
        });
    }).observe(document.body, {childList: true, subtree: true});
}());
""".replace("NARROW_MAP_PX", str(NARROW_MAP_PX))

_HERE = Path(__file__).resolve()
# The same on every run and for every map: static files named by their digest
# (mapping.maps.static_files), linked from the mounted map, so a rerun (an editor's
# tap) sends their links and the browser keeps the files. assets.install_static
# writes them.
TOUCH_STYLE = static_files.DigestNamedFile(
    "calmap-touch", ".css", lambda: TOUCH_CSS, (_HERE, Path(cluster_style.__file__).resolve())
)
TOUCH_SCRIPT = static_files.DigestNamedFile("calmap-touch", ".js", lambda: FOLD_JS, (_HERE,))
LOCATE_SCRIPT = static_files.DigestNamedFile(
    "calmap-locate", ".js", static_files.concatenated(JS_DIR / LOCATE_JS), (JS_DIR / LOCATE_JS,)
)
STATIC_FILES = (TOUCH_STYLE, TOUCH_SCRIPT, LOCATE_SCRIPT)


class TouchTargets(JSCSSMixin, MacroElement):
    """Touch-sized controls and pins on a coarse pointer, and the legend folded on small maps."""

    # Part of the mounted base map (mapping.maps.live): swapped content must
    # not run it again.
    stays_mounted = True

    _template = Template("")

    def __init__(self, static_prefix: str) -> None:
        """The rules and the folding script, linked from the static route ``static_prefix``."""
        super().__init__()
        self._name = "TouchTargets"
        # Instance lists: streamlit-folium collects them to load the files with the map.
        self.default_css = [("calmap_touch_css", TOUCH_STYLE.url(static_prefix))]
        self.default_js = [("calmap_touch_js", TOUCH_SCRIPT.url(static_prefix))]


class LocateControl(JSCSSMixin, MacroElement):
    """A button that follows the device's position with its accuracy circle.

    calmap-locate.js is linked (loaded before the map's own script runs); the
    map's script only calls it with the texts of the page's language.
    """

    # Part of the mounted base map (mapping.maps.live): a second run on a
    # content swap would add a second button and a second position watch.
    stays_mounted = True

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.calmapLocate({{ this._parent.get_name() }}, {{ this.texts }});
        {% endmacro %}
        """
    )

    def __init__(self, language: str, static_prefix: str) -> None:
        """The control, its texts in ``language``, its script under ``static_prefix``."""
        super().__init__()
        self._name = "LocateControl"
        self.default_js = [("calmap_locate_js", LOCATE_SCRIPT.url(static_prefix))]
        self.texts = script_json({
            "title": t("map.locate", language),
            "waiting": t("map.locate_waiting", language),
            "accuracy": t("map.locate_accuracy", language, metres="{metres}"),
            "failed": t("map.locate_failed", language),
            "low": t("map.locate_low", language, metres="{metres}"),
            "lowLimit": LOW_ACCURACY_M,
        })


def for_the_field(
    m: folium.Map, language: str, *, locate: bool = False, leaflet: LeafletLinks | None = None
) -> folium.Map:
    """``m`` with touch-sized targets, a folding legend and (``locate``) the position button.

    Their files are linked beside ``leaflet`` (default: Streamlit's own static route).
    """
    prefix = assets.static_prefix_beside(leaflet or assets.leaflet_links())
    TouchTargets(prefix).add_to(m)
    if locate:
        LocateControl(language, prefix).add_to(m)
    return m


def accuracy_ring(
    group: folium.FeatureGroup, point: tuple[float, float], metres: float
) -> folium.FeatureGroup:
    """Add to ``group`` a circle as wide as a GPS fix's accuracy around the (lon, lat) point.

    A fix worse than ``LOW_ACCURACY_M`` is drawn in amber, dashed: check this point.
    """
    low = metres > LOW_ACCURACY_M
    colour = "#b36200" if low else "#1a73e8"
    ring = folium.Circle(
        leaflet_location(point), radius=float(metres),
        class_name="calmap-accuracy calmap-accuracy-low" if low else "calmap-accuracy",
        color=colour, weight=2 if low else 1, dash_array="6 4" if low else None,
        fill=True, fill_color=colour, fill_opacity=0.12,
    )
    # folium's path options know no "interactive"; Leaflet does (a tap goes to the map).
    ring.options["interactive"] = False
    ring.add_to(group)
    return group
