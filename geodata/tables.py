"""Features from a decoded table (CSV, XLSX): geometry from a WKT column or two number columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geodata.crs import _crs_name, _in_wgs84, parse_crs
from geodata.features import DEFAULT_LIMITS, WGS84, Features, FormatError, Limits, Note
from geodata.points import parse_decimal


def features_from_table(
    headings: Sequence[str],
    rows: Sequence[tuple[int, Sequence[Any]]],
    *,
    wkt: str | None = None,
    x: str | None = None,
    y: str | None = None,
    crs: str | None = None,
    file_format: str = "CSV",
    encoding: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Features:
    """Features from a decoded table: geometry from a WKT column or from two coordinate columns.

    ``rows`` are (row number, cells) as the spreadsheet shows them. ``x``/``y``
    name the easting/longitude and northing/latitude columns, numbers or text
    with comma or dot decimals; ``wkt`` names a WKT (or EWKT ``SRID=…;``)
    column. Without ``crs`` the coordinates are taken as EPSG:4326
    longitude/latitude; figures that are plainly metres are refused with the
    national CRS they fit. A row whose geometry cannot be read keeps its
    attributes, gets no geometry, and is listed in ``row_problems``.

    >>> found = features_from_table(
    ...     ["nazwa", "X", "Y"], [(2, ["Biblioteka", "6542396,52", "6024557,36"])],
    ...     x="X", y="Y", crs="EPSG:2177")
    >>> point = found.frame.geometry.iloc[0]
    >>> found.source_crs, round(point.x, 4), round(point.y, 4)
    ('EPSG:2177', 18.6521, 54.3496)
    """
    if len(rows) > limits.max_features:
        raise FormatError(
            "too_many_features",
            f"the table holds {len(rows)} rows; at most {limits.max_features}",
            limit=limits.max_features,
        )
    names = [str(h).strip() if h is not None else "" for h in headings]
    records = [
        {name: (cells[i] if i < len(cells) else None) for i, name in enumerate(names) if name}
        for _number, cells in rows
    ]
    frame = pd.DataFrame.from_records(records, columns=[n for n in names if n])
    given = parse_crs(crs)
    problems: dict[int, tuple[str, str]] = {}
    srid: str | None = None
    if x is not None or y is not None:
        for column in (x, y):
            if column not in frame.columns:
                raise _no_column(column, names)
        geometry = _points_from_columns(frame[x], frame[y], problems)
        used: tuple[str, ...] = (x, y)  # type: ignore[assignment]
    elif wkt is not None:
        if wkt not in frame.columns:
            raise _no_column(wkt, names)
        geometry, srid = _from_wkt(frame[wkt], problems)
        used = (wkt,)
    else:
        geometry = [None] * len(frame)
        used = ()
    source_crs = _crs_name(given) if given is not None else (srid or WGS84)
    notes = [] if given is not None or srid or not used else [Note("crs_assumed", {"crs": WGS84})]
    located = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry), crs=source_crs)
    found = _in_wgs84(
        located,
        file_format=file_format,
        source_crs=source_crs,
        rows=[number for number, _cells in rows],
        encoding=encoding,
        notes=notes,
    )
    found.row_problems = problems
    found.geometry_columns = used
    return found


def _no_column(column: str | None, names: Sequence[str]) -> FormatError:
    fields = ", ".join(n for n in names if n)
    return FormatError(
        "no_column", f"no column {column!r}; the columns are {fields}", column=column,
        columns=fields,
    )


def _points_from_columns(
    xs: pd.Series, ys: pd.Series, problems: dict[int, tuple[str, str]]
) -> list[BaseGeometry | None]:
    coordinates = np.full((len(xs), 2), np.nan)
    for position, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if _blank(x) and _blank(y):
            continue
        if _blank(x) or _blank(y):
            problems[position] = ("incomplete", _text(x if _blank(y) else y))
            continue
        try:
            coordinates[position] = (parse_decimal(_number_text(x)), parse_decimal(_number_text(y)))
        except (TypeError, ValueError):
            problems[position] = ("bad_number", f"{_text(x)}; {_text(y)}")
    # One call for all rows: building points one by one is most of a big table's time.
    # shapely's stubs allow one Point for an array of unknown shape; this one is (n, 2).
    points = cast(NDArray[np.object_], shapely.points(coordinates))
    missing = np.isnan(coordinates).any(axis=1)
    return [None if gone else point for point, gone in zip(points, missing, strict=True)]


def _from_wkt(
    values: pd.Series, problems: dict[int, tuple[str, str]]
) -> tuple[list[BaseGeometry | None], str | None]:
    geometries: list[BaseGeometry | None] = []
    srids: set[str] = set()
    for position, value in enumerate(values):
        if _blank(value):
            geometries.append(None)
            continue
        text = str(value).strip()
        if text.upper().startswith("SRID="):
            prefix, _, text = text.partition(";")
            srids.add(f"EPSG:{prefix.split('=', 1)[1].strip()}")
        try:
            geometries.append(shapely.from_wkt(text))
        except (shapely.errors.GEOSException, ValueError, TypeError):
            problems[position] = ("bad_wkt", text[:80])
            geometries.append(None)
    if len(srids) > 1:
        listed = ", ".join(sorted(srids))
        raise FormatError("mixed_srid", f"the WKT mixes {listed}", srids=listed)
    srid = next(iter(srids)) if srids else None
    if srid is not None:
        parse_crs(srid)  # an unknown SRID is refused here, with its number
    return geometries, srid


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN from pandas
        return True
    return isinstance(value, str) and not value.strip()


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()[:80]


def _number_text(value: Any) -> str | float:
    if isinstance(value, bool):
        raise ValueError("not a number")
    return value if isinstance(value, int | float) else str(value)
