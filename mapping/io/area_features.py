"""One feature of an area file checked: its name, a valid MultiPolygon in Poland, its population.

``mapping.io.area_import`` plans a whole file from these: every feature
becomes a ``PlannedArea`` with the messages to show (an error blocks the
import, a warning or note does not); repairs are appended to its source, so
that QGIS users see what was changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import GeometryCollection, MultiPolygon
from shapely.geometry.base import BaseGeometry

from geodata import boundaries
from geodata.boundaries import BoundaryError
from geodata.features import WGS84, Features
from geodata.points import parse_decimal
from mapping.i18n import t
from mapping.services import validation

MAX_NAME = 200  # area.name is VARCHAR(200)
# A feature counts as in Poland, in a parent, or the same as a stored area
# when at least this share of its area lies there: boundaries from different
# sources never match to the metre, and the Poland outline is simplified.
IN_POLAND_SHARE = 0.5
PARENT_SHARE = 0.5
SAME_AREA_SHARE = 0.5
OTHER_NAME_SHARE = 0.9
# What shapely.is_valid_reason says (GEOS's words), for the Polish text of a repair.
_REASON = re.compile(r"^(?P<reason>[A-Za-z -]+?)\s*\[(?P<where>[^\]]*)\]$")
_REASONS_PL = {
    "Self-intersection": "samoprzecięcie",
    "Ring Self-intersection": "samoprzecięcie pierścienia",
    "Too few points": "za mało punktów",
    "Interior is disconnected": "wnętrze rozcięte na części",
    "Hole lies outside shell": "otwór poza obrysem",
    "Nested holes": "otwór w otworze",
    "Nested shells": "obrys w obrysie",
    "Duplicate Rings": "powtórzony pierścień",
    "Invalid Coordinate": "niepoprawna współrzędna",
    "Ring is not closed": "niedomknięty pierścień",
}


@dataclass(frozen=True)
class AreaOptions:
    """What the user chose for a file: which attribute names the areas, their kind and team.

    ``name_field`` and ``population_field`` None: found by their usual names.
    ``team`` is a team code. ``source`` is prepended to every area's source
    (the data owner to attribute, e.g. "SIP Wrocławia").
    """

    name_field: str | None = None
    kind: str = "estate"
    team: str | None = None
    population_field: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Message:
    """One thing to tell the user: ``error`` blocks the import, ``warning`` and ``note`` do not."""

    level: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str = "pl") -> str:
        """The message in ``language``."""
        params = dict(self.params)
        if "problem" in params:
            params["problem"] = validity_reason(str(params["problem"]), language)
        return t(self.key, language, **params)


def validity_reason(problem: str, language: str = "pl") -> str:
    """GEOS's reason a polygon is invalid, in ``language``; the English stays in ``source``.

    >>> validity_reason("Self-intersection[17.0275 51.118]")
    'samoprzecięcie w punkcie 17.0275 51.118'
    >>> validity_reason("Self-intersection[17.0275 51.118]", "en")
    'Self-intersection[17.0275 51.118]'
    """
    found = _REASON.match(problem)
    if language == "en" or found is None or found["reason"] not in _REASONS_PL:
        return problem
    return f"{_REASONS_PL[found['reason']]} w punkcie {found['where']}"


@dataclass
class PlannedArea:
    """What one feature of the file becomes, and what there is to say about it."""

    row: int
    name: str
    kind: str
    geometry: MultiPolygon | None
    population: int | None = None
    team_id: int | None = None
    parent_id: int | None = None
    parent_row: int | None = None
    parent_name: str | None = None
    source: str = ""
    messages: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing about this feature blocks the import."""
        return not any(m.level == "error" for m in self.messages)

    def add(self, level: str, key: str, **params: Any) -> None:
        """Record a message about this feature."""
        self.messages.append(Message(level, key, params))


