"""Areas: a boundary drawn on the map, an estate's list of streets, an area built from streets.

Three ways to say where an estate is:

- draw or edit its polygon on the map (``update_geometry`` takes the GeoJSON
  the drawing tool gives, or a GeoJSON file's text);
- record its streets the way Głogów did ("Hutnik – ul. Sienkiewicza i
  Śniadeckich", ``set_streets``);
- build the polygon from those streets when a street layer (lines with
  street names) is at hand (``build_from_streets``, then ``update_geometry``):
  the matching street segments are buffered and joined, with a report of the
  streets that were not found.

Writes are for admins and for editors of the team that owns the area, like
row-level security in the database; every write takes the version the user
saw and is refused when someone changed the area since (optimistic locking).
The caller owns the transaction.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import shapely
from shapely.geometry import GeometryCollection, MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata import boundaries
from geodata.boundaries import BoundaryError, repair
from mapping import geometry as boundary
from mapping.db import set_app_user
from mapping.db.models import SRID, Area, LayerHistory
from mapping.errors import ConflictError, NotFound, PermissionDenied, UserError, ValidationError
from mapping.services import validation
from mapping.services.accounts import Actor

# Metric work (buffers, areas) in the Polish national grid, as everywhere in the app.
METRIC_CRS = "EPSG:2180"
# Half the width of the strip kept on each side of a street: the buildings along it.
DEFAULT_BUFFER_M = 60.0
MAX_BUFFER_M = 500.0
# At least this share of an area must lie inside Poland's (simplified) outline.
MIN_INSIDE_POLAND = 0.95
MAX_STREETS_TEXT = 5000
# Column names a street layer may use for the street's name, in order of preference.
STREET_NAME_COLUMNS = (
    "name", "nazwa", "ulica", "nazwa_ulicy", "ul_nazwa", "street", "streetname", "nazwa_ul",
    "name_pl", "ulic_nazwa",
)  # fmt: skip
# Words that say what kind of street it is, not which: left out when names are compared.
_STREET_PREFIXES = {
    "ul", "ulica", "al", "aleja", "aleje", "alei", "pl", "plac", "os", "osiedle", "skwer",
    "rondo", "bulwar", "bulw", "wybrzeze", "wyb", "trakt",
}  # fmt: skip
# "Hutnik – ul. …": an estate's name before a spaced dash.
_DASH = re.compile(r"\s[–—-]\s")
_CONJUNCTION = re.compile(r"\s+(?:i|oraz|&)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class AreaRef:
    """An area and the version the caller now holds."""

    id: int
    version: int


@dataclass
class StreetMatch:
    """What building an area from its streets found: the polygon and the report."""

    geometry: MultiPolygon | None
    found: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    segments: int = 0

    @property
    def complete(self) -> bool:
        """True when every listed street was found."""
        return not self.missing and self.geometry is not None


# --- reading what the user gave ----------------------------------------------------------


def _polygon_parts(geometry: BaseGeometry) -> list[BaseGeometry]:
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return [geometry]
    if isinstance(geometry, GeometryCollection):
        return [p for g in geometry.geoms for p in _polygon_parts(g)]
    return []


def geometry_from_geojson(value: str | dict[str, Any] | Sequence[Any]) -> BaseGeometry:
    """The polygons in a GeoJSON text, geometry, Feature, FeatureCollection or list of features.

    Points and lines (a marker drawn by mistake) are left out; without any
    polygon the result is a ``ValidationError``.

    >>> square = {"type": "Polygon", "coordinates": [[[18, 54], [18.01, 54], [18.01, 54.01],
    ...                                               [18, 54]]]}
    >>> geometry_from_geojson({"type": "Feature", "geometry": square, "properties": {}}).geom_type
    'Polygon'
    """
    data: Any = value
    if isinstance(value, (str, bytes)):
        try:
            data = json.loads(value)
        except ValueError:
            raise ValidationError({"geometry": "area.bad_geojson"}) from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        data = data.get("features") or []
    items = data if isinstance(data, (list, tuple)) else [data]
    parts: list[BaseGeometry] = []
    for item in items:
        if not isinstance(item, dict):
            raise ValidationError({"geometry": "area.bad_geojson"})
        geometry = item.get("geometry") if item.get("type") == "Feature" else item
        if not geometry:
            continue
        try:
            shape = boundary.from_geojson(geometry)
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException):
            raise ValidationError({"geometry": "area.bad_geojson"}) from None
        parts += _polygon_parts(shape)
    if not parts:
        raise ValidationError({"geometry": "area.no_polygon"})
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def check_geometry(geometry: BaseGeometry) -> MultiPolygon:
    """A valid MultiPolygon inside Poland, repaired if it crosses itself; else ValidationError.

    >>> bowtie = shapely.Polygon([(18.0, 54.0), (18.02, 54.02), (18.02, 54.0), (18.0, 54.02)])
    >>> fixed = check_geometry(bowtie)
    >>> fixed.geom_type, fixed.is_valid
    ('MultiPolygon', True)
    """
    try:
        fixed, _note = repair(geometry)
    except BoundaryError:
        raise ValidationError({"geometry": "area.no_polygon"}) from None
    if fixed.is_empty or fixed.area == 0:
        raise ValidationError({"geometry": "area.no_polygon"})
    minx, miny, maxx, maxy = fixed.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationError({"geometry": "area.outside_poland"})
    poland = validation.poland()
    if boundaries.share_inside(fixed, poland) < MIN_INSIDE_POLAND:
        # Mirroring a valid polygon keeps it valid: no repair needed before measuring.
        swapped_inside = boundaries.share_inside(boundaries.swap_axes(fixed), poland)
        key = "area.swapped" if swapped_inside >= MIN_INSIDE_POLAND else "area.outside_poland"
        raise ValidationError({"geometry": key})
    return fixed


# --- writing ------------------------------------------------------------------------------


def _editable(session: Session, actor: Actor, ref: AreaRef) -> Area:
    area = session.get(Area, ref.id, with_for_update=True)
    if area is None or area.retired_at is not None:
        raise NotFound("area.not_found")
    if not actor.can_edit:
        raise PermissionDenied("error.read_only")
    if not actor.may_edit_team(area.team_id):
        raise PermissionDenied("error.not_your_team")
    if area.version != ref.version:
        latest = session.scalar(
            select(LayerHistory)
            .where(LayerHistory.table_name == "area", LayerHistory.row_id == area.id)
            .order_by(LayerHistory.id.desc())
            .limit(1)
        )
        raise ConflictError({}, latest.author if latest is not None else None)
    set_app_user(session, actor.username)
    return area


def _bumped(session: Session, area: Area) -> AreaRef:
    session.flush()
    # The database trigger bumped the version; read it back.
    session.refresh(area, ["version"])
    return AreaRef(area.id, area.version)


def area_ref(session: Session, area_id: int) -> AreaRef:
    """The current version of an area, for a form about to edit it."""
    area = session.get(Area, area_id)
    if area is None or area.retired_at is not None:
        raise NotFound("area.not_found")
    return AreaRef(area.id, area.version)


def _multipolygon(value: Any) -> MultiPolygon:
    """An area's stored boundary as shapely (the column holds MultiPolygons only)."""
    return cast(MultiPolygon, boundary.from_database(value))


