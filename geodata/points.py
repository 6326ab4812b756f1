"""Reading point files whose own coordinate columns hold projected numbers as text.

Polish municipal exports often keep the surveyed coordinates as strings with
comma decimals ("6542396,52") in a national CRS (PL-2000 zones, PUWG 1992),
beside a geometry someone else derived from them. We build the points from
those source columns, so a wrong derived geometry cannot slip in unnoticed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from pyproj import CRS, Transformer

WGS84 = "EPSG:4326"
_SPACES = "\u0020\u00a0\u2009\u202f"  # space, no-break, thin and narrow no-break space
_SPACE_GROUPED = re.compile(rf"[+-]?\d{{1,3}}(?:[{_SPACES}]\d{{3}})+(?:[.,]\d+)?")
_GROUPED = {
    ",": re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"),
    ".": re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?"),
}
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
# The common case, one regex away from float(): "54,4041", "-18.6308", "7".
_SIMPLE = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
# How far (degrees) a point may lie outside its CRS's published area of use
# before we call it misplaced: the areas are drawn tightly around the land.
_AREA_OF_USE_MARGIN = 0.5


class PointsError(ValueError):
    """A point file cannot be used; the message names the file, the rows and the problem."""


def parse_decimal(value: str | float | int) -> float:
    """A number written with a comma or a dot as decimal separator, as a float.

    A single comma or dot is the decimal separator. Thousands may be grouped
    with spaces (also no-break and thin spaces), or with the other separator
    when both appear ("6.542.396,52", "6,542,396.52"). A Unicode minus is
    accepted. Anything else, NaN and infinity included, is a ValueError.

    >>> parse_decimal("6542396,52"), parse_decimal("6 542 396,52"), parse_decimal("−0,5")
    (6542396.52, 6542396.52, -0.5)
    """
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int | float):
        number = float(value)
    elif _SIMPLE.fullmatch(text := str(value).strip()):
        # Imports parse tens of thousands of these; skip the general path.
        number = float(text.replace(",", "."))
    else:
        number = float(_normalised(str(value)))
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {value!r}")
    return number


def read_projected_points(
    path: str | Path, east_field: str, north_field: str, crs: str
) -> gpd.GeoDataFrame:
    """Read a file's attributes and build its points from two projected coordinate columns.

    ``east_field`` and ``north_field`` hold the easting and the northing in
    ``crs`` (text with comma or dot decimals, or numbers); the points are
    reprojected to EPSG:4326. The file's own geometry is ignored. A point
    outside the area of use of ``crs`` is an error: it usually means the two
    columns are swapped or the CRS is wrong.

    >>> from geodata import FILES
    >>> venues = read_projected_points(
    ...     FILES / "gdansk_instytucje_kultury.geojson", "X", "Y", "EPSG:2177")
    >>> len(venues), venues.crs.to_epsg(), round(venues.geometry.iloc[0].x, 4)
    (74, 4326, 18.6521)
    """
    path = Path(path)
    try:
        frame = pyogrio.read_dataframe(path, read_geometry=False)
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise PointsError(f"{path}: cannot read the file ({exc})") from exc
    missing = [field for field in (east_field, north_field) if field not in frame.columns]
    if missing:
        raise PointsError(f"{path.name}: no field {', '.join(map(repr, missing))}")
    eastings = _column(frame[east_field], path, east_field)
    northings = _column(frame[north_field], path, north_field)
    # always_xy: PL-2000 and PUWG 1992 are defined northing first (geodetic
    # x is north); we pass easting, northing and get longitude, latitude.
    transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
    longitudes, latitudes = transformer.transform(eastings, northings)
    _check_area_of_use(path, crs, list(longitudes), list(latitudes))
    points = gpd.points_from_xy(longitudes, latitudes, crs=WGS84)
    return gpd.GeoDataFrame(frame, geometry=points, crs=WGS84)


def _normalised(text: str) -> str:
    text = text.strip().replace("\u2212", "-")
    if any(space in text for space in _SPACES):
        if not _SPACE_GROUPED.fullmatch(text):
            raise ValueError(f"not a number: {text!r}")
        text = re.sub(f"[{_SPACES}]", "", text)
    if "," in text and "." in text:
        group = "." if text.rfind(",") > text.rfind(".") else ","
        text = _ungrouped(text, group)
    elif text.count(",") > 1:
        text = _ungrouped(text, ",")
    elif text.count(".") > 1:
        text = _ungrouped(text, ".")
    text = text.replace(",", ".")
    if not _PLAIN.fullmatch(text):
        raise ValueError(f"not a number: {text!r}")
    return text


def _ungrouped(text: str, group: str) -> str:
    if not _GROUPED[group].fullmatch(text):
        raise ValueError(f"not a number: {text!r}")
    return text.replace(group, "")


def _column(values: Iterable[Any], path: Path, field: str) -> list[float]:
    numbers: list[float] = []
    bad: list[str] = []
    for row, value in enumerate(values):
        try:
            numbers.append(parse_decimal(value))
        except (TypeError, ValueError):
            bad.append(f"row {row}: {value!r}")
    if bad:
        raise PointsError(f"{path.name}: {field} is not a number in {'; '.join(bad[:5])}")
    return numbers


def _check_area_of_use(
    path: Path, crs: str, longitudes: list[float], latitudes: list[float]
) -> None:
    area = CRS.from_user_input(crs).area_of_use
    if area is None:
        return
    margin = _AREA_OF_USE_MARGIN
    outside = [
        row
        for row, (lon, lat) in enumerate(zip(longitudes, latitudes, strict=True))
        if not (
            area.west - margin <= lon <= area.east + margin
            and area.south - margin <= lat <= area.north + margin
        )
    ]
    if outside:
        raise PointsError(
            f"{path.name}: {len(outside)} points fall outside the area of use of {crs} "
            f"({area.name}), e.g. rows {outside[:5]}; are east and north swapped?"
        )
