"""Checking what a user typed before anything is written.

Every check returns message keys per field (``mapping.i18n`` translates them),
so a form can mark each bad field at once instead of failing on the first.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from mapping import geometry as geometries
from mapping.db.models import NEED_STATUSES, VISIBILITIES

POLAND_OUTLINE = (
    Path(__file__).resolve().parents[2] / "geodata" / "files" / "poland_outline.geojson"
)

# Limits are generous for real use and far below what would hurt the database
# or a popup: a 10 MB description is refused here, not stored.
MAX_LENGTH = {
    "name": 300,
    "description": 5000,
    "address": 300,
    "phone": 100,
    "email": 200,
    "www": 500,
    "opening_hours": 1000,
    "evidence": 5000,
    "verified_by": 200,
    "source": 2000,
}
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_PHONE = re.compile(r"^[0-9+()\-\s/.,wew]{3,100}$")
_URL = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)
# Control characters other than tab/newline: PostgreSQL rejects NUL outright,
# and the others only ever come from broken files or attacks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=1)
def poland() -> BaseGeometry:
    """Poland's outline (simplified), for telling a real pin from a slip into the sea."""
    import json

    data = json.loads(POLAND_OUTLINE.read_text(encoding="utf-8"))
    geom = geometries.from_geojson(data["features"][0]["geometry"])
    shapely.prepare(geom)
    return geom


def clean_text(data: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Trim text fields, drop empty ones to None and check lengths and characters."""
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
            if _CONTROL.search(value):
                errors[key] = "error.control_characters"
                continue
            limit = MAX_LENGTH.get(key)
            if limit is not None and len(value) > limit:
                errors[key] = "error.too_long"
                continue
            value = value or None
        cleaned[key] = value
    return cleaned


def check_contact(data: dict[str, Any], errors: dict[str, str]) -> None:
    """Check e-mail, phone and web address formats."""
    if data.get("email") and not _EMAIL.match(data["email"]):
        errors["email"] = "error.email"
    if data.get("phone") and not _PHONE.match(data["phone"]):
        errors["phone"] = "error.phone"
    if data.get("www") and not _URL.match(data["www"]):
        errors["www"] = "error.www"


def check_choice(
    data: dict[str, Any], key: str, allowed: set[str] | tuple[str, ...], errors: dict[str, str]
) -> None:
    """Check that a field holds one of the allowed codes."""
    if data.get(key) not in allowed:
        errors[key] = "error.unknown_choice"


def check_choices(
    data: dict[str, Any], key: str, allowed: set[str], errors: dict[str, str]
) -> None:
    """Check that a list field holds only allowed codes."""
    values = data.get(key) or []
    if not isinstance(values, list | tuple) or any(v not in allowed for v in values):
        errors[key] = "error.unknown_choice"


def check_visibility(data: dict[str, Any], errors: dict[str, str]) -> None:
    """Check the visibility level."""
    check_choice(data, "visibility", VISIBILITIES, errors)


def check_status(data: dict[str, Any], errors: dict[str, str]) -> None:
    """Check a need's status and priority."""
    check_choice(data, "status", NEED_STATUSES, errors)
    if data.get("priority") not in (1, 2, 3):
        errors["priority"] = "error.priority"


def check_point(lon: Any, lat: Any, errors: dict[str, str]) -> Point | None:
    """A point from longitude/latitude inside Poland, or None with the reason in ``errors``."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        errors["point"] = "error.point_not_number"
        return None
    if not (math.isfinite(x) and math.isfinite(y)) or not (-180 <= x <= 180 and -90 <= y <= 90):
        errors["point"] = "error.point_not_number"
        return None
    point = Point(x, y)
    if not poland().covers(point):
        # Latitude and longitude swapped put Poland in the Indian Ocean.
        swapped = poland().covers(Point(y, x))
        errors["point"] = "error.point_swapped" if swapped else "error.point_outside_poland"
        return None
    return point