@dataclass(frozen=True)
class AreaForEditing:
    """What the area page edits, as plain data: version, boundary, streets, owning team."""

    ref: AreaRef
    name: str
    boundary: MultiPolygon
    streets: str
    team_id: int | None


def area_for_editing(session: Session, area_id: int) -> AreaForEditing:
    """A current area with its boundary and streets, for a page about to edit them."""
    area = session.get(Area, area_id)
    if area is None or area.retired_at is not None:
        raise NotFound("area.not_found")
    return AreaForEditing(
        ref=AreaRef(area.id, area.version),
        name=area.name,
        boundary=_multipolygon(area.geom),
        streets=area.streets or "",
        team_id=area.team_id,
    )


def area_geometry(session: Session, area_id: int) -> MultiPolygon:
    """An area's boundary as a shapely MultiPolygon in EPSG:4326."""
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound("area.not_found")
    return _multipolygon(area.geom)


def update_geometry(
    session: Session,
    actor: Actor,
    ref: AreaRef,
    geometry: BaseGeometry | str | dict[str, Any] | Sequence[Any],
) -> AreaRef:
    """Replace an area's boundary with a drawn or uploaded polygon (GeoJSON or shapely)."""
    area = _editable(session, actor, ref)
    shape = geometry if isinstance(geometry, BaseGeometry) else geometry_from_geojson(geometry)
    area.geom = boundary.to_database(check_geometry(shape))
    return _bumped(session, area)