def _feature(
    features: Features,
    position: int,
    name_field: str,
    population_field: str | None,
    options: AreaOptions,
    filename: str,
) -> PlannedArea:
    row = features.rows[position]
    record = features.frame.iloc[position]
    name = " ".join(_text(record[name_field]).split())
    area = PlannedArea(row=row, name=name, kind=options.kind, geometry=None)
    origin = f"{filename}, feature {row}" if filename else f"feature {row}"
    # Repairs append to it below, so that QGIS users see what was changed.
    area.source = f"{options.source}; {origin}" if options.source else origin
    errors: dict[str, str] = {}
    validation.clean_text({"name": name}, errors)
    if not name:
        area.add("error", "area_import.no_name", field=name_field)
    elif "name" in errors:
        area.add("error", errors["name"])
    elif len(name) > MAX_NAME:
        area.add("error", "error.too_long")
    if position in features.row_problems:
        code, value = features.row_problems[position]
        area.add("error", "area_import.bad_wkt", value=value)
    else:
        area.geometry = _geometry(area, record.geometry, features.source_geometry.iloc[position],
                                  features.source_crs)
    if population_field is not None:
        area.population = _population(area, record[population_field])
    return area


def _geometry(
    area: PlannedArea, geometry: BaseGeometry | None, source: BaseGeometry | None, crs: str
) -> MultiPolygon | None:
    """A valid MultiPolygon in Poland for the feature, or None with the reason recorded."""
    if geometry is None or geometry.is_empty:
        area.add("error", "area_import.empty_geometry")
        return None
    polygonal = _polygonal_parts(geometry)
    if polygonal is None:
        area.add("error", "area_import.not_polygon", type=geometry.geom_type)
        return None
    if polygonal is not geometry:
        area.add("warning", "area_import.other_parts_dropped", type=geometry.geom_type)
    finite = bool(np.isfinite(shapely.get_coordinates(polygonal)).all())
    if not finite or boundaries.share_inside(polygonal, validation.poland()) < IN_POLAND_SHARE:
        _outside_poland(area, polygonal if finite else None, source, crs)
        return None
    try:
        fixed, note = boundaries.repair(polygonal, area.name)
    except BoundaryError:
        area.add("error", "area_import.no_area")
        return None
    if note is not None:
        area.add(
            "warning", "area_import.repaired", problem=note.problem,
            dropped=", ".join(note.dropped) or "-",
        )
        area.source += f"; {note}"
    return fixed


def _polygonal_parts(geometry: BaseGeometry) -> BaseGeometry | None:
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    if isinstance(geometry, GeometryCollection):
        parts = [
            polygon
            for part in geometry.geoms
            if part.geom_type in ("Polygon", "MultiPolygon")
            for polygon in getattr(part, "geoms", [part])
        ]
        return MultiPolygon(parts) if parts else None
    return None


def _outside_poland(
    area: PlannedArea, geometry: BaseGeometry | None, source: BaseGeometry | None, crs: str
) -> None:
    """Say whether the feature is simply elsewhere or has its axes the wrong way round."""
    poland = validation.poland()
    if geometry is not None and boundaries.share_inside(
        _valid(boundaries.swap_axes(geometry)), poland
    ) >= IN_POLAND_SHARE:
        # Latitude and longitude swapped put Poland in the Indian Ocean.
        area.add("error", "area_import.swapped_axes", where=_where(geometry))
        return
    if source is not None and crs != WGS84:
        flipped = gpd.GeoSeries([boundaries.swap_axes(source)], crs=crs).to_crs(WGS84).iloc[0]
        if (
            np.isfinite(shapely.get_coordinates(flipped)).all()
            and boundaries.share_inside(_valid(flipped), poland) >= IN_POLAND_SHARE
        ):
            area.add("error", "area_import.swapped_axes_source", crs=crs)
            return
    area.add("error", "area_import.outside_poland", where=_where(geometry))


def _valid(geometry: BaseGeometry) -> BaseGeometry:
    return geometry if geometry.is_valid else shapely.make_valid(geometry)


def _where(geometry: BaseGeometry | None) -> str:
    if geometry is None:
        return "?"
    point = geometry.representative_point() if geometry.is_valid else geometry.centroid
    return f"{point.y:.4f}, {point.x:.4f}"


def _population(area: PlannedArea, value: Any) -> int | None:
    text = _text(value)
    if not text:
        return None
    try:
        number = parse_decimal(value if isinstance(value, int | float) else text)
    except ValueError:
        number = -1.0
    if number < 0 or not float(number).is_integer() or number > 2**31 - 1:
        area.add("warning", "area_import.bad_population", value=text[:40])
        return None
    if number == 0:
        # Gdańsk's file has 0 for districts it has no figure for: unknown, not empty.
        area.add("note", "area_import.population_zero")
        return None
    return int(number)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN from pandas
        return ""
    return str(value).strip()
