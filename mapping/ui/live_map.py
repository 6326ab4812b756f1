"""A map that stays mounted: the base once, the content swapped in place (``mapping.maps.live``).

The overview and the editor show their map through ``show``: choosing
another area, filter or language, or an editor's tap, reruns the page but
keeps the same Leaflet map in the same iframe; only the content (areas,
pins, legend) or the editor's marks change, and large layers' public pins
come from the browser's cache (``mapping.maps.pin_store``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import folium
from streamlit_folium import st_folium

from mapping.maps import assets, live


def show(
    m: folium.Map,
    *,
    key: str,
    height: int,
    leaflet: assets.LeafletLinks,
    returned_objects: Iterable[str] = (),
    marks: folium.FeatureGroup | None = None,
    center: Sequence[float] | None = None,
) -> Any:
    """Show ``m`` (an ``overview_map``) with its base mounted once; return st_folium's reply.

    ``marks`` (the editor's) go in beside the content; ``returned_objects``
    as st_folium's (none: panning and zooming never rerun the page);
    ``center`` (Leaflet's lat, lon) pans the mounted map when it changes.
    """
    base, content = live.split(m, assets.pin_script_links_beside(leaflet))
    groups: list[folium.FeatureGroup] = [content]
    if marks is not None:
        groups.append(marks)
    return st_folium(
        base, key=key, height=height, use_container_width=True,
        returned_objects=list(returned_objects), feature_group_to_add=groups, center=center,
    )