def set_streets(session: Session, actor: Actor, ref: AreaRef, streets: str | None) -> AreaRef:
    """Record the streets an estate covers, as people write them ("Hutnik – ul. A i B")."""
    area = _editable(session, actor, ref)
    errors: dict[str, str] = {}
    cleaned = validation.clean_text({"streets": streets or ""}, errors)
    value = cleaned.get("streets")
    if value is not None and len(value) > MAX_STREETS_TEXT:
        errors["streets"] = "error.too_long"
    if errors:
        raise ValidationError(errors)
    area.streets = value
    return _bumped(session, area)


def build_area_from_streets(
    session: Session,
    actor: Actor,
    ref: AreaRef,
    street_layer: gpd.GeoDataFrame,
    *,
    name_column: str | None = None,
    buffer_m: float = DEFAULT_BUFFER_M,
) -> tuple[AreaRef, StreetMatch]:
    """Build the area's boundary from its recorded streets and save it; with the report.

    Nothing is saved when no listed street is found.
    """
    area = _editable(session, actor, ref)
    listed = parse_streets(area.streets or "")
    if not listed:
        raise ValidationError({"streets": "area.no_streets"})
    match = build_from_streets(listed, street_layer, name_column=name_column, buffer_m=buffer_m)
    if match.geometry is None:
        raise UserError("area.streets_not_found", streets=", ".join(match.missing))
    return update_geometry(session, actor, ref, match.geometry), match


# --- streets --------------------------------------------------------------------------------


def parse_streets(text: str) -> list[str]:
    r"""The street names in an estate's description, as written (trimmed, without "ul.").

    One street per line; or, on one line, Głogów's way: an optional estate
    name and a dash, then streets separated by commas, "i" or "oraz" (or in
    parentheses after the estate's name).

    >>> parse_streets("Hutnik – ul. Sienkiewicza i Śniadeckich")
    ['Sienkiewicza', 'Śniadeckich']
    >>> parse_streets("Śródmieście (Poczdamska, Pl. Jana z Głogowa)")
    ['Poczdamska', 'Pl. Jana z Głogowa']
    >>> parse_streets("ul. Jana i Jędrzeja Śniadeckich\nul. Curie-Skłodowskiej")
    ['Jana i Jędrzeja Śniadeckich', 'Curie-Skłodowskiej']
    """
    text = (text or "").strip()
    if not text:
        return []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        # One per line: a conjunction inside a name ("Jana i Jędrzeja") is kept.
        pieces = [piece for line in lines for piece in re.split(r"[;,]", line)]
    else:
        line = lines[0]
        inner = re.search(r"\(([^)]*)\)", line)
        if inner:
            line = inner.group(1)
        else:
            parts = _DASH.split(line, maxsplit=1)
            if len(parts) == 2 and not _starts_with_prefix(parts[0]):
                line = parts[1]
        pieces = [p for chunk in re.split(r"[;,]", line) for p in _CONJUNCTION.split(chunk)]
    names = []
    for piece in pieces:
        name = re.sub(r"^(ul\.?|ulica)\s+", "", piece.strip(), flags=re.IGNORECASE).strip(" .")
        if name and name not in names:
            names.append(name)
    return names


def _starts_with_prefix(text: str) -> bool:
    words = normalise_words(text, keep_prefixes=True)
    return bool(words) and words[0] in _STREET_PREFIXES


def normalise_words(name: str, keep_prefixes: bool = False) -> list[str]:
    """A street name as words to compare: lower case, no diacritics, no "ul.", "al." or "pl.".

    >>> normalise_words("ul. Jędrzeja ŚNIADECKIEGO")
    ['jedrzeja', 'sniadeckiego']
    >>> normalise_words("Plac Jana z Głogowa")
    ['jana', 'z', 'glogowa']
    """
    folded = name.casefold().replace("ł", "l")
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    words = [w for w in re.split(r"[^a-z0-9]+", folded) if w]
    if not keep_prefixes:
        while words and words[0] in _STREET_PREFIXES:
            words = words[1:]
    return words


