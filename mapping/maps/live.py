"""A map split in two for a live page: the base that stays mounted and the content that changes.

streamlit-folium (0.27) names its component by a digest of the map's script,
so a map whose areas, pins, legend or language changed used to be a new
component: the browser threw the old map away, built a new one and received
every pin again. ``split`` cuts a finished map (``overview_map``) into

- the *base*: the Leaflet map itself, its tiles and styles and the pin
  scripts. Its script is the same for every area, filter and language, so
  the component (the iframe and its Leaflet map) stays mounted;
- the *content*: everything else (areas, pin layers, legend, layer control,
  the fit to the chosen area) as one ``LiveContent`` group, which
  streamlit-folium's ``feature_group_to_add`` swaps in place. In the browser
  ``CalmapPins.content`` records what the content added to the map, removes
  it when the next content comes, and when the content is the same as one
  shown before (an editor's tap changes only the marks) puts the same layers
  back instead of building them again.

Large layers' public pins are files the browser has in its cache
(``pin_store``), so the content that travels again is small. A content the
browser already holds travels by its digest only (``LiveContent(held=True)``):
``CalmapPins.content`` finds it in the iframe, or its script in the page
when the iframe was remounted (``mapping/ui/live_map.py`` decides).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any, cast

import folium
from branca.element import Element, Figure
from folium.elements import JSCSSMixin
from folium.template import Template

from mapping.maps import assets
from mapping.maps.elements import _render_parts
from mapping.maps.pins import PinLayer

# folium names every element <kind>_<32 hex digits>, new for every object.
_FOLIUM_ID = re.compile(r"_[0-9a-f]{32}(?![0-9a-f])")


class ScriptLinks(JSCSSMixin, folium.MacroElement):
    """Scripts and stylesheets the base map loads once for whatever content comes later."""

    _template = Template("")

    def __init__(self, js: list[str], css: list[str]) -> None:
        """Load ``js`` (in order) and ``css`` with the map."""
        super().__init__()
        self._name = "ScriptLinks"
        self.default_js = [(f"calmap_live_js_{i}", url) for i, url in enumerate(js)]
        self.default_css = [(f"calmap_live_css_{i}", url) for i, url in enumerate(css)]


class LiveContent(folium.FeatureGroup):
    """The content of a split map: its script, run once per different content in the browser."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {%- if this.parts %}
        CalmapPins.parts({{ this.parts_json }});
        {%- endif %}
        {%- if this.held %}
        var {{ this.get_name() }} = CalmapPins.content({{ this.digest|tojson }},
            {{ this.map_name }}, null);
        {%- else %}
        var {{ this.get_name() }} = CalmapPins.content({{ this.digest|tojson }},
            {{ this.map_name }}, function () {
        {{ this.code }}
        });
        {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self, code: str, base: folium.Map, *, digest: str | None = None, held: bool = False,
        written_for: str | None = None, parts: dict[str, str] | None = None,
    ) -> None:
        """``code``: the content's script, written for ``base`` under its name of now.

        ``digest``: the content's (``content_digest``) when already known;
        ``held``: the browser already holds this content, so only its digest
        travels (``CalmapPins.content`` finds it in the iframe or the page);
        ``written_for``: the map's name when ``code`` was written, if it has
        changed since (st_folium renames a map it renders: a kept base);
        ``parts``: inline parts the code names by digest (``hold_parts``) that
        the browser does not hold, sent before it (digest → JSON).
        """
        super().__init__(name="calmap-content", control=False)
        # streamlit-folium names the group's variable feature_group_<n>.
        self._name = "FeatureGroup"
        self._code = code
        self._base = base
        self._written_for = written_for or base.get_name()
        self.digest = digest or content_digest(code.replace(self._written_for, "map"))
        self.held = held
        self.parts = parts or {}

    def render(self, **kwargs: Any) -> str:
        """Render without parsing the content again as a template (see ``RenderedText``)."""
        return _render_parts(self, kwargs)

    @property
    def parts_json(self) -> str:
        """The parts sent with this content, as one object (the texts are JSON already)."""
        return "{" + ",".join(f'"{d}":{text}' for d, text in self.parts.items()) + "}"

    @property
    def map_name(self) -> str:
        """The map's name when the content is rendered (streamlit-folium renames the map)."""
        return self._base.get_name()

    @property
    def code(self) -> str:
        """The content's script, with the map's name as it is now."""
        return self._code.replace(self._written_for, self.map_name)


