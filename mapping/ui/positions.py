"""Where the user points, as (lon, lat): typed coordinates, distances, the pin a tap hit.

A position is a ``mapping.geometry.LonLat`` from the moment it arrives (a map
tap, the browser's position, typed text) until the service stores it. People
type and read coordinates latitude first ("54,4075 18,6150", as maps and GPS
show them): ``typed_point`` and ``format_point`` are where that order is
read and written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import geopandas as gpd

from mapping.geometry import LonLat
from mapping.io.field_form import ACCURACY_LIMIT_M

# A tap on a pin reports the pin's own position; anything farther than this
# from every pin was not a tap on a pin.
PIN_TAP_METRES = 40.0
EARTH_RADIUS_M = 6_371_000.0


def parse_coordinates(text: str) -> tuple[float, float]:
    """Latitude and longitude, in the order people type them; decimal commas are fine.

    Raises ValueError when the text is not two numbers.

    >>> parse_coordinates("54.4075, 18.6150")
    (54.4075, 18.615)
    >>> parse_coordinates("54,4075 18,6150")
    (54.4075, 18.615)
    >>> parse_coordinates("54,4075; 18,615")
    (54.4075, 18.615)
    >>> parse_coordinates("54,4075,18,615")
    (54.4075, 18.615)
    """
    cleaned = text.strip().replace("\u00a0", " ")
    if ";" in cleaned:
        parts = cleaned.split(";")
    elif re.search(r"\s", cleaned.strip(" ,")):
        # "54,4 18,6" or "54.4, 18.6": whitespace separates; a comma before it is a separator.
        parts = [p.rstrip(",") for p in cleaned.split()]
        parts = [p for p in parts if p]
    elif cleaned.count(",") == 1:
        parts = cleaned.split(",")
    elif cleaned.count(",") == 3:
        # "54,4075,18,6150": two numbers with decimal commas and no space.
        a, b, c, d = cleaned.split(",")
        parts = [f"{a},{b}", f"{c},{d}"]
    else:
        parts = [cleaned]
    if len(parts) != 2:
        raise ValueError(f"expected two numbers, got {text!r}")
    lat, lon = (float(p.strip().replace(",", ".")) for p in parts)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError(f"expected two numbers, got {text!r}")
    return lat, lon


def typed_point(text: str) -> LonLat:
    """The position a person typed ("lat, lon", as ``parse_coordinates`` reads it).

    >>> typed_point("54,4075 18,6150")
    LonLat(lon=18.615, lat=54.4075)
    """
    lat, lon = parse_coordinates(text)
    return LonLat(lon, lat)


def format_point(point: tuple[float, float], lang: str = "en") -> str:
    """A (lon, lat) position as people of ``lang`` read it: latitude first, six decimals (~10 cm).

    Polish writes decimal commas, so a semicolon separates the two numbers;
    English writes dots and a comma. ``parse_coordinates`` reads both back, and
    the offline panel (field_point.js, ``tappedText``) writes the same.

    >>> format_point(LonLat(18.615, 54.4075))
    '54.407500, 18.615000'
    >>> format_point(LonLat(18.615, 54.4075), "pl")
    '54,407500; 18,615000'
    """
    lon, lat = point
    if lang == "pl":
        return f"{lat:.6f}; {lon:.6f}".replace(".", ",")
    return f"{lat:.6f}, {lon:.6f}"


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance in metres between two (lon, lat) points (equirectangular: fine within a city).

    >>> round(metres_between(LonLat(18.0, 54.0), LonLat(18.0, 54.001)))
    111
    """
    lon1, lat1 = map(math.radians, a)
    lon2, lat2 = map(math.radians, b)
    x = (lon2 - lon1) * math.cos((lat1 + lat2) / 2)
    return math.hypot(x, lat2 - lat1) * EARTH_RADIUS_M


def nearest_pin(
    frames: Mapping[str, gpd.GeoDataFrame],
    tapped: tuple[float, float],
    within_metres: float = PIN_TAP_METRES,
) -> tuple[str, int] | None:
    """The (layer, id) of the pin nearest to a tapped (lon, lat) point, if one is close enough."""
    best: tuple[float, str, int] | None = None
    for layer, frame in frames.items():
        if frame is None or not len(frame):
            continue
        located = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        for pin_id, geom in zip(located["id"], located.geometry, strict=True):
            distance = metres_between(tapped, (geom.x, geom.y))
            if distance <= within_metres and (best is None or distance < best[0]):
                best = (distance, layer, int(pin_id))
    return (best[1], best[2]) if best is not None else None


def low_accuracy(metres: float | None) -> bool:
    """Whether a GPS fix is too coarse to trust unchecked (worse than the imports' limit).

    The editor places such a point but flags it, as a field import does: the
    worker stood there, and a weak fix indoors or between blocks is common.

    >>> low_accuracy(120.0), low_accuracy(50.0), low_accuracy(None)
    (True, False, False)
    """
    return metres is not None and metres > ACCURACY_LIMIT_M


def gps_source(metres: float) -> str:
    """The source note of a pin placed by the device's GPS: how exact the fix was.

    A fix worse than the limit is marked as such, so the team checks the pin later.

    >>> gps_source(12.4)
    'GPS ±12 m'
    >>> gps_source(120)
    'GPS ±120 m (low accuracy, check on the map)'
    """
    note = " (low accuracy, check on the map)" if low_accuracy(metres) else ""
    return f"GPS ±{metres:.0f} m{note}"


def note_gps_source(data: dict[str, Any], metres: float | None) -> None:
    """Record a GPS fix's accuracy in a new pin's ``source``, unless the person wrote one.

    >>> data = {"source": ""}
    >>> note_gps_source(data, 8.0)
    >>> data["source"]
    'GPS ±8 m'
    >>> note_gps_source(data := {"source": "wywiad"}, 8.0)
    >>> data["source"]
    'wywiad'
    """
    if metres is not None and not str(data.get("source") or "").strip():
        data["source"] = gps_source(metres)
