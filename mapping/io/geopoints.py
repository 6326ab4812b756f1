"""Geopoints in KoboToolbox and ODK Central exports: which columns hold them.

Kobo exports a geopoint question ``location`` as one column ``location``
(``lat lon altitude accuracy``) plus ``_location_latitude``,
``_location_longitude``, ``_location_altitude`` and ``_location_precision``
(and ``_geolocation`` as ``[lat, lon]`` for the form's first geopoint).
ODK Central exports ``location-Latitude``, ``location-Longitude``,
``location-Altitude`` and ``location-Accuracy``, with the group path before
them (``grupa-location-Latitude``). ``calmap field import``
(``mapping.io.field_capture``) and the import page read a geopoint through
``geopoint_columns``, so both read it the same way; ``table_point_options``
gives the page the ``SourceOptions`` that place a table's rows at it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mapping.io import bulk_reading
from mapping.io.feature_files import SourceOptions

# The field form's geopoint question (mapping.io.field_form), looked for first.
LOCATION = "location"
# The parts of a split geopoint, by the words tools end their headings with.
_PARTS = {"latitude": "latitude", "longitude": "longitude", "altitude": "altitude",
          "accuracy": "accuracy", "precision": "accuracy"}  # fmt: skip
_PART = re.compile(
    r"^(?P<stem>.*?)[-_/.: ]?(?P<part>latitude|longitude|altitude|accuracy|precision)$"
)
_SEGMENTS = re.compile(r"[/\-]")


@dataclass(frozen=True)
class GeopointColumns:
    """Where a geopoint is in an export: one ``lat lon alt acc`` column and/or split columns."""

    combined: str | None = None
    latitude: str | None = None
    longitude: str | None = None
    altitude: str | None = None
    accuracy: str | None = None

    @property
    def split(self) -> bool:
        """True when latitude and longitude have columns of their own."""
        return self.latitude is not None and self.longitude is not None

    def headings(self) -> list[str]:
        """The export's headings this geopoint reads."""
        return [h for h in (self.combined, self.latitude, self.longitude, self.altitude,
                            self.accuracy) if h]  # fmt: skip


def fold(value: Any) -> str:
    """A heading or answer compared loosely: trimmed, case-folded, single spaces."""
    return " ".join(str(value or "").strip().casefold().split())


def last_segment(heading: str) -> str:
    """A heading after its group path (``grupa/location``, ``grupa-location``), folded."""
    return _SEGMENTS.split(fold(heading))[-1].strip()


def geopoint_columns(
    headings: Sequence[Any], question: str | None = LOCATION
) -> GeopointColumns | None:
    """The columns of a geopoint in a KoboToolbox or ODK Central export, or None.

    Split columns are found by their ending (``_location_latitude``,
    ``location-Latitude``, ``grupa-location-Accuracy``; Kobo calls accuracy
    "precision"); the combined column is the question's own (``location``
    or ``grupa/location``). ``question`` (the geopoint's name) is preferred
    when the export has several geopoints; with none of its name, the first
    geopoint with both latitude and longitude is taken, then Kobo's
    ``_geolocation``.

    >>> geopoint_columns(["name", "location", "_location_latitude", "_location_longitude",
    ...                   "_location_altitude", "_location_precision"])
    GeopointColumns(combined='location', latitude='_location_latitude', \
longitude='_location_longitude', altitude='_location_altitude', accuracy='_location_precision')
    >>> geopoint_columns(["grupa-location-Latitude", "grupa-location-Longitude"]).split
    True
    """
    names = [str(h).strip() for h in headings if h is not None and str(h).strip()]
    stems: dict[str, dict[str, str]] = {}
    for heading in names:
        match = _PART.match(fold(heading))
        if match is None:
            continue
        stem = last_segment(match.group("stem").strip("_-/.: ")) if match.group("stem") else ""
        stems.setdefault(stem.lstrip("_"), {}).setdefault(_PARTS[match.group("part")], heading)
    wanted = fold(question) if question else None
    complete = [s for s, parts in stems.items() if "latitude" in parts and "longitude" in parts]
    chosen = wanted if wanted in complete else (complete[0] if complete else None)
    split = {h for parts in stems.values() for h in parts.values()}
    combined_name = chosen or wanted
    combined = next(
        (h for h in names if h not in split and last_segment(h) == combined_name), None
    )
    if chosen is None and combined is None:
        combined = next((h for h in names if fold(h) == "_geolocation"), None)
        if combined is None:
            return None
    parts = stems.get(chosen, {}) if chosen is not None else {}
    return GeopointColumns(
        combined=combined,
        latitude=parts.get("latitude"),
        longitude=parts.get("longitude"),
        altitude=parts.get("altitude"),
        accuracy=parts.get("accuracy"),
    )


def table_point_options(content: bytes, filename: str) -> SourceOptions | None:
    """How ``point_import.read`` places a CSV/XLSX's rows when it holds a split geopoint.

    For a KoboToolbox or ODK Central export of any form: its geopoint's
    latitude and longitude columns as ``y_field``/``x_field``, so the import
    page reads the point the way ``calmap field import`` does, instead of
    taking a combined column named "punkt" for WKT. None when the table has
    no split geopoint (then its ``lat``/``lon`` or WKT headings apply).
    Raises ``UserError`` when the file is not a readable table.
    """
    table = bulk_reading.read_table(content, filename)
    found = geopoint_columns([h for h in table.rows[0][1] if h is not None])
    if found is None or not found.split:
        return None
    return SourceOptions(x_field=found.longitude, y_field=found.latitude)