def content_digest(code: str) -> str:
    """A digest of a content script that ignores folium's random element names.

    >>> a = "var pin_layer_" + "a" * 32 + " = 1;"
    >>> content_digest(a) == content_digest(a.replace("a" * 32, "b" * 32))
    True
    """
    return hashlib.sha256(_FOLIUM_ID.sub("", code).encode("utf-8")).hexdigest()[:32]


def _walk(element: Any) -> Iterator[Any]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def _is_base(element: Any, scripts: dict[str, Any]) -> bool:
    """Tiles, controls that ask to stay mounted, and elements that only style the page."""
    if isinstance(element, folium.TileLayer) or getattr(element, "stays_mounted", False):
        return True
    return not any(e.get_name() in scripts for e in _walk(element))


def split(m: folium.Map, pin_scripts: assets.ScriptLinks) -> tuple[folium.Map, LiveContent]:
    """Cut ``m`` into its base (``m`` itself, now without content) and its content.

    Renders ``m`` once to read its elements' scripts; the scripts and
    stylesheets the content needs are linked from the base (``pin_scripts``
    always, as ``pins._pin_scripts`` gives them), because a mounted map loads
    scripts only once.
    """
    figure = cast(Figure, m.get_root())
    figure.render()
    scripts = dict(figure.script._children)
    content = [
        (name, child) for name, child in m._children.items() if not _is_base(child, scripts)
    ]
    names = {e.get_name() for _, child in content for e in _walk(child)}
    code = "\n".join(
        cast(Element, part).render() for name, part in scripts.items() if name in names
    )
    js: list[str] = []
    css: list[str] = []
    for _, child in content:
        for element in _walk(child):
            js += [url for _, url in getattr(element, "default_js", [])]
            css += [url for _, url in getattr(element, "default_css", [])]
    for name, _ in content:
        del m._children[name]
    ScriptLinks(
        list(dict.fromkeys([*pin_scripts.js, *js])),
        list(dict.fromkeys([*pin_scripts.css, *css])),
    ).add_to(m)
    return m, LiveContent(code, m)


def hold_parts(m: folium.Map) -> dict[str, str]:
    """Have ``m``'s pin layers name their inline parts by digest; each part's digest → JSON.

    A layer whose public pins are files carries its other pins (team-only,
    partnership) inline: hundreds of kilobytes that a save of one public pin
    leaves unchanged. Named by digest, they travel once (``LiveContent``'s
    ``parts``, kept by the page); call before ``split``, which renders the map.
    """
    parts: dict[str, str] = {}
    for element in _walk(m):
        if isinstance(element, PinLayer) and element.payload.parts:
            element.parts_by_digest = True
            parts.update((part.digest, part.text) for part in element.payload.parts)
    return parts


def forget_groups(base: folium.Map, groups: list[folium.FeatureGroup]) -> None:
    """Take ``groups`` (st_folium's ``feature_group_to_add``) out of ``base`` again.

    st_folium adds them to the map it renders; a base kept for the next rerun
    must not carry this rerun's content and marks into its own script.
    """
    figure = base.get_root()
    for group in groups:
        names = {element.get_name() for element in _walk(group)}
        base._children.pop(group.get_name(), None)
        for part in ("header", "html", "script"):
            children = getattr(figure, part, None)
            if children is None:
                continue
            for name in names & set(children._children):
                del children._children[name]