def street_matches(listed: str, street_name: str) -> bool:
    """Whether a listed street is this street: the same name, or its last words.

    People write "Sienkiewicza" for "Henryka Sienkiewicza"; case, diacritics
    and "ul."/"al."/"pl." do not matter.

    >>> street_matches("Sienkiewicza", "ul. Henryka Sienkiewicza")
    True
    >>> street_matches("sniadeckich", "Jana i Jędrzeja Śniadeckich")
    True
    >>> street_matches("Kościuszki", "Kościelna")
    False
    """
    wanted = normalise_words(listed)
    words = normalise_words(street_name)
    return bool(wanted) and len(words) >= len(wanted) and words[-len(wanted):] == wanted


def street_name_column(layer: gpd.GeoDataFrame, name_column: str | None = None) -> str:
    """The column of a street layer that holds the street names."""
    if name_column:
        if name_column not in layer.columns:
            raise UserError("area.no_name_column", columns=_columns(layer))
        return name_column
    by_lower = {str(c).lower(): str(c) for c in layer.columns if c != layer.geometry.name}
    for candidate in STREET_NAME_COLUMNS:
        if candidate in by_lower:
            return by_lower[candidate]
    raise UserError("area.no_name_column", columns=_columns(layer))


def _columns(layer: gpd.GeoDataFrame) -> str:
    return ", ".join(str(c) for c in layer.columns if c != layer.geometry.name)


def _in_wgs84(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if layer.crs is None:
        minx, miny, maxx, maxy = layer.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise UserError("area.street_layer_crs")
        # Longitudes and latitudes with no CRS said: GeoJSON's convention (RFC 7946).
        return layer.set_crs(SRID)
    return layer.to_crs(SRID)


def build_from_streets(
    listed: Iterable[str],
    street_layer: gpd.GeoDataFrame,
    *,
    name_column: str | None = None,
    buffer_m: float = DEFAULT_BUFFER_M,
) -> StreetMatch:
    """The area covered by the listed streets: their segments buffered by ``buffer_m`` and joined.

    Pure: a street layer in, a MultiPolygon in EPSG:4326 and a report out.

    >>> from shapely.geometry import LineString
    >>> layer = gpd.GeoDataFrame({"nazwa": ["ul. Henryka Sienkiewicza", "Polna"]},
    ...     geometry=[LineString([(16.08, 51.66), (16.09, 51.66)]),
    ...               LineString([(16.0, 51.6), (16.01, 51.6)])], crs=4326)
    >>> match = build_from_streets(["Sienkiewicza", "Śniadeckich"], layer)
    >>> match.found, match.missing, match.geometry.geom_type
    ({'Sienkiewicza': ['ul. Henryka Sienkiewicza']}, ['Śniadeckich'], 'MultiPolygon')
    """
    if not 0 < buffer_m <= MAX_BUFFER_M:
        raise ValidationError({"buffer_m": "area.bad_buffer"})
    column = street_name_column(street_layer, name_column)
    layer = _in_wgs84(street_layer)
    layer = layer[layer.geometry.notna() & layer.geom_type.isin(["LineString", "MultiLineString"])]
    names = [str(n) if n is not None else "" for n in layer[column]]
    match = StreetMatch(geometry=None)
    chosen: list[int] = []
    for wanted in dict.fromkeys(listed):
        hits = [i for i, name in enumerate(names) if name and street_matches(wanted, name)]
        if not hits:
            match.missing.append(wanted)
            continue
        match.found[wanted] = sorted({names[i] for i in hits})
        chosen += hits
    chosen = sorted(set(chosen))
    match.segments = len(chosen)
    if not chosen:
        return match
    metric = layer.iloc[chosen].to_crs(METRIC_CRS)
    strip = shapely.union_all(metric.geometry.buffer(buffer_m, quad_segs=4).to_numpy())
    outline = gpd.GeoSeries([strip], crs=METRIC_CRS).to_crs(SRID).iloc[0]
    match.geometry = check_geometry(outline)
    return match
