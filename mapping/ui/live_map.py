"""A map that stays mounted: the base once, the content swapped in place (``mapping.maps.live``).

The overview and the editor show their map through ``show``: choosing
another area, filter or language, or an editor's tap, reruns the page but
keeps the same Leaflet map in the same iframe; only the content (areas,
pins, legend) or the editor's marks change, and large layers' public pins
come from the browser's cache (``mapping.maps.pin_store``).

A content this session sent lately travels again by its digest only: the
browser keeps it (``CalmapPins.content``), so an editor's tap sends the
marked point and a few hundred bytes, not every team pin again. With a
``cache_key`` the split map itself is kept (``mapping.maps.kept``): a
rerun whose data did not change reads and builds nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
from streamlit_folium import st_folium

from mapping.maps import assets, live, pin_store
from mapping.maps.kept import Kept
from mapping.ui import state

# What the page (the browser tab, one Streamlit session) keeps, as calmap-pins.js
# keeps it: the scripts of the last 6 contents sent whole and the last 64 inline
# parts sent with their data, each moved to the end when sent again. The session
# records the same sends in the same order, and takes fewer to be held, so what
# it takes to be held the page has, whichever map of the session sent it and
# whether or not the map's frame was made anew since (another page and back).
HELD_DIGESTS = 5
HELD_PARTS = 48


@dataclass
class _Split:
    """A map cut in two, kept for reruns: the base and the content's script and digest."""

    base: folium.Map
    code: str
    digest: str
    # The base's name the code was written for (st_folium renames the base when it renders).
    written_for: str
    # The pin layers' inline parts the code names by digest only (digest → JSON).
    parts: dict[str, str] = field(default_factory=dict)
    # st_folium adds the content to the base while it renders: one render at a time.
    lock: threading.Lock = field(default_factory=threading.Lock)


# Keys name the data's version and the viewer's rights (see editor_view); a few maps only.
_KEPT: Kept[_Split] = Kept(size=6, ttl=120)


def _split(m: folium.Map, leaflet: assets.LeafletLinks) -> _Split:
    parts = live.hold_parts(m)
    base, content = live.split(m, assets.pin_script_links_beside(leaflet))
    return _Split(base, content._code, content.digest, base.get_name(), parts=parts)


def show(
    m: folium.Map | Callable[[], folium.Map],
    *,
    key: str,
    height: int,
    leaflet: assets.LeafletLinks,
    returned_objects: Iterable[str] = (),
    marks: folium.FeatureGroup | None = None,
    center: Sequence[float] | None = None,
    cache_key: Hashable | None = None,
) -> Any:
    """Show ``m`` (an ``overview_map``, or a function that builds one) mounted once.

    Returns st_folium's reply. ``marks`` (the editor's) go in beside the
    content; ``returned_objects`` as st_folium's (none: panning and zooming
    never rerun the page); ``center`` (Leaflet's lat, lon) pans the mounted
    map when it changes. ``cache_key``, which must name everything the map
    shows (data version, viewer's rights, language), keeps the built map.
    """
    if cache_key is None:
        piece = _split(m() if callable(m) else m, leaflet)
    else:
        piece = _KEPT.get(("live", cache_key), lambda: _split(m() if callable(m) else m, leaflet))
        if pin_store.refused_in_run():
            # Built from pins read before a purge: it names files never written.
            _KEPT.forget(("live", cache_key))
    def part_held(digest: str) -> bool:
        return state.held(state.LIVE_PARTS, digest)

    # By its digest only when the page keeps its script and every part it names;
    # else with the parts the page does not keep.
    held = state.held(state.LIVE_HELD, piece.digest) and all(map(part_held, piece.parts))
    sent_parts = {} if held else {
        digest: text for digest, text in piece.parts.items() if not part_held(digest)
    }
    content = live.LiveContent(
        piece.code, piece.base, digest=piece.digest, held=held, written_for=piece.written_for,
        parts=sent_parts,
    )
    groups: list[folium.FeatureGroup] = [content]
    if marks is not None:
        groups.append(marks)
    with piece.lock:
        try:
            reply = st_folium(
                piece.base, key=key, height=height, use_container_width=True,
                returned_objects=list(returned_objects), feature_group_to_add=groups,
                center=center,
            )
        finally:
            live.forget_groups(piece.base, groups)
    if not held:
        state.sent(state.LIVE_HELD, piece.digest, HELD_DIGESTS)
        for digest in sent_parts:
            state.sent(state.LIVE_PARTS, digest, HELD_PARTS)
    return reply
